"""The "Error landscape" dock: curve, tangent, one step's ghost and the readout follow the document."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from bpdesk.core import Network, make_dataset, weight_landscape
from bpdesk.core.landscape import single_weight_dataset, single_weight_network
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.panels.landscape import MAX_POINTS, MIN_POINTS, SLIDER_STEPS, LandscapePanel


@pytest.fixture
def make_panel(qtbot):
    """Build a shown panel for a document; the list keeps strong references until teardown."""
    kept = []

    def make(doc: Document) -> LandscapePanel:
        panel = LandscapePanel(doc)
        qtbot.addWidget(panel)
        panel.resize(420, 600)
        panel.show()
        qtbot.waitExposed(panel)
        kept.append((doc, panel))
        return panel

    return make


@pytest.fixture
def explainer(make_panel):
    """The explainer's one-weight model, its weight selected."""
    doc = Document(network=single_weight_network(), dataset=single_weight_dataset())
    panel = make_panel(doc)
    doc.select((0, 0, 0))
    return doc, panel


def shown_text(panel: LandscapePanel) -> str:
    return "\n".join(label.text() for label in panel.findChildren(QLabel) if label.isVisible())


def tangent_line(panel: LandscapePanel) -> tuple[float, float]:
    """Slope and intercept of the drawn tangent."""
    x, y = panel.tangent.getData()
    assert len(x) == 2
    slope = (y[1] - y[0]) / (x[1] - x[0])
    return slope, y[0] - slope * x[0]


def ghost_position(panel: LandscapePanel) -> tuple[float, float]:
    x, y = panel.ghost.getData()
    assert len(x) == 1
    return float(x[0]), float(y[0])


def test_nothing_selected_shows_the_hint(make_panel):
    doc = Document(network=single_weight_network(), dataset=single_weight_dataset())
    panel = make_panel(doc)
    assert panel.hint.isVisible()
    assert not panel.plot.isVisible()
    assert "Click a weight" in shown_text(panel)
    assert panel.readout is None
    assert panel.landscape is None
    doc.select((0, 0, 0))
    assert not panel.hint.isVisible()
    assert panel.plot.isVisible()
    doc.select(None)
    assert panel.hint.isVisible()
    assert not panel.slider.isVisible()
    assert panel.readout is None


def test_the_selected_weight_reads_like_the_explainer(explainer):
    _, panel = explainer
    text = shown_text(panel)
    for words in (
        "0.50 × 1 = 0.50",
        "(0.50 − 2)² = 2.25",
        "−3.00",
        "negative (↘ increasing weight decreases error)",
        "Increase the weight to reduce error",
        "Output",
        "Target",
        "Error (Loss)",
        "Gradient",
        "Suggestion",
    ):
        assert words in text, words
    assert panel.target_label.text() == "2"
    assert "w(x1 → ŷ)" in panel.title.text()
    r = panel.readout
    assert (r.output, r.loss, r.gradient) == ((0.5,), 2.25, -3.0)


def test_the_tangent_has_the_backprop_slope_through_the_current_point(explainer):
    doc, panel = explainer
    X, T = doc.training_arrays()
    loss, dW, _ = doc.network.gradients(X, T)
    slope, intercept = tangent_line(panel)
    assert slope == pytest.approx(dW[0][0, 0], rel=1e-12)
    w = doc.parameter_value((0, 0, 0))
    assert intercept + slope * w == pytest.approx(loss, rel=1e-12)
    point = panel.point.pos()
    assert (point.x(), point.y()) == pytest.approx((w, loss))
    # The curve is the explainer's parabola (w − 2)².
    x, y = panel.curve.getData()
    assert np.allclose(y, (x - 2.0) ** 2)
    assert x[0] < w < x[-1]


def test_the_ghost_marks_one_gradient_step(explainer):
    doc, panel = explainer
    # η = 0.5: w − η·g = 0.5 + 1.5 lands exactly on the minimum.
    assert doc.config.learning_rate == 0.5
    assert ghost_position(panel) == pytest.approx((2.0, 0.0))
    doc.set_learning_rate(0.1)
    step_to = 0.5 - 0.1 * -3.0
    assert ghost_position(panel) == pytest.approx((step_to, (step_to - 2.0) ** 2))
    assert panel.landscape.learning_rate == 0.1
    # …and the readout says it in numbers.
    assert panel.step_label.text() == "0.500 → 0.800, loss 2.250 → 1.440 (η = 0.1)"


