"""Sweeps: many networks trained at once are the networks a lone trainer trains.

Network k of a sweep must be, to rounding, the network ``Trainer`` trains from
``Network.create(..., seed=k)`` with ``TrainConfig(seed=k, learning_rate=η_k)``:
the same starting weights, mini-batches in the same order, the same steps, the
same divergence rules. Each test compares with those lone runs.
"""

import math
import threading
from dataclasses import replace

import numpy as np
import pytest

from bpdesk.core import ConfigError, Network, TrainConfig, Trainer, TrainingControl, xor
from bpdesk.core.datasets import Dataset, make_dataset
from bpdesk.core.sweep import Sweep, SweepRun, sweep_bytes, sweep_runs
from bpdesk.core.sweep_record import LossCurves

SEEDS = (1, 2, 5)
RATES = (0.05, 0.4)


def alone(template: Network, data, config: TrainConfig, run: SweepRun):
    """Network ``run`` trained by itself: ``(network, snapshots, trainer)``."""
    net = Network(
        template.layer_sizes,
        template.activations,
        loss=template.loss,
        init=template.init,
        seed=run.seed,
        dtype=template.dtype.name,
        bias=template.has_bias,
    )
    trainer = Trainer(net, data, replace(config, seed=run.seed, learning_rate=run.learning_rate))
    return net, list(trainer.run()), trainer


def final_loss(snapshots) -> float:
    good = [s for s in snapshots if not s.diverged]
    return good[-1].train_loss if good else snapshots[-1].train_loss


# (sizes, hidden, output, loss, dtype, dataset, settings): every activation, loss,
# optimiser and regularisation; full batch, mini-batches with a remainder; both types.
CONFIGURATIONS = {
    "xor sigmoid mse sgd full": (
        [2, 4, 1],
        "sigmoid",
        "sigmoid",
        "mse",
        "float64",
        xor(),
        {"epochs": 200},
    ),
    "blobs tanh softmax-ce adam mini": (
        [2, 5, 3],
        "tanh",
        "softmax",
        "ce",
        "float64",
        make_dataset("blobs", n_samples=60, seed=1),
        {"epochs": 30, "batch_size": 7, "optimizer": "adam"},
    ),
    "moons relu bce momentum l2 mini float32": (
        [2, 6, 4, 1],
        "relu",
        "sigmoid",
        "bce",
        "float32",
        make_dataset("moons", n_samples=50, seed=2),
        {
            "epochs": 25,
            "batch_size": 10,
            "optimizer": "momentum",
            "regularization": "l2",
            "reg_rate": 0.01,
        },
    ),
    "plane leaky-relu linear-mse momentum l1 full": (
        [2, 3, 1],
        "leaky_relu",
        "linear",
        "mse",
        "float64",
        make_dataset("reg-plane", n_samples=40, seed=3),
        {"epochs": 40, "optimizer": "momentum", "regularization": "l1", "reg_rate": 0.001},
    ),
    "circle tanh se adam mini float32": (
        [2, 4, 1],
        "tanh",
        "sigmoid",
        "se",
        "float32",
        make_dataset("circle", n_samples=40, seed=4),
        {"epochs": 15, "batch_size": 16, "optimizer": "adam"},
    ),
    "blobs sigmoid softmax-mse sgd full": (
        [2, 3, 3],
        "sigmoid",
        "softmax",
        "mse",
        "float64",
        make_dataset("blobs", n_samples=30, seed=5),
        {"epochs": 30},
    ),
}


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_each_network_is_the_one_a_lone_trainer_trains(name):
    sizes, hidden, output, loss, dtype, data, settings = CONFIGURATIONS[name]
    template = Network.create(
        sizes, activation=hidden, output_activation=output, loss=loss, dtype=dtype
    )
    config = TrainConfig(**settings)
    runs = sweep_runs(SEEDS, RATES)
    sweep = Sweep(template, data, config, runs)
    snapshots = list(sweep.run())
    result = sweep.result()
    assert len(snapshots) == config.epochs == result.epoch
    rtol = 1e-9 if dtype == "float64" else 1e-5
    for k, run in enumerate(runs):
        net, lone, _ = alone(template, data, config, run)
        assert not lone[-1].diverged
        losses = [s.losses[k] for s in snapshots]
        assert losses == pytest.approx([s.train_loss for s in lone], rel=rtol)
        np.testing.assert_allclose(result.parameters[k], net.parameters, rtol=rtol, atol=1e-12)
        assert result.network(k).parameters == pytest.approx(net.parameters, rel=rtol)
        assert result.final_losses[k] == pytest.approx(lone[-1].train_loss, rel=rtol)
        if lone[-1].train_accuracy is not None:
            assert result.train_accuracy[k] == lone[-1].train_accuracy
        if data.n_test:
            assert result.test_losses[k] == pytest.approx(lone[-1].test_loss, rel=rtol)
            if lone[-1].test_accuracy is not None:
                assert result.test_accuracy[k] == lone[-1].test_accuracy
    # The runs were different runs: seeds and rates changed the outcome.
    assert len(set(result.final_losses.tolist())) == len(runs)


