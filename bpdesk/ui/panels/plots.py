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
    # No grid: translucent grid lines over the whole plot make every repaint
    # several times slower in software rendering, and plots repaint while training.
    return widget
