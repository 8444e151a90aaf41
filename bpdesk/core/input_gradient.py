"""Where is the blame? ∂L/∂input: backpropagation carried one step past the first layer.

Backprop stops at the first weight layer because inputs are not parameters:
nothing can learn them. One more step of the same rule gives the loss's
sensitivity to each input, ``∂L/∂x = δ₁ · W₁ᵀ`` (``δ₁ = ∂L/∂z`` of the first
weight layer, ``W₁`` its ``(n_in, n_1)`` weights). For a drawn digit it says,
pixel by pixel, which ink would make the loss for a chosen target larger
(positive) or smaller (negative).
"""

from __future__ import annotations

import numpy as np

from bpdesk.core.network import Network


def input_gradients(network: Network, X: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each row's own ``∂Lₙ/∂xₙ`` for inputs ``X`` ``(batch, n_in)`` with targets ``T``
    ``(batch, n_out)``: ``(batch, n_in)``, float64. (The batch-mean loss's gradient with
    respect to row ``n`` is this row divided by the batch size.)"""
    result = network.backpropagate(X, T)
    return input_gradient_from_delta(network, result.deltas[0])


def input_gradient_from_delta(network: Network, delta: np.ndarray) -> np.ndarray:
    """``∂L/∂x = δ₁ · W₁ᵀ`` from the first weight layer's δ of a backward pass already run:
    ``(n_1,)`` gives ``(n_in,)``, ``(batch, n_1)`` gives ``(batch, n_in)``. A mean of the
    examples' δ gives the mean of their ``∂Lₙ/∂xₙ`` (the step is linear)."""
    weights = network.weights[0]  # (n_in, n_1)
    return np.asarray(np.asarray(delta, dtype=np.float64) @ weights.T, dtype=np.float64)


def class_target(network: Network, label: int) -> np.ndarray:
    """The one-hot target ``(n_out,)`` that says "this is digit ``label``"."""
    n_out = network.layer_sizes[-1]
    if not 0 <= label < n_out:
        raise ValueError(f"class {label} is outside a network of {n_out} outputs")
    target = np.zeros(n_out)
    target[label] = 1.0
    return target


def input_gradient(network: Network, x: np.ndarray, label: int) -> np.ndarray:
    """``∂L/∂x`` ``(n_in,)`` for one input row ``x`` and the target class ``label``: where
    more ink would raise the loss of calling ``x`` a ``label`` (positive) or lower it."""
    row = np.asarray(x, dtype=np.float64).reshape(1, -1)
    return input_gradients(network, row, class_target(network, label)[None, :])[0]
