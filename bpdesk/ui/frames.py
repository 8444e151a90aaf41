"""The document's frame clock: views redraw at a pace, however often the document changes.

During training the document changes up to 60 times a second. A view does not
redraw on every change: it asks the clock (``doc.frames``) for a redraw of a
kind, and the clock runs it at most once per interval of that kind while
training streams; the last request always runs (trailing edge), so what is
shown is never left out of date. Whether training is live is one flag,
:attr:`FrameClock.live`, set by the training controller (through
``Document.training_active``).

**The GUI thread's share is bounded, and measured.** The clock times every
redraw it runs (its own time: a redraw it runs from inside another is the
inner one's) and keeps the figures (:meth:`FrameClock.costs`). While live, a
redraw that costs more than its kind's ``budget`` of its interval stretches
its interval to ``cost / budget``: however big the network or the data, a
view takes at most that share of the GUI thread, whose interpreter the
training thread needs too. And one turn of the event loop runs redraws only
until they have taken :data:`TURN_MS`: the rest wait for the next turn, so a
key press or a click waits for one redraw at most, not for all of them.

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
shows at once. While live they run on a timer of their kind, never inside a
report's turn (the heavier of them would make that turn a stall), at most once
per interval. :data:`NUMBERS` is *shared*: every view of it that asked runs in
the same turn, and shows the same moment of the run (the diagram and the
labels never disagree on screen); their whole turn's cost stretches the one
interval they share.

The clock knows nothing of views: it holds callbacks (bound methods weakly, so
a view's requests never keep it alive) and the time each last ran.
"""

from __future__ import annotations

import math
import statistics
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from bpdesk.ui.jobs import GUI_TURN

# A redraw that last cost this much or more holds the jobs while it runs (see _run).
HOLD_JOBS_MS = 8.0
LIVE_SLACK_MS = 60  # longer than the gap between training reports (training.EMIT_INTERVAL)
# While live, a turn of the event loop runs redraws until they have taken this long
# (one more may start before the check): input waits for at most about one redraw.
TURN_MS = 20.0
COSTS_KEPT = 1000  # the latest costs of each callback, for the medians and percentiles


@dataclass(frozen=True)
class FrameKind:
    """How often one kind of redraw may run, in which rhythm, and its share of the GUI thread."""

    name: str
    interval_ms: int
    follows_reports: bool  # a plot: paced when idle too; while live, due ones wait for a report
    # While live, one view of this kind (a shared kind: all of them together) takes at
    # most this share of the GUI thread: its interval grows to its cost over the budget.
    budget: float
    shared: bool = False  # its views run in one turn, one tick for all (numbers that agree)


# Just under the gap between training reports (25 a second): each report redraws.
PLOT = FrameKind("plot", 35, follows_reports=True, budget=0.15)
# A table over every example: a forward pass of the whole dataset, four times a second.
TABLE = FrameKind("table", 250, follows_reports=True, budget=0.1)
# The diagram and every label that shows a number from the same moment (loss, epoch,
# accuracy): a glance, not an animation, all in one turn so that they agree.
NUMBERS = FrameKind("numbers", 400, follows_reports=False, budget=0.1, shared=True)
# Text and sweeps a learner reads: twice a second at most.
READING = FrameKind("reading", 500, follows_reports=False, budget=0.1)


@dataclass(frozen=True)
class FrameCost:
    """What one callback's redraws cost the GUI thread, in milliseconds of its own time.

    Over its latest :data:`COSTS_KEPT` runs; ``interval_ms`` is the interval it
    runs at while training (its kind's, or longer when its cost stretched it).
    """

    name: str
    kind: str
    runs: int
    last_ms: float
    median_ms: float
    p99_ms: float
    max_ms: float
    interval_ms: float


class _Request:
    """One callback's place on the clock: when it last ran, whether it waits, what it cost."""

    __slots__ = (
        "callback",
        "costs",
        "due_ms",
        "interval_ms",
        "kind",
        "last_ms",
        "name",
        "pending",
        "runs",
    )

    def __init__(
        self, callback: Callable[[], Callable[[], None] | None], kind: FrameKind, name: str
    ):
        self.callback = callback  # returns the callback, or None once its owner is gone
        self.kind = kind
        self.name = name
        self.interval_ms = float(kind.interval_ms)  # stretched by its cost while live
        self.last_ms = -math.inf
        self.pending = False
        self.due_ms = 0.0
        self.runs = 0
        self.costs: deque[float] = deque(maxlen=COSTS_KEPT)


class _Tick:
    """A shared kind's one rhythm: when its views last ran together, and how far apart."""

    __slots__ = ("interval_ms", "last_ms")

    def __init__(self, kind: FrameKind) -> None:
        self.interval_ms = float(kind.interval_ms)
        self.last_ms = -math.inf


