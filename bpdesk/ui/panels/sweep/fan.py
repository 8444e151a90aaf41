"""The fan: every network's loss curve of a sweep, faintly, on one plot (log loss).

While a sweep runs the fan grows a column per report (the losses the job
sent), thinned by two whenever its buffer is full; once the sweep is kept
the curves are the sweep's own, coloured by outcome. Each colour is one
curve item for all its runs (NaN breaks the line between runs), updated in
place: a thousand runs cost a few items, not a thousand. A click picks the
run whose curve passes nearest (within :data:`PICK_PIXELS`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF

from bpdesk.core.sweep_kept import KeptSweep
from bpdesk.ui.plots import Plot, decade_range, nice_step
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.theme import verdict_colors

LIVE_COLUMNS = 512  # columns the live fan keeps before it thins by two
DRAWN_COLUMNS = 256  # columns drawn at most (evenly spread, the last one included)
DRAWN_CURVES = 300  # runs drawn at most (evenly spread); the others are in the summary
CURVE_ALPHA = 70  # faint: a hundred curves overlap into a density
PICK_PIXELS = 8
LOWEST = 1e-12  # losses below this sit on the bottom of the log axis
HIGHEST = 1e30


class SparseAxis(pg.AxisItem):
    """A horizontal axis that labels fewer ticks on a narrow plot (a docked panel's plots
    are 100 to 300 pixels wide, where "500 1000 1500" or "0.001 0.01 0.1" run together)."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        """pyqtgraph's levels, or a coarser nice step when its labels would touch."""
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or span == 0 or size <= 0:
            return levels
        font = self.style.get("tickFont") or self.font()
        room = 2.2 * QFontMetricsF(font).horizontalAdvance("0000")  # a label and a gap
        most = max(2, int(size // room))
        if span / levels[0][0] <= most:
            return levels
        step = nice_step(span / most)
        return [(step, 0)]


def log_losses(values: np.ndarray) -> np.ndarray:
    """log10 of losses, clipped to the axis; NaN stays NaN (a stopped run)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log10(np.clip(values, LOWEST, HIGHEST))


def outcome_colors(prefs: ViewPreferences) -> dict[str, QColor]:
    """The colour of each outcome: converged, stuck (did not converge), diverged."""
    right, wrong = verdict_colors(prefs.palette)
    return {"converged": right, "stuck": QColor(prefs.palette.positive), "diverged": wrong}


def outcomes(sweep: KeptSweep) -> np.ndarray:
    """Each run's outcome: "converged", "stuck" or "diverged"."""
    kinds = np.full(sweep.n_networks, "stuck", dtype=object)
    kinds[sweep.converged] = "converged"
    kinds[sweep.diverged] = "diverged"
    return kinds


def _spread(n: int, most: int) -> np.ndarray:
    """At most ``most`` of the indices ``0 … n−1``, evenly spread, the first and last kept."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(np.intp))


class FanPlot(Plot):
    """Loss against epoch for every run; ``runClicked(k)`` when a curve is clicked."""

    runClicked = Signal(int)

    def __init__(self, prefs: ViewPreferences) -> None:
        super().__init__(QSize(320, 160), prefs=prefs, axisItems={"bottom": SparseAxis("bottom")})
        self.setMinimumSize(110, 90)
        item = self.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss")
        item.setLogMode(y=True)  # the curves are given as log10 values
        item.vb.setMouseEnabled(x=False, y=False)
        item.hideButtons()  # no auto-range button: the panel sets the ranges
        self.by_outcome: dict[str, pg.PlotCurveItem] = {}
        for key in ("running", "converged", "stuck", "diverged"):
            curve = pg.PlotCurveItem(connect="finite")
            self.addItem(curve)
            self.by_outcome[key] = curve
        self.highlight = pg.PlotCurveItem()
        self.highlight.setZValue(10)
        self.addItem(self.highlight)
        self.target_line = pg.InfiniteLine(angle=0, movable=False)
        self.addItem(self.target_line)
        self.sweep: KeptSweep | None = None
        self.selected: int | None = None
        self._epochs = np.zeros(0)  # what is drawn: columns' epochs, (runs, columns) log10
        self._logs = np.zeros((0, 0))
        self.drawn = np.zeros(0, dtype=np.intp)  # the runs whose curves are drawn
        self._live_epochs = np.zeros(LIVE_COLUMNS, dtype=np.int64)
        self._live = np.zeros((0, LIVE_COLUMNS), dtype=np.float32)
        self._live_n = 0
        self.redraws = 0
        self.scene().sigMouseClicked.connect(self._on_click)
        prefs.changed.connect(self._apply_colors)
        self._apply_colors()

    # -- what is shown ------------------------------------------------------------------

    def _apply_colors(self) -> None:
        colors = outcome_colors(self.prefs)
        text = QColor(self.prefs.palette.text)
        for key, curve in self.by_outcome.items():
            color = QColor(text if key == "running" else colors[key])
            color.setAlpha(CURVE_ALPHA)
            curve.setPen(pg.mkPen(color, width=1))
        self.highlight.setPen(pg.mkPen(self.prefs.palette.selected, width=2.5))
        self.target_line.setPen(pg.mkPen(text, width=1, style=Qt.PenStyle.DashLine))

    def start_live(self, n_runs: int, target: float) -> None:
        """A sweep of ``n_runs`` starts: clear the fan and collect its reports."""
        self.sweep, self.selected = None, None
        self._live = np.full((n_runs, LIVE_COLUMNS), np.nan, dtype=np.float32)
        self._live_n = 0
        self.target_line.setValue(float(log_losses(np.array([target]))[0]))
        self.redraw()

    def add_live(self, epoch: int, losses: np.ndarray) -> None:
        """One report's losses (at ``epoch``); drawn at the next :meth:`redraw`."""
        if len(losses) != len(self._live):
            return
        if self._live_n == LIVE_COLUMNS:
            half = LIVE_COLUMNS // 2
            self._live[:, :half] = self._live[:, 1::2]
            self._live_epochs[:half] = self._live_epochs[1::2]
            self._live_n = half
        self._live[:, self._live_n] = np.minimum(losses, HIGHEST)  # fits a float32
        self._live_epochs[self._live_n] = epoch
        self._live_n += 1

    def show_sweep(self, sweep: KeptSweep | None, selected: int | None = None) -> None:
        """Draw a kept sweep's curves by outcome (None: an empty fan)."""
        self.sweep, self.selected = sweep, selected
        if sweep is not None:
            self.target_line.setValue(float(log_losses(np.array([sweep.target]))[0]))
        self.target_line.setVisible(sweep is not None or len(self._live) > 0)
        self.redraw()

    def redraw(self) -> None:
        """Set every curve item's data from the sweep (or the live reports)."""
        self.redraws += 1
        sweep = self.sweep
        if sweep is not None:
            epochs, values = sweep.curve_epochs, sweep.curves
        else:
            epochs, values = self._live_epochs[: self._live_n], self._live[:, : self._live_n]
        # What is drawn is bounded, however big the sweep: a plot has few pixels across,
        # and a few hundred faint curves already make a density.
        columns = _spread(len(epochs), DRAWN_COLUMNS)
        self._epochs = epochs[columns].astype(np.float64)
        self._logs = log_losses(values[:, columns])
        self.drawn = _spread(len(self._logs), DRAWN_CURVES)
        if sweep is not None:
            kinds = outcomes(sweep)[self.drawn]
            groups = {key: self.drawn[kinds == key] for key in ("converged", "stuck", "diverged")}
            groups["running"] = np.zeros(0, dtype=np.intp)
        else:
            groups = {key: np.zeros(0, dtype=np.intp) for key in self.by_outcome}
            groups["running"] = self.drawn
        for key, rows in groups.items():
            x, y = self._joined(rows)
            self.by_outcome[key].setData(x, y, connect="finite")
        self._draw_highlight()
        self._update_range()

    def _joined(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The curves of ``rows`` one after another, a NaN between two."""
        m = len(self._epochs)
        if not len(rows) or not m:
            return np.zeros(0), np.zeros(0)
        y = np.full((len(rows), m + 1), np.nan)
        y[:, :m] = self._logs[rows]
        if not np.isfinite(y).any():  # runs that stopped before their first column
            return np.zeros(0), np.zeros(0)
        x = np.tile(np.append(self._epochs, np.nan), len(rows))
        return x, y.ravel()

    def select(self, k: int | None) -> None:
        """Draw run ``k``'s curve boldly (None: no run)."""
        self.selected = k
        self._draw_highlight()

    def _draw_highlight(self) -> None:
        k = self.selected
        if k is None or self.sweep is None or k >= len(self._logs):
            self.highlight.setData([], [])
            return
        y = self._logs[k]
        if not np.isfinite(y).any():
            self.highlight.setData([], [])
            return
        self.highlight.setData(self._epochs, y, connect="finite")

    def _update_range(self) -> None:
        logs = self._logs
        if self.sweep is not None and (~self.sweep.diverged).any():
            # Diverged runs leave through the top: the others' scale is the one to read.
            logs = logs[~self.sweep.diverged]
        finite = logs[np.isfinite(logs)] if logs.size else np.zeros(0)
        vb = self.getPlotItem().vb
        if not finite.size or not len(self._epochs):
            vb.setRange(xRange=(0, 10), yRange=(-3, 0), padding=0)
            return
        low, high = float(finite.min()), float(finite.max())
        if self.sweep is not None and self.sweep.diverged.any():
            high += 1
        if self.target_line.isVisible():
            low = min(low, self.target_line.value())
        # Whole decades: a log axis labels them alone, not a crowd of 0.02, 0.03, …
        vb.setRange(xRange=(0, float(self._epochs[-1])), yRange=decade_range(low, high), padding=0)

    # -- picking --------------------------------------------------------------------------

    def run_at(self, x: float, y: float, pixel_height: float) -> int | None:
        """The run whose curve passes nearest ``(epoch, log10 loss)``, within
        :data:`PICK_PIXELS` (``pixel_height``: log10 units per pixel)."""
        if self.sweep is None or not len(self._epochs):
            return None
        column = int(np.clip(np.searchsorted(self._epochs, x), 0, len(self._epochs) - 1))
        if column > 0 and abs(self._epochs[column - 1] - x) < abs(self._epochs[column] - x):
            column -= 1
        values = self._logs[self.drawn, column]
        distance = np.abs(values - y)
        distance[~np.isfinite(distance)] = np.inf
        i = int(np.argmin(distance))
        if distance[i] / max(pixel_height, 1e-12) > PICK_PIXELS:
            return None
        return int(self.drawn[i])

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        k = self.run_at(point.x(), point.y(), vb.viewPixelSize()[1])
        if k is not None:
            self.runClicked.emit(k)
