"""Bugs to inject into backprop: plausible mistakes that the gradient check catches.

Each :class:`Bug` is a complete backward pass, written here from the same
formulas as :mod:`bpdesk.core.network` (batch as rows, ``z = x @ W + b``,
``a = f(z)``, loss averaged over the batch) but with one deliberate mistake
of the kind people really make. A bug is a function ``(network, X, T) ->
flat gradient``, so it can stand in for the engine in
:func:`bpdesk.core.gradcheck.gradient_check` via ``backprop=``; it reads the
network and never changes it, and it never touches the shared activation
objects.

Some mistakes cannot show on some networks: a wrong sigmoid derivative on a
network without a sigmoid layer, say, or forgetting the batch mean on a
single example. :meth:`Bug.applies` says whether a bug can show, and
:meth:`Bug.why_not` says why not in the learner's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpdesk.core.activations import get_activation
from bpdesk.core.network import Network

# A replacement for one layer's f'(z): given the activation's name, z and
# a = f(z) (both (batch, n)), the wrong derivative, or None to keep the right one.
Derivative = Callable[[str, np.ndarray, np.ndarray], "np.ndarray | None"]


@dataclass(frozen=True)
class Mistake:
    """What a backward pass gets wrong; the defaults are the correct pass."""

    derivative: Derivative | None = None  # a wrong f'(z) for some activations
    output_factor: float = 1.0  # the output error (ŷ − t, or ∂L/∂ŷ) comes out times this
    squared_error_factor: float = 1.0  # the same, for the squared-error loss only
    mean_over_batch: bool = True  # False: the batch *sum* of the gradients
    bias_gradients: bool = True  # False: ∂L/∂b left at zero
    input_is_z: bool = False  # ∂W uses the layer below's z instead of its a = f(z)


def reference_gradient(network: Network, X: np.ndarray, T: np.ndarray) -> np.ndarray:
    """The correct gradient by this module's own backward pass (the control for every bug).

    Laid out like :attr:`Network.parameters`: per layer, the weights row by
    row, then the biases.
    """
    return backward_with(network, X, T, Mistake())


def backward_with(network: Network, X: np.ndarray, T: np.ndarray, mistake: Mistake) -> np.ndarray:
    """One forward and one backward pass over ``(X, T)`` that makes ``mistake``.

    Returns the flat gradient of the batch-mean loss, laid out like
    :attr:`Network.parameters`, in float64.
    """
    x, t = _batch(network, X, T)
    weights = [np.asarray(w, dtype=np.float64) for w in network.weights]
    biases = [np.asarray(b, dtype=np.float64) for b in network.biases]
    acts = network.activations

    # Forward, keeping what the backward pass reads: a[l] is layer l's input
    # (batch, n_l), z[l] its weighted sum (batch, n_{l+1}).
    a, z = [x], []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z.append(a[-1] @ w + b)  # (batch, n_out)
        a.append(get_activation(acts[l])(z[-1]))
    y = a[-1]

    # Output layer: δ = ∂Lₙ/∂z per sample. With a matching loss (sigmoid with
    # binary cross-entropy, softmax with cross-entropy) the derivative of the
    # activation cancels and δ = ŷ − t, as in the engine.
    loss = network.loss_function
    factor = mistake.output_factor
    if loss.name == "mse":
        factor *= mistake.squared_error_factor
    if loss.fused == acts[-1]:
        delta = factor * (y - t)
    else:
        grad_y = factor * loss.grad_output(y, t)  # (batch, n_out)
        delta = _through_activation(grad_y, acts[-1], z[-1], y, mistake)

    n = len(x)
    scale = 1.0 / n if mistake.mean_over_batch else 1.0
    blocks: list[np.ndarray] = [np.empty(0)] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        below = a[l]
        if mistake.input_is_z and l > 0:
            below = z[l - 1]  # the weighted sum, before the activation
        dW = scale * (below.T @ delta)  # (n_in, batch)·(batch, n_out)
        db = scale * delta.sum(axis=0) if mistake.bias_gradients else np.zeros(delta.shape[1])
        blocks[l] = np.concatenate([dW.ravel(), db])
        if l > 0:
            grad_a = delta @ weights[l].T  # ∂L/∂a below: (batch, n_out)·(n_out, n_in)
            delta = _through_activation(grad_a, acts[l - 1], z[l - 1], a[l], mistake)
    return np.concatenate(blocks)


def _through_activation(
    grad_a: np.ndarray, name: str, z: np.ndarray, a: np.ndarray, mistake: Mistake
) -> np.ndarray:
    """``∂L/∂z`` from ``∂L/∂a`` through the activation ``name`` (batch as rows)."""
    wrong = mistake.derivative(name, z, a) if mistake.derivative is not None else None
    if wrong is not None:
        return grad_a * wrong
    if name == "softmax":
        # Jacobian-vector product per sample: ∂L/∂zⱼ = aⱼ·(∂L/∂aⱼ − Σₖ ∂L/∂aₖ·aₖ)
        return a * (grad_a - (grad_a * a).sum(axis=1, keepdims=True))
    # The engine's own formula for f'(z), read without changing the activation.
    return grad_a * get_activation(name).derivative(z, a)


def _batch(network: Network, X: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``T`` as float64 batch-as-rows arrays, shaped as the engine reads them."""
    x = np.asarray(X, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    t = np.asarray(T, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None] if network.layer_sizes[-1] == 1 else t[None, :]
    return x, t


# -- which layers a mistake can reach ------------------------------------------------


def _derivative_used(network: Network, name: str) -> bool:
    """True when backprop multiplies by ``name``'s derivative somewhere in this network.

    Every hidden layer's derivative is used; the output layer's is not when
    the loss cancels it (sigmoid with bce, softmax with ce).
    """
    acts = network.activations
    if name in acts[:-1]:
        return True
    return acts[-1] == name and network.loss_function.fused != name


def _nonlinear_derivative_used(network: Network) -> bool:
    return any(_derivative_used(network, a) for a in set(network.activations) if a != "linear")


def _batch_size(X: np.ndarray | None) -> int | None:
    if X is None:
        return None
    X = np.asarray(X)
    return 1 if X.ndim == 1 else len(X)


# -- the bugs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bug:
    """A named mistake in backprop: call it like the engine, ``bug(network, X, T) -> gradient``.

    ``title`` is short (a menu entry); ``explanation`` is one sentence saying
    what was written and what it should have been.
    """

    key: str
    title: str
    explanation: str
    mistake: Mistake
    # (network, batch size or None) -> why the bug cannot show, or "" when it can.
    _why_not: Callable[[Network, int | None], str]

    def __call__(self, network: Network, X: np.ndarray, T: np.ndarray) -> np.ndarray:
        """The buggy gradient of the batch-mean loss, laid out like ``network.parameters``."""
        return backward_with(network, X, T, self.mistake)

    def why_not(self, network: Network, X: np.ndarray | None = None) -> str:
        """Why this bug cannot change the gradient of ``network`` (on the batch ``X``); "" if it can."""
        return self._why_not(network, _batch_size(X))

    def applies(self, network: Network, X: np.ndarray | None = None) -> bool:
        """True when the bug changes the gradient of ``network`` (on the batch ``X``, if given)."""
        return not self.why_not(network, X)


def _sigmoid_as_itself(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
    return a if name == "sigmoid" else None  # σ(z) where σ(z)·(1 − σ(z)) belongs


def _tanh_not_squared(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
    return 1.0 - a if name == "tanh" else None  # 1 − tanh(z) where 1 − tanh²(z) belongs


def _no_derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
    return np.ones_like(z)  # as if every activation were the identity


def _needs_activation(name: str) -> Callable[[Network, int | None], str]:
    def why_not(network: Network, _batch: int | None) -> str:
        if _derivative_used(network, name):
            return ""
        if name in network.activations:
            return (
                f"the network's only {name} layer is the output, where the loss cancels "
                "its derivative (δ = ŷ − t)"
            )
        return f"the network has no {name} layer"

    return why_not


def _needs_nonlinear_derivative(network: Network, _batch: int | None) -> str:
    if _nonlinear_derivative_used(network):
        return ""
    return "no activation derivative is used: every layer is linear or cancelled by the loss"


def _needs_batch(network: Network, batch: int | None) -> str:
    if batch is None or batch > 1:
        return ""
    return "with a single example the sum and the mean are the same (select all examples)"


def _needs_nonlinear_hidden_layer(network: Network, _batch: int | None) -> str:
    if any(a != "linear" for a in network.activations[:-1]):
        return ""
    if len(network.activations) == 1:
        return "the network has no hidden layer: the first layer's input is the data itself"
    return "every hidden layer is linear, so its z and a = f(z) are the same"


def _needs_mse(network: Network, _batch: int | None) -> str:
    if network.loss == "mse":
        return ""
    return f"the loss is {network.loss_function.title}, not ½·(ŷ − t)²"


def _always(network: Network, _batch: int | None) -> str:
    return ""


BUGS: dict[str, Bug] = {
    bug.key: bug
    for bug in (
        Bug(
            "sigmoid_derivative",
            "Sigmoid derivative written σ(z)",
            "The derivative of the sigmoid was written σ(z) instead of σ(z)·(1 − σ(z)), "
            "so every error passing back through a sigmoid neuron is scaled wrongly.",
            Mistake(derivative=_sigmoid_as_itself),
            _needs_activation("sigmoid"),
        ),
        Bug(
            "tanh_derivative",
            "tanh derivative not squared",
            "The derivative of tanh was written 1 − tanh(z) instead of 1 − tanh(z)², "
            "which is wrong wherever tanh(z) is not 0 or 1.",
            Mistake(derivative=_tanh_not_squared),
            _needs_activation("tanh"),
        ),
        Bug(
            "no_derivative",
            "Forgot the activation derivative",
            "The error was passed back through each neuron without multiplying by "
            "f'(z), as if every activation were the identity.",
            Mistake(derivative=_no_derivative),
            _needs_nonlinear_derivative,
        ),
        Bug(
            "sum_not_mean",
            "Sum over the batch, not the mean",
            "The loss is the mean over the examples, but the gradients were summed "
            "without dividing by the batch size, so they come out that many times too big.",
            Mistake(mean_over_batch=False),
            _needs_batch,
        ),
        Bug(
            "bias_zero",
            "Bias gradients left at zero",
            "Only the weight gradients were computed; ∂L/∂b, which is just δ itself, "
            "was left at its initial zero.",
            Mistake(bias_gradients=False),
            _always,
        ),
        Bug(
            "z_instead_of_a",
            "Weight gradient uses z, not a",
            "∂L/∂W was computed from the layer below's weighted sum z instead of its "
            "activation a = f(z), the value the weight actually multiplies.",
            Mistake(input_is_z=True),
            _needs_nonlinear_hidden_layer,
        ),
        Bug(
            "mse_missing_half",
            "Squared-error gradient written 2·(ŷ − t)",
            "The loss is ½·(ŷ − t)², whose derivative is ŷ − t, but it was differentiated "
            "as (ŷ − t)², so every gradient comes out twice too big.",
            Mistake(squared_error_factor=2.0),
            _needs_mse,
        ),
        Bug(
            "sign_flipped",
            "Error sign flipped (t − ŷ)",
            "The output error was written t − ŷ instead of ŷ − t, so every gradient "
            "points uphill and gradient descent would climb the loss.",
            Mistake(output_factor=-1.0),
            _always,
        ),
    )
}


def get_bug(key: str) -> Bug:
    """Look a bug up by its key (see :data:`BUGS`)."""
    try:
        return BUGS[key]
    except KeyError:
        raise KeyError(f"unknown bug {key!r} (choose from: {' '.join(BUGS)})") from None
