"""Live values under the mouse: a hovered weight's or neuron's tooltip follows its value."""

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolTip

from bpdesk.ui.document import Document
from bpdesk.ui.editor.live_tip import TIP_INTERVAL
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.preferences import Preferences, ViewPreferences
from bpdesk.ui.training import TrainingController


@pytest.fixture
def view(qtbot):
    """The network editor over a new document, shown offscreen; no tooltip left over."""
    doc = Document()
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(566, 503)
    view.show()
    qtbot.waitExposed(view)
    yield view
    QToolTip.hideText()
    view.close()


def point_of(view, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def hover_and_ask_for_the_tooltip(view, scene_point: QPointF) -> None:
    """Move the pointer there, then let Qt show the tooltip as a resting pointer does."""
    viewport = view.viewport()
    p = point_of(view, scene_point)
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(p),
        QPointF(viewport.mapToGlobal(p)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, move)
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, p, viewport.mapToGlobal(p)))


def edge_middle(edge) -> QPointF:
    line = edge.line()
    return edge.mapToScene(line.pointAt(0.5))


def test_a_hovered_weights_tooltip_follows_its_value(qtbot, view):
    doc, scene = view.doc, view.network_scene
    (edge,) = [e for e in scene.edges if e.parameter == (1, 0, 0)]
    fmt = scene.prefs.fmt
    hover_and_ask_for_the_tooltip(view, edge_middle(edge))
    assert edge.hovered
    assert QToolTip.isVisible()
    assert QToolTip.text().startswith("w(h1 → ŷ):")
    assert f"Now: {fmt(doc.network.weights[1][0, 0])}" in QToolTip.text()
    doc.set_parameter((1, 0, 0), 1.2345)  # as training or an edit changes it
    qtbot.waitUntil(lambda: f"Now: {fmt(1.2345)}" in QToolTip.text(), timeout=3000)
    # Two changes closer together than the interval: the later one shows, once due.
    doc.set_parameter((1, 0, 0), -0.5)
    doc.set_parameter((1, 0, 0), 0.25)
    qtbot.waitUntil(
        lambda: f"Now: {fmt(0.25)}" in QToolTip.text(), timeout=int(3000 + TIP_INTERVAL * 1000)
    )
    assert edge.toolTip() == QToolTip.text()


def test_a_hovered_neurons_tooltip_follows_training(qtbot, view):
    doc, scene = view.doc, view.network_scene
    node = scene.nodes[2][0]  # the output ŷ
    hover_and_ask_for_the_tooltip(view, node.scenePos())
    assert node.hovered
    first = QToolTip.text()
    assert first.startswith("ŷ: output")
    assert f"Now: {node.text}" in first
    trainer = TrainingController(doc)
    trainer.set_speed(None)
    trainer.start()
    try:
        qtbot.waitUntil(lambda: doc.epoch > 300, timeout=20000)
        qtbot.waitUntil(lambda: QToolTip.text() != first, timeout=5000)
    finally:
        trainer.shutdown()
    qtbot.waitUntil(lambda: f"Now: {node.text}" in QToolTip.text(), timeout=3000)


def test_a_weight_no_longer_hovered_leaves_the_tooltip_alone(qtbot, view):
    doc, scene = view.doc, view.network_scene
    (edge,) = [e for e in scene.edges if e.parameter == (0, 0, 0)]
    hover_and_ask_for_the_tooltip(view, edge_middle(edge))
    assert edge.hovered
    empty = next(
        QPoint(x, y)
        for x in range(5, view.width(), 20)
        for y in range(5, view.height(), 20)
        if view.itemAt(QPoint(x, y)) is None
    )
    hover_and_ask_for_the_tooltip(view, view.mapToScene(empty))  # off the line
    assert not edge.hovered
    QToolTip.showText(view.mapToGlobal(empty), "another tooltip")
    doc.set_parameter((0, 0, 0), 3.5)
    qtbot.wait(int(TIP_INTERVAL * 1000) + 100)
    assert "w(x1 → h1)" not in QToolTip.text()
