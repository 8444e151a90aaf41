"""The chain rule for one weight, written out with the network's real numbers.

For weight ``W[layer][i, j]`` (from neuron ``i`` of layer ``layer`` to neuron
``j`` of the next layer) the gradient is a sum over every path from neuron
``j`` to an output, each path a product of factors read from the output back
to the weight:

    ∂L/∂ŷ · ∂ŷ/∂z · w · ∂h/∂z · … · w · ∂hⱼ/∂z · (what came in along the weight)

For the batch mean, each example contributes such a sum of its own, and the
gradient is their mean: every term ends with the factor ``1/n``. When there
would be too many terms to read, whole groups of paths are folded into the
``δ = ∂L/∂z`` that backprop already summed for them. Either way the terms add
up to the gradient backprop computes.

Parameters are named the way the editor draws them, by the neurons they join:
``w(x2 → h1)`` is the weight on the line from ``x2`` to ``h1`` and ``b(h1)``
the bias of ``h1``. "The math" dock uses the same names
(:mod:`bpdesk.core.equations`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bpdesk.core.network import ForwardCache, Network
from bpdesk.core.numbers import format_data_value, format_number

MAX_TERMS = 64
# An example with more inputs (or classes) than this is named by its size (or class):
# 64 or 784 numbers would make a title wider than the window.
MAX_LISTED_VALUES = 8


@dataclass(frozen=True)
class Factor:
    """One number in a chain-rule product, with its symbol and what it means.

    A ``constant`` (a bias's input 1, the ``1/n`` of a mean) is not read from
    the network: it is shown by its symbol alone.
    """

    symbol: str
    value: float
    meaning: str
    constant: bool = False


@dataclass(frozen=True)
class ChainTerm:
    """A product of factors: one path to an output (or a group of paths) for one example.

    ``value`` is the product of all the factors; ``example_value`` the same
    product without the final ``1/n`` of a batch mean (equal to ``value`` for
    one example): that example's own contribution.
    """

    factors: tuple[Factor, ...]
    value: float
    path: tuple[int, ...]
    sample: int
    example_value: float


@dataclass(frozen=True)
class ChainRule:
    """The gradient of one weight (or bias, ``i is None``) as a sum of chain-rule terms.

    ``grouping`` says what one term is: ``"paths"`` (one path to one output),
    ``"next-layer"`` (all paths through one neuron of the next layer, folded
    into its δ) or ``"samples"`` (everything for one example, folded into δⱼ).
    ``total`` is the sum of the terms' values: the gradient. ``n_examples`` is
    1 for one example and the batch size for a mean (then each term carries a
    last factor ``1/n_examples``). ``parameter`` names the weight or bias
    (:func:`parameter_name`) and ``examples`` says which numbers these are
    (:func:`examples_text`).
    """

    layer: int
    i: int | None
    j: int
    sample: int | None
    terms: tuple[ChainTerm, ...]
    grouping: str
    n_paths: int
    total: float
    blame: str
    parameter: str = ""
    n_examples: int = 1
    examples: str = ""

    @property
    def is_bias(self) -> bool:
        """True for a bias."""
        return self.i is None

    @property
    def derivative(self) -> str:
        """``∂L/∂w(x2 → h1)`` or ``∂L/∂b(h1)``."""
        return f"∂L/∂{self.parameter}"


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 path``, ``2 paths``; ``words`` for an irregular plural."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def neuron_name(network: Network, layer: int, index: int) -> str:
    """The learner's name for a neuron: ``x1`` inputs, ``h2`` hidden, ``ŷ`` the output (from 1)."""
    return network.neuron_name(layer, index)


def weight_name(network: Network, layer: int, i: int, j: int) -> str:
    """``w(x2 → h1)``: the weight on the line from neuron ``i`` to neuron ``j``."""
    return network.parameter_name(layer, i, j)


def parameter_name(network: Network, layer: int, i: int | None, j: int) -> str:
    """``w(x2 → h1)`` for a weight, ``b(h1)`` for the bias of ``h1`` (``i`` None)."""
    return network.parameter_name(layer, i, j)


def parameter_meaning(network: Network, layer: int, i: int | None, j: int) -> str:
    """What the name stands for, in words: the convention, said once per panel."""
    target = neuron_name(network, layer + 1, j)
    if i is None:
        return f"{parameter_name(network, layer, i, j)} is the bias of {target} (the b under it)"
    source = neuron_name(network, layer, i)
    return f"{parameter_name(network, layer, i, j)} is the weight on the line from {source} to {target}"


def example_text(x: npt.ArrayLike, t: npt.ArrayLike, sample: int | str | None) -> str:
    """One example: ``example 2: x = (0, 1), t = 1`` (``sample`` counted from 0, None if
    unknown, or the example's own name for one from outside the training set, such as
    ``"test example 17"``).

    An example of more than :data:`MAX_LISTED_VALUES` inputs (a picture) is said by its
    size, ``x = 64 inputs``, and a one-hot target of as many classes by its class.
    """
    values = np.ravel(x)
    if len(values) > MAX_LISTED_VALUES:
        inputs = f"{len(values)} inputs"
    else:
        inputs = "(" + ", ".join(format_data_value(v) for v in values) + ")"
    targets = np.ravel(t)
    if len(targets) == 1:
        target = format_data_value(targets[0])
    elif len(targets) > MAX_LISTED_VALUES and np.count_nonzero(targets == 1) == 1:
        target = f"class {int(np.argmax(targets))}"
    else:
        target = "(" + ", ".join(map(format_data_value, targets)) + ")"
    if isinstance(sample, str):
        which = sample
    else:
        which = "the example" if sample is None else f"example {sample + 1}"
    return f"{which}: x = {inputs}, t = {target}"


def mean_text(n_examples: int) -> str:
    """The batch mean: ``the mean over the 4 examples``."""
    return f"the mean over the {n_examples} examples"


def examples_text(X: np.ndarray, T: np.ndarray, sample: int | None) -> str:
    """Which numbers are shown: :func:`example_text` for one row, :func:`mean_text` for more.

    ``X`` and ``T`` are the rows used; ``sample`` is the one example's index in
    the training set.
    """
    return example_text(X[0], T[0], sample) if len(X) == 1 else mean_text(len(X))


def explain_weight(
    network: Network,
    X: np.ndarray,
    T: np.ndarray,
    layer: int,
    i: int | None,
    j: int,
    sample: int | None = None,
    max_terms: int = MAX_TERMS,
) -> ChainRule:
    """Explain ``∂L/∂W[layer][i, j]`` (or ``∂L/∂b[layer][j]`` when ``i`` is None).

    With ``sample`` the loss is that one example's; with ``None`` it is the
    batch mean over all rows of ``X``.
    """
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64).reshape(len(X), -1)
    if i is None:
        network.bias_index(layer, j)
    else:
        network.weight_index(layer, i, j)
    rows = list(range(len(X))) if sample is None else [sample]
    Xs, Ts = X[rows], T[rows]
    batch = len(Xs)
    _, cache = network.forward(Xs)
    network.backward(cache, Ts)
    factors = _Factors(network, cache, Ts, layer, i)
    # The mean's 1/n is a factor of its own, so that every other number is
    # the example's own, as "The math" shows it.
    mean = (
        [Factor(f"1/{batch}", 1.0 / batch, f"the mean over the {batch} examples", constant=True)]
        if batch > 1
        else []
    )
    L = network.n_layers
    n_paths = int(np.prod(network.layer_sizes[layer + 2 :], dtype=np.int64)) if layer + 1 < L else 1
    if n_paths * batch <= max_terms:
        grouping, terms = "paths", _path_terms(factors, j, rows, mean)
    elif layer + 1 < L and network.layer_sizes[layer + 2] * batch <= max_terms:
        grouping, terms = "next-layer", _next_layer_terms(factors, j, rows, mean)
    else:
        grouping, terms = "samples", _sample_terms(factors, j, rows, mean)
    total = 0.0
    for term in terms:
        total += term.value
    rule = ChainRule(
        layer,
        i,
        j,
        sample,
        tuple(terms),
        grouping,
        n_paths,
        total,
        "",
        parameter=parameter_name(network, layer, i, j),
        n_examples=batch,
        examples=examples_text(Xs, Ts, sample),
    )
    inputs = np.ones(batch) if i is None else factors.acts[layer][:, i]
    return replace(rule, blame=blame_text(network, rule, inputs, Ts, cache.output))


