"""A run continued in the window is the same run (issue 12): 100 + 100 epochs == 200.

Training in the window stops and goes on in many ways: a pause, a new job after
an edit or an undo, a rewind, a save and a reopen. Each must go on with the
optimiser's memory and the mini-batch shuffle of the epoch it goes on from, so
that the run is the one a single trainer would have made. Exact epoch counts
come from rewinding: every epoch of the first thousand is kept as a snapshot,
with its trainer state.
"""

from dataclasses import replace

import numpy as np
import pytest

from bpdesk.core import LossHistory, Network, TrainConfig, Trainer, make_dataset
from bpdesk.core.bpnet import BpnetDocument
from bpdesk.core.bpnet import save as save_bpnet
from bpdesk.ui import editing

REL = 1e-9  # the goal, relative, in float64
OPTIMIZERS = ["sgd", "momentum", "adam"]
BATCHES = pytest.mark.parametrize("batch", [0, 8], ids=["full-batch", "mini-batch"])


def problem(optimizer: str, batch: int) -> tuple[Network, object, TrainConfig]:
    """60 moons points (the last mini-batch of an epoch is smaller), a 2-5-1 network."""
    data = make_dataset("moons", n_samples=60, noise=0.2, test_ratio=0.0, seed=3)
    net = Network.create([2, 5, 1], activation="tanh", loss="bce", seed=2)
    config = TrainConfig(
        learning_rate=0.05, batch_size=batch, optimizer=optimizer, epochs=None, seed=7
    )
    return net, data, config


def open_problem(window, tmp_path, optimizer: str, batch: int, **saved) -> BpnetDocument:
    """Open the problem in the window from a file (as a learner would)."""
    net, data, config = problem(optimizer, batch)
    content = BpnetDocument(net, data, config, **saved)
    path = tmp_path / "start.bpnet"
    save_bpnet(content, path)
    assert window.files.open(str(path))
    return content


def one_run(content: BpnetDocument, epochs: int) -> tuple[np.ndarray, np.ndarray]:
    """The parameters after ``epochs`` epochs of one trainer, and its loss per epoch."""
    net = content.network.copy()
    trainer = Trainer(net, content.dataset, replace(content.training, epochs=epochs))
    losses = np.array([snap.train_loss for snap in trainer.run()])
    return net.parameters, losses


def relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def train_past(qtbot, window, epoch: int) -> None:
    """Train until past ``epoch``, then pause (the stretch is recorded). At 1,000 epochs a
    second it stops not far past: callers count from where it stopped."""
    doc, trainer = window.doc, window.trainer
    trainer.set_speed(1000)
    trainer.start()
    qtbot.waitUntil(lambda: doc.epoch > epoch, timeout=30000)
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)


def rewind(window, epoch: int) -> None:
    assert window.loss_panel.rewind(epoch)
    assert window.doc.epoch == epoch


def assert_one_run(window, content: BpnetDocument, epoch: int | None = None) -> float:
    """The network (rewound to ``epoch``, if given) and the loss history are one run's;
    returns how far the parameters are from it, relative."""
    doc = window.doc
    if epoch is not None:
        rewind(window, epoch)
    parameters, losses = one_run(content, doc.epoch)
    np.testing.assert_allclose(doc.history.train_loss[: doc.epoch], losses, rtol=REL, atol=0)
    difference = relative(doc.network.parameters, parameters)
    assert difference <= REL
    return difference


def same_state(a, b) -> bool:
    """Two trainer states hold the same: epoch, optimiser memory and shuffle."""
    if a is None or b is None:
        return a is b
    mine, theirs = a.optimizer, b.optimizer
    return (
        (a.epoch, a.shuffle, mine.name, mine.steps)
        == (b.epoch, b.shuffle, theirs.name, theirs.steps)
        and mine.buffers.keys() == theirs.buffers.keys()
        and all(np.array_equal(mine.buffers[k], theirs.buffers[k]) for k in mine.buffers)
    )


def messages(doc) -> list[str]:
    said: list[str] = []
    doc.message.connect(said.append)
    return said


@BATCHES
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_pausing_stopping_and_going_on_is_one_run(qtbot, window, tmp_path, optimizer, batch):
    content = open_problem(window, tmp_path, optimizer, batch)
    doc, trainer = window.doc, window.trainer
    said = messages(doc)
    train_past(qtbot, window, 60)  # paused: the job and its trainer wait
    train_past(qtbot, window, doc.epoch + 60)
    trainer.shutdown()  # the job ends: the next one goes on from the document's state
    assert doc.trainer_state is not None
    assert doc.trainer_state.epoch == doc.epoch
    train_past(qtbot, window, doc.epoch + 100)
    assert_one_run(window, content)
    assert_one_run(window, content, epoch=200)
    assert not [text for text in said if "afresh" in text]


