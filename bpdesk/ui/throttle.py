"""Call a view's refresh at most so often, however often its model changes.

During training the document changes up to 60 times a second; a panel that
costs more than a few milliseconds to redraw asks for its refresh through a
:class:`Throttle` instead of doing it at once. The last request always runs
(trailing edge), so what is shown is never left out of date.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """Runs ``callback`` at most once every ``interval_ms``; extra requests merge."""

    def __init__(
        self, callback: Callable[[], None], interval_ms: int, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.callback = callback
        self.interval_ms = interval_ms
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def request(self, *_args) -> None:
        """Ask for a refresh (signal arguments are ignored, so it can be connected directly)."""
        if self._timer.isActive():
            return
        wait = self.interval_ms - (time.monotonic() - self._last) * 1000
        if wait <= 0:
            self._fire()
        else:
            self._timer.start(int(wait))

    def flush(self) -> None:
        """Run a pending refresh now."""
        if self._timer.isActive():
            self._timer.stop()
            self._fire()

    def _fire(self) -> None:
        self._last = time.monotonic()
        self.callback()
