"""Divergence: a non-finite loss, and weights grown too large to compute with.

A sigmoid classifier can sit at a finite loss (0.25, saturated) while its
weights grow by 10⁴ an epoch towards 1e306: the run must stop there, put the
network back to its last sound epoch and say why, without a NumPy warning
(pytest turns any warning into an error here).
"""

import math
import re

import numpy as np
import pytest

from bpdesk.core import Network, TrainConfig, make_dataset, train
from bpdesk.core.datasets import Dataset

EXPLODING = TrainConfig(learning_rate=1e6, regularization="l2", reg_rate=0.01, epochs=500)


def exploding_run(dtype="float64", optimizer="sgd"):
    data = make_dataset("circle", seed=0)
    net = Network.create([2, 4, 1], activation="tanh", output_activation="sigmoid", dtype=dtype)
    config = TrainConfig(**{**EXPLODING.to_dict(), "optimizer": optimizer, "snapshot_every": 1})
    return net, list(train(net, data, config))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
@pytest.mark.parametrize(("dtype", "bound"), [("float64", "1.3e+154"), ("float32", "1.8e+19")])
def test_weights_growing_too_large_stop_the_run_at_a_finite_loss(optimizer, dtype, bound):
    net, snaps = exploding_run(dtype, optimizer)
    last = snaps[-1]
    assert last.diverged
    match = re.fullmatch(
        rf"the weights grew past {re.escape(bound)} at epoch (\d+) \(too large to compute "
        r"with\); the network was put back to epoch (\d+)\. Try a lower learning rate "
        r"\(it is 1e\+06\)\.",
        last.reason,
    )
    assert match, last.reason
    bad, back = map(int, match.groups())
    assert back == bad - 1 == last.epoch == snaps[-2].epoch
    assert len(snaps) < 100  # long before 500 epochs (and before 1e306)
    # The loss never stopped being a number: only the weights tell.
    assert all(math.isfinite(s.train_loss) for s in snaps)
    # Back at the last sound epoch: finite, within the bound, and what it reported.
    theta = net.parameters.astype(np.float64)
    assert np.array_equal(net.parameters, snaps[-2].parameters)
    assert math.sqrt(np.dot(theta, theta)) < float(bound)


def test_weights_just_within_the_bound_train_on():
    data = make_dataset("circle", seed=0)
    net = Network.create([2, 4, 1], activation="tanh", output_activation="sigmoid")
    net.parameters[:] = 1e152  # ‖θ‖ ≈ 4e152, below √max ≈ 1.3e154
    snaps = list(train(net, data, TrainConfig(learning_rate=0.1, epochs=5)))
    assert not any(s.diverged for s in snaps)
    assert len(snaps) == 5


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1e200, "the weights are past 1.3e+154 before any training (too large to compute with)"),
        (np.inf, "a weight is infinite before any training"),
    ],
)
def test_weights_too_large_from_the_start_are_named_as_such(value, reason):
    data = make_dataset("circle", seed=0)
    net = Network.create([2, 4, 1], activation="tanh", output_activation="sigmoid")
    net.parameters[3] = value  # as a crafted or an older file could hold
    (snap,) = list(train(net, data, TrainConfig(learning_rate=0.1, epochs=5)))
    assert snap.diverged
    assert snap.epoch == 0
    assert snap.reason == reason
    assert math.isfinite(snap.train_loss)  # a saturated tanh: the loss alone says nothing


def test_an_infinite_starting_loss_is_not_blamed_on_the_learning_rate():
    X = np.array([[0.0], [1.0], [2.0]])
    T = np.array([[1e200], [-1e200], [3e200]])  # ½(y − t)² is beyond the float range
    net = Network.create([1, 4, 1], output_activation="linear")
    (snap,) = list(train(net, Dataset("regression", X, T, X[:0], T[:0]), TrainConfig(epochs=3)))
    assert snap.diverged
    assert snap.train_loss == math.inf
    assert snap.reason == (
        "the loss is infinite before any training: the targets or the weights are too large "
        "to compute with"
    )
