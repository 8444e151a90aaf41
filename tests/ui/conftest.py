"""Fixtures for widget tests: a main window with its own settings file, closed at teardown."""

import pytest
from PySide6.QtCore import QSettings, Qt


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
    # The offscreen screen is only 800×600: narrow the panels so that the
    # editor gets room enough for its header buttons, as on a real screen.
    win.resizeDocks(list(win.docks.values()), [120] * len(win.docks), Qt.Orientation.Horizontal)
    qtbot.wait(10)
    # qtbot keeps only a weak reference; holding it here keeps threads and
    # timers alive until the test is over, then closes the window cleanly.
    yield win
    win.close()