@BATCHES
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_run_saved_reopened_and_continued_is_one_run(qtbot, window, tmp_path, optimizer, batch):
    content = open_problem(window, tmp_path, optimizer, batch)
    doc = window.doc
    train_past(qtbot, window, 100)
    rewind(window, 100)  # exactly 100 epochs, with the trainer state of epoch 100
    path = tmp_path / "half.bpnet"
    assert window.files.save_to(path)
    assert window.files.new()
    assert doc.trainer_state is None
    assert doc.epoch == 0
    assert window.files.open(str(path))
    assert doc.epoch == 100
    assert doc.trainer_state is not None
    assert doc.trainer_state.epoch == 100
    train_past(qtbot, window, 200)
    assert_one_run(window, content, epoch=200)  # 100 + 100 == 200


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_rewind_goes_on_with_that_epochs_state(qtbot, window, tmp_path, optimizer):
    content = open_problem(window, tmp_path, optimizer, 8)
    doc = window.doc
    train_past(qtbot, window, 150)
    after = doc.epoch, doc.network.parameters.copy(), doc.trainer_state
    rewind(window, 100)
    assert doc.trainer_state is not None
    assert doc.trainer_state.epoch == 100
    train_past(qtbot, window, 200)  # replaces the epochs after 100
    assert_one_run(window, content, epoch=200)
    doc.undo()  # the rewind to 200
    doc.undo()  # the training from 100
    assert doc.epoch == 100
    doc.undo()  # the rewind to 100: the network, and its state, as they were
    assert doc.epoch == after[0]
    assert np.array_equal(doc.network.parameters, after[1])
    assert same_state(doc.trainer_state, after[2])
    train_past(qtbot, window, after[0] + 50)
    assert_one_run(window, content)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_undo_and_redo_of_training_carry_the_state(qtbot, window, tmp_path, optimizer):
    content = open_problem(window, tmp_path, optimizer, 8)
    doc = window.doc
    train_past(qtbot, window, 80)
    first = doc.epoch, doc.trainer_state
    train_past(qtbot, window, doc.epoch + 80)
    second = doc.epoch, doc.trainer_state
    doc.undo()
    assert doc.epoch == first[0]
    assert same_state(doc.trainer_state, first[1])
    doc.redo()
    assert doc.epoch == second[0]
    assert same_state(doc.trainer_state, second[1])
    doc.undo()
    train_past(qtbot, window, doc.epoch + 100)  # from the end of the first stretch, anew
    assert_one_run(window, content)
    assert_one_run(window, content, epoch=200)


def test_a_file_without_a_trainer_state_says_what_starts_afresh(qtbot, window, tmp_path):
    net, data, config = problem("momentum", 8)
    losses = one_run(BpnetDocument(net, data, config), 30)[1]
    history = LossHistory(list(losses))
    open_problem(window, tmp_path, "momentum", 8, history=history)  # as an older file
    doc = window.doc
    assert doc.epoch == 30
    assert doc.trainer_state is None
    said = messages(doc)
    train_past(qtbot, window, 31)
    assert said[0] == (
        "Training goes on from epoch 30, but momentum's velocity and the mini-batch order "
        "start afresh: this file does not keep them (older bpdesk files and very large "
        "ones do not)."
    )


def test_plain_full_batch_descent_has_nothing_to_start_afresh(qtbot, window, tmp_path):
    net, data, config = problem("sgd", 0)
    history = LossHistory(list(one_run(BpnetDocument(net, data, config), 30)[1]))
    open_problem(window, tmp_path, "sgd", 0, history=history)
    said = messages(window.doc)
    train_past(qtbot, window, 31)
    assert not [text for text in said if "afresh" in text]


def test_an_architecture_edit_starts_the_optimiser_afresh_and_undo_brings_it_back(
    qtbot, window, tmp_path
):
    content = open_problem(window, tmp_path, "adam", 8)
    doc = window.doc
    train_past(qtbot, window, 50)
    state = doc.trainer_state
    assert editing.move_neuron(doc, 1, 0, 2)  # the same function, the weights in new places
    assert doc.trainer_state is None
    said = messages(doc)
    window.trainer.step()
    qtbot.waitUntil(lambda: not doc.recording_training and doc.epoch > state.epoch, timeout=5000)
    assert said[0] == (
        f"Training goes on from epoch {state.epoch:,}, but Adam's moments and the mini-batch "
        "order start afresh: the network was edited since (Move neuron)."
    )
    doc.undo()  # the step
    doc.undo()  # the move
    assert same_state(doc.trainer_state, state)
    train_past(qtbot, window, doc.epoch + 50)
    assert_one_run(window, content)


