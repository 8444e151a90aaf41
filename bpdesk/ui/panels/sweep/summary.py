"""A sweep's summary plots: the histogram of final losses, and final loss (and epochs to
the target) against the learning rate. Both on log axes; a click names a run.

The histogram's bins are a fifth of a decade, one edge on the target, so a
bar is all converged (green) or all not (orange); diverged runs are counted in
a red bar of their own at the right. Clicking a bar picks a run in it, the
next one on each further click. The learning-rate plot has a point per run
(a small sideways offset keeps seeds of one rate apart), the median final
loss per rate as a line, diverged runs as red crosses along the top, and the
median epochs to the target on the right-hand axis.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor

from bpdesk.core.sweep_kept import KeptSweep
from bpdesk.ui.panels.sweep.fan import SparseAxis, log_losses, outcome_colors, outcomes
from bpdesk.ui.plots import Plot, decade_range
from bpdesk.ui.preferences import ViewPreferences

BINS_PER_DECADE = 5
JITTER = 0.06  # decades either side of a learning rate, to keep its seeds apart


class HistogramPlot(Plot):
    """How many runs ended at each final loss; ``runClicked(k)`` for a bar's run."""

    runClicked = Signal(int)

    def __init__(self, prefs: ViewPreferences) -> None:
        super().__init__(QSize(240, 160), prefs=prefs, axisItems={"bottom": SparseAxis("bottom")})
        self.setMinimumSize(90, 90)
        item = self.getPlotItem()
        item.setLabel("bottom", "final loss")
        item.setLabel("left", "runs")
        item.setLogMode(x=True)  # bars are placed at log10 of the loss
        item.vb.setMouseEnabled(x=False, y=False)
        item.hideButtons()  # no auto-range button: the panel sets the ranges
        self.bars: dict[str, pg.BarGraphItem] = {}
        for key in ("converged", "stuck", "diverged"):
            bar = pg.BarGraphItem(x=[], height=[], width=1.0 / BINS_PER_DECADE)
            self.addItem(bar)
            self.bars[key] = bar
        self.target_line = pg.InfiniteLine(angle=90, movable=False)
        self.addItem(self.target_line)
        self.marker = pg.ScatterPlotItem(symbol="t", size=12)
        self.addItem(self.marker)
        self.sweep: KeptSweep | None = None
        self.bins: list[np.ndarray] = []  # the runs in each bar, left to right
        self._centres = np.zeros(0)
        self._clicks: dict[int, int] = {}
        self.scene().sigMouseClicked.connect(self._on_click)
        prefs.changed.connect(self._apply_colors)
        self._apply_colors()

    def _apply_colors(self) -> None:
        colors = outcome_colors(self.prefs)
        for key, bar in self.bars.items():
            bar.setOpts(brush=colors[key], pen=pg.mkPen(self.prefs.palette.background))
        text = self.prefs.palette.text
        self.target_line.setPen(pg.mkPen(text, width=1, style=Qt.PenStyle.DashLine))
        self.marker.setBrush(pg.mkBrush(self.prefs.palette.selected))
        self.marker.setPen(pg.mkPen(self.prefs.palette.selected))

    def show_sweep(self, sweep: KeptSweep | None) -> None:
        """Bin the final losses of ``sweep`` (None: no bars)."""
        self.sweep = sweep
        self._clicks = {}
        self.bins, centres, heights, kinds = [], [], [], []
        width = 1.0 / BINS_PER_DECADE
        if sweep is not None:
            logs = log_losses(sweep.final_losses)
            kept = ~sweep.diverged & np.isfinite(logs)
            target = math.log10(sweep.target)
            index = np.floor((logs - target) / width)
            for b in np.unique(index[kept]).astype(int):
                runs = np.flatnonzero(kept & (index == b))
                self.bins.append(runs)
                centres.append(target + (b + 0.5) * width)
                heights.append(len(runs))
                kinds.append("converged" if b < 0 else "stuck")
            diverged = np.flatnonzero(sweep.diverged)
            if diverged.size:
                right = max(centres, default=target) + 2 * width
                self.bins.append(diverged)
                centres.append(right)
                heights.append(len(diverged))
                kinds.append("diverged")
            self.target_line.setValue(target)
        self._centres = np.array(centres)
        for key, bar in self.bars.items():
            mine = [i for i, kind in enumerate(kinds) if kind == key]
            bar.setOpts(
                x=self._centres[mine] if mine else [],
                height=np.array(heights)[mine] if mine else [],
                width=width,
            )
        self.target_line.setVisible(sweep is not None)
        self.marker.setData([], [])
        if centres:
            low = min(min(centres), self.target_line.value()) - width
            # Whole decades: a log axis labels them alone, not a crowd of 0.02, 0.03, …
            self.getPlotItem().vb.setRange(
                xRange=decade_range(low, max(centres) + width),
                yRange=(0, max(heights) * 1.15),
                padding=0,
            )

    def bin_at(self, x: float) -> int | None:
        """The bar under log10 loss ``x``, or None."""
        if not len(self._centres):
            return None
        i = int(np.argmin(np.abs(self._centres - x)))
        return i if abs(self._centres[i] - x) <= 0.5 / BINS_PER_DECADE else None

    def select(self, k: int | None) -> None:
        """Mark the bar run ``k`` is in (None: no mark)."""
        for i, runs in enumerate(self.bins):
            if k is not None and k in runs:
                height = len(runs)
                self.marker.setData([self._centres[i]], [height + 0.5])
                return
        self.marker.setData([], [])

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        i = self.bin_at(point.x())
        if i is None or point.y() > len(self.bins[i]) + 0.5 or point.y() < 0:
            return
        # Each further click on one bar picks the next of its runs.
        turn = self._clicks.get(i, 0)
        self._clicks[i] = turn + 1
        self.runClicked.emit(int(self.bins[i][turn % len(self.bins[i])]))


