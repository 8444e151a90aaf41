"""The "Gradient flow" dock: how strongly each layer is being taught, over the epochs.

The norm of ∂L/∂W per weight layer, on a log scale. In a deep sigmoid network
the curves of the early layers lie orders of magnitude below the last layer's
(σ'(z) ≤ ¼ at every layer the error passes back through): the vanishing
gradients the explainer warns about. ReLU and good initialisation bring them
together.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainterPath
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core.training import gradient_rows
from bpdesk.ui.document import Document
from bpdesk.ui.format import norm_text
from bpdesk.ui.frames import NUMBERS
from bpdesk.ui.plots import (
    decade_range,
    epoch_range,
    hold_range,
    plot_widget,
)
from bpdesk.ui.preferences import ViewPreferences

LAYER_COLORS = (
    "#4e79a7",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#76b7b2",
    "#f28e2b",
)

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class SmoothedLogNorms:
    """log10‖∂L/∂W‖ per layer, averaged over a centred window of about 1/100 of the epochs.

    Mini-batch gradients jitter from epoch to epoch; raw, six layers' curves are
    six solid bands. Averaged in log units (what the axis shows), each is one line
    and the orders of magnitude between them stand out. Prefix sums of the logs
    grow with the record's rows: a redraw while training costs the new epochs and
    the points drawn, not the whole history (10⁶ rows: ~50 ms to sum, ~1 ms to add
    to). A long run's record thins its past now and then (its rows move): the sums
    start again then. Its rows are epochs, or in a thinned past every stride-th one;
    the window averages rows.
    """

    POINTS = 1000  # drawn per layer at most: one or two per pixel of a wide plot

    def __init__(self, n_layers: int) -> None:
        self.n_layers = n_layers
        self.clear()

    def clear(self) -> None:
        """Forget the history summed so far."""
        # Row k: over epochs 1 … k (row 0 is zero). Unmeasured epochs (NaN, or 0,
        # which a log axis cannot show) add nothing to the sums and are counted in
        # _missing, which exists only once there is one: usually every epoch is.
        self._sums = np.zeros((1024, self.n_layers))
        self._missing: np.ndarray | None = None
        self._n = 0
        self._folds = 0

    def update(self, norms: np.ndarray, folds: int = 0) -> None:
        """Take in the history ``(rows, layers)``: the one summed so far, longer or shorter.

        ``folds`` counts how often the record thinned its past (see
        :mod:`bpdesk.core.epoch_rows`): its rows moved, and the sums start again.
        """
        if folds != self._folds:
            self.clear()
            self._folds = folds
        n = len(norms)
        if n < self._n:
            self._n = n  # a rewind: the sums of the epochs kept still hold
        if self._n and not self._holds(norms[self._n - 1]):
            self.clear()  # another history
        if n == self._n:
            return
        start = self._n
        if n + 1 > len(self._sums):
            self._sums = self._grown(self._sums, n + 1)
            if self._missing is not None:
                self._missing = self._grown(self._missing, n + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(norms[start:])  # (new epochs, layers)
        missing = ~np.isfinite(logs)
        if missing.any():
            logs[missing] = 0.0
            if self._missing is None:
                self._missing = np.zeros_like(self._sums)  # none missing until now
        new = slice(start + 1, n + 1)
        np.cumsum(logs, axis=0, out=self._sums[new])
        self._sums[new] += self._sums[start]
        if self._missing is not None:
            np.cumsum(missing, axis=0, out=self._missing[new])
            self._missing[new] += self._missing[start]
        self._n = n

    def _holds(self, row: np.ndarray) -> bool:
        """Is ``row`` the last epoch summed? (One row: the check must cost nothing.)"""
        k = self._n
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(row)
        measured = np.isfinite(logs)
        if self._missing is not None and not np.array_equal(
            self._missing[k] - self._missing[k - 1], ~measured
        ):
            return False
        summed = self._sums[k] - self._sums[k - 1]
        return bool(np.allclose(summed, np.where(measured, logs, 0.0), rtol=0, atol=1e-6))

    @staticmethod
    def _grown(array: np.ndarray, rows: int) -> np.ndarray:
        grown = np.zeros((max(2 * len(array), rows), array.shape[1]))
        grown[: len(array)] = array
        return grown

    def window(self) -> int:
        """How many epochs each drawn point averages (odd: centred on its epoch)."""
        return 2 * ((self._n + 100) // 200) + 1

    def curves(self, kept: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Epochs ``(points,)`` and smoothed log10 norms ``(points, layers)``, NaN where unmeasured.

        ``kept`` is the epoch of each row (by default row ``k`` is epoch ``k + 1``). The
        last epoch is always among the points: the curves end where training is.
        """
        n = self._n
        if n == 0:
            return np.empty(0), np.empty((0, self.n_layers))
        half = self.window() // 2
        index = np.arange(0, n, max(1, n // self.POINTS))
        if index[-1] != n - 1:
            index = np.append(index, n - 1)
        low = np.maximum(index - half, 0)
        high = np.minimum(index + half + 1, n)  # near the ends the window is cut short
        counts = (high - low)[:, None] * np.ones(self.n_layers)
        if self._missing is not None:
            counts -= self._missing[high] - self._missing[low]
        with np.errstate(divide="ignore", invalid="ignore"):
            means = (self._sums[high] - self._sums[low]) / counts
        means[counts == 0] = np.nan
        epochs = index + 1.0 if kept is None else kept[index].astype(np.float64)
        return epochs, means


class DecadeAxis(pg.AxisItem):
    """A log axis labelled at whole powers of ten (10⁻⁴, 10⁻³, …), as many as fit.

    pyqtgraph labels a log axis spanning a decade or two at 2, 3, … 9 × 10ᵏ, which
    in a short plot is a pile of "0.09 0.08 0.07". Zoomed in to less than a decade
    the axis falls back to those labels: there is no power of ten to show.
    """

    def __init__(self, orientation: str = "left", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._decades_only = True

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        """Every ``step``-th decade labelled (1, 2, 3, 5 … decades apart), the rest as ticks."""
        first, last = math.ceil(minVal - 1e-9), math.floor(maxVal + 1e-9)
        self._decades_only = last > first
        if not self._decades_only:
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        font = self.style.get("tickFont") or self.font()
        needed = 1.5 * QFontMetricsF(font).height()  # pixels between two labels
        per_decade = size / max(maxVal - minVal, 1e-9)
        step = next((s for s in (1, 2, 3, 5, 10, 20, 50) if s * per_decade >= needed), 100)
        decades = range(first, last + 1)
        labelled = [float(k) for k in decades if k % step == 0]
        if step > 1:
            minor = [float(k) for k in decades if k % step]
        elif per_decade >= 3 * needed:  # room for 2 … 9 × 10ᵏ as plain ticks
            minor = [
                t
                for k in range(first - 1, last + 1)
                for t in k + np.log10(np.arange(2, 10))
                if minVal < t < maxVal
            ]
        else:
            minor = []
        return [(float(step), labelled), (None, minor)]

    def logTickStrings(self, values, scale, spacing):
        """``10⁻³`` at powers of ten; the other ticks unlabelled."""
        if not self._decades_only:
            return super().logTickStrings(values, scale, spacing)
        return [
            "10" + str(round(v)).translate(SUPERSCRIPT) if abs(v - round(v)) < 1e-6 else ""
            for v in values
        ]


def spread(wanted: list[float], gap: float, top: float, bottom: float) -> list[float]:
    """Positions nearest ``wanted`` (ascending) that keep ``gap`` apart within [top, bottom].

    Names that would overlap move apart as a block centred on where they want to
    be (least squares: pool adjacent violators). Where they cannot all fit, they
    are spread evenly over the whole stretch, still in order.
    """
    n = len(wanted)
    if n < 2:
        return [min(max(y, top), bottom) for y in wanted]
    if (n - 1) * gap > bottom - top:
        return [float(y) for y in np.linspace(top, bottom, n)]
    blocks: list[list[float]] = []  # [first position, sum of (wanted - offset in block), size]

    def first(total: float, size: float) -> float:
        return min(max(total / size, top), bottom - (size - 1) * gap)

    for y in wanted:
        blocks.append([first(y, 1), y, 1])
        while len(blocks) > 1 and blocks[-2][0] + blocks[-2][2] * gap > blocks[-1][0]:
            _, total, size = blocks.pop()
            below = blocks[-1]
            below[1] += total - size * below[2] * gap
            below[2] += size
            below[0] = first(below[1], below[2])
    return [start + i * gap for start, _, size in blocks for i in range(int(size))]


class CurveEndLabels(pg.GraphicsWidget):
    """Each layer's name right of the plot, level with where its curve ends.

    A legend whose rows follow the curves: a short stroke in the layer's colour
    leads from the height of the curve's last point to the name. Names never
    cover the curves, any number of them fit a short plot, and the order
    top to bottom is the order of the gradients.
    """

    LEAD = 22  # width of the coloured stroke before a name

    def __init__(self, view: pg.ViewBox, prefs: ViewPreferences) -> None:
        super().__init__()
        self.prefs = prefs
        self._view = view
        self.entries: list[tuple[QGraphicsPathItem, QGraphicsSimpleTextItem]] = []
        self._levels = np.empty(0)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self._font = QFont(self.font())
        self._font.setPointSizeF(self._font.pointSizeF() * 0.9)
        view.sigRangeChanged.connect(self.place)
        view.sigResized.connect(self.place)
        self.geometryChanged.connect(self.place)
        prefs.changed.connect(self._on_preferences_changed)

    def set_names(self, names: list[str], colors: list[str]) -> None:
        """One entry per layer (the network changed)."""
        for stroke, text in self.entries:
            for part in (stroke, text):
                part.setParentItem(None)
                if part.scene() is not None:
                    part.scene().removeItem(part)
        self.entries = []
        width = 0.0
        for name, color in zip(names, colors, strict=True):
            stroke = QGraphicsPathItem(self)
            pen = pg.mkPen(color, width=2)
            pen.setCosmetic(True)
            stroke.setPen(pen)
            text = QGraphicsSimpleTextItem(name, self)
            text.setFont(self._font)
            width = max(width, text.boundingRect().width())
            self.entries.append((stroke, text))
        self._on_preferences_changed()
        self.setFixedWidth(self.LEAD + 4 + width + 4)
        self._levels = np.full(len(names), np.nan)

    def set_levels(self, levels: np.ndarray) -> None:
        """Where each curve ends, in log10 units (NaN: nowhere yet)."""
        levels = np.asarray(levels, dtype=np.float64)
        if not np.array_equal(levels, self._levels, equal_nan=True):
            self._levels = levels
            self.place()

    def _on_preferences_changed(self) -> None:
        brush = QBrush(self.prefs.color("text"))
        for _stroke, text in self.entries:
            text.setBrush(brush)

    def place(self, *_) -> None:
        """Put every name level with its curve's end, pushed apart just enough to read."""
        if not self.entries:
            return
        view = self.mapRectFromScene(self._view.sceneBoundingRect())
        ends = []
        for level in self._levels:
            if not np.isfinite(level):
                ends.append(view.bottom())  # never measured (or 0): the floor of a log axis
                continue
            y = self.mapFromScene(self._view.mapViewToScene(QPointF(0, level))).y()
            ends.append(min(max(y, view.top()), view.bottom()))
        # Crowded, the names may move past the ends of the view: the plot's whole
        # height (the exported picture's too) is theirs.
        plot = self.parentItem() or self
        room = self.mapRectFromItem(plot, plot.boundingRect())
        height = max(text.boundingRect().height() for _, text in self.entries)
        order = sorted(range(len(ends)), key=lambda k: (ends[k], -k))
        rows = spread(
            [ends[k] for k in order], height, room.top() + height / 2, room.bottom() - height / 2
        )
        for k, row in zip(order, rows, strict=True):
            stroke, text = self.entries[k]
            path = QPainterPath(QPointF(0, ends[k]))
            path.lineTo(6, ends[k])
            path.lineTo(self.LEAD - 6, row)
            path.lineTo(self.LEAD, row)
            stroke.setPath(path)
            text.setPos(self.LEAD + 4, row - text.boundingRect().height() / 2)


class GradientFlowPanel(QWidget):
    """‖∂L/∂W‖ of every weight layer per epoch (log scale, smoothed), and right now."""

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.redraws = 0
        # A modest size hint: in its dock's scroll area the panel is as tall as it asks
        # to be, and pyqtgraph's own 480 px would push the axis and names out of view.
        self.plot = plot_widget(
            size_hint=QSize(480, 150), axisItems={"left": DecadeAxis("left")}, prefs=self.prefs
        )
        self.plot.setMinimumHeight(70)
        item = self.plot.getPlotItem()
        item.setLogMode(y=True)
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "‖∂L/∂W‖")
        self.curves: list[pg.PlotDataItem] = []
        self._smoothed = SmoothedLogNorms(doc.network.n_layers)
        # The view follows the data in coarse steps, as the loss plot does: pyqtgraph's
        # own auto range moves it on every redraw, and each move draws the plot and
        # its axes again (the interpreter they hold is the training thread's too).
        self._vb = item.vb
        self._vb.disableAutoRange()
        self._follow = True
        self._vb.sigRangeChangedManually.connect(self._stop_following)
        # The names sit in a column of their own, right of the plot, level with the
        # ends of their curves: over the plot they would cover a deep network's curves.
        self.labels = CurveEndLabels(self._vb, self.prefs)
        item.layout.addItem(self.labels, 2, 3)
        self.now = QLabel()
        self.now.setObjectName("gradientNow")
        self.now.setWordWrap(True)
        self.now.setToolTip(
            "The gradient of each layer for the current weights, on the training data"
        )
        note = QLabel(
            "Each line is one weight layer (averaged over ~1% of the epochs). Far apart "
            "(orders of magnitude) means the early layers hardly learn: vanishing "
            "gradients. Try ReLU or He initialisation."
        )
        note.setWordWrap(True)
        self.prefs.style(note, "color: {faint_text};")
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.now)
        layout.addWidget(note)

        # While training, at the pace of numbers: its "Now" figures are of the moment
        # the diagram shows.
        doc.historyExtended.connect(self._request_redraw)
        doc.historyChanged.connect(self._rebuild)
        doc.networkChanged.connect(self._rebuild)
        doc.datasetChanged.connect(self._request_redraw)
        doc.parametersChanged.connect(self._request_redraw)
        self._rebuild()

    def _request_redraw(self, *_args) -> None:
        self.doc.frames.request(self._redraw, NUMBERS)

    def _rebuild(self) -> None:
        """New curves for the current depth of the network."""
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves = []
        net = self.doc.network
        colors = [LAYER_COLORS[k % len(LAYER_COLORS)] for k in range(net.n_layers)]
        for color in colors:
            # A smoothed line has at most SmoothedLogNorms.POINTS points, whatever the
            # history's length: no clipping or downsampling to pay for on each repaint.
            # One pixel wide: Qt's raster engine strokes wider antialiased paths some
            # twenty times slower (six 2 px lines: ~14 ms a repaint, 1 px: ~0.6 ms).
            curve = pg.PlotDataItem(pen=pg.mkPen(color, width=1), antialias=True)
            self.plot.addItem(curve)
            self.curves.append(curve)
        self.labels.set_names([net.layer_name(k) for k in range(net.n_layers)], colors)
        if self._smoothed.n_layers != net.n_layers:
            self._smoothed = SmoothedLogNorms(net.n_layers)
        self._redraw()

    def _stop_following(self, *_) -> None:
        self._follow = False  # the user zoomed or panned: leave the view alone

    def _follow_data(self, epochs: int, values: np.ndarray) -> None:
        """Whole decades and rounded epoch counts: the range changes rarely.

        ``values`` are log10 norms, all finite.
        """
        if not self._follow:
            return
        # log10 units: the axis is logarithmic.
        y_range = decade_range(values.min(), values.max()) if values.size else (-3.0, 1.0)
        hold_range(self._vb, epoch_range(epochs), y_range)

    def current_norms(self) -> np.ndarray:
        """‖∂L/∂W‖ per layer for the current weights on the training set (on the trainer's
        spread sample of it, see :func:`bpdesk.core.training.gradient_rows`)."""
        doc = self.doc
        record = doc.gradient_history
        k = record.row_of(doc.epoch, exact=True) if doc.training_active else -1
        if k >= 0:
            # While training, the network shown is the one the epoch ended with, and
            # the trainer measured exactly this figure for it: a gradient over all the
            # data on every refresh would grow with the data and the network.
            row = record.norms[k]
            if np.isfinite(row).all():
                return row.copy()
        data = doc.dataset
        # On the rows the trainer measures on (a spread sample of a big set trained in
        # mini-batches): the figure does not jump when training pauses.
        rows = gradient_rows(data.n_train, doc.config.batch_size)
        X, T = (
            (data.X_train, data.T_train)
            if rows is None
            else (data.X_train[rows], data.T_train[rows])
        )
        with np.errstate(all="ignore"):
            _, dW, _ = doc.network.gradients(X, T)
        return np.array([np.linalg.norm(w) for w in dW])

    def smoothing_window(self) -> int:
        """How many epochs each point of the curves averages (see :class:`SmoothedLogNorms`)."""
        return self._smoothed.window()

    def _redraw(self) -> None:
        self.redraws += 1
        record = self.doc.gradient_history
        norms = record.norms
        now = self.current_norms()
        with np.errstate(divide="ignore", invalid="ignore"):
            ends = np.log10(now)  # where a layer without a curve yet has its name
        epochs, logs = np.empty(0), np.empty((0, len(self.curves)))
        if norms.shape[1] == len(self.curves):
            self._smoothed.update(norms, record.folds)
            epochs, logs = self._smoothed.curves(record.kept_if_thinned())
        for layer, curve in enumerate(self.curves):
            keep = np.isfinite(logs[:, layer])
            curve.setData(epochs[keep], 10.0 ** logs[keep, layer])  # the axis takes log10
            if keep.any():
                ends[layer] = logs[keep, layer][-1]
        drawn = logs[np.isfinite(logs)]
        if drawn.size:
            self._follow_data(len(record), drawn)
        else:
            # Before any training: the decades where today's gradients are.
            self._follow_data(0, ends[np.isfinite(ends)])
        self.labels.set_levels(ends)
        net = self.doc.network
        # Each layer's figure on one line (a wrap goes between layers, never inside
        # a name), all with the same three significant digits so they compare.
        parts = [
            f"{net.layer_name(k)}: {norm_text(v)}".replace(" ", "\u00a0") for k, v in enumerate(now)
        ]
        ratio = ""
        if len(now) > 1 and now[-1] > 0 and now[0] >= 0:
            ratio = f"   ·   first/last\u00a0=\u00a0{norm_text(now[0] / now[-1])}"
        self.now.setText("Now: " + "   ".join(parts) + ratio)
