"""The chain-rule explanation adds up to exactly the gradient backprop computes."""

import math

import numpy as np
import pytest

from bpdesk.core import Network, explain_weight, xor
from bpdesk.core.chainrule import neuron_name, parameter_name, plural
from bpdesk.core.equations import network_equations


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
    assert symbols[-1] == "x2"  # the neuron's name stands for what it sends, as in "The math"
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
    singles = [explain_weight(net, data.X_train, data.T_train, 1, 1, 0, sample=n) for n in range(4)]
    assert mean.total == pytest.approx(sum(r.total for r in singles) / 4, rel=1e-12)
    assert len(mean.terms) == 4
    assert mean.n_examples == 4
    assert mean.examples == "the mean over the 4 examples"
    for term, single in zip(mean.terms, singles):
        # The 1/4 is one factor of its own, last: every other number is the
        # example's own, the same as when that example is chosen alone.
        assert term.factors[-1].symbol == "1/4"
        assert term.factors[-1].constant
        own = [f.value for f in single.terms[0].factors]
        assert [f.value for f in term.factors[:-1]] == pytest.approx(own, rel=1e-12)
        assert term.example_value == pytest.approx(single.terms[0].value, rel=1e-12)
        assert term.value == pytest.approx(term.example_value / 4, rel=1e-15)


def test_one_example_has_no_mean_factor_and_says_which_example():
    data = xor()
    net = Network.create([2, 2, 1], seed=0)
    rule = explain_weight(net, data.X_train, data.T_train, 0, 1, 0, sample=1)
    assert rule.n_examples == 1
    assert rule.examples == "example 2: x = (0, 1), t = 1"
    (term,) = rule.terms
    assert term.example_value == term.value
    assert not any(f.symbol.startswith("1/") for f in term.factors)


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
    assert "x1 sends 0 along it" in zero_input.blame
    assert "carries the bias" not in rule.blame


@pytest.mark.parametrize("sample", [1, None])
@pytest.mark.parametrize("layer", [0, 1])
def test_a_bias_is_explained_as_a_bias(layer, sample):
    data = xor()
    net = Network.create([2, 2, 1], seed=0)
    rule = explain_weight(net, data.X_train, data.T_train, layer, None, 0, sample=sample)
    target = "h1" if layer == 0 else "ŷ"
    assert rule.is_bias
    assert rule.parameter == f"b({target})"
    assert rule.derivative == f"∂L/∂b({target})"
    for term in rule.terms:
        inputs = [f for f in term.factors if f.symbol == "1"]
        assert len(inputs) == 1
        assert inputs[0].value == 1.0
        assert inputs[0].constant  # shown as "1 (a bias's input is always 1)", not "1 1.0000"
        assert inputs[0].meaning == "a bias's input is always 1"
    # No nonsense like "this bias carries the bias": a bias is added straight into the sum.
    assert "carries the bias" not in rule.blame
    assert f"this bias is added straight into {target}'s weighted sum" in rule.blame


def test_parameters_are_named_by_the_neurons_they_join():
    net = Network.create([2, 2, 1])
    assert parameter_name(net, 0, 1, 0) == "w(x2 → h1)"
    assert parameter_name(net, 1, 1, 0) == "w(h2 → ŷ)"
    assert parameter_name(net, 0, None, 1) == "b(h2)"
    deep = Network.create([2, 3, 3, 2])
    assert parameter_name(deep, 1, 2, 0) == "w(h1.3 → h2.1)"
    assert parameter_name(deep, 2, None, 1) == "b(ŷ2)"
    data = xor()
    rule = explain_weight(net, data.X_train, data.T_train, 0, 1, 0, sample=1)
    assert rule.parameter == "w(x2 → h1)"
    assert rule.derivative == "∂L/∂w(x2 → h1)"


def test_weight_layers_are_named_by_what_they_join():
    deep = Network.create([2, 3, 3, 1])
    assert [deep.layer_name(k) for k in range(3)] == ["W1 (x → h1)", "W2 (h1 → h2)", "W3 (h2 → ŷ)"]
    assert Network.create([2, 1]).layer_name(0) == "W1 (x → ŷ)"


@pytest.mark.parametrize(
    ("sizes", "loss"), [([2, 2, 1], "mse"), ([2, 3, 3, 1], "bce"), ([3, 4, 3], "ce")]
)
@pytest.mark.parametrize("sample", [0, None])
def test_the_chain_rule_and_the_math_name_the_same_parameter_and_numbers(sizes, loss, sample):
    net, X, T = problem(sizes, "tanh", loss, batch=4)
    rows = slice(None) if sample is None else slice(sample, sample + 1)
    for layer in range(net.n_layers):
        for i in (0, None):
            rule = explain_weight(net, X, T, layer, i, 0, sample=sample)
            eq = network_equations(
                net, 0.5, X[rows], T[rows], selected=(layer, i, 0), example=sample
            )
            intro = eq.section("selected").intro
            # The same name, the same sentence saying what it is, the same examples.
            assert intro.startswith(rule.parameter + " is the ")
            assert f"Numbers for {rule.examples}" in intro
            assert eq.numbers.gradient == pytest.approx(rule.total, rel=1e-12, abs=1e-15)
            # No 0-based index names left over from the old notation.
            assert "[" not in intro
            assert "[" not in rule.blame


def test_plural():
    assert plural(1, "path") == "1 path"
    assert plural(3, "path") == "3 paths"
    assert plural(1200, "example") == "1,200 examples"


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


def test_precise_numbers_keep_three_significant_digits_or_more():
    from bpdesk.core.chainrule import precise_number

    assert precise_number(0.123456) == "0.12346"
    assert precise_number(0.00111) == "0.00111"
    assert precise_number(-7.16907e-5) == "−7.169e−5"  # not −0.00007
    assert precise_number(-7.16907e-5, 4, signed=True) == "−7.169e−5"
    assert precise_number(0.5, 4, signed=True) == "+0.5000"
    assert precise_number(0.0) == "0.00000"
