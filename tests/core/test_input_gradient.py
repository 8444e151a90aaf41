"""∂L/∂input by backprop agrees with central differences on several networks."""

import numpy as np
import pytest

from bpdesk.core import Network
from bpdesk.core.input_gradient import class_target, input_gradient, input_gradients

CASES = [
    # sizes, hidden activation, output activation, loss
    ([64, 16, 10], "relu", "softmax", "ce"),
    ([64, 12, 8, 10], "tanh", "softmax", "ce"),
    ([5, 4, 3], "sigmoid", "sigmoid", "mse"),
    ([6, 7, 2], "leaky_relu", "linear", "mse"),
    ([4, 1], "sigmoid", "sigmoid", "bce"),
]


def numerical(network: Network, x: np.ndarray, t: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.empty_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (network.compute_loss(up, t[None]) - network.compute_loss(down, t[None])) / (
            2 * h
        )
    return grad


@pytest.mark.parametrize(("sizes", "hidden", "output", "loss"), CASES)
def test_input_gradient_matches_central_differences(sizes, hidden, output, loss):
    rng = np.random.default_rng(len(sizes) * 100 + sizes[0])
    net = Network.create(sizes, activation=hidden, output_activation=output, loss=loss, seed=3)
    for _ in range(3):
        # Away from ReLU's kink: inputs with a margin would need luck; random ones are
        # almost surely off it, and a kink within h of z shows as a large error.
        x = rng.uniform(0.05, 1.0, sizes[0])
        if output == "softmax":
            label = int(rng.integers(sizes[-1]))
            t = class_target(net, label)
        elif loss == "bce":
            t = np.array([1.0])
        else:
            t = (
                rng.uniform(-1, 1, sizes[-1])
                if output == "linear"
                else rng.uniform(0, 1, sizes[-1])
            )
        analytic = input_gradients(net, x[None], t[None])[0]
        approx = numerical(net, x, t)
        scale = np.maximum(np.abs(analytic) + np.abs(approx), 1e-8)
        assert np.max(np.abs(analytic - approx) / scale) < 1e-6
        if output == "softmax":
            np.testing.assert_allclose(input_gradient(net, x, label), analytic)


def test_every_row_gets_its_own_gradient():
    net = Network.create([8, 5, 3], activation="tanh", loss="ce", seed=1)
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(4, 8))
    T = np.eye(3)[[0, 2, 1, 2]]
    together = input_gradients(net, X, T)
    apart = np.vstack([input_gradients(net, X[n : n + 1], T[n : n + 1]) for n in range(4)])
    np.testing.assert_allclose(together, apart, rtol=1e-12, atol=1e-15)


def test_the_target_is_a_class_of_the_network():
    net = Network.create([4, 3, 10], loss="ce")
    assert class_target(net, 7).tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    with pytest.raises(ValueError, match="outside"):
        class_target(net, 10)
