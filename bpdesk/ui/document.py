"""The document: the one object that owns the open network, its data and settings.

Views take the document in their constructor, connect to its signals and
redraw in ``_on_<event>`` handlers. Nothing but undo commands (see
:mod:`bpdesk.ui.commands`) and the document's own computations changes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from bpdesk.core import BpnetDocument, Dataset, Network, TrainConfig, ViewState, xor
from bpdesk.core.bpnet import UNSET
from bpdesk.core.history import (
    GradientRecord,
    LossRecord,
    ParameterHistory,
    Snapshot,
    architecture_of,
    frozen_copy,
)
from bpdesk.core.network import Parameter
from bpdesk.core.run import (
    ArchivedRun,
    RunRecorder,
    RunSettings,
    SavedRun,
    TrainingRecord,
)
from bpdesk.core.sweep_kept import KeptSweep
from bpdesk.core.trainer_state import TrainerState
from bpdesk.ui.frames import FrameClock
from bpdesk.ui.outside_example import OutsideExample, OutsideExamples, refresh_passes
from bpdesk.ui.pace import DEFAULT_SPEED, Pace

MODES = ("forward", "backward")


class TrainingPolicy(Enum):
    """How an edit treats training that is running when it comes; every undo command
    states one as its class attribute ``training_policy``."""

    CONTINUE = "continue"  # training goes on through it (settings, clearing runs)
    RESUME = "resume"  # training stops, the edit happens, training resumes on the result
    # It lands somewhere else in history (undo, redo, a reset, a rewind): training
    # does not go on by surprise, the learner starts it again.
    STAY_STOPPED = "stay stopped"


@dataclass(frozen=True, eq=False)
class ForwardState:
    """Values of a forward pass for the selected rows, one array per layer.

    ``activations[0]`` is the input, ``activations[-1]`` the output; with
    several rows every array is their mean. ``loss`` is the loss on those rows
    and ``total_loss`` on the whole training set.
    """

    rows: tuple[int, ...]  # () for an example from outside the training set
    activations: tuple[np.ndarray, ...]
    zs: tuple[np.ndarray, ...]
    targets: np.ndarray
    loss: float
    total_loss: float
    version: int
    example: OutsideExample | None = None  # the outside example shown, if any


@dataclass(frozen=True, eq=False)
class BackwardState:
    """Values of a backward pass: ``δ = ∂L/∂z`` per neuron and ``∂L/∂W``, ``∂L/∂b`` per layer."""

    rows: tuple[int, ...]
    deltas: tuple[np.ndarray, ...]
    weight_grads: tuple[np.ndarray, ...]
    bias_grads: tuple[np.ndarray, ...]
    gradient: np.ndarray  # flat, laid out like Network.parameters
    loss: float
    version: int
    example: OutsideExample | None = None  # the outside example shown, if any


def explainer_network() -> Network:
    """The explainer's XOR network: 2-2-1, sigmoid, MSE, seeded."""
    return Network.create([2, 2, 1], activation="sigmoid", loss="mse", init="xavier", seed=1)


