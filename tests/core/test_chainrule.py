"""The chain-rule explanation adds up to exactly the gradient backprop computes."""

import math

import numpy as np
import pytest

from bpdesk.core import Network, explain_weight, xor
from bpdesk.core.chainrule import neuron_name


def problem(sizes, hidden="sigmoid", loss="mse", seed=0, batch=5):
    output = "softmax" if loss == "ce" else "sigmoid"
    net = Network.create(
        sizes, activation=hidden, output_activation=output, loss=loss, seed=seed, init="uniform"
    )
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "ce":
        T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    else:
        T = (rng.uniform(size=(batch, sizes[-1])) > 0.5).astype(float)
    return net, X, T


def engine_gradient(net, X, T, layer, i, j, sample):
    if sample is not None:
        X, T = X[sample : sample + 1], T[sample : sample + 1]
    _, dW, db = net.gradients(X, T)
    return db[layer][j] if i is None else dW[layer][i, j]


def check(rule, gradient):
    # Each term is the product of its factors, and the terms add up to the gradient.
    for term in rule.terms:
        assert term.value == math.prod(f.value for f in term.factors)
    assert rule.total == sum(t.value for t in rule.terms)
    assert rule.total == pytest.approx(gradient, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("sizes", "hidden", "loss"),
    [
        ([2, 2, 1], "sigmoid", "mse"),
        ([2, 3, 3, 1], "tanh", "bce"),
        ([3, 4, 3, 3], "relu", "ce"),
        ([2, 3, 2, 2], "leaky_relu", "mse"),
    ],
)
@pytest.mark.parametrize("sample", [None, 0, 3])
def test_every_weight_and_bias_explains_its_backprop_gradient(sizes, hidden, loss, sample):
    net, X, T = problem(sizes, hidden, loss)
    for layer in range(net.n_layers):
        for i in [*range(sizes[layer]), None]:
            for j in range(sizes[layer + 1]):
                rule = explain_weight(net, X, T, layer, i, j, sample=sample)
                check(rule, engine_gradient(net, X, T, layer, i, j, sample))


def test_paths_are_enumerated_through_every_hidden_neuron():
    net, X, T = problem([2, 3, 4, 2], batch=1)
    rule = explain_weight(net, X, T, 0, 1, 2, sample=0)
    assert rule.grouping == "paths"
    assert rule.n_paths == 4 * 2
    assert len(rule.terms) == 8
    assert sorted(t.path for t in rule.terms) == [(2, k, o) for k in range(4) for o in range(2)]
    # Output → weight order: ∂L/∂ŷ, ∂ŷ/∂z, w, ∂a/∂z, w, ∂a/∂z, then the input activation.
    symbols = [f.symbol for f in rule.terms[0].factors]
    assert symbols[0].startswith("∂L/∂")
    assert symbols[-1] == "a(x2)"
    assert len(symbols) == 7


@pytest.mark.parametrize(
    ("max_terms", "grouping"), [(64, "paths"), (20, "next-layer"), (3, "samples")]
)
def test_crowded_explanations_fold_paths_but_still_add_up(max_terms, grouping):
    # 4 samples × 12 paths = 48 terms; folded by the next layer, 4 × 4 = 16; by sample, 4.
    net, X, T = problem([2, 4, 4, 3], batch=4)
    rule = explain_weight(net, X, T, 0, 0, 1, sample=None, max_terms=max_terms)
    assert rule.grouping == grouping
    check(rule, engine_gradient(net, X, T, 0, 0, 1, None))


def test_output_weight_reads_like_the_explainer():
    # ∂L/∂W₂ = ∂L/∂y × ∂y/∂W₂: (ŷ − t) · σ'(z) · h for the 2-2-1 XOR net, one sample.
    data = xor()
    net = Network.create([2, 2, 1], seed=0)
    rule = explain_weight(net, data.X_train, data.T_train, 1, 0, 0, sample=2)
    (term,) = rule.terms
    y, cache = net.forward(data.X_train[2:3])
    h = cache.activations[1][0, 0]
    dl_dy, dy_dz, a = (f.value for f in term.factors)
    assert dl_dy == pytest.approx(y[0, 0] - 1.0)
    assert dy_dz == pytest.approx(y[0, 0] * (1 - y[0, 0]))
    assert a == pytest.approx(h)


def test_batch_mean_divides_by_the_batch():
    data = xor()
    net = Network.create([2, 2, 1], seed=0)
    mean = explain_weight(net, data.X_train, data.T_train, 1, 1, 0)
    singles = [
        explain_weight(net, data.X_train, data.T_train, 1, 1, 0, sample=n).total for n in range(4)
    ]
    assert mean.total == pytest.approx(sum(singles) / 4, rel=1e-12)
    assert len(mean.terms) == 4


def test_blame_says_which_way_the_weight_should_move():
    data = xor()
    net = Network.create([2, 2, 1], seed=0)
    rule = explain_weight(net, data.X_train, data.T_train, 1, 0, 0, sample=1)
    move = "decrease" if rule.total > 0 else "increase"
    assert f"gradient descent will {move} it" in rule.blame
    assert "target of 1" in rule.blame
    zero_input = explain_weight(net, data.X_train, data.T_train, 0, 0, 1, sample=0)  # x1 = 0
    assert zero_input.total == 0.0
    assert "no blame" in zero_input.blame


def test_neuron_names():
    net = Network.create([2, 3, 1])
    assert [neuron_name(net, 0, 0), neuron_name(net, 1, 2), neuron_name(net, 2, 0)] == [
        "x1",
        "h3",
        "ŷ",
    ]
    deep = Network.create([2, 3, 3, 2])
    assert neuron_name(deep, 2, 0) == "h2.1"
    assert neuron_name(deep, 3, 1) == "ŷ2"


def test_bad_indices_are_refused():
    net = Network.create([2, 2, 1])
    with pytest.raises(IndexError):
        explain_weight(net, xor().X_train, xor().T_train, 0, 5, 0)
