"""Pictures of image-shaped examples: a row of 64 or 784 inputs drawn as 8×8 or 28×28
pixels, dark ink on the page, and signed maps over the same pixels.

Shared by every view that shows an example as an image (the predictions table's
thumbnails, the digit pad, the mistakes gallery). Built with QImage from NumPy
arrays: no scene, no plot, cheap enough for a table cell.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap

from bpdesk.ui import theme
from bpdesk.ui.plane import diverging_lut, neutral

IMAGE_SIDES = (8, 28)  # inputs shown as a picture: 64 (the shipped digits) and 784 (MNIST)


def image_side(n_inputs: int) -> int | None:
    """The side of the square picture ``n_inputs`` inputs make, or None when they make none.

    Only the square counts of known digit data are pictures (an 8×8 or 28×28 image):
    four inputs are a square too, but not a picture of anything.
    """
    side = math.isqrt(n_inputs)
    return side if side * side == n_inputs and side in IMAGE_SIDES else None


def ink_levels(row: np.ndarray, peak: float) -> np.ndarray:
    """``row`` as grey levels 0–255 of ink (255 = white page, 0 = full ink at ``peak``)."""
    ink = np.clip(np.asarray(row, dtype=np.float64) / (peak or 1.0), 0.0, 1.0)
    return np.round(255 * (1.0 - ink)).astype(np.uint8)


def _grey_image(levels: np.ndarray) -> QImage:
    levels = np.ascontiguousarray(levels, dtype=np.uint8)
    rows, cols = levels.shape
    image = QImage(levels.data, cols, rows, cols, QImage.Format.Format_Grayscale8)
    return image.copy()  # the QImage must not outlive the array it points into


def digit_image(row: np.ndarray, peak: float = 1.0) -> QImage:
    """A square input row as a grey picture, one pixel per input (``row`` read row by row)."""
    side = math.isqrt(np.size(row))
    return _grey_image(ink_levels(row, peak).reshape(side, side))


def digit_pixmap(row: np.ndarray, size: int, peak: float = 1.0) -> QPixmap:
    """A square input row as a ``size × size`` picture, its pixels kept sharp."""
    return QPixmap.fromImage(digit_image(row, peak)).scaled(
        size,
        size,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )


def signed_image(values: np.ndarray, palette: theme.Palette, scale: float | None = None) -> QImage:
    """A square map of signed values: negative blue, positive orange, zero the page's
    neutral, ±``scale`` (the largest magnitude if not given) the full colours."""
    values = np.asarray(values, dtype=np.float64)
    side = math.isqrt(values.size)
    top = float(np.max(np.abs(values))) if scale is None else scale
    t = values / top if top > 0 and math.isfinite(top) else np.zeros_like(values)
    lut = diverging_lut(QColor(palette.negative), QColor(palette.positive), neutral(palette))
    index = np.round((np.clip(np.nan_to_num(t), -1.0, 1.0) + 1.0) * 127.5).astype(np.intp)
    rgb = np.ascontiguousarray(lut[index].reshape(side, side, 3))
    image = QImage(rgb.data, side, side, 3 * side, QImage.Format.Format_RGB888)
    return image.copy()


def signed_pixmap(
    values: np.ndarray, size: int, palette: theme.Palette, scale: float | None = None
) -> QPixmap:
    """:func:`signed_image` as a ``size × size`` picture, its pixels kept sharp."""
    return QPixmap.fromImage(signed_image(values, palette, scale)).scaled(
        size,
        size,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )
