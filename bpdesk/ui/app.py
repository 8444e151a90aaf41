"""Starting the Qt application."""

from __future__ import annotations

import sys


def run_app(args) -> int:
    """Create the QApplication and the main window; return the exit status."""
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    from bpdesk import __version__

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("bpdesk")
    window = QMainWindow()
    window.setWindowTitle(f"bpdesk {__version__}")
    window.setCentralWidget(QLabel("bpdesk: the network editor is being built."))
    window.resize(1280, 800)
    window.show()
    return app.exec()
