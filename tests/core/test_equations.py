"""The math dock's text: the explainer's equations, following the network, with the engine's numbers."""

import numpy as np
import pytest

from bpdesk.core import LOSSES, Network, xor
from bpdesk.core.equations import network_equations, selected_numbers, subscript
from bpdesk.core.numbers import format_number


def texts(equations, key):
    return [line.text for line in equations.section(key).lines]


def explainer_net():
    return Network.create([2, 2, 1], activation="sigmoid", loss="mse", init="xavier", seed=1)


def problem(sizes, activations, loss, seed=0, batch=5):
    net = Network(sizes, activations, loss=loss, seed=seed, init="uniform")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "ce":
        T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    else:
        T = (rng.uniform(size=(batch, sizes[-1])) > 0.5).astype(float)
    return net, X, T


def test_the_explainers_network_reads_exactly_like_the_explainer():
    eq = network_equations(explainer_net(), 0.5)
    forward = texts(eq, "forward")
    assert forward[:2] == ["h = σ(W₁x + b₁)", "ŷ = σ(W₂h + b₂)"]
    assert "W₁ is 2×2" in eq.section("forward").lines[0].note
    assert texts(eq, "loss")[0] == "L = ½(ŷ − t)²"
    assert "averaged over the examples" in eq.section("loss").lines[0].note
    backward = texts(eq, "backward")
    assert "∂L/∂W₂ = ∂L/∂ŷ × ∂ŷ/∂W₂" in backward
    assert "∂L/∂W₁ = ∂L/∂ŷ × ∂ŷ/∂h × ∂h/∂W₁" in backward
    assert "δ₂ = ∂L/∂ŷ ⊙ σ'(z₂)" in backward
    assert "δ₁ = (W₂ᵀδ₂) ⊙ σ'(z₁)" in backward
    assert "∂L/∂W₂ = δ₂ · hᵀ" in backward
    assert "∂L/∂W₁ = δ₁ · xᵀ" in backward
    # From the output back: W₂'s gradient comes before W₁'s.
    assert backward.index("∂L/∂W₂ = δ₂ · hᵀ") < backward.index("∂L/∂W₁ = δ₁ · xᵀ")
    update = texts(eq, "update")
    assert "W ← W − η·∂L/∂W" in update
    assert "W ← W − 0.5·∂L/∂W" in update
    assert eq.section("selected") is None
    assert eq.numbers is None


def test_the_update_follows_the_learning_rate():
    assert "W ← W − 0.03·∂L/∂W" in texts(network_equations(explainer_net(), 0.03), "update")


@pytest.mark.parametrize(
    ("sizes", "activations", "loss", "expected"),
    [
        (
            [2, 3, 3, 1],
            ["tanh", "relu", "sigmoid"],
            "mse",
            ["h₁ = tanh(W₁x + b₁)", "h₂ = ReLU(W₂h₁ + b₂)", "ŷ = σ(W₃h₂ + b₃)"],
        ),
        (
            [2, 4, 3, 2, 1],
            ["leaky_relu", "tanh", "sigmoid", "linear"],
            "mse",
            [
                "h₁ = LReLU(W₁x + b₁)",
                "h₂ = tanh(W₂h₁ + b₂)",
                "h₃ = σ(W₃h₂ + b₃)",
                "ŷ = W₄h₃ + b₄",
            ],
        ),
        (
            [3, 4, 3, 3],
            ["relu", "tanh", "softmax"],
            "ce",
            ["h₁ = ReLU(W₁x + b₁)", "h₂ = tanh(W₂h₁ + b₂)", "ŷ = softmax(W₃h₂ + b₃)"],
        ),
        ([2, 1], ["sigmoid"], "bce", ["ŷ = σ(W₁x + b₁)"]),
    ],
)
def test_one_forward_line_per_layer_with_its_own_activation(sizes, activations, loss, expected):
    eq = network_equations(Network(sizes, activations, loss=loss), 0.1)
    forward = [t for t in texts(eq, "forward") if t.split(" = ")[0] in ("ŷ", "h", "h₁", "h₂", "h₃")]
    assert forward == expected
    notes = [line.note for line in eq.section("forward").lines[: len(expected)]]
    for l, note in enumerate(notes):
        n_in, n_out = sizes[l], sizes[l + 1]
        assert f"W{subscript(l + 1)} is {n_out}×{n_in}" in note


