"""Preferences: theme, colour-blind-safe colours, decimals, animation speed.

:class:`Preferences` is what the user chose, kept in QSettings under ``prefs/``.
:class:`ViewPreferences` is the live object the window owns and passes to every
view that formats numbers, paints with the palette or animates: it holds the
choices resolved ("follow the system" as the desktop is now) and says
``changed`` when what the views show changes; each view reads it when it draws
and draws again in its ``_on_preferences_changed`` handler.
:class:`PreferencesDialog` edits it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from bpdesk.ui import theme
from bpdesk.ui.format import fmt

THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class Preferences:
    """What the user chose."""

    theme: str = "system"
    color_blind: bool = False
    decimals: int = 3
    animation_ms: int = 260

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        """From QSettings, with defaults for anything missing or malformed."""
        defaults = cls()
        value = settings.value("prefs/theme", defaults.theme)
        numbers = {}
        for name, low, high in (("decimals", 1, 6), ("animation_ms", 0, 2000)):
            try:
                number = int(settings.value(f"prefs/{name}", getattr(defaults, name)))
            except (TypeError, ValueError):
                continue
            numbers[name] = max(low, min(high, number))
        return cls(
            theme=value if value in THEMES else "system",
            color_blind=settings.value("prefs/color_blind", False) in (True, "true", "1", 1),
            **numbers,
        )

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

    def palette(self) -> theme.Palette:
        """The palette these choices show on this desktop now."""
        return theme.palette_for(self.wants_dark(), self.color_blind)


class ViewPreferences(QObject):
    """The preferences the views follow: the palette, the decimals, the animation time.

    The window makes one from QSettings (:meth:`from_settings`) and passes it to
    each view it builds; the Preferences dialog edits it (:meth:`choose`). A view
    built without one (a test, say) makes its own: the light palette and the
    default decimals and animation, whatever the desktop.
    """

    changed = Signal()
    """What the views show changed: the palette, the decimals or the animation time."""

    def __init__(self, choices: Preferences | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._choices = choices if choices is not None else Preferences(theme="light")
        self._palette = self._choices.palette()
        self._edge_colors: dict[tuple[int, bool], QColor] = {}

    @classmethod
    def from_settings(cls, settings: QSettings, parent: QObject | None = None) -> ViewPreferences:
        """The preferences saved in ``settings`` (the defaults for any not saved)."""
        return cls(Preferences.load(settings), parent)

    # -- what the views read ------------------------------------------------------------

    @property
    def choices(self) -> Preferences:
        """What the user chose (``theme`` may be "system"; :attr:`palette` is what it shows)."""
        return self._choices

    @property
    def palette(self) -> theme.Palette:
        """The palette every view paints with."""
        return self._palette

    @property
    def dark(self) -> bool:
        """True when the palette has a dark background."""
        return theme.is_dark(self._palette)

    @property
    def color_blind(self) -> bool:
        """True when the colours are the colour-blind-safe ones."""
        return self._choices.color_blind

    @property
    def decimals(self) -> int:
        """Decimals shown for weights, activations and gradients."""
        return self._choices.decimals

    @property
    def animation_ms(self) -> int:
        """How long each layer takes to appear in the step-through (0: at once)."""
        return self._choices.animation_ms

    def fmt(self, value: float | None) -> str:
        """``value`` as the learner reads it, with the decimals they chose
        (:func:`bpdesk.ui.format.fmt`)."""
        return fmt(value, self._choices.decimals)

    def color(self, name: str) -> QColor:
        """A colour of the palette by its field name: ``prefs.color("selected")``."""
        return QColor(getattr(self._palette, name))

    def edge_color(self, value: float, faded: bool = False) -> QColor:
        """The colour of an edge showing ``value`` (:func:`bpdesk.ui.theme.edge_color`):
        one shared object per colour, so that edges can compare colours by identity."""
        key = ((value > 0) - (value < 0), faded)
        color = self._edge_colors.get(key)
        if color is None:
            color = self._edge_colors[key] = theme.edge_color(self._palette, value, faded)
        return color

    def style(self, widget: QWidget, css: str) -> None:
        """Give ``widget`` a style sheet whose ``{field}``s are palette colours, kept in
        the palette when it changes: ``prefs.style(label, "color: {faint_text};")``.

        (A widget with a style sheet also ignores a new application palette until its
        sheet is set again.)
        """
        restyled = widget.property(_STYLE_PROPERTY) is not None
        widget.setProperty(_STYLE_PROPERTY, css)
        widget.setStyleSheet(css.format(**asdict(self._palette)))
        if not restyled:
            _Restyler(widget, self)

    # -- changing them ----------------------------------------------------------------------

    def choose(self, choices: Preferences) -> None:
        """Take the user's new choices ("follow the system" is resolved now); the views
        hear of it when what they show changes."""
        palette = choices.palette()
        shown = (self._palette, self.decimals, self.animation_ms)
        self._choices = choices
        if palette is not self._palette:
            self._palette = palette
            self._edge_colors.clear()
        if (palette, choices.decimals, choices.animation_ms) != shown:
            self.changed.emit()

    def update(self, **changes) -> None:
        """Change some of the choices: ``prefs.update(decimals=5)``."""
        self.choose(replace(self._choices, **changes))

    def follow_system(self) -> None:
        """The desktop's colour scheme changed: "follow the system" follows it."""
        self.choose(self._choices)


