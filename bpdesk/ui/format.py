"""Numbers as the window writes them: weights, targets, ratios, durations, speedups.

One home for the number formats the views share, so that the same figure
reads the same everywhere. Plain functions of numbers to text; no Qt. The
decimals a learner chose are an argument: a view passes its preferences'
(:attr:`bpdesk.ui.preferences.ViewPreferences.decimals`), or uses
:meth:`~bpdesk.ui.preferences.ViewPreferences.fmt`, which does.
"""

from __future__ import annotations

import math

import numpy as np

from bpdesk.core.numbers import format_data_value, format_number


def fmt(value: float | None, decimals: int) -> str:
    """A number as the learner reads it, with ``decimals`` fixed decimals: a real minus
    sign, never ``−0.000``, short scientific form when too small or too large
    (:func:`bpdesk.core.numbers.format_number`)."""
    return format_number(value, decimals)


def fmt_target(value: float) -> str:
    """An input or a target: whole numbers as they are (0, 1), others with two decimals."""
    return format_data_value(value)


def displayed(values: np.ndarray, decimals: int) -> np.ndarray:
    """``values`` rounded as :func:`fmt` shows them with ``decimals``: equal results read the same."""
    v = np.asarray(values, dtype=np.float64)
    key = np.round(v, decimals)
    # fmt writes tiny numbers as 4.54e−05: three significant digits.
    tiny = (v != 0) & (np.abs(v) < 0.5 * 10.0**-decimals)
    if tiny.any():
        t = v[tiny]
        # Below about 1e−307 (a saturated softmax's smallest outputs) the power of ten
        # underflows to 0: such a number is its own key.
        scale = 10.0 ** np.floor(np.log10(np.abs(t)))
        normal = scale > 0
        scale = np.where(normal, scale, 1.0)
        key[tiny] = np.where(normal, np.round(t / scale, max(1, decimals - 1)) * scale, t)
    return key


def format_percent(fraction: float | None) -> str:
    """``0.75`` → ``75%``, ``29/30`` → ``96.7%``, None → ``—``."""
    if fraction is None:
        return "—"
    text = f"{100 * fraction:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def whole_percent(fraction: float) -> str:
    """An accuracy in a one-line readout: ``0.756`` → ``76%``."""
    return f"{fraction:.0%}"


def norm_text(value: float) -> str:
    """A gradient norm to three significant digits: ``0.512``, ``3.41e−5``, ``0``."""
    if value == 0 or not math.isfinite(value):
        return fmt(value, 0)
    return sci(value, 2)


def unbroken(text: str) -> str:
    """``x = (0, 1)`` kept on one line in a wrapped label: no break around "=" or after ","."""
    return text.replace(" = ", "\u00a0=\u00a0").replace(", ", ",\u00a0")


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
