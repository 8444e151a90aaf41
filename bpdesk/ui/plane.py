"""The input plane of a 2-D problem: its extent, a grid over it, and colour tables."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from bpdesk.core import Dataset
from bpdesk.ui import theme

MARGIN = 0.1  # of the data's span, so that points on the edge are not cut in half
XOR_MARGIN = 0.1  # around the explainer's unit square, so that its corner circles show whole


# The largest coordinate the map shows (its sides, with the margin, stay finite).
PLANE_LIMIT = 1e300


def plane_bounds(ds: Dataset) -> tuple[float, float, float, float]:
    """``(x_min, x_max, y_min, y_max)``: XOR's unit square, or a square around the data."""
    if ds.name == "xor":
        # The explainer's square: (0, 0) bottom left, (1, 1) top right.
        return (-XOR_MARGIN, 1 + XOR_MARGIN, -XOR_MARGIN, 1 + XOR_MARGIN)
    plane = ds.plane  # with input features, the points they are computed from
    X = np.concatenate([plane.X_train, plane.X_test])
    # Inputs near the float limit (a file may hold ±1e308) would make the square's
    # sides infinite: the map clamps them to what a plot can show.
    X = np.clip(X, -PLANE_LIMIT, PLANE_LIMIT)
    low, high = X.min(axis=0), X.max(axis=0)
    # A square around the data's middle: views keep the aspect ratio, so a
    # square fills a square panel with no empty bands.
    half = float((high - low).max()) / 2
    half = half * (1 + 2 * MARGIN) if half > 0 else 0.5
    cx, cy = (float(v) for v in (low + high) / 2)
    return (cx - half, cx + half, cy - half, cy + half)


def grid_points(bounds: tuple[float, float, float, float], n: int) -> np.ndarray:
    """``n × n`` pixel centres over ``bounds`` as rows ``(x1, x2)``, top row first."""
    x_min, x_max, y_min, y_max = bounds
    xs = x_min + (np.arange(n) + 0.5) * (x_max - x_min) / n
    ys = y_max - (np.arange(n) + 0.5) * (y_max - y_min) / n  # images run top to bottom
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def rgb(color: QColor) -> np.ndarray:
    """A colour as an RGB float array."""
    return np.array([color.red(), color.green(), color.blue()], dtype=np.float64)


def neutral(palette: theme.Palette) -> np.ndarray:
    """The colour of "no signal" in maps: the neurons' fill (white, or dark grey in a dark theme)."""
    return rgb(QColor(palette.node_fill))


def diverging_lut(low: QColor, high: QColor, middle: np.ndarray, tint: float = 0.0) -> np.ndarray:
    """A 256-entry RGB lookup table from ``low`` through ``middle`` to ``high``.

    ``middle`` is usually :func:`neutral`; ``tint`` pales both ends towards it
    (0 keeps them as given).
    """
    lo = rgb(low) + (middle - rgb(low)) * tint
    hi = rgb(high) + (middle - rgb(high)) * tint
    t = np.linspace(-1.0, 1.0, 256)[:, None]  # −1 at the low end, 0 in the middle
    table = np.where(t < 0, middle + (lo - middle) * -t, middle + (hi - middle) * t)
    return np.round(table).astype(np.uint8)
