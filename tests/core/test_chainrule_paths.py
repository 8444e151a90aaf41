"""Every path of a weight at once: the count, the total against backprop, the largest."""

import math

import numpy as np
import pytest

from bpdesk.core import Network, explain_weight
from bpdesk.core.chainrule_paths import count_paths, path_text, summarize_paths


def gradient(net, X, T, layer, i, j):
    _, dW, db = net.gradients(X, T)
    return db[layer][j] if i is None else dW[layer][i, j]


@pytest.fixture
def problem():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 6))
    T = np.eye(4)[rng.integers(0, 4, 30)]
    return X, T


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize(
    ("layer", "i", "j"), [(0, 2, 5), (1, 4, 3), (2, 0, 1), (3, 6, 3), (0, None, 1), (2, None, 0)]
)
def test_the_paths_add_up_to_backprops_gradient(problem, activation, layer, i, j):
    X, T = problem
    net = Network.create(
        [6, 8, 5, 7, 4], activation=activation, output_activation="softmax", loss="ce", seed=2
    )
    summary = summarize_paths(net, X, T, layer, i, j)
    assert summary.n_paths == math.prod(net.layer_sizes[layer + 2 :])
    assert summary.n_examples == 30
    assert summary.n_terms == summary.n_paths * 30
    assert summary.total == pytest.approx(gradient(net, X, T, layer, i, j), rel=1e-9, abs=1e-15)


def test_the_largest_paths_are_the_largest_of_every_path_written_out(problem):
    X, T = problem
    net = Network.create(
        [6, 4, 3, 2], activation="sigmoid", output_activation="sigmoid", loss="mse", seed=1
    )
    T = T[:, :2]
    layer, i, j = 0, 1, 2
    summary = summarize_paths(net, X, T, layer, i, j, largest=4)
    # The same paths, each product written out from explain_weight's own terms.
    rule = explain_weight(net, X, T, layer, i, j, max_terms=10_000)
    assert rule.grouping == "paths"
    shares = {}
    for term in rule.terms:
        shares[term.path] = shares.get(term.path, 0.0) + term.value
    assert len(shares) == summary.n_paths == 3 * 2
    expected = sorted(shares.items(), key=lambda kv: -abs(kv[1]))[:4]
    assert [s.path for s in summary.largest] == [p for p, _ in expected]
    for share, (_, value) in zip(summary.largest, expected):
        assert share.value == pytest.approx(value, rel=1e-9)
    assert summary.total == pytest.approx(rule.total, rel=1e-12)


def test_one_example_and_a_weight_into_the_output(problem):
    X, T = problem
    net = Network.create(
        [6, 40, 4], activation="relu", output_activation="softmax", loss="ce", seed=0
    )
    summary = summarize_paths(net, X, T, 1, 7, 2, sample=3)
    assert summary.n_paths == 1
    assert summary.n_examples == 1
    assert summary.largest[0].path == (2,)
    assert summary.total == pytest.approx(gradient(net, X[3:4], T[3:4], 1, 7, 2), rel=1e-9)


def test_the_digits_network_has_640_paths_from_a_first_layer_weight():
    rng = np.random.default_rng(0)
    X = rng.random((50, 64))
    T = np.eye(10)[rng.integers(0, 10, 50)]
    net = Network.create(
        [64, 128, 64, 10], activation="relu", output_activation="softmax", loss="ce", seed=1
    )
    summary = summarize_paths(net, X, T, 0, 9, 100)
    assert count_paths(net, 0) == summary.n_paths == 64 * 10
    assert len(summary.largest) == 5
    sizes = [abs(s.value) for s in summary.largest]
    assert sizes == sorted(sizes, reverse=True)
    assert summary.total == pytest.approx(gradient(net, X, T, 0, 9, 100), rel=1e-9, abs=1e-15)
    assert path_text(net, 0, summary.largest[0].path).startswith("h1.101 → h2.")


def test_too_many_paths_still_give_the_total(problem, monkeypatch):
    from bpdesk.core import chainrule_paths

    X, T = problem
    monkeypatch.setattr(chainrule_paths, "MAX_PATHS", 10)
    net = Network.create([6, 8, 5, 7, 4], seed=0)
    summary = summarize_paths(net, X, T, 0, 1, 1)
    assert summary.largest == ()
    assert summary.n_paths == 5 * 7 * 4
    assert summary.total == pytest.approx(gradient(net, X, T, 0, 1, 1), rel=1e-9, abs=1e-15)


def test_a_picture_example_is_named_by_its_size_and_class():
    from bpdesk.core.chainrule import example_text

    assert example_text(np.zeros(64), np.eye(10)[3], 1) == "example 2: x = 64 inputs, t = class 3"
    # Small examples are written out as before.
    assert example_text([0, 1], [1], 0) == "example 1: x = (0, 1), t = 1"
    assert example_text(np.arange(8), [0, 1, 0], None) == (
        "the example: x = (0, 1, 2, 3, 4, 5, 6, 7), t = (0, 1, 0)"
    )
