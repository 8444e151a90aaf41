"""The look of the whole application, from the window's preferences: Qt's style and
palette, and pyqtgraph's default colours.

These are application-wide, so they are set in one place: the main window calls
:func:`show_preferences` at start and whenever its preferences change. Views take
their own colours from the :class:`~bpdesk.ui.preferences.ViewPreferences` they
were given, not from here.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from bpdesk.ui.preferences import ViewPreferences

# An application property: the platform's own style, remembered before a dark theme
# replaces it, so that the light theme can bring it back.
ORIGINAL_STYLE = "bpdeskOriginalStyle"


def show_preferences(prefs: ViewPreferences) -> None:
    """Give the application the look ``prefs`` ask for: a light or dark Qt palette and
    style, and pyqtgraph's defaults in the palette's colours."""
    app = QApplication.instance()
    if app is not None:
        original = app.property(ORIGINAL_STYLE)
        if not isinstance(original, str):
            original = app.style().name()
            app.setProperty(ORIGINAL_STYLE, original)
        # The platform styles ignore a dark palette in places; Fusion honours it.
        app.setStyle("Fusion" if prefs.dark else original)
        app.setPalette(_qt_palette(prefs.dark))
    show_in_plots(prefs)


def show_in_plots(prefs: ViewPreferences) -> None:
    """pyqtgraph's default colours from ``prefs``: for whatever a plot leaves to them."""
    pg.setConfigOptions(background=prefs.palette.background, foreground=prefs.palette.text)


def _qt_palette(dark: bool) -> QPalette:
    if not dark:
        return QApplication.style().standardPalette()
    p = QPalette()
    base, window, text = QColor("#1e222b"), QColor("#2a2f3a"), QColor("#e6e6e6")
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Highlight, QColor("#3d6fb4")),
        (QPalette.ColorRole.HighlightedText, QColor("white")),
        (QPalette.ColorRole.PlaceholderText, QColor("#9aa0ab")),
    ):
        p.setColor(role, color)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b7080"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7080"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#6b7080"))
    return p
