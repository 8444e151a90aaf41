"""Stop after N epochs: the epochs box beside Train, and a file's ``training.epochs``."""

from dataclasses import replace

import pytest

from bpdesk.core import BpnetDocument, Network, TrainConfig, xor
from bpdesk.ui.commands import SetConfigCommand
from bpdesk.ui.document import Document
from bpdesk.ui.epochs_box import EpochsBox
from bpdesk.ui.training import TrainingController


@pytest.fixture
def training(qtbot):
    """A document, its training controller and the epochs box, with the notices kept."""
    doc = Document()
    trainer = TrainingController(doc)
    box = EpochsBox(doc)
    qtbot.addWidget(box)
    notices: list[str] = []
    doc.message.connect(notices.append)
    yield doc, trainer, box, notices
    trainer.shutdown()


def type_epochs(box: EpochsBox, text: str) -> None:
    box.setText(text)
    box.editingFinished.emit()


def run_to_the_stop(qtbot, trainer) -> None:
    with qtbot.waitSignal(trainer.stopped, timeout=30000):
        trainer.start()


def test_training_stops_exactly_at_the_epochs_in_the_box(qtbot, training):
    doc, trainer, box, notices = training
    trainer.set_speed(None)  # as fast as it goes: reports gather many epochs each
    type_epochs(box, "1237")
    assert doc.config.epochs == 1237
    assert doc.undo_stack.undoText() == "Stop at epoch 1,237"
    run_to_the_stop(qtbot, trainer)
    assert doc.epoch == 1237
    assert len(doc.history) == 1237
    assert trainer.state == "idle"
    assert trainer.job is None
    assert doc.undo_stack.undoText() == "Train 1,237 epochs"
    assert "Stopped at epoch 1,237" in notices[-1]
    # Train again at the stop: nothing runs, and the learner is told why.
    trainer.start()
    assert trainer.state == "idle"
    assert doc.epoch == 1237
    assert "Stopped at epoch 1,237" in notices[-1]
    # A higher stop trains on to it, exactly.
    type_epochs(box, "1500")
    run_to_the_stop(qtbot, trainer)
    assert doc.epoch == 1500
    assert len(doc.history) == 1500


def test_a_paused_run_resumed_still_stops_at_the_epochs(qtbot, training):
    doc, trainer, box, _ = training
    trainer.set_speed(100)
    type_epochs(box, "30")
    trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 5, timeout=10000)
    with qtbot.waitSignal(trainer.job.paused, timeout=5000):
        trainer.pause()
    assert doc.epoch < 30
    trainer.set_speed(None)
    run_to_the_stop(qtbot, trainer)
    assert doc.epoch == 30


def test_an_empty_box_trains_until_paused_and_lowering_it_mid_run_stops(qtbot, training):
    doc, trainer, box, _ = training
    type_epochs(box, "10")
    type_epochs(box, "")
    assert doc.config.epochs is None
    assert box.text() == ""
    trainer.set_speed(200)
    trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 20, timeout=10000)
    assert trainer.state == "running"
    with qtbot.waitSignal(trainer.stopped, timeout=10000):
        doc.push(SetConfigCommand(doc, replace(doc.config, epochs=5)))  # below where it is
    assert trainer.state == "idle"
    assert len(doc.history) == doc.epoch


def test_a_files_epochs_are_honoured_and_saved(qtbot, training):
    doc, trainer, box, _ = training
    net = Network.create([2, 2, 1], seed=3)
    doc.load(BpnetDocument(net, xor(), TrainConfig(learning_rate=0.5, epochs=40)))
    assert box.text() == "40"
    trainer.set_speed(None)
    run_to_the_stop(qtbot, trainer)
    assert doc.epoch == 40
    type_epochs(box, "75")
    assert doc.to_bpnet().training.epochs == 75
    doc.undo()
    assert box.text() == "40"
