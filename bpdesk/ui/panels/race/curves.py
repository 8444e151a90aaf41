"""The race's loss curves: one per method, against the forward passes it used (log axis)
or against its own seconds; created once and updated in place as the race reports."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor

from bpdesk.core.race_result import METHODS, RaceResult
from bpdesk.ui.plots import Plot
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.theme import verdict_colors

LOWEST = 1e-12  # losses below this sit on the bottom of the log axis
HIGHEST = 1e30
PASSES, SECONDS = "passes", "seconds"
# Short names in the legend: the plot is a few hundred pixels wide.
LEGEND = {"random": "random", "nudge": "nudging", "backprop": "backprop"}


def method_colors(prefs: ViewPreferences) -> dict[str, QColor]:
    """Random search orange, nudging blue, backprop green (the colour of "right")."""
    palette = prefs.palette
    right, _ = verdict_colors(palette)
    return {
        "random": QColor(palette.positive),
        "nudge": QColor(palette.negative),
        "backprop": right,
    }


class RaceCurves(Plot):
    """The three methods' training loss (log axis) against forward passes (log axis) or
    seconds; a dashed line marks the target. ``curves[name]`` is each method's curve item."""

    def __init__(self, x: str, prefs: ViewPreferences | None = None) -> None:
        super().__init__(QSize(260, 150), prefs=prefs)
        self.x = x
        item = self.getPlotItem()
        item.setLogMode(x=x == PASSES, y=True)
        item.setLabel("bottom", "forward passes" if x == PASSES else "seconds")
        item.setLabel("left", "training loss")
        if x == PASSES:
            # Bottom left: no curve is low that early (they start high, on the left).
            self.addLegend(offset=(4, -4), labelTextSize="8pt")
        self.curves: dict[str, pg.PlotDataItem] = {}
        for name in METHODS:
            self.curves[name] = self.plot([], [], name=LEGEND[name])
        self.target_line = pg.InfiniteLine(angle=0, movable=False)
        self.target_line.setVisible(False)
        self.addItem(self.target_line, ignoreBounds=True)
        self._color_curves()
        self.prefs.changed.connect(self._color_curves)

    def _color_curves(self) -> None:
        colors = method_colors(self.prefs)
        for name, curve in self.curves.items():
            curve.setPen(pg.mkPen(colors[name], width=2))
        self.target_line.setPen(
            pg.mkPen(self.prefs.palette.faint_text, width=1, style=Qt.PenStyle.DashLine)
        )

    def show_result(self, result: RaceResult | None) -> None:
        """Each method's curve as ``result`` has it (None: empty plots)."""
        for name, curve in self.curves.items():
            if result is None:
                curve.setData([], [])
                continue
            method = result.method(name)
            xs = method.curve_passes if self.x == PASSES else method.curve_seconds
            losses = method.curve_losses
            keep = np.isfinite(losses)
            if self.x == PASSES:
                keep &= xs > 0
            curve.setData(
                np.asarray(xs[keep], dtype=np.float64), np.clip(losses[keep], LOWEST, HIGHEST)
            )
        if result is not None and math.isfinite(result.target) and result.target > 0:
            self.target_line.setPos(math.log10(result.target))  # the axis is log10 of the loss
            self.target_line.setVisible(True)
        else:
            self.target_line.setVisible(False)
