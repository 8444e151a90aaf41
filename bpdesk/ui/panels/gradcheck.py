"""The "Gradient check" dock: backprop against central differences, counted and timed.

The explainer's argument in numbers. Central differences nudge every weight
up and down and run the network forward each time: 2 forward passes per
parameter. Backprop gets every gradient from 1 forward and 1 backward pass.
"Run check" does both on the open network and shows the pass counts, the
times, the speedup and whether the two gradients agree, parameter by
parameter. "Scale up" does the same on a ~10,000-weight network, on a worker
thread, to reproduce the explainer's headline (about 20,000 forward passes
against 2). "Inject a bug" swaps backprop for one with a deliberate mistake
(:mod:`bpdesk.core.bugs`) so the learner sees what the check is for.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
    QThread,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core import GradCheckResult, Network, gradient_check
from bpdesk.core.bugs import BUGS, Bug
from bpdesk.core.chainrule import neuron_name
from bpdesk.core.gradcheck import PASS_THRESHOLD
from bpdesk.ui import theme
from bpdesk.ui.document import Document, Parameter
from bpdesk.ui.panels.predictions import verdict_colors
from bpdesk.ui.threads import worker_thread

# A check runs in the GUI thread only while it is quick: up to this many
# parameters, and this many parameters × examples (a forward pass costs about
# that much arithmetic, and the check needs 2 per parameter). Then it takes
# well under a tenth of a second; anything bigger goes to the worker thread.
SYNC_LIMIT = 2000
SYNC_WORK = 50_000
# The explainer's "10,000 weights": 100-64-50-1 has 9,765 weights and biases.
SCALE_UP_SIZES = (100, 64, 50, 1)
SCALE_UP_SAMPLES = 32
SCALE_UP_SEED = 0
PROGRESS_INTERVAL = 1 / 30  # seconds between progress reports: the bar needs no more

NETWORK, SCALE_UP = "network", "scale-up"  # what a check was run on


def sci(value: float, digits: int = 1) -> str:
    """A ratio as the learner reads it: ``3.2e−10``, ``1e−6``, ``0.86``, ``2``, ``0``."""
    if value == 0:
        return "0"
    if not np.isfinite(value):
        return str(value)
    if 1e-2 <= abs(value) < 1e3:
        return f"{value:.{digits + 1}g}".replace("-", "−")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", "−")


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


# -- the problems checked ----------------------------------------------------------------


def scale_up_problem(seed: int = SCALE_UP_SEED) -> tuple[Network, np.ndarray, np.ndarray]:
    """The explainer's scale: a 100-64-50-1 tanh/sigmoid network and 32 random examples."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(SCALE_UP_SAMPLES, SCALE_UP_SIZES[0]))
    T = (rng.uniform(size=(SCALE_UP_SAMPLES, 1)) > 0.5).astype(np.float64)
    net = Network.create(SCALE_UP_SIZES, activation="tanh", output_activation="sigmoid", seed=seed)
    return net, X, T


def parameter_at(layer_sizes: tuple[int, ...], k: int) -> Parameter:
    """The ``(layer, i, j)`` of entry ``k`` of ``Network.parameters`` (``i`` None for a bias).

    Layer ``l``'s block is ``(n_in + 1, n_out)``, row-major, its last row the biases.
    """
    offset = 0
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes, layer_sizes[1:])):
        size = (n_in + 1) * n_out
        if k < offset + size:
            i, j = divmod(k - offset, n_out)
            return (layer, None if i == n_in else i, j)
        offset += size
    raise IndexError(f"parameter {k} is outside a network of {offset} parameters")


