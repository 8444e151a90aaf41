"""The document's frame clock: at most one redraw per tick, the last request always honoured.

Time is moved by hand (the clock's ``now``), never waited for, except where a
test needs the clock's timer itself to fire.
"""

import time

import pytest
from PySide6.QtCore import QObject

from bpdesk.ui.document import Document
from bpdesk.ui.frames import LIVE_SLACK_MS, NUMBERS, PLOT, READING, FrameClock, FrameKind

SLOW_PLOT = FrameKind("slow plot", 1000, follows_reports=True)
SLOW_NUMBERS = FrameKind("slow numbers", 1000, follows_reports=False)


class HandClock:
    """A clock's time, moved by the test."""

    def __init__(self, start: float = 100.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t


def make(live: bool, start: float = 100.0):
    now = HandClock(start)
    clock = FrameClock(now=now)
    clock.live = live
    calls = []
    return clock, calls, now


def test_a_first_request_runs_at_once_and_a_second_waits(qtbot):
    clock, calls, _ = make(live=False)
    redraw = lambda: calls.append(1)  # noqa: E731
    clock.request(redraw, SLOW_PLOT)
    assert calls == [1]
    clock.request(redraw, SLOW_PLOT)
    clock.request(redraw, SLOW_PLOT)  # merged with the one waiting
    assert calls == [1]
    assert clock.is_pending(redraw)
    assert clock.waiting_ms(redraw) <= 1000  # not live: no slack


def test_while_live_a_due_plot_runs_with_the_next_request_not_a_timer(qtbot):
    clock, calls, now = make(live=True)
    redraw = lambda: calls.append(1)  # noqa: E731
    clock.request(redraw, SLOW_PLOT)
    clock.request(redraw, SLOW_PLOT)  # not due yet: a fallback timer, later than the interval
    assert calls == [1]
    assert clock.waiting_ms(redraw) >= 1000 + LIVE_SLACK_MS - 2
    now.t += 1.0  # a second passes: the redraw is due
    clock.request(redraw, SLOW_PLOT)  # the next report: the redraw runs now, in this turn
    assert calls == [1, 1]
    assert not clock.is_pending(redraw)  # and no separate wake-up is left waiting


def test_a_plot_runs_no_timer_once_a_report_has_served_it(qtbot):
    clock = FrameClock()
    clock.live = True
    quick = FrameKind("quick plot", 50, follows_reports=True)
    calls = []
    redraw = lambda: calls.append(1)  # noqa: E731
    clock.request(redraw, quick)
    clock.request(redraw, quick)
    time.sleep(0.06)
    clock.request(redraw, quick)  # due: runs now and takes the waiting one with it
    assert calls == [1, 1]
    qtbot.wait(3 * (50 + LIVE_SLACK_MS))
    assert clock.wakeups == 0
    assert calls == [1, 1]


def test_the_last_request_of_a_run_is_honoured_by_the_timer(qtbot):
    clock = FrameClock()
    clock.live = True
    calls = []
    redraw = lambda: calls.append(1)  # noqa: E731
    clock.request(redraw, FrameKind("quick plot", 20, follows_reports=True))
    clock.request(redraw, FrameKind("quick plot", 20, follows_reports=True))
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)


def test_numbers_run_at_once_when_not_live(qtbot):
    clock, calls, _now = make(live=True)
    show = lambda: calls.append(1)  # noqa: E731
    clock.request(show, SLOW_NUMBERS)
    clock.request(show, SLOW_NUMBERS)
    assert calls == [1]
    clock.live = False
    clock.request(show, SLOW_NUMBERS)  # an edit shows at once
    assert calls == [1, 1]
    assert not clock.is_pending(show)