class Document(QObject):
    """Owns the network, dataset, settings, history and what the views show."""

    networkChanged = Signal()  # the architecture changed: views rebuild
    parametersChanged = Signal()  # weight values changed, same architecture
    datasetChanged = Signal()
    settingsChanged = Signal()
    historyChanged = Signal()
    selectionChanged = Signal()
    sampleChanged = Signal()
    modeChanged = Signal(str)
    computedChanged = Signal()  # forward/backward results, or their freshness, changed
    message = Signal(str)  # a short notice for the user (limits, refused edits)
    historyExtended = Signal(int, int)  # (first new epoch, how many) appended by training
    epochChanged = Signal(int)  # the epoch the network is at (training, reset, rewind)
    runsChanged = Signal()  # archived runs for comparison
    sweepsChanged = Signal()  # the sweeps kept with the network (see Document.sweeps)
    aboutToEdit = Signal(object)  # the TrainingPolicy of an edit about to change the document

    def __init__(
        self,
        network: Network | None = None,
        dataset: Dataset | None = None,
        config: TrainConfig | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._network = network or explainer_network()
        self._dataset = dataset or xor()
        self._config = config or TrainConfig(learning_rate=0.5, epochs=None)
        self._recorder = RunRecorder(self._network.n_layers)
        self._epoch = 0
        # How fast training runs (saved with the document, but not an edit).
        self.pace = Pace(self)
        # What training goes on with from the network as it stands (see trainer_state),
        # and, when there is none, why not in the learner's words ("" if unknown).
        self._trainer_state: TrainerState | None = None
        self.trainer_state_missing = ""
        self._mode = "forward"
        self._selected: Parameter | None = None
        # One real example, not the batch mean, so a new user sees real inputs
        # (XOR's (0, 1) → 1: both an active input and a silent one).
        self._sample: int | None = min(1, self._dataset.n_train - 1)
        self._version = 0
        self._forward: ForwardState | None = None
        self._backward: BackwardState | None = None
        self.edit_counter = 0  # seeds the randomness of edits, so that each is reproducible
        # Kept with the network (and its file), oldest first; changed through set_sweeps.
        self.sweeps: tuple[KeptSweep, ...] = ()
        # Paces the views' redraws; it knows whether training is live (training_active).
        self.frames = FrameClock(self)
        self.outside = OutsideExamples(self)  # a test image or a drawing shown instead of rows
        self.run_forward()

    # -- reading ---------------------------------------------------------------

    @property
    def network(self) -> Network:
        """The current network. Treat as read-only: change it through commands."""
        return self._network

    @property
    def training_active(self) -> bool:
        """True while a training run streams updates (the training controller says so):
        views then redraw at the pace of :attr:`frames` rather than at once."""
        return self.frames.live

    @training_active.setter
    def training_active(self, live: bool) -> None:
        self.frames.live = live

    @property
    def dataset(self) -> Dataset:
        """The current dataset."""
        return self._dataset

    @property
    def config(self) -> TrainConfig:
        """The training settings (learning rate, batch size, optimiser…)."""
        return self._config

    @property
    def history(self) -> LossRecord:
        """Loss and accuracy per epoch (may run past :attr:`epoch` after a rewind)."""
        return self._recorder.run.losses

    @property
    def gradient_history(self) -> GradientRecord:
        """‖∂L/∂W‖ per weight layer per epoch of training (NaN where not measured)."""
        return self._recorder.run.gradients

    @property
    def snapshots(self) -> ParameterHistory:
        """The current run's parameter snapshots, to rewind to."""
        return self._recorder.run.snapshots

    @property
    def epoch(self) -> int:
        """How many epochs the network has been trained for."""
        return self._epoch

    @property
    def runs(self) -> list[ArchivedRun]:
        """Earlier runs' loss curves, for comparison."""
        return self._recorder.runs

    @property
    def trainer_state(self) -> TrainerState | None:
        """What training goes on with from the network as it stands: the optimiser's
        memory and the mini-batch shuffle after :attr:`epoch` (None: both start afresh)."""
        state = self._trainer_state
        return state if state is not None and state.epoch == self._epoch else None

    @property
    def trained_with(self) -> tuple[tuple[int, RunSettings], ...]:
        """The current run's settings and the epoch each came into force (the history's)."""
        return tuple(self._recorder.run.trained_with)

    @property
    def recording_training(self) -> bool:
        """True while training since the last "Train" undo step is still being recorded
        (from :meth:`begin_training` to :meth:`finish_training`)."""
        return self._recorder.recording

    def run_settings(self, config: TrainConfig | None = None) -> RunSettings:
        """The settings in force now (or ``config``'s), as a run's label tells them apart."""
        config = config or self._config
        hidden = "/".join(dict.fromkeys(self._network.activations[:-1])) or "no hidden layer"
        return RunSettings(config.learning_rate, hidden, config.optimizer)

    def run_label(self) -> str:
        """What distinguishes the current run: the learning rate, activation and optimiser
        it was trained with (the settings now, before any training)."""
        return self._recorder.label(self.run_settings())

    def dataset_label(self) -> str:
        """The dataset's name as runs are labelled with it."""
        return self._dataset.title or self._dataset.name

    @property
    def mode(self) -> str:
        """``forward`` or ``backward``: what the editor shows."""
        return self._mode

    @property
    def selected(self) -> Parameter | None:
        """The selected weight or bias, or None."""
        return self._selected

    @property
    def sample(self) -> int | None:
        """The training example driving the views, or None for the batch mean."""
        return self._sample

    @property
    def rows(self) -> tuple[int, ...]:
        """The training rows the views use: the selected sample, or all of them."""
        if self._sample is None:
            return tuple(range(self._dataset.n_train))
        return (self._sample,)

    @property
    def version(self) -> int:
        """Grows by one on every change of parameters, architecture or data."""
        return self._version

    @property
    def forward_state(self) -> ForwardState | None:
        """The last forward pass (may be stale: see :meth:`is_fresh`)."""
        return self._forward

    @property
    def backward_state(self) -> BackwardState | None:
        """The last backward pass (may be stale: see :meth:`is_fresh`)."""
        return self._backward

    def is_fresh(self, which: str) -> bool:
        """True when the last ``forward``/``backward`` pass matches the current network and rows."""
        state, shown = self._forward if which == "forward" else self._backward, self.outside.example
        now = (self._version, self.rows if shown is None else (), shown)
        return state is not None and (state.version, state.rows, state.example) == now

    def parameter_value(self, parameter: Parameter) -> float:
        """The current value of a weight or bias."""
        return float(self._network.parameters[self.parameter_index(parameter)])

    def parameter_index(self, parameter: Parameter) -> int:
        """Where a weight or bias sits in ``network.parameters``."""
        return self._network.parameter_index(parameter)

    def rewind_target(self, epoch: int) -> tuple[Snapshot | None, str]:
        """The kept state to show for ``epoch`` (the latest snapshot at or before it),
        or None and, in the learner's words, why there is none."""
        net = self._network
        return self._recorder.rewind_target(epoch, architecture_of(net), net.parameters.shape)

    def training_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, T)`` of the rows the views use."""
        rows = list(self.rows)
        return self._dataset.X_train[rows], self._dataset.T_train[rows]

    # -- view state (not undoable: it changes what is shown, not the work) -----

    def set_mode(self, mode: str) -> None:
        """Show the forward or the backward view."""
        if mode not in MODES:
            raise ValueError(f"unknown view {mode!r}")
        if mode != self._mode:
            self._mode = mode
            self.modeChanged.emit(mode)

    def select(self, parameter: Parameter | None) -> None:
        """Select a weight or bias (None clears the selection)."""
        if parameter is not None:
            self.parameter_index(parameter)  # raises IndexError if it does not exist
        if parameter != self._selected:
            self._selected = parameter
            self.selectionChanged.emit()

    def set_sample(self, sample: int | None) -> None:
        """Drive the views with one training example, or the batch mean (None)."""
        if sample is not None and not 0 <= sample < self._dataset.n_train:
            raise IndexError(f"there is no training example {sample}")
        if sample != self._sample or self.outside.example is not None:
            # Not an edit: the passes that were up to date are recomputed for it at once.
            fresh = self.is_fresh("forward"), self.is_fresh("backward")
            self._sample = sample
            self.outside.forget()
            self.sampleChanged.emit()
            refresh_passes(self, *fresh)

    def notify(self, text: str) -> None:
        """Show the user a short notice (a refused edit, a limit)."""
        self.message.emit(text)

    # -- computations -----------------------------------------------------------

    def run_forward(self, emit: bool = True, total_loss: float | None = None) -> ForwardState:
        """Run the selected rows forward and keep the values (fresh until the next change).

        ``total_loss`` (the loss on the whole training set) may be given when it is
        already known, as training reports it for every epoch.
        """
        X, T = self.outside.arrays()  # the training rows, or an example from outside
        net, shown = self._network, self.outside.example
        with np.errstate(all="ignore"):
            result = net.evaluate(X, T)  # every layer as rows: (batch, n)
            total = total_loss
            if total is None:
                total = net.compute_loss(self._dataset.X_train, self._dataset.T_train)
        self._forward = ForwardState(
            rows=self.rows if shown is None else (),
            activations=tuple(a.mean(axis=0) for a in result.activations),
            zs=tuple(z.mean(axis=0) for z in result.zs),
            targets=T.mean(axis=0),
            loss=float(result.loss),
            total_loss=float(total),
            version=self._version,
            example=shown,
        )
        if emit:
            self.computedChanged.emit()
        return self._forward

    def run_backward(self, emit: bool = True) -> BackwardState:
        """Backpropagate the selected rows (running forward first if that is stale)."""
        if not self.is_fresh("forward"):
            self.run_forward(emit=False)
        (X, T), shown = self.outside.arrays(), self.outside.example
        with np.errstate(all="ignore"):
            result = self._network.backpropagate(X, T)
        n = len(X)
        self._backward = BackwardState(
            rows=self.rows if shown is None else (),
            # Each sample's own δ, averaged: the δ of the batch-mean loss times n.
            deltas=tuple(d.sum(axis=0) / n for d in result.deltas),
            weight_grads=result.weight_grads,
            bias_grads=result.bias_grads,
            gradient=result.gradient,
            loss=float(result.loss),
            version=self._version,
            example=shown,
        )
        if emit:
            self.computedChanged.emit()
        return self._backward

    def gradient_step_parameters(self) -> np.ndarray:
        """Parameters after one step ``w − η·∂L/∂w`` with the backward pass's gradients."""
        if not self.is_fresh("backward"):
            self.run_backward()
        lr = self._config.learning_rate
        return self._network.parameters - lr * self._backward.gradient

    # -- changes (called by undo commands) ----------------------------------------

    def _changed(self) -> None:
        self._version += 1

    def replace_network(self, network: Network) -> None:
        """Swap in a network (an architecture edit or undoing one)."""
        self._take_network(network)
        self._changed()
        self.networkChanged.emit()
        self.computedChanged.emit()

    def _take_network(self, network: Network) -> None:
        """Hold ``network`` instead, with what depends on its shape; no signal yet."""
        if network.layer_sizes != self._network.layer_sizes:
            # Values of another architecture cannot even be shown as stale.
            self._forward = self._backward = None
        # Per-layer gradients of another depth do not line up: a new record starts
        # (undoing the edit puts the old one back, see restore_gradient_history).
        self._recorder.fit_depth(network.n_layers)
        self._network = network
        self._drop_missing_selection()

    def _drop_missing_selection(self) -> None:
        if self._selected is not None:
            try:
                self.parameter_index(self._selected)
            except IndexError:
                self._selected = None
                self.selectionChanged.emit()

    def set_parameters(self, values: np.ndarray, recompute: bool = False) -> None:
        """Overwrite every parameter; ``recompute`` refreshes the forward pass straight away."""
        values = np.asarray(values)
        if values.shape != self._network.parameters.shape:
            raise ValueError("parameters do not match the network")
        if np.array_equal(values, self._network.parameters):
            return
        self._network.parameters[:] = values
        self._changed()
        self.parametersChanged.emit()
        if recompute:
            self.run_forward()
        else:
            self.computedChanged.emit()

    def set_parameter(self, parameter: Parameter, value: float) -> None:
        """Set one weight or bias."""
        index = self.parameter_index(parameter)
        if self._network.parameters[index] == value:
            return
        self._network.parameters[index] = value
        self._changed()
        self.parametersChanged.emit()
        self.computedChanged.emit()

    def replace_dataset(self, dataset: Dataset, network: Network | None = None) -> None:
        """Swap in a dataset, and with it a network that fits it (when the sizes change).

        Both change before any signal goes out: no view ever sees a network
        with the wrong number of inputs or outputs for the data.
        """
        if network is not None:
            self._take_network(network)
        self._dataset = dataset
        if self._sample is not None and self._sample >= dataset.n_train:
            self._sample = None
            self.sampleChanged.emit()
        self._changed()
        if network is not None:
            self.networkChanged.emit()
        self.datasetChanged.emit()
        self.computedChanged.emit()

    def replace_config(self, config: TrainConfig) -> None:
        """Swap in training settings."""
        config = config.validated()
        if config != self._config:
            self._config = config
            self.settingsChanged.emit()

    def set_learning_rate(self, value: float) -> None:
        """Convenience for :meth:`replace_config` with a new learning rate."""
        self.replace_config(replace(self._config, learning_rate=value))

    def restore_gradient_history(self, record: GradientRecord) -> None:
        """Put back the gradient record an architecture edit replaced (undoing it)."""
        if self._recorder.restore_gradients(record, self._network.n_layers):
            self.historyChanged.emit()

    def set_epoch(self, epoch: int) -> None:
        """Move the epoch counter (a rewind or a reset: the network is set separately)."""
        if epoch != self._epoch:
            self._epoch = epoch
            self.epochChanged.emit(epoch)

    def start_run(self, again: SavedRun | None = None, start: str = "") -> SavedRun:
        """Keep the current loss curve as a faint, labelled earlier run (if it has any
        epochs) and start a fresh history at epoch 0 (``start`` in its label says how);
        the network is left as it is. Returns the run set aside, for :meth:`restore_run`
        (undo); a redo passes that as ``again`` (see :meth:`RunRecorder.start_run`).
        """
        saved = self._recorder.start_run(
            self._epoch,
            self._network.n_layers,
            now=self.run_settings(),
            dataset=self.dataset_label(),
            loss=self._network.loss,
            again=again,
            start=start,
        )
        if saved.archived is not None:
            self.runsChanged.emit()
        self.set_trainer_state(None)  # a new run starts afresh (its undo puts it back)
        self.set_epoch(0)
        self.historyChanged.emit()
        return saved

    def restore_run(self, saved: SavedRun) -> None:
        """Bring back a run :meth:`start_run` set aside, exactly as it was (undo)."""
        if self._recorder.restore_run(saved, self._network.n_layers):
            self.runsChanged.emit()
        self.set_epoch(saved.epoch)
        self.historyChanged.emit()

    def set_runs(self, runs: list[ArchivedRun]) -> None:
        """Replace the archived runs (called by undo commands)."""
        self._recorder.set_runs(runs)
        self.runsChanged.emit()

    def set_sweeps(self, sweeps: tuple[KeptSweep, ...]) -> None:
        """Replace the kept sweeps (called by undo commands)."""
        self.sweeps = tuple(sweeps)
        self.sweepsChanged.emit()

    # -- training (called by the training controller) ---------------------------

    def _here(self) -> Snapshot:
        """The network as it stands, as a snapshot of its own (with its trainer state)."""
        net = self._network
        here = frozen_copy(net.parameters)
        return Snapshot(self._epoch, here, architecture_of(net), self.trainer_state)

    def set_trainer_state(self, state: TrainerState | None, why_none: str = "") -> None:
        """What training goes on with from here (see :attr:`trainer_state`); when that is
        None, ``why_none`` says why the optimiser and the shuffle start afresh."""
        self._trainer_state = state
        self.trainer_state_missing = "" if state is not None else why_none

    def begin_training(self) -> None:
        """A stretch of training starts (or resumes) from the current epoch; one already
        begun goes on. Any later history (after a rewind) is only forgotten once the
        first new epoch comes in, so a stretch that trains nothing changes nothing."""
        if not self._recorder.recording:
            self._recorder.begin(self._here())

    def append_training(
        self,
        first_epoch: int,
        rows: np.ndarray,
        snapshots: Iterable[Snapshot | tuple[int, np.ndarray]],
        gradient_norms: np.ndarray | None = None,
        configs: Sequence[tuple[int, TrainConfig]] = (),
    ) -> None:
        """Record epochs a worker trained: loss rows ``(4, k)``, snapshots (``(epoch,
        parameters)``, or a :class:`Snapshot` with its trainer state), ``(k, layers)``
        gradient norms if measured, and ``(epoch, settings)`` for the settings in force
        from that epoch on (from the first; without them, the settings now)."""
        # The worker stops before every edit: what it sent is of this network.
        architecture = architecture_of(self._network)
        kept = [Snapshot(*entry)._replace(architecture=architecture) for entry in snapshots]
        settings = [(epoch, self.run_settings(config)) for epoch, config in configs]
        first = settings[0][1] if settings else self.run_settings()
        if self._recorder.record(first_epoch, rows, kept, gradient_norms, first):
            self.historyChanged.emit()  # the history it replaces went
        for epoch, changed in settings[1:]:
            self._recorder.run.note_settings(epoch, changed)
        if rows.shape[1]:
            self.historyExtended.emit(first_epoch, rows.shape[1])

    def finish_training(self) -> TrainingRecord | None:
        """End the stretch of training where the network stands: what it did, for its
        undo command (:class:`TrainCommand`), or None if it changed nothing.

        The network as it stands is kept as a snapshot, so that a rewind comes back
        to exactly here.
        """
        return self._recorder.finish(self._here())

    def apply_training(self, record: TrainingRecord, after: bool) -> None:
        """Undo (``after=False``) or redo a stretch of training: the history, the epoch
        and the network as they were before or after it."""
        where = self._recorder.apply(record, after)
        self.set_trainer_state(where.trainer_state)
        self.set_epoch(where.epoch)
        self.historyChanged.emit()
        self.set_parameters(where.parameters, recompute=True)

    def show_training_state(
        self, parameters: np.ndarray, epoch: int, state: TrainerState | None = None
    ) -> None:
        """Put the worker's latest parameters (and the trainer ``state`` they go on with)
        into the network and refresh what is shown."""
        backward = self.is_fresh("backward") or self._mode == "backward"
        self._network.parameters[:] = parameters
        self.set_trainer_state(state)
        self._changed()
        self.set_epoch(epoch)
        # The training loss of this epoch is in the history: no need to recompute it.
        total = self._recorder.run.losses.train_loss_at(epoch)
        self.run_forward(emit=False, total_loss=total)
        if backward:
            self.run_backward(emit=False)
        self.parametersChanged.emit()
        self.computedChanged.emit()

    # -- whole documents ------------------------------------------------------------

    def load(self, content: BpnetDocument) -> None:
        """Replace everything with a file's content (a new document: undo history starts over)."""
        self.undo_stack.clear()
        self._network = content.network
        self._dataset = content.dataset or xor()
        self._config = content.training  # its epochs stop training (the epochs box)
        history = content.history
        losses = LossRecord.from_history(history)
        self._epoch = len(losses)
        self.set_trainer_state(*_saved_trainer_state(content, self._epoch))
        norms = GradientRecord.from_history(history, self._network.n_layers)
        self._recorder = RunRecorder.from_saved(
            self._network.n_layers, losses, self._here(), self.run_settings(), norms
        )
        self.sweeps = tuple(content.sweeps)
        view = content.view
        self._mode = view.mode
        self._selected = view.selected
        self._sample = view.sample
        self._forward = self._backward = None
        self.outside.forget()
        self._changed()
        for signal in (
            self.networkChanged,
            self.datasetChanged,
            self.settingsChanged,
            self.historyChanged,
            self.runsChanged,
            self.sweepsChanged,
            self.selectionChanged,
            self.sampleChanged,
        ):
            signal.emit()
        self.modeChanged.emit(self._mode)
        self.epochChanged.emit(self._epoch)
        # A file that does not say opens at the paced default; null is full speed.
        self.pace.set(DEFAULT_SPEED if content.speed is UNSET else content.speed)
        self.run_forward()
        if self._mode == "backward":
            self.run_backward()

    def to_bpnet(self, history_points: int | None = None) -> BpnetDocument:
        """Everything worth saving, as the file format's document: with the trainer state
        of the epoch the network is at, so that training it later goes on as one run,
        and its history thinned to ``history_points`` (by default what a file keeps)."""
        return BpnetDocument(
            network=self._network.copy(),
            dataset=self._dataset,
            training=self._config,
            history=self._recorder.saved_history(self._epoch, history_points),
            view=ViewState(self._mode, self._selected, self._sample),
            trainer_state=self.trainer_state,
            speed=self.pace.speed,
            sweeps=self.sweeps,
        )

    # -- edits -------------------------------------------------------------------

    def prepare_edit(self, kind: type[QUndoCommand]) -> None:
        """Before building a command of class ``kind`` from the document's state: let
        training stop and bring the network up to its last epoch first (an edit built
        from the frame on screen would drop the epochs trained since, or undo to
        a network that never existed). :meth:`push` does the same, but by then a
        command has already read the state it changes.
        """
        self.aboutToEdit.emit(kind.training_policy)

    def push(self, command: QUndoCommand) -> None:
        """Do an edit as an undoable command (training pauses around it as the command's
        ``training_policy`` says, see ``aboutToEdit``)."""
        self.aboutToEdit.emit(command.training_policy)
        self.undo_stack.push(command)

    def undo(self) -> None:
        """Undo the last edit (training stops first, and stays stopped)."""
        self.aboutToEdit.emit(TrainingPolicy.STAY_STOPPED)
        self.undo_stack.undo()

    def redo(self) -> None:
        """Redo the edit undone last (training stops first, and stays stopped)."""
        self.aboutToEdit.emit(TrainingPolicy.STAY_STOPPED)
        self.undo_stack.redo()

    def next_edit_rng(self) -> np.random.Generator:
        """A generator for the new weights of one edit, reproducible from the network's seed."""
        self.edit_counter += 1
        return np.random.default_rng([self._network.seed, self.edit_counter])


def _saved_trainer_state(content: BpnetDocument, epochs: int) -> tuple[TrainerState | None, str]:
    """The trainer state a file's run goes on with after its ``epochs``, or None and why."""
    state = content.trainer_state
    if state is None:
        return None, "this file does not keep them (older bpdesk files and very large ones do not)"
    if state.epoch != epochs:
        return None, (
            f"the file keeps them for epoch {state.epoch:,}, but its history ends at epoch "
            f"{epochs:,}"
        )
    return state, ""
