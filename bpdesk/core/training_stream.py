"""A run as a stream of reports: what training sends to whoever shows it.

:class:`TrainingStream` drives a :class:`Trainer` an epoch at a time and
gathers each epoch's figures, snapshots and settings into
:class:`TrainingUpdate` reports, sent when the receiver is ready for one (at
most ~25 a second when training is fast, every epoch when it is paced slowly
enough to watch). It knows nothing of threads or processes: the window runs it
on the job runner's thread (:mod:`bpdesk.ui.training`) or in a process of its
own (:mod:`bpdesk.core.training_process`), and both see the same reports.

What drives it passes a *state*: anything with a ``control``
(:class:`TrainingControl`, read between epochs) and ``report_due(interval)``,
which says whether the receiver took the last report and it is at least
``interval`` seconds old (``None``: the stream's own :data:`EMIT_INTERVAL`).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bpdesk.core.datasets import Dataset
from bpdesk.core.history import FIELDS, Snapshot, frozen_copy, snapshot_stride
from bpdesk.core.network import Network
from bpdesk.core.trainer_state import TrainerState
from bpdesk.core.training import TrainConfig, Trainer, TrainingControl

__all__ = [
    "CATCH_UP",
    "EMIT_INTERVAL",
    "EVERY_EPOCH_UP_TO",
    "JobStopped",
    "StreamState",
    "TrainingStream",
    "TrainingUpdate",
]

EMIT_INTERVAL = 1 / 25  # when gathering, at most this often (every report costs the GUI thread)
EVERY_EPOCH_UP_TO = 100  # epochs per second up to which every epoch is reported as it ends
CATCH_UP = 0.05  # seconds a paced run may fall behind its pace and make up (see work)


class JobStopped(BaseException):
    """Raised at a generator job's ``yield`` when the job was asked to stop.

    A ``BaseException``, like ``GeneratorExit``, so that a job's own
    ``except Exception`` does not swallow it. Catch it only to return what
    the job has so far.
    """


class StreamState(Protocol):
    """What a :class:`TrainingStream` needs of whatever drives it."""

    @property
    def control(self) -> TrainingControl:
        """The run's requests (stop, pause, step, new settings), read between epochs."""
        ...

    def report_due(self, interval: float | None = None) -> bool:
        """True when the last report was taken and is at least ``interval`` seconds old."""
        ...


@dataclass(frozen=True, eq=False)
class TrainingUpdate:
    """Epochs since the last report: their figures, the latest parameters, snapshots.

    ``rows`` is ``(4, k)`` in the order of :data:`bpdesk.core.history.FIELDS`
    (NaN where a figure does not exist). ``state`` is the trainer's state after
    ``epoch`` (what training goes on with from ``parameters``), and each
    snapshot carries its epoch's. ``configs`` holds ``(epoch, settings)`` for
    the settings in force from that epoch on, from ``first_epoch``: a change
    of learning rate is known to the epoch. Every array here is a copy.
    """

    first_epoch: int
    rows: np.ndarray
    parameters: np.ndarray
    epoch: int
    snapshots: tuple[Snapshot, ...] = ()
    diverged: bool = False
    reason: str = ""
    gradient_norms: np.ndarray | None = None  # (k, weight layers): ‖∂L/∂W‖ per epoch
    state: TrainerState | None = None
    configs: tuple[tuple[int, TrainConfig], ...] = ()


