"""The chain rule for one weight, written out with the network's real numbers.

For weight ``W[layer][i, j]`` (from neuron ``i`` of layer ``layer`` to neuron
``j`` of the next layer) the gradient is a sum over every path from neuron
``j`` to an output, each path a product of factors read from the output back
to the weight:

    ∂L/∂ŷ · ∂ŷ/∂z · w · ∂a/∂z · … · w · ∂aⱼ/∂zⱼ · aᵢ

For the batch mean, each sample contributes such a sum (with ∂L/∂ŷ divided
by the batch size). When there would be too many terms to read, whole groups
of paths are folded into the ``δ = ∂L/∂z`` that backprop already summed for
them. Either way the terms add up to the gradient backprop computes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from bpdesk.core.network import Network

MAX_TERMS = 64


@dataclass(frozen=True)
class Factor:
    """One number in a chain-rule product, with its symbol and what it means."""

    symbol: str
    value: float
    meaning: str


@dataclass(frozen=True)
class ChainTerm:
    """A product of factors: one path to an output (or a group of paths) for one sample."""

    factors: tuple[Factor, ...]
    value: float
    path: tuple[int, ...]
    sample: int


@dataclass(frozen=True)
class ChainRule:
    """The gradient of one weight (or bias, ``i is None``) as a sum of chain-rule terms.

    ``grouping`` says what one term is: ``"paths"`` (one path to one output),
    ``"next-layer"`` (all paths through one neuron of the next layer, folded
    into its δ) or ``"samples"`` (everything for one sample, folded into δⱼ).
    ``total`` is the sum of the terms' values: the gradient.
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

    @property
    def parameter(self) -> str:
        """The parameter's name, e.g. ``W1[0,1]`` or ``b2[0]`` (layers counted from 1)."""
        if self.i is None:
            return f"b{self.layer + 1}[{self.j}]"
        return f"W{self.layer + 1}[{self.i},{self.j}]"


