"""Shared pyqtgraph set-up: light plots in the application's palette."""

from __future__ import annotations

import pyqtgraph as pg

from bpdesk.ui import theme


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options (call once, before creating plots)."""
    pg.setConfigOptions(
        antialias=True, background=theme.current.background, foreground=theme.current.text
    )


def plot_widget(**kwargs) -> pg.PlotWidget:
    """A PlotWidget with the application's look (no context menu clutter)."""
    configure_pyqtgraph()
    widget = pg.PlotWidget(**kwargs)
    widget.setMenuEnabled(False)
    for name in ("left", "bottom"):
        # Plain numbers on the axes: a learner reads "0.002", not "2" under "loss (x0.001)".
        widget.getAxis(name).enableAutoSIPrefix(False)
    # No grid: translucent grid lines over the whole plot make every repaint
    # several times slower in software rendering, and plots repaint while training.
    return widget
