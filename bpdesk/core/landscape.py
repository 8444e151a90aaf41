"""The error landscape of one weight: the loss as that weight alone moves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpdesk.core.network import Network, augment


@dataclass(frozen=True, eq=False)
class Landscape:
    """Loss along one weight's axis, with the tangent at the current value.

    ``slope`` is the backprop gradient at ``current`` (the tangent's slope);
    ``step_to`` is where one gradient-descent step of size ``learning_rate``
    lands and ``step_loss`` the loss there.
    """

    values: np.ndarray
    losses: np.ndarray
    current: float
    current_loss: float
    slope: float
    learning_rate: float
    step_to: float
    step_loss: float

    def tangent(self, w: np.ndarray) -> np.ndarray:
        """The tangent line at the current value, evaluated at ``w``."""
        return self.current_loss + self.slope * (np.asarray(w) - self.current)


def weight_landscape(
    network: Network,
    X: np.ndarray,
    T: np.ndarray,
    layer: int,
    i: int | None,
    j: int,
    learning_rate: float = 0.5,
    span: float | None = None,
    points: int = 201,
) -> Landscape:
    """Sweep ``W[layer][i, j]`` (or the bias when ``i`` is None) with every other parameter frozen.

    The sweep covers ``current ± span`` (by default wide enough to show the
    current value, the step's landing point and some of the curve's shape).
    The network is left exactly as it was.
    """
    index = network.bias_index(layer, j) if i is None else network.weight_index(layer, i, j)
    params = network.parameters
    current = float(params[index])
    loss, grad = network.flat_gradient(X, T)
    slope = float(grad[index])
    step_to = current - learning_rate * slope
    if span is None:
        span = max(2.0, 1.5 * abs(step_to - current), abs(current) * 0.5)
    values = np.linspace(current - span, current + span, points)
    xa = augment(X, network.dtype)
    t = np.ascontiguousarray(np.asarray(T, dtype=network.dtype).reshape(xa.shape[1], -1).T)
    ws = network.workspace(xa.shape[1])
    loss_fn = network.loss_function
    losses = np.empty(points)

    def loss_at(w: float) -> float:
        params[index] = w
        y = ws.forward(xa)
        return loss_fn.value(y, t, ws.z[-1])

    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for k, w in enumerate(values):
                losses[k] = loss_at(w)
            step_loss = loss_at(step_to)
    finally:
        params[index] = current
    return Landscape(values, losses, current, float(loss), slope, learning_rate, step_to, step_loss)
