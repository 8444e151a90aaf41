"""The job runner: start, progress, partial results, pause, stop, cancel, errors and joins.

The jobs here are tiny and gated by the test (a semaphore per step), so that
"within one step" can be counted exactly; the tests wait on signals and
conditions, never on sleeps.
"""

import threading
from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QObject

from bpdesk.ui.jobs import Job, JobRunner, JobStopped

TIMEOUT = 10_000  # ms: far more than any of these jobs takes, even on a loaded machine


@dataclass(frozen=True)
class Values:
    """A partial result: a copy of the job's buffer after ``step`` steps."""

    step: int
    values: np.ndarray


class Gated(Job):
    """A generator job whose every step waits for a permit from the test (or a stop)."""

    name = "test-gated"
    report_interval = 0.0

    def __init__(self, keep_going: bool = False) -> None:
        self.permits = threading.Semaphore(0)
        self.steps = 0
        self.buffer = np.zeros(3)
        self.keep_going = keep_going  # ignores JobStopped: the runner must end it

    def _wait_for_permit(self, state) -> None:
        while not self.permits.acquire(timeout=0.005):
            if state.stop_requested:
                return

    def work(self, state):
        while True:
            self._wait_for_permit(state)
            self.steps += 1
            self.buffer += 1.0  # the job goes on changing its own array
            try:
                yield Values(self.steps, self.buffer.copy())
            except JobStopped:
                if not self.keep_going:
                    return Values(self.steps, self.buffer.copy())


class Counting(Job):
    """A function job: ``total`` steps, progress after each, a frozen result at the end."""

    name = "test-counting"
    report_interval = 0.0

    def __init__(self, total: int) -> None:
        self.total = total

    def work(self, state):
        done = 0
        for done in range(1, self.total + 1):
            if state.should_stop():
                break
            state.set_progress(done, self.total)
        return Values(done, np.arange(done, dtype=float))


class Spinning(Job):
    """A function job that reports once, says so, then runs until asked to stop."""

    name = "test-spinning"

    def __init__(self) -> None:
        self.sent = threading.Event()

    def work(self, state):
        state.report(Values(0, np.zeros(1)))
        self.sent.set()
        while not state.should_stop():
            state.control.sleep(0.001)
        return Values(1, np.ones(1))


@pytest.fixture
def runner(qtbot, qtlog):
    """A runner joined at teardown; Qt must not complain about a thread."""
    jobs = JobRunner()
    yield jobs
    jobs.shutdown()
    assert jobs.active() == []
    assert not [r.message for r in qtlog.records if "thread" in r.message.lower()]


def record(handle):
    """Every signal of ``handle`` in the order it arrived, as (name, args)."""
    seen = []
    handle.progress.connect(lambda done, total: seen.append(("progress", (done, total))))
    handle.partial.connect(lambda p: seen.append(("partial", p)))
    handle.paused.connect(lambda: seen.append(("paused", None)))
    handle.finished.connect(lambda r: seen.append(("finished", r)))
    handle.failed.connect(lambda m: seen.append(("failed", m)))
    return seen


def test_a_function_job_reports_progress_and_finishes_with_its_result(qtbot, runner):
    handle = runner.start(Counting(5))
    seen = record(handle)
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT) as blocker:
        pass
    result = blocker.args[0]
    assert result.step == 5
    assert np.array_equal(result.values, np.arange(5.0))
    assert [args for name, args in seen if name == "progress"][-1] == (5, 5)
    assert seen[-1][0] == "finished"
    assert handle.is_finished()  # the thread has ended by the time "finished" arrives
    assert runner.active() == []


def test_partial_results_are_copies_the_job_no_longer_holds(qtbot, runner):
    job = Gated()
    handle = runner.start(job)
    seen = record(handle)
    for _ in range(3):
        job.permits.release()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=TIMEOUT)
    partials = [args for name, args in seen]
    # Each is the buffer as it was at that step, though the job kept changing it.
    assert [p.step for p in partials] == [1, 2, 3]
    assert [float(p.values[0]) for p in partials] == [1.0, 2.0, 3.0]
    for p in partials:
        assert not np.shares_memory(p.values, job.buffer)
    handle.stop()


