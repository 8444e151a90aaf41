"""The network editor: clicking weights, stepping through a training step, editing by hand."""

import math
from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QDropEvent,
    QFont,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QTransform,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyleOptionGraphicsItem

from bpdesk.core import TrainConfig, Trainer
from bpdesk.core.architecture import EDITOR_MAX_NEURONS as MAX_NEURONS  # what the editor draws
from bpdesk.ui import editing, theme
from bpdesk.ui.commands import ReplaceNetworkCommand, SetParameterCommand
from bpdesk.ui.document import Document
from bpdesk.ui.editor.items import (
    LABEL_FONT,
    LABEL_MIN_LOD,
    NODE_RADIUS,
    LayerBand,
    NeuronNode,
    RoundButton,
    WeightEdge,
)
from bpdesk.ui.editor.scene import PALETTE_MIME, NetworkScene
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.preferences import Preferences, ViewPreferences
from bpdesk.ui.step_through import StepThrough


@dataclass
class Editor:
    """The network editor over a document of its own: what a test of the editor needs
    (the `window` fixture's window has the same ``doc``, ``view``, ``scene`` and
    ``preferences``, so the helpers below take either)."""

    doc: Document
    view: NetworkView
    steps: StepThrough

    @property
    def scene(self) -> NetworkScene:
        return self.view.network_scene

    @property
    def preferences(self) -> ViewPreferences:
        return self.view.prefs


@pytest.fixture
def editor(qtbot):
    """A NetworkView over a new document (the window's default one), shown offscreen at
    the size the window's editor gets there, with reveal animations off (as the
    `window` fixture sets them); ``steps`` steps through a training step in it."""
    doc = Document()
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(566, 503)  # the editor's size in the `window` fixture's window
    view.show()
    qtbot.waitExposed(view)
    # What applying gradients says goes to the window's status bar: a window test reads it.
    steps = StepThrough(doc, view.network_scene, lambda _text, _ms: None)
    # qtbot keeps only a weak reference: the fixture holds the view until teardown.
    yield Editor(doc, view, steps)
    view.close()


def edge_of(editor, layer, i, j) -> WeightEdge:
    (edge,) = [e for e in editor.scene.edges if e.parameter == (layer, i, j)]
    return edge


def view_point(editor, scene_point: QPointF) -> QPoint:
    return editor.view.mapFromScene(scene_point)


