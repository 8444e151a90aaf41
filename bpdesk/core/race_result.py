"""What a race of the three ways to learn came to: each method's counts and curve, the
verdict in numbers, and the projection to the explainer's 10,000 knobs.

The projection measures, on this machine, the forward pass of a network like the
raced one grown to about 10,000 parameters (its hidden layers widened alike; one
hidden layer if it had none) on as many examples as the race trained on. One
update at 10,000 knobs then costs backprop 2 such passes (a backward pass costs
about what a forward pass does, as the explainer counts it), nudging 2 × 10,000
= 20,000, and random search 1 per trial.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

METHODS = ("random", "nudge", "backprop")
LABELS = {"random": "random search", "nudge": "nudging", "backprop": "backprop"}
KNOBS = 10_000  # the explainer's "10,000 weights = 10,000 network runs, per update"
PROJECTION_SECONDS = 0.2  # timing the scaled-up forward pass takes at most about this


@dataclass(frozen=True, eq=False)
class MethodResult:
    """One method's race so far. Arrays are copies nobody else holds.

    ``updates`` are the parameter changes made (random search: the trials kept;
    ``trials`` counts all it tried, and equals ``updates`` for the others).
    ``final_loss`` is the training loss of the parameters reached (NaN before
    the first is measured). The curve holds the loss against the forward passes
    used and against the method's own seconds, at most about 1,500 points, the
    last always included. ``passes_to_target`` (and ``seconds_to_target``): when
    the loss first reached the race's target, or None.
    """

    name: str
    updates: int
    forward_passes: int
    seconds: float
    final_loss: float
    passes_per_update: int
    curve_passes: np.ndarray
    curve_seconds: np.ndarray
    curve_losses: np.ndarray
    passes_to_target: int | None
    seconds_to_target: float | None
    done: bool
    note: str
    trials: int

    @property
    def label(self) -> str:
        """The method's name in words: "random search", "nudging", "backprop"."""
        return LABELS[self.name]

    def summary(self) -> dict[str, Any]:
        """Plain values for JSON: the counts, the final loss and both curves as pairs."""
        return {
            "updates": self.updates,
            "trials": self.trials,
            "forward_passes": self.forward_passes,
            "passes_per_update": self.passes_per_update,
            "seconds": self.seconds,
            "final_loss": float(self.final_loss),
            "passes_to_target": self.passes_to_target,
            "seconds_to_target": self.seconds_to_target,
            "note": self.note,
            "loss_curve": [
                [int(p), float(v)] for p, v in zip(self.curve_passes, self.curve_losses)
            ],
            "time_curve": [
                [float(s), float(v)] for s, v in zip(self.curve_seconds, self.curve_losses)
            ],
        }


@dataclass(frozen=True)
class Projection:
    """The time of one forward pass at the explainer's scale, measured on this machine.

    ``sizes`` is the network timed (``parameters`` of them, about :data:`KNOBS`),
    on ``examples`` examples; ``forward_seconds`` the median of ``repeats`` passes.
    """

    sizes: tuple[int, ...]
    parameters: int
    examples: int
    forward_seconds: float
    repeats: int

    def passes_per_update(self, method: str) -> int:
        """Forward passes one update costs at :data:`KNOBS` parameters (random: one trial)."""
        return {"random": 1, "nudge": 2 * KNOBS, "backprop": 2}[method]

    def seconds_per_update(self, method: str) -> float:
        """Those passes at the measured speed."""
        return self.passes_per_update(method) * self.forward_seconds

    def summary(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "knobs": KNOBS,
            "network": "-".join(map(str, self.sizes)),
            "parameters": self.parameters,
            "examples": self.examples,
            "forward_seconds": self.forward_seconds,
            "repeats": self.repeats,
            "per_update": {
                m: {
                    "forward_passes": self.passes_per_update(m),
                    "seconds": self.seconds_per_update(m),
                }
                for m in METHODS
            },
        }


