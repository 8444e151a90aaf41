"""Every architecture edit is one undo step: undo and redo restore the exact arrays."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bpdesk.ui import editing

EDITS = {
    "add a neuron": lambda doc: editing.add_neuron(doc, 1),
    "remove a neuron": lambda doc: editing.remove_neuron(doc, 1, 0),
    "move a neuron": lambda doc: editing.move_neuron(doc, 1, 0, 1),
    "insert a layer": lambda doc: editing.insert_layer(doc, 1),
    "remove a layer": lambda doc: editing.insert_layer(doc, 1) and editing.remove_layer(doc, 2),
    "change an activation": lambda doc: editing.set_activation(doc, 0, "tanh"),
    "change the loss": lambda doc: editing.set_loss(doc, "bce"),
    "type a weight": lambda doc: editing.set_value(doc, (1, 1, 0), 0.125),
}


def state(doc):
    net = doc.network
    return net.layer_sizes, net.activations, net.loss, net.parameters.copy()


def same(a, b):
    return a[:3] == b[:3] and np.array_equal(a[3], b[3])


@pytest.mark.parametrize("edit", list(EDITS))
def test_undo_and_redo_restore_the_exact_network(window, edit):
    doc = window.doc
    before = state(doc)
    assert EDITS[edit](doc)
    after = state(doc)
    assert not same(before, after)
    steps = doc.undo_stack.index()
    for _ in range(steps):
        doc.undo()
    assert same(state(doc), before)
    for _ in range(steps):
        doc.redo()
    assert same(state(doc), after)
    # The scene follows: one circle per neuron of the network shown.
    assert [len(column) for column in window.scene.nodes] == list(doc.network.layer_sizes)


def test_the_keyboard_trains_pauses_undoes_and_redoes(qtbot, window):
    doc = window.doc
    window.view.setFocus()
    editing.set_value(doc, (1, 0, 0), 0.25)
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.network.weights[1][0, 0] != 0.25
    QTest.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert doc.network.weights[1][0, 0] == 0.25
    window.trainer.set_speed(100)
    QTest.keyClick(window.view, Qt.Key.Key_Space)
    assert window.trainer.state == "running"
    qtbot.waitUntil(lambda: doc.epoch > 0, timeout=10000)
    QTest.keyClick(window.view, Qt.Key.Key_Space)
    assert window.trainer.state == "paused"
    QTest.keyClick(window.view, Qt.Key.Key_B)
    assert doc.mode == "backward"
    QTest.keyClick(window.view, Qt.Key.Key_F)
    assert doc.mode == "forward"
    window.trainer.shutdown()
