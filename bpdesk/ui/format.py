"""Numbers as the window writes them: ratios, durations, speedups, gradients.

One home for the number formats the panels share, so that the same figure
reads the same everywhere. Plain functions of numbers to text; no Qt.
"""

from __future__ import annotations

import numpy as np


def sci(value: float, digits: int = 1) -> str:
    """A ratio as the learner reads it: ``3.2e−10``, ``1e−6``, ``0.86``, ``2``, ``0``."""
    if value == 0:
        return "0"
    if not np.isfinite(value):
        return str(value)
    if 1e-2 <= abs(value) < 1e3:
        return f"{value:.{digits + 1}g}".replace("-", "−")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", "−")


def significant(value: float) -> str:
    """A gradient with six significant digits: enough to see two of them agree."""
    return f"{value:.6g}".replace("-", "−")


def format_seconds(seconds: float) -> str:
    """``0.00008`` → ``80 µs``, ``0.48`` → ``480 ms``, ``2.5`` → ``2.50 s``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def format_speedup(speedup: float) -> str:
    """How backprop compared: ``backprop 6,049× faster``, ``backprop 4.0× faster``.

    On a network of a parameter or two the fixed cost of a backward pass can
    outweigh a couple of forward passes: then it says ``backprop 2.5× slower``.
    """
    if not np.isfinite(speedup) or speedup <= 0:
        return "—"
    if speedup < 1:
        return f"backprop {1 / speedup:.1f}× slower"
    return (
        f"backprop {speedup:,.0f}× faster" if speedup >= 100 else f"backprop {speedup:.1f}× faster"
    )
