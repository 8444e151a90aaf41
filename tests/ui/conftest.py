"""Fixtures for widget tests: a main window with its own settings file, closed at teardown."""

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture
def settings(tmp_path):
    """QSettings in a temporary file, so tests never touch the user's own."""
    return QSettings(str(tmp_path / "bpdesk.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    """The real main window, shown offscreen, with reveal animations off."""
    from bpdesk.ui.main_window import MainWindow

    win = MainWindow(settings=settings)
    win.scene.reveal_ms = 0
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    # qtbot keeps only a weak reference; holding it here keeps threads and
    # timers alive until the test is over, then closes the window cleanly.
    yield win
    win.close()
