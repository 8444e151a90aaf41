"""The equations of the current network, written out for "The math" dock.

The explainer's section "The math (for the curious)" shows the equations of
its 2-2-1 network: ``h = σ(W₁x + b₁)``, ``ŷ = σ(W₂h + b₂)``, ``L = ½(ŷ − t)²``,
the chain rule and the update. Here the same equations are built for whatever
network the learner made: one forward line per layer with that layer's own
activation, the chosen loss, the backward pass for every layer, the update
with the current learning rate and, for a selected weight or bias, the same
equations with the engine's real numbers filled in.

The result is plain data (sections of lines of Unicode text): no Qt, so it can
be tested on its own; the dock only renders it.

The equations use the explainer's column-vector convention, ``z = Wx + b`` with
``W`` one row per neuron; the engine stores the transpose (one row per input,
``z = x·W + b``), which gives the same numbers. A single weight or bias is
named as in the editor and the chain-rule dock, by the neurons it joins:
``w(x2 → h1)`` (row ``h1``, column ``x2`` of ``W₁``) and ``b(h1)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bpdesk.core.activations import Activation
from bpdesk.core.chainrule import example_text, mean_text, neuron_name, parameter_meaning
from bpdesk.core.conventions import conventions
from bpdesk.core.network import Network
from bpdesk.core.numbers import format_data_value, format_number

Parameter = tuple[int, int | None, int]  # (weight layer, i or None for a bias, j)

DECIMALS = 4  # digits of the filled-in numbers (gradients are often a few thousandths)
MAX_SUM_TERMS = 4  # a weighted sum with more terms is shown by its value alone
MAX_EXAMPLES = 8  # examples listed one by one for a batch mean

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Line:
    """One equation in Unicode (``text``) and, optionally, a gloss in words (``note``)."""

    text: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A titled group of equations; ``key`` names it for code (``forward``, ``loss``…)."""

    key: str
    title: str
    lines: tuple[Line, ...]
    intro: str = ""


@dataclass(frozen=True)
class ExampleNumbers:
    """The selected parameter's numbers for one training example.

    ``inputs`` are the activations of the layer below the target neuron (what
    its weighted sum adds up) and ``sent_back`` the δ of the layer above it
    (empty at the output). ``upstream`` is ``∂L/∂a`` of the target neuron
    (``∂L/∂ŷ`` at the output, ``Σₖ wⱼₖ·δₖ`` below it) and ``slope`` its
    activation's ``f'(z)``; both are None where the output activation and the
    loss fuse into ``ŷ − t`` or the output is a softmax.
    """

    x: tuple[float, ...]
    t: tuple[float, ...]
    inputs: tuple[float, ...]
    sent_back: tuple[float, ...]
    z: float
    a: float
    upstream: float | None
    slope: float | None
    delta: float
    input: float
    product: float


@dataclass(frozen=True)
class SelectedNumbers:
    """The numbers behind ``∂L/∂w`` of one weight (``i`` is None for a bias).

    ``z``, ``a``, ``delta`` and ``input`` are means over the ``n_examples``
    examples (for one example, its own values); ``gradient`` is the engine's ``∂L/∂w`` of the
    mean loss and ``updated`` the value after one step ``w − η·∂L/∂w``. ``example`` is
    the one example's row in the training set (None for a mean, or when not known), or
    the name of an example from outside it.
    """

    layer: int
    i: int | None
    j: int
    n_examples: int
    examples: tuple[ExampleNumbers, ...]  # the first few, one by one
    z: float
    a: float
    delta: float
    input: float
    gradient: float
    weight: float
    learning_rate: float
    updated: float
    example: int | str | None = None

    @property
    def is_bias(self) -> bool:
        """True for a bias."""
        return self.i is None


@dataclass(frozen=True)
class Equations:
    """Every section of "The math", in reading order, and the selected parameter's numbers."""

    sections: tuple[Section, ...]
    numbers: SelectedNumbers | None = None

    def section(self, key: str) -> Section | None:
        """The section called ``key``, or None."""
        return next((s for s in self.sections if s.key == key), None)

    def lines(self) -> list[str]:
        """Every equation's text, in order."""
        return [line.text for s in self.sections for line in s.lines]

    def plain_text(self) -> str:
        """The whole thing as plain text: titles, equations and notes."""
        out = []
        for s in self.sections:
            out.append(s.title)
            if s.intro:
                out.append(s.intro)
            for line in s.lines:
                out.append(f"  {line.text}" + (f"    ({line.note})" if line.note else ""))
            out.append("")
        return "\n".join(out).rstrip() + "\n"


