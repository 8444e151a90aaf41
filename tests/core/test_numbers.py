"""Numbers as the learner reads them, the same in every panel."""

import pytest

from bpdesk.core.numbers import format_data_value, format_number


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
        (float("-inf"), 3, "−∞"),
        (None, 3, "—"),
    ],
)
def test_format_number(value, decimals, text):
    assert format_number(value, decimals) == text


@pytest.mark.parametrize("value", [3.76e-05, -2.56e-04, -1.11e-06, 5.13e-07])
def test_tiny_numbers_are_no_wider_than_a_small_fixed_one(value):
    assert len(format_number(value)) <= len("−0.001") + 1


@pytest.mark.parametrize(
    ("value", "text"), [(0.0, "0"), (1.0, "1"), (-2.0, "−2"), (0.25, "0.25"), (-1.333, "−1.33")]
)
def test_inputs_and_targets_read_as_written(value, text):
    assert format_data_value(value) == text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (999_999.0, 3, "999999.000"),  # below a million: fixed, as before
        (1_000_000.0, 3, "1.0e6"),
        (999_999.9996, 3, "1.0e6"),  # would round to 1000000.000
        (-2.5e6, 3, "−2.5e6"),
        (8.37757709704948e306, 4, "8.38e306"),  # a diverged loss
        (-4.0933e153, 3, "−4.1e153"),  # a diverged output
        (1.5e300, 2, "1.5e300"),
    ],
)
def test_huge_numbers_are_short_scientific(value, decimals, text):
    assert format_number(value, decimals) == text


@pytest.mark.parametrize("value", [1e6, -3.3e12, 8.4e306, -1.7976931348623157e308])
def test_huge_numbers_are_no_wider_than_a_large_fixed_one(value):
    # A diverged run once printed 300-digit numbers over each other.
    assert len(format_number(value)) <= len("−999999.000")
    assert len(format_number(value, 4)) <= len("−999999.0000")


def test_huge_inputs_and_targets_are_short_scientific():
    assert format_data_value(3e20) == "3.0e20"
    assert format_data_value(-1_000_000.0) == "−1.0e6"
    assert format_data_value(999_999.0) == "999999"


def test_data_values_read_in_hundredths():
    from bpdesk.core.numbers import format_data_value

    assert format_data_value(1.0) == "1"
    assert format_data_value(-0.98) == "−0.98"
    assert format_data_value(0.0025) == "0.00"
    assert format_data_value(-0.0025) == "0.00"
    assert format_data_value(0.21) == "0.21"
