"""The document's frame clock: at most one redraw per interval, the last request always
honoured, every redraw measured and its share of the GUI thread bounded.

Time is moved by hand (the clock's ``now``), never waited for: where a test
needs the clock's timer itself to fire, it waits for what the timer does. Costs are real time: a redraw that
should cost something sleeps.
"""

import time

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QObject

from bpdesk.ui.document import Document
from bpdesk.ui.frames import (
    LIVE_SLACK_MS,
    NUMBERS,
    PLOT,
    READING,
    TURN_MS,
    FrameClock,
    FrameKind,
)

SLOW_PLOT = FrameKind("slow plot", 1000, follows_reports=True, budget=0.5)
SLOW_NUMBERS = FrameKind("slow numbers", 1000, follows_reports=False, budget=0.5, shared=True)


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
    clock, calls, now = make(live=True)
    quick = FrameKind("quick plot", 50, follows_reports=True, budget=1.0)
    redraw = lambda: calls.append(1)  # noqa: E731
    clock.request(redraw, quick)
    clock.request(redraw, quick)
    assert clock.wakeup_set()  # the fallback for a last request
    now.t += 0.06
    clock.request(redraw, quick)  # due: runs now and takes the waiting one with it
    assert calls == [1, 1]
    assert not clock.wakeup_set()  # nothing left to wake the GUI thread for
    assert clock.wakeups == 0


def test_the_last_request_of_a_run_is_honoured_by_the_timer(qtbot):
    clock = FrameClock()
    clock.live = True
    calls = []
    redraw = lambda: calls.append(1)  # noqa: E731
    quick = FrameKind("quick plot", 20, follows_reports=True, budget=1.0)
    clock.request(redraw, quick)
    clock.request(redraw, quick)
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)


def test_numbers_run_at_once_when_not_live(qtbot):
    clock, calls, _now = make(live=False)
    show = lambda: calls.append(1)  # noqa: E731
    clock.request(show, SLOW_NUMBERS)
    clock.request(show, SLOW_NUMBERS)  # an edit shows at once, every time
    assert calls == [1, 1]
    assert not clock.is_pending(show)


def test_while_live_numbers_wait_for_a_turn_of_their_own(qtbot):
    """Never inside a report's turn: a heavy refresh there would make it a stall."""
    clock, calls, now = make(live=True)
    show = lambda: calls.append(1)  # noqa: E731
    clock.request(show, SLOW_NUMBERS)
    assert calls == []  # due, but on the kind's timer, in a turn of its own
    assert clock.waiting_ms(show) == 0
    clock.flush()
    assert calls == [1]
    now.t += 0.25
    clock.request(show, SLOW_NUMBERS)
    assert clock.waiting_ms(show) == pytest.approx(750, abs=1)  # a whole interval after the last


def test_numbers_of_one_kind_share_a_turn_and_a_wakeup(qtbot):
    """The diagram and the labels refresh in the same turn: their numbers agree."""
    clock, _, now = make(live=True)
    shared = FrameKind("shared numbers", 300, follows_reports=False, budget=1.0, shared=True)
    seen = []
    a = lambda: seen.append(("a", clock.wakeups))  # noqa: E731
    b = lambda: seen.append(("b", clock.wakeups))  # noqa: E731
    clock.request(a, shared)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)
    now.t += 0.05
    clock.request(b, shared)  # asked 50 ms later than a: it waits for the same next tick
    clock.request(a, shared)
    assert clock.waiting_ms(a) == clock.waiting_ms(b) == pytest.approx(250)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=3000)
    assert sorted(name for name, _ in seen[1:]) == ["a", "b"]
    assert seen[1][1] == seen[2][1] == clock.wakeups == 2  # one wake-up ran both


def test_a_costly_reading_is_spaced_by_its_cost(qtbot):
    """However big the data, a sweep takes at most about a tenth of the GUI thread."""
    clock, calls, now = make(live=True, start=0.0)
    sweep = lambda: (calls.append(1), time.sleep(0.1))  # noqa: E731
    clock.request(sweep, READING)
    clock.flush()  # 100 ms: an interval of at least a second
    now.t += 0.5  # READING's own interval (500 ms) has passed
    clock.request(sweep, READING)
    assert clock.waiting_ms(sweep) >= 490  # ... but not its stretched one
    quick = lambda: calls.append(2)  # noqa: E731
    clock.request(quick, READING)
    clock.flush(quick)
    now.t += 0.5
    clock.request(quick, READING)  # a cheap one keeps the pace of its kind
    assert clock.waiting_ms(quick) == 0


