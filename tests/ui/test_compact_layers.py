"""Big layers in the editor: blocks for layers, bands for their weights, and one exact
weight selected by a click on either."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from bpdesk.core import Dataset, Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.editor.blocks import (
    COMPACT_NEURONS,
    LayerBlock,
    colour_indices,
    image_side,
    neuron_lut,
)
from bpdesk.ui.editor.items import WeightEdge
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.preferences import Preferences, ViewPreferences


def digits_document(sizes=(64, 128, 64, 10)) -> Document:
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    net = Network.create(
        list(sizes), activation="relu", output_activation="softmax", loss="ce", seed=3
    )
    return Document(net, data)


@pytest.fixture
def big(qtbot):
    """A NetworkView of the digits network 64-128-64-10, shown offscreen."""
    doc = digits_document()
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.close()


def pixel(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def click(view: NetworkView, scene_point: QPointF, double: bool = False) -> None:
    point = view.mapFromScene(scene_point)
    action = QTest.mouseDClick if double else QTest.mouseClick
    action(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_layers_over_the_limit_are_blocks_and_the_rest_neurons(big):
    scene = big.network_scene
    assert sorted(scene.compact.blocks) == [0, 1, 2]  # 64, 128, 64 > 32
    assert [len(column) for column in scene.nodes] == [0, 0, 0, 10]
    assert all(isinstance(b, LayerBlock) for b in scene.compact.blocks.values())
    # Every weight layer touches a block: three bands, and not one line item.
    assert sorted(scene.compact.bands) == [0, 1, 2]
    assert not scene.edges
    assert not any(isinstance(item, WeightEdge) for item in scene.items())
    assert scene.compact.blocks[0].picture  # 64 inputs: an 8×8 picture
    assert not scene.compact.blocks[1].picture  # hidden: cells
    assert image_side(64) == 8
    assert image_side(784) == 28
    assert image_side(128) is None
    assert image_side(25) is None  # small enough for neurons


def test_a_small_network_has_no_blocks(qtbot):
    doc = Document(Network.create([2, COMPACT_NEURONS, 1], seed=0))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    scene = view.network_scene
    assert not scene.compact.blocks
    assert not scene.compact.bands
    assert len(scene.edges) == 2 * COMPACT_NEURONS + COMPACT_NEURONS


def test_the_input_block_is_the_picture_of_the_example(big):
    doc = big.network_scene.doc
    block = big.network_scene.compact.blocks[0]
    doc.set_sample(5)
    doc.run_forward()
    x = doc.dataset.X_train[5].reshape(8, 8)
    assert (block.image.width(), block.image.height()) == (8, 8)
    lut = neuron_lut(big.network_scene.prefs)
    # Pixel (row, column) of the picture is input row·8 + column, on the neurons' colours.
    for row, column in [(0, 0), (3, 4), (7, 2), (4, 4)]:
        level = int(np.rint((min(x[row, column], 1.0) + 1) * 127.5))
        assert pixel(block.image, column, row) == tuple(int(v) for v in lut[level])
    # Another example, another picture.
    before = block.image.copy()
    doc.set_sample(6)
    doc.run_forward()
    assert block.image != before


def test_hidden_cells_show_activations_then_deltas(big):
    scene = big.network_scene
    doc = scene.doc
    doc.set_sample(0)
    doc.run_forward()
    block = scene.compact.blocks[1]
    assert np.array_equal(block.values, doc.forward_state.activations[1])
    assert block.image.width() * block.image.height() >= 128
    doc.run_backward()
    doc.set_mode("backward")
    assert np.array_equal(block.values, doc.backward_state.deltas[0])
    k = int(np.argmax(np.abs(block.values)))
    block.hovered_cell = k
    block.show(block.values, 1.0, False, neuron_lut(scene.prefs), "δ = ")
    bias = scene.prefs.fmt(float(doc.network.biases[0][k]))  # a cell has no room for it
    assert block.toolTip() == (
        f"h1.{k + 1}: δ = {scene.prefs.fmt(float(block.values[k]))}, bias b = {bias}"
    )


def test_the_band_shows_the_weights_then_their_gradients(big):
    scene = big.network_scene
    doc = scene.doc
    band = scene.compact.bands[1]
    W = doc.network.weights[1]  # (128, 64)
    assert (band.image.width(), band.image.height()) == (128, 64)  # column i, row j
    assert np.array_equal(band.values, W)
    i, j = np.unravel_index(np.argmax(W), W.shape)
    k, m = np.unravel_index(np.argmin(W), W.shape)
    assert pixel(band.image, i, j) == tuple(int(v) for v in scene.compact._band_lut[255])
    assert pixel(band.image, k, m) == tuple(int(v) for v in scene.compact._band_lut[0])
    doc.run_backward()
    doc.set_mode("backward")
    assert band.what == "∂L/∂w"
    assert np.array_equal(band.values, doc.backward_state.weight_grads[1])


def test_clicking_a_band_pixel_selects_exactly_that_weight(big):
    scene = big.network_scene
    doc = scene.doc
    big.zoom_to(4.0, scene.compact.bands[1].matrix_point(37, 21))
    band = scene.compact.bands[1]
    click(big, band.matrix_point(37, 21))
    assert doc.selected == (1, 37, 21)
    assert band.selected == (37, 21)
    assert scene.compact.blocks[1].highlights == {37: "source"}
    assert scene.compact.blocks[2].highlights == {21: "target"}
    # The band to the output (64 → 10 neurons) as well.
    last = scene.compact.bands[2]
    big.zoom_to(4.0, last.matrix_point(63, 9))
    click(big, last.matrix_point(63, 9))
    assert doc.selected == (2, 63, 9)


def test_a_pixel_of_the_receptive_field_selects_that_input_weight(big):
    scene = big.network_scene
    doc = scene.doc
    band = scene.compact.bands[0]
    assert band.field_side == 8
    # The cell under the mouse picks whose receptive field is shown.
    block = scene.compact.blocks[1]
    block.cellHovered.emit(1, 100)
    assert band.focus == 100
    field = band.field_image
    column = doc.network.weights[0][:, 100].reshape(8, 8)
    r, c = np.unravel_index(np.argmax(column), column.shape)
    lut = scene.compact._band_lut
    for row, col in [(r, c), (0, 0), (5, 2)]:
        level = colour_indices(np.array([column[row, col]]), band.scale)[0]
        assert pixel(field, col, row) == tuple(int(v) for v in lut[level])
    big.zoom_to(3.0, band.field_point(27))
    click(big, band.field_point(27))
    assert doc.selected == (0, 27, 100)


def test_a_cell_pair_selects_the_weight_between_them(big):
    scene = big.network_scene
    doc = scene.doc
    blocks = scene.compact.blocks
    big.zoom_to(2.0, blocks[1].cell_point(5))
    click(big, blocks[1].cell_point(5))
    assert doc.selected is None
    assert blocks[1].highlights == {5: "pending"}
    big.zoom_to(2.0, blocks[2].cell_point(60))
    click(big, blocks[2].cell_point(60))
    assert doc.selected == (1, 5, 60)
    # Backwards works too: the later layer first.
    big.zoom_to(2.0, blocks[1].cell_point(7))
    click(big, blocks[1].cell_point(7))
    big.zoom_to(2.0, blocks[0].cell_point(12))
    click(big, blocks[0].cell_point(12))
    assert doc.selected == (0, 12, 7)


def test_double_clicking_a_band_pixel_asks_for_its_value(big):
    scene = big.network_scene
    band = scene.compact.bands[1]
    asked = []
    scene.editRequested.connect(lambda p, pos: asked.append(p))
    big.zoom_to(4.0, band.matrix_point(3, 4))
    click(big, band.matrix_point(3, 4), double=True)
    assert asked
    assert asked[-1] == (1, 3, 4)


def test_a_784_input_network_draws_the_28_by_28_picture(qtbot):
    rng = np.random.default_rng(0)
    net = Network.create(
        [784, 128, 64, 10], activation="relu", output_activation="softmax", loss="ce"
    )
    X = rng.random((40, 784))
    T = np.eye(10)[rng.integers(0, 10, 40)]
    doc = Document(net, Dataset("multiclass", X[:30], T[:30], X[30:], T[30:]))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    scene = view.network_scene
    block = scene.compact.blocks[0]
    doc.set_sample(3)
    doc.run_forward()
    assert (block.image.width(), block.image.height()) == (28, 28)
    assert scene.compact.bands[0].field_side == 28
    assert (scene.compact.bands[0].image.width(), scene.compact.bands[0].image.height()) == (
        784,
        128,
    )


def test_the_panels_follow_a_weight_selected_in_a_band(window, qtbot):
    assert window.open_example("digits")
    doc, view = window.doc, window.view
    scene = view.network_scene
    band = scene.compact.bands[0]
    view.zoom_to(3.0, band.matrix_point(27, 100))
    click(view, band.matrix_point(27, 100))
    assert doc.selected == (0, 27, 100)
    name = doc.network.parameter_name(0, 27, 100)
    chain = window.chain_rule
    assert chain.plain_text().startswith(f"∂L/∂{name} — ")
    assert chain.paths.n_paths == 640
    landscape = window.landscape_panel
    doc.frames.flush(landscape._refresh)
    assert landscape.landscape is not None
    assert landscape.landscape.values[0] < doc.parameter_value((0, 27, 100))
    assert name in window.math_panel.plain_text()


def test_a_step_through_lights_the_blocks_layer_by_layer(qtbot, big):
    from bpdesk.ui.step_through import StepThrough

    scene = big.network_scene
    scene.prefs.update(animation_ms=40)
    steps = StepThrough(scene.doc, scene, lambda _text, _ms: None)
    blocks, bands = scene.compact.blocks, scene.compact.bands
    steps.forward_pass()
    assert scene.revealing
    assert blocks[0].values is not None  # the picture first…
    assert blocks[1].values is None  # …the hidden layers not yet
    assert bands[0].values is None
    with qtbot.waitSignal(scene.revealFinished, timeout=3000):
        pass
    assert all(block.values is not None for block in blocks.values())
    assert all(band.values is not None for band in bands.values())
    steps.backward_pass()
    assert blocks[2].values is None  # the output's δ first, the hidden layers after
    with qtbot.waitSignal(scene.revealFinished, timeout=3000):
        pass
    assert np.array_equal(blocks[2].values, scene.doc.backward_state.deltas[1])


def test_dragging_a_hidden_block_off_its_column_removes_the_layer(big):
    scene = big.network_scene
    doc = scene.doc
    block = scene.compact.blocks[2]
    big.zoom_to(1.0, block.home)
    viewport = big.viewport()
    start = big.mapFromScene(block.cell_point(0))
    end = big.mapFromScene(block.home + QPointF(0, 60))  # along its own column
    _press_and_move(viewport, start, end)
    assert block.dragging
    assert scene.trash.isVisible()
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert doc.network.layer_sizes == (64, 128, 64, 10)  # dropped on its own column: kept
    assert doc.selected is None  # and a drag is no click
    big.zoom_to(0.5, block.home)
    start = big.mapFromScene(block.cell_point(0))
    end = big.mapFromScene(block.home + QPointF(scene.column * 0.5, 0))
    _press_and_move(viewport, start, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert doc.network.layer_sizes == (64, 128, 10)
    doc.undo_stack.undo()
    assert doc.network.layer_sizes == (64, 128, 64, 10)


def test_the_palette_inserts_a_layer_between_blocks(big):
    scene = big.network_scene
    doc = scene.doc
    assert scene.drop_palette_item("layer", QPointF(1.5 * scene.column, 0))
    assert doc.network.layer_sizes == (64, 128, 3, 64, 10)
    assert sorted(scene.compact.blocks) == [0, 1, 3]
    assert len(scene.nodes[2]) == 3


def test_the_ten_outputs_are_labelled_by_digit_with_their_probability(big):
    scene = big.network_scene
    doc = scene.doc
    doc.set_sample(0)
    doc.run_forward()
    y = doc.forward_state.activations[-1]
    t = int(np.argmax(doc.forward_state.targets))
    notes = [note.text for note in scene.output_notes]
    assert notes[3].startswith(f"3: {100 * y[3]:.1f} %")
    assert notes[t].endswith("← target")
    assert sum("target" in n for n in notes) == 1
    doc.run_backward()
    doc.set_mode("backward")
    delta = doc.backward_state.deltas[-1]
    notes = [note.text for note in scene.output_notes]
    assert notes[3].startswith(f"3: δ = {scene.prefs.fmt(float(delta[3]))}")
    assert notes[t].endswith("← target")


def test_raw_pixels_beyond_1_are_scaled_to_the_largest(qtbot):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, (12, 64)).astype(float)
    T = np.eye(10)[rng.integers(0, 10, 12)]
    net = Network.create([64, 40, 10], output_activation="softmax", loss="ce", seed=0)
    doc = Document(net, Dataset("multiclass", X[:10], T[:10], X[10:], T[10:]))
    view = NetworkView(doc)
    qtbot.addWidget(view)
    doc.set_sample(2)
    doc.run_forward()
    block = view.network_scene.compact.blocks[0]
    x = X[2]
    k = int(np.argmin(x))
    lut = neuron_lut(view.network_scene.prefs)
    level = colour_indices(np.array([x[k]]), x.max())[0]
    assert pixel(block.image, k % 8, k // 8) == tuple(int(v) for v in lut[level])
    assert level < 255  # not every pixel full orange


def test_a_hidden_block_has_a_menu_and_the_banner_names_cells_and_bands(big, monkeypatch):
    from PySide6.QtWidgets import QGraphicsSceneContextMenuEvent, QMenu

    import bpdesk.ui.editor.gestures as gestures_module

    shown = []

    class Menu(QMenu):
        def exec(self, *_):
            shown.append([a.text() for a in self.actions() if not a.isSeparator()])
            for action in self.actions():
                if action.text() == "Remove this layer":
                    action.trigger()

    monkeypatch.setattr(gestures_module, "QMenu", Menu)
    scene = big.network_scene
    assert "activations in the neurons and cells, weights on the lines and bands" in (
        big.banner.text()
    )
    event = QGraphicsSceneContextMenuEvent(
        QGraphicsSceneContextMenuEvent.Type.GraphicsSceneContextMenu
    )
    event.setScenePos(scene.compact.blocks[2].cell_point(3))
    scene.contextMenuEvent(event)
    assert shown[-1][:3] == ["Add a neuron", "Remove the last neuron", "Remove this layer"]
    assert scene.doc.network.layer_sizes == (64, 128, 10)


def _press_and_move(viewport, start, end) -> None:
    """Press the left button at ``start`` and move to ``end`` in six steps, button held."""
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 7):
        p = QPointF(start + (end - start) * k / 6)
        QApplication.sendEvent(
            viewport,
            QMouseEvent(
                QMouseEvent.Type.MouseMove,
                p,
                viewport.mapToGlobal(p),
                Qt.MouseButton.NoButton,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            ),
        )
