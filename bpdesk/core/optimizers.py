"""Optimisers and regularisation, working on a network's flat parameter vector.

The training loop hands an optimiser the gradient *summed* over a batch and
the batch size; the mean (``sum / batch``) is folded into the step's scalar
where the algorithm allows, saving a pass over the parameters.

What an optimiser remembers between steps (momentum's velocity, Adam's moments
and step count) is its :class:`OptimizerState`: plain data that a trainer
saves with a run and gives back to a new optimiser, so that a run continued
later is the same run. Momentum follows PyTorch's ``torch.optim.SGD``: the
velocity sums gradients, ``v ← μ·v + ∂L/∂w``, and the step is ``w ← w − η·v``,
so a change of η takes effect at once and the velocity means the same whatever
η was when it was gathered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from bpdesk.core.errors import ConfigError

OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "l1", "l2")


@dataclass(frozen=True, eq=False)
class OptimizerState:
    """What an optimiser remembers between steps, as read-only copies nobody else holds.

    ``name`` is the optimiser it belongs to (``sgd momentum adam``), ``steps``
    the updates it has taken (Adam's ``t``), and ``buffers`` its vectors by
    name (momentum: ``velocity``; Adam: ``m`` and ``v``), each laid out like
    :attr:`Network.parameters`. Plain gradient descent remembers nothing but
    its step count.
    """

    name: str
    steps: int = 0
    buffers: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        frozen = {}
        for key, values in self.buffers.items():
            if values.flags.writeable:
                values = np.array(values, copy=True)
                values.flags.writeable = False
            frozen[key] = values
        object.__setattr__(self, "buffers", MappingProxyType(frozen))

    def __reduce__(self) -> tuple[type[OptimizerState], tuple[str, int, dict[str, np.ndarray]]]:
        # A read-only view of a dict does not pickle; the dict behind it does (a run
        # trained in a process of its own sends its state to the window).
        return (OptimizerState, (self.name, self.steps, dict(self.buffers)))

    @property
    def nbytes(self) -> int:
        """The memory its buffers hold."""
        return sum(values.nbytes for values in self.buffers.values())


class Optimizer:
    """Updates ``params`` in place from ``grad_sum`` (the batch's summed gradient)."""

    name = ""
    # The vectors it remembers between steps, by the names its state uses.
    buffer_names: tuple[str, ...] = ()

    def __init__(
        self, size: int, dtype: np.dtype, learning_rate: float, momentum: float = 0.9
    ) -> None:
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.steps = 0
        self._size = size
        self._dtype = dtype
        self._scalars: dict[float, np.ndarray] = {}

    def state(self) -> OptimizerState:
        """A copy of what this optimiser remembers (see :class:`OptimizerState`)."""
        return OptimizerState(
            self.name, self.steps, {key: getattr(self, key) for key in self.buffer_names}
        )

    def load_state(self, state: OptimizerState) -> None:
        """Continue from ``state`` (copied in): it must be this optimiser's, for as many parameters."""
        if state.name != self.name:
            raise ConfigError(f"a {state.name} state cannot continue a {self.name} optimiser")
        if set(state.buffers) != set(self.buffer_names):
            raise ConfigError(
                f"a {self.name} state holds {' '.join(self.buffer_names) or 'no vectors'}, "
                f"got {' '.join(state.buffers) or 'none'}"
            )
        for key in self.buffer_names:
            values = state.buffers[key]
            if values.shape != (self._size,):
                raise ConfigError(
                    f"the {self.name} state is for {values.size} parameters, not {self._size}"
                )
            np.copyto(getattr(self, key), values)
        self.steps = int(state.steps)

    def _scalar(self, value: float) -> np.ndarray:
        # 0-d arrays make ufuncs noticeably cheaper than Python floats on tiny arrays.
        c = self._scalars.get(value)
        if c is None:
            if len(self._scalars) > 64:
                self._scalars.clear()
            c = self._scalars[value] = np.array(value, dtype=self._dtype)
        return c

    def step(self, params: np.ndarray, grad_sum: np.ndarray, batch: int) -> None:
        """Apply one update; ``grad_sum`` may be overwritten."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: ``w ← w − η·∂L/∂w``."""

    name = "sgd"

    def step(self, params: np.ndarray, grad_sum: np.ndarray, batch: int) -> None:
        self.steps += 1
        np.multiply(grad_sum, self._scalar(self.learning_rate / batch), grad_sum)
        np.subtract(params, grad_sum, params)


class Momentum(SGD):
    """Gradient descent with momentum, as PyTorch's SGD: ``v ← μ·v + ∂L/∂w``, ``w ← w − η·v``.

    The velocity holds gradients, not steps: η scales the step when it is
    taken, so a learning rate changed mid-run applies to the whole step at once.
    """

    name = "momentum"
    buffer_names = ("velocity",)

    def __init__(
        self, size: int, dtype: np.dtype, learning_rate: float, momentum: float = 0.9
    ) -> None:
        super().__init__(size, dtype, learning_rate, momentum)
        self.velocity = np.zeros(size, dtype=dtype)

    def step(self, params: np.ndarray, grad_sum: np.ndarray, batch: int) -> None:
        self.steps += 1
        v = self.velocity
        np.multiply(v, self._scalar(self.momentum), out=v)
        np.multiply(grad_sum, self._scalar(1.0 / batch), out=grad_sum)
        np.add(v, grad_sum, out=v)
        np.multiply(v, self._scalar(self.learning_rate), out=grad_sum)
        np.subtract(params, grad_sum, out=params)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, β₁ = 0.9, β₂ = 0.999, ε = 1e-8."""

    name = "adam"
    buffer_names = ("m", "v")
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(
        self, size: int, dtype: np.dtype, learning_rate: float, momentum: float = 0.9
    ) -> None:
        super().__init__(size, dtype, learning_rate, momentum)
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self._tmp = np.zeros(size, dtype=dtype)

    @property
    def t(self) -> int:
        """Adam's step count ``t``, which the bias correction uses."""
        return self.steps

    def step(self, params: np.ndarray, grad_sum: np.ndarray, batch: int) -> None:
        self.steps += 1
        g = grad_sum
        np.multiply(g, self._scalar(1.0 / batch), out=g)
        b1, b2 = self.beta1, self.beta2
        np.multiply(self.m, self._scalar(b1), out=self.m)
        np.multiply(g, self._scalar(1 - b1), out=self._tmp)
        np.add(self.m, self._tmp, out=self.m)
        np.multiply(g, g, out=self._tmp)
        np.multiply(self._tmp, self._scalar(1 - b2), out=self._tmp)
        np.multiply(self.v, self._scalar(b2), out=self.v)
        np.add(self.v, self._tmp, out=self.v)
        # Bias-corrected step: η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
        c1 = 1 - b1**self.steps
        c2 = 1 - b2**self.steps
        np.multiply(self.v, 1.0 / c2, out=self._tmp)
        np.sqrt(self._tmp, out=self._tmp)
        np.add(self._tmp, self.eps, out=self._tmp)
        np.divide(self.m, self._tmp, out=self._tmp)
        np.multiply(self._tmp, self.learning_rate / c1, out=self._tmp)
        np.subtract(params, self._tmp, out=params)


_CLASSES = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def make_optimizer(
    name: str, size: int, dtype: np.dtype, learning_rate: float, momentum: float = 0.9
) -> Optimizer:
    """A fresh optimiser (``sgd momentum adam``) for ``size`` parameters."""
    cls = _CLASSES.get(name)
    if cls is None:
        raise ConfigError(f"unknown optimiser {name!r} (choose from: {' '.join(OPTIMIZERS)})")
    return cls(size, dtype, learning_rate, momentum)


def add_regularization(
    grad_sum: np.ndarray, params: np.ndarray, mask: np.ndarray, kind: str, rate: float, batch: int
) -> None:
    """Add the penalty's gradient (L2: ``λ·w``, L1: ``λ·sign(w)``) for the weights in ``mask``.

    Biases are not penalised. The penalty is per batch-mean loss, so it is
    scaled by ``batch`` to match ``grad_sum``.
    """
    if kind == "none" or rate == 0:
        return
    term = params * mask if kind == "l2" else np.sign(params) * mask
    term *= rate * batch
    grad_sum += term