@pytest.mark.parametrize("bias", [True, False])
def test_mixed_activations_and_no_biases_are_the_lone_trainers_too(bias):
    # A file may hold a network whose layers differ, or one without biases.
    template = Network([2, 4, 3, 1], ["tanh", "relu", "sigmoid"], loss="bce", bias=bias)
    data = make_dataset("moons", n_samples=30, seed=6)
    config = TrainConfig(epochs=20, batch_size=8, optimizer="momentum")
    runs = sweep_runs(SEEDS, RATES)
    sweep = Sweep(template, data, config, runs)
    list(sweep.run())
    result = sweep.result()
    for k, run in enumerate(runs):
        net, lone, _ = alone(template, data, config, run)
        np.testing.assert_allclose(result.parameters[k], net.parameters, rtol=1e-9, atol=1e-12)
        assert result.final_losses[k] == pytest.approx(lone[-1].train_loss, rel=1e-9)
        if not bias:
            assert not result.network(k).has_bias
            assert not np.any(net.blocks_of(result.parameters[k])[0][-1])  # biases stay 0
    assert len(set(result.final_losses.tolist())) == len(runs)


def test_runs_are_every_combination_rate_by_rate():
    assert sweep_runs([1, 2], [0.1, 1.0]) == (
        SweepRun(1, 0.1),
        SweepRun(2, 0.1),
        SweepRun(1, 1.0),
        SweepRun(2, 1.0),
    )


def test_the_template_weights_are_not_any_runs_start():
    template = Network.create([2, 4, 1], seed=7)
    template.parameters[:] = 123.0
    sweep = Sweep(template, xor(), TrainConfig(epochs=0), [SweepRun(7, 0.5)])
    start = sweep.result().parameters[0]
    assert np.array_equal(start, Network.create([2, 4, 1], seed=7).parameters)


def test_a_continued_network_goes_on_as_its_lone_run_would():
    # trainer_state(k) carries the optimiser and the shuffle: 6 epochs in the sweep and 4
    # alone are the 10 epochs of a lone run.
    data = make_dataset("moons", n_samples=30, seed=0)
    template = Network.create([2, 5, 1], activation="tanh")
    config = TrainConfig(epochs=6, batch_size=8, optimizer="adam")
    runs = sweep_runs([3, 4], [0.01, 0.05])
    sweep = Sweep(template, data, config, runs)
    list(sweep.run())
    result = sweep.result()
    for k, run in enumerate(runs):
        net = result.network(k)
        settings = replace(config, epochs=10, seed=run.seed, learning_rate=run.learning_rate)
        trainer = Trainer(net, data, settings, state=result.trainer_state(k))
        assert trainer.notes == ()
        list(trainer.run())
        whole, _, _ = alone(template, data, replace(config, epochs=10), run)
        np.testing.assert_allclose(net.parameters, whole.parameters, rtol=1e-9, atol=1e-12)


# -- divergence --------------------------------------------------------------------------


