"""Preferences: theme, colour-blind-safe colours, decimals, animation speed.

They are kept in QSettings under ``prefs/`` and applied to the whole window
at once: Qt's own palette, the editor, the plots and the text panels.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from bpdesk.ui import theme

THEMES = ("system", "light", "dark")


@dataclass
class Preferences:
    """What the user chose."""

    theme: str = "system"
    color_blind: bool = False
    decimals: int = 3
    animation_ms: int = 260

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        """From QSettings, with defaults for anything missing or malformed."""
        prefs = cls()
        value = settings.value("prefs/theme", prefs.theme)
        prefs.theme = value if value in THEMES else "system"
        prefs.color_blind = settings.value("prefs/color_blind", False) in (True, "true", "1", 1)
        for name, low, high in (("decimals", 1, 6), ("animation_ms", 0, 2000)):
            try:
                number = int(settings.value(f"prefs/{name}", getattr(prefs, name)))
            except (TypeError, ValueError):
                continue
            setattr(prefs, name, max(low, min(high, number)))
        return prefs

    def save(self, settings: QSettings) -> None:
        """Into QSettings."""
        for name in ("theme", "color_blind", "decimals", "animation_ms"):
            settings.setValue(f"prefs/{name}", getattr(self, name))

    def wants_dark(self) -> bool:
        """Resolve "system" against the desktop's colour scheme."""
        if self.theme == "system":
            hints = QGuiApplication.styleHints()
            return hints.colorScheme() == Qt.ColorScheme.Dark
        return self.theme == "dark"


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


_original_style: str | None = None


def apply(window: QWidget, prefs: Preferences) -> None:
    """Make the window look and behave as ``prefs`` say."""
    global _original_style
    dark = prefs.wants_dark()
    palette = theme.palette_for(dark, prefs.color_blind)
    theme.DECIMALS = prefs.decimals
    app = QApplication.instance()
    if app is not None:
        if _original_style is None:
            _original_style = app.style().name()
        # The platform styles ignore a dark palette in places; Fusion honours it.
        app.setStyle("Fusion" if dark else _original_style)
        app.setPalette(_qt_palette(dark))
    pg.setConfigOptions(background=palette.background, foreground=palette.text)
    window.scene.reveal_ms = prefs.animation_ms
    # Every view that paints with the palette listens and redraws itself.
    theme.set_palette(palette)


def differs_from_current(prefs: Preferences) -> bool:
    """True when ``prefs`` ask for another look than the one on screen."""
    palette = theme.palette_for(prefs.wants_dark(), prefs.color_blind)
    return palette is not theme.current or prefs.decimals != theme.DECIMALS


class PreferencesDialog(QDialog):
    """Edit the preferences; they apply as soon as they change."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Preferences")
        self.prefs = Preferences.load(window.settings)
        self.theme_box = QComboBox()
        for name, text in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme_box.addItem(text, name)
        self.theme_box.setCurrentIndex(self.theme_box.findData(self.prefs.theme))
        self.theme_box.setToolTip(
            "Light or dark colours for the whole window, the editor and the plots"
        )
        self.color_blind = QCheckBox("Colour-blind-safe colours")
        self.color_blind.setChecked(self.prefs.color_blind)
        self.color_blind.setToolTip(
            "Orange and blue that stay apart for every kind of colour vision (Okabe–Ito)"
        )
        self.decimals = QSpinBox()
        self.decimals.setRange(1, 6)
        self.decimals.setValue(self.prefs.decimals)
        self.decimals.setToolTip("Decimals shown for weights, activations and gradients")
        self.animation = QSpinBox()
        self.animation.setRange(0, 2000)
        self.animation.setSingleStep(50)
        self.animation.setSuffix(" ms per layer")
        self.animation.setSpecialValueText("no animation")
        self.animation.setValue(self.prefs.animation_ms)
        self.animation.setToolTip(
            "How long each layer takes to appear in the step-through (0: at once)"
        )
        form = QFormLayout(self)
        form.addRow("Theme", self.theme_box)
        form.addRow("", self.color_blind)
        form.addRow("Decimals", self.decimals)
        form.addRow("Step-through", self.animation)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        form.addRow(buttons)
        self.theme_box.currentIndexChanged.connect(self._changed)
        self.color_blind.toggled.connect(self._changed)
        self.decimals.valueChanged.connect(self._changed)
        self.animation.valueChanged.connect(self._changed)

    def _changed(self, *_) -> None:
        self.prefs = Preferences(
            theme=self.theme_box.currentData(),
            color_blind=self.color_blind.isChecked(),
            decimals=self.decimals.value(),
            animation_ms=self.animation.value(),
        )
        self.prefs.save(self.window_.settings)
        self.window_.preferences = self.prefs
        apply(self.window_, self.prefs)
