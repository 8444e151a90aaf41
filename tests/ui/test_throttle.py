"""Throttles: at most one refresh per interval, the last request always honoured.

Time is moved by hand (the throttle's clock reading), never waited for, except
where a test needs the trailing-edge timer itself to fire.
"""

import time

from bpdesk.ui.throttle import LIVE_SLACK_MS, LiveThrottle, Throttle


def make(qtbot, live: bool, cls=Throttle):
    calls = []
    state = {"live": live}
    throttle = cls(lambda: calls.append(1), 1000, is_live=lambda: state["live"])
    return throttle, calls, state


def test_a_first_request_runs_at_once_and_a_second_waits(qtbot):
    throttle, calls, _ = make(qtbot, live=False)
    throttle.request()
    assert calls == [1]
    throttle.request()
    assert calls == [1]
    assert throttle._timer.isActive()
    assert throttle._timer.interval() <= 1000  # not live: no slack


def test_while_live_a_due_refresh_runs_with_the_next_request_not_a_timer(qtbot):
    throttle, calls, _ = make(qtbot, live=True)
    throttle.request()
    throttle._last = time.monotonic()  # it has just run
    throttle.request()  # not due yet: a fallback timer, later than the interval
    assert calls == [1]
    assert throttle._timer.interval() >= 1000 + LIVE_SLACK_MS - 2
    throttle._last -= 1.0  # a second passes: the refresh is due
    throttle.request()  # the next report: the refresh runs now, in this turn
    assert calls == [1, 1]
    assert not throttle._timer.isActive()  # and no separate wake-up is left pending


def test_the_last_request_of_a_run_is_honoured_by_the_timer(qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(1), 20, None, lambda: True)
    throttle.request()
    throttle.request()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)


def test_a_live_throttle_runs_at_once_when_not_live(qtbot):
    throttle, calls, state = make(qtbot, live=True, cls=LiveThrottle)
    throttle.request()
    throttle.request()
    assert calls == [1]
    state["live"] = False
    throttle.request()
    assert calls == [1, 1]


def test_a_live_throttle_keeps_its_own_timer_while_live(qtbot):
    """Heavy, slow refreshes run in turns of their own, not with the plots (stalls)."""
    throttle, _, _ = make(qtbot, live=True, cls=LiveThrottle)
    throttle.request()
    throttle._last = time.monotonic()
    throttle.request()
    assert throttle._timer.isActive()
    assert throttle._timer.interval() <= 1000  # no slack: it fires when due, on its own


def test_live_throttles_with_one_interval_share_a_clock(qtbot):
    """The diagram and the labels refresh in the same turn: their numbers agree."""
    calls = []
    a = LiveThrottle(lambda: calls.append("a"), 1000, lambda: True)
    b = LiveThrottle(lambda: calls.append("b"), 1000, lambda: True)
    while time.monotonic() * 1000 % 1000 > 100:  # start early in a tick of the clock
        time.sleep(0.01)
    a.request()
    time.sleep(0.05)
    b.request()  # run 50 ms apart: private clocks would stay 50 ms out of step
    assert calls == ["a", "b"]
    for throttle in (a, b):
        throttle.request()  # both wait for the same next tick
    assert abs(a._timer.remainingTime() - b._timer.remainingTime()) <= 5
    qtbot.waitUntil(lambda: len(calls) == 4, timeout=3000)
    assert sorted(calls[2:]) == ["a", "b"]
