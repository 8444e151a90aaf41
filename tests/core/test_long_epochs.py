"""A pause inside a long epoch: it takes hold between mini-batches, and the run stays the run."""

import numpy as np
import pytest

from bpdesk.core import Network, TrainConfig, Trainer, TrainingControl, make_dataset, training


@pytest.fixture(autouse=True)
def every_epoch_is_long(monkeypatch):
    """Look for a pause at every mini-batch of every epoch (as a 63,000-image epoch does)."""
    monkeypatch.setattr(training, "LONG_EPOCH_SECONDS", 0.0)
    monkeypatch.setattr(training, "LONG_EPOCH_BATCHES", 2)
    monkeypatch.setattr(training, "LOOK_EVERY", 0.0)


def problem(optimizer):
    data = make_dataset("spiral", n_samples=120, noise=0.1, test_ratio=0.25, seed=0)
    net = Network.create([2, 6, 1], activation="tanh", output_activation="sigmoid", seed=2)
    return net, data, TrainConfig(learning_rate=0.05, batch_size=8, optimizer=optimizer)


def plain_run(optimizer, epochs):
    """Parameters and state after each epoch of a run nobody paused."""
    net, data, config = problem(optimizer)
    trainer = Trainer(net, data, config)
    after = []
    for _ in range(epochs):
        trainer.run_epoch()
        after.append((net.parameters.copy(), trainer.state()))
    return after


class PausesAt(TrainingControl):
    """Pauses itself at its ``at``-th look between mini-batches; then (in place of the
    user) notes what the run shows while held and resumes, or asks it to stop."""

    def __init__(self, trainer_box, at, stop=False):
        super().__init__()
        self.trainer_box, self.at, self.stop = trainer_box, at, stop
        self.looks = 0
        self.shown = []  # (epoch, parameters, state) as a pause shows them

    def pending(self):
        self.looks += 1
        if self.looks == self.at:
            self.pause()
        return super().pending()

    def wait_while_paused(self, poll=0.05):
        trainer = self.trainer_box[0]
        parameters, state = trainer.settled()
        self.shown.append((trainer.epoch, parameters, state))
        if self.stop:
            self.request_stop()
        else:
            self.resume()


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_pause_inside_an_epoch_shows_the_last_whole_epoch_and_changes_nothing(optimizer):
    net, data, config = problem(optimizer)
    trainer = Trainer(net, data, TrainConfig(**{**config.__dict__, "epochs": 3}))
    control = PausesAt(
        [trainer], at=12 + 7
    )  # in the second epoch (90 examples: 12 batches an epoch)
    list(trainer.run(control))
    plain = plain_run(optimizer, 3)
    assert np.array_equal(net.parameters, plain[-1][0])  # the same run, to the last bit
    [(epoch, shown, state)] = control.shown
    assert epoch == 1
    assert np.array_equal(shown, plain[0][0])  # what the held run showed: epoch 1's end
    assert state.epoch == 1
    assert state.optimizer.steps == plain[0][1].optimizer.steps
    assert state.shuffle == plain[0][1].shuffle


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_stop_inside_an_epoch_undoes_it_and_the_run_goes_on_from_the_last(optimizer):
    net, data, config = problem(optimizer)
    trainer = Trainer(net, data, config)
    control = PausesAt([trainer], at=12 + 7, stop=True)
    list(trainer.run(control))
    plain = plain_run(optimizer, 3)
    assert trainer.epoch == 1
    assert np.array_equal(net.parameters, plain[0][0])
    state = trainer.state()
    assert state.shuffle == plain[0][1].shuffle
    for key, values in state.optimizer.buffers.items():
        assert np.array_equal(values, plain[0][1].optimizer.buffers[key])
    # Going on from there is the run that was never stopped.
    again = Trainer(net, data, config, state=state)
    again.run_epoch()
    again.run_epoch()
    assert np.array_equal(net.parameters, plain[2][0])


def test_a_short_epoch_does_not_look_for_a_pause_inside_itself(monkeypatch):
    monkeypatch.setattr(training, "LONG_EPOCH_SECONDS", 10.0)
    monkeypatch.setattr(training, "LONG_EPOCH_BATCHES", 10_000)
    net, data, config = problem("sgd")
    trainer = Trainer(net, data, TrainConfig(**{**config.__dict__, "epochs": 3}))
    control = PausesAt([trainer], at=1)
    list(trainer.run(control))
    assert control.looks == 0  # a pause there waits for the epoch's end, a moment away
