"""The gradient check's table: one row per parameter, sortable, optionally only the failing.

:class:`GradCheckModel` holds a :class:`bpdesk.core.GradCheckResult` and
sorts itself with NumPy; :class:`FailingFilter` hides the rows that agree;
:func:`make_table_view` is the view over both, sized for 10,000 rows.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from bpdesk.core import GradCheckResult, Network
from bpdesk.core.chainrule import neuron_name
from bpdesk.core.gradcheck import PASS_THRESHOLD
from bpdesk.ui import theme
from bpdesk.ui.format import sci, significant
from bpdesk.ui.preferences import ViewPreferences

THRESHOLD = sci(PASS_THRESHOLD, 0)
PARAMETER, BACKPROP, NUMERICAL, ERROR = range(4)  # table columns
HEADERS = ("Parameter", "Backprop", "Numerical", "Rel. error")
HEADER_TIPS = (
    "The weight or bias, named by its neurons as in the diagram: w(x2 → h1) is the "
    "weight on the line from x2 to h1; b(h1) is the bias of h1",
    "∂L/∂w from one forward and one backward pass (backpropagation)",
    "∂L/∂w ≈ (L(w + ε) − L(w − ε)) / 2ε: two forward passes for this parameter alone",
    f"|backprop − numerical| / max(|backprop|, |numerical|): below {THRESHOLD} (or the "
    "loss's own rounding over 2ε, where that is more) the two agree",
)

_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ALIGN_NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class GradCheckModel(QAbstractTableModel):
    """One row per parameter of the last check: its name, both gradients, their relative error.

    Rows a cancelled check never reached show "—". The model sorts itself
    with NumPy (see :meth:`sort`): a proxy asking Python for every comparison
    takes about a second for the scale-up's 9,765 rows.
    """

    def __init__(self, prefs: ViewPreferences, parent=None) -> None:
        super().__init__(parent)
        self.prefs = prefs
        self.result: GradCheckResult | None = None
        self.network: Network | None = None  # the copy that was checked (for neuron names)
        self.failing = np.zeros(0, dtype=bool)
        self.kinks = np.zeros(0, dtype=bool)  # nudged across a ReLU kink: not compared
        self.stale = False
        self._order = np.zeros(0, dtype=np.int64)  # row → parameter index
        self._rank = np.zeros(0, dtype=np.int64)  # parameter index → row
        self._sort = (PARAMETER, Qt.SortOrder.AscendingOrder)
        self._bold = QFont()
        self._bold.setBold(True)

    def set_result(self, result: GradCheckResult | None, network: Network | None = None) -> None:
        """Show ``result`` of checking ``network`` (None: empty), sorted as the table was."""
        self.beginResetModel()
        self.result = result
        self.network = network
        self.stale = False
        n = 0 if result is None else result.n_parameters
        self.failing = np.zeros(n, dtype=bool)
        self.kinks = np.zeros(n, dtype=bool)
        if result is not None:
            comparable = result.comparable
            self.kinks = (np.arange(n) < result.completed) & ~comparable
            # NaN (a diverged network) fails too: "not within the threshold".
            self.failing = result.failing
        self._order = np.arange(n)
        self._reorder(*self._sort)
        self.endResetModel()
        self._colors()

    def set_stale(self, stale: bool) -> None:
        """Grey the numbers out when the network changed since the check."""
        if stale != self.stale and self.result is not None:
            self.stale = stale
            n = self.rowCount()
            if n:
                self.dataChanged.emit(self.index(0, 0), self.index(n - 1, len(HEADERS) - 1))

    def refresh_colors(self) -> None:
        """Take the palette's colours again and repaint every cell."""
        self._colors()
        n = self.rowCount()
        if n:
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, len(HEADERS) - 1))

    def _colors(self) -> None:
        prefs = self.prefs
        self._right, self._wrong = theme.verdict_colors(prefs.palette)
        self._faint = prefs.color("faint_text")
        self._fail_background = theme.mix(self._wrong, prefs.color("background"), 0.85)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Layer sizes of the network checked (empty when there is no result)."""
        return () if self.network is None else self.network.layer_sizes

    def parameter(self, row: int) -> int:
        """The flat parameter index shown in ``row``."""
        return int(self._order[row])

    def position(self, k: int) -> int:
        """Where entry ``k`` of the result sits in ``Network.parameters``."""
        indices = None if self.result is None else self.result.indices
        return k if indices is None else int(indices[k])

    def entry_of(self, position: int) -> int | None:
        """The result's entry for a position in ``Network.parameters`` (None: not checked)."""
        indices = None if self.result is None else self.result.indices
        if indices is None:
            return position
        k = int(np.searchsorted(indices, position))
        return k if k < len(indices) and indices[k] == position else None

    def row_of(self, k: int) -> int:
        """The row showing parameter ``k``."""
        return int(self._rank[k])

    def checked(self, k: int) -> bool:
        """True when parameter ``k`` was reached by the (possibly cancelled) check."""
        return self.result is not None and k < self.result.completed

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        """One row per parameter."""
        if (parent is not None and parent.isValid()) or self.result is None:
            return 0
        return self.result.n_parameters

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        """Parameter, backprop, numerical, relative error."""
        return 0 if parent is not None and parent.isValid() else len(HEADERS)

    # -- sorting ------------------------------------------------------------------

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (one NumPy argsort), keeping the selection."""
        if column < 0:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        keys = [int(self._order[i.row()]) for i in old]
        self._reorder(column, order)
        new = [self.index(int(self._rank[k]), i.column()) for k, i in zip(keys, old)]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _reorder(self, column: int, order) -> None:
        self._sort = (column, order)
        result = self.result
        n = 0 if result is None else result.n_parameters
        if n:
            index = np.arange(n, dtype=np.float64)
            unchecked = index >= result.completed
            if column == BACKPROP:
                key = result.backprop.astype(np.float64)
            elif column == NUMERICAL:
                key = np.where(unchecked, np.nan, result.numerical)
            elif column == ERROR:
                key = np.where(unchecked, np.nan, result.relative_errors)
            else:
                key = index
            descending = order == Qt.SortOrder.DescendingOrder
            # Unchecked (NaN) rows last either way; ties keep the network's order.
            key = np.where(np.isnan(key), np.inf, -key if descending else key)
            self._order = np.argsort(key, kind="stable")
        else:
            self._order = np.zeros(0, dtype=np.int64)
        self._rank = np.empty_like(self._order)
        self._rank[self._order] = np.arange(len(self._order))

    # -- cells --------------------------------------------------------------------------

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        """Text, colours, alignment and tooltip of one cell."""
        if not index.isValid() or self.result is None:
            return None
        k, column = int(self._order[index.row()]), index.column()
        if role == _DISPLAY:
            return self._text(k, column)
        if role == _FOREGROUND:
            if self.stale or not self.checked(k):
                return self._faint
            if column == ERROR:
                if self.kinks[k]:
                    return self._faint
                return self._wrong if self.failing[k] else self._right
            return None
        if role == _BACKGROUND:
            return self._fail_background if self.failing[k] else None
        if role == _ALIGNMENT:
            return None if column == PARAMETER else _ALIGN_NUMBER
        if role == _TOOLTIP:
            return self._tooltip(k)
        return None

    def _text(self, k: int, column: int) -> str:
        result = self.result
        if column == PARAMETER:
            return result.names[k]
        if column == BACKPROP:
            return significant(result.backprop[k])
        if not self.checked(k):
            return "—"
        if column == NUMERICAL:
            return significant(result.numerical[k])
        if self.kinks[k]:
            return sci(result.relative_errors[k]) + " kink"
        mark = " ✗" if self.failing[k] else " ✓"
        return sci(result.relative_errors[k]) + mark

    def _tooltip(self, k: int) -> str:
        result = self.result
        name = result.names[k]
        what = name
        net = self.network
        if net is not None:
            layer, i, j = net.parameter_at(self.position(k))
            to = neuron_name(net, layer + 1, j)
            what = (
                f"{name}: the bias of {to}"
                if i is None
                else f"{name}: the weight from {neuron_name(net, layer, i)} to {to}"
            )
        if not self.checked(k):
            return f"{what}\nNot checked: the check was cancelled before reaching it."
        if self.kinks[k]:
            verdict = (
                "not compared: nudging it by ±ε carries a ReLU's input across 0, where "
                "the slope jumps, so the central difference mixes two slopes and is no "
                "derivative at all"
            )
        elif self.failing[k]:
            verdict = "they disagree: backprop is wrong here"
        else:
            verdict = "they agree: backprop is right here"
        lines = [
            what,
            f"Backprop {significant(result.backprop[k])}, numerical {significant(result.numerical[k])}: "
            f"relative error {sci(result.relative_errors[k])}, {verdict}.",
        ]
        if self.stale:
            lines.append("Out of date: the network or the data changed since this check.")
        return "\n".join(lines)

    def headerData(self, section: int, orientation, role: int = _DISPLAY):
        """Column titles with tooltips; rows numbered in the table's order."""
        if orientation == Qt.Orientation.Horizontal:
            if role == _DISPLAY:
                return HEADERS[section]
            if role == _TOOLTIP:
                return HEADER_TIPS[section]
        return None