def test_a_partial_result_that_is_not_a_frozen_copy_is_refused(qtbot, runner):
    class Leaky(Job):
        def work(self, state):
            state.report({"values": np.zeros(2)})  # a live dict: not a frozen dataclass

    handle = runner.start(Leaky())
    with qtbot.waitSignal(handle.failed, timeout=TIMEOUT) as blocker:
        pass
    assert "frozen dataclasses" in blocker.args[0]


def test_a_stop_takes_effect_within_one_step_and_the_job_hands_back_what_it_has(qtbot, runner):
    job = Gated()
    handle = runner.start(job)
    seen = record(handle)
    for _ in range(3):
        job.permits.release()
    qtbot.waitUntil(lambda: job.steps == 3, timeout=TIMEOUT)
    asked_at = job.steps  # the job now waits inside its next step
    handle.request_stop()
    for _ in range(100):
        job.permits.release()  # it could go on for a hundred more steps
    qtbot.waitUntil(lambda: seen and seen[-1][0] == "finished", timeout=TIMEOUT)
    assert job.steps <= asked_at + 1
    assert seen[-1][1].step == job.steps  # what it returned on JobStopped arrives


def test_a_job_that_ignores_the_stop_is_closed_at_its_next_step(qtbot, runner):
    job = Gated(keep_going=True)
    handle = runner.start(job)
    job.permits.release()
    qtbot.waitUntil(lambda: job.steps == 1, timeout=TIMEOUT)
    handle.request_stop()
    for _ in range(100):
        job.permits.release()
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT) as blocker:
        pass
    assert blocker.args == [None]
    assert job.steps <= 3  # the step it was in, and the one it took after JobStopped


def test_stop_delivers_every_report_before_it_returns(qtbot, runner):
    job = Gated()
    handle = runner.start(job)
    seen = record(handle)
    for _ in range(5):
        job.permits.release()
    # Wait in the job's terms, not the GUI's: its reports may all still be queued.
    qtbot.waitUntil(lambda: job.steps == 5, timeout=TIMEOUT)
    handle.stop()  # no event loop turn after this: everything must be in already
    assert handle.is_finished()
    names = [name for name, _ in seen]
    assert names[-1] == "finished"
    assert job.steps <= 6  # the step it was waiting in ends at the stop request
    steps = [args.step for name, args in seen if name == "partial"]
    assert steps == list(range(1, job.steps + 1))  # every one, in order
    assert seen[-1][1].step == job.steps
    assert runner.active() == []


def test_an_error_in_the_job_is_reported_not_raised_in_its_thread(qtbot, runner):
    class Failing(Job):
        def work(self, state):
            yield Values(1, np.zeros(1))
            raise RuntimeError("out of memory")

    handle = runner.start(Failing())
    seen = record(handle)
    with qtbot.waitSignal(handle.failed, timeout=TIMEOUT) as blocker:
        pass
    assert blocker.args == ["out of memory"]
    assert [name for name, _ in seen] == ["partial", "failed"]  # no "finished"
    assert handle.is_finished()


def test_a_pause_holds_the_job_and_sends_what_it_gathered_first(qtbot, runner):
    class Gathering(Gated):
        def flush(self):
            return Values(-self.steps, self.buffer.copy())

    job = Gathering()
    handle = runner.start(job)
    seen = record(handle)
    job.permits.release()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=TIMEOUT)
    handle.pause()
    job.permits.release()  # lets a step in progress end: the pause comes after it
    qtbot.waitUntil(lambda: seen[-1][0] == "paused", timeout=TIMEOUT)
    held = job.steps
    # Every step's report, then what it gathered (flush), then "paused".
    partials = [args.step for name, args in seen if name == "partial"]
    assert partials == [*range(1, held + 1), -held]
    for _ in range(3):
        job.permits.release()
    qtbot.wait(50)  # time in which a job that ignored the pause would take a step
    assert job.steps == held
    with qtbot.waitSignal(handle.partial, timeout=TIMEOUT):
        handle.resume()
    assert job.steps > held
    handle.stop()


