"""The document's frame clock: views redraw at a pace, however often the document changes.

During training the document changes up to 60 times a second. A view does not
redraw on every change: it asks the clock (``doc.frames``) for a redraw of a
kind, and the clock runs it at most once per tick of that kind while training
streams; the last request always runs (trailing edge), so what is shown is
never left out of date. Whether training is live is one flag, :attr:`FrameClock.live`,
set by the training controller (through ``Document.training_active``).

There are two rhythms.

**Plots** (:data:`PLOT`, :data:`TABLE`) follow the training reports. A redraw
that is due runs at once; one that is not yet due waits, while training is
live, for the next report rather than for a timer: it then runs in the same
turn of the event loop as the report, and every separate wake-up of the GUI
thread takes the interpreter from the training thread (measured: the loss plot
and the decision boundary each woke it ~22 times a second that way). The timer
stays, later by :data:`LIVE_SLACK_MS`, for the last request of a run. They are
paced when idle too (a dragged weight moves the boundary at most ~30 times a
second), without the slack.

**Numbers** (:data:`NUMBERS`, :data:`READING`) run at once when idle: an edit
shows at once. While live they run at most once per tick, and ticks are whole
multiples of the kind's interval: every view of one kind asked in the same tick
runs in the same turn, on one timer, and shows the same moment of the run (the
diagram and the labels never disagree on screen). These refresh a few times a
second at most, so they keep their timer rather than wait for a report: run in
the same turn as the plots, the heavier of them would make that turn a
noticeable stall.

The clock knows nothing of views: it holds callbacks (bound methods weakly, so
a view's requests never keep it alive) and the time each last ran.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer

LIVE_SLACK_MS = 60  # longer than the gap between training reports (training.EMIT_INTERVAL)


@dataclass(frozen=True)
class FrameKind:
    """How often one kind of redraw may run, and in which rhythm (see the module)."""

    name: str
    interval_ms: int
    follows_reports: bool  # a plot: paced when idle too; while live, due ones wait for a report
    # While live, one view of this kind takes at most this share of the GUI thread:
    # its interval grows to its last redraw's cost over the budget (None: no limit).
    budget: float | None = None


# Just under the gap between training reports (25 a second): each report redraws.
PLOT = FrameKind("plot", 35, follows_reports=True)
# A table over every example: a forward pass of the whole dataset, four times a second.
TABLE = FrameKind("table", 250, follows_reports=True)
# The diagram and every label that shows a number from the same moment (loss, epoch,
# accuracy): a glance, not an animation, all on one tick so that they agree.
NUMBERS = FrameKind("numbers", 400, follows_reports=False)
# Text and sweeps a learner reads: twice a second, and never more than a tenth of the
# GUI thread however big the data (the interpreter it holds is the training's too).
READING = FrameKind("reading", 500, follows_reports=False, budget=0.1)


class _Request:
    """One callback's place on the clock: when it last ran and whether it waits."""

    __slots__ = ("callback", "due_ms", "interval_ms", "kind", "last_ms", "pending", "tick")

    def __init__(self, callback: Callable[[], Callable[[], None] | None], kind: FrameKind):
        self.callback = callback  # returns the callback, or None once its owner is gone
        self.kind = kind
        self.interval_ms = float(kind.interval_ms)
        self.last_ms = -math.inf
        self.tick = -1
        self.pending = False
        self.due_ms = 0.0


