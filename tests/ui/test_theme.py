"""Number formats and palettes shared by the editor and the panels."""

import pytest

from bpdesk.ui import theme


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0.5, 3, "0.500"),
        (-1.25, 3, "−1.250"),
        (-0.0001, 3, "−1.0e−4"),  # too small for three decimals: short scientific
        (3.76e-05, 3, "3.8e−5"),
        (-2.5612e-04, 5, "−0.00026"),
        (-2.5612e-07, 5, "−2.561e−7"),
        (-0.0004, 3, "−4.0e−4"),
        (-0.0005, 3, "−0.001"),  # rounds to a visible value: fixed form
        (-1e-12, 2, "−1.0e−12"),
        (0.0, 3, "0.000"),
        (-0.0, 3, "0.000"),
        (float("nan"), 3, "nan"),
        (None, 3, "—"),
    ],
)
def test_fmt_reads_like_the_learner_writes(value, decimals, text):
    assert theme.fmt(value, decimals) == text


@pytest.mark.parametrize("value", [3.76e-05, -2.56e-04, -1.11e-06, 5.13e-07])
def test_tiny_numbers_are_no_wider_than_a_small_fixed_one(value):
    assert len(theme.fmt(value)) <= len("−0.001") + 1


def test_palettes_keep_orange_positive_and_blue_negative():
    for dark in (False, True):
        for color_blind in (False, True):
            palette = theme.palette_for(dark, color_blind)
            positive, negative = (theme.QColor(c) for c in (palette.positive, palette.negative))
            assert positive.red() > positive.blue()
            assert negative.blue() > negative.red()
            assert (theme.QColor(palette.background).lightness() < 128) == dark