# -- formatting ------------------------------------------------------------------


def subscript(n: int | str) -> str:
    """Digits as subscripts: ``subscript(12) == "₁₂"``."""
    return str(n).translate(_SUBSCRIPTS)


def _num(value: float | None) -> str:
    return format_number(value, DECIMALS)


def _factor(value: float | None) -> str:
    """A number inside a product: negative ones in brackets, ``0.5 × (−0.25)``."""
    text = _num(value)
    return f"({text})" if text.startswith("−") else text


def _eta(learning_rate: float) -> str:
    return f"{learning_rate:g}".replace("-", "−")


def _vector(values: Sequence[float]) -> str:
    return "(" + ", ".join(map(format_data_value, values)) + ")"


# -- names -----------------------------------------------------------------------


def layer_vector(network: Network, m: int) -> str:
    """The name of layer ``m``'s activations: ``x``, then ``h`` (or ``h₁``, ``h₂``…), then ``ŷ``."""
    last = network.n_layers
    if m == 0:
        return "x"
    if m == last:
        return "ŷ"
    return "h" if last == 2 else f"h{subscript(m)}"


def _symbol(act: Activation) -> str:
    return act.symbol or act.name


def _slope(act: Activation, z: str) -> str:
    """``σ'(z₁)``: the activation's derivative at ``z``."""
    return f"{_symbol(act)}'({z})"


def _shape_note(network: Network, l: int) -> str:
    """``W₁ is 2×2 (2 neurons of h × 2 inputs from x); b₁ has 2 entries``."""
    n_in, n_out = network.layer_sizes[l], network.layer_sizes[l + 1]
    k = subscript(l + 1)
    neurons = "neuron" if n_out == 1 else "neurons"
    inputs = "input" if n_in == 1 else "inputs"
    entries = "entry" if n_out == 1 else "entries"
    text = (
        f"W{k} is {n_out}×{n_in} ({n_out} {neurons} of {layer_vector(network, l + 1)} × "
        f"{n_in} {inputs} from {layer_vector(network, l)})"
    )
    return text + (f"; b{k} has {n_out} {entries}" if network.has_bias else "; no bias")


# -- the general equations ----------------------------------------------------------


def forward_lines(network: Network) -> list[Line]:
    """One line per layer, ``h = σ(W₁x + b₁)`` … ``ŷ = σ(W₂h + b₂)``, with the shapes noted."""
    lines = []
    for l, act in enumerate(network.activation_functions):
        k = subscript(l + 1)
        inner = f"W{k}{layer_vector(network, l)}" + (f" + b{k}" if network.has_bias else "")
        rhs = inner if act.name == "linear" else f"{_symbol(act)}({inner})"
        lines.append(Line(f"{layer_vector(network, l + 1)} = {rhs}", _shape_note(network, l)))
    seen: dict[str, Activation] = {}
    for act in network.activation_functions:
        seen.setdefault(act.name, act)
    for act in seen.values():
        # Only formulas that say something: not "tanh(z)" alone, nor the identity.
        if "=" in act.formula and act.name != "linear":
            lines.append(Line(act.formula, f"{act.name}: the activation used above"))
    return lines


def _explainer_spelling(formula: str) -> str:
    # The explainer writes ½(y − t)², not ½·(y − t)².
    return formula.replace("½·(", "½(")


def loss_lines(network: Network) -> list[Line]:
    """The loss's formula and its slope ``∂L/∂ŷ``, from the loss object itself."""
    loss = network.loss_function
    n_out = network.layer_sizes[-1]
    title = loss.title or loss.name
    over = " summed over the outputs," if n_out > 1 and "Σ" not in loss.formula else ""
    lines = [
        Line(
            _explainer_spelling(loss.formula) or f"L = {loss.name}(ŷ, t)",
            f"{title} between prediction ŷ and target t,{over} averaged over the examples of the batch",
        )
    ]
    if loss.gradient_formula:
        lines.append(Line(loss.gradient_formula, "its slope: where the backward pass starts"))
    return lines


