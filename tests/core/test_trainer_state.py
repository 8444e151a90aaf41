"""A run is the same run: a trainer's state carries the optimiser and the shuffle across trainers.

100 epochs, then a new trainer given the first one's state for 100 more, must
be the 200-epoch run to the last bit, for every optimiser, full batch and
mini-batch; without the state (as before) they differ, which shows the state
is what makes them equal.
"""

from dataclasses import replace

import numpy as np
import pytest

from bpdesk.core import (
    ConfigError,
    Network,
    OptimizerState,
    ShuffleState,
    TrainConfig,
    Trainer,
    TrainerState,
    TrainingControl,
    make_dataset,
    train,
)
from bpdesk.core.history import Snapshot
from bpdesk.core.optimizers import make_optimizer
from bpdesk.core.trainer_state import continuation

OPTIMIZERS = ("sgd", "momentum", "adam")
BATCHES = {"full-batch": 0, "mini-batch": 10}
RTOL = 1e-9


def spirals():
    return make_dataset("spiral", n_samples=120, noise=0.1, test_ratio=0.2, seed=0)


def config(optimizer: str, batch: int, epochs: int = 200) -> TrainConfig:
    lr = 0.01 if optimizer == "adam" else 0.1
    return TrainConfig(
        learning_rate=lr, batch_size=batch, optimizer=optimizer, epochs=epochs, seed=3
    )


def network() -> Network:
    return Network.create([2, 8, 8, 1], activation="tanh", seed=1)


def run_in_two(optimizer: str, batch: int, carry_state: bool) -> tuple[list[float], Network]:
    data, net = spirals(), network()
    first = Trainer(net, data, config(optimizer, batch, epochs=100))
    losses = [s.train_loss for s in first.run()]
    state = first.state() if carry_state else None
    second = Trainer(net, data, config(optimizer, batch), start_epoch=100, state=state)
    losses += [s.train_loss for s in second.run()]
    return losses, net