def test_a_diverging_network_stops_and_the_others_go_on():
    data = make_dataset("reg-plane", n_samples=40, seed=0)
    # A linear network: too large a step grows it geometrically, each seed at its own pace.
    template = Network.create([2, 4, 1], activation="linear", output_activation="linear")
    config = TrainConfig(epochs=60, optimizer="momentum")
    runs = sweep_runs([1, 2], [0.05, 1.0, 0.2])  # at 1.0 the loss overflows within 12 epochs
    sweep = Sweep(template, data, config, runs)
    running = [s.running for s in sweep.run()]
    result = sweep.result()
    assert running[0] == len(runs)
    assert running[-1] == 4  # the two networks at η = 1 left the stacks, one at a time
    assert sorted(set(running), reverse=True) == [6, 5, 4]
    assert running == sorted(running, reverse=True)
    for k, run in enumerate(runs):
        net, lone, _ = alone(template, data, config, run)
        last = lone[-1]
        assert result.diverged[k] == last.diverged == (run.learning_rate == 1.0)
        assert result.reasons[k] == last.reason
        assert result.epochs[k] == last.epoch
        assert result.final_losses[k] == pytest.approx(final_loss(lone), rel=1e-9)
        np.testing.assert_allclose(result.parameters[k], net.parameters, rtol=1e-9, atol=1e-12)
        if last.diverged:
            assert result.diverged_at[k] == last.epoch + 1
            assert result.reasons[k].startswith("the loss became ")
            assert np.isnan(result.curves[k, last.epoch :]).all()
            assert not result.converged[k]
        else:
            assert result.epochs[k] == 60
    # What each trainer would carry on with: a diverged one's optimiser starts afresh.
    diverged = int(np.flatnonzero(result.diverged)[0])
    state = result.trainer_state(diverged)
    assert state.optimizer.steps == 0
    assert not state.optimizer.buffers["velocity"].any()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_weights_growing_too_large_stop_one_network_at_a_finite_loss(dtype):
    # The scenario of test_divergence: a sigmoid classifier whose weights explode at η = 1e6.
    data = make_dataset("circle", seed=0)
    template = Network.create(
        [2, 4, 1], activation="tanh", output_activation="sigmoid", dtype=dtype
    )
    config = TrainConfig(regularization="l2", reg_rate=0.01, epochs=120)
    runs = [SweepRun(0, 1e6), SweepRun(0, 0.5)]
    sweep = Sweep(template, data, config, runs)
    list(sweep.run())
    result = sweep.result()
    net, lone, _ = alone(template, data, config, runs[0])
    assert lone[-1].diverged
    assert "the weights grew past" in lone[-1].reason
    assert result.reasons[0] == lone[-1].reason
    assert result.diverged.tolist() == [True, False]
    assert np.array_equal(result.parameters[0], net.parameters)
    assert math.isfinite(result.final_losses[0])
    assert result.epochs.tolist() == [lone[-1].epoch, 120]


def test_an_infinite_starting_loss_is_reported_as_the_trainer_reports_it():
    X = np.array([[0.0], [1.0], [2.0]])
    T = np.array([[1e200], [-1e200], [3e200]])
    data = Dataset("regression", X, T, X[:0], T[:0])
    template = Network.create([1, 4, 1], output_activation="linear")
    sweep = Sweep(template, data, TrainConfig(epochs=3), sweep_runs([0, 1], [0.1]))
    (snapshot,) = list(sweep.run())
    result = sweep.result()
    assert snapshot.running == 0
    assert snapshot.diverged == 2
    assert result.final_losses.tolist() == [math.inf, math.inf]
    assert result.epochs.tolist() == [0, 0]
    assert set(result.reasons) == {
        "the loss is infinite before any training: the targets or the weights are too large "
        "to compute with"
    }
    with pytest.raises(ConfigError, match="every network of this sweep has stopped"):
        sweep.run_epoch()


# -- progress, targets, curves --------------------------------------------------------------


def test_snapshots_count_epochs_networks_and_the_target():
    template = Network.create([2, 4, 1])
    runs = sweep_runs(range(6), [2.0])
    sweep = Sweep(template, xor(), TrainConfig(epochs=400), runs, target=0.05)
    snapshots = list(sweep.run())
    result = sweep.result()
    assert [s.epoch for s in snapshots] == list(range(1, 401))
    assert all(s.losses.shape == (6,) and s.running == 6 for s in snapshots)
    assert snapshots[-1].net_steps == result.net_steps == 6 * 400
    reached = [s.reached for s in snapshots]
    assert reached == sorted(reached)
    assert reached[-1] == np.count_nonzero(result.epochs_to_target > 0)
    for k, run in enumerate(runs):
        _, lone, _ = alone(template, xor(), TrainConfig(epochs=400), run)
        first = next((s.epoch for s in lone if s.train_loss < 0.05), -1)
        assert result.epochs_to_target[k] == first
    converged = result.final_losses < 0.05
    assert result.converged.tolist() == converged.tolist()
    assert result.converged_fraction == converged.mean()
    # A snapshot holds copies: the sweep going on does not change it.
    before = snapshots[0].losses.copy()
    sweep.run_epoch()
    assert np.array_equal(snapshots[0].losses, before)


