"""Numbers compared as the tables show them, down to the smallest a float holds."""

import warnings

import numpy as np
import pytest

from bpdesk.ui.format import displayed


def test_subnormal_outputs_are_their_own_key_without_a_warning():
    # A saturated softmax over raw 0-255 pixels gives outputs like 5e−324.
    values = np.array([5e-324, 1e-310, 4.54e-5, 0.0, 0.25])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        key = displayed(values, 3)
    assert key[0] == 5e-324
    assert key[1] == 1e-310
    assert key[2] == pytest.approx(4.54e-5, rel=1e-12)
    assert key[3] == 0.0
    assert key[4] == 0.25