class _Factors:
    """The numbers of one forward and backward pass, read out as chain-rule factors.

    The pass ran over the rows being explained, so example ``n`` here is the
    ``n``-th of those rows; ``layer`` and ``i`` name the weight (``i`` None for
    a bias) whose gradient the factors multiply out to.
    """

    def __init__(
        self, network: Network, cache: ForwardCache, Ts: np.ndarray, layer: int, i: int | None
    ) -> None:
        self.network = network
        self.layer = layer
        self.i = i
        self.Ts = Ts  # the targets (batch, n_out)
        self.acts = cache.activations  # acts[m]: (batch, n_m)
        self.zs = cache.zs  # zs[m]: weight layer m, (batch, n_{m+1})
        self.deltas = cache.deltas  # each example's own ∂Lₙ/∂z
        self.funcs = network.activation_functions
        self.weights = network.weights

    def input(self, n: int) -> Factor:
        """What came in along the weight for example ``n`` (1 for a bias)."""
        if self.i is None:
            return Factor("1", 1.0, "a bias's input is always 1", constant=True)
        name = neuron_name(self.network, self.layer, self.i)
        value = float(self.acts[self.layer][n, self.i])
        return Factor(name, value, f"what {name} sent along this weight")

    def local(self, m: int, k: int, n: int) -> Factor:
        """The slope ``∂h/∂z`` of neuron ``k`` of layer ``m + 1`` (fed by weight layer ``m``)."""
        name = neuron_name(self.network, m + 1, k)
        d = self.funcs[m].derivative(self.zs[m][n : n + 1].T, self.acts[m + 1][n : n + 1].T)[k, 0]
        return Factor(f"∂{name}/∂z({name})", float(d), f"slope of {self.funcs[m].name} at {name}")

    def output(self, o: int, n: int) -> list[Factor]:
        """Where a path starts, at output ``o``: ``∂L/∂z``, or ``∂L/∂ŷ`` and the output's slope."""
        L = self.network.n_layers
        name = neuron_name(self.network, L, o)
        loss, out = self.network.loss_function, self.funcs[-1]
        if out.name == loss.fused or not out.elementwise:
            delta = float(self.deltas[-1][n, o])
            return [Factor(f"∂L/∂z({name})", delta, f"error signal at {name}")]
        y, t = self.acts[L][n : n + 1], self.Ts[n : n + 1]
        grad = float(loss.grad_output(y.T, t.T)[o, 0])
        formula = loss.gradient_formula.split("=")[-1].strip()
        return [
            Factor(f"∂L/∂{name}", grad, f"how the loss changes with {name} ({formula})"),
            self.local(L - 1, o, n),
        ]

    def weight(self, m: int, a: int, b: int) -> Factor:
        """The weight of layer ``m`` from neuron ``a`` to neuron ``b``."""
        src, dst = neuron_name(self.network, m, a), neuron_name(self.network, m + 1, b)
        return Factor(
            weight_name(self.network, m, a, b),
            float(self.weights[m][a, b]),
            f"weight from {src} to {dst}",
        )

    def delta(self, m: int, k: int, n: int, meaning: str) -> Factor:
        """Backprop's ``δ = ∂L/∂z`` of neuron ``k`` of layer ``m + 1``, for example ``n``."""
        name = neuron_name(self.network, m + 1, k)
        return Factor(f"δ({name})", float(self.deltas[m][n, k]), f"∂L/∂z at {name}: {meaning}")


