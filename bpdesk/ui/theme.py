"""The colours shared by the editor and the panels: the palettes, and the colours
made from one (a value's sign, an edge, a class, right and wrong).

Orange is positive / class 1 and blue negative / class 0, as in the
explainer. A colour-blind-safe palette swaps in colours that stay apart for
every kind of colour vision. Which palette is shown is a preference: views
take it from their :class:`~bpdesk.ui.preferences.ViewPreferences`, and every
function here takes the palette it works in.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor


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


# Classes 0 and 1 take the palette's blue and orange, so that a binary problem
# and the first two classes of a multi-class one look alike; the others are
# chosen to stay apart from those and from the selection ring's colour.
EXTRA_CLASS_COLORS = ("#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7")
EXTRA_CLASS_COLORS_CB = ("#009e73", "#f0e442", "#56b4e9", "#e69f00", "#000000", "#999999")


def palette_for(dark: bool, color_blind: bool) -> Palette:
    """The palette for a theme and a colour choice."""
    if dark:
        return DARK_COLOR_BLIND if color_blind else DARK
    return COLOR_BLIND if color_blind else STANDARD


def is_dark(palette: Palette) -> bool:
    """True when ``palette`` has a dark background."""
    return QColor(palette.background).lightness() < 128


def plate(palette: Palette, alpha: int = 235) -> QColor:
    """The backing of a label drawn over lines or maps: the neurons' fill, nearly opaque."""
    c = QColor(palette.node_fill)
    c.setAlpha(alpha)
    return c


def signed_color(palette: Palette, value: float, alpha: int = 255) -> QColor:
    """Orange for positive values, blue for negative ones, grey for exactly zero."""
    c = QColor(palette.positive if value > 0 else palette.negative if value < 0 else palette.stale)
    c.setAlpha(alpha)
    return c


def edge_color(palette: Palette, value: float, faded: bool = False) -> QColor:
    """The colour of an edge: opaque, its sign's colour; a faded one pre-blended with
    the background (translucent lines take several times longer to rasterise, and a
    big network has thousands). :meth:`ViewPreferences.edge_color
    <bpdesk.ui.preferences.ViewPreferences.edge_color>` hands out one shared object per colour."""
    c = signed_color(palette, value)
    if faded:
        c = mix(c, QColor(palette.background), 0.55)
    return c


def class_colors(palette: Palette, n: int) -> list[QColor]:
    """The colours of ``n`` classes (up to 8) in ``palette``: blue, orange, …"""
    extra = EXTRA_CLASS_COLORS_CB if palette is COLOR_BLIND else EXTRA_CLASS_COLORS
    names = (palette.negative, palette.positive, *extra)
    return [QColor(names[k % len(names)]) for k in range(n)]


def verdict_colors(palette: Palette) -> tuple[QColor, QColor]:
    """``(right, wrong)``: green and red, or colours every kind of colour vision tells apart."""
    # The palette has no right/wrong colours; the ✓ and ✗ shapes carry the
    # meaning, the colours only make a column of them quick to scan.
    if palette is COLOR_BLIND:
        return QColor("#009e73"), QColor("#d55e00")
    return QColor("#2f9e44"), QColor("#d62728")


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0 … 1)."""
    t = min(max(t, 0.0), 1.0)
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )
