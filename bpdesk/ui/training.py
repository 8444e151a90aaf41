"""Training on the job runner: the job drives the engine, the controller the GUI side.

The job (:class:`TrainingJob`, run by :mod:`bpdesk.ui.jobs` on a thread of
its own) trains its own copy of the network and sends copies back: it never
touches a widget or the document. Up to 100 epochs a second it reports every
epoch; faster it gathers the epochs and reports at most ~25 times a second,
each report carrying every epoch's figures since the last, so the history has
no gaps and the GUI never falls behind. The controller turns reports into
document changes, turns a paused or stopped stretch of training into one
undoable command, and stops the job before the document is edited,
restarting it afterwards.

A run is one run however often it stops. The job sends the trainer's state
(the optimiser's memory and the mini-batch shuffle, :class:`TrainerState`)
with its latest parameters and with every snapshot, so the document always
holds the state of the epoch it shows; pausing keeps the job and its trainer,
and a new job (after an edit, an undo, a rewind or opening a file) starts
from the state of the epoch it starts at. Where there is none, the optimiser
and the shuffle start afresh and the learner is told so once.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from bpdesk.core import BpdeskError, Dataset, Network, TrainConfig, Trainer
from bpdesk.core.history import FIELDS, Snapshot, frozen_copy, snapshot_stride
from bpdesk.core.trainer_state import TrainerState
from bpdesk.ui import editing
from bpdesk.ui.commands import TrainCommand
from bpdesk.ui.document import Document, TrainingPolicy
from bpdesk.ui.frames import PLOT
from bpdesk.ui.jobs import Job, JobHandle, JobRunner, JobStopped
from bpdesk.ui.pace import SPEEDS

__all__ = ["SPEEDS", "TrainingController", "TrainingJob", "TrainingUpdate", "stop_message"]

EMIT_INTERVAL = 1 / 25  # when gathering, at most this often (every report costs the GUI thread)
EVERY_EPOCH_UP_TO = 100  # epochs per second up to which every epoch is reported as it ends
CATCH_UP = 0.05  # seconds a paced run may fall behind its pace and make up (see work)


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


def stop_message(stop: int) -> str:
    """What the learner is told when training reaches (or stands at) the stop."""
    return (
        f"Stopped at epoch {stop:,}, as Stop at epoch (Data and training) asks: empty it, "
        "or raise it, to train on"
    )


class TrainingJob(Job):
    """Runs :class:`bpdesk.core.Trainer` on a copy of the network, on the job runner.

    Each epoch is one step of the job. ``speed`` (epochs per second, None for
    as fast as possible) is read between epochs: the GUI may change it any time.
    Given the trainer ``state`` of ``start_epoch``, the run goes on exactly;
    what it had to start afresh instead is in ``trainer.notes``.
    """

    name = "bpdesk-training"
    report_interval = EMIT_INTERVAL

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

    def _update(self, diverged: bool = False, reason: str = "") -> TrainingUpdate:
        rows = np.array(self._rows, dtype=np.float64).reshape(-1, len(FIELDS)).T
        norms = np.array(self._norms).reshape(len(self._norms), -1) if self._norms else None
        update = TrainingUpdate(
            first_epoch=self._first,
            rows=rows,
            parameters=self.trainer.network.parameters.copy(),
            epoch=self.trainer.epoch,
            snapshots=tuple(self._snapshots),
            diverged=diverged,
            reason=reason,
            gradient_norms=norms,
            state=self.trainer.state(),
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

    def work(self, state):
        """Train until stopped, yielding a report when one is due (a generator job)."""
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
                self._norms.append(snap.gradient_norms)
                epoch = snap.epoch
                self._note_settings(epoch)
                if epoch % snapshot_stride(epoch) == 0:
                    parameters = frozen_copy(trainer.network.parameters)
                    self._snapshots.append(Snapshot(epoch, parameters, None, trainer.state()))
                speed = self.speed
                now = time.perf_counter()
                each = speed is not None and speed <= EVERY_EPOCH_UP_TO
                # One epoch is one step: the runner checks for pause and stop after it.
                # Slow enough, every epoch is shown as soon as the GUI has taken the
                # last one; faster, at most every report_interval (gathered meanwhile).
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


class TrainingController(QObject):
    """The GUI side of training: start, pause, step, reset, speed, and clean shutdown."""

    stateChanged = Signal(str)  # "idle", "running" or "paused"
    speedChanged = Signal(object)
    diverged = Signal(str)  # the reason, for a message to the user
    redrawn = Signal()  # the network was refreshed from training (for measurements)
    stopped = Signal(int)  # the run reached the epoch the settings stop at

    def __init__(
        self, doc: Document, parent: QObject | None = None, *, jobs: JobRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        # The application's job runner; a controller on its own has one of its own.
        self.jobs = jobs if jobs is not None else JobRunner(self)
        self.state = "idle"
        self._held = False  # paused by hold(), to go on at release()
        self.job: JobHandle | None = None  # the training on the runner, while there is one
        self._latest: TrainingUpdate | None = None
        doc.aboutToEdit.connect(self._on_about_to_edit)
        doc.settingsChanged.connect(self._on_settings_changed)
        doc.pace.changed.connect(self._on_speed_changed)

    @property
    def speed(self) -> float | None:
        """Epochs per second (one of :data:`SPEEDS`), None for as fast as possible: the
        document's pace, saved with it."""
        return self.doc.pace.speed

    @property
    def engine(self) -> Trainer | None:
        """The engine's trainer the running job drives (None when idle): to look at only."""
        training = self._training
        return None if training is None else training.trainer

    @property
    def _training(self) -> TrainingJob | None:
        return None if self.job is None else self.job.job

    # -- commands from the user -------------------------------------------------------

    def toggle(self) -> None:
        """Space: start, pause or resume."""
        if self.state == "running":
            self.pause()
        else:
            self.start()

    def start(self) -> None:
        """Train (or resume a paused run)."""
        if self.state == "paused" and self.job is not None:
            self._begin_segment()
            self.job.resume()
            self._set_state("running")
            return
        if self.state == "running":
            return
        if not self._launch():
            return
        self._set_state("running")

    def pause(self) -> None:
        """Hold the run after the current epoch (the job keeps its state)."""
        if self.state == "running" and self.job is not None:
            self.job.pause()
            self._set_state("paused")

    def step(self) -> None:
        """Train exactly one epoch, then pause."""
        if self.state == "running":
            self.pause()
            return
        if self.job is None and not self._launch(paused=True):
            return
        self._begin_segment()
        self.job.control.request_step()
        self._set_state("paused")

    def hold(self) -> None:
        """Pause for a gesture that edits the network many times (a drag); see :meth:`release`.

        Without it every move of the drag would stop training, record it, and
        start it again: the undo stack would alternate "Train" and "Set weight".
        """
        if self.state == "running":
            self._held = True
            self.pause()

    def release(self) -> None:
        """End a :meth:`hold`: training that was running goes on."""
        if self._held:
            self._held = False
            self.start()

    def reset(self) -> None:
        """Stop, re-initialise the weights from the seed and start again at epoch 0 (undoable)."""
        editing.reinitialise(self.doc)

    def reset_to_start(self) -> None:
        """Stop and start a new run from the weights this run started from (undoable)."""
        editing.reset_to_start(self.doc)

    def reset_to_new_weights(self) -> None:
        """Stop and start a new run from new random weights, the next seed's (undoable)."""
        editing.reset_to_new_weights(self.doc)

    def set_speed(self, speed: float | None) -> None:
        """Epochs per second (one of :data:`SPEEDS`) or None for as fast as possible."""
        self.doc.pace.set(speed)

    def shutdown(self) -> None:
        """Stop the training job and join its thread (closing the window)."""
        self._stop_worker()
        self._set_state("idle")

    # -- the job's life -------------------------------------------------------------------

    def _launch(self, paused: bool = False) -> bool:
        doc = self.doc
        config = doc.config  # its epochs, when set, are where the run stops
        if config.epochs is not None and doc.epoch >= config.epochs:
            doc.notify(stop_message(config.epochs))
            return False
        state = doc.trainer_state
        try:
            training = TrainingJob(
                doc.network.copy(), doc.dataset, config, doc.epoch, self.speed, state
            )
        except BpdeskError as exc:
            doc.notify(f"Cannot train: {exc}")
            return False
        self._tell_what_starts_afresh(training.trainer)
        self._begin_segment()
        job = self.jobs.start(training, slot="training", paused=paused)
        job.partial.connect(self._on_progress)
        job.paused.connect(self._on_paused)
        job.finished.connect(self._on_finished)
        job.failed.connect(self._on_failed)
        self.job = job
        return True

    def _tell_what_starts_afresh(self, trainer: Trainer) -> None:
        """Say once, as training goes on from an epoch, what of the run it cannot continue
        (the optimiser's memory, the mini-batch order) and why."""
        doc = self.doc
        epoch = doc.epoch
        if not epoch:
            return  # a new run: nothing to go on from
        if doc.trainer_state is not None:
            if trainer.notes:
                doc.notify(
                    f"Training goes on from epoch {epoch:,}, but {'; '.join(trainer.notes)}."
                )
            return
        config = trainer.config
        lost = {"momentum": ["momentum's velocity"], "adam": ["Adam's moments"]}.get(
            config.optimizer, []
        )
        if 0 < config.batch_size < doc.dataset.n_train:
            lost.append("the mini-batch order")
        if lost:  # plain full-batch gradient descent carries nothing between epochs
            why = doc.trainer_state_missing or f"none was kept for epoch {epoch:,}"
            doc.notify(
                f"Training goes on from epoch {epoch:,}, but {' and '.join(lost)} "
                f"start{'' if len(lost) > 1 else 's'} afresh: {why}."
            )

    def _stop_worker(self) -> None:
        """Stop the job, wait for it, and take in everything it sent."""
        job = self.job
        if job is None:
            return
        job.stop()  # its last reports arrive here, before stop() returns
        self.job = None
        self._show_latest()
        self._commit()

    def _begin_segment(self) -> None:
        # The document records the stretch from here (one already begun goes on).
        self.doc.begin_training()

    def _commit(self) -> None:
        """Make the training since the stretch began one undoable command."""
        record = self.doc.finish_training()
        if record is not None:
            # Straight onto the stack: this records what already happened, it is not an edit.
            self.doc.undo_stack.push(TrainCommand(self.doc, record))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            with self.doc.frames.deferred():  # views redraw in turns after, not inside
                self.doc.training_active = state == "running"
                self.stateChanged.emit(state)

    # -- reports from the job -------------------------------------------------------------------

    @Slot(object)
    def _on_progress(self, update: TrainingUpdate) -> None:
        # Epochs after a stretch was recorded (a "paused" report that arrived after the
        # user resumed, or asked for another step, ended it) begin the next one.
        self._begin_segment()
        # The history takes every epoch at once; the network on screen follows at
        # most once a frame of the plots, however fast reports come.
        self.doc.append_training(
            update.first_epoch, update.rows, update.snapshots, update.gradient_norms, update.configs
        )
        self._latest = update
        frames = self.doc.frames
        # A report that comes after a pause (the epochs up to it) is shown on the
        # clock's timers: all the views it redraws would otherwise run in its turn.
        with nullcontext() if frames.live else frames.deferred():
            frames.request(self._show_latest, PLOT)

    def _show_latest(self) -> None:
        update, self._latest = self._latest, None
        if update is not None:
            self.doc.show_training_state(update.parameters, update.epoch, update.state)
            self.redrawn.emit()

    def _show_last(self) -> None:
        """Show the run's last report as it pauses or ends: its views redraw in turns."""
        with self.doc.frames.deferred():
            self._show_latest()

    @Slot()
    def _on_paused(self) -> None:
        self._show_last()
        self._commit()

    @Slot(object)
    def _on_finished(self, result: TrainingUpdate | None) -> None:
        if result is not None:
            self._on_progress(result)
            self._show_last()
            if result.diverged:
                self.job = None  # it ended on its own
                self._commit()
                self._set_state("idle")
                self.doc.notify(f"Training stopped: {result.reason}")
                self.diverged.emit(result.reason)
                return
        job = self.job
        if job is not None and not job.control.stop_requested:
            # It ended on its own: the run reached the epoch the settings stop at.
            self.job = None
            self._commit()
            self._set_state("idle")
            self.doc.notify(stop_message(self.doc.epoch))
            self.stopped.emit(self.doc.epoch)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        # The run failed on its own: keep what was trained (the last report may
        # still be waiting for its frame), and say what happened.
        self.job = None
        self._show_last()
        self._commit()
        self._set_state("idle")
        self.doc.notify(f"training failed: {message}")

    # -- edits while training -----------------------------------------------------------------

    def _on_about_to_edit(self, policy: TrainingPolicy) -> None:
        if policy is TrainingPolicy.CONTINUE:
            return
        if self.job is None:
            self._commit()
            return
        was_running = self.state == "running"
        self._stop_worker()
        self._set_state("idle")
        # The edit happens right after this signal; training resumes on the edited
        # network once it is done, if the edit says so.
        if was_running and policy is TrainingPolicy.RESUME:
            QTimer.singleShot(0, self.start)

    def _on_speed_changed(self, speed: float | None) -> None:
        training = self._training
        if training is not None:
            training.speed = speed
        self.speedChanged.emit(speed)

    def _on_settings_changed(self) -> None:
        if self.job is None:
            return
        c = self.doc.config
        self.job.control.change_settings(
            learning_rate=c.learning_rate,
            batch_size=c.batch_size,
            optimizer=c.optimizer,
            momentum=c.momentum,
            regularization=c.regularization,
            reg_rate=c.reg_rate,
            epochs=c.epochs,
        )
