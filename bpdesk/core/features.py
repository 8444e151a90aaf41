"""Input features of a 2-D problem: x₁, x₂, x₁², x₂², x₁·x₂, sin x₁, sin x₂.

TensorFlow Playground's inputs. The network sees the feature columns; the
points stay on their plane, so the decision boundary and the neurons' maps are
drawn over (x₁, x₂) and the plane's grid goes through :func:`feature_columns`
before the forward pass. A dataset carries its features
(:meth:`bpdesk.core.datasets.Dataset.with_features`); this module is the
vocabulary and the arithmetic, shared by the engine, files, the PyTorch export
and the command line.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from bpdesk.core.errors import DatasetError

# The vocabulary, in the canonical order: any subset keeps this order.
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
PLAIN = ("x1", "x2")  # the points themselves: no features
LABELS = {
    "x1": "x₁",
    "x2": "x₂",
    "x1sq": "x₁²",
    "x2sq": "x₂²",
    "x1x2": "x₁·x₂",
    "sinx1": "sin x₁",
    "sinx2": "sin x₂",
}
# The same arithmetic in PyTorch, on a (batch, 2) tensor ``x`` (the exported script).
TORCH = {
    "x1": "x[:, 0]",
    "x2": "x[:, 1]",
    "x1sq": "x[:, 0] ** 2",
    "x2sq": "x[:, 1] ** 2",
    "x1x2": "x[:, 0] * x[:, 1]",
    "sinx1": "torch.sin(x[:, 0])",
    "sinx2": "torch.sin(x[:, 1])",
}


def parse_features(value: str | Iterable[str]) -> tuple[str, ...]:
    """Feature names from ``"x1sq,x2sq"`` (or a sequence), in the canonical order.

    Raises :class:`DatasetError` naming an unknown feature, or when none is given.
    """
    names = value.split(",") if isinstance(value, str) else list(value)
    chosen = set()
    for name in names:
        if not isinstance(name, str):
            raise DatasetError(f"a feature is a name, got {name!r}")
        name = name.strip()
        if not name:
            continue
        if name not in FEATURES:
            raise DatasetError(
                f"unknown input feature {name!r} (choose from: {','.join(FEATURES)})"
            )
        chosen.add(name)
    if not chosen:
        raise DatasetError(f"choose at least one input feature from: {','.join(FEATURES)}")
    return tuple(f for f in FEATURES if f in chosen)


def feature_columns(features: Iterable[str], points: np.ndarray) -> np.ndarray:
    """The network's inputs for plane ``points`` ``(n, 2)``: ``(n, len(features))``."""
    P = np.asarray(points)
    x1, x2 = P[:, 0], P[:, 1]
    out = np.empty((len(P), len(features := tuple(features))), np.result_type(P.dtype, np.float32))
    for k, name in enumerate(features):
        out[:, k] = _column(name, x1, x2)
    return out


def _column(name: str, x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    if name == "x1":
        return x1
    if name == "x2":
        return x2
    if name == "x1sq":
        return x1 * x1
    if name == "x2sq":
        return x2 * x2
    if name == "x1x2":
        return x1 * x2
    if name == "sinx1":
        return np.sin(x1)
    if name == "sinx2":
        return np.sin(x2)
    raise DatasetError(f"unknown input feature {name!r} (choose from: {','.join(FEATURES)})")


def describe(features: Iterable[str]) -> str:
    """``x₁², x₂²``: the features as the learner reads them."""
    return ", ".join(LABELS[f] for f in features)