class RatePlot(Plot):
    """Final loss against learning rate (log–log), with epochs to the target on the right;
    ``runClicked(k)`` for a clicked point."""

    runClicked = Signal(int)

    def __init__(self, prefs: ViewPreferences) -> None:
        super().__init__(QSize(280, 160), prefs=prefs, axisItems={"bottom": SparseAxis("bottom")})
        self.setMinimumSize(120, 90)
        item = self.getPlotItem()
        item.setLabel("bottom", "learning rate η")
        item.setLabel("left", "final loss")
        item.setLogMode(x=True, y=True)  # points are placed at log10 values
        item.vb.setMouseEnabled(x=False, y=False)
        item.hideButtons()  # no auto-range button: the panel sets the ranges
        self.points = pg.ScatterPlotItem(size=7, hoverable=False)
        self.points.sigClicked.connect(self._on_points_clicked)
        self.crosses = pg.ScatterPlotItem(symbol="x", size=10)
        self.crosses.sigClicked.connect(self._on_points_clicked)
        self.median = pg.PlotCurveItem()
        self.ring = pg.ScatterPlotItem(symbol="o", size=15, brush=None)
        for part in (self.median, self.points, self.crosses, self.ring):
            self.addItem(part)
        # Epochs to the target on a second, linear axis at the right.
        self.epochs_view = pg.ViewBox(enableMouse=False)
        item.showAxis("right")
        item.scene().addItem(self.epochs_view)
        item.getAxis("right").setLogMode(False, False)  # epochs: a plain axis
        item.getAxis("right").linkToView(self.epochs_view)
        item.getAxis("right").setLabel("epochs to target")
        self.epochs_view.setXLink(item.vb)
        self.epochs_curve = pg.PlotDataItem(symbol="s", symbolSize=6)
        self.epochs_view.addItem(self.epochs_curve)
        item.vb.sigResized.connect(self._fit_epochs_view)
        self.sweep: KeptSweep | None = None
        self._xy = np.zeros((0, 2))
        prefs.changed.connect(self._apply_colors)
        self._apply_colors()

    def _fit_epochs_view(self) -> None:
        self.epochs_view.setGeometry(self.getPlotItem().vb.sceneBoundingRect())

    def _apply_colors(self) -> None:
        palette = self.prefs.palette
        colors = outcome_colors(self.prefs)
        self.crosses.setPen(pg.mkPen(colors["diverged"], width=2))
        self.crosses.setBrush(pg.mkBrush(colors["diverged"]))
        self.median.setPen(pg.mkPen(palette.text, width=1.5))
        self.ring.setPen(pg.mkPen(palette.selected, width=2))
        faint = QColor(palette.faint_text)
        self.epochs_curve.setPen(pg.mkPen(faint, width=1, style=Qt.PenStyle.DashLine))
        self.epochs_curve.setSymbolBrush(pg.mkBrush(faint))
        self.epochs_curve.setSymbolPen(pg.mkPen(faint))
        axis = self.getPlotItem().getAxis("right")
        axis.setPen(pg.mkPen(palette.text))
        axis.setTextPen(pg.mkPen(palette.text))
        if self.sweep is not None:
            self.show_sweep(self.sweep)

    def show_sweep(self, sweep: KeptSweep | None) -> None:
        """Place every run of ``sweep`` (None: nothing)."""
        self.sweep = sweep
        self.ring.setData([], [])
        if sweep is None:
            for part in (self.points, self.crosses):
                part.setData([], [])
            self.median.setData([], [])
            self.epochs_curve.setData([], [])
            return
        rates = np.array(sweep.learning_rates)
        x = np.log10(rates)
        # Seeds of one rate side by side, the same way every time.
        order = np.zeros(len(rates))
        for rate in np.unique(rates):
            ks = np.flatnonzero(rates == rate)
            order[ks] = np.linspace(-JITTER, JITTER, len(ks)) if len(ks) > 1 else 0.0
        x = x + order
        y = log_losses(sweep.final_losses)
        diverged = sweep.diverged | ~np.isfinite(y)
        finite = y[~diverged]
        top = (float(finite.max()) if finite.size else 0.0) + 0.5
        y = np.where(diverged, top, y)
        self._xy = np.column_stack([x, y])
        kinds = outcomes(sweep)
        colors = outcome_colors(self.prefs)
        kept = np.flatnonzero(~diverged)
        self.points.setData(
            x=x[kept],
            y=y[kept],
            data=kept,
            brush=[pg.mkBrush(colors[kinds[k]]) for k in kept],
            pen=None,
        )
        gone = np.flatnonzero(diverged)
        self.crosses.setData(x=x[gone], y=y[gone], data=gone)
        centres, medians, epochs = [], [], []
        for rate in np.unique(rates):
            ks = np.flatnonzero(rates == rate)
            ok = ks[~diverged[ks]]
            reached = sweep.epochs_to_target[ks]
            reached = reached[reached > 0]
            centres.append(math.log10(rate))
            medians.append(float(np.median(y[ok])) if ok.size else np.nan)
            epochs.append(float(np.median(reached)) if reached.size else np.nan)
        # Only the rates that have a figure: an item given NaN alone warns as it is drawn.
        for curve, values in ((self.median, medians), (self.epochs_curve, epochs)):
            have = [(c, v) for c, v in zip(centres, values, strict=True) if math.isfinite(v)]
            curve.setData([c for c, _ in have], [v for _, v in have])
        low = float(np.nanmin(y)) if y.size else -1.0
        self.getPlotItem().vb.setRange(
            xRange=(min(centres) - 0.3, max(centres) + 0.3),
            yRange=(low - 0.2, top + 0.3),
            padding=0,
        )
        finite_epochs = [e for e in epochs if math.isfinite(e)]
        self.epochs_view.setYRange(0, max(finite_epochs, default=1) * 1.15, padding=0)
        self._fit_epochs_view()

    def select(self, k: int | None) -> None:
        """Ring run ``k``'s point (None: no ring)."""
        if k is None or k >= len(self._xy):
            self.ring.setData([], [])
        else:
            self.ring.setData([self._xy[k, 0]], [self._xy[k, 1]])

    def _on_points_clicked(self, _item, points, event=None) -> None:
        if not len(points):
            return
        # Points may overlap: the one nearest the click (in pixels) is meant.
        best = points[0]
        if event is not None:
            vb = self.getPlotItem().vb
            where = vb.mapViewToScene(event.pos())
            best = min(points, key=lambda p: (vb.mapViewToScene(p.pos()) - where).manhattanLength())
        self.runClicked.emit(int(best.data()))
