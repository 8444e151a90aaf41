"""Between a block and the neurons beside it (the digits network's ten outputs): a cell
and a neuron clicked in turn select the weight joining them, and a cell's tooltip gives
its neuron's bias."""

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.editor.blocks import neuron_lut
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.preferences import Preferences, ViewPreferences


def digits_document() -> Document:
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    net = Network.create(
        [64, 128, 64, 10], activation="relu", output_activation="softmax", loss="ce", seed=3
    )
    return Document(net, data)


@pytest.fixture
def big(qtbot):
    """A NetworkView of the digits network 64-128-64-10, shown offscreen."""
    view = NetworkView(digits_document(), prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.close()


def click(view: NetworkView, scene_point: QPointF) -> None:
    point = view.mapFromScene(scene_point)
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def test_a_cell_then_an_output_neuron_selects_their_weight(big):
    scene = big.network_scene
    doc = scene.doc
    block, outputs = scene.compact.blocks[2], scene.nodes[3]
    assert len(outputs) == 10
    assert not block.picture
    big.zoom_to(2.0, block.cell_point(17))
    click(big, block.cell_point(17))
    assert doc.selected is None
    big.zoom_to(1.0, outputs[4].scenePos())
    click(big, outputs[4].scenePos())
    assert doc.selected == (2, 17, 4)
    # The neuron first, then the cell.
    click(big, outputs[9].scenePos())
    assert doc.selected == (2, 17, 4)
    assert scene.compact.pending == (3, 9)
    big.zoom_to(2.0, block.cell_point(40))
    click(big, block.cell_point(40))
    assert doc.selected == (2, 40, 9)
    assert scene.compact.pending is None


def test_neurons_away_from_blocks_are_not_picked(qtbot):
    net = Network.create([2, 3, 1], seed=1)
    view = NetworkView(Document(net), prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    scene = view.network_scene
    assert not any(node.pickable for column in scene.nodes for node in column)
    click(view, scene.nodes[2][0].scenePos())
    assert scene.compact.pending is None
    assert scene.doc.selected is None


def test_a_hidden_cells_tooltip_gives_its_bias(qtbot):
    doc = digits_document()
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    prefs = view.network_scene.prefs
    block = view.network_scene.compact.blocks[1]
    doc.set_parameter((0, None, 33), 0.625)
    doc.run_forward()
    block.hovered_cell = 33
    block.show(block.values, 1.0, False, neuron_lut(prefs))
    assert block.toolTip() == (
        f"h1.34: {prefs.fmt(float(block.values[33]))}, bias b = {prefs.fmt(0.625)}"
    )
    assert view.network_scene.compact.blocks[0].bias is None  # the input has none
