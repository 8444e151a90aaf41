"""The window trains in a process of its own: what the learner sees of it, and what
happens when that process cannot start or dies."""

import os
import signal

import numpy as np
import pytest

from bpdesk.ui.training import TrainingController, TrainingJob
from bpdesk.ui.training_relay import RelayJob


def wait_for_epoch(qtbot, doc, epoch, timeout=20000):
    qtbot.waitUntil(lambda: doc.epoch >= epoch, timeout=timeout)


def test_the_window_trains_in_a_process_of_its_own(qtbot, window):
    doc, trainer = window.doc, window.trainer
    trainer.start()
    assert isinstance(trainer.job.job, RelayJob)
    wait_for_epoch(qtbot, doc, 200)
    assert trainer.process.pid not in (None, os.getpid())
    assert trainer.engine is None  # nothing of the run lives in this process
    assert trainer.trained_epoch >= 200
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)
    assert len(doc.history) == doc.epoch
    doc.set_sample(None)
    assert doc.history.train_loss[-1] == pytest.approx(doc.forward_state.total_loss, rel=1e-9)


def test_the_process_is_reused_and_ends_with_the_window(qtbot, window):
    doc, trainer = window.doc, window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 50)
    pid = trainer.process.pid
    trainer.shutdown()  # as the window closes
    trainer.start()  # a new run, a new process (this controller was shut down)
    wait_for_epoch(qtbot, doc, doc.epoch + 50)
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)
    again = trainer.process.pid
    doc.undo()  # an edit stops the run; the next one goes to the same process
    trainer.start()
    wait_for_epoch(qtbot, doc, doc.epoch + 50)
    assert trainer.process.pid == again
    window.close()
    with pytest.raises(ProcessLookupError):
        os.kill(again, 0)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_killed_training_process_is_told_and_training_goes_on(qtbot, window):
    doc, trainer = window.doc, window.trainer
    messages = []
    doc.message.connect(messages.append)
    trainer.start()
    wait_for_epoch(qtbot, doc, 100)
    os.kill(trainer.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: trainer.state == "idle", timeout=10000)
    assert any("training process was ended by signal 9" in m for m in messages)
    kept = doc.epoch
    assert kept >= 100  # what it trained before it died is kept, and can be undone
    assert len(doc.history) == kept
    assert doc.undo_stack.undoText().startswith("Train")
    trainer.start()  # Train starts a new process and goes on from there
    wait_for_epoch(qtbot, doc, kept + 50)
    trainer.shutdown()
    assert np.all(np.isfinite(doc.network.parameters))


def test_without_processes_training_runs_beside_the_window(qtbot, window, monkeypatch):
    from bpdesk.core.training_process import TrainingProcess

    def cannot(self):
        raise OSError("no processes here")

    monkeypatch.setattr(TrainingProcess, "start", cannot)
    messages = []
    window.doc.message.connect(messages.append)
    trainer = window.trainer
    trainer.start()
    assert isinstance(trainer.job.job, TrainingJob)
    assert any("not in a process of its own: no processes here" in m for m in messages)
    wait_for_epoch(qtbot, window.doc, 50)
    trainer.shutdown()


def test_the_environment_can_keep_training_on_a_thread(monkeypatch, qtbot):
    from bpdesk.core import Network, make_dataset
    from bpdesk.ui.document import Document

    doc = Document(Network.create([2, 2, 1], seed=0), make_dataset("xor"))
    monkeypatch.setenv("BPDESK_TRAINING", "thread")
    assert TrainingController(doc).process is None
    monkeypatch.setenv("BPDESK_TRAINING", "process")
    assert TrainingController(doc).process is not None


def test_warming_up_starts_the_process_the_first_run_trains_in(qtbot, window):
    trainer = window.trainer
    assert trainer.process.pid is None  # nothing started with the window in tests
    trainer.warm_up()  # as the application does a second after its window shows
    pid = trainer.process.pid
    assert pid is not None
    trainer.start()
    wait_for_epoch(qtbot, window.doc, 20)
    assert trainer.process.pid == pid
    trainer.shutdown()


def test_a_pause_inside_a_long_epoch_shows_the_last_whole_epoch(qtbot, window):
    # 20,000 points in batches of 10: an epoch is 1,600 mini-batches, and a pause takes
    # hold between two of them. What the window then shows must be a whole epoch.
    from dataclasses import replace

    from bpdesk.core import make_dataset
    from bpdesk.ui import editing
    from bpdesk.ui.commands import ReplaceDatasetCommand, SetConfigCommand

    doc, trainer = window.doc, window.trainer
    big = make_dataset("spiral", n_samples=20_000, noise=0.1, seed=0)
    doc.push(ReplaceDatasetCommand(doc, big, None, "Use many spirals"))
    doc.push(SetConfigCommand(doc, replace(doc.config, batch_size=10)))

    def consistent():
        qtbot.waitUntil(lambda: not doc.recording_training, timeout=20000)
        assert len(doc.history) == doc.epoch
        data = doc.dataset
        shown = doc.network.compute_loss(data.X_train, data.T_train)
        assert doc.history.train_loss[-1] == pytest.approx(shown, rel=1e-9)

    for _ in range(3):
        trainer.start()
        wait_for_epoch(qtbot, doc, doc.epoch + 1)
        with qtbot.waitSignal(trainer.job.paused, timeout=20000):
            trainer.pause()
        consistent()
    trainer.start()
    wait_for_epoch(qtbot, doc, doc.epoch + 1)
    trainer.shutdown()  # a stop inside an epoch undoes that epoch: whole ones are kept
    consistent()
    editing.add_neuron(doc, 1)  # and the edit goes on from there
    assert doc.network.layer_sizes == (2, 3, 1)