def test_the_backward_pass_has_every_layer_from_the_output_back():
    net = Network([2, 3, 3, 1], ["tanh", "relu", "linear"], loss="mse")
    backward = texts(network_equations(net, 0.1), "backward")
    assert "∂L/∂W₁ = ∂L/∂ŷ × ∂ŷ/∂h₂ × ∂h₂/∂h₁ × ∂h₁/∂W₁" in backward
    assert "δ₃ = ∂L/∂ŷ" in backward  # a linear output's slope is 1
    assert "δ₂ = (W₃ᵀδ₃) ⊙ ReLU'(z₂)" in backward
    assert "δ₁ = (W₂ᵀδ₂) ⊙ tanh'(z₁)" in backward
    grads = [t for t in backward if " = δ" in t and t.startswith("∂L/∂W")]
    assert grads == ["∂L/∂W₃ = δ₃ · h₂ᵀ", "∂L/∂W₂ = δ₂ · h₁ᵀ", "∂L/∂W₁ = δ₁ · xᵀ"]


@pytest.mark.parametrize(
    ("sizes", "activations", "loss", "formula"),
    [
        ([2, 3, 3], ["relu", "softmax"], "ce", "L = −Σₖ tₖ·log ŷₖ"),
        ([2, 2, 1], ["tanh", "sigmoid"], "bce", "L = −[t·log ŷ + (1 − t)·log(1 − ŷ)]"),
    ],
)
def test_fused_outputs_start_the_backward_pass_at_y_minus_t(sizes, activations, loss, formula):
    eq = network_equations(Network(sizes, activations, loss=loss), 0.1)
    assert texts(eq, "loss")[0] == formula
    assert "δ₂ = ŷ − t" in texts(eq, "backward")


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_is_written_from_its_own_formula(name):
    loss = LOSSES[name]
    output = "softmax" if loss.fused == "softmax" else "sigmoid"
    net = Network([2, 3, 3], ["tanh", output], loss=name)
    line = texts(network_equations(net, 0.1), "loss")[0]
    assert line == loss.formula.replace("½·(", "½(")


def test_squared_error_if_the_engine_has_it():
    if "se" not in LOSSES:
        pytest.skip("the engine has no 'se' loss yet")
    net = Network([2, 2, 1], ["sigmoid", "sigmoid"], loss="se")
    line = texts(network_equations(net, 0.1), "loss")[0]
    assert "(ŷ − t)²" in line
    assert "½" not in line


def engine_gradient(net, X, T, parameter):
    layer, i, j = parameter
    _, dW, db = net.gradients(X, T)
    return float(db[layer][j] if i is None else dW[layer][i, j])


def current_value(net, parameter):
    layer, i, j = parameter
    return float(net.biases[layer][j] if i is None else net.weights[layer][i, j])


