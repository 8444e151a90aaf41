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
def test_undo_and_redo_restore_the_exact_network(qtbot, edit):
    from bpdesk.ui.document import Document
    from bpdesk.ui.editor.scene import NetworkScene

    doc = Document()
    scene = NetworkScene(doc)
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
    assert [len(column) for column in scene.nodes] == list(doc.network.layer_sizes)


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


# -- what commands are: built without changing anything, each with a training policy ------


def test_every_command_class_states_how_it_treats_running_training():
    import inspect

    from PySide6.QtGui import QUndoCommand

    from bpdesk.ui import commands
    from bpdesk.ui.document import TrainingPolicy

    classes = [
        c
        for c in vars(commands).values()
        if inspect.isclass(c) and issubclass(c, QUndoCommand) and c is not QUndoCommand
    ]
    assert len(classes) >= 9
    for cls in classes:
        assert isinstance(cls.__dict__.get("training_policy"), TrainingPolicy), cls.__name__
    assert commands.SetConfigCommand.training_policy is TrainingPolicy.CONTINUE
    assert commands.ReplaceNetworkCommand.training_policy is TrainingPolicy.RESUME
    assert commands.RewindCommand.training_policy is TrainingPolicy.STAY_STOPPED


def test_edits_announce_their_policy_and_undo_and_redo_stay_stopped(qtbot):
    from dataclasses import replace

    from bpdesk.ui.commands import SetConfigCommand, SetParameterCommand
    from bpdesk.ui.document import Document, TrainingPolicy

    doc = Document()
    heard = []
    doc.aboutToEdit.connect(heard.append)
    doc.prepare_edit(SetParameterCommand)
    doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=2.0)))
    doc.undo()
    doc.redo()
    assert heard == [
        TrainingPolicy.RESUME,
        TrainingPolicy.CONTINUE,
        TrainingPolicy.STAY_STOPPED,
        TrainingPolicy.STAY_STOPPED,
    ]


def fingerprint(doc):
    """Everything an undo command may change, copied."""
    return (
        doc.version,
        doc.epoch,
        doc.network.layer_sizes,
        doc.network.parameters.copy(),
        doc.dataset,
        doc.config,
        doc.history.rows(0),
        doc.gradient_history.norms.copy(),
        doc.snapshots.entries(),
        doc.runs,
        doc.run_label(),
        doc.undo_stack.count(),
    )


def assert_unchanged(a, b):
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y, equal_nan=True)
        else:
            assert x == y


def test_building_a_command_changes_nothing(qtbot):
    from dataclasses import replace

    from bpdesk.core import Network, make_dataset
    from bpdesk.core.history import FIELDS
    from bpdesk.ui import commands
    from bpdesk.ui.document import Document

    doc = Document()
    doc.begin_training()
    rows = np.full((len(FIELDS), 5), 0.25)
    doc.append_training(1, rows, [(5, doc.network.parameters + 1)], np.ones((5, 2)))
    doc.show_training_state(doc.network.parameters + 1, 5)
    record = doc.finish_training()
    doc.start_run()  # an archived run for ClearRuns to hold
    doc.append_training(1, rows, [(5, doc.network.parameters + 2)])
    doc.set_epoch(5)
    before = fingerprint(doc)
    bigger = Network.create([2, 3, 1], seed=3)
    built = [
        commands.TrainCommand(doc, record),
        commands.SetParameterCommand(doc, (0, 0, 0), 9.0),
        commands.SetParametersCommand(doc, doc.network.parameters * 2, "double"),
        commands.ReplaceNetworkCommand(doc, bigger, "bigger"),
        commands.ReplaceDatasetCommand(doc, make_dataset("moons", n_samples=20), None, "moons"),
        commands.SetConfigCommand(doc, replace(doc.config, learning_rate=3.0)),
        commands.ClearRunsCommand(doc),
        commands.ResetCommand(doc, Network.create([2, 2, 1], seed=7)),
        commands.RewindCommand(doc, 0, doc.network.parameters * 0),
    ]
    assert len(built) == 9
    assert_unchanged(fingerprint(doc), before)


def test_the_document_and_its_commands_do_not_import_each_other_both_ways():
    import ast
    from pathlib import Path

    import bpdesk.ui.document

    tree = ast.parse(Path(bpdesk.ui.document.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    imported |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {
        name for name in imported if name.startswith(("bpdesk.ui.commands", "bpdesk.ui.editing"))
    }