def _path_terms(factors: _Factors, j: int, rows: list[int], mean: list[Factor]) -> list[ChainTerm]:
    """One term per path from neuron ``j`` to an output, for each example."""
    network, layer = factors.network, factors.layer
    L = network.n_layers
    terms = []
    for n in range(len(rows)):
        for rest in itertools.product(*(range(s) for s in network.layer_sizes[layer + 2 :])):
            path = (j, *rest)  # neuron index in layers layer+1 … L
            chain = factors.output(path[-1], n)
            # weight layer m links path[m-layer-1] → path[m-layer]
            for m in range(L - 1, layer, -1):
                a, b = path[m - layer - 1], path[m - layer]
                chain += [factors.weight(m, a, b), factors.local(m - 1, a, n)]
            chain.append(factors.input(n))
            terms.append(_term(chain, mean, path, rows[n]))
    return terms


def _next_layer_terms(
    factors: _Factors, j: int, rows: list[int], mean: list[Factor]
) -> list[ChainTerm]:
    """One term per neuron of the layer after ``j``'s, its δ standing for the paths beyond it."""
    layer = factors.layer
    terms = []
    for n in range(len(rows)):
        for k in range(factors.network.layer_sizes[layer + 2]):
            chain = [
                factors.delta(layer + 1, k, n, "backprop's sum of the paths beyond it"),
                factors.weight(layer + 1, j, k),
                factors.local(layer, j, n),
                factors.input(n),
            ]
            terms.append(_term(chain, mean, (j, k), rows[n]))
    return terms


