"""Call a view's refresh at most so often, however often its model changes.

During training the document changes up to 60 times a second; a panel that
costs more than a few milliseconds to redraw asks for its refresh through a
:class:`Throttle` instead of doing it at once. The last request always runs
(trailing edge), so what is shown is never left out of date.

While training streams its reports, a refresh that falls due waits for the
next report rather than for a timer of its own: it then runs in the same turn
of the event loop as the report, and every separate wake-up of the GUI thread
takes the interpreter from the training thread (measured: the loss plot and
the decision boundary each woke it ~22 times a second that way). The timer
stays, later by :data:`LIVE_SLACK_MS`, for the last request of a run. Only
throttles given ``is_live`` do this (the plots that follow every report).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

LIVE_SLACK_MS = 60  # longer than the gap between training reports (training.EMIT_INTERVAL)
# While training, the diagram and every label that shows a number from the same
# moment (loss, epoch, accuracy) refresh together at this pace, on one shared clock,
# so that they never disagree on screen.
NUMBERS_MS = 400


class Throttle(QObject):
    """Runs ``callback`` at most once every ``interval_ms``; extra requests merge."""

    def __init__(
        self,
        callback: Callable[[], None],
        interval_ms: int,
        parent: QObject | None = None,
        is_live: Callable[[], bool] | None = None,
    ):
        super().__init__(parent)
        self._is_live = is_live  # True while requests keep coming (training)
        # A bound method is held weakly: a panel owns its throttle, and a strong
        # reference back would keep the panel alive until the garbage collector
        # tears both down in an order Qt does not expect.
        if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
            ref = weakref.WeakMethod(callback)
            self._callback = lambda: ref()
        else:
            self._callback = lambda: callback
        self.interval_ms = interval_ms
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def request(self, *_args) -> None:
        """Ask for a refresh (signal arguments are ignored, so it can be connected directly)."""
        wait = self.interval_ms - (time.monotonic() - self._last) * 1000
        if wait <= 0:
            self._timer.stop()
            self._fire()
        elif not self._timer.isActive():
            live = self._is_live is not None and self._is_live()
            self._timer.start(int(wait) + (LIVE_SLACK_MS if live else 0))

    def flush(self) -> None:
        """Run a pending refresh now."""
        if self._timer.isActive():
            self._timer.stop()
            self._fire()

    def _fire(self) -> None:
        self._last = time.monotonic()
        callback = self._callback()
        if callback is not None:
            callback()


class LiveThrottle(Throttle):
    """Immediate, except while ``is_live()``: then at most once every ``interval_ms``.

    For views that must follow a user's edit at once but need not follow every
    frame of a training run (labels, the network drawing, the text panels). These
    refresh a few times a second at most, so they keep timers of their own rather
    than waiting for a training report: run in the same turn as the plots, the
    heavier of them would make that turn a noticeable stall.
    """

    def __init__(
        self,
        callback: Callable[[], None],
        interval_ms: int,
        is_live: Callable[[], bool],
        parent: QObject | None = None,
    ):
        super().__init__(callback, interval_ms, parent)
        self._live = is_live
        self._tick = -1

    def request(self, *_args) -> None:
        """Run now, or, while live, once per tick of a clock shared by all of them.

        Ticks are whole multiples of the interval: throttles with the same interval,
        asked in the same turn of the event loop, run in the same turn too, and show
        the same moment of a training run.
        """
        if not self._live():
            self._timer.stop()
            self._fire()
            return
        now_ms = time.monotonic() * 1000
        tick = int(now_ms // self.interval_ms)
        if tick != self._tick:
            self._timer.stop()
            self._fire()
        elif not self._timer.isActive():
            self._timer.start(max(1, int((tick + 1) * self.interval_ms - now_ms) + 1))

    def _fire(self) -> None:
        self._tick = int(time.monotonic() * 1000 // self.interval_ms)
        super()._fire()