def _product_form(network: Network, l: int) -> str:
    """``∂L/∂W₁ = ∂L/∂ŷ × ∂ŷ/∂h × ∂h/∂W₁``: local gradients from the output back to layer ``l``."""
    last = network.n_layers
    factors = ["∂L/∂ŷ"]
    for m in range(last, l + 1, -1):
        factors.append(f"∂{layer_vector(network, m)}/∂{layer_vector(network, m - 1)}")
    factors.append(f"∂{layer_vector(network, l + 1)}/∂W{subscript(l + 1)}")
    return f"∂L/∂W{subscript(l + 1)} = " + " × ".join(factors)


def _output_delta(network: Network) -> Line:
    last = network.n_layers
    k = subscript(last)
    act = network.activation_functions[-1]
    loss = network.loss_function
    if act.name == loss.fused:
        return Line(
            f"δ{k} = ŷ − t",
            f"{act.name} with {loss.title or loss.name}: ∂L/∂ŷ × ∂ŷ/∂z{k} simplifies to ŷ − t",
        )
    if act.name == "linear":
        return Line(f"δ{k} = ∂L/∂ŷ", "error signal at the output; a linear output has slope 1")
    if not act.elementwise:
        return Line(
            f"δ{k} = (∂ŷ/∂z{k})ᵀ · ∂L/∂ŷ",
            f"error signal at the output, through {act.name}'s Jacobian: {act.derivative_formula}",
        )
    return Line(
        f"δ{k} = ∂L/∂ŷ ⊙ {_slope(act, f'z{k}')}",
        f"error signal at the output; {act.derivative_formula}",
    )


def backward_lines(network: Network) -> list[Line]:
    """The chain rule for every layer's weights, from the output back.

    First the explainer's product form, then the form backprop computes:
    ``δ_L`` at the output, ``δₗ = (Wₗ₊₁ᵀ δₗ₊₁) ⊙ f'(zₗ)`` below it and
    ``∂L/∂Wₗ = δₗ · (input of layer l)ᵀ``, ``∂L/∂bₗ = δₗ``.
    """
    last = network.n_layers
    acts = network.activation_functions
    lines = [
        Line(_product_form(network, l), "the explainer's form: a product of local gradients")
        for l in range(last - 1, -1, -1)
    ]
    lines.append(_output_delta(network))
    for l in range(last - 1, -1, -1):
        k = subscript(l + 1)
        src = layer_vector(network, l)
        if l < last - 1:
            above = subscript(l + 2)
            act = acts[l]
            sent = f"W{above}ᵀδ{above}"
            if act.name == "linear":
                lines.append(Line(f"δ{k} = {sent}", f"the error sent back through W{above}"))
            else:
                lines.append(
                    Line(
                        f"δ{k} = ({sent}) ⊙ {_slope(act, f'z{k}')}",
                        f"the error sent back through W{above}, times the slope of "
                        f"{act.name} at {layer_vector(network, l + 1)}: {act.derivative_formula}",
                    )
                )
        lines.append(Line(f"∂L/∂W{k} = δ{k} · {src}ᵀ", f"error signal × what came in ({src})"))
        if network.has_bias:
            lines.append(Line(f"∂L/∂b{k} = δ{k}", "a bias's input is always 1"))
    return lines


def update_lines(learning_rate: float, optimizer: str = "sgd", bias: bool = True) -> list[Line]:
    """Gradient descent: ``W ← W − η·∂L/∂W``, and the same with the current ``η``."""
    eta = _eta(learning_rate)
    lines = [
        Line("W ← W − η·∂L/∂W", "η (eta) is the learning rate: how big a step to take"),
        *([Line("b ← b − η·∂L/∂b", "biases take the same step")] if bias else []),
        Line(f"W ← W − {eta}·∂L/∂W", f"with the current learning rate η = {eta}"),
    ]
    if optimizer in _OPTIMIZER_STEPS:
        text, note = _OPTIMIZER_STEPS[optimizer]
        lines.append(Line(text, note + "; Apply gradients takes the plain step above"))
    return lines


# The step training takes with each optimiser (plain gradient descent is the lines above).
_OPTIMIZER_STEPS = {
    "momentum": (
        "momentum: v ← μ·v + ∂L/∂W,  W ← W − η·v",
        "training keeps a velocity v, the sum of past gradients decayed by the momentum μ",
    ),
    "adam": (
        "Adam: W ← W − η·m̂ / (√v̂ + ε)",
        "training keeps running means of the gradient (m) and of its square (v), "
        "bias-corrected (m̂, v̂)",
    ),
}


# -- the selected parameter, with numbers ------------------------------------------