_STYLE_PROPERTY = "bpdeskStyle"  # a styled widget's template (see ViewPreferences.style)


class _Restyler(QObject):
    """Sets a styled widget's sheet again when the palette changes. A child of the
    widget, so that it (and its connection) goes with the widget."""

    def __init__(self, widget: QWidget, prefs: ViewPreferences) -> None:
        super().__init__(widget)
        self._prefs = prefs
        prefs.changed.connect(self._on_preferences_changed)

    def _on_preferences_changed(self) -> None:
        widget = self.parent()
        css = widget.property(_STYLE_PROPERTY)
        widget.setStyleSheet(css.format(**asdict(self._prefs.palette)))


class PreferencesDialog(QDialog):
    """Edit the preferences; they apply as soon as they change, and are saved in ``settings``."""

    def __init__(
        self, prefs: ViewPreferences, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.prefs = prefs
        self.settings = settings
        self.setWindowTitle("Preferences")
        chosen = prefs.choices
        self.theme_box = QComboBox()
        for name, text in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme_box.addItem(text, name)
        self.theme_box.setCurrentIndex(self.theme_box.findData(chosen.theme))
        self.theme_box.setToolTip(
            "Light or dark colours for the whole window, the editor and the plots"
        )
        self.color_blind = QCheckBox("Colour-blind-safe colours")
        self.color_blind.setChecked(chosen.color_blind)
        self.color_blind.setToolTip(
            "Orange and blue that stay apart for every kind of colour vision (Okabe–Ito)"
        )
        self.decimals = QSpinBox()
        self.decimals.setRange(1, 6)
        self.decimals.setValue(chosen.decimals)
        self.decimals.setToolTip("Decimals shown for weights, activations and gradients")
        self.animation = QSpinBox()
        self.animation.setRange(0, 2000)
        self.animation.setSingleStep(50)
        self.animation.setSuffix(" ms per layer")
        self.animation.setSpecialValueText("no animation")
        self.animation.setValue(chosen.animation_ms)
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
        self.theme_box.currentIndexChanged.connect(self._on_edited)
        self.color_blind.toggled.connect(self._on_edited)
        self.decimals.valueChanged.connect(self._on_edited)
        self.animation.valueChanged.connect(self._on_edited)

    def _on_edited(self, *_) -> None:
        choices = Preferences(
            theme=self.theme_box.currentData(),
            color_blind=self.color_blind.isChecked(),
            decimals=self.decimals.value(),
            animation_ms=self.animation.value(),
        )
        choices.save(self.settings)
        self.prefs.choose(choices)