@dataclass(frozen=True, eq=False)
class RaceResult:
    """The three methods of a race, its budget and target, and (at its end) the projection."""

    budget: int
    target: float
    scale: float
    n_parameters: int
    examples: int
    methods: tuple[MethodResult, ...]
    finished: bool
    projection: Projection | None = None

    def method(self, name: str) -> MethodResult:
        """The result of ``random``, ``nudge`` or ``backprop``."""
        return next(m for m in self.methods if m.name == name)

    @property
    def lowest(self) -> MethodResult | None:
        """The method with the lowest final loss (None when no loss is a number)."""
        finite = [m for m in self.methods if math.isfinite(m.final_loss)]
        return min(finite, key=lambda m: m.final_loss) if finite else None

    def verdict(self) -> str:
        """The race in a sentence of numbers: who reached the target after how many passes."""
        reached = sorted(
            (m for m in self.methods if m.passes_to_target is not None),
            key=lambda m: m.passes_to_target or 0,
        )
        missed = [m for m in self.methods if m.passes_to_target is None]
        target = f"{self.target:g}"
        if not reached:
            ends = ", ".join(f"{m.label} at {_loss(m.final_loss)}" for m in self.methods)
            within = "yet" if not self.finished else f"within {self.budget:,} passes"
            return f"Nobody reached loss {target} {within}: {ends}."
        first, *others = reached
        parts = [f"{first.label} reached loss {target} after {first.passes_to_target:,} passes"]
        parts += [f"{m.label} needed {m.passes_to_target:,}" for m in others]
        never = "has not yet" if not self.finished else "never did"
        parts += [f"{m.label} {never} (it ended at {_loss(m.final_loss)})" for m in missed]
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]

    def projection_text(self) -> str:
        """What one update would cost at the explainer's 10,000 knobs, measured here."""
        p = self.projection
        if p is None:
            return ""
        backprop, nudge = p.seconds_per_update("backprop"), p.seconds_per_update("nudge")
        return (
            f"At the explainer's {KNOBS:,} knobs one update costs backprop 2 passes "
            f"({_seconds(backprop)}) and nudging {2 * KNOBS:,} passes ({_seconds(nudge)}): "
            f"{nudge / backprop:,.0f} times as long. Measured here: one forward pass of a "
            f"{'-'.join(map(str, p.sizes))} network ({p.parameters:,} parameters) on "
            f"{p.examples:,} examples takes {_seconds(p.forward_seconds)} (median of {p.repeats})."
        )

    def summary(self) -> dict[str, Any]:
        """Plain values for JSON: ``parameters``, ``methods`` by name, the verdict and projection."""
        lowest = self.lowest
        return {
            "parameters": self.n_parameters,
            "examples": self.examples,
            "budget": self.budget,
            "target": self.target,
            "scale": self.scale,
            "finished": self.finished,
            "methods": {m.name: m.summary() for m in self.methods},
            "lowest_final_loss": lowest.name if lowest else None,
            "verdict": self.verdict(),
            "projection": None if self.projection is None else self.projection.summary(),
        }


def scaled_sizes(sizes: Sequence[int], knobs: int = KNOBS) -> tuple[int, ...]:
    """``sizes`` with every hidden layer widened alike (one hidden layer if none) so that
    the network has about ``knobs`` weights and biases."""
    n_in, n_out = sizes[0], sizes[-1]
    hidden = max(1, len(sizes) - 2)

    def count(width: int) -> int:
        layers = [n_in] + [width] * hidden + [n_out]
        return sum((a + 1) * b for a, b in zip(layers, layers[1:]))

    width = min(range(1, knobs + 1), key=lambda w: abs(count(w) - knobs))
    return (n_in, *([width] * hidden), n_out)


def measure_projection(
    sizes: Sequence[int], activations: Sequence[str], loss: str, X: np.ndarray
) -> Projection:
    """Time a forward pass of ``sizes`` grown to ~10,000 parameters on the inputs ``X``."""
    from bpdesk.core.network import Network, augment

    big = scaled_sizes(sizes)
    hidden = activations[0] if len(activations) > 1 else "tanh"
    acts = [hidden] * (len(big) - 2) + [activations[-1]]
    net = Network(big, acts, loss=loss, seed=0)
    xa = augment(X, np.float64)
    ws = net.workspace(xa.shape[1])
    times: list[float] = []
    deadline = time.perf_counter() + PROJECTION_SECONDS
    while len(times) < 3 or (time.perf_counter() < deadline and len(times) < 200):
        started = time.perf_counter()
        ws.forward(xa)
        times.append(time.perf_counter() - started)
    return Projection(big, net.n_parameters, xa.shape[1], float(np.median(times)), len(times))


def _loss(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "no number (diverged)"


def _seconds(seconds: float) -> str:
    """``0.3 ms``, ``42 ms``, ``1.3 s``, ``2.5 min``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    if seconds < 120:
        return f"{seconds:.3g} s"
    return f"{seconds / 60:.3g} min"
