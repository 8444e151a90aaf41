"""Shared pyqtgraph set-up: plots in the palette of the preferences they are given."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem

from bpdesk.ui.jobs import PaintsAlone
from bpdesk.ui.preferences import ViewPreferences


def configure_pyqtgraph() -> None:
    """The pyqtgraph options every plot wants (before it is made): smooth curves.

    Its default colours are the window's business (:mod:`bpdesk.ui.app_look`): a
    plot sets its own from its preferences.
    """
    pg.setConfigOptions(antialias=True)


# (number of labels already drawn, largest share of the axis their text may then fill)
LEFT_TEXT_FILL = [(0, 0.8), (2, 0.4), (4, 0.3), (6, 0.2)]


# The largest value a plot's view takes in: pyqtgraph pads a range around its data,
# and a value near the float maximum (a diverged run's 1e308) would pad to inf,
# which it refuses. Larger values run off the top.
LARGEST_SHOWN = 1e300

LABEL_ROOM = 1.7  # line heights of axis per label: closer, a short axis's labels touch


class CompactAxis(pg.AxisItem):
    """A vertical axis that puts fewer major ticks on a short plot.

    pyqtgraph keeps at least 2.25 intervals whatever the length, and always
    labels its first level: 0, 0.2 … 1.0 is six labels, which touch in 50 px.
    """

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        """pyqtgraph's levels, or a coarser nice step when its labels would not fit."""
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or span == 0 or size <= 0:
            return levels
        font = self.style.get("tickFont") or self.font()
        room = LABEL_ROOM * QFontMetricsF(font).height()
        most = max(2, int(size // room) + 1)  # labels that fit, ends included
        if span / levels[0][0] + 1 <= most:
            return levels
        step = nice_step(span / (most - 1))
        return [(step, 0), (step / 2, 0)]


def nice_step(value: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ that is at least ``value``."""
    power = 10.0 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value * (1 - 1e-9):
            return factor * power
    return 10 * power


class Plot(PaintsAlone, pg.PlotWidget):
    """A PlotWidget with the application's look, in the palette of ``prefs`` (and following it)."""

    def __init__(
        self,
        size_hint: QSize | None = None,
        *,
        prefs: ViewPreferences | None = None,
        **kwargs,
    ) -> None:
        configure_pyqtgraph()
        prefs = prefs if prefs is not None else ViewPreferences()
        axes = dict(kwargs.pop("axisItems", None) or {})
        axes.setdefault("left", CompactAxis("left"))
        super().__init__(axisItems=axes, background=prefs.palette.background, **kwargs)
        self.prefs = prefs  # a default one lives as long as the plot: a Python attribute
        self._size_hint = size_hint
        self.setMenuEnabled(False)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            # Plain numbers on the axes: a learner reads "0.002", not "2" under "loss (x0.001)".
            axis.enableAutoSIPrefix(False)
            # Kept as a picture: a curve redrawn 25 times a second also repaints the axes
            # it overlaps, and each of those repaints would run Python (holding the
            # interpreter the training thread needs). Qt redraws the picture when the
            # axis itself changes (new ticks, a new label).
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # A short vertical axis (a panel ~60 px high at 1280×800) labels its major
        # ticks only: pyqtgraph's default lets minor labels fill 60% of the axis,
        # and six labels in 60 px touch each other.
        self.getAxis("left").setStyle(textFillLimits=LEFT_TEXT_FILL)
        # Room above and right of the axes: the top and last tick labels are centred
        # on the ends and were cut in half by the widget's edge.
        self.getPlotItem().setContentsMargins(2, 8, 10, 2)
        self._on_preferences_changed()
        prefs.changed.connect(self._on_preferences_changed)

    def sizeHint(self) -> QSize:
        """pyqtgraph asks for a large plot; a docked panel may ask for less."""
        return self._size_hint if self._size_hint is not None else super().sizeHint()

    def _on_preferences_changed(self) -> None:
        """Background, axes and legend in the palette."""
        colors = self.prefs.palette
        self.setBackground(colors.background)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setPen(pg.mkPen(colors.text))
            axis.setTextPen(pg.mkPen(colors.text))
        legend = self.getPlotItem().legend
        if legend is not None:
            legend.setLabelTextColor(colors.text)
            for _sample, label in legend.items:
                label.setText(label.text)  # a LabelItem takes a new colour only with its text


def plot_widget(*, prefs: ViewPreferences | None = None, **kwargs) -> Plot:
    """A plot with the application's look in ``prefs``' palette (no context menu clutter).

    No grid: translucent grid lines over the whole plot make every repaint
    several times slower in software rendering, and plots repaint while training.
    """
    return Plot(prefs=prefs, **kwargs)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ᵏ at or above ``value``.

    Axis ends that change rarely (each step is at most half again the last) yet
    leave at most a third of the axis empty.
    """
    if value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power


def epoch_range(epochs: int) -> tuple[float, float]:
    """The x range of a plot over epochs: a round end just past the last one."""
    return (0.0, nice_ceiling(max(epochs, 10) * 1.02))


def decade_range(low: float, high: float) -> tuple[float, float]:
    """Whole decades around log10 values ``low`` … ``high``, at least one decade."""
    bottom = float(np.floor(low))
    return (bottom, max(float(np.ceil(high)), bottom + 1))


def hold_range(view: pg.ViewBox, x_range, y_range, force: bool = False) -> None:
    """Show exactly these ranges, unless already shown (a new range redraws the axes)."""
    (x0, x1), (y0, y1) = view.viewRange()
    if force or not np.allclose([x0, x1, y0, y1], [*x_range, *y_range], rtol=1e-6):
        view.setRange(xRange=x_range, yRange=y_range, padding=0)