def test_a_step_too_small_to_see_is_said_so(make_panel):
    doc = Document()  # the XOR network on example 2, x = (0, 1)
    panel = make_panel(doc)
    doc.select((0, 1, 0))  # w(x2 → h1): one step moves it by about 0.01
    assert panel.step_label.text().endswith("a step too small to see apart from the point")
    doc.select((0, 0, 0))  # w(x1 → h1): x1 is 0, so it gets no gradient at all
    assert panel.step_label.text().endswith("no step at all, the gradient is 0")


def test_the_slider_moves_the_weight_and_a_drag_is_one_undo_step(explainer):
    doc, panel = explainer
    values, losses = panel.landscape.values, panel.landscape.losses
    low, high = panel.landscape.values[0], panel.landscape.values[-1]
    before = doc.undo_stack.count()
    seen = []
    for position in (600, 700, 800, 900):
        panel.slider.setValue(position)
        w = doc.parameter_value((0, 0, 0))
        seen.append(w)
        assert w == pytest.approx(low + position * (high - low) / SLIDER_STEPS, abs=1e-3)
        # Everything follows the real weight.
        assert panel.readout.value == w
        assert panel.readout.gradient == pytest.approx(2 * (w - 2.0))
        assert panel.point.pos().x() == pytest.approx(w)
        assert tangent_line(panel)[0] == pytest.approx(2 * (w - 2.0))
    assert len(set(seen)) == 4
    # The sweep stays put while dragging, and moving only this weight needs no new sweep.
    assert panel.landscape.values is values
    assert panel.landscape.losses is losses
    assert doc.undo_stack.count() == before + 1
    doc.undo()
    assert doc.network.weights[0][0, 0] == 0.5
    assert panel.readout.gradient_text == "−3.00"
    assert panel.slider.value() == round((0.5 - low) / (high - low) * SLIDER_STEPS)


def test_set_weight_does_what_the_slider_does(explainer):
    doc, panel = explainer
    before = doc.undo_stack.count()
    for value in (0.9, 1.3, 3.0):
        assert panel.set_weight(value)
        assert doc.parameter_value((0, 0, 0)) == value
    assert not panel.set_weight(3.0)  # no change, no command
    assert doc.undo_stack.count() == before + 1
    assert panel.readout.sign_text.startswith("positive")
    assert panel.readout.suggestion == "Decrease the weight to reduce error"
    assert "Decrease the weight" in shown_text(panel)
    doc.undo()
    assert doc.parameter_value((0, 0, 0)) == 0.5
    doc.redo()
    assert doc.parameter_value((0, 0, 0)) == 3.0


def test_dragging_the_point_moves_the_weight_along_the_curve(explainer):
    doc, panel = explainer
    low, high = panel.landscape.values[0], panel.landscape.values[-1]
    before = doc.undo_stack.count()
    panel.point.setPos(1.25, 9.0)  # as a drag does: anywhere, the point snaps to the curve
    assert doc.parameter_value((0, 0, 0)) == 1.25
    assert (panel.point.pos().x(), panel.point.pos().y()) == pytest.approx((1.25, 0.75**2))
    panel.point.setPos(high + 10, 0.0)  # past the end: held at the edge of the sweep
    assert doc.parameter_value((0, 0, 0)) == pytest.approx(high)
    assert (panel.landscape.values[0], panel.landscape.values[-1]) == (low, high)
    assert doc.undo_stack.count() == before + 1
    doc.undo()
    assert doc.parameter_value((0, 0, 0)) == 0.5


def test_a_mouse_drag_of_the_point_is_one_undo_step(explainer):
    doc, panel = explainer
    viewport = panel.plot.viewport()

    def at(x, y):
        return panel.plot.mapFromScene(panel.plot.getViewBox().mapViewToScene(QPointF(x, y)))

    before = doc.undo_stack.count()
    start, end = at(0.5, 2.25), at(1.5, 6.0)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 11):
        QTest.mouseMove(viewport, start + (end - start) * k / 10)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    w = doc.parameter_value((0, 0, 0))
    assert w == pytest.approx(1.5, abs=0.1)  # within a few pixels of where the mouse let go
    assert panel.point.pos().y() == pytest.approx((w - 2.0) ** 2)  # on the curve, not at 6
    assert doc.undo_stack.count() == before + 1
    doc.undo()
    assert doc.parameter_value((0, 0, 0)) == 0.5


