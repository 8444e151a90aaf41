"""Accuracy: how many predictions round to the right answer."""

from __future__ import annotations

import numpy as np


def accuracy(Y: np.ndarray, T: np.ndarray, kind: str) -> float | None:
    """Fraction of rows predicted right (batch-as-rows); ``None`` for regression.

    Binary: ``ŷ > 0.5`` means class 1 (the explainer's rule). Multi-class: the
    largest output wins.
    """
    if kind == "regression" or len(Y) == 0:
        return None
    return float(np.mean(predicted_labels(Y, kind) == target_labels(T, kind)))


def predicted_labels(Y: np.ndarray, kind: str) -> np.ndarray:
    """The class each row of outputs predicts."""
    if kind == "multiclass":
        return np.argmax(Y, axis=1)
    return (Y[:, 0] > 0.5).astype(int)


def target_labels(T: np.ndarray, kind: str) -> np.ndarray:
    """The class each row of targets names."""
    if kind == "multiclass":
        return np.argmax(T, axis=1)
    return (T[:, 0] > 0.5).astype(int)


class AccuracyCounter:
    """Accuracy of feature-major outputs against fixed targets, without allocating.

    The training loop scores the whole training set after every epoch; this
    keeps that to two or three ufunc calls.
    """

    def __init__(self, t: np.ndarray, kind: str) -> None:
        self.kind = kind
        self.n = t.shape[1]
        if kind == "binary":
            self._target = t[0] > 0.5
            self._pred = np.empty(self.n, dtype=bool)
        elif kind == "multiclass":
            self._target = np.argmax(t, axis=0)

    def __call__(self, y: np.ndarray) -> float | None:
        """Fraction right for outputs ``y`` of shape ``(n_out, n)``."""
        if self.kind == "regression" or self.n == 0:
            return None
        if self.kind == "binary":
            np.greater(y[0], 0.5, out=self._pred)
            np.equal(self._pred, self._target, out=self._pred)
            return np.count_nonzero(self._pred) / self.n
        return np.count_nonzero(np.argmax(y, axis=0) == self._target) / self.n