@pytest.mark.parametrize(
    ("sizes", "activations", "loss"),
    [
        ([2, 2, 1], ["sigmoid", "sigmoid"], "mse"),
        ([2, 3, 3, 1], ["tanh", "relu", "sigmoid"], "bce"),
        ([3, 4, 3, 3], ["leaky_relu", "tanh", "softmax"], "ce"),
        ([2, 3, 2, 2], ["tanh", "linear", "softmax"], "mse"),
        ([2, 3, 1], ["relu", "linear"], "mse"),
    ],
)
@pytest.mark.parametrize("rows", [[0], [3], None])
def test_the_filled_in_numbers_are_the_engines(sizes, activations, loss, rows):
    net, X, T = problem(sizes, activations, loss)
    if rows is not None:
        X, T = X[rows], T[rows]
    lr = 0.25
    last = len(sizes) - 2
    for parameter in [(0, 1, 0), (last, 0, sizes[-1] - 1), (0, None, 1), (last, None, 0)]:
        numbers = selected_numbers(net, X, T, parameter, lr)
        g = engine_gradient(net, X, T, parameter)
        assert numbers.gradient == pytest.approx(g, rel=1e-12, abs=1e-15)
        w = current_value(net, parameter)
        assert numbers.weight == w
        assert numbers.updated == pytest.approx(w - lr * g, rel=1e-12, abs=1e-15)
        # The gradient is the mean of each example's δ × input …
        products = [e.product for e in numbers.examples]
        assert np.mean(products) == pytest.approx(g, rel=1e-9, abs=1e-12)
        # … and δ is what backprop left in the cache.
        _, cache = net.forward(X)
        net.backward(cache, T)
        layer, i, j = parameter
        assert numbers.delta == pytest.approx(cache.deltas[layer][:, j].mean(), abs=1e-12)
        assert numbers.z == pytest.approx(cache.zs[layer][:, j].mean(), abs=1e-12)
        assert numbers.a == pytest.approx(cache.activations[layer + 1][:, j].mean(), abs=1e-12)
        if i is not None:
            assert numbers.input == pytest.approx(cache.activations[layer][:, i].mean())
        for e in numbers.examples:
            if e.upstream is not None:
                # δ = ∂L/∂a × f'(z), for one example
                assert e.delta == pytest.approx(e.upstream * e.slope, rel=1e-9, abs=1e-12)


def test_the_selected_weight_section_shows_the_gradient_and_the_step():
    net = explainer_net()
    data = xor()
    X, T = data.X_train[[1]], data.T_train[[1]]
    eq = network_equations(net, 0.5, X, T, selected=(0, 1, 0))
    section = eq.section("selected")
    assert section.title == "The selected weight, with numbers"
    assert section.intro.startswith("w(x2 → h1) is the weight on the line from x2 to h1: ")
    assert "row h1, column x2 of W₁" in section.intro  # the explainer's W: one row per neuron
    assert "Numbers for the example: x = (0, 1), t = 1:" in section.intro
    named = network_equations(net, 0.5, X, T, selected=(0, 1, 0), example=1)
    assert "Numbers for example 2: x = (0, 1), t = 1:" in named.section("selected").intro
    g = engine_gradient(net, X, T, (0, 1, 0))
    w = float(net.weights[0][1, 0])
    lines = [line.text for line in section.lines]
    assert lines[0].startswith("z(h1) = Σ w·a + b = ")
    assert lines[1].startswith("h1 = σ(")
    assert lines[2].startswith("δ(h1) = (W₂ᵀδ₂) × σ'(z) = ")
    assert f"∂L/∂w = δ(h1) · x2 = {format_number(eq.numbers.delta, 4)} × 1.0000 = " in lines[4]
    assert lines[4].endswith(f"= {format_number(g, 4)}")
    step = lines[-1]
    assert step.startswith(f"w ← w − η·∂L/∂w = {format_number(w, 4)} − 0.5 × ")
    assert step.endswith(f"= {format_number(w - 0.5 * g, 4)}")


def test_a_bias_selection_works_for_one_example_and_for_the_batch_mean():
    net = explainer_net()
    data = xor()
    one = network_equations(net, 0.5, data.X_train[[2]], data.T_train[[2]], selected=(1, None, 0))
    section = one.section("selected")
    assert section.title == "The selected bias, with numbers"
    assert section.intro.startswith("b(ŷ) is the bias of ŷ (the b under it): entry ŷ of b₂.")
    assert "b2[" not in section.intro
    lines = [line.text for line in section.lines]
    g = engine_gradient(net, data.X_train[[2]], data.T_train[[2]], (1, None, 0))
    assert f"∂L/∂b = δ(ŷ) · 1 = {format_number(g, 4)}" in lines
    assert lines[-1].startswith("b ← b − η·∂L/∂b = ")
    assert one.numbers.input == 1.0
    assert one.numbers.gradient == pytest.approx(one.numbers.delta)

    batch = network_equations(net, 0.5, data.X_train, data.T_train, selected=(0, None, 1))
    numbers = batch.numbers
    assert numbers.n_examples == 4
    g = engine_gradient(net, data.X_train, data.T_train, (0, None, 1))
    assert numbers.gradient == pytest.approx(g)
    lines = [line.text for line in batch.section("selected").lines]
    assert sum(t.startswith("example ") for t in lines) == 4
    assert f"∂L/∂b = (1/4)·Σₙ δ(h2)ₙ = {format_number(g, 4)}" in lines
    assert "Numbers for the mean over the 4 examples" in batch.section("selected").intro


