"""The weights' lines are painted by one item per layer (the edge bundle), not one item each.

A repaint of a 2,144-weight diagram called into Python for every weight and
kept the learner's key presses waiting while training ran; these tests hold
what the bundle must still show: every line in its colour and width, the
emphasised ones over it, following values and dragged neurons.
"""

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from bpdesk.core import Network
from bpdesk.ui.commands import SetParameterCommand
from bpdesk.ui.document import Document
from bpdesk.ui.editor.bundle import EdgeBundle
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.preferences import Preferences, ViewPreferences

NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


@pytest.fixture
def view(qtbot):
    doc = Document()
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(700, 560)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.close()


def edge(view, parameter):
    (found,) = [e for e in view.network_scene.edges if e.parameter == parameter]
    return found


def pixel_on(view, the_edge, t=0.55) -> QColor:
    """The colour shown on the middle of the edge's line (past its label at 0.3)."""
    view.doc.frames.flush()
    image = view.grab().toImage()
    point = view.mapFromScene(the_edge._line.pointAt(t))
    return image.pixelColor(point)


def close(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3]))


def test_every_layer_has_one_bundle_and_plain_edges_paint_nothing_themselves(view):
    scene = view.network_scene
    bundles = [item for item in scene.items() if isinstance(item, EdgeBundle)]
    assert len(bundles) == view.doc.network.n_layers
    assert sorted(id(e) for b in bundles for e in b.edges) == sorted(id(e) for e in scene.edges)
    view.doc.select(None)
    assert all(e.flags() & NO_CONTENTS for e in scene.edges)


def test_a_weights_line_shows_its_sign_and_follows_a_change(view):
    doc = view.doc
    target = edge(view, (0, 0, 0))
    biggest = float(np.abs(doc.network.parameters).max())
    doc.undo_stack.push(SetParameterCommand(doc, (0, 0, 0), 4 * biggest + 3))
    positive = QColor(target.pen_color)
    assert target.width > 5  # the widest line: its middle is the pen's own colour
    assert close(pixel_on(view, target), positive)
    doc.undo_stack.push(SetParameterCommand(doc, (0, 0, 0), -(4 * biggest + 3)))
    negative = QColor(target.pen_color)
    assert not close(positive, negative)
    assert close(pixel_on(view, target), negative)  # repainted in the new colour


def beside(view, the_edge, pixels: float) -> QColor:
    """The colour ``pixels`` to the side of the middle of the edge's line."""
    view.doc.frames.flush()
    image = view.grab().toImage()
    line = the_edge._line
    middle = view.mapFromScene(line.pointAt(0.55))
    normal = line.normalVector().unitVector()
    dx, dy = normal.dx(), normal.dy()
    return image.pixelColor(middle.x() + round(dx * pixels), middle.y() + round(dy * pixels))


@pytest.mark.parametrize("how", ["selected", "hovered"])
def test_an_emphasised_weight_glows_and_stops_glowing(view, how):
    doc = view.doc
    doc.select(None)
    target = edge(view, (1, 0, 0))
    side = target.width / 2 + 2.5  # outside the line, inside its glow (7 px wider)
    plain = beside(view, target, side)
    if how == "selected":
        doc.select((1, 0, 0))
    else:
        target.hovered = True
        target._repaint()
    assert target.flags() & NO_CONTENTS  # its bundle draws it, glow and all
    glowing = beside(view, target, side)
    assert not close(glowing, plain, tolerance=10)
    if how == "selected":
        doc.select(None)
    else:
        target.hovered = False
        target._repaint()
    assert close(beside(view, target, side), plain, tolerance=10)


def test_a_moved_neurons_lines_are_painted_where_it_went(view):
    doc = view.doc
    doc.select(None)
    biggest = float(np.abs(doc.network.parameters).max())
    doc.undo_stack.push(SetParameterCommand(doc, (0, 0, 0), 4 * biggest + 3))
    target = edge(view, (0, 0, 0))
    assert close(pixel_on(view, target), QColor(target.pen_color))  # painted where it was
    hidden = target.target
    hidden.setPos(hidden.pos() + QPointF(0, 40))
    for e in hidden.edges:
        e.update_geometry()
    assert close(pixel_on(view, target), QColor(target.pen_color))


def test_a_big_diagram_paints_its_lines_in_a_few_calls(qtbot):
    network = Network.create([2, 32, 32, 32, 1], activation="tanh", seed=0)
    doc = Document(network)
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    try:
        view.resize(900, 700)
        view.show()
        qtbot.waitExposed(view)
        doc.select(None)
        doc.frames.flush()
        scene = view.network_scene
        painting = [e for e in scene.edges if not e.flags() & NO_CONTENTS]
        assert painting == []  # none of the 2,144 weights calls into Python to paint
        bundles = [item for item in scene.items() if isinstance(item, EdgeBundle)]
        assert len(bundles) == 4
        view.grab()  # and the bundles paint without errors
    finally:
        view.close()


def test_a_neurons_heat_map_is_cut_to_its_circle_once_not_clipped_at_every_paint(view):
    from PySide6.QtGui import QImage

    node = view.network_scene.nodes[1][0]
    square = QImage(24, 24, QImage.Format.Format_RGB32)
    square.fill(QColor("#ff8000"))
    node.set_heat_map(square)
    disc = node._disc
    side = disc.width()
    assert disc.pixelColor(0, 0).alpha() == 0  # a corner: outside the circle
    assert disc.pixelColor(side // 2, side // 2) == QColor("#ff8000")  # inside: the map
    alphas = [disc.pixelColor(x, y).alpha() for x in range(side) for y in range(side)]
    assert any(0 < alpha < 255 for alpha in alphas)  # its edge is smooth
    node.set_heat_map(None)
    assert node._disc is None


def test_while_training_a_big_diagrams_lines_change_at_most_every_second_and_all_when_it_stops(
    qtbot,
):
    from bpdesk.ui.editor import scene as scene_module

    network = Network.create([2, 32, 32, 32, 1], activation="tanh", seed=0)
    doc = Document(network)
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    try:
        scene = view.network_scene
        target = edge(view, (1, 0, 0))
        doc.frames.live = True
        scene._on_values_changed()  # the first refresh of a run restyles
        width = target.width
        values = doc.network.parameters.copy()
        values[doc.network.parameter_index((1, 0, 0))] = 50.0  # the widest line now
        doc.set_parameters(values, recompute=True)
        scene._on_values_changed()  # within the second: the number follows, the line waits
        assert target.value == 50.0
        assert target.width == width
        scene._restyled_at -= scene_module.LIVE_RESTYLE_S  # a second later
        scene._on_values_changed()
        assert target.width > width
        positive = QColor(target.pen_color)
        values[doc.network.parameter_index((1, 0, 0))] = -50.0
        doc.set_parameters(values, recompute=True)
        scene._on_values_changed()
        assert target.value == -50.0
        assert QColor(target.pen_color) == positive  # the sign's colour waits too
        doc.frames.live = False  # training stopped: every line as it is now
        doc.frames.flush()
        assert QColor(target.pen_color) != positive
    finally:
        view.close()
