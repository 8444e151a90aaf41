"""The "Gradient flow" dock: how strongly each layer is being taught, over the epochs.

The norm of ∂L/∂W per weight layer, on a log scale. In a deep sigmoid network
the curves of the early layers lie orders of magnitude below the last layer's
(σ'(z) ≤ ¼ at every layer the error passes back through): the vanishing
gradients the explainer warns about. ReLU and good initialisation bring them
together.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bpdesk.ui import theme
from bpdesk.ui.document import Document
from bpdesk.ui.panels.plots import nice_ceiling, plot_widget
from bpdesk.ui.throttle import LiveThrottle

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


def layer_name(network, layer: int) -> str:
    """``W1 (x → h1)`` … naming a weight layer by what it joins."""
    last = network.n_layers - 1
    source = "x" if layer == 0 else f"h{layer}"
    target = "ŷ" if layer == last else f"h{layer + 1}"
    return f"W{layer + 1} ({source} → {target})"


class GradientFlowPanel(QWidget):
    """‖∂L/∂W‖ of every weight layer per epoch (log scale), and right now."""

    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.redraws = 0
        self.plot = plot_widget()
        self.plot.setMinimumHeight(70)
        item = self.plot.getPlotItem()
        item.setLogMode(y=True)
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "‖∂L/∂W‖")
        # The legend sits in a column of its own, right of the plot: over it, six
        # layers' names would cover the curves (a deep network's are the point).
        self.legend = pg.LegendItem(offset=None, verSpacing=-4)
        item.layout.addItem(self.legend, 2, 3)
        item.legend = self.legend  # named curves join it by themselves
        self.curves: list[pg.PlotDataItem] = []
        # The view follows the data in coarse steps, as the loss plot does: pyqtgraph's
        # own auto range moves it on every redraw, and each move draws the plot and
        # its axes again (the interpreter they hold is the training thread's too).
        self._vb = item.vb
        self._vb.disableAutoRange()
        self._follow = True
        self._vb.sigRangeChangedManually.connect(self._stop_following)
        self.now = QLabel()
        self.now.setObjectName("gradientNow")
        self.now.setWordWrap(True)
        self.now.setToolTip(
            "The gradient of each layer for the current weights, on the training data"
        )
        note = QLabel(
            "Each line is one weight layer. Far apart (orders of magnitude) means the early "
            "layers hardly learn: vanishing gradients. Try ReLU or He initialisation."
        )
        note.setWordWrap(True)
        theme.style(note, "color: {faint_text};")
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.now)
        layout.addWidget(note)

        live = lambda: doc.training_active  # noqa: E731
        self._refresh = LiveThrottle(self._redraw, 200, live, self)
        doc.historyExtended.connect(self._refresh.request)
        doc.historyChanged.connect(self._rebuild)
        doc.networkChanged.connect(self._rebuild)
        doc.datasetChanged.connect(self._refresh.request)
        doc.parametersChanged.connect(self._refresh.request)
        self._rebuild()

    def _rebuild(self) -> None:
        """New curves for the current depth of the network."""
        for curve in self.curves:
            self.plot.removeItem(curve)
            self.legend.removeItem(curve)
        self.curves = []
        net = self.doc.network
        for layer in range(net.n_layers):
            color = LAYER_COLORS[layer % len(LAYER_COLORS)]
            # Not antialiased: per-epoch norms jitter anyway, and an antialiased path of
            # a few thousand points costs the interpreter (which training shares) ~1 ms
            # a repaint; aliased, less than half.
            curve = pg.PlotDataItem(
                pen=pg.mkPen(color, width=1), name=layer_name(net, layer), antialias=False
            )
            self.plot.addItem(curve)
            # After adding: pyqtgraph 0.14 fails if clipping is on while adding.
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves.append(curve)
        self._redraw()

    def _stop_following(self, *_) -> None:
        self._follow = False  # the user zoomed or panned: leave the view alone

    def _follow_data(self, epochs: int, values: np.ndarray) -> None:
        """Whole decades and rounded epoch counts: the range changes rarely."""
        if not self._follow:
            return
        x_range = (0.0, nice_ceiling(max(epochs, 10) * 1.02))
        if values.size:
            low = float(np.floor(np.log10(values.min())))
            high = float(np.ceil(np.log10(values.max())))
            y_range = (low, max(high, low + 1))  # log10 units: the axis is logarithmic
        else:
            y_range = (-3.0, 1.0)
        (x0, x1), (y0, y1) = self._vb.viewRange()
        if not np.allclose([x0, x1, y0, y1], [*x_range, *y_range], rtol=1e-6):
            self._vb.setRange(xRange=x_range, yRange=y_range, padding=0)

    def current_norms(self) -> np.ndarray:
        """‖∂L/∂W‖ per layer for the current weights on the whole training set."""
        doc = self.doc
        with np.errstate(all="ignore"):
            _, dW, _ = doc.network.gradients(doc.dataset.X_train, doc.dataset.T_train)
        return np.array([np.linalg.norm(w) for w in dW])

    def _redraw(self) -> None:
        self.redraws += 1
        record = self.doc.gradient_history
        norms = record.norms
        if norms.shape[1] == len(self.curves) and len(norms):
            x = np.arange(1, len(norms) + 1, dtype=np.float64)
            for layer, curve in enumerate(self.curves):
                y = norms[:, layer]
                keep = np.isfinite(y) & (y > 0)  # a log axis cannot show 0
                curve.setData(x[keep], y[keep])
            shown = norms[np.isfinite(norms) & (norms > 0)]
            self._follow_data(len(norms), shown)
        now = self.current_norms()
        if not (norms.shape[1] == len(self.curves) and len(norms)):
            for curve in self.curves:
                curve.setData([], [])
            # Before any training: the decades where today's gradients are.
            self._follow_data(0, now[np.isfinite(now) & (now > 0)])
        net = self.doc.network
        parts = [f"{layer_name(net, k)}: {theme.fmt(v, 4)}" for k, v in enumerate(now)]
        ratio = ""
        if len(now) > 1 and now[-1] > 0 and now[0] >= 0:
            ratio = f"   ·   first/last = {now[0] / now[-1]:.2g}"
        self.now.setText("Now: " + "   ".join(parts) + ratio)