def neuron_name(network: Network, layer: int, index: int) -> str:
    """The learner's name for a neuron: ``x1`` inputs, ``h2`` hidden, ``ŷ`` the output (from 1)."""
    last = len(network.layer_sizes) - 1
    if layer == 0:
        return f"x{index + 1}"
    if layer == last:
        return "ŷ" if network.layer_sizes[-1] == 1 else f"ŷ{index + 1}"
    if last > 2:
        return f"h{layer}.{index + 1}"
    return f"h{index + 1}"


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
    acts = cache.activations  # acts[m]: (batch, n_m)
    zs = cache.zs  # zs[m]: weight layer m, (batch, n_{m+1})
    deltas = cache.deltas  # per sample ∂Lₙ/∂z
    funcs = network.activation_functions
    weights = network.weights
    L = network.n_layers
    scale = 1.0 / batch
    per = "" if batch == 1 else f" ÷ {batch}"

    def input_factor(n: int) -> Factor:
        if i is None:
            return Factor("1", 1.0, "a bias's input is always 1")
        name = neuron_name(network, layer, i)
        return Factor(f"a({name})", float(acts[layer][n, i]), f"what {name} sent along this weight")

    def local_factor(m: int, k: int, n: int) -> Factor:
        # neuron k of layer m+1, fed by weight layer m
        name = neuron_name(network, m + 1, k)
        d = funcs[m].derivative(zs[m][n : n + 1].T, acts[m + 1][n : n + 1].T)[k, 0]
        symbol = f"∂{name}/∂z" if m + 1 == L else f"∂a/∂z({name})"
        return Factor(symbol, float(d), f"slope of {funcs[m].name} at {name}")

    def output_factors(o: int, n: int) -> list[Factor]:
        name = neuron_name(network, L, o)
        loss, out = network.loss_function, funcs[-1]
        if out.name == loss.fused or not out.elementwise:
            return [
                Factor(
                    f"∂L/∂z({name})",
                    float(deltas[-1][n, o]) * scale,
                    f"error signal at {name}{per}",
                )
            ]
        y, t = acts[L][n : n + 1], Ts[n : n + 1]
        grad = float(loss.grad_output(y.T, t.T)[o, 0]) * scale
        return [
            Factor(
                f"∂L/∂{name}",
                grad,
                f"how the loss changes with {name} ({loss.gradient_formula.split('=')[-1].strip()}{per})",
            ),
            local_factor(L - 1, o, n),
        ]

    def weight_factor(m: int, a: int, b: int) -> Factor:
        src, dst = neuron_name(network, m, a), neuron_name(network, m + 1, b)
        return Factor(f"w({src}→{dst})", float(weights[m][a, b]), f"weight from {src} to {dst}")

    n_paths = int(np.prod(network.layer_sizes[layer + 2 :], dtype=np.int64)) if layer + 1 < L else 1
    terms: list[ChainTerm] = []
    hidden_target = layer + 1 < L
    if n_paths * batch <= max_terms:
        grouping = "paths"
        for n in range(batch):
            for rest in itertools.product(*(range(s) for s in network.layer_sizes[layer + 2 :])):
                path = (j, *rest)  # neuron index in layers layer+1 … L
                factors = output_factors(path[-1], n)
                for m in range(
                    L - 1, layer, -1
                ):  # weight layer m links path[m-layer-1] → path[m-layer]
                    a, b = path[m - layer - 1], path[m - layer]
                    factors += [weight_factor(m, a, b), local_factor(m - 1, a, n)]
                factors.append(input_factor(n))
                terms.append(_term(factors, path, rows[n]))
    elif hidden_target and network.layer_sizes[layer + 2] * batch <= max_terms:
        grouping = "next-layer"
        for n in range(batch):
            for k in range(network.layer_sizes[layer + 2]):
                name = neuron_name(network, layer + 2, k)
                delta = Factor(
                    f"δ({name})",
                    float(deltas[layer + 1][n, k]) * scale,
                    f"∂L/∂z at {name}, summing the paths beyond it{per}",
                )
                factors = [
                    delta,
                    weight_factor(layer + 1, j, k),
                    local_factor(layer, j, n),
                    input_factor(n),
                ]
                terms.append(_term(factors, (j, k), rows[n]))
    else:
        grouping = "samples"
        name = neuron_name(network, layer + 1, j)
        for n in range(batch):
            delta = Factor(
                f"δ({name})", float(deltas[layer][n, j]) * scale, f"∂L/∂z at {name}, all paths{per}"
            )
            terms.append(_term([delta, input_factor(n)], (j,), rows[n]))
    total = 0.0
    for term in terms:
        total += term.value
    rule = ChainRule(layer, i, j, sample, tuple(terms), grouping, n_paths, total, "")
    return replace(rule, blame=blame_text(network, rule, Xs, Ts, cache.output))


def _term(factors: list[Factor], path: tuple[int, ...], sample: int) -> ChainTerm:
    value = 1.0
    for f in factors:
        value *= f.value
    return ChainTerm(tuple(factors), value, path, sample)


def blame_text(
    network: Network, rule: ChainRule, X: np.ndarray, T: np.ndarray, Y: np.ndarray
) -> str:
    """Plain-language sentences: who is to blame for the error, and which way to move.

    ``X``, ``T`` and the outputs ``Y`` are the rows the rule was computed on.
    """
    g = rule.total
    target = neuron_name(network, rule.layer + 1, rule.j)
    source = "the bias" if rule.i is None else neuron_name(network, rule.layer, rule.i)
    what = "bias" if rule.i is None else "weight"
    sentences = []
    if rule.sample is not None and Y.shape[1] == 1:
        high = Y[0, 0] > T[0, 0]
        sentences.append(
            f"The output was {Y[0, 0]:.3f} for a target of {T[0, 0]:g}: "
            f"{'too high' if high else 'too low'}."
        )
    elif rule.sample is None:
        sentences.append(f"Blame is averaged over {len(X)} examples.")
    if abs(g) < 1e-12:
        sentences.append(
            f"This {what} gets no blame: nothing it does reaches the loss "
            f"(its input is 0, or a neuron on the way is switched off)."
        )
    else:
        direction = "raises" if g > 0 else "lowers"
        fix = "decrease" if g > 0 else "increase"
        sentences.append(
            f"The error signal flows back to {target}, and this {what} carries {source} into it, "
            f"so it takes blame {format(g, '+.4g').replace('-', '−')}: increasing it {direction} the loss, so gradient "
            f"descent will {fix} it."
        )
    return " ".join(sentences)
