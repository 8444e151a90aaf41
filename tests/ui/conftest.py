"""Fixtures for widget tests: a main window with its own settings file, closed at teardown."""

import pytest
from PySide6.QtCore import QSettings, Qt


@pytest.fixture
def settings(tmp_path):
    """QSettings in a temporary file, so tests never touch the user's own."""
    return QSettings(str(tmp_path / "bpdesk.ini"), QSettings.Format.IniFormat)


def quiet_window(settings, tmp_path):
    """A main window whose questions are answered without dialogs (see FileController)."""
    from bpdesk.ui.main_window import MainWindow

    win = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.bpnet")
    win.files.ask_save = lambda: "discard"
    win.files.ask_recover = lambda when: False
    # File dialogs would wait for a click: a test that needs a path sets its own.
    win.files.ask_open_path = lambda: None
    win.files.ask_save_file = lambda title, suggested, filters: None
    win.files.show_error = lambda title, text: win.errors.append((title, text))
    win.errors = []
    return win


@pytest.fixture
def window(qtbot, settings, tmp_path):
    """The real main window, shown offscreen, with reveal animations off."""
    settings.setValue("prefs/animation_ms", 0)  # as the Preferences dialog saves it
    win = quiet_window(settings, tmp_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    # The offscreen screen is only 800×600: narrow the panels so that the
    # editor gets room enough for its header buttons, as on a real screen.
    win.resizeDocks(list(win.docks.values()), [120] * len(win.docks), Qt.Orientation.Horizontal)
    qtbot.wait(10)
    # qtbot keeps only a weak reference; holding it here keeps threads and
    # timers alive until the test is over, then closes the window cleanly.
    yield win
    win.close()