def selected_numbers(
    network: Network,
    X: np.ndarray,
    T: np.ndarray,
    parameter: Parameter,
    learning_rate: float,
    max_examples: int = MAX_EXAMPLES,
    example: int | str | None = None,
) -> SelectedNumbers:
    """The engine's numbers for ``∂L/∂w`` of one weight or bias over the examples ``X``, ``T``.

    The gradient is backprop's own (of the mean loss over the rows), so it is
    exactly what the editor and the chain-rule dock show. The means cover every
    row; only the first ``max_examples`` are kept one by one. ``example`` is the
    training-set row of a single example, for naming it ("example 2").
    """
    layer, i, j = parameter
    if i is None:
        network.bias_index(layer, j)  # raises IndexError if there is no such bias
    else:
        network.weight_index(layer, i, j)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    T = np.asarray(T, dtype=np.float64).reshape(len(X), -1)
    act = network.activation_functions[layer]
    loss = network.loss_function
    output = layer + 1 == network.n_layers
    with np.errstate(all="ignore"):
        _, cache = network.forward(X)
        dW, db = network.backward(cache, T)
        acts = cache.activations  # acts[m]: (batch, n_m)
        z = cache.zs[layer][:, j]  # (batch,)
        a = acts[layer + 1][:, j]
        delta = cache.deltas[layer][:, j]  # each example's own ∂Lₙ/∂z
        inputs = np.ones_like(z) if i is None else acts[layer][:, i]
        above = None if output else cache.deltas[layer + 1]  # (batch, n_{l+2})
        if output and (act.name == loss.fused or not act.elementwise):
            upstream = slope = None  # ŷ − t, or through softmax's Jacobian
        else:
            slope = act.derivative(cache.zs[layer].T, acts[layer + 1].T)[j]
            if output:
                upstream = loss.grad_output(acts[-1].T, T.T)[j]
            else:
                upstream = above @ network.weights[layer + 1][j]
    examples = tuple(
        ExampleNumbers(
            x=tuple(map(float, X[n])),
            t=tuple(map(float, T[n])),
            inputs=tuple(map(float, acts[layer][n])),
            sent_back=() if above is None else tuple(map(float, above[n])),
            z=float(z[n]),
            a=float(a[n]),
            upstream=None if upstream is None else float(upstream[n]),
            slope=None if slope is None else float(slope[n]),
            delta=float(delta[n]),
            input=float(inputs[n]),
            product=float(delta[n] * inputs[n]),
        )
        for n in range(min(len(X), max_examples))
    )
    gradient = float(db[layer][j] if i is None else dW[layer][i, j])
    weight = float(network.biases[layer][j] if i is None else network.weights[layer][i, j])
    return SelectedNumbers(
        layer=layer,
        i=i,
        j=j,
        n_examples=len(X),
        examples=examples,
        z=float(z.mean()),
        a=float(a.mean()),
        delta=float(delta.mean()),
        input=float(inputs.mean()),
        gradient=gradient,
        weight=weight,
        learning_rate=float(learning_rate),
        updated=weight - float(learning_rate) * gradient,
        example=example if len(X) == 1 else None,
    )


def _sum_of_products(weights: Iterable[float], values: Iterable[float]) -> str:
    """``0.3000 × 1.0000 + (−0.2000) × 0.0000``."""
    return " + ".join(f"{_factor(w)} × {_factor(v)}" for w, v in zip(weights, values))


def _targets(t: tuple[float, ...]) -> str:
    return format_data_value(t[0]) if len(t) == 1 else _vector(t)


def _intro(network: Network, numbers: SelectedNumbers) -> str:
    """Which parameter (named as in the chain-rule dock) and which numbers: one example or a mean."""
    layer, i, j = numbers.layer, numbers.i, numbers.j
    tgt = neuron_name(network, layer + 1, j)
    k = subscript(layer + 1)
    if i is None:
        where, short = f"entry {tgt} of b{k}", "b"
    else:
        where, short = f"row {tgt}, column {neuron_name(network, layer, i)} of W{k}", "w"
    name = f"{parameter_meaning(network, layer, i, j)}: {where}. Below we call it {short}."
    if numbers.n_examples == 1:
        e = numbers.examples[0]
        return f"{name} Numbers for {example_text(e.x, e.t, numbers.example)}:"
    return (
        f"{name} Numbers for {mean_text(numbers.n_examples)}: z, a and δ are their means, "
        "and the gradient is the mean of each example's δ × input."
    )


