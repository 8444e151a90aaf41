"""Activation functions and their derivatives.

Inside the engine a batch is stored feature-major, ``(features, batch)``, so
each function here works on that layout; only :class:`Softmax` cares, because
it normalises over features (axis −2: a stack of networks,
``(networks, features, batch)``, works as well as one network). ``__call__`` is the friendly entry point
for batch-as-rows arrays.

Every ``forward``/``backward`` writes into buffers it is given: the training
loop calls them thousands of times a second on tiny arrays, where allocating
would cost more than the arithmetic. For the same reason the ufuncs are bound
to module names and given ``out`` positionally (measurably cheaper per call).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from bpdesk.core.errors import ConfigError

_mul, _add, _sub, _tanh, _gt = np.multiply, np.add, np.subtract, np.tanh, np.greater


@cache
def const(value: float, dtype: np.dtype | type) -> np.ndarray:
    """A cached 0-d array: ufuncs take it faster than a Python float."""
    c = np.array(value, dtype=dtype)
    c.flags.writeable = False
    return c


class Activation:
    """One activation ``a = f(z)`` with its derivative ``f'(z)``."""

    name: str = ""
    symbol: str = ""  # how the math dock writes it, e.g. "σ"
    formula: str = ""
    derivative_formula: str = ""
    elementwise: bool = True
    output_only: bool = False

    def forward(self, z: np.ndarray, out: np.ndarray) -> None:
        """Write ``f(z)`` into ``out`` (feature-major; ``out`` may be ``z``)."""
        raise NotImplementedError

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        """Turn ``∂L/∂a`` in ``grad`` into ``∂L/∂z`` in place; ``tmp`` is scratch of the same shape."""
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Return ``∂a/∂z`` element by element (a new array)."""
        tmp = np.empty_like(z)
        grad = np.ones_like(z)
        self.backward(grad, z, a, tmp)
        return grad

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Apply to a batch-as-rows array and return a new array."""
        zt = np.array(np.asarray(z, dtype=float).T, order="C", ndmin=2)
        out = np.empty_like(zt)
        self.forward(zt, out)
        return out.T.reshape(np.shape(z))

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Sigmoid(Activation):
    """The logistic function, computed as ½·tanh(z/2) + ½: it never overflows."""

    name, symbol = "sigmoid", "σ"
    formula = "σ(z) = 1 / (1 + e^(−z))"
    derivative_formula = "σ'(z) = σ(z)·(1 − σ(z))"

    def forward(self, z: np.ndarray, out: np.ndarray) -> None:
        half = const(0.5, z.dtype)
        _mul(z, half, out)
        _tanh(out, out)
        _mul(out, half, out)
        _add(out, half, out)

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        _mul(a, a, tmp)
        _sub(a, tmp, tmp)  # a − a² = a(1 − a)
        _mul(grad, tmp, grad)


class Tanh(Activation):
    """Hyperbolic tangent."""

    name, symbol = "tanh", "tanh"
    formula = "tanh(z)"
    derivative_formula = "tanh'(z) = 1 − tanh(z)²"

    def forward(self, z: np.ndarray, out: np.ndarray) -> None:
        _tanh(z, out)

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        _mul(a, a, tmp)
        _sub(const(1.0, a.dtype), tmp, tmp)
        _mul(grad, tmp, grad)


class ReLU(Activation):
    """Rectified linear unit; its derivative at exactly 0 is taken as 0."""

    name, symbol = "relu", "ReLU"
    formula = "ReLU(z) = max(0, z)"
    derivative_formula = "ReLU'(z) = 1 if z > 0 else 0"

    def forward(self, z: np.ndarray, out: np.ndarray) -> None:
        np.maximum(z, const(0.0, z.dtype), out=out)

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        _gt(z, const(0.0, z.dtype), tmp, casting="unsafe")
        _mul(grad, tmp, grad)


class LeakyReLU(Activation):
    """ReLU that lets a small slope (0.01) through for negative inputs."""

    name, symbol = "leaky_relu", "LReLU"
    slope = 0.01
    formula = "LReLU(z) = z if z > 0 else 0.01·z"
    derivative_formula = "LReLU'(z) = 1 if z > 0 else 0.01"

    def forward(self, z: np.ndarray, out: np.ndarray) -> None:
        if out is z:
            tmp = z * self.slope
            np.maximum(z, tmp, out=out)
        else:
            np.multiply(z, const(self.slope, z.dtype), out=out)
            np.maximum(z, out, out=out)

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        np.greater(z, const(0.0, z.dtype), out=tmp, casting="unsafe")
        np.multiply(tmp, const(1.0 - self.slope, z.dtype), out=tmp)
        np.add(tmp, const(self.slope, z.dtype), out=tmp)
        np.multiply(grad, tmp, out=grad)


class Linear(Activation):
    """The identity: for regression outputs and for showing what non-linearity adds."""

    name, symbol = "linear", "id"
    formula = "id(z) = z"
    derivative_formula = "id'(z) = 1"

    def forward(self, z: np.ndarray, out: np.ndarray) -> None:
        if out is not z:
            np.copyto(out, z)

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        pass


class Softmax(Activation):
    """Softmax over the outputs of one sample; only allowed on the output layer."""

    name, symbol = "softmax", "softmax"
    formula = "softmax(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ)"
    derivative_formula = "∂aₖ/∂zⱼ = aₖ·(δₖⱼ − aⱼ)"
    elementwise = False
    output_only = True

    def forward(self, z: np.ndarray, out: np.ndarray) -> None:
        # Shifting by the per-sample maximum keeps exp() from overflowing.
        np.subtract(z, z.max(axis=-2, keepdims=True), out=out)
        np.exp(out, out=out)
        np.divide(out, out.sum(axis=-2, keepdims=True), out=out)

    def backward(self, grad: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        # Jacobian-vector product: ∂L/∂zⱼ = aⱼ·(∂L/∂aⱼ − Σₖ ∂L/∂aₖ·aₖ)
        np.multiply(grad, a, out=tmp)
        np.subtract(grad, tmp.sum(axis=-2, keepdims=True), out=grad)
        np.multiply(grad, a, out=grad)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """The diagonal ``∂aₖ/∂zₖ = aₖ(1 − aₖ)`` (softmax's full Jacobian is not diagonal)."""
        return a * (1.0 - a)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in (Sigmoid(), Tanh(), ReLU(), LeakyReLU(), Linear(), Softmax())
}
HIDDEN_ACTIVATIONS = tuple(name for name, a in ACTIVATIONS.items() if not a.output_only)


def get_activation(name: str) -> Activation:
    """Look an activation up by its name (``sigmoid tanh relu leaky_relu linear softmax``)."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = " ".join(ACTIVATIONS)
        raise ConfigError(f"unknown activation {name!r} (choose from: {known})") from None
