"""Training in a process of its own, so that the window keeps its interpreter.

Python runs one thread's bytecode at a time (the GIL). Trained on a thread of
the window's process, a run shared the interpreter with the GUI thread: every
redraw held the training back, and training held every redraw. With every
panel on screen the window trained 2-8-8-1 spirals at 0.55–0.6 of the
engine's headless speed, and the digits network at 0.6, however the redraws
were paced. A process of its own has an interpreter to itself: the window and
the run each get a core.

The process (:func:`serve`) runs :class:`TrainingStream` exactly as the job
runner's thread does and sends the same reports; the window talks to it
through :class:`TrainingProcess` (one per window, started when first needed
and kept for every run after) and :class:`ForwardingControl` (the run's
:class:`TrainingControl` on the window's side: a request acts there at once and
goes on to the process, which takes it between epochs, while a paced run waits
and while a paused one holds).

Messages are tuples on one duplex pipe. To the process: ``("dataset",
n)`` followed by the dataset's pickle and its ``n`` arrays' bytes, ``("run", run, RunOrder)``, ``("cmd", run, name, value)`` and
``("quit",)``. From it: ``("update", run, TrainingUpdate)``, ``("paused",
run)``, then ``("end", run, TrainingUpdate | None)`` or ``("failed", run,
message)``. Every message names its run, so that a late command of a run
that ended is not taken by the next.

Nothing here imports Qt: the process starts from a fresh interpreter
("spawn"), importing only the engine.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from bpdesk.core.datasets import Dataset
from bpdesk.core.errors import BpdeskError
from bpdesk.core.network import Network
from bpdesk.core.trainer_state import TrainerState
from bpdesk.core.training import TrainConfig, TrainingControl
from bpdesk.core.training_stream import (
    EMIT_INTERVAL,
    JobStopped,
    TrainingStream,
    TrainingUpdate,
)

__all__ = ["ForwardingControl", "RunOrder", "TrainingProcess", "TrainingProcessGoneError", "serve"]

# How long the window waits for the process to end when it closes, before ending it.
QUIT_WAIT = 2.0
# How long a process held by a signal (SIGSTOP, or Ctrl+Z in a terminal without fg) may
# leave a stop unanswered before the window ends it: held, it reads nothing, and the window
# would wait for ever. A long epoch keeps the process running, so it is never ended for it.
HALT_WAIT = 2.0
# The process's niceness above the window's: where the CPU is short (a 2-core laptop with
# a browser busy beside), the window's input and drawing go first and training gets
# what is left. On a machine with a core to spare this changes nothing.
NICER = 10


class TrainingProcessGoneError(BpdeskError):
    """The training process ended while a run was going (killed, or out of memory)."""


@dataclass(frozen=True, eq=False)
class RunOrder:
    """A run as the window asks the process for it: what to train, from where, and the
    requests made before the process had it (``paused``, ``step``, ``stop``,
    queued ``settings``) and the pace."""

    network: Network
    config: TrainConfig
    start_epoch: int
    speed: float | None
    state: TrainerState | None = None
    paused: bool = False
    step: bool = False
    stop: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


# -- the process's side --------------------------------------------------------------------


class _PipeControl(TrainingControl):
    """The run's control inside the process: the window's requests arrive on the pipe.

    They are read between epochs (:meth:`poll`), while a paced run waits
    (:meth:`sleep`) and while a paused one holds (:meth:`wait_while_paused`),
    so that a pause or a stop takes effect as soon as the epoch in hand ends.
    """

    def __init__(self, conn: Connection, run: int, on_command: Callable[[str, Any], None]) -> None:
        super().__init__()
        self._conn = conn
        self._run = run
        self._on_command = on_command

    def poll(self, timeout: float | None = 0.0) -> None:
        """Take the requests waiting, waiting up to ``timeout`` seconds (None: for ever)
        for the first."""
        conn = self._conn
        if not conn.poll(timeout):
            return
        while True:
            message = conn.recv()
            if message[0] == "quit":
                raise SystemExit(0)
            if message[0] == "cmd" and message[1] == self._run:
                self._take(message[2], message[3])
            if not conn.poll():
                return

    def _take(self, name: str, value: Any) -> None:
        if name == "pause":
            self.pause()
        elif name == "resume":
            self.resume()
        elif name == "step":
            self.request_step()
        elif name == "stop":
            self.request_stop()
        elif name == "settings":
            self.change_settings(**value)
        else:
            self._on_command(name, value)

    def pending(self) -> bool:
        """Inside a long epoch: take the requests waiting, then say if a pause or a stop
        is among them."""
        self.poll()
        return super().pending()

    def sleep(self, seconds: float) -> None:
        """Wait up to ``seconds`` (pacing a slow run), waking for a pause or a stop."""
        deadline = time.perf_counter() + seconds
        while not self.stop_requested and not self.paused:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return
            self.poll(remaining)

    def wait_while_paused(self, poll: float = 0.05) -> None:
        """Hold while paused, taking requests as they come (a resume, a step, a stop)."""
        if self.on_pause is not None and self.paused:
            self.on_pause()
        while self.paused and not self.stop_requested:
            self.poll(None)


class _Run:
    """One run in the process: its stream, its control, and its reports to the window."""

    def __init__(
        self, conn: Connection, run: int, order: RunOrder, dataset: Dataset, epoch_now: Any
    ) -> None:
        self.conn, self.run = conn, run
        self.epoch_now = epoch_now  # shared with the window: the epoch just trained
        self.stream = TrainingStream(
            order.network, dataset, order.config, order.start_epoch, order.speed, order.state
        )
        self.control = _PipeControl(conn, run, self._command)
        self.control.on_pause = self._pausing
        if order.settings:
            self.control.change_settings(**order.settings)
        if order.paused:
            self.control.pause()
        if order.step:
            self.control.request_step()
        if order.stop:
            self.control.request_stop()
        self._taken = True  # the window has handled the last report
        self._last_report = time.perf_counter()

    def report_due(self, interval: float | None = None) -> bool:
        """True when the window took the last report and it is at least ``interval``
        seconds old (see :class:`bpdesk.core.training_stream.StreamState`)."""
        if not self._taken:
            return False
        wait = EMIT_INTERVAL if interval is None else interval
        return time.perf_counter() - self._last_report >= wait

    def _command(self, name: str, value: Any) -> None:
        if name == "taken":
            self._taken = True
        elif name == "speed":
            self.stream.speed = value

    def _send(self, update: TrainingUpdate) -> None:
        self._taken = False
        self._last_report = time.perf_counter()
        self.conn.send(("update", self.run, update))

    def _pausing(self) -> None:
        # What was gathered goes first, so that "paused" arrives after every epoch trained.
        gathered = self.stream.flush()
        if gathered is not None:
            self._send(gathered)
        self.conn.send(("paused", self.run))

    def drive(self) -> TrainingUpdate | None:
        """Run the stream to its end (as the job runner drives a generator job)."""
        work = self.stream.work(self)
        stopping = False
        while True:
            try:
                partial = work.throw(JobStopped()) if stopping else next(work)
            except StopIteration as end:
                result: TrainingUpdate | None = end.value
                return result
            if stopping:  # asked to stop, it took another step: it ends here
                work.close()
                return None
            self.epoch_now.value = self.stream.epoch
            if partial is not None:
                self._send(partial)
            self.control.poll()
            stopping = self.control.stop_requested


def serve(conn: Connection, epoch_now: Any) -> None:
    """The training process's body: take datasets and runs from ``conn`` until told to
    quit or the window goes away, writing each epoch as it ends into ``epoch_now`` (a
    shared integer the window reads)."""
    # Ctrl+C in the terminal is for the window, which ends this process as it closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # a platform without nice()
        os.nice(NICER)
    dataset: Dataset | None = None
    # A run that overflows says so in its report (diverged), not line by line on stderr.
    with np.errstate(all="ignore"):
        try:
            while True:
                message = conn.recv()
                kind = message[0]
                if kind == "quit":
                    return
                if kind == "dataset":
                    dataset = _receive_out_of_band(conn, message[1])
                elif kind == "run" and dataset is not None:
                    _serve_run(conn, message[1], message[2], dataset, epoch_now)
                # anything else is a late command of a run that has ended
        except (EOFError, OSError):
            return  # the window went away


def _serve_run(
    conn: Connection, run: int, order: RunOrder, dataset: Dataset, epoch_now: Any
) -> None:
    try:
        result = _Run(conn, run, order, dataset, epoch_now).drive()
    except (SystemExit, EOFError, OSError):
        raise
    except Exception as exc:  # reported to the window, which says what went wrong
        conn.send(("failed", run, str(exc) or type(exc).__name__))
        return
    conn.send(("end", run, result))


# -- big arrays, sent without a copy -----------------------------------------------------------


def _send_out_of_band(conn: Connection, kind: str, value: Any) -> None:
    """Send ``value`` as ``(kind, buffers)``, its pickle, then each of its arrays' memory as
    it lies: a dataset of 70,000 images is not copied into one more pickle first."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    conn.send((kind, len(buffers)))
    conn.send_bytes(data)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def _receive_out_of_band(conn: Connection, count: int) -> Any:
    """What :func:`_send_out_of_band` sent (its arrays, read-only, on the bytes received)."""
    data = conn.recv_bytes()
    return pickle.loads(data, buffers=[conn.recv_bytes() for _ in range(count)])


# -- the window's side ------------------------------------------------------------------------


class TrainingProcess:
    """The process one window trains in: started at its first run, kept for the next.

    :meth:`start_run` and :meth:`command` may be called from any thread (a lock
    keeps messages whole); :meth:`receive` from one thread at a time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None  # multiprocessing's process, once started
        self._conn: Connection | None = None
        self._dataset: Dataset | None = None  # the dataset the process holds
        self._runs = itertools.count(1)
        self._epoch_now: Any = None  # the process's epoch, shared
        self._abandoned = False  # ended by the window because it was held (see abandon)

    @property
    def epoch_now(self) -> int | None:
        """The epoch the process's run has just trained (read as it trains; None before
        the process starts)."""
        shared = self._epoch_now
        return None if shared is None else int(shared.value)

    @property
    def pid(self) -> int | None:
        """The process's id while it runs (None before it starts or after it ends)."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    @property
    def halted(self) -> bool:
        """True while the process is held by a signal (SIGSTOP): it reads nothing until
        it is continued. Known where ``/proc`` says (Linux); False elsewhere."""
        pid = self.pid
        if pid is None:
            return False
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                # "pid (name) state ...": the name may hold spaces and brackets.
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            return False
        return fields[:1] == [b"T"]

    def abandon(self) -> None:
        """End a process that cannot answer (see :attr:`halted`), from any thread: its
        run's relay hears that it has gone and says why."""
        process = self._process
        if process is not None:
            self._abandoned = True
            with contextlib.suppress(OSError, ValueError):
                process.kill()

    def start(self) -> None:
        """Start the process unless it runs (it imports the engine meanwhile, on its own)."""
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> Connection:
        if self._process is not None and self._process.is_alive() and self._conn is not None:
            return self._conn
        self._end_process()
        context = multiprocessing.get_context("spawn")  # not fork: the window has threads
        ours, theirs = context.Pipe(duplex=True)
        epoch_now = context.RawValue("q", 0)  # one aligned int64: read and written whole
        process = context.Process(
            target=serve, args=(theirs, epoch_now), name="bpdesk-training", daemon=True
        )
        process.start()
        theirs.close()  # the process holds its end: EOF here when it ends
        self._process, self._conn, self._dataset = process, ours, None
        self._epoch_now, self._abandoned = epoch_now, False
        return ours

    def send_dataset(self, dataset: Dataset) -> None:
        """Send ``dataset`` unless the process holds it already (70,000 images take a
        moment to cross: a run sends its dataset first, then :meth:`start_run`)."""
        with self._lock:
            conn = self._ensure_started()
            try:
                self._hand_over(conn, dataset)
            except OSError as exc:
                raise self._gone() from exc

    def _hand_over(self, conn: Connection, dataset: Dataset) -> None:
        if dataset is not self._dataset:
            _send_out_of_band(conn, "dataset", dataset)
            self._dataset = dataset

    def start_run(self, order: RunOrder, dataset: Dataset) -> int:
        """Send a run (and its dataset, unless the process holds it already); return its
        number, which its messages carry."""
        with self._lock:
            conn = self._ensure_started()
            try:
                self._hand_over(conn, dataset)
                run = next(self._runs)
                # The process is between runs: its epoch is the new run's from here.
                self._epoch_now.value = order.start_epoch
                conn.send(("run", run, order))
            except OSError as exc:
                raise self._gone() from exc
            return run

    def command(self, run: int, name: str, value: Any = None) -> None:
        """Pass a request on to ``run`` (dropped if the process has ended: the run's
        thread finds that out and says so)."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return
            with contextlib.suppress(OSError):
                conn.send(("cmd", run, name, value))

    def receive(self, timeout: float) -> tuple[Any, ...] | None:
        """The next message from the process, or None after ``timeout`` seconds.

        Raises :class:`TrainingProcessGoneError` if the process has ended.
        """
        conn = self._conn
        if conn is None:
            raise self._gone()
        try:
            if not conn.poll(timeout):
                return None
            message: tuple[Any, ...] = conn.recv()
        except (EOFError, OSError) as exc:
            raise self._gone() from exc
        return message

    def _gone(self) -> TrainingProcessGoneError:
        process = self._process
        if process is not None:
            process.join(0.5)
        code = None if process is None else process.exitcode
        how = (
            f"was held (SIGSTOP) and did not answer for {HALT_WAIT:g} s, so it was ended"
            if self._abandoned
            else f"was ended by signal {-code}"
            if code is not None and code < 0
            else f"ended with exit code {code}"
            if code is not None
            else "stopped answering"
        )
        return TrainingProcessGoneError(
            f"the training process {how}; what it trained until then is kept, and "
            "Train starts a new one"
        )

    def close(self) -> None:
        """End the process (the window is closing); a run in it is stopped first by its job."""
        with self._lock:
            conn = self._conn
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.send(("quit",))
            self._end_process()

    def _end_process(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = self._dataset = None
        if process is not None:
            process.join(QUIT_WAIT)
            if process.is_alive():
                process.kill()
                process.join()
        if conn is not None:
            conn.close()


class ForwardingControl(TrainingControl):
    """A run's control on the window's side: requests act here at once (what the window
    reads back) and go on to the run in the process once it has one (:meth:`attach`)."""

    def __init__(self, speed: float | None = None) -> None:
        super().__init__()
        self.speed = speed
        self._link: tuple[TrainingProcess, int] | None = None
        self._link_lock = threading.Lock()

    def attach(
        self, process: TrainingProcess, order: Callable[..., RunOrder], dataset: Dataset
    ) -> int:
        """Start the run in ``process``: ``order(paused=, step=, stop=, settings=, speed=)``
        makes its :class:`RunOrder` from the requests made so far; every request after
        goes on to it. Returns the run's number."""
        # The dataset goes first, outside the lock: a request made while it crosses acts
        # here at once (the order takes it), however long the process takes to read it.
        process.send_dataset(dataset)
        with self._link_lock:
            run = process.start_run(
                order(
                    paused=self.paused,
                    step=self._step,
                    stop=self.stop_requested,
                    settings=self.take_settings() or {},
                    speed=self.speed,
                ),
                dataset,
            )
            self._link = (process, run)
            return run

    def forward(self, name: str, value: Any = None) -> None:
        """Pass a request on to the run in the process, if it has started."""
        link = self._link
        if link is not None:
            link[0].command(link[1], name, value)

    def _act(self, name: str, value: Any, here: Callable[[], None]) -> None:
        with self._link_lock:
            here()
            self.forward(name, value)

    def pause(self) -> None:
        """Hold the run after its current epoch."""
        self._act("pause", None, super().pause)

    def resume(self) -> None:
        """Let a paused run go on."""
        self._act("resume", None, super().resume)

    def request_stop(self) -> None:
        """Ask the run to end after its current epoch."""
        self._act("stop", None, super().request_stop)

    def request_step(self) -> None:
        """Run exactly one more epoch, then pause."""
        self._act("step", None, super().request_step)

    def change_settings(self, **changes: Any) -> None:
        """New settings, taken by the run before its next epoch."""
        with self._link_lock:
            if self._link is None:
                super().change_settings(**changes)  # the order takes them
            else:
                self.forward("settings", changes)

    def set_speed(self, speed: float | None) -> None:
        """A new pace (epochs per second, None for as fast as possible)."""
        self._act("speed", speed, lambda: setattr(self, "speed", speed))