def test_numbers_keep_their_own_timer_while_live(qtbot):
    """Heavy, slow refreshes run in turns of their own, not with the plots (stalls)."""
    clock, _, _now = make(live=True, start=100.25)
    show = lambda: None  # noqa: E731
    clock.request(show, SLOW_NUMBERS)
    clock.request(show, SLOW_NUMBERS)
    assert clock.is_pending(show)
    # No slack: it runs at the next tick of the clock, whole seconds here.
    assert 740 <= clock.waiting_ms(show) <= 760


def test_numbers_of_one_kind_share_ticks_and_a_wakeup(qtbot):
    """The diagram and the labels refresh in the same turn: their numbers agree."""
    offset = [0.0]
    clock = FrameClock(now=lambda: time.monotonic() + offset[0])
    clock.live = True
    interval = 300
    shared = FrameKind("shared numbers", interval, follows_reports=False)
    seen = []
    a = lambda: seen.append(("a", clock.wakeups))  # noqa: E731
    b = lambda: seen.append(("b", clock.wakeups))  # noqa: E731
    # Start at the beginning of a tick of the clock.
    now_ms = time.monotonic() * 1000
    offset[0] = ((now_ms // interval + 1) * interval - now_ms) / 1000
    clock.request(a, shared)
    offset[0] += 0.05
    clock.request(b, shared)  # ran 50 ms apart: private clocks would stay 50 ms out of step
    assert [name for name, _ in seen] == ["a", "b"]
    clock.request(a, shared)
    clock.request(b, shared)  # both wait for the same next tick
    assert clock.waiting_ms(a) == pytest.approx(clock.waiting_ms(b), abs=1)
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=3000)
    assert sorted(name for name, _ in seen[2:]) == ["a", "b"]
    assert seen[2][1] == seen[3][1] == clock.wakeups == 1  # one wake-up ran both


def test_a_costly_reading_is_spaced_by_its_cost(qtbot):
    """However big the data, a sweep takes at most about a tenth of the GUI thread."""
    clock, calls, now = make(live=True, start=0.0)
    sweep = lambda: (calls.append(1), time.sleep(0.1))  # noqa: E731
    clock.request(sweep, READING)  # 100 ms: an interval of at least a second
    now.t += 0.5  # a new tick at READING's own pace (500 ms)
    clock.request(sweep, READING)
    assert calls == [1]
    assert clock.is_pending(sweep)
    quick = lambda: calls.append(2)  # noqa: E731
    clock.request(quick, READING)
    now.t += 0.5
    clock.request(quick, READING)  # a cheap one keeps the pace of its kind
    assert calls == [1, 2, 2]


def test_flush_runs_what_waits_now(qtbot):
    clock, calls, _ = make(live=True)
    a = lambda: calls.append("a")  # noqa: E731
    b = lambda: calls.append("b")  # noqa: E731
    for kind, callback in ((PLOT, a), (NUMBERS, b)):
        clock.request(callback, kind)
        clock.request(callback, kind)
    assert calls == ["a", "b"]
    clock.flush(a)
    assert calls == ["a", "b", "a"]
    assert clock.is_pending(b)
    clock.flush()
    assert calls == ["a", "b", "a", "b"]
    assert not clock.is_pending(b)
    clock.flush()  # nothing waits: nothing runs
    assert len(calls) == 4


class View(QObject):
    def __init__(self, calls):
        super().__init__()
        self.calls = calls

    def redraw(self):
        self.calls.append("redrawn")


def test_the_clock_holds_a_view_weakly_and_forgets_it_when_it_goes(qtbot):
    clock, calls, _ = make(live=True)
    view = View(calls)
    clock.request(view.redraw, PLOT)
    clock.request(view.redraw, PLOT)  # a bound method made anew: the same request
    assert calls == ["redrawn"]
    assert clock.is_pending(view.redraw)
    del view
    clock.flush()  # its request went with it
    assert len(calls) == 1


def test_the_document_says_when_training_is_live_through_its_clock(qtbot):
    doc = Document()
    assert not doc.training_active
    assert not doc.frames.live
    doc.training_active = True
    assert doc.frames.live
    doc.training_active = False
    assert not doc.frames.live
