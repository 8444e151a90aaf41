"""Training on the job runner: the job drives the engine, the controller the GUI side.

The run trains its own copy of the network in the training process
(:class:`RelayJob` on the job runner hands its reports on; see
:mod:`bpdesk.core.training_process` for why a process), or, where there is
none, on the runner's thread (:class:`TrainingJob`). Both run the same
:class:`bpdesk.core.training_stream.TrainingStream` and send copies back: a
run never touches a widget or the document. Up to 100 epochs a second it reports every
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

import os
from contextlib import nullcontext, suppress

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from bpdesk.core import BpdeskError, TrainConfig, Trainer
from bpdesk.core.training_process import TrainingProcess
from bpdesk.core.training_stream import EMIT_INTERVAL, TrainingStream, TrainingUpdate
from bpdesk.ui import editing
from bpdesk.ui.commands import TrainCommand
from bpdesk.ui.document import Document, TrainingPolicy
from bpdesk.ui.frames import PLOT
from bpdesk.ui.jobs import Job, JobHandle, JobRunner
from bpdesk.ui.pace import SPEEDS
from bpdesk.ui.training_relay import RelayJob

__all__ = ["SPEEDS", "TrainingController", "TrainingJob", "TrainingUpdate", "stop_message"]


def stop_message(stop: int) -> str:
    """What the learner is told when training reaches (or stands at) the stop."""
    return (
        f"Stopped at epoch {stop:,}, as Stop at epoch (Data and training) asks: empty it, "
        "or raise it, to train on"
    )


def trains_in_a_process() -> bool:
    """Whether the window trains in a process of its own (the default): the environment
    variable ``BPDESK_TRAINING=thread`` keeps runs on a thread of the window's process
    (where processes cannot be started, or to debug a run in one process)."""
    return os.environ.get("BPDESK_TRAINING", "process").strip().lower() != "thread"


class TrainingJob(TrainingStream, Job):
    """Runs :class:`bpdesk.core.Trainer` on a copy of the network, on the job runner's
    thread: a :class:`TrainingStream` whose every epoch is one step of the job."""

    name = "bpdesk-training"
    report_interval = EMIT_INTERVAL


class TrainingController(QObject):
    """The GUI side of training: start, pause, step, reset, speed, and clean shutdown."""

    stateChanged = Signal(str)  # "idle", "running" or "paused"
    speedChanged = Signal(object)
    diverged = Signal(str)  # the reason, for a message to the user
    redrawn = Signal()  # the network was refreshed from training (for measurements)
    stopped = Signal(int)  # the run reached the epoch the settings stop at

    def __init__(
        self,
        doc: Document,
        parent: QObject | None = None,
        *,
        jobs: JobRunner | None = None,
        in_process: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        # The application's job runner; a controller on its own has one of its own.
        self.jobs = jobs if jobs is not None else JobRunner(self)
        # Runs train in a process of their own (see bpdesk.core.training_process) unless
        # the caller or BPDESK_TRAINING=thread asks for the job runner's thread.
        if in_process is None:
            in_process = trains_in_a_process()
        self.process: TrainingProcess | None = TrainingProcess() if in_process else None
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
        """The engine's trainer the running job drives on the runner's thread (None when
        idle, or when the run is in the training process): to look at only."""
        training = self._training
        return training.trainer if isinstance(training, TrainingJob) else None

    @property
    def trained_epoch(self) -> int | None:
        """The epoch the running job has reached, as far as the GUI knows (None when idle)."""
        training = self._training
        return None if training is None else training.epoch

    @property
    def _training(self) -> TrainingJob | RelayJob | None:
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

    def warm_up(self) -> None:
        """Start the training process ahead of the first Train (its interpreter takes
        ~0.2 s to be ready), if the window trains in one."""
        # If it cannot start, Train tries again and says why it trains on a thread instead.
        if self.process is not None:
            with suppress(OSError, RuntimeError):
                self.process.start()

    def shutdown(self) -> None:
        """Stop the training job, join its thread and end the training process (closing
        the window)."""
        self._stop_worker()
        self._set_state("idle")
        if self.process is not None:
            self.process.close()

    # -- the job's life -------------------------------------------------------------------

    def _launch(self, paused: bool = False) -> bool:
        doc = self.doc
        config = doc.config  # its epochs, when set, are where the run stops
        if config.epochs is not None and doc.epoch >= config.epochs:
            doc.notify(stop_message(config.epochs))
            return False
        try:
            training = self._new_job(config)
        except BpdeskError as exc:
            doc.notify(f"Cannot train: {exc}")
            return False
        self._tell_what_starts_afresh(training)
        self._begin_segment()
        job = self.jobs.start(training, slot="training", paused=paused)
        job.partial.connect(self._on_progress)
        job.paused.connect(self._on_paused)
        job.finished.connect(self._on_finished)
        job.failed.connect(self._on_failed)
        self.job = job
        return True

    def _new_job(self, config: TrainConfig) -> TrainingJob | RelayJob:
        """The job of a run from the document's epoch: relayed from the training process,
        or on the runner's thread if there is none (or it cannot start)."""
        doc = self.doc
        start = (doc.network.copy(), doc.dataset, config, doc.epoch, self.speed, doc.trainer_state)
        process = self.process
        if process is not None:
            try:
                process.start()
            except (OSError, RuntimeError) as exc:  # no processes here: train on a thread
                self.process = None
                doc.notify(f"Training runs beside the window, not in a process of its own: {exc}")
            else:
                return RelayJob(process, *start)
        return TrainingJob(*start)

    def _tell_what_starts_afresh(self, training: TrainingJob | RelayJob) -> None:
        """Say once, as training goes on from an epoch, what of the run it cannot continue
        (the optimiser's memory, the mini-batch order) and why."""
        doc = self.doc
        epoch = doc.epoch
        if not epoch:
            return  # a new run: nothing to go on from
        if doc.trainer_state is not None:
            if training.notes:
                doc.notify(
                    f"Training goes on from epoch {epoch:,}, but {'; '.join(training.notes)}."
                )
            return
        config = training.config
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
        if isinstance(job.job, RelayJob):
            job.request_stop()
            job.job.wait_for_end()  # a process held by a signal is not waited for ever
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
