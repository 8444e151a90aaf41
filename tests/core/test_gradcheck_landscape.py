"""Gradient check (pass counts, agreement, a broken backprop) and the weight landscape."""

import numpy as np
import pytest

from bpdesk.core import Network, gradient_check, weight_landscape, xor
from bpdesk.core.gradcheck import PASS_THRESHOLD


def spiral_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 2))
    T = (rng.uniform(size=(16, 1)) > 0.5).astype(float)
    return Network.create([2, 5, 4, 1], activation="tanh", seed=0), X, T


def test_pass_counts_are_two_per_parameter_against_two():
    net, X, T = spiral_problem()
    result = gradient_check(net, X, T)
    assert result.n_parameters == net.n_parameters == 3 * 5 + 6 * 4 + 5 * 1
    assert result.numerical_forward_passes == 2 * net.n_parameters
    assert result.backprop_passes == 2
    assert result.max_relative_error < PASS_THRESHOLD
    assert result.passed
    assert result.numerical_seconds > 0
    assert result.backprop_seconds > 0
    assert len(result.names) == net.n_parameters
    assert result.names[0] == "w(x1 → h1.1)"
    assert result.names[-1] == "b(ŷ)"


def test_the_check_leaves_the_network_unchanged():
    net, X, T = spiral_problem()
    before = net.parameters.copy()
    gradient_check(net, X, T)
    assert np.array_equal(net.parameters, before)


def test_a_broken_backprop_fails_the_check():
    net, X, T = spiral_problem()

    def wrong_derivative(network, X_, T_):
        # As if tanh'(z) were written 1 − tanh(z) instead of 1 − tanh(z)²:
        # scale the gradient of the first layer as a wrong factor would.
        grad = network.flat_gradient(X_, T_)[1]
        grad[: network.weights[0].size] *= 1.3
        return grad

    result = gradient_check(net, X, T, backprop=wrong_derivative)
    assert not result.passed
    assert result.max_relative_error > 0.1


def test_cancelling_stops_the_sweep_early():
    net, X, T = spiral_problem()
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 2

    result = gradient_check(net, X, T, should_stop=should_stop)
    assert result.cancelled
    assert 0 < result.completed < net.n_parameters
    assert result.numerical_forward_passes == 2 * result.completed


def test_float32_networks_are_checked_in_float64():
    net, X, T = spiral_problem()
    net32 = Network(net.layer_sizes, net.activations, dtype="float32", parameters=net.parameters)
    assert gradient_check(net32, X, T).passed


def test_landscape_tangent_slope_is_the_backprop_gradient():
    data = xor()
    net = Network.create([2, 2, 1], seed=0)
    before = net.parameters.copy()
    scape = weight_landscape(net, data.X_train, data.T_train, 1, 0, 0, learning_rate=0.5)
    _, dW, _ = net.gradients(data.X_train, data.T_train)
    assert scape.slope == pytest.approx(dW[1][0, 0], rel=1e-12)
    assert scape.current == net.weights[1][0, 0]
    assert scape.current_loss == pytest.approx(net.compute_loss(data.X_train, data.T_train))
    assert scape.step_to == pytest.approx(scape.current - 0.5 * scape.slope)
    assert np.array_equal(net.parameters, before)
    # The curve itself: its numerical slope at the current value matches the tangent.
    k = np.argmin(np.abs(scape.values - scape.current))
    h = scape.values[1] - scape.values[0]
    numerical = (scape.losses[k + 1] - scape.losses[k - 1]) / (2 * h)
    assert numerical == pytest.approx(scape.slope, rel=1e-2, abs=1e-4)
    assert scape.tangent(scape.current) == pytest.approx(scape.current_loss)


def test_landscape_of_a_bias_and_the_landing_loss():
    data = xor()
    net = Network.create([2, 2, 1], seed=3)
    scape = weight_landscape(net, data.X_train, data.T_train, 0, None, 1, learning_rate=0.1)
    net.biases[0][1] = scape.step_to
    assert scape.step_loss == pytest.approx(net.compute_loss(data.X_train, data.T_train))


def test_nudges_across_a_relu_kink_are_marked_and_left_out_of_the_verdict():
    # XOR's (0, 0) with zero biases puts every hidden z exactly on ReLU's kink:
    # there central differences average two slopes, and backprop takes one.
    data = xor()
    net = Network.create([2, 4, 1], activation="relu", init="xavier", seed=0)
    result = gradient_check(net, data.X_train, data.T_train)
    raw = result.relative_errors[: result.completed]
    assert raw.max() > PASS_THRESHOLD  # compared blindly, the kinks would fail it
    assert result.n_kinks > 0
    assert result.passed
    assert result.max_relative_error < PASS_THRESHOLD
    assert np.all(raw[~result.kinks] < PASS_THRESHOLD)
    assert result.summary()["kinks"] == result.n_kinks
    # Off the kink nothing is marked: the same network with non-zero biases.
    for b in net.biases:
        b += 0.1
    assert gradient_check(net, data.X_train, data.T_train).n_kinks == 0


def test_a_network_without_kinks_marks_none():
    net, X, T = spiral_problem()
    result = gradient_check(net, X, T)
    assert result.n_kinks == 0
    assert not result.kinks.any()