class TrainingStream:
    """Runs :class:`Trainer` on a network it owns and gathers its epochs into reports.

    ``speed`` (epochs per second, None for as fast as possible) is read between
    epochs: the receiver may change it any time. Given the trainer ``state`` of
    ``start_epoch``, the run goes on exactly; what it had to start afresh
    instead is in ``trainer.notes``.
    """

    def __init__(
        self,
        network: Network,
        dataset: Dataset,
        config: TrainConfig,
        start_epoch: int,
        speed: float | None,
        state: TrainerState | None = None,
    ) -> None:
        self.trainer = Trainer(
            network, dataset, config, start_epoch, track_gradients=True, state=state
        )
        self.speed = speed
        self._rows: list[tuple[float, float, float, float]] = []
        self._norms: list[np.ndarray] = []
        self._snapshots: list[Snapshot] = []
        self._configs: list[tuple[int, TrainConfig]] = []
        self._first = start_epoch + 1

    @property
    def epoch(self) -> int:
        """The last epoch trained."""
        return self.trainer.epoch

    @property
    def config(self) -> TrainConfig:
        """The settings the run trains with now."""
        return self.trainer.config

    @property
    def notes(self) -> tuple[str, ...]:
        """What the run could not continue from the state it was given, in words."""
        return self.trainer.notes

    def _update(self, diverged: bool = False, reason: str = "") -> TrainingUpdate:
        rows = np.array(self._rows, dtype=np.float64).reshape(-1, len(FIELDS)).T
        norms = np.array(self._norms).reshape(len(self._norms), -1) if self._norms else None
        # Inside a long epoch held by a pause, the parameters and state are the last
        # whole epoch's: a report never shows half an epoch.
        parameters, state = self.trainer.settled()
        update = TrainingUpdate(
            first_epoch=self._first,
            rows=rows,
            parameters=parameters,
            epoch=self.trainer.epoch,
            snapshots=tuple(self._snapshots),
            diverged=diverged,
            reason=reason,
            gradient_norms=norms,
            state=state,
            configs=tuple(self._configs),
        )
        self._first += len(self._rows)
        self._rows, self._snapshots, self._norms, self._configs = [], [], [], []
        return update

    def _note_settings(self, epoch: int) -> None:
        """Keep the settings ``epoch`` was trained with, if they are new to this report."""
        config = self.trainer.config
        if not self._configs or self._configs[-1][1] != config:
            self._configs.append((epoch, config))

    def flush(self) -> TrainingUpdate | None:
        """The epochs since the last report, sent as a pause takes hold."""
        return self._update() if self._rows else None

    def work(self, state: StreamState) -> Generator[TrainingUpdate | None, None, TrainingUpdate]:
        """Train until stopped, yielding a report when one is due (None between them).

        Each yield ends one epoch; whatever drives the stream checks for pause and
        stop there, and throws :class:`JobStopped` in to end it: what was trained
        is returned all the same.
        """
        control = state.control
        trainer = self.trainer
        next_slot = time.perf_counter()
        try:
            for snap in self.trainer.run(control):
                self._rows.append(
                    (
                        snap.train_loss,
                        np.nan if snap.test_loss is None else snap.test_loss,
                        np.nan if snap.train_accuracy is None else snap.train_accuracy,
                        np.nan if snap.test_accuracy is None else snap.test_accuracy,
                    )
                )
                if snap.diverged:
                    self._rows.pop()  # the epoch that blew up is not part of the history
                    return self._update(diverged=True, reason=snap.reason)
                if snap.gradient_norms is not None:
                    self._norms.append(snap.gradient_norms)
                epoch = snap.epoch
                self._note_settings(epoch)
                if epoch % snapshot_stride(epoch) == 0:
                    parameters = frozen_copy(trainer.network.parameters)
                    self._snapshots.append(Snapshot(epoch, parameters, None, trainer.state()))
                speed = self.speed
                now = time.perf_counter()
                each = speed is not None and speed <= EVERY_EPOCH_UP_TO
                # Slow enough, every epoch is shown as soon as the receiver has taken the
                # last one; faster, at most every report interval (gathered meanwhile).
                due = state.report_due(0.0 if each else None)
                yield self._update() if due else None
                if speed is not None and not control.paused:
                    # Pace the run; waking on a stop request keeps the GUI responsive.
                    # A loaded machine wakes the thread late: the next epochs make up
                    # for it, by at most CATCH_UP seconds' worth (no burst after a stall).
                    next_slot = max(next_slot + 1.0 / speed, now - CATCH_UP)
                    delay = next_slot - time.perf_counter()
                    if delay > 0:
                        control.sleep(delay)
        except JobStopped:
            pass  # asked to stop between epochs: what was trained still goes back
        return self._update()