def click_edge(qtbot, editor, edge: WeightEdge) -> None:
    # A point three quarters along the line: away from its label and the neurons.
    point = view_point(editor, edge.line().pointAt(0.75))
    assert editor.view.itemAt(point) is edge
    QTest.mouseClick(
        editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def engine_gradient(doc, layer, i, j):
    X, T = doc.training_arrays()
    _, dW, db = doc.network.gradients(X, T)
    return db[layer][j] if i is None else dW[layer][i, j]


@pytest.mark.parametrize(("layer", "i", "j"), [(0, 1, 0), (1, 1, 0), (0, 0, 1)])
@pytest.mark.parametrize("sample", [1, None])
def test_clicking_a_weight_explains_its_gradient(qtbot, window, layer, i, j, sample):
    doc = window.doc
    doc.set_sample(sample)
    edge = edge_of(window, layer, i, j)
    click_edge(qtbot, window, edge)
    assert doc.selected == (layer, i, j)
    assert edge.selected
    panel = window.chain_rule
    rule = panel.rule
    assert rule is not None
    gradient = engine_gradient(doc, layer, i, j)
    assert panel.final_value == pytest.approx(gradient, rel=1e-12, abs=1e-15)
    # The terms shown multiply and add up to that value.
    assert sum(np.prod([f.value for f in t.factors]) for t in rule.terms) == pytest.approx(
        gradient, abs=1e-15
    )
    from bpdesk.core.chainrule import precise_number

    assert precise_number(gradient, 5) in panel.result.text()
    # …and it is the number the edge shows in the backward view.
    window.act_backward_pass.trigger()
    assert edge.label.text == window.preferences.fmt(gradient)
    assert not edge.label.stale


def test_selection_highlights_the_paths_to_the_output(editor):
    doc = editor.doc
    doc.select((0, 0, 1))  # x1 → h2
    on_path = {e.parameter for e in editor.scene.edges if e.on_path}
    assert on_path == {(1, 1, 0)}  # h2 → ŷ is the only path onwards
    nodes = editor.scene.nodes
    rings = {(node.layer, node.index): node.highlight for column in nodes for node in column}
    assert rings == {(0, 0): "", (0, 1): "", (1, 0): "", (1, 1): "target", (2, 0): "path"}
    # …and that is what is painted: the target's ring in the selection colour,
    # the path's in the path colour, the others plain and thinner.
    pens = {key: ring_pen(nodes[key[0]][key[1]]) for key in rings}
    colors = editor.preferences.palette
    assert pens[(1, 1)] == (colors.selected, 3.0)
    assert pens[(2, 0)] == (colors.path, 2.2)
    assert pens[(1, 0)] == pens[(0, 0)] == (colors.node_border, 1.6)
    doc.select(None)
    assert not any(node.highlight for column in nodes for node in column)


def ring_pen(node: NeuronNode) -> tuple[str, float]:
    """The colour and width of the circle ``node`` paints."""

    class RingPainter(QPainter):
        def drawEllipse(self, *args) -> None:
            self.ring = (self.pen().color().name(), self.pen().widthF())
            super().drawEllipse(*args)

    image = QImage(80, 80, QImage.Format.Format_ARGB32_Premultiplied)
    painter = RingPainter(image)
    painter.translate(40, 40)
    node.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    return painter.ring


def test_forward_backward_apply_matches_one_engine_sgd_step(window):
    doc = window.doc
    doc.set_sample(None)  # the batch mean, as the engine's full-batch step uses
    reference = doc.network.copy()
    window.act_forward_pass.trigger()
    before = doc.forward_state.total_loss
    window.act_backward_pass.trigger()
    assert doc.is_fresh("backward")
    window.act_apply.trigger()
    after = doc.forward_state.total_loss
    trainer = Trainer(reference, doc.dataset, TrainConfig(learning_rate=doc.config.learning_rate))
    trainer.step()
    expected = reference.compute_loss(doc.dataset.X_train, doc.dataset.T_train)
    assert after == pytest.approx(expected, rel=1e-12)
    assert np.allclose(doc.network.parameters, reference.parameters, rtol=1e-14)
    assert after < before
    assert "loss fell" in window.statusBar().currentMessage()
    # One undoable step that restores the exact weights.
    doc.undo_stack.undo()
    assert doc.forward_state.total_loss == before


def test_a_single_example_step_lowers_that_examples_loss(editor):
    doc = editor.doc
    doc.set_sample(2)
    editor.steps.forward_pass()
    before = doc.forward_state.loss
    editor.steps.backward_pass()
    editor.steps.apply_gradients()
    assert doc.forward_state.loss < before


def test_edits_make_computed_values_stale_until_recomputed(editor):
    doc = editor.doc
    editor.steps.backward_pass()
    doc.set_mode("backward")
    assert doc.is_fresh("backward")
    doc.undo_stack.push(SetParameterCommand(doc, (1, 0, 0), 2.5))
    assert not doc.is_fresh("forward")
    assert not doc.is_fresh("backward")
    assert all(label.stale for label in editor.scene.labels)
    assert "out of date" in editor.view.banner.text()
    editor.steps.backward_pass()
    assert not any(label.stale for label in editor.scene.labels)


def test_the_views_follow_the_model(window):
    doc = window.doc
    edge = edge_of(window, 0, 0, 1)
    doc.undo_stack.push(SetParameterCommand(doc, (0, 0, 1), -1.25))
    assert edge.label.text == window.preferences.fmt(-1.25)
    assert edge.pen_color.name() == window.preferences.palette.negative
    big = doc.network.copy()
    from bpdesk.core import architecture as arch

    big = arch.insert_layer(big, 2, 5, "tanh", np.random.default_rng(0))
    doc.undo_stack.push(ReplaceNetworkCommand(doc, big, "test"))
    assert [len(c) for c in window.scene.nodes] == [2, 2, 5, 1]
    assert len(window.scene.edges) == 2 * 2 + 2 * 5 + 5
    doc.set_mode("backward")
    assert window.act_backward_view.isChecked()
    doc.set_mode("forward")
    assert window.act_forward_view.isChecked()


def button_point(editor, button: RoundButton) -> QPoint:
    # Buttons keep their size on screen (their offsets are in pixels): map through
    # the item's own device transform rather than its scene position.
    view = editor.view
    return button.deviceTransform(view.viewportTransform()).map(QPointF(0, 0)).toPoint()


def click_button(editor, button: RoundButton) -> None:
    if not button.isVisible():
        # Zoomed out too far for header buttons (the offscreen screen is small):
        # zoom in on them, as a user would.
        editor.view.zoom_to(1.0, button.parentItem().parentItem().scenePos())
    point = button_point(editor, button)
    assert editor.view.itemAt(point) is button
    QTest.mouseClick(
        editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def header_buttons(editor, layer):
    x = layer * editor.scene.column
    return {
        item.symbol: item
        for item in editor.scene.items()
        if isinstance(item, RoundButton)
        and abs(item.parentItem().parentItem().scenePos().x() - x) < 1
    }


def test_plus_and_minus_buttons_add_and_remove_neurons_keeping_weights(editor):
    doc = editor.doc
    before = doc.network.copy()
    click_button(editor, header_buttons(editor, 1)["+"])
    net = doc.network
    assert net.layer_sizes == (2, 3, 1)
    assert np.array_equal(net.weights[0][:, :2], before.weights[0])
    assert np.array_equal(net.weights[1][:2], before.weights[1])
    assert np.array_equal(net.biases[0][:2], before.biases[0])
    assert np.all(net.weights[0][:, 2] != 0)  # initialised, not left at zero
    click_button(editor, header_buttons(editor, 1)["−"])
    assert np.array_equal(doc.network.parameters, before.parameters)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert np.array_equal(doc.network.parameters, before.parameters)
    doc.undo_stack.redo()
    assert doc.network.layer_sizes == (2, 3, 1)
    assert np.array_equal(doc.network.parameters, net.parameters)


def test_insert_and_remove_layers_with_the_buttons(editor):
    doc = editor.doc
    before = doc.network.copy()
    inserts = [
        b
        for b in editor.scene.items()
        if isinstance(b, RoundButton) and b.toolTip().startswith("Insert")
    ]
    last_gap = max(inserts, key=lambda b: b.parentItem().parentItem().scenePos().x())
    click_button(editor, last_gap)
    assert doc.network.layer_sizes == (2, 2, 3, 1)
    assert np.array_equal(doc.network.weights[0], before.weights[0])
    click_button(editor, header_buttons(editor, 2)["×"])
    assert doc.network.layer_sizes == (2, 2, 1)
    assert np.array_equal(doc.network.weights[0], before.weights[0])
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert np.array_equal(doc.network.parameters, before.parameters)


def drag(editor, start: QPointF, end: QPointF, steps: int = 6) -> None:
    """Press, move with the button held, release: a real drag on the view."""
    viewport = editor.view.viewport()
    a, b = view_point(editor, start), view_point(editor, end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for k in range(1, steps + 1):
        p = QPointF(a + (b - a) * k / steps)
        move = QMouseEvent(
            QMouseEvent.Type.MouseMove,
            p,
            viewport.mapToGlobal(p),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, move)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def grow_hidden_layer(editor, size):
    doc = editor.doc
    if size > 8:  # a big layer in one edit, as the palette's number sets it
        editing.set_layer_size(doc, 1, size)
    while doc.network.layer_sizes[1] < size:
        editing.add_neuron(doc, 1)


def test_dragging_a_neuron_down_reorders_it_without_changing_the_function(editor):
    doc = editor.doc
    grow_hidden_layer(editor, 4)
    before = doc.network.copy()
    X = doc.dataset.X_train
    node = editor.scene.nodes[1][0]
    target = editor.scene.nodes[1][2]
    drag(editor, node.scenePos(), target.home)
    net = doc.network
    assert net.layer_sizes == (2, 4, 1)
    assert np.array_equal(net.weights[0][:, 2], before.weights[0][:, 0])
    assert np.array_equal(net.weights[1][2], before.weights[1][0])
    assert np.array_equal(net.weights[0][:, 0], before.weights[0][:, 1])
    assert np.allclose(net.predict(X), before.predict(X), rtol=1e-15, atol=0)
    assert doc.undo_stack.undoText() == "Move neuron"
    doc.undo_stack.undo()
    assert np.array_equal(doc.network.parameters, before.parameters)


def test_dragging_a_neuron_off_the_network_removes_it(editor):
    doc = editor.doc
    grow_hidden_layer(editor, 3)
    before = doc.network.copy()
    node = editor.scene.nodes[1][1]
    drag(editor, node.scenePos(), node.scenePos() + QPointF(0, 10))
    assert doc.network.layer_sizes == (2, 3, 1)  # a small move in place changes nothing
    node = editor.scene.nodes[1][1]
    drag(editor, node.scenePos(), editor.scene.trash.scenePos())
    net = doc.network
    assert net.layer_sizes == (2, 2, 1)
    assert np.array_equal(net.weights[0], before.weights[0][:, [0, 2]])
    assert np.array_equal(net.weights[1], before.weights[1][[0, 2]])
    # Far to the side of its column counts as off the network too.
    node = editor.scene.nodes[1][0]
    drag(editor, node.scenePos(), node.scenePos() + QPointF(-180, -40))
    assert doc.network.layer_sizes == (2, 1, 1)


def drop(editor, kind: str, scene_point: QPointF) -> None:
    mime = QMimeData()
    mime.setData(PALETTE_MIME, kind.encode())
    point = QPointF(view_point(editor, scene_point))
    event = QDropEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    editor.view.dropEvent(event)


def test_palette_drops_add_a_neuron_and_insert_a_layer(editor):
    doc = editor.doc
    before = doc.network.copy()
    hidden = editor.scene.nodes[1]
    # A neuron dropped between h1 and h2 lands at index 1.
    drop(editor, "neuron", (hidden[0].home + hidden[1].home) / 2)
    net = doc.network
    assert net.layer_sizes == (2, 3, 1)
    assert np.array_equal(net.weights[0][:, [0, 2]], before.weights[0])
    # A layer dropped between the hidden layer and the output is inserted there.
    drop(editor, "layer", QPointF(1.5 * editor.scene.column, 0))
    assert doc.network.layer_sizes == (2, 3, 3, 1)
    # On the input column a neuron is refused, with a message.
    messages = []
    doc.message.connect(messages.append)
    drop(editor, "neuron", editor.scene.nodes[0][0].home)
    assert doc.network.layer_sizes == (2, 3, 3, 1)
    assert messages
    assert "input" in messages[-1]


def test_limits_give_a_message_not_a_crash(editor):
    doc = editor.doc
    grow_hidden_layer(editor, MAX_NEURONS)
    messages = []
    doc.message.connect(messages.append)
    before = doc.network.copy()
    plus = header_buttons(editor, 1)["+"]
    editor.view.zoom_to(1.0, plus.parentItem().parentItem().scenePos())
    click_button(editor, plus)
    assert doc.network.layer_sizes == before.layer_sizes
    assert f"at most {MAX_NEURONS}" in messages[-1]
    assert f"at most {MAX_NEURONS}" in editor.view.toast.text()


def test_double_click_types_a_new_weight(qtbot, editor):
    doc = editor.doc
    edge = edge_of(editor, 1, 0, 0)
    old = doc.parameter_value((1, 0, 0))
    point = view_point(editor, edge.line().pointAt(0.75))
    QTest.mouseDClick(
        editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )
    field = editor.view.value_editor
    assert field is not None
    field.setText("abc")
    assert not editor.view.commit_edit()  # refused, nothing changed, editor stays open
    assert doc.parameter_value((1, 0, 0)) == old
    field.setText("−0.75")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert doc.parameter_value((1, 0, 0)) == -0.75
    assert editor.view.value_editor is None
    doc.undo_stack.undo()
    assert doc.parameter_value((1, 0, 0)) == old


def test_changing_an_activation_from_the_header(editor):
    doc = editor.doc
    editing.set_activation(doc, 0, "tanh")
    assert doc.network.activations == ("tanh", "sigmoid")
    headers = [i for i in editor.scene.items() if getattr(i, "text", "") == "tanh ▾"]
    assert headers
    doc.undo_stack.undo()
    assert doc.network.activations == ("sigmoid", "sigmoid")


def test_keyboard_switches_views_and_zooms(qtbot, window):
    QTest.keyClick(window, Qt.Key.Key_B)
    assert window.doc.mode == "backward"
    QTest.keyClick(window, Qt.Key.Key_F)
    assert window.doc.mode == "forward"
    scale = window.view.transform().m11()
    QTest.keyClick(window, Qt.Key.Key_Plus)
    assert window.view.transform().m11() > scale
    QTest.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.view.auto_fit


def test_every_node_and_edge_has_a_home_in_the_scene(editor):
    assert all(isinstance(n, NeuronNode) for column in editor.scene.nodes for n in column)
    for edge in editor.scene.edges:
        assert edge.source is editor.scene.nodes[edge.layer][edge.i]
        assert edge.target is editor.scene.nodes[edge.layer + 1][edge.j]


def test_forward_pass_reveals_layers_left_to_right_and_backward_right_to_left(qtbot, editor):
    scene = editor.scene
    editor.preferences.update(animation_ms=40)
    editor.steps.forward_pass()
    assert scene.revealing
    assert scene.nodes[0][0].text  # the inputs first…
    assert scene.nodes[2][0].text == ""  # …the output not yet
    with qtbot.waitSignal(scene.revealFinished, timeout=2000):
        pass
    assert scene.nodes[2][0].text
    editor.steps.backward_pass()
    assert scene.nodes[2][0].text  # the output's δ first…
    assert scene.nodes[1][0].text == ""  # …the hidden layer after
    assert edge_of(editor, 0, 0, 0).label.text == ""
    with qtbot.waitSignal(scene.revealFinished, timeout=2000):
        pass
    assert scene.nodes[1][0].text
    assert edge_of(editor, 0, 0, 0).label.text


def test_double_click_a_bias_to_type_it(window):
    doc = window.doc
    bias = window.scene.bias_labels[(0, 1)]
    point = view_point(window, bias.scenePos())
    assert window.view.itemAt(point) is bias
    QTest.mouseDClick(
        window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )
    assert doc.selected == (0, None, 1)
    window.view.value_editor.setText("0.25")
    assert window.view.commit_edit()
    assert doc.network.biases[0][1] == 0.25
    assert window.chain_rule.rule.i is None


def test_hidden_neurons_show_their_output_over_the_input_plane(window):
    doc = window.doc
    # h1 = σ(10·x1 − 5): blue (≈0) on the left of the plane, orange (≈1) on the right.
    net = doc.network.copy()
    net.weights[0][:, 0] = [10.0, 0.0]
    net.biases[0][0] = -5.0
    doc.push(ReplaceNetworkCommand(doc, net, "test"))
    node = window.scene.nodes[1][0]
    image = node.heat_map
    assert image is not None
    left = image.pixelColor(1, image.height() // 2)
    right = image.pixelColor(image.width() - 2, image.height() // 2)
    assert left.blue() > left.red()  # blue: output near 0
    assert right.red() > right.blue()  # orange: output near 1
    assert window.scene.nodes[0][0].heat_map is None  # inputs have none
    assert window.scene.nodes[2][0].heat_map is None  # the output is the decision boundary panel's
    window.act_heat_maps.trigger()  # off
    assert node.heat_map is None
    window.act_heat_maps.trigger()
    doc.set_mode("backward")  # the backward view colours neurons by δ instead
    assert node.heat_map is None


# -- long numbers stay whole ------------------------------------------------------------

# Values whose text is wider than a neuron at the default size: a tiny negative
# number in short scientific form and long fixed ones (all with their minus sign).
LONG_VALUES = [-9.8e-13, -0.123456, -123.456789, -7.6543e-9]
RING = 1.5  # half the thickest ring round a neuron (the selected weight's target)
MIN_READABLE_PIXELS = 6


@dataclass
class DrawnText:
    text: str
    font: QFont
    rect: QRectF
    flags: int
    to_device: QTransform
    clipped_by_painter: bool


class RecordingPainter(QPainter):
    """A painter that notes what an item drew, as it drew it: each text with the
    font, rectangle, flags and transform it went out with, and each plate."""

    def __init__(self, device) -> None:
        super().__init__(device)
        self.texts: list[DrawnText] = []
        self.plates: list[tuple[QRectF, QTransform]] = []
        self._font = QFont()

    def setFont(self, font) -> None:
        self._font = QFont(font)
        super().setFont(font)

    def drawText(self, rect, flags, text) -> None:
        self.texts.append(
            DrawnText(
                text,
                QFont(self._font),
                QRectF(rect),
                int(flags),
                self.worldTransform(),
                self.hasClipping(),
            )
        )
        super().drawText(rect, flags, text)

    def drawRoundedRect(self, rect, rx, ry) -> None:
        self.plates.append((QRectF(rect), self.worldTransform()))
        super().drawRoundedRect(rect, rx, ry)


def paint_recorded(item, lod: float) -> tuple[RecordingPainter, QTransform]:
    """Paint ``item`` as a view zoomed to ``lod`` would; the painter and the item-to-device map."""
    image = QImage(600, 600, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = RecordingPainter(image)
    painter.translate(300, 300)
    painter.scale(lod, lod)
    item_to_device = painter.worldTransform()
    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    return painter, item_to_device


def in_item(rect: QRectF, to_device: QTransform, item_to_device: QTransform) -> QRectF:
    return (to_device * item_to_device.inverted()[0]).mapRect(rect)


def painted_ink(drawn: DrawnText, item_to_device: QTransform) -> QRectF:
    """The ink of ``drawn`` in the item's coordinates, laid out as Qt lays it out,
    after asserting that none of it is clipped away."""
    metrics = QFontMetricsF(drawn.font)
    line = metrics.boundingRect(drawn.rect, drawn.flags, drawn.text)
    ink = metrics.tightBoundingRect(drawn.text)
    ink.translate(line.left(), line.top() + metrics.ascent())
    # Qt clips a text to its rectangle unless told not to.
    assert drawn.flags & Qt.TextFlag.TextDontClip.value or drawn.rect.contains(ink), drawn.text
    assert not drawn.clipped_by_painter
    return in_item(ink, drawn.to_device, item_to_device)


def corners(rect: QRectF) -> list[QPointF]:
    return [rect.topLeft(), rect.topRight(), rect.bottomLeft(), rect.bottomRight()]


def assert_value_whole(node: NeuronNode, lod: float) -> None:
    """The node's number is drawn whole, legible, inside its circle (or, zoomed out
    and still too long, on a plate), and inside the area the node repaints."""
    painter, item_to_device = paint_recorded(node, lod)
    (drawn,) = painter.texts
    assert drawn.text == node.text
    pixels = drawn.font.pixelSize() * drawn.to_device.m11()  # size on screen
    assert pixels >= MIN_READABLE_PIXELS - 1e-9
    ink = painted_ink(drawn, item_to_device)
    assert node.boundingRect().contains(ink)
    inside = all(math.hypot(p.x(), p.y()) <= NODE_RADIUS - RING for p in corners(ink))
    plates = [in_item(rect, t, item_to_device) for rect, t in painter.plates]
    for plate in plates:
        assert node.boundingRect().contains(plate)
    if lod >= 1 or not inside:
        assert inside or any(plate.contains(ink) for plate in plates), (node.text, lod)
    if lod >= 1:
        assert inside, (node.text, lod, ink)


@pytest.mark.parametrize("decimals", [3, 6])
def test_long_numbers_in_neurons_shrink_to_fit_inside_the_circle(editor, decimals):
    editor.preferences.update(decimals=decimals)
    node = editor.scene.nodes[1][0]
    heat_map = QImage(8, 8, QImage.Format.Format_RGB32)
    heat_map.fill(QColor("white"))
    for value in LONG_VALUES:
        for stale in (False, True):
            for image in (None, heat_map):
                node.set_display(editor.preferences.fmt(value), QColor("white"), stale)
                node.set_heat_map(image)
                node.set_highlight("target")
                assert node.text.startswith("−")
                for lod in (0.6, 0.8, 1.0, 1.3, 2.5, 6.0):
                    assert_value_whole(node, lod)


def test_short_numbers_in_neurons_keep_their_size(editor):
    node = editor.scene.nodes[1][0]
    node.set_heat_map(None)
    node.set_display(editor.preferences.fmt(-0.5), QColor("white"), False)
    painter, _ = paint_recorded(node, 1.0)
    (drawn,) = painter.texts
    assert drawn.text == "−0.500"
    assert drawn.font.pixelSize() == round(NODE_RADIUS * 0.5)  # as before: not shrunk
    assert not painter.plates


def push_long_values(doc) -> None:
    for parameter, value in zip([(0, 0, 0), (0, 1, 1), (1, 0, 0), (0, None, 0)], LONG_VALUES):
        doc.undo_stack.push(SetParameterCommand(doc, parameter, value))


@pytest.mark.parametrize("mode", ["forward", "backward"])
def test_long_numbers_are_drawn_whole_in_the_real_diagram(editor, mode):
    editor.preferences.update(decimals=6)
    doc = editor.doc
    push_long_values(doc)
    editor.steps.forward_pass()
    editor.steps.backward_pass()
    doc.set_mode(mode)
    editor.scene.rebuild()  # as a change of preferences does
    # At actual size: zoomed out, the numbers are drawn larger and fewer fit.
    editor.view.zoom_to(1.0, editor.scene.nodes[1][0].home)
    nodes = [node for column in editor.scene.nodes for node in column]
    assert any(len(node.text) >= len("−0.123456") for node in nodes)
    for node in nodes:
        for lod in (0.7, 1.0, 2.0):  # zoomed out, as built, zoomed in
            assert_value_whole(node, lod)
    labels = [label for label in editor.scene.labels if label.visible_now]
    assert len(labels) == len(editor.scene.labels)  # a small network shows them all
    for label in labels:
        painter, item_to_device = paint_recorded(label, 1.0)
        (drawn,) = painter.texts
        assert drawn.text == editor.preferences.fmt(label.edge.value)
        ink = painted_ink(drawn, item_to_device)
        ((plate_rect, plate_transform),) = painter.plates
        plate = in_item(plate_rect, plate_transform, item_to_device)
        # Inside the plate's 1-pixel border, and inside what the label repaints.
        assert plate.adjusted(0.5, 0.5, -0.5, -0.5).contains(ink), drawn.text
        assert label.boundingRect().contains(plate)
        # The scene keeps labels apart by this box: it is the one drawn.
        assert label.scene_rect() == plate.translated(label.pos())
    for bias in editor.scene.bias_labels.values():
        painter, item_to_device = paint_recorded(bias, 1.0)
        for drawn in painter.texts:
            assert bias.boundingRect().contains(painted_ink(drawn, item_to_device))


def test_a_weight_label_widens_and_narrows_with_its_number(editor):
    editor.preferences.update(decimals=6)
    doc = editor.doc
    label = edge_of(editor, 0, 1, 1).label
    assert label.visible_now
    short = label.scene_rect().width()
    doc.undo_stack.push(SetParameterCommand(doc, (0, 1, 1), -123.456789))
    wide = label.scene_rect()
    assert wide.width() > short
    metrics = QFontMetricsF(QFont(LABEL_FONT))
    assert wide.width() > metrics.horizontalAdvance(label.text)
    assert label_box_in_scene(label).contains(wide)  # through its scale, zoomed out
    doc.undo_stack.undo()
    assert label.scene_rect().width() == short


# -- a shorter text leaves nothing of the longer one behind ---------------------------


# Antialiased edges cut by a repaint's border come out a shade or two apart from a
# full repaint's; a piece of text left behind differs by far more.
SAME_SHADE = 24


def on_screen(widget) -> np.ndarray:
    """What ``widget`` shows now, as ``(height, width, 4)`` bytes.

    Taken from its window's backing store: ``widget.grab()`` would paint the
    widget anew and hide anything a missed repaint left behind.
    """
    window = widget.window()
    corner = widget.mapTo(window, QPoint(0, 0))
    shot = window.screen().grabWindow(window.winId()).toImage()
    image = shot.copy(QRect(corner, widget.size())).convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height())
    return pixels.reshape(image.height(), -1, 4)[:, : image.width()].astype(int)


def assert_nothing_left_behind(qtbot, editor, item, shorten) -> None:
    """After ``shorten()`` makes ``item``'s drawing smaller, the view shows what a
    full repaint shows: no piece of the old drawing is left outside the new one."""
    view = editor.view
    viewport = view.viewport()
    qtbot.wait(50)  # painted as it was
    centre = item.deviceTransform(view.viewportTransform()).map(QPointF()).toPoint()
    before = item.boundingRect()
    shorten()
    assert not item.boundingRect().contains(before)  # the item did shrink
    # Some other repaint comes before Qt takes in the change, as the banner over
    # the view does after the backward pass: a few pixels here, right away.
    viewport.repaint(QRect(centre, QSize(2, 2)))
    qtbot.wait(50)
    shown = on_screen(viewport)
    viewport.update()
    qtbot.wait(50)
    fresh = on_screen(viewport)
    rows, columns = np.nonzero(np.abs(shown - fresh).max(axis=2) > SAME_SHADE)
    assert rows.size == 0, (
        f"{rows.size} pixels left over in x {columns.min()}…{columns.max()}, "
        f"y {rows.min()}…{rows.max()}"
    )


def test_the_output_note_leaves_nothing_of_y_hat_behind(qtbot, editor):
    doc = editor.doc
    doc.set_sample(None)  # "mean ŷ = …": longer than "δ = ∂L/∂z"
    editor.steps.forward_pass()
    (note,) = editor.scene.output_notes
    assert note.text.startswith("mean ŷ")
    assert_nothing_left_behind(qtbot, editor, note, editor.steps.backward_pass)
    assert note.text.startswith("δ")


def test_a_neuron_leaves_nothing_of_a_long_number_behind(qtbot, editor):
    node = editor.scene.nodes[1][0]
    # Zoomed out, a long number is drawn on a plate wider than the circle.
    editor.view.zoom_to(0.6, node.scenePos())
    node.set_display("−123.456789", QColor("white"), False)
    assert node.boundingRect().width() > 2 * NODE_RADIUS + 8
    assert_nothing_left_behind(
        qtbot, editor, node, lambda: node.set_display("0.5", QColor("white"), False)
    )


def test_a_weight_label_leaves_nothing_of_a_long_number_behind(qtbot, editor):
    edge = edge_of(editor, 0, 1, 1)
    label = edge.label
    editor.view.zoom_to(1.5, label.scenePos())  # near enough to read the numbers
    # The line keeps its width and colour: only the label repaints.
    edge.set_style(-123.456789, edge.width, edge.pen_color)
    assert label.visible_now
    assert label.text == "−123.457"
    assert_nothing_left_behind(
        qtbot, editor, label, lambda: edge.set_style(0.5, edge.width, edge.pen_color)
    )


def test_a_bias_label_leaves_nothing_of_a_long_number_behind(qtbot, editor):
    bias = editor.scene.bias_labels[(0, 0)]
    editor.view.zoom_to(1.5, bias.scenePos())
    bias.set_text("b −123.456789")
    assert_nothing_left_behind(qtbot, editor, bias, lambda: bias.set_text("b 0.500"))


# -- out-of-date numbers stay readable ------------------------------------------------

MIN_CONTRAST = 4.5  # WCAG AA for text


def relative_luminance(color: QColor) -> float:
    """WCAG 2's relative luminance of an opaque colour."""

    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(color.red())
        + 0.7152 * linear(color.green())
        + 0.0722 * linear(color.blue())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(top: QColor, under: QColor) -> QColor:
    """``top`` painted over the opaque ``under``."""
    a = top.alphaF()
    return QColor(
        *(round(t * a + u * (1 - a)) for t, u in zip(top.getRgb()[:3], under.getRgb()[:3]))
    )


class ColourPainter(QPainter):
    """A painter that notes the colours a neuron paints with: its circle's fill,
    its heat map, the plate under the number and the number's colour."""

    def __init__(self, device) -> None:
        super().__init__(device)
        self.fills: list[QColor] = []
        self.images: list[QImage] = []
        self.plates: list[QColor] = []
        self.text_colors: list[QColor] = []

    def drawEllipse(self, *args) -> None:
        if self.brush().style() != Qt.BrushStyle.NoBrush:
            self.fills.append(self.brush().color())
        super().drawEllipse(*args)

    def drawImage(self, *args) -> None:
        self.images.append(QImage(args[1]))
        super().drawImage(*args)

    def drawRoundedRect(self, *args) -> None:
        self.plates.append(self.brush().color())
        super().drawRoundedRect(*args)

    def drawText(self, *args) -> None:
        self.text_colors.append(self.pen().color())
        super().drawText(*args)


def worst_contrast(node: NeuronNode, lod: float) -> float:
    """The lowest contrast between the node's number and what it is painted on."""
    image = QImage(300, 300, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = ColourPainter(image)
    painter.translate(150, 150)
    painter.scale(lod, lod)
    node.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    (text,) = painter.text_colors
    background = node.prefs.color("background")
    # What lies under the number: the circle's fill or its heat map's pixels…
    under = [over(fill, background) for fill in painter.fills]
    for heat_map in painter.images:
        pixels = (
            heat_map.pixelColor(x, y)
            for x in range(heat_map.width())
            for y in range(heat_map.height())
        )
        under += [pixel for pixel in pixels if pixel.alpha() == 255]  # inside the circle
    # …seen through the plate, if there is one.
    for plate in painter.plates:
        under = [over(plate, color) for color in under]
    assert under
    return min(contrast_ratio(over(text, color), color) for color in under)


@pytest.fixture(params=["light", "dark"])
def palette(request, editor):
    """The editor in the light, then the dark palette (light again afterwards)."""
    editor.preferences.update(theme=request.param)
    yield editor.preferences.palette
    editor.preferences.update(theme="light")


@pytest.mark.parametrize("value", [0.8, -0.8, 0.0])
def test_out_of_date_numbers_in_neurons_are_readable(editor, palette, value):
    node = editor.scene.nodes[1][0]
    node.set_heat_map(None)
    # The strongest tint the scene gives a neuron (its value is the largest).
    blank = QColor(palette.node_fill)
    fill = theme.mix(blank, theme.signed_color(palette, value), 0.6 if value else 0.0)
    # In the circle, then (a long number, zoomed out) on a plate.
    for text, lod in ((editor.preferences.fmt(value), 1.0), ("−123.456789", 0.6)):
        node.set_display(text, fill, True)
        assert worst_contrast(node, lod) >= MIN_CONTRAST, (text, lod)
        node.set_display(text, fill, False)  # …and as it is when up to date
        assert worst_contrast(node, lod) >= MIN_CONTRAST, (text, lod, "fresh")


@pytest.mark.parametrize("mode", ["forward", "backward"])
def test_out_of_date_numbers_after_an_edit_are_readable(editor, palette, mode):
    doc = editor.doc
    editor.steps.backward_pass()
    doc.set_mode(mode)
    doc.undo_stack.push(
        SetParameterCommand(doc, (1, 0, 0), 2.5)
    )  # everything computed is now stale
    nodes = [node for column in editor.scene.nodes[1:] for node in column]
    assert all(node.stale and node.text for node in nodes)
    assert any(node.heat_map is not None for node in nodes) == (mode == "forward")
    for node in nodes:
        for lod in (1.0, 2.0):
            assert worst_contrast(node, lod) >= MIN_CONTRAST, (mode, node.name, node.text, lod)


def test_weights_and_biases_say_their_names_on_hover(editor):
    scene = editor.scene
    edge = next(e for e in scene.edges if (e.layer, e.i, e.j) == (0, 1, 0))
    assert edge.toolTip().startswith("w(x2 → h1):")
    assert any(item.toolTip().startswith("b(h1), the bias of h1") for item in scene.items())


def test_the_banner_says_when_the_numbers_are_means(editor):
    doc = editor.doc
    doc.set_sample(None)
    editor.doc.frames.flush()
    assert "mean over all 4 examples" in editor.view.banner.text()
    doc.set_sample(1)
    editor.doc.frames.flush()
    assert "mean" not in editor.view.banner.text()


# -- crowded layers, context menus, dragging -----------------------------------------


def meets_circle(rect: QRectF, node: NeuronNode) -> bool:
    """Whether ``rect`` (in the scene) reaches into ``node``'s circle."""
    centre = node.scenePos()
    nearest_x = min(max(centre.x(), rect.left()), rect.right())
    nearest_y = min(max(centre.y(), rect.top()), rect.bottom())
    return math.hypot(nearest_x - centre.x(), nearest_y - centre.y()) < NODE_RADIUS


def hover(editor, scene_point: QPointF) -> None:
    """Move the pointer over the view to ``scene_point``, no button held."""
    viewport = editor.view.viewport()
    p = QPointF(view_point(editor, scene_point))
    move = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        p,
        viewport.mapToGlobal(p),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, move)


def test_bias_values_never_cover_a_neuron_and_show_when_it_is_hovered(qtbot, editor):
    scene = editor.scene
    assert all(bias.isVisible() for bias in scene.bias_labels.values())  # roomy: all shown
    grow_hidden_layer(editor, 16)  # rows 56 apart: a label under one circle meets the next
    nodes = [node for column in scene.nodes for node in column]
    shown = [bias for bias in scene.bias_labels.values() if bias.isVisible()]
    assert scene.bias_labels[(0, 15)] in shown  # the bottom one has room
    for bias in shown:
        rect = bias.mapRectToScene(bias.boundingRect())
        assert not any(meets_circle(rect, n) for n in nodes if n is not bias.parentItem())
    node = scene.nodes[1][3]
    bias = scene.bias_labels[(0, 3)]
    assert not bias.isVisible()
    editor.view.zoom_to(1.0, node.scenePos())
    hover(editor, node.scenePos())
    assert bias.isVisible()
    assert bias.box is not None  # on a plate over the circle below
    assert node.zValue() > scene.nodes[1][4].zValue()  # …drawn over it, not under it
    hover(editor, bias.scenePos())  # from the circle onto its number: still there to click
    assert bias.isVisible()
    hover(editor, node.scenePos() + QPointF(-70, 0))
    assert not bias.isVisible()
    hover(editor, node.scenePos())
    QTest.mouseClick(
        editor.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        view_point(editor, bias.scenePos()),
    )
    assert editor.doc.selected == (0, None, 3)
    hover(editor, node.scenePos() + QPointF(-70, 0))
    assert bias.isVisible()  # selected: shown while it is explained


def on_screen_rect(editor, item) -> QRectF:
    """Where ``item``'s drawing lies in the view, in pixels."""
    view = editor.view
    return item.deviceTransform(view.viewportTransform()).mapRect(
        item.boundingRect().adjusted(1, 1, -1, -1)
    )


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_the_largest_network_keeps_its_headings_and_notes_apart(qtbot, window, size):
    from bpdesk.core import Network

    doc = window.doc
    scene, view = window.scene, window.view
    window.resize(*size)
    qtbot.wait(20)
    view.fit_network()
    default_headers = [header.text for header in scene.headers]
    assert default_headers == ["Input · 2", "Hidden · 2", "Output · 1"]  # roomy: in full
    assert [chooser.text for chooser in scene.choosers] == ["sigmoid ▾", "sigmoid ▾"]
    node = scene.nodes[-1][0]
    assert scene.loss_note.pos().y() == node.y() + NODE_RADIUS + 44  # where it always was
    # The biggest network the spec names, at the sizes of real screens.
    net = Network.create([2] + [16] * 8 + [1], activation="tanh", seed=1)
    doc.undo_stack.push(ReplaceNetworkCommand(doc, net, "test"))
    doc.set_sample(None)  # the longest loss note: "(mean of … examples)"
    window.act_forward_pass.trigger()
    viewport = QRectF(view.viewport().rect())
    for row in (scene.headers, scene.choosers):
        rects = [on_screen_rect(window, item) for item in row if item.text]
        assert len(rects) >= len(row) - 1
        for left, right in zip(rects, rects[1:]):
            assert left.right() < right.left(), [item.text for item in row]
    assert all(chooser.text for chooser in scene.choosers)  # still there to click
    loss = on_screen_rect(window, scene.loss_note)
    for note in scene.output_notes:
        assert not loss.intersects(on_screen_rect(window, note)), (loss, note.text)
    assert viewport.contains(loss)
    # Zoomed in far enough, the headings are whole again.
    view.zoom_to(1.5, scene.nodes[4][0].scenePos())
    assert scene.headers[4].text == "Hidden 4 · 16"
    assert scene.choosers[3].text == "tanh ▾"


class MenuLog(list):
    """The menus the scene opened; ``pick`` names the entry to run in the next one."""

    pick = ""


@pytest.fixture
def menus(monkeypatch) -> MenuLog:
    """The scene's menus noted instead of shown (a shown menu would wait for a click)."""
    from PySide6.QtWidgets import QMenu

    import bpdesk.ui.editor.gestures as gestures_module  # the scene's menus are made there

    log = MenuLog()

    class Menu(QMenu):
        def exec(self, *_):
            log.append(self)
            for action in self.actions():
                if action.text() == log.pick and action.isEnabled():
                    action.trigger()

    monkeypatch.setattr(gestures_module, "QMenu", Menu)
    return log


def context_menu(editor, menus, scene_point: QPointF, pick: str = "") -> list[str]:
    """Right-click the scene at ``scene_point``; the menu's entries (running ``pick``)."""
    from PySide6.QtWidgets import QGraphicsSceneContextMenuEvent

    menus.pick = pick
    event = QGraphicsSceneContextMenuEvent(
        QGraphicsSceneContextMenuEvent.Type.GraphicsSceneContextMenu
    )
    event.setScenePos(scene_point)
    editor.scene.contextMenuEvent(event)
    return [action.text() for action in menus[-1].actions() if not action.isSeparator()]


def test_right_clicking_a_weights_number_or_a_bias_offers_their_menus(editor, menus):
    doc, scene = editor.doc, editor.scene
    label = edge_of(editor, 0, 1, 0).label
    assert label.visible_now
    entries = context_menu(editor, menus, label.scenePos(), "Explain this gradient (chain rule)")
    assert entries == ["Explain this gradient (chain rule)", "Edit value…"]
    assert doc.selected == (0, 1, 0)
    bias = scene.bias_labels[(0, 1)]
    requested = []
    scene.editRequested.connect(lambda parameter, _: requested.append(parameter))
    entries = context_menu(editor, menus, bias.scenePos(), "Edit value…")
    assert entries == ["Explain this gradient (chain rule)", "Edit value…"]
    assert requested == [(0, None, 1)]
    assert doc.selected == (0, None, 1)
    # Empty space still offers a new layer.
    empty = QPointF(scene.column / 2, 400)
    assert context_menu(editor, menus, empty) == ["Insert a hidden layer here"]


def test_a_greyed_out_output_activation_says_why(editor, menus):
    chooser = editor.scene.choosers[-1]
    chooser.clicked.emit(chooser)
    (menu,) = menus
    assert menu.toolTipsVisible()
    (softmax,) = [action for action in menu.actions() if action.text() == "softmax"]
    assert not softmax.isEnabled()
    assert "softmax" in softmax.toolTip()  # the reason, not just the name
    assert softmax.toolTip() != "softmax"


def mouse(editor, kind, scene_point: QPointF) -> None:
    """A press, move (button held) or release of the left button on the view."""
    viewport = editor.view.viewport()
    p = QPointF(view_point(editor, scene_point))
    held = Qt.MouseButton.NoButton if kind == "release" else Qt.MouseButton.LeftButton
    types = {
        "press": QMouseEvent.Type.MouseButtonPress,
        "move": QMouseEvent.Type.MouseMove,
        "release": QMouseEvent.Type.MouseButtonRelease,
    }
    button = Qt.MouseButton.NoButton if kind == "move" else Qt.MouseButton.LeftButton
    event = QMouseEvent(
        types[kind], p, viewport.mapToGlobal(p), button, held, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(viewport, event)


def test_a_dragged_neuron_keeps_to_its_column_takes_its_lines_and_shows_where_it_lands(editor):
    doc, scene = editor.doc, editor.scene
    grow_hidden_layer(editor, 3)
    before = doc.network.copy()
    editor.view.zoom_to(1.0, scene.nodes[1][1].home)
    node = scene.nodes[1][0]
    home = QPointF(node.home)
    column = [n.home for n in scene.nodes[1]]
    # A nudge in place: nothing changes, and every number is back afterwards.
    shown = [label.visible_now for label in scene.labels]
    mouse(editor, "press", home)
    mouse(editor, "move", home + QPointF(0, 12))
    assert not any(edge.label.visible_now for edge in node.edges)  # would land on others
    mouse(editor, "release", home + QPointF(0, 12))
    assert doc.network.layer_sizes == (2, 3, 1)
    assert node.pos() == home
    assert node.opacity() == 1.0
    assert [label.visible_now for label in scene.labels] == shown
    mouse(editor, "press", home)
    # Down over the middle neuron, a little to the side.
    for k in range(1, 5):
        mouse(editor, "move", home + (column[1] + QPointF(30, 0) - home) * k / 4)
    assert node.pos().x() == home.x()  # held to its column
    assert node.pos().y() == pytest.approx(column[1].y(), abs=1)
    for edge in node.edges:  # its lines end at it where it is now
        end = edge._line.p2() if edge.target is node else edge._line.p1()
        assert math.dist((end.x(), end.y()), (node.x(), node.y())) == pytest.approx(NODE_RADIUS)
        assert edge.label.pos() == edge._line.pointAt(edge.label.position)
    assert node.bias_label.scenePos() == node.pos() + QPointF(0, NODE_RADIUS + 10)
    # It will take the middle one's place: the line is drawn below that one.
    assert scene.landing.isVisible()
    assert scene.landing.pos() == QPointF(home.x(), (column[1].y() + column[2].y()) / 2)
    assert not scene.trash.active
    mouse(editor, "release", column[1] + QPointF(30, 0))
    assert not scene.landing.isVisible()
    assert not scene.trash.isVisible()
    assert np.array_equal(doc.network.weights[0][:, 1], before.weights[0][:, 0])
    # Off the network it follows the pointer to the bin, and goes.
    node = scene.nodes[1][2]
    start = QPointF(node.home)
    away = start + QPointF(-180, -40)
    mouse(editor, "press", start)
    for k in range(1, 5):
        mouse(editor, "move", start + (away - start) * k / 4)
    assert node.pos() == away
    assert scene.trash.active
    assert not scene.landing.isVisible()
    mouse(editor, "release", away)
    assert doc.network.layer_sizes == (2, 2, 1)


def test_the_bin_is_drawn_not_typed(editor):
    trash = editor.scene.trash
    trash.setVisible(True)
    painter, _ = paint_recorded(trash, 1.0)
    (drawn,) = painter.texts
    metrics = QFontMetricsF(drawn.font)
    # Every character in the font itself: an emoji bin needs a font few systems have.
    assert all(metrics.inFontUcs4(ord(c)) for c in drawn.text), drawn.text
    assert drawn.text == "drop here to remove"


def test_the_banner_wraps_inside_a_narrow_editor(qtbot, editor):
    view = editor.view
    editor.doc.set_sample(None)
    editor.doc.set_mode("backward")
    view.resize(420, view.height())
    banner = view.banner
    assert "(F6)" in banner.text()
    assert banner.geometry().right() < view.width()
    assert banner.height() > banner.fontMetrics().height() * 1.5  # on more lines than one


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, 1e308])
def test_weights_that_are_not_numbers_or_are_huge_are_drawn_without_errors(editor, bad):
    # Reported: an infinite weight made the editor warn (∞/∞) and a NaN one raise.
    doc = editor.doc
    values = doc.network.parameters.copy()
    values[0], values[3] = bad, -1e308
    doc.set_parameters(values, recompute=True)
    for mode in ("forward", "backward"):
        doc.set_mode(mode)
        if mode == "backward":
            doc.run_backward()
        doc.frames.flush()
        editor.view.grab()
    labels = [edge.label for edge in editor.scene.edges]
    assert labels  # every weight still has its label


# -- weights' numbers in a zoomed-out network ---------------------------------------------


def assert_labels_readable(editor) -> list:
    """Every weight layer shows some numbers, each drawn whole at a legible size on
    screen, none over another or over a neuron; returns the labels drawn."""
    scene = editor.scene
    zoom = editor.view.transform().m11()
    drawn = [label for label in scene.labels if label.visible_now]
    assert {label.edge.layer for label in drawn} == set(range(editor.doc.network.n_layers))
    metrics = QFontMetricsF(LABEL_FONT)
    for label in drawn:
        painter, _ = paint_recorded(label, zoom * label.scale())  # as the view paints it
        (text,) = painter.texts
        assert text.text == label.text
        on_screen = metrics.height() * text.to_device.m22()
        assert on_screen >= metrics.height() * LABEL_MIN_LOD - 1e-9, label.text
    rects = [label.scene_rect() for label in drawn]
    for k, rect in enumerate(rects):
        assert label_box_in_scene(drawn[k]).contains(rect.adjusted(1, 1, -1, -1))
        assert not any(rect.intersects(other) for other in rects[k + 1 :])
        for column in scene.nodes:
            for node in column:
                assert not rect.intersects(node.sceneBoundingRect().adjusted(6, 6, -6, -6))
    return drawn


def label_box_in_scene(label) -> QRectF:
    """Where Qt draws the label: its bounding box through its scale and position."""
    return label.mapRectToScene(label.boundingRect())


@pytest.mark.parametrize("inserts", [[1], [2], [1, 1], [1, 3, 2]])
def test_weights_numbers_stay_readable_after_adding_layers(editor, inserts):
    # Reported: after adding a layer the weights' numbers disappeared. Fitted into the
    # editor, the deeper network was zoomed below the size they are drawn from.
    editor.view.resize(718, 503)  # the editor's size in a window of 1280×800
    for position in inserts:
        editing.insert_layer(editor.doc, position)
    assert editor.view.transform().m11() < LABEL_MIN_LOD  # the case reported: zoomed out
    assert_labels_readable(editor)


def test_weights_numbers_follow_the_zoom_by_hand(editor):
    editor.view.resize(718, 503)
    editing.insert_layer(editor.doc, 1)
    view, scene = editor.view, editor.scene
    fitted = len(assert_labels_readable(editor))
    view.zoom(0.8)  # further out: fewer numbers have room, those shown stay legible
    fewer = assert_labels_readable(editor)
    assert len(fewer) < fitted
    view.zoom_to(1.5, scene.nodes[1][0].home)  # in: at actual size or more, as always
    assert all(label.scale() == 1.0 for label in scene.labels)
    assert sum(label.visible_now for label in scene.labels) >= fitted
    editing.insert_layer(editor.doc, 1)  # a rebuilt network keeps the zoom's size
    assert all(label.scale() == 1.0 for label in scene.labels)


# -- removing a neuron: a drop anywhere off its layer --------------------------------------


def drag_to(editor, node, points) -> None:
    """Press on ``node``, move through ``points`` (scene), and hold: no release."""
    start = QPointF(node.home)
    mouse(editor, "press", start)
    for point in points:
        mouse(editor, "move", point)


def away_points(scene, node) -> dict[str, QPointF]:
    """Drops off the neuron's layer, each its own way of being off it."""
    column, home = scene.nodes[node.layer], node.home
    step = scene.column
    return {
        "above the layer": QPointF(home.x(), column[0].home.y() - 2 * NODE_RADIUS - 30),
        "below the layer": QPointF(home.x(), column[-1].home.y() + 2 * NODE_RADIUS + 30),
        "on the inputs": scene.nodes[0][0].home,
        "on the output": scene.nodes[-1][0].home + QPointF(0, 10),
        "between layers": QPointF(home.x() - step / 2, home.y()),
        "the bin": scene.trash.scenePos(),
        "far outside the network": home + QPointF(900, -700),
        "just off the side": QPointF(home.x() + step * 0.45, home.y()),
    }


@pytest.mark.parametrize(
    "where",
    [
        "above the layer",
        "below the layer",
        "on the inputs",
        "on the output",
        "between layers",
        "the bin",
        "far outside the network",
        "just off the side",
    ],
)
def test_a_drop_anywhere_off_its_layer_removes_the_neuron(editor, where):
    # Reported: a drop off the network but not on the small bin reordered the neuron.
    doc, scene = editor.doc, editor.scene
    grow_hidden_layer(editor, 3)
    before = doc.network.copy()
    node = scene.nodes[1][1]
    point = away_points(scene, node)[where]
    drag_to(editor, node, [node.home + (point - node.home) * k / 4 for k in range(1, 5)])
    # While it is held there, everything says that a drop removes it.
    assert node.doomed
    assert scene.trash.isVisible()
    assert scene.trash.active
    assert not scene.landing.isVisible()
    assert scene.gestures.drag_hint == "Release to remove h2 (Ctrl+Z brings it back)"
    (band,) = [item for item in scene.items() if isinstance(item, LayerBand)]
    assert not band.inside
    assert not band.rect.contains(point)
    mouse(editor, "release", point)
    net = doc.network
    assert net.layer_sizes == (2, 2, 1)
    assert np.array_equal(net.weights[0], before.weights[0][:, [0, 2]])
    assert doc.undo_stack.undoText() == "Remove neuron"
    assert not [item for item in scene.items() if isinstance(item, LayerBand)]
    assert scene.gestures.drag_hint == ""
    doc.undo_stack.undo()
    assert np.array_equal(doc.network.parameters, before.parameters)


def test_inside_its_layer_a_drag_reorders_and_the_band_says_so(editor):
    doc, scene = editor.doc, editor.scene
    grow_hidden_layer(editor, 3)
    before = doc.network.copy()
    node = scene.nodes[1][0]
    target = scene.nodes[1][2].home + QPointF(scene.column * 0.2, 0)  # a little aside
    drag_to(editor, node, [node.home + (target - node.home) * k / 4 for k in range(1, 5)])
    (band,) = [item for item in scene.items() if isinstance(item, LayerBand)]
    assert band.inside
    assert band.isVisible()
    assert band.rect.contains(target)
    assert not node.doomed
    assert not scene.trash.active
    assert scene.gestures.drag_hint == "Release to move h1 to place 3 of its layer"
    # Out and back in: what a drop would do follows the pointer.
    mouse(editor, "move", target + QPointF(0, 400))
    assert node.doomed
    assert not band.inside
    mouse(editor, "move", target)
    assert not node.doomed
    assert band.inside
    mouse(editor, "release", target)
    assert doc.network.layer_sizes == (2, 3, 1)
    assert np.array_equal(doc.network.weights[0][:, 2], before.weights[0][:, 0])
    assert doc.undo_stack.undoText() == "Move neuron"


def test_a_layers_only_neuron_dragged_off_stays_and_says_why(editor):
    doc, scene = editor.doc, editor.scene
    editing.remove_neuron(doc, 1, 1)  # 2-1-1
    before = doc.network.copy()
    node = scene.nodes[1][0]
    away = node.home + QPointF(0, 300)
    drag_to(editor, node, [node.home + (away - node.home) * k / 4 for k in range(1, 5)])
    assert not node.doomed
    assert not scene.trash.active
    assert "only neuron" in scene.gestures.drag_hint
    mouse(editor, "release", away)
    assert np.array_equal(doc.network.parameters, before.parameters)
    assert doc.network.layer_sizes == (2, 1, 1)


def test_the_status_bar_says_what_a_drop_will_do(window):
    doc, scene = window.doc, window.scene
    editing.add_neuron(doc, 1)
    node = scene.nodes[1][2]
    bar = window.statusBar()
    drag_to(window, node, [node.home + QPointF(0, 20)])
    assert bar.currentMessage() == "Drag h3 up or down to reorder it, or off its layer to remove it"
    mouse(window, "move", node.home + QPointF(0, -90))
    assert bar.currentMessage() == "Release to move h3 to place 2 of its layer"
    mouse(window, "move", node.home + QPointF(-300, 200))
    assert bar.currentMessage() == "Release to remove h3 (Ctrl+Z brings it back)"
    mouse(window, "release", node.home + QPointF(-300, 200))
    assert doc.network.layer_sizes == (2, 2, 1)
    assert bar.currentMessage() == ""
