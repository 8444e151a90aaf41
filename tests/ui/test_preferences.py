"""The preferences object the window passes to its views, and the dialog that edits it."""

from bpdesk.ui import theme
from bpdesk.ui.document import Document
from bpdesk.ui.panels.predictions import PredictionsPanel
from bpdesk.ui.preferences import Preferences, PreferencesDialog, ViewPreferences


def test_views_hear_of_a_change_only_when_what_they_show_changes(qtbot):
    prefs = ViewPreferences(Preferences(theme="light"))
    heard = []
    prefs.changed.connect(lambda: heard.append(prefs.palette))
    prefs.update(color_blind=False)  # as it was
    assert heard == []
    prefs.update(theme="dark")
    assert heard == [theme.DARK]
    assert prefs.dark
    prefs.update(decimals=5)
    prefs.update(animation_ms=0)
    assert len(heard) == 3
    prefs.follow_system()  # "dark" does not follow the desktop
    assert len(heard) == 3


def test_edges_share_one_colour_object_per_colour_until_the_palette_changes(qtbot):
    prefs = ViewPreferences()
    orange = prefs.edge_color(0.7)
    assert prefs.edge_color(2.0) is orange
    assert orange.name() == theme.STANDARD.positive
    assert prefs.edge_color(-1.0).name() == theme.STANDARD.negative
    prefs.update(color_blind=True)
    assert prefs.edge_color(0.7).name() == theme.COLOR_BLIND.positive


def test_a_styled_label_follows_the_palette_it_was_given(qtbot):
    doc = Document()
    prefs = ViewPreferences()
    panel = PredictionsPanel(doc, prefs=prefs)
    qtbot.addWidget(panel)
    assert theme.STANDARD.faint_text in panel.hint_label.styleSheet()
    prefs.update(theme="dark")
    assert theme.DARK.faint_text in panel.hint_label.styleSheet()
    # A panel built with preferences of its own keeps to them.
    other = PredictionsPanel(doc)
    qtbot.addWidget(other)
    assert theme.STANDARD.faint_text in other.hint_label.styleSheet()


def test_the_dialog_saves_each_choice_and_the_views_follow(qtbot, settings):
    prefs = ViewPreferences.from_settings(settings)
    assert prefs.choices == Preferences()  # nothing saved yet: the defaults
    dialog = PreferencesDialog(prefs, settings)
    qtbot.addWidget(dialog)
    dialog.theme_box.setCurrentIndex(dialog.theme_box.findData("dark"))
    dialog.decimals.setValue(5)
    dialog.animation.setValue(0)
    assert prefs.palette is theme.DARK
    assert prefs.fmt(0.5) == "0.50000"
    assert prefs.animation_ms == 0
    saved = Preferences.load(settings)
    assert saved == Preferences(theme="dark", decimals=5, animation_ms=0)
    assert ViewPreferences.from_settings(settings).palette is theme.DARK
