"""Accuracy per epoch beside the loss: a second, right-hand axis of 0–100 % on a loss plot.

For a classifier the loss is what training lowers, but the share of examples
right is what a learner asks about ("95 % on the digits"). The curves live in a
view box of their own laid over the loss plot's (sharing its epochs), below it,
so that hovering, clicking and zooming still reach the loss curves. Created
once; :meth:`AccuracyCurves.redraw` feeds them slices of the history's buffers.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from bpdesk.ui.preferences import ViewPreferences


class AccuracyCurves:
    """Training and test accuracy, dashed, on the right-hand axis of ``plot`` (the axis
    says so; the legend keeps to the loss curves and the runs).

    Hidden (axis and curves) while the history has no accuracy (a regression,
    or no training yet). ``train_curve`` and ``test_curve`` for tests.
    """

    def __init__(self, plot: pg.PlotWidget, prefs: ViewPreferences) -> None:
        self.prefs = prefs
        self._item = item = plot.getPlotItem()
        self._main = item.vb
        self.view = pg.ViewBox(enableMouse=False)
        self.view.setMenuEnabled(False)
        self.view.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        # Below the loss's view box: drags, clicks and the wheel reach that one.
        self.view.setZValue(-100)
        item.scene().addItem(self.view)
        self.axis = item.getAxis("right")
        self.axis.linkToView(self.view)
        self.axis.setLabel("accuracy (dashed)")
        self.view.setXLink(self._main)
        self.view.setYRange(0.0, 1.0, padding=0.02)
        self.axis.setTicks([[(v, f"{round(v * 100)} %") for v in (0.0, 0.5, 1.0)]])
        self.train_curve = self._curve(prefs.palette.text)
        self.test_curve = self._curve(prefs.palette.positive)
        self._shown = (False, False)  # which curves are drawn
        item.showAxis("right", False)
        self._main.sigResized.connect(self._follow_main)
        self._follow_main()
        prefs.changed.connect(self._on_preferences_changed)

    def _curve(self, color) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(pen=self._pen(color))
        self.view.addItem(curve)
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        curve.setVisible(False)
        return curve

    @staticmethod
    def _pen(color) -> pg.QtGui.QPen:
        return pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine)

    def _follow_main(self) -> None:
        self.view.setGeometry(self._main.sceneBoundingRect())
        self.view.linkedViewChanged(self._main, self.view.XAxis)

    def _on_preferences_changed(self) -> None:
        palette = self.prefs.palette
        self.train_curve.setPen(self._pen(palette.text))
        self.test_curve.setPen(self._pen(palette.positive))

    def redraw(self, x: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        """Draw accuracy ``train`` and ``test`` (NaN where there is none) at epochs ``x``."""
        shown = (
            bool(train.size) and not np.isnan(train[-1]),
            bool(test.size) and not np.isnan(test[-1]),
        )
        for curve, on, values in zip(
            (self.train_curve, self.test_curve), shown, (train, test), strict=True
        ):
            curve.setData(x if on else [], values if on else [])
        if shown == self._shown:
            return
        self.train_curve.setVisible(shown[0])
        self.test_curve.setVisible(shown[1])
        self._shown = shown
        self._item.showAxis("right", any(shown))