def _z_line(network: Network, numbers: SelectedNumbers) -> Line:
    layer, j = numbers.layer, numbers.j
    tgt = neuron_name(network, layer + 1, j)
    k = subscript(layer + 1)
    rhs = _num(numbers.z)
    plus_b = " + b" if network.has_bias else ""
    if numbers.n_examples == 1 and network.layer_sizes[layer] <= MAX_SUM_TERMS:
        weights = network.weights[layer][:, j]
        products = _sum_of_products(weights, numbers.examples[0].inputs)
        if network.has_bias:
            products += f" + {_factor(network.biases[layer][j])}"
        rhs = f"{products} = {rhs}"
    row = f"its row of W{k}{layer_vector(network, layer)}"
    note = f"the weighted sum into {tgt}: {row}" + (f" + b{k}" if network.has_bias else "")
    return Line(f"z({tgt}) = Σ w·a{plus_b} = {rhs}", note)


def _a_line(network: Network, numbers: SelectedNumbers) -> Line:
    act = network.activation_functions[numbers.layer]
    tgt = neuron_name(network, numbers.layer + 1, numbers.j)
    value = _num(numbers.a)
    if numbers.n_examples > 1:
        return Line(f"{tgt} = {value}", f"{act.name} of z, mean over the examples")
    if act.name == "linear":
        return Line(f"{tgt} = z = {value}", "a linear neuron passes z on")
    if not act.elementwise:
        return Line(f"{tgt} = {_symbol(act)}(z){subscript(numbers.j + 1)} = {value}", act.formula)
    return Line(f"{tgt} = {_symbol(act)}({_num(numbers.z)}) = {value}", f"{act.name} of z")


def _delta_line(network: Network, numbers: SelectedNumbers) -> Line:
    """``δ`` of the target neuron, from the loss (output) or from the layer above (hidden)."""
    layer, j = numbers.layer, numbers.j
    act = network.activation_functions[layer]
    loss = network.loss_function
    tgt = neuron_name(network, layer + 1, j)
    delta = f"δ({tgt})"
    one = numbers.examples[0] if numbers.n_examples == 1 else None
    value = _num(numbers.delta)
    mean = "; mean over the examples" if one is None else ""
    if layer + 1 == network.n_layers:
        if act.name == loss.fused:
            t_name = "t" if network.layer_sizes[-1] == 1 else f"t{subscript(j + 1)}"
            filled = "" if one is None else f" = {_num(one.a)} − {format_data_value(one.t[j])}"
            return Line(
                f"{delta} = {tgt} − {t_name}{filled} = {value}",
                f"{act.name} with {loss.title or loss.name}: the slopes cancel to ŷ − t{mean}",
            )
        if not act.elementwise:
            return Line(
                f"{delta} = Σₖ ∂L/∂ŷₖ · ∂ŷₖ/∂z({tgt}) = {value}",
                f"through {act.name}'s Jacobian: {act.derivative_formula}{mean}",
            )
        filled = "" if one is None else f" = {_factor(one.upstream)} × {_factor(one.slope)}"
        return Line(
            f"{delta} = ∂L/∂{tgt} × {_slope(act, 'z')}{filled} = {value}",
            f"{loss.gradient_formula}; {act.derivative_formula}{mean}",
        )
    above = subscript(layer + 2)
    linear = act.name == "linear"
    head = f"{delta} = (W{above}ᵀδ{above})" + ("" if linear else f" × {_slope(act, 'z')}")
    note = f"the error sent back to {tgt} through W{above}" + (
        "" if linear else f", times the slope of {act.name}"
    )
    if one is None:
        return Line(f"{head} = {value}", note + mean)
    if len(one.sent_back) <= MAX_SUM_TERMS:
        sent = _sum_of_products(network.weights[layer + 1][j], one.sent_back)
        sent = f"({sent})" if len(one.sent_back) > 1 else sent
    else:
        sent = _factor(one.upstream)
    filled = sent if linear else f"{sent} × {_factor(one.slope)}"
    return Line(f"{head} = {filled} = {value}", note)


