"""Colours, fonts and number formats shared by the editor and the panels.

Orange is positive / class 1 and blue negative / class 0, as in the
explainer. A colour-blind-safe palette swaps in colours that stay apart for
every kind of colour vision.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget

from bpdesk.core.numbers import format_data_value, format_number


@dataclass(frozen=True)
class Palette:
    """The colours of one theme."""

    positive: str
    negative: str
    selected: str
    path: str
    background: str
    node_fill: str
    node_border: str
    text: str
    faint_text: str
    stale: str
    grid: str


STANDARD = Palette(
    positive="#f28e2b",
    negative="#4e79a7",
    selected="#e15759",
    path="#b07aa1",
    background="#fbfbf8",
    node_fill="#ffffff",
    node_border="#3b3f47",
    text="#1f2430",
    faint_text="#6b7080",
    stale="#a0a4ad",
    grid="#e6e6e0",
)

# Orange/blue already avoid the red–green axis; this variant widens the gap in
# lightness too (Okabe & Ito's vermillion and blue), for print and projectors.
COLOR_BLIND = Palette(
    positive="#d55e00",
    negative="#0072b2",
    selected="#cc79a7",
    path="#009e73",
    background="#fbfbf8",
    node_fill="#ffffff",
    node_border="#3b3f47",
    text="#1f2430",
    faint_text="#6b7080",
    stale="#a0a4ad",
    grid="#e6e6e0",
)

DARK = Palette(
    positive="#f28e2b",
    negative="#6fa3d8",
    selected="#ff6b6e",
    path="#c792c0",
    background="#1e222b",
    node_fill="#2a2f3a",
    node_border="#c9ccd3",
    text="#e6e6e6",
    faint_text="#9aa0ab",
    stale="#6b7080",
    grid="#3a3f4b",
)

DARK_COLOR_BLIND = Palette(
    positive="#e69f00",
    negative="#56b4e9",
    selected="#cc79a7",
    path="#009e73",
    background="#1e222b",
    node_fill="#2a2f3a",
    node_border="#c9ccd3",
    text="#e6e6e6",
    faint_text="#9aa0ab",
    stale="#6b7080",
    grid="#3a3f4b",
)

current = STANDARD


class _ThemeSignals(QObject):
    changed = Signal()


signals = _ThemeSignals()
"""``signals.changed`` fires after :func:`set_palette`: views with colours of their own
(plot pens, table tints, HTML) connect to it and redraw."""

_STYLE_PROPERTY = "bpdeskStyle"


def style(widget: QWidget, css: str) -> None:
    """Give ``widget`` a style sheet whose ``{field}``s are palette colours.

    ``style(label, "color: {faint_text}; font-weight: bold;")``. The template
    is kept on the widget and filled in again whenever the palette changes:
    a widget with a style sheet also ignores a new application palette until
    its sheet is set again.
    """
    widget.setProperty(_STYLE_PROPERTY, css)
    widget.setStyleSheet(css.format(**asdict(current)))


def set_palette(palette: Palette) -> None:
    """Switch every view to ``palette`` (a preference changed)."""
    global current
    current = palette
    app = QApplication.instance()
    if app is not None:
        for widget in app.allWidgets():
            css = widget.property(_STYLE_PROPERTY)
            if isinstance(css, str):
                widget.setStyleSheet(css.format(**asdict(current)))
    signals.changed.emit()


def palette_for(dark: bool, color_blind: bool) -> Palette:
    """The palette for a theme and a colour choice."""
    if dark:
        return DARK_COLOR_BLIND if color_blind else DARK
    return COLOR_BLIND if color_blind else STANDARD


def is_dark() -> bool:
    """True when the current palette has a dark background."""
    return QColor(current.background).lightness() < 128


def color(name: str) -> QColor:
    """A colour of the current palette by its field name."""
    return QColor(getattr(current, name))


def plate(alpha: int = 235) -> QColor:
    """The backing of a label drawn over lines or maps: the neurons' fill, nearly opaque."""
    c = color("node_fill")
    c.setAlpha(alpha)
    return c


def signed_color(value: float, alpha: int = 255) -> QColor:
    """Orange for positive values, blue for negative ones, grey for exactly zero."""
    c = QColor(current.positive if value > 0 else current.negative if value < 0 else current.stale)
    c.setAlpha(alpha)
    return c


_edge_colors: dict[tuple, QColor] = {}


def edge_color(value: float, faded: bool = False) -> QColor:
    """The colour of an edge: opaque, and one shared object per colour.

    Opaque because translucent lines take several times longer to rasterise
    (thousands of them in a big network); faded ones are pre-blended with
    the background instead. Shared so that edges can compare by identity.
    """
    key = (id(current), (value > 0) - (value < 0), faded)
    c = _edge_colors.get(key)
    if c is None:
        c = signed_color(value)
        if faded:
            c = mix(c, QColor(current.background), 0.55)
        _edge_colors[key] = c
    return c


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0 … 1)."""
    t = min(max(t, 0.0), 1.0)
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


DECIMALS = 3


def fmt_target(value: float) -> str:
    """A target: whole numbers as they are (0, 1), others with two decimals."""
    return format_data_value(value)


def fmt(value: float | None, decimals: int | None = None) -> str:
    """A number as the learner reads it (:func:`bpdesk.core.numbers.format_number`),
    with the decimals the preferences ask for."""
    return format_number(value, DECIMALS if decimals is None else decimals)


def unbroken(text: str) -> str:
    """``x = (0, 1)`` kept on one line in a wrapped label: no break around "=" or after ","."""
    return text.replace(" = ", "\u00a0=\u00a0").replace(", ", ",\u00a0")