def test_a_costly_plot_is_spaced_by_its_cost_while_live_only(qtbot):
    clock, calls, now = make(live=True, start=0.0)
    boundary = lambda: (calls.append(1), time.sleep(0.03))  # noqa: E731
    clock.request(boundary, PLOT)  # 30 ms at a budget of 0.15: every 200 ms at most
    assert clock.costs()["<lambda>"].interval_ms >= 0.03 / PLOT.budget * 1000 - 1
    now.t += 0.1
    clock.request(boundary, PLOT)  # a report 100 ms later: not due yet
    assert calls == [1]
    clock.live = False  # a user's edits: the kind's own pace
    now.t += PLOT.interval_ms / 1000
    clock.request(boundary, PLOT)
    assert calls == [1, 1]


def test_numbers_share_one_interval_stretched_by_their_whole_turn(qtbot):
    clock, _, now = make(live=True, start=0.0)
    kind = FrameKind("shared", 100, follows_reports=False, budget=0.5, shared=True)
    a = lambda: time.sleep(0.04)  # noqa: E731
    b = lambda: time.sleep(0.04)  # noqa: E731
    clock.request(a, kind)
    clock.request(b, kind)
    # Their one turn, on the kind's timer: 80 ms at a budget of a half.
    qtbot.waitUntil(lambda: not (clock.is_pending(a) or clock.is_pending(b)), timeout=2000)
    costs = clock.costs()
    assert costs["<lambda>"].interval_ms >= 150  # the same one for both
    assert costs["<lambda> #2"].interval_ms == costs["<lambda>"].interval_ms
    now.t += 0.1  # the kind's own interval has passed, the stretched one has not
    clock.request(a, kind)
    clock.request(b, kind)
    assert clock.waiting_ms(a) == pytest.approx(clock.waiting_ms(b))
    assert clock.waiting_ms(a) >= 50


def test_a_turn_runs_redraws_until_it_is_full_and_the_rest_wait(qtbot):
    """A click waits for about one redraw, not for every view's."""
    clock = FrameClock()
    clock.live = True
    calls = []
    heavy = lambda: (calls.append("heavy"), time.sleep(TURN_MS / 1000))  # noqa: E731
    light = lambda: calls.append("light")  # noqa: E731
    quick = FrameKind("quick plot", 1, follows_reports=True, budget=1.0)
    clock.request(heavy, quick)  # one report's turn: the heavy one fills it
    clock.request(light, quick)
    assert calls == ["heavy"]
    assert clock.is_pending(light)
    qtbot.waitUntil(lambda: calls == ["heavy", "light"], timeout=2000)  # a later turn


def test_the_clock_measures_each_callback_without_what_it_ran(qtbot):
    clock, _, _ = make(live=True)

    def inner():
        time.sleep(0.02)

    def outer():
        time.sleep(0.01)
        clock.request(inner, PLOT)  # due: runs inside

    started = time.perf_counter()
    clock.request(outer, PLOT)
    total_ms = (time.perf_counter() - started) * 1000
    costs = clock.costs()
    assert set(costs) == {"outer", "inner"}
    assert costs["inner"].runs == costs["outer"].runs == 1
    assert costs["inner"].last_ms >= 20
    assert costs["outer"].last_ms >= 10
    # Its own time only: what the whole request took, less the inner run (a loaded
    # machine stretches the sleeps, never this sum).
    assert costs["outer"].last_ms <= total_ms - costs["inner"].last_ms + 0.5
    assert costs["outer"].kind == "plot"
    clock.reset_costs()
    assert clock.costs() == {}


def test_flush_runs_what_waits_now(qtbot):
    clock, calls, _ = make(live=True)
    a = lambda: calls.append("a")  # noqa: E731
    b = lambda: calls.append("b")  # noqa: E731
    for kind, callback in ((PLOT, a), (NUMBERS, b)):
        clock.request(callback, kind)
        clock.request(callback, kind)
    assert calls == ["a"]
    clock.flush(a)
    assert calls == ["a", "a"]
    assert clock.is_pending(b)
    clock.flush()
    assert calls == ["a", "a", "b"]
    assert not clock.is_pending(b)
    clock.flush()  # nothing waits: nothing runs
    assert len(calls) == 3


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
    assert list(clock.costs()) == ["View.redraw"]
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