def _gradient_lines(network: Network, numbers: SelectedNumbers) -> list[Line]:
    layer, i, j = numbers.layer, numbers.i, numbers.j
    delta = f"δ({neuron_name(network, layer + 1, j)})"
    g = _num(numbers.gradient)
    examples = numbers.examples
    if i is None:
        src, w = "1", "b"
        lines = []
    else:
        src, w = neuron_name(network, layer, i), "w"
        lines = [
            Line(
                f"{src} = {_num(numbers.input)}",
                f"what {src} sends along the weight"
                + ("" if numbers.n_examples == 1 else ", mean over the examples"),
            )
        ]
    if numbers.n_examples == 1:
        e = examples[0]
        if i is None:
            lines.append(Line(f"∂L/∂b = {delta} · 1 = {g}", "a bias's input is always 1"))
        else:
            lines.append(
                Line(
                    f"∂L/∂w = {delta} · {src} = {_factor(e.delta)} × {_factor(e.input)} = {g}",
                    "error signal × what came in: the gradient backprop computes",
                )
            )
        return lines
    for n, e in enumerate(examples):
        lines.append(
            Line(
                f"example {n + 1}: {delta} · {src} = {_factor(e.delta)} × {_factor(e.input)}"
                f" = {_num(e.product)}",
                f"x = {_vector(e.x)}, t = {_targets(e.t)}",
            )
        )
    if numbers.n_examples > len(examples):
        lines.append(Line(f"… and {numbers.n_examples - len(examples)} more examples"))
    each = f"{delta}ₙ" if i is None else f"{delta}ₙ · {src}ₙ"
    lines.append(
        Line(
            f"∂L/∂{w} = (1/{numbers.n_examples})·Σₙ {each} = {g}",
            f"the mean over the {numbers.n_examples} examples: the gradient backprop computes",
        )
    )
    return lines


def _step_line(numbers: SelectedNumbers) -> Line:
    w = "b" if numbers.is_bias else "w"
    eta = _eta(numbers.learning_rate)
    return Line(
        f"{w} ← {w} − η·∂L/∂{w} = {_num(numbers.weight)} − {eta} × {_factor(numbers.gradient)}"
        f" = {_num(numbers.updated)}",
        f"the value now, and after one step with η = {eta}",
    )


def selected_lines(network: Network, numbers: SelectedNumbers) -> tuple[str, list[Line]]:
    """The selected parameter's equations with its numbers filled in: ``(intro, lines)``.

    In order: the target neuron's ``z`` and activation, its ``δ``, the input
    along the weight, the gradient ``δ × input`` and the value after one step.
    """
    lines = [
        _z_line(network, numbers),
        _a_line(network, numbers),
        _delta_line(network, numbers),
        *_gradient_lines(network, numbers),
        _step_line(numbers),
    ]
    return _intro(network, numbers), lines


# -- everything ------------------------------------------------------------------------


def network_equations(
    network: Network,
    learning_rate: float,
    X: np.ndarray | None = None,
    T: np.ndarray | None = None,
    selected: Parameter | None = None,
    optimizer: str = "sgd",
    example: int | str | None = None,
) -> Equations:
    """All of "The math" for ``network``: forward, loss, backward, update, the conventions
    behind the numbers (where PyTorch's differ), and the selection.

    With ``selected`` and the examples ``X``, ``T`` (one row, or several for
    their mean) the last section fills the selected weight's (or bias's)
    equations in with the engine's numbers. ``example`` is the training-set
    row of a single example (or the name of one from outside the training set), so
    that the text names it as the chain rule does.
    """
    sections = [
        Section(
            "forward",
            "Forward pass",
            tuple(forward_lines(network)),
            "Each layer takes a weighted sum z = Wa + b of the layer below and applies "
            "its activation.",
        ),
        Section("loss", "Loss function", tuple(loss_lines(network))),
        Section(
            "backward",
            "Chain rule (backward pass)",
            tuple(backward_lines(network)),
            "δ = ∂L/∂z is each layer's error signal, computed from the output back; "
            "⊙ multiplies element by element.",
        ),
        Section(
            "update",
            "Weight update",
            tuple(update_lines(learning_rate, optimizer, network.has_bias)),
        ),
        Section(
            "conventions",
            "Conventions (and where PyTorch differs)",
            tuple(Line(text, note) for text, note in conventions(network, optimizer)),
            "How bpdesk counts; the exported PyTorch script counts the same way.",
        ),
    ]
    numbers = None
    if selected is not None and X is not None and T is not None and len(X):
        numbers = selected_numbers(network, X, T, selected, learning_rate, example=example)
        intro, lines = selected_lines(network, numbers)
        title = "The selected bias" if numbers.is_bias else "The selected weight"
        sections.append(Section("selected", title + ", with numbers", tuple(lines), intro))
    return Equations(tuple(sections), numbers)
