"""How numbers read everywhere a learner sees them: panels, equations, the diagram.

One set of rules so that the same value looks the same in the network, the
chain rule and the equations: fixed decimals, a real minus sign, never
``−0.000``, and a value too small for the decimals in short scientific form
(``3.8e−5``) rather than as a misleading zero. A value of a million or more
(a diverged training run reaches 1e300) is short scientific too (``1.5e300``):
in fixed form it would be hundreds of digits long and overrun every label.
"""

from __future__ import annotations

import math

LARGE = 1e6  # from here on, short scientific form


def format_number(value: float | None, decimals: int = 3) -> str:
    """``value`` with ``decimals`` fixed decimals, as described in the module docstring."""
    if value is None:
        return "—"
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    text = f"{value:.{decimals}f}"
    # Judged on the rounded text: 999999.9996 would read as 1000000.000.
    if abs(float(text)) >= LARGE or (value != 0 and abs(value) < 0.5 * 10**-decimals):
        # About as wide as the fixed form, so it still fits a label or a neuron.
        mantissa, exponent = f"{value:.{max(1, decimals - 2)}e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    elif float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


def format_data_value(value: float) -> str:
    """An input or a target: whole numbers as they are (0, 1), others with two decimals."""
    if float(value).is_integer() and abs(value) < LARGE:
        return f"{value:g}".replace("-", "−")
    if abs(value) < 0.005:
        # A data column reads in hundredths: 0.0025 is 0.00 there, not 2.5e−3
        # among 0.21 and −0.98 (a weight or gradient that small keeps its digits).
        return "0.00"
    return format_number(value, 2)