def test_the_sweep_follows_a_weight_that_leaves_it(explainer):
    doc, panel = explainer
    low, high = panel.landscape.values[0], panel.landscape.values[-1]
    editing.set_value(doc, (0, 0, 0), 1.0)  # typed in the editor: inside, the view stays
    assert (panel.landscape.values[0], panel.landscape.values[-1]) == (low, high)
    editing.set_value(doc, (0, 0, 0), high + 5)
    assert panel.landscape.values[0] < high + 5 < panel.landscape.values[-1]
    assert panel.slider.minimum() < panel.slider.value() < panel.slider.maximum()


def test_a_bias_has_its_own_landscape(make_panel):
    # The one-weight model with a bias added (the explainer's has none).
    net = Network([1, 1], ["linear"], loss="se", parameters=np.array([0.5, 0.0]))
    doc = Document(network=net, dataset=single_weight_dataset())
    panel = make_panel(doc)
    doc.select((0, None, 0))
    assert "b(ŷ)" in panel.title.text()
    assert panel.readout.sign_text == "negative (↘ increasing bias decreases error)"
    panel.set_weight(0.25)
    assert doc.network.biases[0][0] == 0.25
    assert doc.network.weights[0][0, 0] == 0.5
    assert panel.readout.output_text == "0.50 × 1 + 0.25 = 0.75"


def test_a_hidden_weight_of_the_xor_network_agrees_with_the_engine(make_panel):
    doc = Document()
    panel = make_panel(doc)
    parameter = (0, 1, 0)  # x2 → h1, a weight two layers from the loss
    doc.select(parameter)
    for sample in (1, None):  # one example, then the batch mean
        doc.set_sample(sample)
        X, T = doc.training_arrays()
        net = doc.network
        loss, dW, _ = net.gradients(X, T)
        g = dW[0][1, 0]
        w = net.weights[0][1, 0]
        scape = panel.landscape
        assert scape.current == w
        assert scape.current_loss == pytest.approx(loss, rel=1e-12)
        assert scape.slope == pytest.approx(g, rel=1e-12)
        slope, intercept = tangent_line(panel)
        assert slope == pytest.approx(g, rel=1e-9)
        assert intercept + slope * w == pytest.approx(loss, rel=1e-12)
        # Every point of the curve is the loss with only this weight changed.
        x, y = panel.curve.getData()
        for k in (0, 57, 200):
            probe = Network(
                net.layer_sizes, net.activations, loss=net.loss, parameters=net.parameters
            )
            probe.weights[0][1, 0] = x[k]
            assert y[k] == pytest.approx(probe.compute_loss(X, T), rel=1e-12)
        reference = weight_landscape(net, X, T, 0, 1, 0, learning_rate=0.5)
        assert ghost_position(panel) == pytest.approx((reference.step_to, reference.step_loss))
        r = panel.readout
        assert r.gradient == pytest.approx(g, rel=1e-12)
        assert r.loss == pytest.approx(loss, rel=1e-12)
        assert r.rows == len(X)
        assert r.gradient_text in panel.gradient_label.text()
        assert r.sign_text in shown_text(panel)
        assert r.suggestion in shown_text(panel)
    assert "the mean over the 4 examples" in panel.title.text()
    # Another weight changes: the curve itself changes and is swept again.
    losses = panel.landscape.losses
    editing.set_value(doc, (1, 0, 0), doc.network.weights[1][0, 0] + 1.0)
    assert panel.landscape.losses is not losses
    X, T = doc.training_arrays()
    assert panel.landscape.current_loss == pytest.approx(doc.network.compute_loss(X, T))
    assert tangent_line(panel)[0] == pytest.approx(doc.network.gradients(X, T)[1][0][1, 0])


