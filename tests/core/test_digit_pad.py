"""A drawn digit becomes the network's input exactly as the digit data were made."""

import numpy as np
import pytest

from bpdesk.core.digit_pad import (
    MNIST_SIDE,
    block_counts,
    centre_of_mass,
    input_peak,
    mnist_image,
    mnist_input,
    network_input,
    resample,
    uci_bitmap,
    uci_counts,
    uci_input,
)


def test_block_counts_count_the_dark_pixels_of_each_4x4_block():
    bitmap = np.zeros((32, 32), dtype=np.uint8)
    bitmap[0:4, 0:4] = 1  # a full block: 16
    bitmap[4, 4:8] = 1  # one row of the next block down and across: 4
    bitmap[31, 31] = 1  # one pixel in the last block: 1
    counts = block_counts(bitmap)
    assert counts.shape == (8, 8)
    expected = np.zeros((8, 8), dtype=np.int64)
    expected[0, 0], expected[1, 1], expected[7, 7] = 16, 4, 1
    np.testing.assert_array_equal(counts, expected)
    with pytest.raises(ValueError, match="does not cut"):
        block_counts(np.zeros((30, 32)))


def test_a_vertical_bar_becomes_the_expected_counts():
    # A bar 8 cells wide and the full height of a 32×32 drawing: fitted into the box it
    # stays 32 tall and 8 wide, centred over columns 12-19. Column blocks 3 and 4 each get
    # 4×4 dark pixels in every row of blocks; the others none.
    drawing = np.zeros((32, 32))
    drawing[:, 12:20] = 1.0
    bitmap = uci_bitmap(drawing)
    assert bitmap.sum() == 32 * 8
    np.testing.assert_array_equal(np.flatnonzero(bitmap.any(axis=0)), np.arange(12, 20))
    expected = np.zeros((8, 8), dtype=np.int64)
    expected[:, 3:5] = 16
    np.testing.assert_array_equal(uci_counts(drawing), expected)
    np.testing.assert_array_equal(uci_input(drawing).reshape(8, 8), expected / 16)


def test_the_drawing_is_scaled_to_fill_the_box_as_nist_did():
    # The same bar drawn small, in a corner of a big canvas, gives the same counts.
    canvas = np.zeros((256, 256))
    canvas[10:74, 40:56] = 1.0  # 64 tall, 16 wide: the 32×8 bar at twice the size
    expected = np.zeros((8, 8), dtype=np.int64)
    expected[:, 3:5] = 16
    np.testing.assert_array_equal(uci_counts(canvas), expected)


def test_a_half_column_bar_gives_partial_counts():
    # A bar two cells wide straddling two blocks (columns 15-16 of 32 rows): each
    # block column 3 and 4 gets one column of 4 pixels per block row.
    drawing = np.zeros((32, 32))
    drawing[:, 15:17] = 1.0
    expected = np.zeros((8, 8), dtype=np.int64)
    expected[:, 3] = expected[:, 4] = 4
    np.testing.assert_array_equal(uci_counts(drawing), expected)


def test_an_empty_drawing_is_all_zeros():
    assert uci_counts(np.zeros((50, 50))).sum() == 0
    assert mnist_image(np.zeros((50, 50))).sum() == 0


def test_resample_averages_areas():
    image = np.arange(16, dtype=float).reshape(4, 4)
    np.testing.assert_allclose(resample(image, 2, 2), [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_allclose(resample(image, 4, 4), image)
    # Stretching a single cell keeps its value everywhere.
    np.testing.assert_allclose(resample(np.ones((1, 1)), 3, 5), np.ones((3, 5)))


def test_mnist_fits_the_digit_in_20x20_and_centres_it_by_mass():
    # An L shape: a vertical bar and a foot to the right. Its bounding box is centred by
    # _centred, but its mass is left of centre: the shift moves it right.
    canvas = np.zeros((200, 200))
    canvas[20:180, 50:70] = 1.0  # the upright: 160 tall
    canvas[160:180, 70:130] = 1.0  # the foot
    image = mnist_image(canvas)
    assert image.shape == (MNIST_SIDE, MNIST_SIDE)
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert rows[-1] - rows[0] + 1 == 20  # the longer side fills the 20-pixel box
    assert cols[-1] - cols[0] + 1 <= 20
    row, col = centre_of_mass(image)
    assert abs(row - 14) <= 0.5
    assert abs(col - 14) <= 0.5
    assert image.min() >= 0.0
    assert image.max() <= 1.0
    np.testing.assert_allclose(mnist_input(canvas, peak=255).reshape(28, 28), image * 255)


def test_centre_of_mass():
    image = np.zeros((4, 4))
    image[1, 3] = 1.0
    assert centre_of_mass(image) == (1.5, 3.5)
    assert centre_of_mass(np.zeros((4, 6))) == (2.0, 3.0)


def test_network_input_picks_the_recipe_by_the_input_count():
    canvas = np.zeros((64, 64))
    canvas[8:56, 28:36] = 1.0
    assert network_input(canvas, 64).shape == (64,)
    assert network_input(canvas, 784).shape == (784,)
    with pytest.raises(ValueError, match="64 or 784"):
        network_input(canvas, 100)


def test_input_peak_follows_the_data_scale():
    assert input_peak(np.array([[0.0, 1.0]]), 64) == 1.0
    assert input_peak(np.array([[0.0, 16.0]]), 64) == 16.0
    assert input_peak(np.array([[0.0, 255.0]]), 784) == 255.0
