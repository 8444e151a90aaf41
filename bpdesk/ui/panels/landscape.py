"""The "Error landscape" dock: the loss as the selected weight alone moves.

The explainer's "What is a gradient?" picture for any weight of the real
network: the curve of the loss with every other parameter frozen, the current
point on it, the tangent whose slope is the backprop gradient, and a ghost
where one gradient-descent step lands. The slider (or dragging the point)
moves the real weight through an undo command, so the editor and every other
view follow, and a whole drag is one undo step.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from bpdesk.core import Landscape, weight_landscape
from bpdesk.core.chainrule import example_text, mean_text, parameter_meaning
from bpdesk.core.landscape import LandscapeReadout, landscape_readout
from bpdesk.ui import editing, theme
from bpdesk.ui.document import Document, Parameter
from bpdesk.ui.format import fmt, unbroken
from bpdesk.ui.frames import READING
from bpdesk.ui.plots import LARGEST_SHOWN, plot_widget
from bpdesk.ui.preferences import ViewPreferences

SLIDER_STEPS = 1000
# Points of the sweep: 201 for small problems, fewer (not under 31) when each
# point is a forward pass over many examples through many weights.
MAX_POINTS, MIN_POINTS = 201, 31
POINT_BUDGET = 10_000_000  # examples × parameters × points per sweep
HINT = (
    "Click a weight (a line in the network) to see its error landscape: how the loss changes "
    "as that one weight moves while everything else stays frozen. Click a bias value (under "
    "a neuron) to do the same for a bias."
)


def step_text(scape: Landscape, span: float, decimals: int) -> str:
    """``0.500 → 0.800, loss 2.250 → 1.440 (η = 0.1)``, and a word when the step is too small
    to see (the numbers with ``decimals``)."""
    eta = f"{scape.learning_rate:g}"
    if not (math.isfinite(scape.step_to) and math.isfinite(scape.step_loss)):
        return f"off the chart (η = {eta}): try a smaller learning rate"
    text = (
        f"{fmt(scape.current, decimals)} → {fmt(scape.step_to, decimals)}, loss "
        f"{fmt(scape.current_loss, decimals)} → {fmt(scape.step_loss, decimals)} (η = {eta})"
    )
    if scape.step_to == scape.current:
        text += ": no step at all, the gradient is 0"
    elif abs(scape.step_to - scape.current) < 0.01 * span:
        text += ": a step too small to see apart from the point"
    return text


class LandscapePanel(QWidget):
    """Loss along the selected weight's axis, its tangent, one step's landing point, and words."""

    # A drag of the slider or the point moves the weight many times: training
    # holds still for the whole gesture (one undo step, not one per move).
    gestureStarted = Signal()
    gestureFinished = Signal()

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self._in_gesture = False
        self.landscape: Landscape | None = None
        self.readout: LandscapeReadout | None = None
        self.redraws = 0
        self._parameter: Parameter | None = None
        self._range: tuple[float, float] | None = None  # the sweep, kept while dragging
        self._placing = False  # moving the marker ourselves, not the user
        self._stale_while_hidden = False
        # What the curve was swept for: while only the selected weight changes
        # (the slider, a drag), the curve stays the same and is reused.
        self._curve_key: tuple | None = None
        self._curve_parameters: np.ndarray | None = None

        self.title = QLabel()
        self.title.setObjectName("landscapeTitle")
        self.title.setWordWrap(True)
        self.prefs.style(self.title, "font-weight: bold;")
        self.hint = QLabel(HINT)
        self.hint.setObjectName("landscapeHint")
        self.hint.setWordWrap(True)
        self.prefs.style(self.hint, "color: {faint_text};")

        self._build_plot()

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip(
            "Adjust weight: move the selected weight and watch the loss and the gradient change "
            "(one drag is one undo step)"
        )
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderPressed.connect(self._start_gesture)
        self.slider.sliderReleased.connect(self._finish_gesture)
        self.value_label = QLabel()
        self.value_label.setToolTip("The selected weight's current value")
        self.value_label.setMinimumWidth(
            self.value_label.fontMetrics().horizontalAdvance("−0.000") + 8
        )
        adjust = QLabel("Adjust weight")
        adjust.setToolTip(self.slider.toolTip())
        slider_row = QHBoxLayout()
        slider_row.addWidget(adjust)
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.value_label)

        grid = self._build_readout()

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.plot, 1)
        body.addWidget(self.key)
        body.addLayout(slider_row)
        body.addLayout(grid)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.body, 1)
        layout.addStretch(0)  # keeps the hint at the top while the body is hidden

        # Immediate for the user's own edits; at most twice a second while training
        # streams parameters (a sweep is up to MAX_POINTS forward passes), and however
        # big the data, at most about a tenth of the GUI thread: the clock's READING
        # pace spaces the sweeps by their cost.
        doc.parametersChanged.connect(self._request_refresh)
        for signal in (
            doc.selectionChanged,
            doc.networkChanged,
            doc.datasetChanged,
            doc.sampleChanged,
            doc.settingsChanged,
            doc.outside.changed,
        ):
            signal.connect(self._on_new_view)
        self.prefs.changed.connect(self._on_preferences_changed)
        self._refresh()

    def _build_plot(self) -> None:
        """The loss curve with its tangent, the draggable point and the one-step marker."""
        # A modest size hint: its dock scrolls, and a scroll area gives a panel with
        # wrapped text the height it asks for, which with pyqtgraph's own 480 px
        # pushed the slider and the readout out of view.
        self.plot = plot_widget(size_hint=QSize(300, 140), prefs=self.prefs)
        self.plot.setMinimumHeight(120)
        self.plot.setToolTip(
            "The loss as this one weight moves, every other weight frozen. Dashed: the tangent, "
            "whose slope is the gradient. Hollow circle: where one step w − η·∂L/∂w lands."
        )
        item = self.plot.getPlotItem()
        item.setLabel("left", "loss")
        item.hideButtons()
        for axis in ("left", "bottom"):
            # Plain numbers on the axes: "loss (x0.001)" puzzles a learner.
            item.getAxis(axis).enableAutoSIPrefix(False)
        self._vb = item.getViewBox()
        self._vb.disableAutoRange()
        self._vb.setMouseEnabled(x=False, y=False)
        # Created once; every refresh only moves them (setData / setPos).
        self.curve = pg.PlotDataItem(connect="finite")
        self.tangent = pg.PlotDataItem()
        self.ghost = pg.ScatterPlotItem(size=12, symbol="o", brush=pg.mkBrush(None))
        self.ghost.setToolTip("Where one gradient-descent step w − η·∂L/∂w would land")
        self.point = pg.TargetItem(size=12, symbol="o")
        self._color_items()
        self.point.setToolTip("The weight's current value: drag it sideways to change the weight")
        for plot_item in (self.curve, self.tangent, self.ghost, self.point):
            item.addItem(plot_item)
        self.point.setZValue(10)
        self.point.sigPositionChanged.connect(self._on_point_dragged)
        self.point.sigPositionChangeFinished.connect(self._finish_gesture)
        self.key = QLabel(
            "Solid: loss · dashed: tangent (slope = gradient) · hollow: after one step"
        )
        self.key.setWordWrap(True)
        self.prefs.style(self.key, "color: {faint_text}; font-size: 9pt;")
        self.key.setToolTip(self.plot.toolTip())

    def _build_readout(self) -> QGridLayout:
        """The labels under the slider: output, target, loss, gradient, what it means."""
        self.output_label = self._value_label("What the network outputs for these inputs")
        self.target_label = self._value_label("What the output should be")
        self.loss_label = self._value_label("How wrong the output is: the loss")
        self.gradient_label = self._value_label(
            "∂L/∂w: how much the error changes when this weight increases by a tiny amount"
        )
        self.sign_label = self._value_label("What the gradient's sign says")
        self.step_label = self._value_label(
            "Where one step of gradient descent, w − η·∂L/∂w, takes the weight and the loss "
            "(the hollow marker on the curve)"
        )
        self.suggestion_label = self._value_label("Which way to move the weight to reduce error")
        self.prefs.style(self.suggestion_label, "font-weight: bold;")
        self.meaning_label = self._value_label("How to read the gradient's value")
        self.prefs.style(self.meaning_label, "color: {faint_text};")
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        rows = (
            ("Output", self.output_label),
            ("Target", self.target_label),
            ("Error (Loss)", self.loss_label),
            ("Gradient", self.gradient_label),
            ("", self.sign_label),
            ("Suggestion", self.suggestion_label),
            ("One step", self.step_label),
        )
        for row, (caption, label) in enumerate(rows):
            heading = QLabel(caption)
            self.prefs.style(heading, "color: {faint_text};")
            heading.setToolTip(label.toolTip())
            grid.addWidget(heading, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, row, 1)
        grid.addWidget(self.meaning_label, len(rows), 0, 1, 2)
        return grid

    def _on_preferences_changed(self) -> None:
        """Curve, tangent and markers in the palette; numbers in the decimals."""
        self._color_items()
        self._curve_key = None  # sweep again: the readout's numbers change with the decimals
        self._refresh()

    def _color_items(self) -> None:
        colors = self.prefs.palette
        self.curve.setPen(pg.mkPen(colors.text, width=2))
        self.tangent.setPen(pg.mkPen(colors.selected, width=1.5, style=Qt.PenStyle.DashLine))
        self.ghost.setPen(pg.mkPen(colors.path, width=1.5))
        self.point.setPen(pg.mkPen(colors.node_border, width=1))
        self.point.setHoverPen(pg.mkPen(colors.node_border, width=2))
        self.point.setBrush(pg.mkBrush(colors.selected))
        self.point.setHoverBrush(pg.mkBrush(colors.selected))

    def _value_label(self, tip: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setToolTip(tip)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # -- the user moves the weight -------------------------------------------------------

    def set_weight(self, value: float) -> bool:
        """Move the selected weight (or bias) to ``value``, undoably; what the slider does.

        Consecutive moves of the same weight merge into one undo step.
        """
        doc = self.doc
        parameter = doc.selected
        if parameter is None or float(value) == doc.parameter_value(parameter):
            return False
        # What was shown up to date stays so: the toolbar's loss and the diagram follow
        # the weight as the loss here does (an edit elsewhere leaves them to F5/F6).
        fresh = {which: doc.is_fresh(which) for which in ("forward", "backward")}
        if not editing.set_value(doc, parameter, float(value)):
            return False
        if fresh["backward"] and doc.mode == "backward":
            doc.run_backward()
        elif fresh["forward"]:
            doc.run_forward()
        return True

    def _on_slider(self, position: int) -> None:
        if self._placing or self._range is None:
            return
        low, high = self._range
        step = (high - low) / SLIDER_STEPS
        # Values on a tidy grid as fine as the slider: the editor then shows 0.5, not 0.50000017.
        decimals = max(0, 1 - math.floor(math.log10(step)))
        self.set_weight(round(low + position * step, decimals))

    def _start_gesture(self) -> None:
        if not self._in_gesture:
            self._in_gesture = True
            self.gestureStarted.emit()

    def _finish_gesture(self, *_args) -> None:
        if self._in_gesture:
            self._in_gesture = False
            self.gestureFinished.emit()

    def _on_point_dragged(self, _item) -> None:
        if self._placing or self._range is None:
            return
        if self.point.moving:
            self._start_gesture()
        low, high = self._range
        # Clamped to the sweep: the view stays put under the mouse while dragging.
        self.set_weight(min(max(self.point.pos().x(), low), high))
        self._place_point()

    # -- the document changed ---------------------------------------------------------------

    def _on_new_view(self, *_args) -> None:
        self._range = None  # a new weight, network, data or step size: fit the sweep again
        self._request_refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale_while_hidden:
            self._refresh()

    def _request_refresh(self) -> None:
        self.doc.frames.request(self._refresh, READING)

    def _refresh(self) -> None:
        doc = self.doc
        if doc.training_active and not self.isVisible():
            # A tabbed-away panel skips the sweeps of a training run and catches up when shown.
            self._stale_while_hidden = True
            return
        self._stale_while_hidden = False
        self.redraws += 1
        parameter = doc.selected
        if parameter != self._parameter:
            self._parameter = parameter
            self._range = None
        if parameter is None:
            self.landscape = self.readout = None
            self.title.setText("Error landscape")
            self.hint.setVisible(True)
            self.body.setVisible(False)
            return
        self.hint.setVisible(False)
        self.body.setVisible(True)
        net = doc.network
        layer, i, j = parameter
        X, T = doc.outside.arrays()  # what the network views show
        value = doc.parameter_value(parameter)
        if self._range is not None and not self._range[0] <= value <= self._range[1]:
            self._range = None  # the weight left the view (training, typing, undo)
        index = doc.parameter_index(parameter)
        curve = self._reusable_curve(
            (net, doc.dataset, doc.sample, doc.outside.example, index, self._range), index
        )
        points = int(np.clip(POINT_BUDGET // (len(X) * net.n_parameters), MIN_POINTS, MAX_POINTS))
        with np.errstate(all="ignore"):
            scape = weight_landscape(
                net,
                X,
                T,
                layer,
                i,
                j,
                learning_rate=doc.config.learning_rate,
                points=points,
                value_range=self._range,
                curve=curve,
            )
            self.readout = landscape_readout(net, X, T, layer, i, j)
        if self._range is None:
            self._range = (float(scape.values[0]), float(scape.values[-1]))
        if curve is None:
            self._curve_key = (
                net,
                doc.dataset,
                doc.sample,
                doc.outside.example,
                index,
                self._range,
            )
            self._curve_parameters = net.parameters.copy()
        self.landscape = scape
        self._show_title(parameter)
        self._draw(scape)
        self._show_readout(self.readout)

    def _reusable_curve(self, key: tuple, index: int) -> Landscape | None:
        """The last landscape, when nothing but the selected weight has changed since its sweep."""
        if self.landscape is None or key != self._curve_key:
            return None
        params = self.doc.network.parameters
        self._curve_parameters[index] = params[index]
        return self.landscape if np.array_equal(self._curve_parameters, params) else None

    def _show_title(self, parameter: Parameter) -> None:
        doc, net = self.doc, self.doc.network
        layer, i, j = parameter
        name = net.parameter_name(layer, i, j)
        data = doc.dataset
        shown = doc.outside.example
        if shown is not None:
            rows = example_text(shown.x, shown.t, shown.name)
        elif doc.sample is None:
            rows = mean_text(data.n_train)
        else:
            rows = example_text(data.X_train[doc.sample], data.T_train[doc.sample], doc.sample)
        self.title.setText(f"Error landscape of {name} — {unbroken(rows)}")
        self.title.setToolTip(parameter_meaning(net, layer, i, j))
        label = f"{name} ({'bias' if i is None else 'weight'})"
        axis = self.plot.getPlotItem().getAxis("bottom")
        if axis.labelText != label:  # a new label lays the axis out and draws it again
            axis.setLabel(label)

    def _draw(self, scape: Landscape) -> None:
        low, high = self._range
        losses = np.where(np.isfinite(scape.losses), scape.losses, np.nan)
        self.curve.setData(scape.values, losses)
        half = 0.25 * (high - low)
        ends = np.array([scape.current - half, scape.current + half])
        self.tangent.setData(ends, scape.tangent(ends))
        if math.isfinite(scape.step_to) and math.isfinite(scape.step_loss):
            self.ghost.setData([scape.step_to], [scape.step_loss])
            self.ghost.setVisible(True)
        else:
            self.ghost.setVisible(False)
        self.step_label.setText(step_text(scape, high - low, self.prefs.decimals))
        self._place_point()
        self._update_view(losses)
        self._placing = True
        try:
            self.slider.setValue(round((scape.current - low) / (high - low) * SLIDER_STEPS))
        finally:
            self._placing = False
        self.value_label.setText(self.prefs.fmt(scape.current))

    def _place_point(self) -> None:
        scape = self.landscape
        if scape is None:
            return
        self._placing = True
        try:
            self.point.setPos(scape.current, scape.current_loss)
        finally:
            self._placing = False

    def _update_view(self, losses: np.ndarray) -> None:
        low, high = self._range
        finite = losses[np.isfinite(losses)]
        if finite.size:
            # Held inside float range (see LARGEST_SHOWN): a diverged weight's loss
            # can be ~1e308, and the padding below would overflow to inf.
            bottom = max(float(finite.min()), -LARGEST_SHOWN)
            top = min(float(finite.max()), LARGEST_SHOWN)
        else:
            bottom, top = 0.0, 1.0
        pad = 0.08 * (top - bottom) or max(abs(top) * 0.1, 0.1)
        bottom, top = bottom - pad, top + pad
        # The axes regenerate their ticks on every range change: skip changes
        # too small to see (a training run moves the curve a little each frame).
        (x0, x1), (y0, y1) = self._vb.viewRange()
        height = y1 - y0
        if (
            (x0, x1) != (low, high)
            or abs(y0 - bottom) > 0.05 * height
            or abs(y1 - top) > 0.05 * height
        ):
            self._vb.setRange(xRange=(low, high), yRange=(bottom, top), padding=0)

    def _show_readout(self, r: LandscapeReadout) -> None:
        self.output_label.setText(r.output_text)
        self.target_label.setText(r.target_text)
        self.loss_label.setText(r.loss_text)
        color = theme.signed_color(self.prefs.palette, r.gradient).name()
        self.gradient_label.setText(f"<b style='color:{color}'>{r.gradient_text}</b>")
        self.sign_label.setText(r.sign_text)
        self.suggestion_label.setText(r.suggestion)
        self.meaning_label.setText(r.meaning)
