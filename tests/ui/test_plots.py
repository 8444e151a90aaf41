"""Shared plot set-up: axes whose labels never touch."""

import pytest
from PySide6.QtGui import QFontMetricsF

from bpdesk.ui.plots import LABEL_ROOM, CompactAxis, nice_step, plot_widget


@pytest.mark.parametrize(
    ("value", "step"), [(0.3, 0.5), (0.5, 0.5), (0.11, 0.2), (7.0, 10.0), (1.0, 1.0), (0.021, 0.05)]
)
def test_nice_steps(value, step):
    assert nice_step(value) == pytest.approx(step)


@pytest.mark.parametrize("height", [50, 80, 140, 400])
def test_a_short_vertical_axis_keeps_its_labels_apart(qtbot, height):
    plot = plot_widget()
    qtbot.addWidget(plot)
    axis = plot.getAxis("left")
    assert isinstance(axis, CompactAxis)
    major, values = axis.tickValues(0.0, 1.0, height)[0]
    gap = height * major  # pixels between two labelled ticks on a 0–1 axis
    assert gap >= LABEL_ROOM * QFontMetricsF(axis.font()).height() - 1e-6
    assert len(values) >= 2