@dataclass(frozen=True, eq=False)
class CheckJob:
    """One check to run: a private copy of the network and data, and the backprop to test.

    Built in the GUI thread, run in either thread; nothing in it is shared
    with the document.
    """

    kind: str  # NETWORK or SCALE_UP
    network: Network
    X: np.ndarray
    T: np.ndarray
    bug: Bug | None
    label: str  # what was checked, for the learner: "2-2-1 sigmoid, mse, 9 parameters · 1 example"
    version: tuple  # the document's (version, rows) when the job was made (NETWORK only)
    run_id: int = 0

    @property
    def quick(self) -> bool:
        """True when the check is small enough to run in the GUI thread."""
        n = self.network.n_parameters
        return n <= SYNC_LIMIT and n * len(self.X) <= SYNC_WORK

    def run(self, progress=None, should_stop=None) -> CheckOutcome:
        """Run the check; an error becomes part of the outcome instead of escaping."""
        try:
            result = gradient_check(
                self.network,
                self.X,
                self.T,
                progress=progress,
                should_stop=should_stop,
                backprop=self.bug,
            )
        except Exception as exc:  # reported to the learner, not swallowed
            return CheckOutcome(self, None, f"Cannot check this network: {exc}")
        return CheckOutcome(self, result)


@dataclass(frozen=True, eq=False)
class CheckOutcome:
    """A finished (or cancelled) check with the job it came from, or an error text."""

    job: CheckJob
    result: GradCheckResult | None
    error: str = ""

    @property
    def bug_shows(self) -> bool:
        """True when an injected bug can change this network's gradient."""
        return self.job.bug is not None and self.job.bug.applies(self.job.network, self.job.X)


# -- the worker thread ----------------------------------------------------------------------


class GradCheckWorker(QObject):
    """Runs a :class:`CheckJob` in its own thread; never touches a widget or the document.

    Everything it sends is its own: the job's copies and a fresh result.
    """

    progress = Signal(int, int, int)  # run id, parameters checked, parameters in all
    finished = Signal(object)  # CheckOutcome

    def __init__(self, job: CheckJob, stop: threading.Event) -> None:
        super().__init__()
        self.job = job
        self.stop = stop
        self._last = 0.0

    def _progress(self, done: int, total: int) -> None:
        # gradient_check reports every 0.5% of parameters; the bar needs ~30 a second.
        now = time.perf_counter()
        if done == total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.progress.emit(self.job.run_id, done, total)

    @Slot()
    def run(self) -> None:
        """Check, then report; called in the worker thread."""
        self.finished.emit(self.job.run(self._progress, self.stop.is_set))


def _join(live: list) -> None:
    """Stop and wait for every check thread in ``live`` (the panel's cleanup)."""
    while live:
        thread, stop = live.pop()
        stop.set()
        thread.quit()
        thread.wait()


# -- the table ------------------------------------------------------------------------------


def _number(value: float) -> str:
    """A gradient with six significant digits: enough to see two of them agree."""
    return f"{value:.6g}".replace("-", "−")


class GradCheckModel(QAbstractTableModel):
    """One row per parameter of the last check: its name, both gradients, their relative error.

    Rows a cancelled check never reached show "—". The model sorts itself
    with NumPy (see :meth:`sort`): a proxy asking Python for every comparison
    takes about a second for the scale-up's 9,765 rows.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
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
        """Take the current palette's colours and repaint every cell."""
        self._colors()
        n = self.rowCount()
        if n:
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, len(HEADERS) - 1))

    def _colors(self) -> None:
        self._right, self._wrong = verdict_colors()
        self._faint = theme.color("faint_text")
        self._fail_background = theme.mix(self._wrong, theme.color("background"), 0.85)

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
            return _number(result.backprop[k])
        if not self.checked(k):
            return "—"
        if column == NUMERICAL:
            return _number(result.numerical[k])
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
            layer, i, j = parameter_at(net.layer_sizes, self.position(k))
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
            f"Backprop {_number(result.backprop[k])}, numerical {_number(result.numerical[k])}: "
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