def test_a_job_started_paused_waits_before_its_first_step(qtbot, runner):
    job = Gated()
    handle = runner.start(job, paused=True)
    with qtbot.waitSignal(handle.paused, timeout=TIMEOUT):
        job.permits.release()
    assert job.steps == 0
    with qtbot.waitSignal(handle.partial, timeout=TIMEOUT):
        handle.resume()
    assert job.steps == 1
    handle.stop()


def test_a_new_start_in_a_slot_cancels_the_old_job_and_drops_its_late_reports(qtbot, runner):
    old = Spinning()
    first = runner.start(old, slot="check")
    late = record(first)
    # The old job's first report is queued for the GUI thread, not yet delivered.
    assert old.sent.wait(TIMEOUT / 1000)
    second = runner.start(Counting(3), slot="check")
    assert first.is_finished()  # cancelled and joined before the new one started
    assert first.cancelled
    with qtbot.waitSignal(second.finished, timeout=TIMEOUT):
        pass
    assert late == []  # neither its report nor its result reached anyone
    assert runner.active() == []


def test_jobs_in_different_slots_run_side_by_side(qtbot, runner):
    # As a race of three trainers will: each its own slot, progress and result.
    jobs = [Gated() for _ in range(3)]
    handles = [runner.start(job, slot=("race", k)) for k, job in enumerate(jobs)]
    seen = [record(handle) for handle in handles]
    for k, job in enumerate(jobs):
        for _ in range(k + 1):
            job.permits.release()
    qtbot.waitUntil(lambda: [len(s) for s in seen] == [1, 2, 3], timeout=TIMEOUT)
    assert len(runner.active()) == 3
    for handle in handles:
        handle.stop()
    assert [s[-1][1].step for s in seen] == [job.steps for job in jobs]
    assert runner.active() == []


def test_shutdown_joins_every_job_even_one_waiting_on_a_pause(qtbot, runner):
    paused_job = Gated()
    paused = runner.start(paused_job)
    with qtbot.waitSignal(paused.paused, timeout=TIMEOUT):
        paused.pause()
        paused_job.permits.release()  # to the end of a step, where the pause holds it
    spinning = runner.start(Spinning())
    running = record(spinning)
    assert len(runner.active()) == 2
    runner.shutdown()
    assert paused.is_finished()
    assert spinning.is_finished()
    assert runner.active() == []
    QCoreApplication.sendPostedEvents()  # whatever the joined threads sent: none gets through
    assert running == []


def test_a_runner_destroyed_without_shutdown_still_joins_its_threads(qtbot, qtlog):
    import shiboken6

    owner = QObject()
    jobs = JobRunner(owner)
    spinning = Spinning()
    handle = jobs.start(spinning)
    assert spinning.sent.wait(TIMEOUT / 1000)
    shiboken6.delete(owner)  # as when a panel with its own runner goes away
    assert handle.is_finished()
    assert not [r for r in qtlog.records if "thread" in r.message.lower()]


