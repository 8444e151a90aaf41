"""Number format settings and palettes shared by the editor and the panels."""

from bpdesk.ui import theme
from bpdesk.ui.format import fmt, fmt_target
from bpdesk.ui.preferences import ViewPreferences


def test_fmt_takes_the_decimals_from_the_preferences():
    prefs = ViewPreferences()
    prefs.update(decimals=5)
    assert prefs.fmt(0.5) == "0.50000"
    assert fmt(0.5, 2) == "0.50"
    assert fmt_target(1.0) == "1"


def test_palettes_keep_orange_positive_and_blue_negative():
    for dark in (False, True):
        for color_blind in (False, True):
            palette = theme.palette_for(dark, color_blind)
            positive, negative = (theme.QColor(c) for c in (palette.positive, palette.negative))
            assert positive.red() > positive.blue()
            assert negative.blue() > negative.red()
            assert (theme.QColor(palette.background).lightness() < 128) == dark
