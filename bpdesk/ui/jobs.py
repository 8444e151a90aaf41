"""One job runner for every background computation: training, gradient checks, sweeps, races.

A *job* is an object with a ``work(state)`` method that runs in a thread of
its own. It never touches a widget or the document: it is built in the GUI
thread from copies, and everything it sends back is a frozen dataclass
holding copies. ``work`` comes in the two shapes of superqt's workers:

* a **generator** (as :meth:`bpdesk.core.Trainer.run` is): every ``yield`` ends
  one step. A value it yields is a partial result, sent to the GUI at once;
  between two steps the runner waits while the job is paused and, if it was
  asked to stop, raises :class:`JobStopped` at the ``yield`` (superqt's
  ``GeneratorWorker`` honours ``quit()`` at the next yield). A job with
  something to hand back catches it and returns that; a job that takes
  another step anyway is closed there.
* a **function** (as :func:`bpdesk.core.gradient_check` is): it calls
  :meth:`JobState.should_stop` between its steps and
  :meth:`JobState.set_progress` / :meth:`JobState.report` as it goes, as
  Orange's ``TaskState`` is used.

Its return value is the result. An exception in the job is reported as
:attr:`JobHandle.failed`, never raised in the thread.

:class:`JobRunner` starts jobs and joins them; :class:`JobHandle` is one
running job as the GUI sees it: its signals arrive queued in the GUI thread,
and once a job is cancelled (or replaced by a new start in its slot, as
Orange's ``ConcurrentMixin`` does) whatever it still sends is dropped.

Between two steps of every job, :meth:`JobState.should_stop` runs in the
job's thread, and every report goes through :class:`JobState`: that is where
pausing, stopping and the rate of reports are decided for all jobs at once.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from bpdesk.core import TrainingControl
from bpdesk.core.training_stream import JobStopped as JobStopped  # jobs catch it from here

# How often a job waiting for the GUI to take its report looks for a pause or stop request.
_GUI_POLL = 0.005


class GuiTurn:
    """Whether the GUI thread is drawing: between their steps, jobs wait while it is.

    The frame clock marks each redraw it runs (:meth:`busy`). A job stepping on
    meanwhile would take half of the interpreter from that redraw (the GIL lets
    one thread run Python at a time) and double the wait of whatever the user
    does next; waiting costs the job only the redraw's own time, which it would
    have shared anyway. Only the GUI thread enters; jobs only wait.
    """

    def __init__(self) -> None:
        self._idle = threading.Event()
        self._idle.set()
        self._depth = 0  # a redraw may run another inside it

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Mark a redraw of the GUI thread (jobs hold still until it ends)."""
        self._depth += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._idle.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the GUI to finish drawing; True if it has."""
        return self._idle.wait(timeout)


# The application's one GUI thread, as jobs see it.
GUI_TURN = GuiTurn()


# A widget whose last painting took this long holds the jobs while it paints again.
PAINT_HOLD_MS = 8.0


class PaintsAlone:
    """Mixin for a widget whose painting runs Python for each item it draws (the network
    diagram's items, pyqtgraph's curves and images, a table model's cells).

    Each of those calls takes the interpreter; a job stepping meanwhile holds it
    for up to the interpreter's switch interval (5 ms) before each one is let in,
    so a diagram of two thousand weights took seconds to paint under training.
    Jobs hold still (:data:`GUI_TURN`) while such a widget paints, if its last
    painting took :data:`PAINT_HOLD_MS` or more: a cheap one is mostly Qt's own
    drawing, outside the interpreter, which a job may share (holding the jobs at
    every paint cost a small network's training a tenth of its speed). Put it
    first among the bases.
    """

    _last_paint_ms = PAINT_HOLD_MS  # the first paint holds

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        with GUI_TURN.busy() if self._last_paint_ms >= PAINT_HOLD_MS else nullcontext():
            super().paintEvent(event)  # type: ignore[misc]
        self._last_paint_ms = (time.perf_counter() - started) * 1000


class Job:
    """Base for jobs: override :meth:`work`, and :meth:`flush` if the job gathers
    results between reports. Class attributes name its thread and pace its reports."""

    name = "bpdesk-job"  # the thread's name (seen in debuggers and profilers)
    report_interval = 1 / 30  # seconds: the least time between two reports
    gui_wait = 0.5  # seconds a step waits at most for the GUI to take the last report

    def work(self, state: JobState) -> Any:
        """Run the job in its thread (a generator or a plain function; see the module)."""
        raise NotImplementedError

    def flush(self) -> Any:
        """What the job has gathered since its last report, sent as a pause takes hold.

        None when there is nothing to send (the default).
        """
        return None

    def make_control(self) -> TrainingControl:
        """The control its handle passes the GUI's requests through (a new one by default)."""
        return TrainingControl()

    def taken(self) -> None:
        """Called in the GUI thread once it has handled a partial result of the job
        (a job whose steps run elsewhere passes it on; see :meth:`JobState.report_due`)."""


def _require_frozen(value: Any) -> None:
    """What crosses threads is a frozen dataclass (of copies), or None."""
    if value is None:
        return
    params = getattr(type(value), "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(
            f"a job sends frozen dataclasses holding copies, not {type(value).__name__}"
        )


class JobState:
    """The runner as one job sees it, in the job's thread.

    ``control`` holds the requests from the GUI (stop, pause, step, new
    settings), read between steps; a job that drives the engine's trainer
    passes it on (:meth:`bpdesk.core.Trainer.run` reads it between epochs).
    """

    def __init__(self, job: Job, handle: JobHandle, control: TrainingControl) -> None:
        self.job = job
        self.control = control
        self.interval = job.report_interval
        self._handle: JobHandle | None = handle
        self._last_report = time.perf_counter()
        self._last_progress = 0.0  # the first progress is shown at once
        # Set while no partial result waits in the GUI thread's queue: at most one
        # is ever in flight. A GUI thread slower than the job then gets fewer,
        # bigger reports instead of a queue that grows without end (and starves
        # its timers and the user's input).
        self._taken = threading.Event()
        self._taken.set()
        control.on_pause = self._pausing

    @property
    def stop_requested(self) -> bool:
        """True once the job was asked to stop (or cancelled)."""
        return self.control.stop_requested

    def should_stop(self) -> bool:
        """Between two steps: wait while paused, then say whether to stop now.

        Every job passes here between its steps (the runner calls it between a
        generator's yields); a stop or pause request takes effect here.
        """
        control = self.control
        self._leave_to_gui()
        if control.paused:
            control.wait_while_paused()
        return control.stop_requested

    def _leave_to_gui(self) -> None:
        """While the GUI thread handles this job's last report, or draws (see
        :class:`GuiTurn`), wait for it to finish.

        The two threads share one interpreter: a job that kept stepping would
        take half of it while the GUI draws, doubling every frame's time and the
        wait of whatever the user does meanwhile. Waiting here costs the job
        nothing it would have had: a frame is the GUI's either way, and it ends
        sooner. A pause or stop request ends the wait, and so does
        ``job.gui_wait`` seconds (a GUI thread busy elsewhere does not hold the job).
        """
        control = self.control
        deadline = time.perf_counter() + self.job.gui_wait
        # Its report is drawn when the GUI takes it; other redraws come on timers.
        for done in (self._taken.wait, GUI_TURN.wait_idle):
            while not done(_GUI_POLL):
                if control.stop_requested or control.paused or time.perf_counter() >= deadline:
                    return

    def report_due(self, interval: float | None = None) -> bool:
        """True when the GUI has taken the last report and it is at least ``interval``
        (by default ``job.report_interval``) seconds old.

        Each report costs the GUI thread a turn of its event loop: a job that
        could report on every step reports only when this says so, and gathers
        its results meanwhile.
        """
        if not self._taken.is_set():
            return False
        wait = self.interval if interval is None else interval
        return time.perf_counter() - self._last_report >= wait

    def report(self, partial: Any) -> None:
        """Send a partial result (a frozen dataclass of copies) to the GUI now."""
        _require_frozen(partial)
        self._last_report = time.perf_counter()
        self._taken.clear()
        self._handle._sent_partial.emit(partial)

    def set_progress(self, done: int, total: int) -> None:
        """Say how far the job is; sent at most once per ``report_interval``, and at the end."""
        now = time.perf_counter()
        if done == total or now - self._last_progress >= self.interval:
            self._last_progress = now
            self._handle._sent_progress.emit(done, total)

    def _end(self, result: Any, error: str) -> None:
        # The last thing a job sends: its result, or what went wrong.
        self._handle._sent_end.emit(result, error)

    def _detach(self) -> None:
        """Forget the handle once the thread has ended (no reference cycle outlives the job)."""
        self.control.on_pause = None
        self._handle = None

    def _pausing(self) -> None:
        # Called in the job's thread as a pause takes hold: what the job gathered
        # is sent first, so that "paused" arrives after every step it took.
        gathered = self.job.flush()
        if gathered is not None:
            self.report(gathered)
        self._handle._sent_paused.emit()


def _drive(job: Job, state: JobState) -> Any:
    """Run ``job`` to its end in this thread and return its result."""
    if state.control.paused:  # started paused: held before its first step
        state.control.wait_while_paused()
    work = job.work(state)
    if not inspect.isgenerator(work):
        return work
    stopping = False
    while True:
        try:
            partial = work.throw(JobStopped()) if stopping else next(work)
        except StopIteration as end:
            return end.value
        except JobStopped:
            return None
        if stopping:  # asked to stop, it took another step: it ends here
            work.close()
            return None
        if partial is not None:
            state.report(partial)
        stopping = state.should_stop()


class _JobThread(QThread):
    """The thread of one job: runs it once, then ends (it has no event loop)."""

    def __init__(self, job: Job, state: JobState) -> None:
        super().__init__()
        self.setObjectName(job.name)
        self._job, self._state = job, state

    def run(self) -> None:
        """Drive the job; report its result or its error as the last thing it sends."""
        try:
            result = _drive(self._job, self._state)
            _require_frozen(result)
        except Exception as exc:  # reported to the GUI, never raised in this thread
            self._state._end(None, str(exc) or type(exc).__name__)
            return
        self._state._end(result, "")


class JobHandle(QObject):
    """One job as the GUI thread sees it: its reports, and the requests it takes.

    Signals (in the GUI thread, in the order the job sent them):
    ``progress(done, total)``, ``partial(result)``, ``paused()``, then one of
    ``finished(result)`` (None for a job stopped with nothing to hand back)
    or ``failed(message)``. By the time one of those two arrives, the job's
    thread has ended. A cancelled job sends nothing more.

    Connect right after :meth:`JobRunner.start`: reports are queued, so none
    arrives before the GUI thread goes back to its event loop.
    """

    progress = Signal(int, int)
    partial = Signal(object)
    paused = Signal()
    finished = Signal(object)
    failed = Signal(str)

    # Sent from the job's thread, received queued in this object's (the GUI) thread.
    _sent_progress = Signal(int, int)
    _sent_partial = Signal(object)
    _sent_paused = Signal()
    _sent_end = Signal(object, str)

    def __init__(self, job: Job, runner: JobRunner, paused: bool = False) -> None:
        super().__init__()  # no parent: the runner and its users keep it alive
        self.job = job
        self.control = job.make_control()
        if paused:
            self.control.pause()
        self._runner = runner
        self._cancelled = False
        self._state = JobState(job, self, self.control)
        self._thread = _JobThread(job, self._state)
        queued = Qt.ConnectionType.QueuedConnection
        self._sent_progress.connect(self._on_progress, queued)
        self._sent_partial.connect(self._on_partial, queued)
        self._sent_paused.connect(self._on_paused, queued)
        self._sent_end.connect(self._on_end, queued)

    # -- requests (from the GUI thread) ---------------------------------------------------

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called: the job's reports are dropped."""
        return self._cancelled

    def is_finished(self) -> bool:
        """True once the job's thread has ended."""
        return self._thread.isFinished()

    def pause(self) -> None:
        """Hold the job at its next step until :meth:`resume` (it keeps its state)."""
        self.control.pause()

    def resume(self) -> None:
        """Let a paused job go on."""
        self.control.resume()

    def request_stop(self) -> None:
        """Ask the job to end at its next step; it still reports what it hands back."""
        self.control.request_stop()

    def cancel(self, wait: bool = False) -> None:
        """Ask the job to end at its next step and drop everything it still sends.

        With ``wait``, return only once its thread has ended.
        """
        self._cancelled = True
        self.control.request_stop()
        if wait:
            self._join()

    def stop(self) -> None:
        """End the job now: ask it to stop, wait for its thread, and deliver every
        report it sent (its last partial results and its result) before returning."""
        self.control.request_stop()
        self._join()

    def _join(self) -> None:
        self._thread.wait()
        # The job's last reports are queued for this object: take them in now
        # (a cancelled job's are dropped, but its end still releases it).
        QCoreApplication.sendPostedEvents(self, 0)

    # -- reports (queued from the job's thread) ----------------------------------------------

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if not self._cancelled:
            self.progress.emit(done, total)

    @Slot(object)
    def _on_partial(self, partial: Any) -> None:
        try:
            if not self._cancelled:
                self.partial.emit(partial)
        finally:
            self._state._taken.set()  # handled: the job may send the next one
            self.job.taken()

    @Slot()
    def _on_paused(self) -> None:
        if not self._cancelled:
            self.paused.emit()

    @Slot(object, str)
    def _on_end(self, result: Any, error: str) -> None:
        self._thread.wait()  # the end is the last thing it sends: this is immediate
        self._state._detach()
        self._runner._release(self)
        if self._cancelled:
            return
        if error:
            self.failed.emit(error)
        else:
            self.finished.emit(result)


def _join_all(handles: list[JobHandle], *_destroyed: object) -> None:
    """Stop every job in ``handles`` and wait for their threads (a runner going away)."""
    for handle in handles:
        handle.control.request_stop()
    for handle in handles:
        handle._thread.wait()


class JobRunner(QObject):
    """Starts jobs on threads of their own and joins them: one for the whole application.

    :meth:`start` runs a job, optionally in a named *slot*: a new start in a
    slot cancels the job there (and waits for it), so a stale result never
    arrives. :meth:`shutdown` cancels and joins every job (the window calls it
    when it closes); a runner destroyed without it still joins its threads.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: list[JobHandle] = []  # started and not yet over
        self._slots: dict[Hashable, JobHandle] = {}
        self._retired: list[JobHandle] = []
        self.destroyed.connect(functools.partial(_join_all, self._jobs))

    def start(self, job: Job, slot: Hashable | None = None, paused: bool = False) -> JobHandle:
        """Run ``job`` on a new thread (held before its first step if ``paused``)."""
        if slot is not None:
            old = self._slots.pop(slot, None)
            if old is not None:
                old.cancel(wait=True)
        handle = JobHandle(job, self, paused)
        self._jobs.append(handle)
        if slot is not None:
            self._slots[slot] = handle
        handle._thread.start()
        return handle

    def active(self) -> list[JobHandle]:
        """The jobs whose threads have not been joined yet."""
        return list(self._jobs)

    def shutdown(self) -> None:
        """Cancel every job and wait for every thread to end."""
        jobs = list(self._jobs)
        for handle in jobs:  # all asked first, so that they stop side by side
            handle.cancel()
        for handle in jobs:
            handle.cancel(wait=True)

    def _release(self, handle: JobHandle) -> None:
        """Forget a job whose thread has ended (called from its own report)."""
        if handle in self._jobs:
            self._jobs.remove(handle)
        for slot, held in list(self._slots.items()):
            if held is handle:
                del self._slots[slot]
        # Called inside the handle's own slot: the last reference must not go
        # here (PySide would delete the object while Qt is delivering to it).
        self._retired.append(handle)
        if len(self._retired) == 1:
            QTimer.singleShot(0, self._retired.clear)