def _wait_in_the_jobs_thread(condition, timeout: float = TIMEOUT / 1000) -> None:
    """Wait for ``condition`` without turning the GUI's event loop (nothing is taken in)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the job did not get there"
        time.sleep(0.002)


class Patient(Gated):
    """A gated job that waits as long as it takes for the GUI to take its reports."""

    gui_wait = 60.0


def test_a_job_leaves_the_interpreter_to_the_gui_while_its_report_waits(qtbot, runner):
    # A job that stepped on while its report waited would take half the interpreter
    # from the GUI thread drawing it; it waits instead, until the report is taken.
    job = Patient()
    handle = runner.start(job)
    seen = record(handle)
    for _ in range(3):
        job.permits.release()
    _wait_in_the_jobs_thread(lambda: job.steps == 1)
    threading.Event().wait(0.2)  # permits are there: only the untaken report holds it
    assert job.steps == 1
    qtbot.waitUntil(lambda: job.steps == 3, timeout=TIMEOUT)  # the loop turns: it goes on
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=TIMEOUT)
    assert [args.step for _, args in seen] == [1, 2, 3]


def test_a_stop_ends_the_wait_for_the_gui_at_once(qtbot, runner):
    import time

    job = Patient()
    handle = runner.start(job)
    seen = record(handle)
    job.permits.release()
    _wait_in_the_jobs_thread(lambda: job.steps == 1)
    started = time.monotonic()
    handle.stop()  # the GUI never took the report: the job must not sit out its 60 s
    assert time.monotonic() - started < Patient.gui_wait / 2
    assert [name for name, _ in seen] == ["partial", "finished"]


def test_a_pause_ends_the_wait_for_the_gui_and_still_arrives_after_every_report(qtbot, runner):
    job = Patient()
    handle = runner.start(job)
    seen = record(handle)
    job.permits.release()
    _wait_in_the_jobs_thread(lambda: job.steps == 1)
    handle.pause()
    qtbot.waitUntil(lambda: ("paused", None) in seen, timeout=TIMEOUT)
    assert [name for name, _ in seen] == ["partial", "paused"]


class Quiet(Patient):
    """A patient gated job that reports nothing: only the GUI's drawing can hold it."""

    def work(self, state):
        inner = super().work(state)
        for _ in inner:
            yield None


def test_a_job_holds_still_while_the_gui_draws(qtbot, runner):
    from bpdesk.ui.jobs import GUI_TURN

    job = Quiet()
    runner.start(job)
    with GUI_TURN.busy():  # what the frame clock does around each redraw
        for _ in range(3):
            job.permits.release()
        _wait_in_the_jobs_thread(lambda: job.steps == 1)
        threading.Event().wait(0.2)  # permits are there: only the drawing holds it
        assert job.steps == 1
    _wait_in_the_jobs_thread(lambda: job.steps == 3)


def test_the_frame_clock_marks_its_redraws_as_the_guis_drawing(qtbot):
    import time

    from bpdesk.ui.frames import HOLD_JOBS_MS, PLOT, FrameClock
    from bpdesk.ui.jobs import GUI_TURN

    seen = []

    def costly():
        seen.append(GUI_TURN.wait_idle(0))
        time.sleep(HOLD_JOBS_MS / 1000 * 1.5)

    def cheap():
        seen.append(GUI_TURN.wait_idle(0))

    clock = FrameClock()
    for callback in (costly, costly, cheap, cheap):
        clock.request(callback, PLOT)
        clock.flush(callback)
    # A redraw that cost much last time holds the jobs while it runs; a cheap one
    # does not (the first run of each has no cost yet).
    assert seen == [True, False, True, True]
    assert GUI_TURN.wait_idle(0)  # idle after


def test_a_widget_that_paints_slowly_holds_the_jobs_while_it_paints_and_a_quick_one_does_not(qtbot):
    """Reported: a 2,144-weight diagram took 60-90 ms to paint while training took the
    interpreter between its items; holding the jobs at every paint of every widget
    cost a small network's training a tenth of its speed."""
    import time as clock

    from PySide6.QtWidgets import QWidget

    from bpdesk.ui.jobs import GUI_TURN, PAINT_HOLD_MS, PaintsAlone

    class Canvas(QWidget):
        cost_ms = 0.0

        def __init__(self) -> None:
            super().__init__()
            self.held: list[bool] = []

        def paintEvent(self, event) -> None:
            self.held.append(not GUI_TURN.wait_idle(0))  # are the jobs held now?
            clock.sleep(self.cost_ms / 1000)

    class Painted(PaintsAlone, Canvas):
        pass

    widget = Painted()
    qtbot.addWidget(widget)
    widget.resize(50, 50)
    widget.show()
    qtbot.waitExposed(widget)
    widget.held.clear()
    widget.cost_ms = 2 * PAINT_HOLD_MS
    for _ in range(3):
        widget.grab()  # paints it now
    assert widget.held[-2:] == [True, True]  # slow last time: held
    widget.cost_ms = 0.0
    for _ in range(3):
        widget.grab()
    assert widget.held[-2:] == [False, False]  # quick last time: not held
    assert GUI_TURN.wait_idle(0)  # and let go after each paint
