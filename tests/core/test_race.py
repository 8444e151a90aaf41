"""The race of random search, nudging and backprop: honest counts on one budget."""

import math

import numpy as np
import pytest

from bpdesk.core import ConfigError, Network, TrainConfig, Trainer, make_dataset
from bpdesk.core.datasets import Dataset
from bpdesk.core.race import (
    CURVE_POINTS,
    Backprop,
    Nudging,
    Race,
    RandomSearch,
    check_budget,
)
from bpdesk.core.race_result import KNOBS, scaled_sizes

XOR = make_dataset("xor")
CONFIG = TrainConfig(learning_rate=0.5, seed=1)


def _net(seed: int = 2, sizes=(2, 2, 1)) -> Network:
    return Network.create(
        list(sizes), activation="sigmoid", output_activation="sigmoid", loss="mse", seed=seed
    )


def _finish(racer, turn: float = 10.0):
    while not racer.done:
        racer.turn(turn)
    return racer.result()


def test_random_search_pays_one_pass_for_the_start_and_one_per_trial():
    racer = RandomSearch(_net(), XOR, CONFIG, 1001, 0.01, scale=0.1, seed=3)
    result = _finish(racer)
    assert result.forward_passes == 1001  # the budget, exactly
    assert result.trials == 1000
    assert 0 < result.updates < result.trials  # the changes kept
    # The loss it reports is the loss of the weights it holds.
    assert result.final_loss == pytest.approx(
        racer.network.compute_loss(XOR.X_train, XOR.T_train), rel=1e-12
    )
    start = _net().compute_loss(XOR.X_train, XOR.T_train)
    assert result.final_loss < start
    # Never a step up: the curve only falls.
    assert np.all(np.diff(result.curve_losses) <= 0)


def test_random_search_is_the_same_for_the_same_seed_however_its_turns_fall():
    one = _finish(RandomSearch(_net(), XOR, CONFIG, 3000, 0.01, scale=0.1, seed=5))
    racer = RandomSearch(_net(), XOR, CONFIG, 3000, 0.01, scale=0.1, seed=5)
    while not racer.done:
        racer.turn(0.0)  # one trial a turn
    two = racer.result()
    assert two.final_loss == one.final_loss
    assert two.updates == one.updates


def test_nudging_pays_two_passes_per_parameter_per_update():
    net = _net()
    n = net.n_parameters  # 9
    budget = 10 * 2 * n + 7  # ten updates and change: the change is not spent
    result = _finish(Nudging(net, XOR, CONFIG, budget, 0.01))
    assert result.passes_per_update == 2 * n == 18
    assert result.updates == 10
    assert result.forward_passes == 10 * 18 == 180
    assert result.trials == result.updates


def test_a_nudging_update_is_a_gradient_descent_step_with_the_measured_gradient():
    net = _net()
    nudge = Nudging(net, XOR, CONFIG, 18, 0.01)
    backprop = Backprop(net, XOR, CONFIG, 2, 0.01)
    _finish(nudge)
    _finish(backprop)
    assert nudge.updates == backprop.updates == 1
    # The same step, with the gradient measured instead of computed.
    assert np.allclose(nudge.network.parameters, backprop.network.parameters, atol=1e-8)
    assert not np.array_equal(nudge.network.parameters, net.parameters)


def test_nudging_cannot_start_an_update_it_cannot_pay_for():
    result = _finish(Nudging(_net(), XOR, CONFIG, 17, 0.01))
    assert result.updates == 0
    assert result.forward_passes == 0
    assert "18 forward passes" in result.note


def test_backprop_costs_two_passes_an_update_and_is_the_trainers_backprop():
    net = _net()
    racer = Backprop(net, XOR, CONFIG, 2 * 500 + 1, 0.01)
    result = _finish(racer)
    assert result.updates == 500
    assert result.forward_passes == 1000
    assert result.passes_per_update == 2
    trained = net.copy()
    trainer = Trainer(trained, XOR, TrainConfig(learning_rate=0.5, epochs=500))
    for _ in trainer.run():
        pass
    assert np.array_equal(racer.network.parameters, trained.parameters)
    assert result.final_loss == trained.compute_loss(XOR.X_train, XOR.T_train)


def test_the_optimiser_and_regularisation_are_the_training_settings():
    config = TrainConfig(learning_rate=0.05, optimizer="adam", regularization="l2", reg_rate=0.01)
    net = _net()
    racer = Backprop(net, XOR, config, 200, 0.01)
    _finish(racer)
    trained = net.copy()
    trainer = Trainer(trained, XOR, TrainConfig(**{**config.to_dict(), "epochs": 100}))
    for _ in trainer.run():
        pass
    assert np.array_equal(racer.network.parameters, trained.parameters)
    nudge = Nudging(net, XOR, config, 18 * 3, 0.01)
    _finish(nudge)
    three = net.copy()
    for _ in Trainer(three, XOR, TrainConfig(**{**config.to_dict(), "epochs": 3})).run():
        pass
    assert np.allclose(nudge.network.parameters, three.parameters, atol=1e-7)


@pytest.mark.parametrize("budget", [2, 3, 19, 1000, 12_345])
def test_nobody_goes_over_the_budget(budget):
    race = Race(_net(), XOR, CONFIG, budget=budget)
    for _ in race.rounds(turn=0.01):
        pass
    result = race.result()
    assert result.finished
    random, nudge, backprop = (result.method(m) for m in ("random", "nudge", "backprop"))
    assert random.forward_passes == budget
    assert backprop.forward_passes == 2 * (budget // 2)
    assert backprop.updates == budget // 2
    assert nudge.updates == budget // 18
    assert nudge.forward_passes == 18 * (budget // 18)
    for m in result.methods:
        assert m.forward_passes <= budget
        if len(m.curve_passes):
            assert m.curve_passes[-1] == m.forward_passes  # the last point is where it ended
            assert np.all(np.diff(m.curve_passes) > 0)
            assert m.curve_losses[-1] == m.final_loss


def test_all_three_start_from_the_same_weights_and_leave_the_network_alone():
    net = _net()
    before = net.parameters.copy()
    race = Race(net, XOR, CONFIG, budget=100)
    for racer in race.racers:
        assert np.array_equal(racer.network.parameters, before)
        assert racer.network.parameters is not net.parameters
    race.run()
    assert np.array_equal(net.parameters, before)


def test_a_float32_network_races_in_float64():
    net = Network.create([2, 2, 1], seed=2, dtype="float32")
    race = Race(net, XOR, CONFIG, budget=100)
    assert all(r.network.dtype == np.float64 for r in race.racers)


def test_curves_stay_short_however_long_the_race():
    racer = RandomSearch(_net(), XOR, CONFIG, 60_000, 0.01, scale=0.1, seed=1)
    result = _finish(racer)
    assert result.forward_passes == 60_000
    assert len(result.curve_passes) <= CURVE_POINTS + 1 <= 2000
    assert len(result.curve_passes) == len(result.curve_seconds) == len(result.curve_losses)
    assert result.curve_passes[0] == 1  # the starting loss, after its one pass
    assert np.all(np.diff(result.curve_seconds) >= 0)


def test_the_target_is_noted_the_first_time_a_method_reaches_it():
    result = _finish(Backprop(_net(), XOR, TrainConfig(learning_rate=2.0), 40_000, 0.01))
    reached = result.passes_to_target
    assert reached is not None
    assert reached % 2 == 0
    k = int(np.searchsorted(result.curve_passes, reached))
    assert result.curve_losses[k] <= 0.01
    assert np.all(result.curve_losses[result.curve_passes < reached] > 0.01)
    assert 0 < result.seconds_to_target <= result.seconds


def test_nudging_a_big_network_stops_between_batches_of_parameters():
    rng = np.random.default_rng(0)
    data = Dataset(
        "binary", rng.normal(size=(50, 64)), (rng.uniform(size=(50, 1)) > 0.5) * 1.0, [], []
    )
    net = Network.create([64, 200, 20, 1], activation="tanh", seed=0)
    assert net.n_parameters > 17_000
    racer = Nudging(net, data, CONFIG, 10**9, 0.01)
    racer.turn(0.0)  # a turn with no time left does one batch of parameters, and returns
    assert 0 < racer.forward_passes < 2 * net.n_parameters
    assert racer.updates == 0


def test_a_race_stopped_early_says_so_and_counts_what_it_did():
    race = Race(_net(), XOR, CONFIG, budget=10**7)
    rounds = race.rounds(turn=0.001)
    for _ in range(3):
        next(rounds)
    rounds.close()
    result = race.result()
    assert not result.finished
    assert all(0 < m.forward_passes < 10**7 for m in result.methods)
    assert "yet" in result.verdict() or "has not yet" in result.verdict()


def test_the_verdict_names_passes_to_the_target():
    race = Race(_net(), XOR, TrainConfig(learning_rate=2.0, seed=1), budget=40_000, scale=0.1)
    result = race.run()
    text = result.verdict()
    backprop = result.method("backprop")
    assert f"after {backprop.passes_to_target:,} passes" in text or (
        f"needed {backprop.passes_to_target:,}" in text
    )
    assert result.projection is not None
    assert "10,000 knobs" in result.projection_text()
    assert result.projection.passes_per_update("nudge") == 20_000
    assert result.projection.forward_seconds > 0
    summary = result.summary()
    assert set(summary["methods"]) == {"random", "nudge", "backprop"}
    assert summary["parameters"] == 9


def test_the_projection_grows_the_network_to_ten_thousand_knobs():
    for sizes in ([2, 2, 1], [2, 1], [64, 32, 16, 10], [2, 8, 8, 8, 1]):
        big = scaled_sizes(sizes)
        count = sum((a + 1) * b for a, b in zip(big, big[1:]))
        assert big[0] == sizes[0]
        assert big[-1] == sizes[-1]
        assert abs(count - KNOBS) < 0.05 * KNOBS, (sizes, big, count)


@pytest.mark.parametrize("bad", [0, 1, -3, 10**11, 2.5, True, "100"])
def test_a_budget_that_cannot_be_raced_is_refused(bad):
    with pytest.raises(ConfigError, match="budget"):
        check_budget(bad)


def test_a_race_that_cannot_run_is_refused_with_a_reason():
    with pytest.raises(ConfigError, match="does not fit"):
        Race(_net(sizes=(3, 2, 1)), XOR, CONFIG)
    with pytest.raises(ConfigError, match="scale"):
        Race(_net(), XOR, CONFIG, scale=0.0)


def test_a_diverging_backprop_stops_and_says_so():
    net = Network.create([2, 2, 1], activation="tanh", output_activation="linear", seed=2)
    result = _finish(Backprop(net, XOR, TrainConfig(learning_rate=1e6), 10_000, 0.01))
    assert result.done
    assert "diverged" in result.note
    assert result.forward_passes < 10_000
    assert not math.isfinite(result.final_loss)