@pytest.mark.parametrize("batch", list(BATCHES.values()), ids=list(BATCHES))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_100_plus_100_epochs_are_200_epochs(optimizer, batch):
    net = network()
    whole = [s.train_loss for s in train(net, spirals(), config(optimizer, batch))]
    halves, continued = run_in_two(optimizer, batch, carry_state=True)
    assert len(halves) == len(whole) == 200
    np.testing.assert_allclose(halves, whole, rtol=RTOL, atol=0)
    np.testing.assert_allclose(continued.parameters, net.parameters, rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize(("optimizer", "batch"), [("sgd", 10), ("momentum", 0), ("adam", 0)])
def test_without_the_state_a_continued_run_is_another_run(optimizer, batch):
    # What the state fixes: a fresh optimiser or a shuffle back at epoch 1's order.
    whole = [s.train_loss for s in train(network(), spirals(), config(optimizer, batch))]
    halves, _ = run_in_two(optimizer, batch, carry_state=False)
    assert abs(halves[-1] - whole[-1]) > 1e-6 * abs(whole[-1])


def test_the_state_is_plain_data_of_copies():
    data, net = spirals(), network()
    trainer = Trainer(net, data, config("adam", 10, epochs=5))
    list(trainer.run())
    state = trainer.state()
    assert isinstance(state, TrainerState)
    assert state.epoch == 5
    assert state.optimizer.name == "adam"
    assert state.optimizer.steps == 5 * 10  # 96 training examples in batches of 10
    assert set(state.optimizer.buffers) == {"m", "v"}
    m = state.optimizer.buffers["m"]
    assert not m.flags.writeable
    assert not np.shares_memory(m, trainer.optimizer.m)
    assert state.shuffle.seed == 3
    assert state.nbytes >= 2 * net.parameters.nbytes
    # Training on changes the trainer, never the state handed out.
    kept = m.copy()
    trainer.run_epoch()
    assert np.array_equal(state.optimizer.buffers["m"], kept)
    assert trainer.state().optimizer.steps == 60


def test_a_trainer_state_continues_where_it_was_taken_whatever_came_after():
    # Taken at epoch 3 and used twice: both continuations are the same run.
    data, net = spirals(), network()
    trainer = Trainer(net, data, config("momentum", 10, epochs=None))
    for _ in range(3):
        trainer.run_epoch()
    state, start = trainer.state(), net.parameters.copy()
    trainer.run_epoch()
    after_one = net.parameters.copy()
    net.parameters[:] = start
    Trainer(net, data, config("momentum", 10, epochs=None), state=state).run_epoch()
    assert np.array_equal(net.parameters, after_one)


def test_the_shuffle_state_is_numpys_own():
    generator = np.random.default_rng(7)
    generator.permutation(10)
    shuffle = ShuffleState.of(7, generator)
    assert shuffle.as_numpy() == generator.bit_generator.state
    assert np.array_equal(shuffle.generator().permutation(50), generator.permutation(50))
    assert ShuffleState.start(7).generator().permutation(5).tolist() == (
        np.random.default_rng(7).permutation(5).tolist()
    )


def test_the_epoch_comes_from_the_state_and_must_agree():
    data, net = spirals(), network()
    trainer = Trainer(net, data, config("sgd", 0, epochs=4))
    list(trainer.run())
    state = trainer.state()
    assert Trainer(net, data, config("sgd", 0), state=state).epoch == 4
    with pytest.raises(ConfigError, match="epoch 4"):
        Trainer(net, data, config("sgd", 0), start_epoch=7, state=state)


def test_another_optimiser_or_seed_starts_that_part_afresh_and_says_so():
    data, net = spirals(), network()
    trainer = Trainer(net, data, config("momentum", 10, epochs=2))
    list(trainer.run())
    state = trainer.state()
    same = Trainer(net.copy(), data, config("momentum", 10), state=state)
    assert same.notes == ()
    assert np.array_equal(same.optimizer.velocity, state.optimizer.buffers["velocity"])

    adam = Trainer(net.copy(), data, config("adam", 10), state=state)
    assert adam.optimizer.steps == 0
    assert any("optimiser is now adam" in note for note in adam.notes)
    assert adam.state().shuffle == state.shuffle  # the shuffle still goes on

    reseeded = Trainer(net.copy(), data, replace(config("momentum", 10), seed=4), state=state)
    assert any("shuffle seed is now 4" in note for note in reseeded.notes)
    assert reseeded.state().shuffle == ShuffleState.start(4)
    assert reseeded.optimizer.steps == state.optimizer.steps

    wider = Network.create([2, 9, 8, 1], activation="tanh", seed=1)
    grown = Trainer(wider, data, config("momentum", 10), state=state)
    assert any("shape changed" in note for note in grown.notes)
    assert not grown.optimizer.velocity.any()


def test_continuation_without_a_state_starts_everything_afresh_silently():
    carried = continuation(None, "adam", 0, 10)
    assert (carried.optimizer, carried.shuffle, carried.notes) == (None, None, ())


def test_a_seed_changed_mid_run_starts_that_seeds_shuffle_as_a_new_trainer_would():
    # Paused and resumed with another seed in the same trainer, or saved and continued
    # by a new trainer with that seed: the same run either way.
    data = spirals()
    a, b = network(), network()
    control = TrainingControl()
    snaps = []
    for snap in Trainer(a, data, config("adam", 10, epochs=6)).run(control):
        snaps.append(snap)
        if snap.epoch == 3:
            control.change_settings(seed=9)
    first = Trainer(b, data, config("adam", 10, epochs=3))
    list(first.run())
    second = Trainer(b, data, replace(config("adam", 10, epochs=6), seed=9), state=first.state())
    list(second.run())
    assert np.array_equal(a.parameters, b.parameters)


def test_a_run_that_diverges_starts_its_optimiser_afresh_at_the_last_good_epoch():
    data = make_dataset("reg-plane", n_samples=50, seed=0)
    net = Network.create([2, 4, 1], activation="relu", output_activation="linear", seed=0)
    trainer = Trainer(net, data, TrainConfig(learning_rate=0.05, optimizer="momentum"))
    trainer.run_epoch()
    trainer.set_config(replace(trainer.config, learning_rate=1e300))
    assert trainer.run_epoch().diverged
    state = trainer.state()
    assert state.epoch == 1
    # The velocity of the steps that blew up is not carried on.
    assert state.optimizer.steps == 0
    assert not state.optimizer.buffers["velocity"].any()


def test_an_optimizer_refuses_a_state_that_is_not_its_own():
    momentum = make_optimizer("momentum", 4, np.dtype(np.float64), 0.1)
    with pytest.raises(ConfigError, match="adam state"):
        momentum.load_state(make_optimizer("adam", 4, np.dtype(np.float64), 0.1).state())
    with pytest.raises(ConfigError, match="for 5 parameters"):
        momentum.load_state(OptimizerState("momentum", 1, {"velocity": np.zeros(5)}))
    with pytest.raises(ConfigError, match="holds velocity"):
        momentum.load_state(OptimizerState("momentum", 1, {}))
    state = OptimizerState("momentum", 3, {"velocity": np.arange(4.0)})
    momentum.load_state(state)
    assert momentum.steps == 3
    assert momentum.velocity.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_a_snapshot_can_carry_the_trainer_state_and_counts_its_memory():
    data, net = spirals(), network()
    trainer = Trainer(net, data, config("adam", 10, epochs=1))
    list(trainer.run())
    plain = Snapshot(1, net.parameters.copy())
    kept = plain._replace(trainer_state=trainer.state())
    assert plain.trainer_state is None
    assert kept.nbytes == plain.nbytes + trainer.state().nbytes
    assert kept.frozen().trainer_state is kept.trainer_state  # frozen data, shared as is


# -- momentum, with a learning rate that changes --------------------------------------------


def test_momentum_keeps_gradients_in_its_velocity_as_pytorch_does():
    # v ← μ·v + g, w ← w − η·v: the velocity holds no η, so after a change of η the
    # whole next step, the remembered part too, takes the new η.
    opt = make_optimizer("momentum", 1, np.dtype(np.float64), learning_rate=0.5, momentum=0.9)
    w = np.array([0.0])
    opt.step(w, np.array([2.0]), batch=2)  # g = 1
    assert opt.velocity.tolist() == [1.0]
    assert w.tolist() == [-0.5]
    opt.learning_rate = 0.1
    opt.step(w, np.array([2.0]), batch=2)
    assert opt.velocity.tolist() == [1.9]
    assert w[0] == pytest.approx(-0.5 - 0.1 * 1.9, rel=1e-15)