class FrameClock(QObject):
    """Paces the views' redraws: one clock per document (``doc.frames``).

    ``request(callback, kind)`` asks for ``callback()`` to run at the pace of
    ``kind``; repeated requests merge and the last always runs. ``now`` (seconds,
    monotonic) may be given to drive the clock by hand in tests.
    """

    def __init__(
        self, parent: QObject | None = None, now: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self.live = False  # True while training streams reports (the controller sets it)
        self.wakeups = 0  # timer wake-ups of the GUI thread so far (for measurements)
        self._now = now
        self._requests: dict[Hashable, _Request] = {}
        self._pending: dict[FrameKind, dict[Hashable, _Request]] = {}
        self._timers: dict[FrameKind, QTimer] = {}

    # -- asking ------------------------------------------------------------------

    def request(self, callback: Callable[[], None], kind: FrameKind) -> None:
        """Run ``callback`` now, or once it is due at the pace of ``kind`` (see the module)."""
        key = _key(callback)
        request = self._requests.get(key)
        if request is None or request.kind is not kind:
            self._forget(key)  # asked at another pace before: start afresh at this one
            request = self._requests[key] = _Request(self._hold(key, callback), kind)
        now_ms = self._now() * 1000
        if kind.follows_reports:
            wait = request.interval_ms - (now_ms - request.last_ms)
            if wait <= 0:
                self._run(key, request)
            elif not request.pending:
                slack = LIVE_SLACK_MS if self.live else 0
                self._wait(key, request, now_ms + wait + slack)
        elif not self.live or now_ms // request.interval_ms != request.tick:
            self._run(key, request)
        elif not request.pending:
            self._wait(key, request, (request.tick + 1) * request.interval_ms + 1)

    def flush(self, callback: Callable[[], None] | None = None) -> None:
        """Run a waiting request of ``callback`` now (every waiting one when None)."""
        if callback is not None:
            key = _key(callback)
            request = self._requests.get(key)
            if request is not None and request.pending:
                self._run(key, request)
            return
        for pending in list(self._pending.values()):
            for key, request in list(pending.items()):
                if request.pending:
                    self._run(key, request)

    def is_pending(self, callback: Callable[[], None]) -> bool:
        """True while a request of ``callback`` waits for its tick."""
        request = self._requests.get(_key(callback))
        return request is not None and request.pending

    def waiting_ms(self, callback: Callable[[], None]) -> float | None:
        """How long a waiting request of ``callback`` waits at most (None: it is not waiting)."""
        request = self._requests.get(_key(callback))
        if request is None or not request.pending:
            return None
        return max(0.0, request.due_ms - self._now() * 1000)

    # -- running -------------------------------------------------------------------

    def _hold(self, key: Hashable, callback: Callable[[], None]) -> Callable[[], None]:
        # A bound method is held weakly: the clock lives as long as the document,
        # longer than most views. Its request goes when its owner does.
        if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
            return weakref.WeakMethod(callback, lambda _ref: self._forget(key))
        return lambda: callback

    def _forget(self, key: Hashable) -> None:
        request = self._requests.pop(key, None)
        if request is not None:
            self._pending.get(request.kind, {}).pop(key, None)

    def _wait(self, key: Hashable, request: _Request, due_ms: float) -> None:
        request.pending = True
        request.due_ms = due_ms
        self._pending.setdefault(request.kind, {})[key] = request
        self._schedule(request.kind)

    def _run(self, key: Hashable, request: _Request) -> None:
        kind = request.kind
        if request.pending:
            request.pending = False
            self._pending[kind].pop(key, None)
            self._schedule(kind)
        now_ms = self._now() * 1000
        request.last_ms = now_ms
        request.tick = int(now_ms // request.interval_ms)
        callback = request.callback()
        owner = getattr(callback, "__self__", None)
        if callback is None or (isinstance(owner, QObject) and not shiboken6.isValid(owner)):
            self._forget(key)  # its view is gone (or going): nothing to redraw
            return
        if kind.budget is None:
            callback()
            return
        started = time.perf_counter()
        callback()
        cost_ms = (time.perf_counter() - started) * 1000
        request.interval_ms = max(float(kind.interval_ms), cost_ms / kind.budget)
        # This run's tick on the grid of the new interval: the next is a whole interval on.
        request.tick = int(now_ms // request.interval_ms)

    def _schedule(self, kind: FrameKind) -> None:
        """Set the kind's one timer for its earliest waiting request (or stop it)."""
        timer = self._timers.get(kind)
        pending = self._pending.get(kind)
        if not pending:
            if timer is not None:
                timer.stop()
            return
        if timer is None:
            timer = self._timers[kind] = QTimer(self)
            timer.setSingleShot(True)
            # Precise: a coarse timer may fire early, before the tick it waits for.
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.timeout.connect(lambda: self._on_timer(kind))
        due_ms = min(request.due_ms for request in pending.values())
        timer.start(max(1, math.ceil(due_ms - self._now() * 1000)))

    def _on_timer(self, kind: FrameKind) -> None:
        self.wakeups += 1
        now_ms = self._now() * 1000
        for key, request in list(self._pending.get(kind, {}).items()):
            # Everything of this kind that has come due runs in this one turn.
            if request.pending and request.due_ms <= now_ms + 1:
                self._run(key, request)
        self._schedule(kind)


def _key(callback: Callable[[], None]) -> Hashable:
    """The same key for every bound method object of one method of one object."""
    owner = getattr(callback, "__self__", None)
    if owner is not None and hasattr(callback, "__func__"):
        return (id(owner), callback.__func__)
    return callback