def test_loss_curves_thin_themselves_and_keep_every_kept_epoch_exact():
    template = Network.create([2, 3, 1])
    sweep = Sweep(
        template, xor(), TrainConfig(epochs=37), sweep_runs([1, 2], [0.5]), curve_points=8
    )
    snapshots = list(sweep.run())
    result = sweep.result()
    assert sweep.curves.nbytes == 2 * 8 * 4
    assert result.curve_epochs.tolist() == [8, 16, 24, 32]
    for column, epoch in enumerate(result.curve_epochs):
        expected = snapshots[epoch - 1].losses.astype(np.float32)
        assert np.array_equal(result.curves[:, column], expected)


def test_curves_by_hand():
    curves = LossCurves(1, points=4)
    for epoch in range(1, 10):
        curves.record(epoch, np.array([float(epoch)]), None)
    assert curves.epochs().tolist() == [2, 4, 6, 8]
    assert curves.values().tolist() == [[2.0, 4.0, 6.0, 8.0]]


# -- control --------------------------------------------------------------------------------


def test_a_stop_request_ends_the_sweep_between_epochs():
    control = TrainingControl()
    sweep = Sweep(
        Network.create([2, 4, 1]), xor(), TrainConfig(epochs=None), sweep_runs([1], [0.5])
    )
    seen = []
    for snapshot in sweep.run(control):
        seen.append(snapshot.epoch)
        if snapshot.epoch == 5:
            control.request_stop()
    assert seen == [1, 2, 3, 4, 5]
    assert sweep.result().epochs.tolist() == [5]


def test_a_paused_sweep_waits_and_a_stop_from_another_thread_ends_it():
    control = TrainingControl()
    sweep = Sweep(
        Network.create([2, 4, 1]), xor(), TrainConfig(epochs=None), sweep_runs([1, 2], [0.5])
    )
    epochs = []

    def drive():
        for snapshot in sweep.run(control):
            epochs.append(snapshot.epoch)
            if snapshot.epoch == 3:
                control.pause()

    worker = threading.Thread(target=drive)
    worker.start()
    worker.join(0.5)
    assert worker.is_alive()
    assert epochs == [1, 2, 3]
    control.request_stop()
    worker.join(5)
    assert not worker.is_alive()
    assert epochs == [1, 2, 3]


def test_a_single_step_request_runs_one_epoch_then_pauses():
    control = TrainingControl()
    control.pause()
    control.request_step()
    sweep = Sweep(Network.create([2, 4, 1]), xor(), TrainConfig(epochs=10), sweep_runs([1], [0.5]))
    run = sweep.run(control)
    assert next(run).epoch == 1
    assert control.paused


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runs", "kwargs", "message"),
    [
        ([], {}, "a sweep needs at least one network"),
        ([SweepRun(1, 0.0)], {}, "the learning rate must be a positive number"),
        ([SweepRun(1, math.nan)], {}, "the learning rate must be a positive number"),
        ([SweepRun(-1, 0.5)], {}, "seed must be a whole number"),
        ([SweepRun(1, 0.5)], {"target": 0.0}, "the target loss must be a positive number"),
        ([SweepRun(1, 0.5)], {"target": math.inf}, "the target loss must be a positive number"),
        ([SweepRun(1, 0.5)] * 50, {"max_bytes": 10_000}, "50 networks like this would need"),
    ],
)
def test_bad_sweeps_are_refused(runs, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Sweep(Network.create([2, 4, 1]), xor(), TrainConfig(), runs, **kwargs)


def test_a_network_that_does_not_fit_the_data_is_refused():
    with pytest.raises(ConfigError, match="does not fit the dataset"):
        Sweep(Network.create([3, 4, 1]), xor(), TrainConfig(), [SweepRun(1, 0.5)])


@pytest.mark.parametrize(
    "settings", [{"batch_size": 10, "optimizer": "adam"}, {"optimizer": "momentum"}]
)
def test_memory_grows_with_the_networks_and_stays_within_the_estimate(settings):
    import tracemalloc

    data = make_dataset("moons", n_samples=200, seed=0)
    template = Network.create([2, 8, 1])
    config = TrainConfig(epochs=3, **settings)

    def peak(n_networks: int) -> int:
        tracemalloc.start()
        try:
            sweep = Sweep(template, data, config, sweep_runs(range(n_networks), [0.1]))
            list(sweep.run())
            sweep.result()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(50), peak(200)
    assert large < 4.5 * small  # linear in the networks (with a little fixed overhead)
    assert large < sweep_bytes(template, data, config, 200)
    assert sweep_bytes(template, data, config, 200) == 4 * sweep_bytes(template, data, config, 50)
