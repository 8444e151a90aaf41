"""The explainer's single-weight example: the ``se`` loss, the one-weight model and its readout."""

import numpy as np
import pytest

from bpdesk.core import LOSSES, Network, weight_landscape, xor
from bpdesk.core.bpnet import BpnetDocument, dumps, loads
from bpdesk.core.landscape import (
    landscape_readout,
    single_weight_dataset,
    single_weight_network,
)


def numerical_gradient(net: Network, X, T, eps=1e-6) -> np.ndarray:
    """Central differences of the batch-mean loss, one parameter at a time."""
    p = net.parameters
    grad = np.empty(p.size)
    for k in range(p.size):
        old = p[k]
        p[k] = old + eps
        plus = net.compute_loss(X, T)
        p[k] = old - eps
        minus = net.compute_loss(X, T)
        p[k] = old
        grad[k] = (plus - minus) / (2 * eps)
    return grad


def flatten(dW, db) -> np.ndarray:
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(dW, db)])


def explainer_readout(w=0.5):
    data = single_weight_dataset()
    return landscape_readout(single_weight_network(w), data.X_train, data.T_train, 0, 0, 0)


# -- the se loss ----------------------------------------------------------------------


def test_se_is_registered_and_is_twice_mse():
    se, mse = LOSSES["se"], LOSSES["mse"]
    rng = np.random.default_rng(0)
    y, t = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))  # feature-major: 3 outputs, 5 samples
    expected = ((y - t) ** 2).sum(axis=0)
    assert np.allclose(se.per_sample(y, t, y), expected)
    assert se.value(y, t, y) == pytest.approx(expected.mean(), rel=1e-14)
    assert se.value(y, t, y) == pytest.approx(2 * mse.value(y, t, y), rel=1e-14)
    assert np.array_equal(se.grad_output(y, t), 2 * (y - t))
    assert se.fused is None


SE_CASES = [
    (output, sizes)
    for output in ["linear", "sigmoid", "tanh", "leaky_relu", "softmax"]
    for sizes in [[1, 1], [3, 2], [2, 4, 3], [3, 5, 4, 2]]
    if output != "softmax" or sizes[-1] >= 2  # a softmax needs two output neurons
]


@pytest.mark.parametrize(("output", "sizes"), SE_CASES)
def test_se_backprop_equals_central_differences(output, sizes):
    rng = np.random.default_rng(len(sizes) * 10 + sizes[-1])
    net = Network.create(sizes, activation="tanh", output_activation=output, loss="se", seed=3)
    for b in net.biases:
        b[:] = rng.normal(0, 0.5, b.shape)
    X = rng.normal(0, 1, (6, sizes[0]))
    T = rng.uniform(0, 1, (6, sizes[-1]))
    loss, dW, db = net.gradients(X, T)
    y = net.predict(X)
    assert loss == pytest.approx(((y - T) ** 2).sum(axis=1).mean(), rel=1e-12)
    backprop = flatten(dW, db)
    numerical = numerical_gradient(net, X, T)
    scale = np.maximum(np.maximum(np.abs(backprop), np.abs(numerical)), 1e-4)
    assert (np.abs(backprop - numerical) / scale).max() < 1e-6


def test_se_gradient_is_twice_the_mse_gradient():
    data = xor()
    se = Network.create([2, 3, 1], loss="se", seed=4)
    mse = Network(se.layer_sizes, se.activations, loss="mse", parameters=se.parameters)
    _, g_se = se.flat_gradient(data.X_train, data.T_train)
    _, g_mse = mse.flat_gradient(data.X_train, data.T_train)
    assert np.allclose(g_se, 2 * g_mse, rtol=1e-13, atol=0)


# -- the single-weight model ---------------------------------------------------------------


def test_the_single_weight_model_reads_exactly_as_the_explainer():
    net, data = single_weight_network(), single_weight_dataset()
    assert net.layer_sizes == (1, 1)
    assert net.activations == ("linear",)
    assert net.loss == "se"
    assert net.weights[0][0, 0] == 0.5
    assert net.biases[0][0] == 0.0
    assert data.kind == "regression"
    assert data.X_train.tolist() == [[1.0]]
    assert data.T_train.tolist() == [[2.0]]
    assert data.n_test == 0
    loss, dW, db = net.gradients(data.X_train, data.T_train)
    assert net.predict(data.X_train)[0, 0] == 0.5
    assert loss == 2.25
    assert dW[0][0, 0] == -3.0
    # The explainer's model has no bias: one parameter, and a step moves only w.
    assert not net.has_bias
    assert net.n_parameters == 1
    assert db[0][0] == 0.0


def test_readout_strings_for_a_negative_gradient():
    r = explainer_readout()
    assert (r.output, r.target, r.loss, r.gradient) == ((0.5,), (2.0,), 2.25, -3.0)
    assert r.parameter == "w(x1 → ŷ)"
    assert r.value == 0.5
    assert r.rows == 1
    assert r.output_text == "0.50 × 1 = 0.50"
    assert r.target_text == "2"
    assert r.loss_text == "(0.50 − 2)² = 2.25"
    assert r.gradient_text == "−3.00"
    assert r.sign == -1
    assert r.sign_text == "negative (↘ increasing weight decreases error)"
    assert r.suggestion == "Increase the weight to reduce error"
    assert "−3.00" in r.meaning


def test_readout_strings_for_a_positive_gradient():
    r = explainer_readout(3.0)
    assert r.output_text == "3.00 × 1 = 3.00"
    assert r.loss_text == "(3.00 − 2)² = 1.00"
    assert r.gradient_text == "2.00"
    assert r.sign == 1
    assert r.sign_text == "positive (↗ increasing weight increases error)"
    assert r.suggestion == "Decrease the weight to reduce error"


def test_readout_strings_at_the_minimum():
    r = explainer_readout(2.0)
    assert r.loss == 0.0
    assert r.gradient == 0.0
    assert r.gradient_text == "0.00"
    assert r.sign == 0
    assert r.sign_text == "zero (flat: this weight does not change the error here)"
    assert "weight" in r.suggestion


def test_a_bias_is_named_a_bias():
    # The one-weight model with a bias added: ŷ = w·x + b.
    net = Network([1, 1], ["linear"], loss="se", parameters=np.array([0.5, -0.25]))
    data = single_weight_dataset()
    r = landscape_readout(net, data.X_train, data.T_train, 0, None, 0)
    assert r.parameter == "b(ŷ)"
    assert r.output_text == "0.50 × 1 − 0.25 = 0.25"
    assert r.gradient == pytest.approx(2 * (0.25 - 2))
    assert r.sign_text == "negative (↘ increasing bias decreases error)"
    assert r.suggestion == "Increase the bias to reduce error"


def test_readout_of_a_batch_mean_agrees_with_the_engine():
    data = xor()
    net = Network.create([2, 2, 1], loss="mse", seed=1)
    r = landscape_readout(net, data.X_train, data.T_train, 0, 1, 0)
    loss, dW, _ = net.gradients(data.X_train, data.T_train)
    assert r.rows == 4
    assert r.loss == pytest.approx(loss, rel=1e-12)
    assert r.gradient == pytest.approx(dW[0][1, 0], rel=1e-12)
    assert r.output[0] == pytest.approx(net.predict(data.X_train).mean(), rel=1e-12)
    assert r.target == (0.5,)
    assert "over 4 examples" in r.output_text
    assert r.target_text == "0.50 (mean of 4 examples)"
    assert r.loss_text.startswith("mean squared error, mean over 4 examples = ")
    assert r.sign_text.startswith("negative" if r.gradient < 0 else "positive")


def test_landscape_of_the_single_weight_is_the_parabola():
    net, data = single_weight_network(), single_weight_dataset()
    scape = weight_landscape(net, data.X_train, data.T_train, 0, 0, 0, learning_rate=0.5)
    assert np.allclose(scape.losses, (scape.values - 2.0) ** 2, rtol=1e-12, atol=1e-12)
    assert (scape.current, scape.current_loss, scape.slope) == (0.5, 2.25, -3.0)
    # One step with η = 0.5 lands exactly on the minimum.
    assert scape.step_to == 2.0
    assert scape.step_loss == 0.0


def test_a_given_value_range_is_swept_as_it_is():
    net, data = single_weight_network(), single_weight_dataset()
    scape = weight_landscape(
        net, data.X_train, data.T_train, 0, 0, 0, points=9, value_range=(-1.0, 3.0)
    )
    assert scape.values.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert scape.current == 0.5
    assert net.weights[0][0, 0] == 0.5  # left as it was


def test_an_earlier_curve_is_reused_and_the_point_moves_along_it():
    net, data = single_weight_network(), single_weight_dataset()
    X, T = data.X_train, data.T_train
    first = weight_landscape(net, X, T, 0, 0, 0, learning_rate=0.1)
    net.weights[0][0, 0] = 1.5
    moved = weight_landscape(net, X, T, 0, 0, 0, learning_rate=0.1, curve=first)
    assert moved.values is first.values
    assert moved.losses is first.losses
    assert (moved.current, moved.current_loss, moved.slope) == (1.5, 0.25, -1.0)
    assert moved.step_to == pytest.approx(1.6)
    assert moved.step_loss == pytest.approx(0.16)
    swept = weight_landscape(net, X, T, 0, 0, 0, value_range=(first.values[0], first.values[-1]))
    assert np.allclose(swept.losses, first.losses, rtol=1e-14)


def test_bpnet_round_trip_keeps_the_se_loss():
    net, data = single_weight_network(), single_weight_dataset()
    text = dumps(BpnetDocument(network=net, dataset=data))
    assert '"se"' in text
    back = loads(text)
    assert back.network.loss == "se"
    assert back.network.activations == ("linear",)
    assert np.array_equal(back.network.parameters, net.parameters)
    assert back.dataset.same_data(data)
    loss, dW, _ = back.network.gradients(back.dataset.X_train, back.dataset.T_train)
    assert (loss, dW[0][0, 0]) == (2.25, -3.0)
