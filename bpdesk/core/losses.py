"""Loss functions, averaged over the batch.

The losses a learner picks are ``mse``, ``bce`` and ``ce``. ``se`` is the plain
squared error without the ½ that the explainer's single-weight landscape uses
(``w = 0.5, x = 1, t = 2``: loss 2.25, gradient −3.00).

Arrays are feature-major, ``(n_outputs, batch)``, like the rest of the engine;
:meth:`Loss.values` and :meth:`Loss.output_delta` also take a stack of networks'
outputs, ``(networks, n_outputs, batch)`` (a sweep trains many at once).
``output_delta`` returns ``batch × ∂L/∂z`` for the output layer: the engine
keeps gradients as sums over the batch and divides once at the end (or folds
the ``1/batch`` into the learning rate), which saves an operation per step.
"""

from __future__ import annotations

import numpy as np

from bpdesk.core.activations import Activation
from bpdesk.core.errors import ConfigError


class Loss:
    """A loss ``L(ŷ, t)``; ``fused`` names the output activation it pairs with."""

    name: str = ""
    title: str = ""
    formula: str = ""
    gradient_formula: str = ""
    # With this output activation, ∂L/∂z simplifies to (ŷ − t): the two factors
    # ∂L/∂ŷ and ∂ŷ/∂z cancel, and computing them separately would lose precision.
    fused: str | None = None

    def per_sample(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Loss of each sample, shape ``(batch,)``."""
        raise NotImplementedError

    def value(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> float:
        """Mean loss over the batch."""
        return float(self.per_sample(y, t, z).mean())

    def values(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Mean loss over the batch of each network of a stack: ``y`` and ``z`` are
        ``(networks, n_out, batch)``, ``t`` the same or ``(n_out, batch)``; returns ``(networks,)``."""
        raise NotImplementedError

    def grad_output(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``∂Lₙ/∂ŷ`` for each sample's own loss (no 1/batch), same shape as ``y``."""
        raise NotImplementedError

    def output_delta(
        self,
        y: np.ndarray,
        t: np.ndarray,
        z: np.ndarray,
        activation: Activation,
        out: np.ndarray,
        tmp: np.ndarray,
    ) -> None:
        """Write ``batch·∂L/∂z`` of the output layer into ``out``."""
        np.subtract(y, t, out)
        if activation.name != self.fused:
            self._scale_to_grad_output(y, t, out)
            activation.backward(out, z, y, tmp)

    def _scale_to_grad_output(self, y: np.ndarray, t: np.ndarray, diff: np.ndarray) -> None:
        """Turn ``ŷ − t`` (already in ``diff``) into ``∂Lₙ/∂ŷ``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    """``½·Σₖ(ŷₖ − tₖ)²`` per sample, averaged over the batch (the explainer's formula)."""

    name, title = "mse", "mean squared error"
    formula = "L = ½·(ŷ − t)²"
    gradient_formula = "∂L/∂ŷ = ŷ − t"

    def per_sample(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        d = y - t
        return 0.5 * np.einsum("kn,kn->n", d, d)

    def value(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> float:
        d = (y - t).ravel()
        return 0.5 * float(np.dot(d, d)) / y.shape[1]

    def values(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        return _squares(y, t) * (0.5 / y.shape[-1])

    def grad_output(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        return y - t

    def _scale_to_grad_output(self, y: np.ndarray, t: np.ndarray, diff: np.ndarray) -> None:
        pass


class SquaredError(Loss):
    """``Σₖ(ŷₖ − tₖ)²`` per sample, averaged over the batch: the explainer's single-weight loss.

    Unlike ``mse`` there is no ½, so ``∂L/∂ŷ = 2·(ŷ − t)``; it pairs with any output layer.
    """

    name, title = "se", "squared error"
    formula = "L = (ŷ − t)²"
    gradient_formula = "∂L/∂ŷ = 2·(ŷ − t)"

    def per_sample(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        d = y - t
        return np.einsum("kn,kn->n", d, d)

    def value(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> float:
        d = (y - t).ravel()
        return float(np.dot(d, d)) / y.shape[1]

    def values(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        return _squares(y, t) * (1.0 / y.shape[-1])

    def grad_output(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        return 2.0 * (y - t)

    def _scale_to_grad_output(self, y: np.ndarray, t: np.ndarray, diff: np.ndarray) -> None:
        np.multiply(diff, 2.0, out=diff)


class BinaryCrossEntropy(Loss):
    """``−[t·log ŷ + (1 − t)·log(1 − ŷ)]`` per output, for sigmoid outputs."""

    name, title = "bce", "binary cross-entropy"
    formula = "L = −[t·log ŷ + (1 − t)·log(1 − ŷ)]"
    gradient_formula = "∂L/∂ŷ = (ŷ − t) / (ŷ·(1 − ŷ))"
    fused = "sigmoid"

    def per_sample(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        # From the logits z, not from ŷ: log(σ(z)) = −softplus(−z) stays finite
        # where σ(z) rounds to exactly 0 or 1.
        softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
        return (softplus - t * z).sum(axis=0)

    def values(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
        return (softplus - t * z).sum(axis=(-2, -1)) / z.shape[-1]

    def grad_output(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (y - t) / (y * (1.0 - y))

    def _scale_to_grad_output(self, y: np.ndarray, t: np.ndarray, diff: np.ndarray) -> None:
        np.divide(diff, y * (1.0 - y), out=diff)


class CrossEntropy(Loss):
    """Softmax cross-entropy ``−Σₖ tₖ·log ŷₖ`` for three or more classes."""

    name, title = "ce", "cross-entropy"
    formula = "L = −Σₖ tₖ·log ŷₖ"
    gradient_formula = "∂L/∂ŷₖ = −tₖ / ŷₖ"
    fused = "softmax"

    def per_sample(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        m = z.max(axis=0, keepdims=True)
        lse = m + np.log(np.exp(z - m).sum(axis=0, keepdims=True))
        return (t * (lse - z)).sum(axis=0)

    def values(self, y: np.ndarray, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        m = z.max(axis=-2, keepdims=True)
        lse = m + np.log(np.exp(z - m).sum(axis=-2, keepdims=True))
        return (t * (lse - z)).sum(axis=(-2, -1)) / z.shape[-1]

    def grad_output(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return -t / y

    def _scale_to_grad_output(self, y: np.ndarray, t: np.ndarray, diff: np.ndarray) -> None:
        np.divide(-t, y, out=diff)


def _squares(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``Σ (ŷ − t)²`` over outputs and batch, for each network of a stack."""
    d = y - t
    np.multiply(d, d, out=d)
    return d.reshape(d.shape[0], -1).sum(axis=1)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (MeanSquaredError(), BinaryCrossEntropy(), CrossEntropy(), SquaredError())
}


def get_loss(name: str) -> Loss:
    """Look a loss up by its name (``mse bce ce``, or ``se`` for the single-weight example)."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        known = " ".join(LOSSES)
        raise ConfigError(f"unknown loss {name!r} (choose from: {known})") from None


def check_output(loss: str, output_activation: str, n_outputs: int) -> None:
    """Raise :class:`ConfigError` unless this loss and output layer make sense together."""
    if loss == "bce" and output_activation != "sigmoid":
        raise ConfigError("binary cross-entropy (bce) needs a sigmoid output layer")
    if loss == "ce" and output_activation != "softmax":
        raise ConfigError("cross-entropy (ce) needs a softmax output layer")
    if output_activation == "softmax" and n_outputs < 2:
        raise ConfigError("a softmax output needs at least 2 output neurons")


def default_output_activation(loss: str) -> str:
    """The output activation that goes with a loss when none is given."""
    return {"ce": "softmax"}.get(loss, "sigmoid")
