"""Starting the Qt application (and the ``--screenshot`` mode)."""

from __future__ import annotations

import os
import sys


def _wants_offscreen(args) -> bool:
    # A screenshot needs no screen: render offscreen unless one is clearly there.
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return bool(getattr(args, "screenshot", None)) and not has_display


def make_app():
    """The QApplication (created once), named for QSettings."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("bpdesk")
    app.setOrganizationName("bpdesk")
    return app


def screenshot(window, path: str, settle_ms: int = 400) -> None:
    """Render ``window`` to a PNG once layout and the first paint have settled."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(settle_ms, loop.quit)
    loop.exec()
    window.view.fit_network()
    if not window.grab().save(path):
        raise OSError(f"could not write {path}")


def run_app(args) -> int:
    """Create the application and the main window; return the exit status."""
    if _wants_offscreen(args):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from bpdesk.ui.main_window import MainWindow

    app = make_app()
    if args.screenshot:
        # A screenshot shows the default window, whatever the user's saved layout.
        settings = QSettings(os.devnull, QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        if args.file and not window.open_path(args.file):
            return 2
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            print(f"bpdesk: --size must look like 1600x1000, got {args.size!r}", file=sys.stderr)
            return 2
        window.resize(width, height)
        window.show()
        try:
            screenshot(window, args.screenshot)
        except OSError as exc:
            print(f"bpdesk: {exc}", file=sys.stderr)
            return 1
        window.close()
        print(args.screenshot)
        return 0
    window = MainWindow()
    window.show()
    if args.file:
        window.open_path(args.file)
    return app.exec()