def test_a_big_batch_is_swept_with_fewer_points(make_panel):
    data = make_dataset("circle", n_samples=4000, test_ratio=0.0, seed=0)
    doc = Document(network=Network.create([2, 8, 8, 1], seed=0), dataset=data)
    doc.set_sample(None)
    panel = make_panel(doc)
    doc.select((1, 2, 3))
    assert MIN_POINTS <= len(panel.landscape.values) < MAX_POINTS
    X, T = doc.training_arrays()
    assert panel.landscape.current_loss == pytest.approx(doc.network.compute_loss(X, T))
    doc.set_sample(0)
    assert len(panel.landscape.values) == MAX_POINTS


def test_training_updates_follow_in_place(explainer, qtbot):
    doc, panel = explainer
    curve, tangent, ghost, point = panel.curve, panel.tangent, panel.ghost, panel.point
    low, high = panel.landscape.values[0], panel.landscape.values[-1]
    doc.training_active = True
    try:
        for w in (0.6, 0.7, 0.8):
            doc.show_training_state(np.array([w, 0.0]), epoch=0)
        qtbot.waitUntil(lambda: panel.landscape.current == 0.8, timeout=2000)
    finally:
        doc.training_active = False
    assert panel.readout.value == 0.8
    assert (panel.curve, panel.tangent, panel.ghost, panel.point) == (curve, tangent, ghost, point)
    assert (panel.landscape.values[0], panel.landscape.values[-1]) == (low, high)


def test_every_control_explains_itself(explainer):
    _, panel = explainer
    for widget in (panel.slider, panel.plot, panel.value_label, panel.gradient_label):
        assert widget.toolTip()
    assert panel.point.toolTip()
    assert panel.ghost.toolTip()


def test_the_panel_fits_its_dock_with_curve_slider_and_readout(qtbot):
    """In a dock's scroll area the panel is as tall as it asks to be: it must ask little."""
    from PySide6.QtWidgets import QScrollArea

    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    doc = Document(network=single_weight_network(), dataset=single_weight_dataset())
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    panel = LandscapePanel(doc)
    scroll.setWidget(panel)
    qtbot.addWidget(scroll)
    scroll.resize(380, 460)  # the dock at 1600×1000
    scroll.show()
    doc.select((0, 0, 0))
    qtbot.waitUntil(lambda: scroll.viewport().height() > 100)
    qtbot.wait(50)
    assert panel.height() <= scroll.viewport().height()  # nothing scrolled out of view


def test_the_title_does_not_break_inside_an_example():
    from bpdesk.ui.format import unbroken

    text = unbroken("example 2: x = (0, 1), t = 1")
    assert " " not in text.split(": ", 1)[1]  # only unbreakable spaces after the colon


def test_a_loss_near_the_float_limit_is_shown_without_an_error(make_panel):
    # ŷ = w·x with w = 1.3e154: the loss (w − 2)² is about 1.7e308, finite, and the
    # view's padding around it overflowed to inf, which pyqtgraph refuses.
    doc = Document(network=single_weight_network(1.3e154), dataset=single_weight_dataset())
    panel = make_panel(doc)
    doc.select((0, 0, 0))
    (_, _), (low, high) = panel.plot.getPlotItem().vb.viewRange()
    assert np.isfinite(low)
    assert np.isfinite(high)


@pytest.mark.parametrize("mode", ["forward", "backward"])
def test_moving_the_weight_here_keeps_the_shown_loss_up_to_date(explainer, mode):
    # Reported: moving the slider left the toolbar's loss stale.
    doc, panel = explainer
    doc.set_mode(mode)
    doc.run_backward() if mode == "backward" else doc.run_forward()
    before = doc.forward_state.total_loss
    assert panel.set_weight(1.5)
    assert doc.is_fresh("forward")
    assert doc.forward_state.total_loss != before
    data = doc.dataset
    assert doc.forward_state.total_loss == pytest.approx(
        doc.network.compute_loss(data.X_train, data.T_train)
    )
    assert doc.is_fresh("backward") == (mode == "backward")


def test_a_stale_view_is_left_for_the_learner_to_run(explainer):
    doc, panel = explainer
    doc.set_parameter((0, 0, 0), 0.25)  # an edit elsewhere: the learner runs F5 to see it
    assert not doc.is_fresh("forward")
    assert panel.set_weight(1.5)
    assert not doc.is_fresh("forward")
