"""The job that relays a run trained in the training process (see
:mod:`bpdesk.core.training_process` for why a process of its own).

:class:`RelayJob` runs on the job runner like every job: the GUI pauses,
steps, stops and re-sets it through its handle's control, which passes each
request on to the process, and its reports arrive as every job's do. Its
thread only waits for the process's messages and hands them on, so it
takes the interpreter only for the moment of unpickling one.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bpdesk.core import Dataset, Network, TrainConfig
from bpdesk.core.trainer_state import TrainerState
from bpdesk.core.training import preflight
from bpdesk.core.training_process import (
    HALT_WAIT,
    ForwardingControl,
    RunOrder,
    TrainingProcess,
)
from bpdesk.core.training_stream import EMIT_INTERVAL, TrainingUpdate
from bpdesk.ui.jobs import Job, JobState

__all__ = ["RelayJob"]

# How long the relay waits for a message before looking again (a stop needs no look:
# the process answers it with the run's end).
_RECEIVE_WAIT = 0.25


class RelayJob(Job):
    """A training run in ``process``, as a job of the runner.

    Raises :class:`bpdesk.core.ConfigError` as building a trainer of these would;
    ``notes`` then says what the run cannot continue from ``state`` (see
    :class:`bpdesk.core.Trainer`).
    """

    name = "bpdesk-training-relay"
    report_interval = EMIT_INTERVAL

    def __init__(
        self,
        process: TrainingProcess,
        network: Network,
        dataset: Dataset,
        config: TrainConfig,
        start_epoch: int,
        speed: float | None,
        state: TrainerState | None = None,
    ) -> None:
        self.notes = preflight(network, dataset, config, start_epoch, state)
        self.config = config.validated()
        self.process = process
        self.dataset = dataset
        self._order = (network, config, start_epoch, state)
        self._control = ForwardingControl(speed)
        self._reported = start_epoch  # the last epoch the process reported
        self._started = False  # the process has this run (its epoch is this run's)
        self._ended = threading.Event()  # work() has returned (or raised)

    @property
    def epoch(self) -> int:
        """The epoch the run has reached: as the process trains it, once it has begun."""
        now = self.process.epoch_now if self._started else None
        return self._reported if now is None else now

    def make_control(self) -> ForwardingControl:
        """The run's control: requests act on the window's side and go to the process."""
        return self._control

    @property
    def speed(self) -> float | None:
        """The run's pace (epochs per second, None for as fast as possible)."""
        return self._control.speed

    @speed.setter
    def speed(self, speed: float | None) -> None:
        self._control.set_speed(speed)

    def taken(self) -> None:
        """The GUI has handled a report: the process may send the next."""
        self._control.forward("taken")

    def _order_of(self, **requests: Any) -> RunOrder:
        network, config, start_epoch, state = self._order
        return RunOrder(network, config, start_epoch, state=state, **requests)

    def wait_for_end(self) -> None:
        """Wait, a stop having been asked, until the run has ended (in the GUI thread,
        before it joins the job's thread).

        A process held by a signal (SIGSTOP) would never answer: held for
        :data:`HALT_WAIT` seconds of the wait, it is ended, and the run fails
        as a killed one does. One that is busy with a long epoch is waited for.
        """
        held_since: float | None = None
        while not self._ended.wait(_RECEIVE_WAIT):
            if not self.process.halted:
                held_since = None
            elif held_since is None:
                held_since = time.monotonic()
            elif time.monotonic() - held_since >= HALT_WAIT:
                self.process.abandon()

    def work(self, state: JobState) -> TrainingUpdate | None:
        """Start the run in the process and hand its messages on until it ends."""
        try:
            return self._relay(state)
        finally:
            self._ended.set()

    def _relay(self, state: JobState) -> TrainingUpdate | None:
        control = self._control
        run = control.attach(self.process, self._order_of, self.dataset)
        self._started = True
        while True:
            message = self.process.receive(_RECEIVE_WAIT)
            if message is None or message[1] != run:
                continue
            kind = message[0]
            if kind == "update":
                update: TrainingUpdate = message[2]
                for snapshot in update.snapshots:  # read-only, as a snapshot kept here is
                    snapshot.parameters.flags.writeable = False
                self._reported = update.epoch
                state.report(update)
            elif kind == "paused":
                control.take_step()  # a step pauses here too, as it did there
                if control.on_pause is not None:
                    control.on_pause()  # "paused" goes to the GUI after every report
            elif kind == "end":
                result: TrainingUpdate | None = message[2]
                if result is not None:
                    self._reported = result.epoch
                return result
            elif kind == "failed":
                raise RuntimeError(message[2])
