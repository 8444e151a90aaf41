"""Gradient check: backprop's gradient against central differences, with the cost of each.

Central differences nudge every parameter up and down and run the network
forward each time: two forward passes per parameter. Backprop gets every
gradient from one forward and one backward pass. This module counts both and
times both, which is the explainer's argument in numbers.

The verdict asks only what central differences can tell. Their estimate
``(L(w + ε) − L(w − ε)) / 2ε`` is off from the true slope in two ways: by
truncation, ``ε²/6·∂³L/∂w³``, which grows as ε², and by the rounding of the
two float64 losses, which is divided by 2ε. A relative error of
:data:`PASS_THRESHOLD` is allowed at the default ε (more for a larger ε, as
ε²), and on top of it what the loss's rounding at this ε can hide: a
parameter whose gradient is small beside the loss (a large network's loss sums
many outputs) cannot be checked more finely than that, and is not failed for
it. A real bug is off by far more (1e-3 and beyond).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpdesk.core.network import Network, augment

# Gradients smaller than this are compared in absolute terms: a gradient of
# 1e-9 measured as 1.1e-9 is a rounding artefact, not a bug.
RELATIVE_ERROR_FLOOR = 1e-4
# The relative error two right gradients may show at the default ε, where the
# loss's rounding is not larger: truncation at ε = 1e-5 is far below it.
PASS_THRESHOLD = 1e-6
DEFAULT_EPSILON = 1e-5
# How many times the estimated rounding of the loss an error may be and still
# be rounding: the estimate is a typical size, not a bound (see loss_rounding).
ROUNDING_SAFETY = 4.0
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2
# Activations whose slope jumps at z = 0. A nudge of ±ε that carries some z of
# theirs across 0 measures a mix of the two slopes, which no gradient matches:
# there the check says nothing about backprop (the "differentiability" limit).
KINKED = frozenset({"relu", "leaky_relu"})


@dataclass(frozen=True, eq=False)
class GradCheckResult:
    """Both gradients of every parameter, their agreement, and what each cost.

    ``numerical_forward_passes`` is counted as the check runs (2 per
    parameter); ``backprop_passes`` is 2 (one forward, one backward).
    Times are medians over ``repeats`` for backprop and one full sweep for
    the numerical method. ``completed`` is the number of parameters checked
    (fewer than ``n_parameters`` if the check was cancelled). ``kinks`` marks
    the parameters whose nudge carried a ReLU's input across its kink: their
    numerical gradient is not a derivative, so they are left out of the verdict.
    ``indices[k]`` is the position in :attr:`Network.parameters` of entry ``k``
    (a network without biases skips their places).
    """

    n_parameters: int
    numerical_forward_passes: int
    backprop_passes: int
    numerical_seconds: float
    backprop_seconds: float
    backprop: np.ndarray
    numerical: np.ndarray
    relative_errors: np.ndarray
    names: tuple[str, ...]
    completed: int
    epsilon: float
    kinks: np.ndarray | None = None
    indices: np.ndarray | None = None  # entry k's position in Network.parameters (None: k)
    # The relative error each parameter may show and still pass (None: PASS_THRESHOLD).
    thresholds: np.ndarray | None = None

    @property
    def threshold(self) -> float:
        """The relative error allowed wherever the loss's rounding hides nothing more:
        :data:`PASS_THRESHOLD` at the default ε, growing as ε² beyond it."""
        return step_threshold(self.epsilon)

    @property
    def failing(self) -> np.ndarray:
        """True for each comparable parameter whose error is beyond what central
        differences can resolve (NaN, a diverged network, fails too)."""
        limits = self.threshold if self.thresholds is None else self.thresholds
        return self.comparable & ~(self.relative_errors <= limits)

    @property
    def comparable(self) -> np.ndarray:
        """True for each parameter checked whose two gradients can be compared."""
        done = np.arange(self.n_parameters) < self.completed
        return done if self.kinks is None else done & ~self.kinks

    @property
    def n_kinks(self) -> int:
        """How many parameters checked sit on a kink (not counted in the verdict)."""
        return 0 if self.kinks is None else int(self.kinks[: self.completed].sum())

    @property
    def cancelled(self) -> bool:
        """True when the numerical sweep stopped early."""
        return self.completed < self.n_parameters

    @property
    def max_relative_error(self) -> float:
        """Largest relative error over the parameters checked (kinks left out)."""
        done = self.relative_errors[self.comparable]
        return float(done.max()) if done.size else 0.0

    @property
    def speedup(self) -> float:
        """How many times faster backprop got the gradient than central differences."""
        if self.backprop_seconds <= 0:
            return float("inf")
        return self.numerical_seconds / self.backprop_seconds

    @property
    def passed(self) -> bool:
        """True when every comparable parameter agrees within what central differences
        resolve: its threshold (see the module docstring)."""
        return not self.failing.any()

    def summary(self) -> dict[str, float | int | bool]:
        """The figures as plain numbers (for JSON)."""
        return {
            "parameters": self.n_parameters,
            "checked": self.completed,
            "numerical_forward_passes": self.numerical_forward_passes,
            "backprop_passes": self.backprop_passes,
            "numerical_seconds": self.numerical_seconds,
            "backprop_seconds": self.backprop_seconds,
            "speedup": self.speedup,
            "max_relative_error": self.max_relative_error,
            "threshold": self.threshold,
            "kinks": self.n_kinks,
            "passed": self.passed,
        }


def relative_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a − b| / max(|a|, |b|, floor)`` element by element."""
    return np.abs(a - b) / _scale(a, b)


def _scale(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum(np.maximum(np.abs(a), np.abs(b)), RELATIVE_ERROR_FLOOR)


def step_threshold(epsilon: float) -> float:
    """The relative error truncation may cause at step ``epsilon``: :data:`PASS_THRESHOLD`
    at :data:`DEFAULT_EPSILON` and below, growing as ε² above it."""
    return PASS_THRESHOLD * max(1.0, (epsilon / DEFAULT_EPSILON) ** 2)


def loss_rounding(network: Network, xa: np.ndarray, t: np.ndarray) -> float:
    """A typical size of the float64 rounding error in the loss of the batch ``xa``.

    Each weighted sum ``z = Σ w·a + b`` is rounded by about ``u·√k·Σ|w·a|``
    (``k`` terms, ``u`` the unit roundoff), and an error in ``z`` reaches the loss
    multiplied by ``∂L/∂z = δ``; the loss itself, a sum over outputs and
    examples of terms as large as the output's ``z``, adds its own. The engine's
    backward pass gives every ``δ``, so this costs one forward and one backward pass.
    """
    ws = network.workspace(xa.shape[1])
    y = ws.forward(xa)
    loss = network.loss_function.value(y, t, ws.z[-1])
    ws.backward(t, network.blocks_of(np.zeros_like(network.parameters)))
    total = 0.0
    for l, block in enumerate(network.blocks_of(network.parameters)):
        magnitude = np.dot(np.abs(block).T, np.abs(ws.a[l]))  # Σ|w·a| + |b|: (n_out, batch)
        magnitude *= np.sqrt(block.shape[0])
        magnitude += np.abs(ws.z[l])  # the activation's own rounding, relative to z
        total += float(np.vdot(np.abs(ws.delta[l]), magnitude))
    batch = xa.shape[1]
    terms = ws.z[-1].size  # outputs × examples summed into the loss
    total = total / batch + float(np.abs(ws.z[-1]).sum()) / batch + abs(loss) * np.sqrt(terms)
    return UNIT_ROUNDOFF * total


def gradient_check(
    network: Network,
    X: np.ndarray,
    T: np.ndarray,
    epsilon: float = 1e-5,
    repeats: int = 5,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    backprop: Callable[[Network, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> GradCheckResult:
    """Check backprop on ``(X, T)`` against central differences for every parameter.

    A float32 network is checked in a float64 copy (central differences in
    float32 are mostly rounding noise). ``progress(done, total)`` is called
    now and then; ``should_stop()`` is polled as often and ends the sweep
    early. ``backprop`` replaces the engine's gradient, to show what a broken
    implementation looks like; by default it is :meth:`Network.flat_gradient`.
    Parameters whose nudge carries a ReLU's input across 0 are marked in
    ``kinks`` (found by comparing which side of 0 each such input lies on
    after the two passes, so networks without ReLU pay nothing).
    """
    net = network if network.dtype == np.float64 else _as_float64(network)
    params = net.parameters
    # The real parameters: a network without biases has fixed zeros in their
    # places, which no gradient moves and no check should nudge.
    indices = net.trainable_indices()
    n = indices.size
    xa = augment(X, np.float64)
    t = np.ascontiguousarray(np.asarray(T, dtype=np.float64).reshape(len(xa.T), -1).T)
    ws = net.workspace(xa.shape[1])
    loss_fn = net.loss_function

    def forward_loss() -> float:
        y = ws.forward(xa)
        return loss_fn.value(y, t, ws.z[-1])

    kinked = [ws.z[l] for l, name in enumerate(net.activations) if name in KINKED]
    kinks = np.zeros(n, dtype=bool)

    gradient = backprop or _engine_gradient

    def backprop_gradient() -> np.ndarray:
        return gradient(net, X, T)[indices]

    runs = [_timed(backprop_gradient) for _ in range(max(1, repeats))]
    grad = runs[-1][0]
    backprop_seconds = float(np.median([seconds for _, seconds in runs]))

    numerical = np.zeros(n)
    passes = 0
    done = n
    report_every = max(1, n // 200)
    sides: list[np.ndarray] = []  # which side of 0 each kinked z was on after the + nudge
    start = time.perf_counter()
    for k in range(n):
        if k % report_every == 0:
            if should_stop is not None and should_stop():
                done = k
                break
            if progress is not None:
                progress(k, n)
        p = indices[k]
        old = params[p]
        params[p] = old + epsilon
        plus = forward_loss()
        if kinked:
            sides = [z > 0 for z in kinked]
        params[p] = old - epsilon
        minus = forward_loss()
        if kinked:
            kinks[k] = any(not np.array_equal(s, z > 0) for s, z in zip(sides, kinked))
        params[p] = old
        passes += 2
        numerical[k] = (plus - minus) / (2 * epsilon)
    numerical_seconds = time.perf_counter() - start
    if progress is not None and done == n:
        progress(n, n)
    errors = relative_error(grad, numerical)
    errors[done:] = 0.0
    # What the rounding of L(w ± ε) can hide, as a relative error of each parameter.
    rounding = ROUNDING_SAFETY * loss_rounding(net, xa, t) / epsilon
    thresholds = step_threshold(epsilon) + rounding / _scale(grad, numerical)
    return GradCheckResult(
        n_parameters=n,
        numerical_forward_passes=passes,
        backprop_passes=2,
        numerical_seconds=numerical_seconds,
        backprop_seconds=backprop_seconds,
        backprop=np.array(grad, dtype=np.float64),
        numerical=numerical,
        relative_errors=errors,
        names=tuple(np.array(net.parameter_names(), dtype=object)[indices]),
        completed=done,
        epsilon=epsilon,
        kinks=kinks,
        indices=indices,
        thresholds=thresholds,
    )


def _timed(compute: Callable[[], np.ndarray]) -> tuple[np.ndarray, float]:
    """``compute()``'s result and the seconds it took."""
    start = time.perf_counter()
    result = compute()
    return result, time.perf_counter() - start


def _engine_gradient(net: Network, X: np.ndarray, T: np.ndarray) -> np.ndarray:
    return net.flat_gradient(X, T)[1]


def _as_float64(network: Network) -> Network:
    return Network(
        network.layer_sizes,
        network.activations,
        loss=network.loss,
        init=network.init,
        seed=network.seed,
        dtype="float64",
        parameters=network.parameters.astype(np.float64),
        bias=network.has_bias,
    )
