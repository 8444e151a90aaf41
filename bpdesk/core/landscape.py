"""The error landscape of one weight: the loss as that weight alone moves."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpdesk.core.datasets import Dataset
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
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged weight's huge slope
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
    value_range: tuple[float, float] | None = None,
    curve: Landscape | None = None,
) -> Landscape:
    """Sweep ``W[layer][i, j]`` (or the bias when ``i`` is None) with every other parameter frozen.

    The sweep covers ``value_range`` when given (a view that must stay put
    while the weight is dragged), else ``current ± span`` (by default wide
    enough to show the current value, the step's landing point and some of
    the curve's shape). The network is left exactly as it was.

    ``curve``, an earlier landscape of the same weight, is reused instead of
    sweeping again: valid as long as nothing but this weight has changed since
    (moving the weight moves the point along the curve, not the curve).
    """
    index = network.bias_index(layer, j) if i is None else network.weight_index(layer, i, j)
    params = network.parameters
    current = float(params[index])
    loss, grad = network.flat_gradient(X, T)
    slope = float(grad[index])
    step_to = current - learning_rate * slope
    if value_range is None:
        if span is None:
            span = max(2.0, 1.5 * abs(step_to - current), abs(current) * 0.5)
        value_range = (current - span, current + span)
    xa = augment(X, network.dtype)
    t = np.ascontiguousarray(np.asarray(T, dtype=network.dtype).reshape(xa.shape[1], -1).T)
    ws = network.workspace(xa.shape[1])
    loss_fn = network.loss_function

    def loss_at(w: float) -> float:
        params[index] = w
        y = ws.forward(xa)
        return loss_fn.value(y, t, ws.z[-1])

    try:
        with np.errstate(over="ignore", invalid="ignore"):
            if curve is None:
                values = np.linspace(value_range[0], value_range[1], points)
                losses = np.array([loss_at(w) for w in values])
            else:
                values, losses = curve.values, curve.losses
            step_loss = loss_at(step_to)
    finally:
        params[index] = current
    return Landscape(values, losses, current, float(loss), slope, learning_rate, step_to, step_loss)


# -- the explainer's single-weight example ------------------------------------------


def single_weight_network(w: float = 0.5) -> Network:
    """One input, one linear output, no bias, loss ``se``: ``ŷ = w·x`` and ``L = (ŷ − t)²``."""
    return Network(
        [1, 1], ["linear"], loss="se", init="xavier", parameters=np.array([w, 0.0]), bias=False
    )


def single_weight_dataset() -> Dataset:
    """The explainer's one example: ``x = 1`` with target ``2``."""
    empty = np.empty((0, 1))
    return Dataset(
        "regression",
        np.array([[1.0]]),
        np.array([[2.0]]),
        empty,
        empty,
        title="One weight (x = 1, t = 2)",
    )


@dataclass(frozen=True)
class LandscapeReadout:
    """What the explainer writes under the landscape, for one weight and some rows.

    ``output`` and ``target`` are means over the rows, one entry per output
    neuron. The ``*_text`` fields are the learner's words with two decimals
    and a real minus sign: ``0.50 × 1 = 0.50``, ``(0.50 − 2)² = 2.25``, ``−3.00``.
    """

    parameter: str
    value: float
    rows: int
    output: tuple[float, ...]
    target: tuple[float, ...]
    loss: float
    gradient: float
    output_text: str
    target_text: str
    loss_text: str
    gradient_text: str
    sign_text: str
    suggestion: str
    meaning: str

    @property
    def sign(self) -> int:
        """−1, 0 or +1: the sign of the gradient."""
        return (self.gradient > 0) - (self.gradient < 0)


def landscape_readout(
    network: Network, X: np.ndarray, T: np.ndarray, layer: int, i: int | None, j: int
) -> LandscapeReadout:
    """Output, target, loss and gradient of ``W[layer][i, j]`` (the bias when ``i`` is None), in words.

    ``X`` and ``T`` are the rows the landscape uses: one example, or several
    (then the output and target are means and the loss and gradient are the
    batch mean's).
    """
    index = network.bias_index(layer, j) if i is None else network.weight_index(layer, i, j)
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    T = np.asarray(T, dtype=np.float64).reshape(len(X), -1)
    loss, grad = network.flat_gradient(X, T)
    g = float(grad[index])
    y = network.predict(X).mean(axis=0)
    t = T.mean(axis=0)
    n = len(X)
    noun = "bias" if i is None else "weight"
    value = float(network.parameters[index])

    if n == 1 and network.layer_sizes == (1, 1):
        # ŷ = f(w·x + b): the whole computation fits on one line.
        w, b = float(network.weights[0][0, 0]), float(network.biases[0][0])
        text = f"{_num(w)} × {_operand(float(X[0, 0]))}"
        if b:
            text += f" {'+' if b > 0 else '−'} {_num(abs(b))}"
        act = network.activations[-1]
        if act != "linear":
            text = f"{act}({text})"
        output_text = f"{text} = {_num(y[0])}"
    elif n == 1:
        output_text = f"ŷ = {_nums(y)}"
    else:
        output_text = f"mean ŷ = {_nums(y)} over {n} examples"
    target_text = _targets(t) if n == 1 else f"{_nums(t)} (mean of {n} examples)"
    loss_fn = network.loss_function
    if n == 1 and len(y) == 1 and loss_fn.name in ("se", "mse"):
        half = "½·" if loss_fn.name == "mse" else ""
        loss_text = f"{half}({_num(y[0])} − {_operand(t[0])})² = {_num(loss)}"
    elif n == 1:
        loss_text = f"{loss_fn.title} = {_num(loss)}"
    else:
        loss_text = f"{loss_fn.title}, mean over {n} examples = {_num(loss)}"

    if g < 0:
        sign_text = f"negative (↘ increasing {noun} decreases error)"
        suggestion = f"Increase the {noun} to reduce error"
    elif g > 0:
        sign_text = f"positive (↗ increasing {noun} increases error)"
        suggestion = f"Decrease the {noun} to reduce error"
    else:
        sign_text = f"zero (flat: this {noun} does not change the error here)"
        suggestion = f"Leave the {noun}: nudging it does not change the error here"
    if g:
        # "By 1" would mislead: the slope holds only for small moves.
        meaning = (
            f"Nudging the {noun} up by a small amount ε changes the error by about {_num(g)} × ε."
        )
    else:
        meaning = f"A small change of this {noun} leaves the error as it is."
    return LandscapeReadout(
        parameter=network.parameter_name(layer, i, j),  # not all 109,386 names to index one
        value=value,
        rows=n,
        output=tuple(float(v) for v in y),
        target=tuple(float(v) for v in t),
        loss=float(loss),
        gradient=g,
        output_text=output_text,
        target_text=target_text,
        loss_text=loss_text,
        gradient_text=_num(g),
        sign_text=sign_text,
        suggestion=suggestion,
        meaning=meaning,
    )


def _num(value: float) -> str:
    """Two decimals and a real minus sign (``−3.00``); small values keep two significant digits.

    ``0.016`` rather than ``0.02``, ``0.0011`` rather than ``0.00``: a small
    gradient is still a gradient. Below 0.0001 the exponent form takes over.
    """
    value = float(value)
    if not np.isfinite(value):
        return "∞" if value > 0 else "−∞" if value < 0 else "not a number"
    size = abs(value)
    if value == 0 or size >= 0.095:
        text = f"{value:.2f}"
        if float(text) == 0:
            text = text.lstrip("-")
    elif size >= 1e-4:
        text = f"{value:.{1 - math.floor(math.log10(size))}f}"
    else:
        text = f"{value:.1e}"
    return text.replace("-", "−")


def _plain(value: float) -> str:
    """Whole numbers as they are (``1``, ``2``), others with two decimals."""
    return f"{value:g}".replace("-", "−") if float(value).is_integer() else _num(value)


def _operand(value: float) -> str:
    """An input or target inside a formula: plain, and in brackets when negative."""
    text = _plain(value)
    return f"({text})" if value < 0 else text


def _nums(values: np.ndarray) -> str:
    return _num(values[0]) if len(values) == 1 else f"({', '.join(_num(v) for v in values)})"


def _targets(values: np.ndarray) -> str:
    return _plain(values[0]) if len(values) == 1 else f"({', '.join(_plain(v) for v in values)})"
