"""The network's output along its one input: what the "Decision boundary" dock
shows when a dataset has a single input (the explainer's one-weight model).

With one input there is no plane to colour: the answer is a curve, ŷ against
x, with the training examples as points (x, t) on it or off it. For the
one-weight model ŷ = w·x it is a line through the origin that turns towards
the example (1, 2) as the weight learns, the same story the error landscape
tells from the weight's side.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bpdesk.core import Dataset
from bpdesk.ui.document import Document
from bpdesk.ui.plots import LARGEST_SHOWN, plot_widget
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.theme import class_colors

POINTS = 200  # along x: a smooth curve for any activation, still a single small batch


def x_range(X: np.ndarray) -> tuple[float, float]:
    """The inputs' range with room on both sides (at least ±1 around a single value)."""
    low, high = float(X.min()), float(X.max())
    pad = max(0.15 * (high - low), 1.0 if high - low < 1e-9 else 0.0)
    return low - pad, high + pad


class OutputCurve(QWidget):
    """ŷ against the one input, over the data's range, with the examples as points."""

    def __init__(
        self,
        doc: Document,
        parent: QWidget | None = None,
        *,
        prefs: ViewPreferences | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.xs = np.empty(0)
        self.plot = plot_widget(size_hint=QSize(300, 160), prefs=self.prefs)
        self.plot.setMinimumSize(120, 80)
        self.plot.setToolTip(
            "The network's output for every value of its one input (the line), and the "
            "training examples (filled) and test examples (rings) at their targets"
        )
        item = self.plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        self.curves: list[pg.PlotDataItem] = []
        self.train_points = pg.ScatterPlotItem(size=10)
        self.test_points = pg.ScatterPlotItem(size=10, brush=pg.mkBrush(None))
        self.sample_ring = pg.ScatterPlotItem(size=22, brush=pg.mkBrush(None))
        for scatter in (self.test_points, self.train_points, self.sample_ring):
            scatter.setZValue(2)
            item.addItem(scatter)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.prefs.style(self.caption, "color: {faint_text};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)

    def set_dataset(self, ds: Dataset) -> None:
        """Lay out the axes and points for ``ds`` (one input) and draw the curve."""
        X = np.concatenate([ds.X_train, ds.X_test])[:, 0]
        low, high = x_range(X)
        self.xs = np.linspace(low, high, POINTS)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", html.escape(ds.feature_names[0]))  # pyqtgraph's labels are HTML
        item.setLabel("left", "ŷ" if ds.n_outputs == 1 else "outputs")
        item.vb.setXRange(low, high, padding=0)
        item.vb.enableAutoRange(axis="y")
        colors = self._colors(ds.n_outputs)
        while len(self.curves) < ds.n_outputs:
            curve = pg.PlotDataItem()
            item.addItem(curve)
            self.curves.append(curve)
        while len(self.curves) > ds.n_outputs:
            item.removeItem(self.curves.pop())
        for curve, color in zip(self.curves, colors):
            curve.setPen(pg.mkPen(color, width=2.5))
        first = colors[0]
        self.train_points.setData(
            np.repeat(ds.X_train[:, 0], ds.n_outputs),
            ds.T_train.ravel(),
            brush=pg.mkBrush(first),
            pen=pg.mkPen(self.prefs.palette.node_fill, width=1.5),
        )
        self.test_points.setData(
            np.repeat(ds.X_test[:, 0], ds.n_outputs),
            ds.T_test.ravel(),
            pen=pg.mkPen(first, width=2),
        )
        # Short: on a small screen this dock gives its height to the panel a page is about.
        self.caption.setText(
            f"The line: the network's output for every {ds.feature_names[0]}; "
            "the dots: the examples' targets."
        )
        self.caption.setToolTip("One input, so there is no plane to colour: a curve instead")
        self.show_sample()
        self.redraw()

    def _colors(self, n: int) -> list:
        palette = self.prefs.palette
        return [palette.text] if n == 1 else class_colors(palette, n)

    def show_sample(self) -> None:
        """Ring the example that drives the views (none for the batch mean)."""
        doc = self.doc
        sample = doc.sample
        if sample is None or doc.dataset.n_inputs != 1:
            self.sample_ring.setData([], [])
            return
        x = doc.dataset.X_train[sample, 0]
        t = doc.dataset.T_train[sample]
        self.sample_ring.setData(
            np.full(len(t), x), t, pen=pg.mkPen(self.prefs.palette.selected, width=2.5)
        )

    def redraw(self) -> None:
        """The network's output along x, drawn into the same curves."""
        net = self.doc.network
        if not self.xs.size or net.layer_sizes[0] != 1 or net.layer_sizes[-1] != len(self.curves):
            return  # an edit swaps the network first and the data next: wait for the data
        with np.errstate(all="ignore"):
            y = net.predict(self.xs[:, None])
        # Kept inside float range: the view pads its auto range, and a diverged
        # network's 1e308 would pad to inf, which pyqtgraph refuses.
        y = np.clip(np.where(np.isfinite(y), y, np.nan), -LARGEST_SHOWN, LARGEST_SHOWN)
        for k, curve in enumerate(self.curves):
            curve.setData(self.xs, y[:, k])