def format_seconds(seconds: float) -> str:
    """``0.00008`` → ``80 µs``, ``0.48`` → ``480 ms``, ``2.5`` → ``2.50 s``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def format_speedup(speedup: float) -> str:
    """How backprop compared: ``backprop 6,049× faster``, ``backprop 4.0× faster``.

    On a network of a parameter or two the fixed cost of a backward pass can
    outweigh a couple of forward passes: then it says ``backprop 2.5× slower``.
    """
    if not np.isfinite(speedup) or speedup <= 0:
        return "—"
    if speedup < 1:
        return f"backprop {1 / speedup:.1f}× slower"
    return (
        f"backprop {speedup:,.0f}× faster" if speedup >= 100 else f"backprop {speedup:.1f}× faster"
    )


class GradCheckPanel(QWidget):
    """Backprop against central differences: pass counts, times, speedup and agreement.

    Public for the window and tests:

    * :meth:`run_check` checks the open network on ``doc.training_arrays()``
      (in the GUI thread while :attr:`CheckJob.quick`, else on a
      worker thread); :meth:`scale_up` checks :func:`scale_up_problem` on a
      worker thread; :meth:`cancel` stops a running check (it reports what
      it got so far); :meth:`shutdown` stops and joins the thread (the main
      window calls it when closing; so does :meth:`closeEvent`).
    * ``result``: the last :class:`GradCheckResult` (None before the first
      check, while one runs, and after the network's architecture changed);
      ``outcome``: the same with what was checked (:class:`CheckOutcome`);
      ``stale``: the network or the data changed since; ``running``.
    * ``inject`` (a checkable box) and ``bug_box`` (the bugs of
      :data:`bpdesk.core.bugs.BUGS`, the key as item data); :meth:`set_bug`
      sets both; ``bug`` is the bug in use or None.
    * ``table`` (a ``QTableView``), ``model`` (:class:`GradCheckModel`, which
      also sorts), ``proxy`` (:class:`FailingFilter`, between the two),
      ``only_failing`` (its checkbox); labels ``headline``, ``subtitle``, ``params_label``, ``numerical_label``, ``backprop_label``,
      ``speedup_label``, ``error_label``, ``verdict_label``, ``status_label``,
      ``bug_note``; ``run_button``, ``scale_button``, ``cancel_button``,
      ``progress``.
    """

    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.result: GradCheckResult | None = None
        self.outcome: CheckOutcome | None = None
        self.stale = False
        self._run_id = 0
        self._thread: QThread | None = None
        self._worker: GradCheckWorker | None = None
        self._stop: threading.Event | None = None
        self._syncing = False  # True while the table follows doc.selected
        # The running thread and its stop flag, reachable without the panel: if the
        # panel is destroyed without shutdown(), the thread is still joined first.
        self._live: list[tuple[QThread, threading.Event]] = []
        self.destroyed.connect(functools.partial(_join, self._live))

        self._build()
        doc.networkChanged.connect(self._on_network_changed)
        doc.parametersChanged.connect(self._update_stale)
        doc.datasetChanged.connect(self._on_data_changed)
        doc.sampleChanged.connect(self._on_data_changed)
        doc.selectionChanged.connect(self._on_doc_selection_changed)
        theme.signals.changed.connect(self.refresh_theme)
        self._show(None)

    def refresh_theme(self) -> None:
        """Table tints and the verdict in the current palette."""
        self.model.refresh_colors()
        if self.outcome is not None and self.outcome.result is not None:
            self._show_verdict(self.outcome)
        self._update_bug_note()

    # -- widgets -------------------------------------------------------------------------

    def _build(self) -> None:
        self.run_button = QPushButton("Run check")
        self.run_button.setToolTip(
            "Compute every gradient twice: by backprop (1 forward + 1 backward pass) and by "
            "central differences (2 forward passes per parameter), and compare them. Uses the "
            "selected example, or all of them."
        )
        self.run_button.clicked.connect(self.run_check)
        self.scale_button = QPushButton("Scale up")
        self.scale_button.setToolTip(
            "The same comparison on a network of about 10,000 weights (100-64-50-1, "
            f"{SCALE_UP_SAMPLES} random examples): the explainer's 20,000 forward passes "
            "against 2, measured"
        )
        self.scale_button.clicked.connect(self.scale_up)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running check (what it checked so far is shown)")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.scale_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)

        self.inject = QCheckBox("Inject a bug:")
        self.inject.setToolTip(
            "Replace backprop with one that makes a deliberate, plausible mistake, and see the "
            "check catch it. The network itself is not changed."
        )
        self.bug_box = QComboBox()
        for bug in BUGS.values():
            self.bug_box.addItem(bug.title, bug.key)
            self.bug_box.setItemData(self.bug_box.count() - 1, bug.explanation, _TOOLTIP)
        self.bug_box.setToolTip("The mistake to inject into backprop")
        self.bug_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.bug_box.setMinimumContentsLength(12)
        self.inject.toggled.connect(self._on_inject_toggled)
        self.bug_box.currentIndexChanged.connect(self._on_bug_chosen)
        # Picking a bug from the list is asking for it: the box turns itself on.
        self.bug_box.activated.connect(self._on_bug_activated)
        bug_row = QHBoxLayout()
        bug_row.addWidget(self.inject)
        bug_row.addWidget(self.bug_box, 1)
        self.bug_note = self._faint_label()
        self.bug_note.setToolTip("What the injected bug gets wrong, and whether it can show here")

        self.progress = QProgressBar()
        self.progress.setToolTip("Parameters checked by central differences so far")
        self.progress.setFormat("%v of %m parameters")
        self.progress.setVisible(False)

        self.headline = QLabel()
        self.headline.setObjectName("gradcheckHeadline")
        self.headline.setWordWrap(True)
        theme.style(self.headline, "font-weight: bold; font-size: 11pt;")
        self.headline.setToolTip(
            "Forward passes the numerical method needed, against backprop's two passes"
        )
        self.subtitle = self._faint_label()
        self.subtitle.setToolTip("The network and data this check was run on")

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        rows = (
            ("Parameters", "params_label", "Weights and biases: each one has a gradient"),
            (
                "Numerical",
                "numerical_label",
                "Central differences: 2 forward passes per parameter (counted as the check "
                "ran), and the time the whole sweep took",
            ),
            (
                "Backprop",
                "backprop_label",
                "1 forward pass + 1 backward pass for all the gradients at once, and the time it "
                "took (median of 5 runs)",
            ),
            ("Speedup", "speedup_label", "How many times faster backprop got the same gradients"),
            (
                "Max. rel. error",
                "error_label",
                "The largest disagreement between the two gradients over all parameters, "
                "relative to their size",
            ),
        )
        for r, (caption, name, tip) in enumerate(rows):
            label = self._faint_label(caption)
            label.setWordWrap(False)
            label.setToolTip(tip)
            value = QLabel()
            value.setWordWrap(True)  # a narrow dock wraps the figures instead of widening
            value.setToolTip(tip)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            setattr(self, name, value)
            grid.addWidget(label, r, 0)
            grid.addWidget(value, r, 1)
        grid.setColumnStretch(1, 1)

        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("gradcheckVerdict")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setToolTip(
            f"Pass when every parameter's relative error is below {THRESHOLD}, or within "
            "the float64 rounding of the loss divided by 2ε where that is more (nothing finer "
            "can be told): then backprop computes the same gradients as the slow, obviously "
            "correct method"
        )
        self.status_label = self._faint_label()
        self.status_label.setToolTip("Whether these figures still describe the open network")

        self.model = GradCheckModel(self)
        self.proxy = FailingFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(PARAMETER, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights: the view then reads only the visible rows, even for
        # the scale-up's 9,765.
        rows_header = self.table.verticalHeader()
        rows_header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows_header.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setMinimumHeight(48)
        # Widths from the widest text each column can hold, not from the rows: sizing
        # to contents would read every row of the scale-up's 9,765.
        header = self.table.horizontalHeader()
        metrics = self.fontMetrics()
        for column, widest in enumerate(("W10[99,99]", "−1.23456e−05", "−1.23456e−05")):
            header.resizeSection(column, metrics.horizontalAdvance(widest) + 26)  # + the sort arrow
        self.table.setToolTip(
            "Both gradients of every parameter. Click a header to sort (by relative error to "
            "find the worst); click a row to select that weight or bias in the network. Red "
            "rows fail the check."
        )
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.only_failing = QCheckBox("Only failing")
        self.only_failing.setToolTip("Show only the parameters whose two gradients disagree")
        self.only_failing.toggled.connect(self.proxy.set_only_failing)

        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(bug_row)
        layout.addWidget(self.bug_note)
        layout.addWidget(self.progress)
        # The gist first: the pass counts and whether the gradients agree, so a
        # short dock shows them without scrolling; the figures follow.
        layout.addWidget(self.headline)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.subtitle)
        layout.addLayout(grid)
        layout.addWidget(self.status_label)
        layout.addWidget(self.only_failing)
        layout.addWidget(self.table, 1)

    def _faint_label(self, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        theme.style(label, "color: {faint_text};")
        return label

    # -- public API --------------------------------------------------------------------------

    def reveal_result(self) -> None:
        """Scroll a dock too short for the whole panel to the pass counts and the verdict."""
        scroll = self.parentWidget()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        if scroll is None:
            return
        self.layout().activate()  # the verdict may have just grown a line
        scroll.ensureWidgetVisible(self.verdict_label, 0, 4)
        scroll.ensureWidgetVisible(self.headline, 0, 4)

    @property
    def running(self) -> bool:
        """True while a check runs on the worker thread."""
        return self._thread is not None

    @property
    def bug(self) -> Bug | None:
        """The bug injected into backprop, or None for the real engine."""
        if not self.inject.isChecked():
            return None
        return BUGS.get(self.bug_box.currentData())

    def set_bug(self, key: str | None) -> None:
        """Inject the bug ``key`` (see :data:`bpdesk.core.bugs.BUGS`), or None to restore backprop."""
        if key is not None:
            index = self.bug_box.findData(key)
            if index < 0:
                raise KeyError(f"unknown bug {key!r}")
            self.bug_box.setCurrentIndex(index)
        self.inject.setChecked(key is not None)

    def run_check(self) -> None:
        """Check the open network on the selected example (or all); cancels a running check."""
        doc = self.doc
        X, T = doc.training_arrays()
        net = doc.network
        batch = "1 example" if len(X) == 1 else f"{len(X)} examples"
        job = CheckJob(
            kind=NETWORK,
            # Copies: a check nudges every parameter, and must never nudge the document's.
            network=net.copy(),
            X=np.array(X, dtype=np.float64),
            T=np.array(T, dtype=np.float64),
            bug=self.bug,
            label=f"{net.describe()} · {batch}",
            version=self._doc_version(),
        )
        if job.quick:
            self._stop_worker()
            self._show(job.run())
        else:
            self._launch(job)

    def scale_up(self) -> None:
        """Check the ~10,000-weight :func:`scale_up_problem` on the worker thread."""
        net, X, T = scale_up_problem()
        job = CheckJob(
            kind=SCALE_UP,
            network=net,
            X=X,
            T=T,
            bug=self.bug,
            label=f"{net.describe()} · {len(X)} random examples",
            version=(),
        )
        self._launch(job)

    def cancel(self) -> None:
        """Ask the running check to stop; it reports the parameters it checked so far."""
        if self._stop is not None:
            self._stop.set()
            self.cancel_button.setEnabled(False)
            self.status_label.setText("Cancelling…")

    def shutdown(self) -> None:
        """Stop and join the worker thread (the window calls this when closing)."""
        self._stop_worker()

    def closeEvent(self, event) -> None:
        """A panel closed on its own (a floating dock, a test) joins its thread first."""
        self.shutdown()
        super().closeEvent(event)

    # -- the worker's life -----------------------------------------------------------------------

    def _launch(self, job: CheckJob) -> None:
        self._stop_worker()  # one check at a time: a new one cancels the old
        self._run_id += 1
        job = replace(job, run_id=self._run_id)
        stop = threading.Event()
        worker = GradCheckWorker(job, stop)
        thread = worker_thread(worker, "bpdesk-gradcheck")
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        self._thread, self._worker, self._stop = thread, worker, stop
        self._live.append((thread, stop))
        self._show_running(job)
        thread.start()

    def _stop_worker(self) -> None:
        """Stop the running check, wait for its thread, and forget what it may still send."""
        if self._thread is None:
            return
        self._run_id += 1  # a report still queued from the old run is ignored
        self._stop.set()
        self._thread_done()
        self._show(None)
        self.status_label.setText("Stopped before it finished.")

    def _thread_done(self) -> None:
        thread = self._thread
        thread.quit()
        thread.wait()
        self._live[:] = [entry for entry in self._live if entry[0] is not thread]
        self._thread = self._worker = self._stop = None
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)

    @Slot(int, int, int)
    def _on_progress(self, run_id: int, done: int, total: int) -> None:
        if run_id != self._run_id:
            return
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    @Slot(object)
    def _on_finished(self, outcome: CheckOutcome) -> None:
        if outcome.job.run_id != self._run_id or self._thread is None:
            return  # superseded by a newer check, or shut down
        self._thread_done()
        self._show(outcome)

    # -- showing results ------------------------------------------------------------------------

    def _doc_version(self) -> tuple:
        return (self.doc.version, self.doc.rows)

    def _show_running(self, job: CheckJob) -> None:
        self.result = self.outcome = None
        self.stale = False
        self.model.set_result(None)
        n = job.network.n_parameters
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.headline.setText(f"Checking {n:,} parameters: {2 * n:,} forward passes…")
        self.subtitle.setText(job.label)
        for label in self._figure_labels():
            label.setText("…")
        self.verdict_label.setText("")
        self.verdict_label.setStyleSheet("")
        self.status_label.setText("Running on a worker thread: the window stays responsive.")

    def _figure_labels(self) -> tuple[QLabel, ...]:
        return (
            self.params_label,
            self.numerical_label,
            self.backprop_label,
            self.speedup_label,
            self.error_label,
        )

    def _show(self, outcome: CheckOutcome | None) -> None:
        self.outcome = outcome
        self.result = None if outcome is None else outcome.result
        result = self.result
        self.stale = False
        self.cancel_button.setEnabled(self.running)
        if outcome is None or result is None:
            self.model.set_result(None)
            self.headline.setText("Backprop against central differences")
            self.subtitle.setText(
                "Run check: every gradient by backprop and by nudging each parameter up and "
                "down. Scale up: the same on ~10,000 weights."
            )
            for label in self._figure_labels():
                label.setText("—")
            self.verdict_label.setText(outcome.error if outcome is not None else "")
            self.verdict_label.setStyleSheet("")
            self.status_label.setText("")
            return
        job = outcome.job
        self.model.set_result(result, job.network)
        n, done = result.n_parameters, result.completed
        passes = result.numerical_forward_passes
        if result.cancelled:
            self.headline.setText(
                f"Cancelled after {done:,} of {n:,} parameters ({passes:,} forward passes)"
            )
        else:
            # The gist on one line, in sight in a short dock: the counts and what they cost.
            self.headline.setText(
                f"{passes:,} forward passes against {result.backprop_passes}: "
                f"{format_speedup(result.speedup)}"
            )
        self.subtitle.setText(job.label)
        self.params_label.setText(f"{n:,}")
        self.numerical_label.setText(
            f"{passes:,} forward passes (2 per parameter) · "
            f"{format_seconds(result.numerical_seconds)}"
        )
        self.backprop_label.setText(
            f"{result.backprop_passes} passes (1 forward + 1 backward) · "
            f"{format_seconds(result.backprop_seconds)}"
        )
        if result.cancelled:
            # A partial sweep's time says nothing about the whole one.
            self.speedup_label.setText("— (cancelled)")
        else:
            self.speedup_label.setText(format_speedup(result.speedup))
        self.error_label.setText(sci(result.max_relative_error))
        self._show_verdict(outcome)
        self._update_stale(force=True)
        self._sync_selection()

    def _show_verdict(self, outcome: CheckOutcome) -> None:
        result, bug = outcome.result, outcome.job.bug
        right, wrong = verdict_colors()
        failing = int(self.model.failing.sum())
        checked = "parameters checked so far" if result.cancelled else "parameters"
        kinks = result.n_kinks
        compared = result.completed - kinks
        if result.passed:
            every = "all " if not kinks else ""
            text = (
                f"✓ Pass: backprop agrees with central differences on {every}{compared:,} "
                f"{checked} (every relative error < {THRESHOLD} or within the loss's rounding)."
            )
            color = right
        else:
            text = (
                f"✗ Fail: {failing:,} of {compared:,} {checked} disagree "
                f"(max. relative error {sci(result.max_relative_error)} ≥ "
                f"{THRESHOLD})."
            )
            color = wrong
        if kinks:
            text += (
                f"\n{kinks:,} more sit on a ReLU kink (for some example a ReLU's input is "
                "within ε of 0): there the slope jumps, central differences measure no "
                "derivative, so they are marked “kink” and not counted."
            )
        if bug is not None:
            if outcome.bug_shows:
                text += f"\nInjected bug: {bug.title}."
            else:
                why = bug.why_not(outcome.job.network, outcome.job.X)
                text += f"\nInjected bug: {bug.title}, but it cannot show here: {why}."
        self.verdict_label.setText(text)
        self.verdict_label.setStyleSheet(f"color: {color.name()}; font-weight: bold;")

    def _on_data_changed(self) -> None:
        self._update_stale()
        self._update_bug_note()  # a bug may show on a batch and not on one example

    def _update_stale(self, force: bool = False) -> None:
        outcome = self.outcome
        stale = (
            outcome is not None
            and outcome.result is not None
            and outcome.job.kind == NETWORK
            and outcome.job.version != self._doc_version()
        )
        if stale == self.stale and not force:
            return  # parameters change 60 times a second in training: only flips matter
        self.stale = stale
        self.model.set_stale(stale)
        if stale:
            self.status_label.setText(
                "Out of date: the network or the data changed since this check. Run it again."
            )
        elif outcome is not None and outcome.result is not None:
            if outcome.job.kind == SCALE_UP:
                self.status_label.setText(
                    "A separate network, not the one in the editor: rows do not select weights."
                )
            else:
                self.status_label.setText("Click a row to select that weight or bias.")

    def _on_network_changed(self) -> None:
        outcome = self.outcome
        if outcome is not None and outcome.job.kind == NETWORK:
            if outcome.job.network.layer_sizes != self.doc.network.layer_sizes:
                # Its rows name parameters that no longer exist.
                self._show(None)
                self.status_label.setText(
                    "The network's architecture changed: run the check again."
                )
            else:
                self._update_stale()
        self._update_bug_note()

    def _on_inject_toggled(self, _checked: bool) -> None:
        self._update_bug_note()
        self._recheck()

    def _on_bug_chosen(self, _index: int) -> None:
        self._update_bug_note()
        if self.inject.isChecked():
            self._recheck()

    def _on_bug_activated(self, _index: int) -> None:
        self.inject.setChecked(True)

    def _recheck(self) -> None:
        outcome = self.outcome
        # A small network is re-checked at once: toggling the bug is the lesson.
        if (
            outcome is not None
            and outcome.job.kind == NETWORK
            and outcome.job.quick
            and not self.running
        ):
            self.run_check()

    def _update_bug_note(self) -> None:
        bug = BUGS.get(self.bug_box.currentData())
        # Off, the explanation is the list item's tooltip: the panel's few lines
        # are kept for the figures and the verdict.
        on = bug is not None and self.inject.isChecked()
        self.bug_note.setVisible(on)
        if not on:
            self.bug_note.setText("")
            return
        text = bug.explanation
        X, _ = self.doc.training_arrays()
        why = bug.why_not(self.doc.network, X)
        if why:
            text += f" It cannot show on this network: {why}."
        self.bug_note.setText(text)

    # -- selection ---------------------------------------------------------------------------------

    def _selects_in_doc(self) -> bool:
        outcome = self.outcome
        return (
            outcome is not None
            and outcome.result is not None
            and outcome.job.kind == NETWORK
            and outcome.job.network.layer_sizes == self.doc.network.layer_sizes
        )

    def _on_table_selection_changed(self, *_args) -> None:
        if self._syncing or not self._selects_in_doc():
            return
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        k = self.model.parameter(self.proxy.mapToSource(rows[0]).row())
        self.doc.select(parameter_at(self.model.layer_sizes, self.model.position(k)))

    def _on_doc_selection_changed(self) -> None:
        self._sync_selection()

    def _sync_selection(self) -> None:
        """Highlight the row of the weight selected in the editor (without selecting it again)."""
        if not self._selects_in_doc():
            return
        selected = self.doc.selected
        selection = self.table.selectionModel()
        self._syncing = True
        try:
            if selected is None:
                selection.clearSelection()
                return
            k = self.model.entry_of(self.doc.parameter_index(selected))
            if k is None:  # a bias of a network without biases: not a parameter
                selection.clearSelection()
                return
            index = self.proxy.mapFromSource(self.model.index(self.model.row_of(k), 0))
            if not index.isValid():  # filtered out
                selection.clearSelection()
                return
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            selection.setCurrentIndex(index, flags)
            self.table.scrollTo(index)
        finally:
            self._syncing = False