def test_a_big_batch_lists_a_few_examples_and_averages_them_all():
    net, X, T = problem([2, 3, 1], ["tanh", "sigmoid"], "mse", batch=50)
    eq = network_equations(net, 0.1, X, T, selected=(0, 0, 0))
    assert eq.numbers.n_examples == 50
    assert len(eq.numbers.examples) == 8
    assert eq.numbers.gradient == pytest.approx(engine_gradient(net, X, T, (0, 0, 0)))
    assert "… and 42 more examples" in eq.lines()


def test_a_missing_parameter_is_refused():
    net = explainer_net()
    with pytest.raises(IndexError):
        selected_numbers(net, np.zeros((1, 2)), np.zeros((1, 1)), (1, 2, 0), 0.5)


def test_subscripts():
    assert subscript(12) == "₁₂"


def test_plain_text_has_titles_equations_and_notes():
    text = network_equations(explainer_net(), 0.5).plain_text()
    for expected in (
        "Forward pass",
        "Loss function",
        "Chain rule (backward pass)",
        "Weight update",
    ):
        assert expected in text
    assert "h = σ(W₁x + b₁)" in text
    assert "learning rate" in text


# -- the conventions, and where PyTorch differs --------------------------------------------


def conventions_text(net, optimizer="sgd") -> list[str]:
    section = network_equations(net, 0.5, optimizer=optimizer).section("conventions")
    return [f"{line.text} | {line.note}" for line in section.lines]


def test_the_math_tells_the_conventions_that_differ_from_pytorch():
    text = "\n".join(conventions_text(explainer_net()))
    assert "L = ½·Σₖ(ŷₖ − tₖ)², averaged over the batch" in text
    assert "nn.MSELoss has no ½" in text
    assert "twice these" in text  # one output: torch's MSELoss is 2× bpdesk's mse
    assert "W stored as inputs × outputs" in text
    assert "weights only" in text
    assert "AdamW" in text
    assert "default_rng(seed).permutation(n)" in text
    assert (
        "Conventions (and where PyTorch differs)"
        in network_equations(explainer_net(), 0.5).plain_text()
    )


def test_the_conventions_follow_the_loss_and_the_optimiser():
    wide = Network.create([2, 3, 4], loss="mse", output_activation="sigmoid", seed=0)
    assert any("2/4 of these" in line for line in conventions_text(wide))
    bce = Network.create([2, 3, 1], loss="bce", seed=0)
    assert any("BCEWithLogitsLoss" in line for line in conventions_text(bce))
    momentum = "\n".join(conventions_text(explainer_net(), "momentum"))
    assert "v ← μ·v + ∂L/∂W,  W ← W − η·v" in momentum
    assert "torch's SGD" in momentum
    assert "Keras" in momentum
    assert "β₁ 0.9, β₂ 0.999" in "\n".join(conventions_text(explainer_net(), "adam"))
    assert "torch's SGD" not in "\n".join(conventions_text(explainer_net(), "sgd"))


def test_the_update_shows_the_step_each_optimiser_takes():
    momentum = texts(network_equations(explainer_net(), 0.5, optimizer="momentum"), "update")
    assert "momentum: v ← μ·v + ∂L/∂W,  W ← W − η·v" in momentum
    adam = texts(network_equations(explainer_net(), 0.5, optimizer="adam"), "update")
    assert "Adam: W ← W − η·m̂ / (√v̂ + ε)" in adam
    assert not any(
        line.startswith(("momentum:", "Adam:"))
        for line in texts(network_equations(explainer_net(), 0.5), "update")
    )
