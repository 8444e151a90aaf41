"""The chain rule for one weight of a big network: every path at once, summed.

A weight of the digits network's first layer reaches the loss along 64 × 10 = 640
paths, for each of over a thousand examples: far too many products to list
(:mod:`bpdesk.core.chainrule` folds them into backprop's δ instead). Here every
path's product is computed at once with NumPy, one array axis per layer, and the
learner is shown how many paths there are, that their products add up to the
gradient, and the few largest.

A path of weight ``W[layer][i, j]`` runs through neuron ``j`` of layer ``layer + 1``
and one neuron of each later layer to an output ``o``; for example ``n`` its product
is

    δₙ(o) · w · ∂h/∂z · … · w · ∂hⱼ/∂z · (what came in along the weight)

where ``δₙ(o) = ∂Lₙ/∂z`` at the output (the loss's slope and the output's, or the
two fused as softmax with cross-entropy is). A path's *share* of the gradient is
its product averaged over the examples, as the gradient is; the shares add up to
``∂L/∂W[layer][i, j]`` exactly as backprop computes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpdesk.core.network import Network

LARGEST = 5  # how many of the largest path shares a summary lists
# Path products computed at once at most (examples × paths): a chunk of examples is
# summed before the next is computed, so memory stays bounded (8 MB of float64).
CHUNK_ELEMENTS = 1_000_000
# Beyond this many paths per example the shares are not computed (a deep wide network
# has more paths than there are atoms); the total is still backprop's.
MAX_PATHS = 4_000_000


@dataclass(frozen=True)
class PathShare:
    """One path's share of a gradient: ``path`` is the neuron it passes through in each
    layer from ``layer + 1`` to the output, ``value`` its product averaged over the
    examples (the 1/n of the mean included)."""

    path: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class PathSummary:
    """Every path from a weight (or bias, ``i`` None) to the loss, summed.

    ``n_paths`` is the number of paths for one example, ``n_examples`` how many
    examples the gradient averages; ``largest`` the few paths with the largest
    shares by size, largest first (empty when there are more than
    :data:`MAX_PATHS`); ``total`` the sum of all the shares, the gradient.
    """

    layer: int
    i: int | None
    j: int
    n_paths: int
    n_examples: int
    total: float
    largest: tuple[PathShare, ...]

    @property
    def n_terms(self) -> int:
        """How many products the gradient adds up: one per path and example."""
        return self.n_paths * self.n_examples


def count_paths(network: Network, layer: int) -> int:
    """How many paths lead from a weight of weight layer ``layer`` to the outputs
    (for one example): one for each choice of a neuron in each later layer."""
    return math.prod(network.layer_sizes[layer + 2 :])


def summarize_paths(
    network: Network,
    X: np.ndarray,
    T: np.ndarray,
    layer: int,
    i: int | None,
    j: int,
    sample: int | None = None,
    largest: int = LARGEST,
) -> PathSummary:
    """The paths of ``∂L/∂W[layer][i, j]`` (``∂L/∂b[layer][j]`` when ``i`` is None) for
    the batch mean over ``X`` (or example ``sample`` alone): how many, their total and
    the ``largest`` few."""
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64).reshape(len(X), -1)
    if i is None:
        network.bias_index(layer, j)
    else:
        network.weight_index(layer, i, j)
    if sample is not None:
        X, T = X[sample : sample + 1], T[sample : sample + 1]
    _, cache = network.forward(X)
    network.backward(cache, T)
    acts = [np.asarray(a, dtype=np.float64) for a in cache.activations]
    zs = [np.asarray(z, dtype=np.float64) for z in cache.zs]
    deltas = [np.asarray(d, dtype=np.float64) for d in cache.deltas]
    batch = len(X)
    incoming = np.ones(batch) if i is None else acts[layer][:, i]  # (batch,)
    n_paths = count_paths(network, layer)
    total = float(np.mean(deltas[layer][:, j] * incoming))  # backprop's δⱼ × input
    if n_paths > MAX_PATHS:
        return PathSummary(layer, i, j, n_paths, batch, total, ())
    funcs = network.activation_functions
    # ∂h/∂z of each hidden layer after the weight, per example: (batch, n).
    slopes = {
        m: np.asarray(funcs[m].derivative(zs[m].T, acts[m + 1].T), dtype=np.float64).T
        for m in range(layer, network.n_layers - 1)
    }
    shares = np.zeros(network.layer_sizes[layer + 2 :])
    step = max(1, CHUNK_ELEMENTS // max(n_paths, 1))
    for start in range(0, batch, step):
        rows = slice(start, start + step)
        shares += _path_products(network, layer, j, incoming[rows], slopes, deltas, rows).sum(
            axis=0
        )
    shares /= batch
    flat = shares.ravel()
    top = min(largest, flat.size)
    order = np.argpartition(-np.abs(flat), top - 1)[:top] if top else np.array([], int)
    order = order[np.argsort(-np.abs(flat[order]), kind="stable")]
    shape = shares.shape
    listed = tuple(
        PathShare((j, *(int(k) for k in np.unravel_index(int(f), shape))), float(flat[f]))
        for f in order
    )
    return PathSummary(layer, i, j, n_paths, batch, float(math.fsum(flat)), listed)


def _path_products(
    network: Network,
    layer: int,
    j: int,
    incoming: np.ndarray,
    slopes: dict[int, np.ndarray],
    deltas: list[np.ndarray],
    rows: slice,
) -> np.ndarray:
    """Every path's product for the examples ``rows``: ``(batch, n_{layer+2}, …, n_L)``
    (``(batch,)`` for a weight into an output: its one path)."""
    last = network.n_layers - 1
    if layer == last:
        return deltas[-1][rows, j] * incoming
    # At neuron j of layer+1: what came in, times its slope.
    g = incoming * slopes[layer][rows, j]  # (batch,)
    weights = network.weights
    for m in range(layer + 1, last + 1):
        w = np.asarray(weights[m], dtype=np.float64)
        # Along weight layer m: from the path's last neuron to each of the next layer's.
        g = g[..., None] * w[j] if m == layer + 1 else g[..., None] * w
        # Then that neuron's slope (or, at the output, δ = ∂L/∂z, the loss's part fused in).
        local = deltas[-1][rows] if m == last else slopes[m][rows]
        g = g * local.reshape(local.shape[0], *([1] * (g.ndim - 2)), local.shape[1])
    return g


def path_text(network: Network, layer: int, path: tuple[int, ...]) -> str:
    """A path by its neurons' names: ``h1.5 → h2.3 → ŷ7``."""
    return " → ".join(network.neuron_name(layer + 1 + k, n) for k, n in enumerate(path))