class FailingFilter(QSortFilterProxyModel):
    """Shows every parameter, or only the failing ones; sorting is done by the model itself."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.only_failing = False

    def set_only_failing(self, only: bool) -> None:
        """Hide the parameters whose gradients agree."""
        if only == self.only_failing:
            return
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9 deprecates invalidateRowsFilter
            self.beginFilterChange()
            self.only_failing = only
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.only_failing = only
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        """Every row, or only the failing ones."""
        if not self.only_failing:
            return True
        model = self.sourceModel()
        return bool(model.failing[model.parameter(source_row)])

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Hand the sort to the model: one NumPy argsort instead of a Python call per comparison."""
        self.sourceModel().sort(column, order)


# -- the panel --------------------------------------------------------------------------------


def make_table_view(proxy: FailingFilter, metrics: QFontMetrics) -> QTableView:
    """The table over ``proxy``: whole rows selected one at a time, sorted by a header click."""
    table = QTableView()
    table.setModel(proxy)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setSortingEnabled(True)
    table.horizontalHeader().setSortIndicator(PARAMETER, Qt.SortOrder.AscendingOrder)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    # Fixed row heights: the view then reads only the visible rows, even for
    # the scale-up's 9,765.
    rows_header = table.verticalHeader()
    rows_header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows_header.setDefaultSectionSize(metrics.height() + 6)
    table.setMinimumHeight(48)
    # Widths from the widest text each column can hold, not from the rows: sizing
    # to contents would read every row of the scale-up's 9,765.
    header = table.horizontalHeader()
    for column, widest in enumerate(("W10[99,99]", "−1.23456e−05", "−1.23456e−05")):
        header.resizeSection(column, metrics.horizontalAdvance(widest) + 26)  # + the sort arrow
    table.setToolTip(
        "Both gradients of every parameter. Click a header to sort (by relative error to "
        "find the worst); click a row to select that weight or bias in the network. Red "
        "rows fail the check."
    )
    return table