def test_while_training_no_view_redraws_per_report_and_the_last_report_shows(qtbot):
    """Ten training reports in a row: the diagram, the text panels and the gradient flow
    run in turns of their own afterwards, once each, and show the last report."""
    from bpdesk.ui.editor.scene import NetworkScene
    from bpdesk.ui.panels.chain_rule import ChainRulePanel
    from bpdesk.ui.panels.gradient_flow import GradientFlowPanel
    from bpdesk.ui.panels.landscape import LandscapePanel
    from bpdesk.ui.panels.math import MathPanel

    doc = Document()
    scene = NetworkScene(doc)
    panels = [MathPanel(doc), ChainRulePanel(doc), GradientFlowPanel(doc), LandscapePanel(doc)]
    for panel in panels:
        qtbot.addWidget(panel)
        panel.show()
    doc.select((0, 0, 0))
    for panel in panels:
        qtbot.waitExposed(panel)
    QCoreApplication.processEvents()  # the first layouts, and the redraws they ask for
    doc.frames.flush()  # drawn now: no timer of before the run fires among its reports
    doc.training_active = True
    doc.frames.reset_costs()
    index = doc.parameter_index((0, 0, 0))
    values = doc.network.parameters.copy()
    rows = np.full((4, 1), 0.1)
    for epoch in range(1, 11):  # reports, one after another, as a busy GUI thread sees them
        values[index] = 0.1 * epoch
        doc.append_training(epoch, rows, (), np.full((1, doc.network.n_layers), 0.5))
        doc.show_training_state(values.copy(), epoch)
    assert doc.frames.costs() == {}  # not one of them ran inside a report's turn
    views = {
        "NetworkScene._on_values_changed",
        "MathPanel.refresh",
        "ChainRulePanel._on_changed",
        "GradientFlowPanel._redraw",
        "LandscapePanel._refresh",
    }
    qtbot.waitUntil(lambda: views <= set(doc.frames.costs()), timeout=3000)
    costs = doc.frames.costs()
    assert all(costs[name].runs == 1 for name in views), costs
    assert "w ← w − η·∂L/∂w = 1.0000" in panels[0].browser.toPlainText()  # the last report's
    assert scene.nodes  # the diagram is drawn (and held to here: the clock holds views weakly)
    doc.training_active = False


@pytest.mark.parametrize("paused", [False, True])
def test_input_gets_in_between_redraws_of_different_kinds_due_together(qtbot, paused):
    """Reported: the diagram, the chain rule, the landscape and the math, each on a timer
    of its own kind, ran back to back in one pass of the event loop's timers (110 ms)
    while a key press waited; and all of them again when training paused (130 ms). A
    full turn leaves the rest for after the waiting input."""
    from PySide6.QtCore import QEvent

    clock, calls, _ = make(live=True)
    kinds = [
        FrameKind("reading", 1, follows_reports=False, budget=1.0),
        # the diagram's numbers (a shared kind) wait too
        FrameKind("numbers", 1, follows_reports=False, budget=1.0, shared=True),
        FrameKind("reading too", 1, follows_reports=False, budget=1.0),
    ]
    key_press = QEvent.Type(QEvent.registerEventType())

    class Receiver(QObject):
        def event(self, event) -> bool:
            if event.type() == key_press:
                calls.append("input")
                return True
            return super().event(event)

    receiver = Receiver()

    def heavy(name):
        def redraw():
            calls.append(name)
            if name == "first":  # the user presses a key while it draws
                QCoreApplication.postEvent(receiver, QEvent(key_press))
            time.sleep(TURN_MS / 1000)

        return redraw

    redraws = [heavy(name) for name in ("first", "second", "third")]
    for redraw, kind in zip(redraws, kinds):
        clock.request(redraw, kind)  # live: each waits for its kind's timer, all due now
    clock.live = not paused  # paused: what waited comes due together
    qtbot.waitUntil(lambda: len(calls) == 4, timeout=3000)
    assert calls.index("input") == 1  # answered after the first redraw, not after all three


def test_requests_made_as_training_pauses_wait_for_the_timers_then_run_in_turns(qtbot):
    """Reported: pressing Space redrew every view inside the key press and the pause's
    last report (~140 ms) while the next click waited."""
    clock, calls, _ = make(live=False)
    first = lambda: calls.append("first")  # noqa: E731
    second = lambda: calls.append("second")  # noqa: E731
    with clock.deferred():
        clock.request(first, SLOW_NUMBERS)  # idle: would run at once
        clock.request(second, SLOW_PLOT)
        assert calls == []
        assert clock.waiting_ms(first) == 0  # due at once, on the timers
    qtbot.waitUntil(lambda: sorted(calls) == ["first", "second"], timeout=2000)
    clock.request(first, SLOW_NUMBERS)  # outside: an edit shows at once again
    assert calls.count("first") == 2


def test_idle_a_waiting_redraw_that_asks_for_others_leaves_them_to_later_turns(qtbot):
    """Reported: the run's last report, shown on the clock's timer after Space paused,
    redrew every view inside its own turn (~130 ms)."""
    clock, calls, _ = make(live=True)
    other = lambda: calls.append("other")  # noqa: E731

    def report():
        calls.append("report")
        clock.request(other, SLOW_NUMBERS)  # a view asks, as the report changes the document
        calls.append("report shown")

    clock.request(report, READING)  # waits for its timer (live)
    clock.live = False  # paused before the timer fires
    qtbot.waitUntil(lambda: len(calls) == 3, timeout=3000)
    assert calls == ["report", "report shown", "other"]  # not inside the report's turn
    assert not clock.is_pending(other)
