"""How numbers read everywhere a learner sees them: panels, equations, the diagram.

One set of rules so that the same value looks the same in the network, the
chain rule and the equations: fixed decimals, a real minus sign, never
``−0.000``, and a value too small for the decimals in short scientific form
(``3.8e−5``) rather than as a misleading zero.
"""

from __future__ import annotations

import math


def format_number(value: float | None, decimals: int = 3) -> str:
    """``value`` with ``decimals`` fixed decimals, as described in the module docstring."""
    if value is None:
        return "—"
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    if value != 0 and abs(value) < 0.5 * 10**-decimals:
        # About as wide as the fixed form, so it still fits a label or a neuron.
        mantissa, exponent = f"{value:.{max(1, decimals - 2)}e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    else:
        text = f"{value:.{decimals}f}"
        if float(text) == 0:
            text = text.lstrip("-")
    return text.replace("-", "−")


def format_data_value(value: float) -> str:
    """An input or a target: whole numbers as they are (0, 1), others with two decimals."""
    if float(value).is_integer():
        return f"{value:g}".replace("-", "−")
    return format_number(value, 2)
