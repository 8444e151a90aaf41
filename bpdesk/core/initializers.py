"""Weight initialisers. Every one draws from a NumPy ``Generator`` the caller seeds.

The names a learner meets elsewhere: ``xavier`` (Glorot & Bengio's uniform
range, biases at 0, as Keras starts), ``xavier_bias`` (the same range for the
biases too, as scikit-learn's ``MLPClassifier`` starts a tanh or ReLU network),
``pytorch`` (``torch.nn.Linear``'s default, ±1/√n_in for weights and biases),
``he`` (for ReLU) and ``uniform`` (±0.5, the classic textbook nets).
:data:`DEFAULT_INIT` is ``xavier_bias``: biases that start spread out place each
neuron's boundary somewhere different from the start, which a hard problem
such as two spirals needs (with every bias at 0 every boundary starts through
the origin, and training spends hundreds of epochs moving them apart).
"""

from __future__ import annotations

import numpy as np

from bpdesk.core.errors import ConfigError


class Initializer:
    """Draws the starting weights of a layer with ``n_in`` inputs and ``n_out`` outputs."""

    name: str = ""
    title: str = ""

    def weights(
        self, n_in: int, n_out: int, rng: np.random.Generator, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """Weights at the scale of an ``n_in → n_out`` layer; ``shape`` defaults to ``(n_in, n_out)``.

        A different ``shape`` draws part of a layer, e.g. the column of a neuron
        being added, at the scale of the layer it joins.
        """
        raise NotImplementedError

    def biases(
        self,
        n: int,
        rng: np.random.Generator,
        n_in: int | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> np.ndarray:
        """Starting biases of a layer of ``n`` neurons fed by ``n_in`` (default ``n``);
        ``shape`` defaults to ``(n,)``. Zero unless the initialiser says otherwise."""
        return np.zeros(shape or (n,))


class Xavier(Initializer):
    """Glorot/Xavier uniform: ±√(6 / (n_in + n_out)); keeps sigmoid and tanh out of saturation.

    Biases start at 0.
    """

    name, title = "xavier", "Xavier / Glorot"

    @staticmethod
    def limit(n_in: int, n_out: int) -> float:
        """The half-width of the range, √(6 / (n_in + n_out))."""
        return float(np.sqrt(6.0 / (n_in + n_out)))

    def weights(
        self, n_in: int, n_out: int, rng: np.random.Generator, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        limit = self.limit(n_in, n_out)
        return rng.uniform(-limit, limit, size=shape or (n_in, n_out))


class XavierWithBiases(Xavier):
    """Glorot/Xavier uniform for the biases too, as scikit-learn's MLP starts (tanh, ReLU)."""

    name, title = "xavier_bias", "Xavier / Glorot, biases too"

    def biases(
        self,
        n: int,
        rng: np.random.Generator,
        n_in: int | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> np.ndarray:
        limit = self.limit(n if n_in is None else n_in, n)
        return rng.uniform(-limit, limit, size=shape or (n,))


class PyTorchDefault(Initializer):
    """``torch.nn.Linear``'s default: weights and biases uniform in ±1/√n_in."""

    name, title = "pytorch", "PyTorch's default"

    def weights(
        self, n_in: int, n_out: int, rng: np.random.Generator, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        limit = 1.0 / np.sqrt(n_in)
        return rng.uniform(-limit, limit, size=shape or (n_in, n_out))

    def biases(
        self,
        n: int,
        rng: np.random.Generator,
        n_in: int | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> np.ndarray:
        limit = 1.0 / np.sqrt(n if n_in is None else n_in)
        return rng.uniform(-limit, limit, size=shape or (n,))


class He(Initializer):
    """He normal: standard deviation √(2 / n_in); made for ReLU layers. Biases start at 0."""

    name, title = "he", "He"

    def weights(
        self, n_in: int, n_out: int, rng: np.random.Generator, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=shape or (n_in, n_out))


class Uniform(Initializer):
    """Uniform(−0.5, 0.5) for weights and biases alike, like the classic textbook nets."""

    name, title = "uniform", "uniform ±0.5"

    def weights(
        self, n_in: int, n_out: int, rng: np.random.Generator, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        return rng.uniform(-0.5, 0.5, size=shape or (n_in, n_out))

    def biases(
        self,
        n: int,
        rng: np.random.Generator,
        n_in: int | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> np.ndarray:
        return rng.uniform(-0.5, 0.5, size=shape or (n,))


INITIALIZERS: dict[str, Initializer] = {
    i.name: i for i in (XavierWithBiases(), Xavier(), PyTorchDefault(), He(), Uniform())
}
# What a new network starts with unless told otherwise (see the module docstring).
DEFAULT_INIT = "xavier_bias"


def get_initializer(name: str) -> Initializer:
    """Look an initialiser up by its name (``xavier_bias xavier pytorch he uniform``)."""
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        known = " ".join(INITIALIZERS)
        raise ConfigError(f"unknown initialiser {name!r} (choose from: {known})") from None