def test_a_rewind_to_an_epoch_kept_without_a_state_says_so(qtbot, window, tmp_path):
    # A file's own epoch is kept with the file's state; earlier epochs are not kept at all,
    # and one saved without a state is rewound to without one.
    net, data, config = problem("momentum", 0)
    history = LossHistory(list(one_run(BpnetDocument(net, data, config), 40)[1]))
    open_problem(window, tmp_path, "momentum", 0, history=history)
    doc = window.doc
    train_past(qtbot, window, 60)
    rewind(window, 40)
    assert doc.trainer_state is None
    said = messages(doc)
    train_past(qtbot, window, 41)
    assert said[0].startswith("Training goes on from epoch 40, but momentum's velocity starts")


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_learning_rate_changed_mid_run_is_carried_on_by_the_next_job(
    qtbot, window, tmp_path, optimizer
):
    # The window lets η change between epochs; momentum's velocity then depends on the
    # convention (bpdesk's is torch's). A new job goes on from the state as one run would.
    from bpdesk.core import TrainingControl
    from bpdesk.ui.commands import SetConfigCommand

    content = open_problem(window, tmp_path, optimizer, 8)
    doc, trainer = window.doc, window.trainer
    train_past(qtbot, window, 40)
    changed_at = doc.epoch + 1  # the paused job takes the new rate before its next epoch
    doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=0.01)))
    train_past(qtbot, window, doc.epoch + 40)
    trainer.shutdown()
    train_past(qtbot, window, doc.epoch + 40)
    assert [(e, s.learning_rate) for e, s in doc.trained_with] == [(1, 0.05), (changed_at, 0.01)]
    net = content.network.copy()
    control = TrainingControl()
    losses = []
    for snap in Trainer(net, content.dataset, content.training).run(control):
        losses.append(snap.train_loss)
        if snap.epoch == changed_at - 1:
            control.change_settings(learning_rate=0.01)
        if snap.epoch == doc.epoch:
            control.request_stop()
    np.testing.assert_allclose(doc.history.train_loss, losses, rtol=REL, atol=0)
    assert relative(doc.network.parameters, net.parameters) <= REL


# -- the exported PyTorch script goes on as the window's run ----------------------------


def exported(window, tmp_path, epochs: int) -> dict:
    """The window's PyTorch script, imported (it needs torch)."""
    from bpdesk.ui.exporting import export_torch_script

    path = tmp_path / "network.py"
    export_torch_script(window.doc, path, epochs=epochs)
    namespace = {"__name__": "bpdesk_export"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_the_exported_script_trains_the_windows_next_epochs(qtbot, window, tmp_path, optimizer):
    pytest.importorskip("torch")
    content = open_problem(window, tmp_path, optimizer, 8)
    doc = window.doc
    train_past(qtbot, window, 30)
    epoch = doc.epoch
    script = exported(window, tmp_path, epochs=25)
    torch_losses = script["train"](25)
    losses = one_run(content, epoch + 25)[1][epoch:]
    np.testing.assert_allclose(torch_losses, losses, rtol=REL, atol=0)


def test_after_a_rewind_the_script_replays_the_run_with_its_changes_of_rate(
    qtbot, window, tmp_path
):
    pytest.importorskip("torch")
    from bpdesk.ui.commands import SetConfigCommand

    open_problem(window, tmp_path, "momentum", 8)
    doc = window.doc
    train_past(qtbot, window, 30)
    changed_at = doc.epoch + 1
    doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=0.01)))
    train_past(qtbot, window, doc.epoch + 30)
    assert [(e, s.learning_rate) for e, s in doc.trained_with] == [(1, 0.05), (changed_at, 0.01)]
    recorded = doc.history.train_loss.copy()
    doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=0.05)))
    rewind(window, 20)  # the settings now are those the run went on with from 20
    script = exported(window, tmp_path, epochs=10)  # at least as many as were recorded
    torch_losses = script["train"](len(recorded) - 20)
    np.testing.assert_allclose(torch_losses, recorded[20:], rtol=REL, atol=0)
