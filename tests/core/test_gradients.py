"""Backprop against central differences, for every activation and loss."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bpdesk.core import Network
from bpdesk.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS

# Output layers each loss accepts (bce needs sigmoid, ce needs softmax).
OUTPUTS = {
    "mse": ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"],
    "bce": ["sigmoid"],
    "ce": ["softmax"],
}
COMBINATIONS = [
    (h, loss, out) for h in HIDDEN_ACTIVATIONS for loss in OUTPUTS for out in OUTPUTS[loss]
]


def numerical_gradient(net: Network, X, T, h=1e-4) -> np.ndarray:
    """Five-point central differences, written independently of the engine's check.

    The two-point difference is only good to about eps² times the third
    derivative (~1e-10), more than 1e-6 of a gradient near 1e-4; the
    five-point stencil's error shrinks with h⁴, so the reference is far more
    exact than the bound the tests hold backprop to.
    """
    p = net.parameters
    grad = np.empty(p.size)
    for k in range(p.size):
        old = p[k]
        f = []
        for step in (2, 1, -1, -2):
            p[k] = old + step * h
            f.append(net.compute_loss(X, T))
        p[k] = old
        grad[k] = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h)
    return grad


# Central differences straddling a ReLU kink measure a mix of both slopes;
# a problem with a pre-activation this close to 0 is no test of backprop.
KINK_MARGIN = 1e-2


def clear_of_kinks(net: Network, X) -> bool:
    """True when no ReLU/leaky-ReLU pre-activation lies within KINK_MARGIN of 0."""
    _, cache = net.forward(X)
    return all(
        np.abs(z).min() >= KINK_MARGIN
        for z, act in zip(cache.zs, net.activations)
        if act in ("relu", "leaky_relu")
    )


def flatten(dW, db) -> np.ndarray:
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(dW, db)])


def random_problem(sizes, hidden, loss, output, seed, batch):
    rng = np.random.default_rng(seed)
    net = Network.create(sizes, activation=hidden, output_activation=output, loss=loss, seed=seed)
    # Random, non-zero biases: with zero biases an all-dead ReLU layer puts the
    # next z exactly on a kink, where central differences are meaningless.
    for b in net.biases:
        b[:] = rng.normal(0, 0.5, b.shape)
    X = rng.normal(0, 1, (batch, sizes[0]))
    if loss == "ce" or output == "softmax":
        T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    elif loss == "bce":
        T = (rng.uniform(size=(batch, sizes[-1])) > 0.5).astype(float)
    else:
        T = rng.uniform(0, 1, (batch, sizes[-1]))
    return net, X, T


def relative_error(a, b):
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-4)


@settings(max_examples=120, deadline=None)
@given(
    combo=st.sampled_from(COMBINATIONS),
    hidden_sizes=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
    batch=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_backprop_equals_central_differences(combo, hidden_sizes, n_in, n_out, batch, seed):
    hidden, loss, output = combo
    if output == "softmax":
        n_out = max(n_out, 2)
    sizes = [n_in, *hidden_sizes, n_out]
    net, X, T = random_problem(sizes, hidden, loss, output, seed, batch)
    assume(clear_of_kinks(net, X))
    _, dW, db = net.gradients(X, T)
    backprop = flatten(dW, db)
    numerical = numerical_gradient(net, X, T)
    assert relative_error(backprop, numerical).max() < 1e-6


@pytest.mark.parametrize(("hidden", "loss", "output"), COMBINATIONS)
def test_every_combination_on_a_fixed_deep_network(hidden, loss, output):
    net, X, T = random_problem([3, 5, 4, 3], hidden, loss, output, seed=7, batch=5)
    loss_value, dW, db = net.gradients(X, T)
    assert np.isfinite(loss_value)
    assert relative_error(flatten(dW, db), numerical_gradient(net, X, T)).max() < 1e-6


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if ACTIVATIONS[n].elementwise])
def test_activation_derivative_matches_central_difference(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-6, 6, 97).reshape(1, -1) + 0.013  # avoid ReLU's kink at exactly 0
    a = act(z)
    eps = 1e-6
    numerical = (act(z + eps) - act(z - eps)) / (2 * eps)
    assert np.allclose(act.derivative(z, a), numerical, atol=1e-8)


def test_softmax_backward_is_the_jacobian_product():
    act = ACTIVATIONS["softmax"]
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 1))  # feature-major: 4 classes, 1 sample
    a = np.empty_like(z)
    act.forward(z, a)
    jac = np.diag(a[:, 0]) - np.outer(a[:, 0], a[:, 0])
    g = rng.normal(size=(4, 1))
    out = g.copy()
    act.backward(out, z, a, np.empty_like(z))
    assert np.allclose(out[:, 0], jac.T @ g[:, 0])


def test_sigmoid_never_overflows_and_is_exact_in_the_middle():
    act = ACTIVATIONS["sigmoid"]
    with np.errstate(all="raise"):
        out = act(np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]]))
    assert out[0, 0] == 0.0
    assert out[0, -1] == 1.0
    assert out[0, 2] == 0.5
    z = np.linspace(-20, 20, 41)
    assert np.allclose(act(z), 1 / (1 + np.exp(-z)), rtol=1e-12, atol=1e-16)


def test_losses_match_their_formulas():
    y = np.array([[0.2], [0.9]])
    t = np.array([[0.0], [1.0]])
    mse = Network.create([1, 1], loss="mse")
    # ½(y − t)² averaged over the batch: (½·0.04 + ½·0.01) / 2
    assert mse.loss_function.value(y.T, t.T, None) == pytest.approx(0.0125)
    z = np.log(y / (1 - y))
    bce = Network.create([1, 1], loss="bce").loss_function
    expected = -np.mean(t * np.log(y) + (1 - t) * np.log(1 - y))
    assert bce.value(y.T, t.T, z.T) == pytest.approx(expected)
    logits = np.array([[1.0, 2.0, 0.5]]).T
    p = np.exp(logits) / np.exp(logits).sum()
    ce = Network.create([1, 3], loss="ce").loss_function
    assert ce.value(p, np.array([[0.0, 1.0, 0.0]]).T, logits) == pytest.approx(-np.log(p[1, 0]))


def test_bce_loss_stays_finite_when_the_sigmoid_saturates():
    net = Network.create([1, 1], loss="bce", init="xavier")  # its bias starts at 0
    net.weights[0][0, 0] = 100.0
    loss = net.compute_loss(np.array([[10.0]]), np.array([[0.0]]))
    assert loss == pytest.approx(1000.0)


def test_float32_network_agrees_with_float64():
    net64, X, T = random_problem([2, 5, 1], "tanh", "mse", "sigmoid", seed=3, batch=8)
    net32 = Network(
        net64.layer_sizes, net64.activations, dtype="float32", parameters=net64.parameters
    )
    assert net32.parameters.dtype == np.float32
    l64, g64 = net64.flat_gradient(X, T)
    l32, g32 = net32.flat_gradient(X, T)
    assert g32.dtype == np.float32
    assert l32 == pytest.approx(l64, rel=1e-5)
    assert np.allclose(g32, g64, rtol=1e-3, atol=1e-6)


def test_forward_cache_holds_every_layer_batch_as_rows():
    net, X, _ = random_problem([3, 4, 2], "relu", "mse", "sigmoid", seed=1, batch=5)
    y, cache = net.forward(X)
    assert [a.shape for a in cache.activations] == [(5, 3), (5, 4), (5, 2)]
    assert [z.shape for z in cache.zs] == [(5, 4), (5, 2)]
    assert np.allclose(cache.activations[0], X)
    z0 = X @ net.weights[0] + net.biases[0]
    assert np.allclose(cache.zs[0], z0)
    assert np.allclose(cache.activations[1], np.maximum(z0, 0))
    assert np.allclose(y, net.predict(X))


def test_weights_are_writable_views():
    net = Network.create([2, 3, 1], seed=0)
    net.weights[0][1, 2] = 5.0
    assert net.parameters[net.weight_index(0, 1, 2)] == 5.0
    net.biases[1] = [0.25]
    assert net.parameters[net.bias_index(1, 0)] == 0.25
    with pytest.raises(ValueError, match="shape"):
        net.weights[0] = np.zeros((3, 3))