def _sample_terms(
    factors: _Factors, j: int, rows: list[int], mean: list[Factor]
) -> list[ChainTerm]:
    """One term per example: neuron ``j``'s δ (every path summed) times the input."""
    terms = []
    for n in range(len(rows)):
        delta = factors.delta(factors.layer, j, n, "all paths summed")
        terms.append(_term([delta, factors.input(n)], mean, (j,), rows[n]))
    return terms


def _term(
    factors: list[Factor], mean: list[Factor], path: tuple[int, ...], sample: int
) -> ChainTerm:
    value = 1.0
    for f in factors:
        value *= f.value
    example_value = value
    for f in mean:
        value *= f.value
    return ChainTerm((*factors, *mean), value, path, sample, example_value)


def precise_number(value: float, decimals: int = 5, signed: bool = False) -> str:
    """A factor or gradient to multiply out by hand: ``0.12345``, or ``−7.169e−5`` when small.

    Fixed decimals would leave a gradient of 7.2e−5 one significant digit
    (``−0.00007``); a value that would show fewer than three is written with
    four in the short scientific form the diagram uses for small values.
    """
    value = float(value)
    if value != 0 and np.isfinite(value) and abs(value) < 10.0 ** (2 - decimals):
        mantissa, exponent = f"{value:{'+' if signed else ''}.3e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    elif signed and np.isfinite(value):
        text = f"{value:+.{decimals}f}"
    else:
        return format_number(value, decimals)
    return text.replace("-", "−")


def blame_text(
    network: Network, rule: ChainRule, inputs: np.ndarray, T: np.ndarray, Y: np.ndarray
) -> str:
    """Plain-language sentences: who is to blame for the error, and which way to move.

    ``inputs`` is what came in along the parameter (1 for a bias), ``T`` the
    targets and ``Y`` the outputs, for the rows the rule was computed on.
    """
    g = rule.total
    i = rule.i  # None for a bias
    target = neuron_name(network, rule.layer + 1, rule.j)
    what = "bias" if rule.is_bias else "weight"
    sentences = []
    if rule.n_examples == 1 and Y.shape[1] == 1:
        high = Y[0, 0] > T[0, 0]
        sentences.append(
            f"The output was {Y[0, 0]:.3f} for a target of {T[0, 0]:g}: "
            f"{'too high' if high else 'too low'}."
        )
    elif rule.n_examples > 1:
        sentences.append(f"Blame is averaged over the {rule.n_examples} examples.")
    if i is None:
        carries = (
            f"this bias is added straight into {target}'s weighted sum (its input is always 1)"
        )
    else:
        source = neuron_name(network, rule.layer, i)
        carries = f"this weight carries what {source} sends into it"
    if abs(g) < 1e-12:
        if rule.n_examples > 1:
            why = "the examples' blame cancels out, so a nudge does not change the mean loss"
        elif i is not None and inputs[0] == 0:
            source = neuron_name(network, rule.layer, i)
            why = f"{source} sends 0 along it for this example, so a nudge changes nothing"
        else:
            why = (
                f"no error signal reaches {target} (the output is right, or a neuron on the "
                "way is switched off)"
            )
        sentences.append(f"This {what} gets no blame: {why}.")
    else:
        direction = "raises" if g > 0 else "lowers"
        fix = "decrease" if g > 0 else "increase"
        blame = precise_number(g, 5, signed=True)  # as the panel writes the total
        sentences.append(
            f"The error signal flows back to {target}, and {carries}, so it takes blame "
            f"{blame}: increasing it {direction} the loss, so gradient descent will {fix} it."
        )
    return " ".join(sentences)