class FrameClock(QObject):
    """Paces the views' redraws and measures them: one clock per document (``doc.frames``).

    ``request(callback, kind)`` asks for ``callback()`` to run at the pace of
    ``kind``; repeated requests merge and the last always runs. ``now`` (seconds,
    monotonic) may be given to drive the clock by hand in tests; costs are always
    measured in real time.
    """

    liveChanged = Signal(bool)  # training began or stopped streaming (a view may redraw finer)
    _turnEnding = Signal()  # queued to the clock itself: the turn ends after waiting events

    def __init__(
        self, parent: QObject | None = None, now: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._live = False
        self.wakeups = 0  # timer wake-ups of the GUI thread so far (for measurements)
        self._now = now
        self._requests: dict[Hashable, _Request] = {}
        self._pending: dict[FrameKind, dict[Hashable, _Request]] = {}
        self._timers: dict[FrameKind, QTimer] = {}
        self._ticks: dict[FrameKind, _Tick] = {}
        self._nested: list[float] = []  # per running callback: time spent in ones it ran
        # Time redraws took in this turn of the event loop. A posted event ends the
        # turn: it is delivered after the events already waiting (a key press, a
        # click), whereas a zero timer could fire among the redraws' own timers, in
        # the same pass, and let the next redraws run before the input.
        self._turn_ms = 0.0
        self._turn_ending = False
        self._deferring = 0  # inside deferred(): requests wait for the timers
        self._turnEnding.connect(self._end_turn, Qt.ConnectionType.QueuedConnection)

    @property
    def live(self) -> bool:
        """True while training streams reports (the training controller sets it)."""
        return self._live

    @live.setter
    def live(self, live: bool) -> None:
        if live != self._live:
            self._live = live
            self.liveChanged.emit(live)

    # -- asking ------------------------------------------------------------------

    def request(self, callback: Callable[[], None], kind: FrameKind) -> None:
        """Run ``callback`` now, or once it is due at the pace of ``kind`` (see the module)."""
        key = _key(callback)
        request = self._requests.get(key)
        if request is None or request.kind is not kind:
            self._forget(key)  # asked at another pace before: start afresh at this one
            request = _Request(self._hold(key, callback), kind, _name(callback))
            self._requests[key] = request
        now_ms = self._ms()
        if self._deferring:
            if not request.pending:  # now, but on the timers: in turns, input between
                self._wait(key, request, now_ms)
        elif kind.follows_reports:
            due_ms = request.last_ms + self._interval(request)
            if due_ms <= now_ms and not self._turn_full():
                self._run(key, request)
            elif not request.pending:
                slack = LIVE_SLACK_MS if self.live else 0
                self._wait(key, request, max(due_ms, now_ms) + slack)
        elif not self.live:
            self._run(key, request)  # an edit shows at once
        elif not request.pending:
            # While live, always on the kind's timer: never inside a report's turn.
            self._wait(key, request, max(now_ms, self._next_ms(request)))

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Within: every request waits for the clock's timers, due at once, instead of
        running now. For the moment training pauses or ends: every view redraws then,
        and run at once, inside the key press that paused, they kept the next click
        waiting ~140 ms; on the timers they run in turns, input between them."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1

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
        """True while a request of ``callback`` waits for its turn."""
        request = self._requests.get(_key(callback))
        return request is not None and request.pending

    def wakeup_set(self) -> bool:
        """True while one of the clock's timers is set to wake the GUI thread.

        False once every waiting request has run (a report's turn took them in, or
        :meth:`flush`): the GUI thread is left alone until something asks again.
        """
        return any(timer.isActive() for timer in self._timers.values())

    def waiting_ms(self, callback: Callable[[], None]) -> float | None:
        """How long a waiting request of ``callback`` waits at most (None: it is not waiting)."""
        request = self._requests.get(_key(callback))
        if request is None or not request.pending:
            return None
        return max(0.0, request.due_ms - self._ms())

    # -- measuring -----------------------------------------------------------------

    def costs(self) -> dict[str, FrameCost]:
        """What each callback's redraws cost, by name (``LossPanel._redraw``), for benchmarks."""
        figures: dict[str, FrameCost] = {}
        for request in self._requests.values():
            if not request.costs:
                continue
            name = request.name
            copies = 1
            while name in figures:  # two views of one class
                copies += 1
                name = f"{request.name} #{copies}"
            ordered = sorted(request.costs)
            figures[name] = FrameCost(
                name=name,
                kind=request.kind.name,
                runs=request.runs,
                last_ms=request.costs[-1],
                median_ms=statistics.median(ordered),
                p99_ms=ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)],
                max_ms=ordered[-1],
                interval_ms=(
                    self._tick(request.kind).interval_ms
                    if request.kind.shared
                    else request.interval_ms
                ),
            )
        return figures

    def reset_costs(self) -> None:
        """Forget the costs measured so far (a benchmark's measured stretch starts)."""
        for request in self._requests.values():
            request.costs.clear()
            request.runs = 0

    # -- running -------------------------------------------------------------------

    def _ms(self) -> float:
        return self._now() * 1000

    def _interval(self, request: _Request) -> float:
        """The request's interval now: stretched by its cost while live, its kind's when idle."""
        if not self.live:
            return float(request.kind.interval_ms)
        if request.kind.shared:
            return self._tick(request.kind).interval_ms
        return request.interval_ms

    def _next_ms(self, request: _Request) -> float:
        kind = request.kind
        last_ms = self._tick(kind).last_ms if kind.shared else request.last_ms
        return last_ms + self._interval(request)

    def _tick(self, kind: FrameKind) -> _Tick:
        tick = self._ticks.get(kind)
        if tick is None:
            tick = self._ticks[kind] = _Tick(kind)
        return tick

    def _turn_full(self, on_timer: bool = False) -> bool:
        """Whether this turn's redraws have taken :data:`TURN_MS`: while live, and on
        the clock's timers always (the redraws that were waiting when training paused
        all come due together; run in one turn they kept a click waiting 130 ms)."""
        return (self.live or on_timer) and self._turn_ms >= TURN_MS

    def _end_turn(self) -> None:
        self._turn_ms = 0.0
        self._turn_ending = False

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

    def _run(self, key: Hashable, request: _Request) -> float:
        """Run the request's callback now; returns its own cost in milliseconds."""
        kind = request.kind
        if request.pending:
            request.pending = False
            self._pending[kind].pop(key, None)
            self._schedule(kind)
        request.last_ms = self._ms()
        if kind.shared:
            self._tick(kind).last_ms = request.last_ms  # the kind's next turn is an interval on
        callback = request.callback()
        owner = getattr(callback, "__self__", None)
        if callback is None or (isinstance(owner, QObject) and not shiboken6.isValid(owner)):
            self._forget(key)  # its view is gone (or going): nothing to redraw
            return 0.0
        self._nested.append(0.0)
        # A redraw that took long last time holds the jobs while it runs (they would
        # take half the interpreter from it); a cheap one does not: much of its time is
        # Qt's own painting, outside the interpreter, which a job may share.
        holds = bool(request.costs) and request.costs[-1] >= HOLD_JOBS_MS
        started = time.perf_counter()
        try:
            with GUI_TURN.busy() if holds else nullcontext():
                callback()
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            cost_ms = elapsed_ms - self._nested.pop()
            if self._nested:
                self._nested[-1] += elapsed_ms  # the outer redraw's cost is its own
            else:
                self._turn_ms += elapsed_ms
                if not self._turn_ending:
                    self._turn_ending = True
                    self._turnEnding.emit()
        request.runs += 1
        request.costs.append(cost_ms)
        if self.live and not kind.shared:
            request.interval_ms = max(float(kind.interval_ms), cost_ms / kind.budget)
        return cost_ms

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
            # Precise: a coarse timer may fire early, before the request is due.
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.timeout.connect(lambda: self._on_timer(kind))
        due_ms = min(request.due_ms for request in pending.values())
        timer.start(max(1, math.ceil(due_ms - self._ms())))

    def _on_timer(self, kind: FrameKind) -> None:
        self.wakeups += 1
        now_ms = self._ms()
        pending = self._pending.get(kind, {})
        # Idle, what a waiting redraw asks for (the last report of a run shows the run's
        # end: every view redraws) waits for the timers too, not inside this turn.
        with nullcontext() if self.live else self.deferred():
            if self._turn_full(on_timer=True):
                pass  # this pass of the timers is full already: after the waiting input
            elif kind.shared:
                # Everything of this kind that waits runs in this one turn: one moment shown.
                cost_ms = sum(self._run(key, request) for key, request in list(pending.items()))
                if self.live:
                    tick = self._tick(kind)
                    tick.interval_ms = max(float(kind.interval_ms), cost_ms / kind.budget)
            else:
                for key, request in list(pending.items()):
                    if self._turn_full(on_timer=True):
                        break  # the rest in the next turn: input gets in between
                    if request.pending and request.due_ms <= now_ms + 1:
                        self._run(key, request)
        self._schedule(kind)


def _key(callback: Callable[[], None]) -> Hashable:
    """The same key for every bound method object of one method of one object."""
    owner = getattr(callback, "__self__", None)
    if owner is not None and hasattr(callback, "__func__"):
        return (id(owner), callback.__func__)
    return callback


def _name(callback: Callable[[], None]) -> str:
    """``LossPanel._redraw``: the owner's class and the method, or the function's name."""
    owner = getattr(callback, "__self__", None)
    func = getattr(callback, "__func__", callback)
    name = getattr(func, "__name__", repr(func))
    return f"{type(owner).__name__}.{name}" if owner is not None else name
