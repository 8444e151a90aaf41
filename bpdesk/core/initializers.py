"""Weight initialisers. Every one draws from a NumPy ``Generator`` the caller seeds."""

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

    def biases(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Starting biases: zero unless the initialiser says otherwise."""
        return np.zeros(n)


class Xavier(Initializer):
    """Glorot/Xavier uniform: ±√(6 / (n_in + n_out)); keeps sigmoid and tanh out of saturation."""

    name, title = "xavier", "Xavier / Glorot"

    def weights(
        self, n_in: int, n_out: int, rng: np.random.Generator, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=shape or (n_in, n_out))


class He(Initializer):
    """He normal: standard deviation √(2 / n_in); made for ReLU layers."""

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

    def biases(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(-0.5, 0.5, size=n)


INITIALIZERS: dict[str, Initializer] = {i.name: i for i in (Xavier(), He(), Uniform())}


def get_initializer(name: str) -> Initializer:
    """Look an initialiser up by its name (``xavier he uniform``)."""
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        known = " ".join(INITIALIZERS)
        raise ConfigError(f"unknown initialiser {name!r} (choose from: {known})") from None
