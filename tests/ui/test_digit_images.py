"""Pictures of image-shaped examples: which input counts are pictures, ink and signed maps."""

import numpy as np
from PySide6.QtGui import QColor

from bpdesk.ui.digit_images import digit_image, image_side, signed_image
from bpdesk.ui.theme import STANDARD


def test_only_the_digit_sizes_are_pictures():
    assert image_side(64) == 8
    assert image_side(784) == 28
    assert image_side(4) is None  # square, but two inputs squared are no picture
    assert image_side(100) is None
    assert image_side(63) is None


def test_ink_is_dark_on_a_white_page_at_the_data_scale():
    row = np.zeros(64)
    row[9] = 16.0  # full ink for raw UCI counts
    row[10] = 8.0
    image = digit_image(row, peak=16.0)
    assert (image.width(), image.height()) == (8, 8)
    assert image.pixelColor(1, 1).lightness() == 0
    assert 120 < image.pixelColor(2, 1).lightness() < 135
    assert image.pixelColor(0, 0).lightness() == 255


def test_signed_maps_are_blue_below_zero_and_orange_above():
    values = np.zeros(64)
    values[0], values[1] = -2.0, 2.0
    image = signed_image(values, STANDARD)
    assert image.pixelColor(0, 0) == QColor(STANDARD.negative)
    assert image.pixelColor(1, 0) == QColor(STANDARD.positive)
    # Zero, and a map of nothing but NaN: the neutral fill (the 256-entry table's middle).
    assert close(image.pixelColor(2, 0), QColor(STANDARD.node_fill))
    assert close(signed_image(np.full(64, np.nan), STANDARD).pixelColor(0, 0), QColor("#ffffff"))


def close(a: QColor, b: QColor) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= 2
