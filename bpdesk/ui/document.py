"""The document: the one object that owns the open network, its data and settings.

Views take the document in their constructor, connect to its signals and
redraw in ``_on_<event>`` handlers. Nothing but undo commands (see
:mod:`bpdesk.ui.commands`) and the document's own computations changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from bpdesk.core import BpnetDocument, Dataset, Network, TrainConfig, ViewState, xor
from bpdesk.core.history import (
    GradientRecord,
    HistoryChange,
    HistoryTail,
    LossRecord,
    ParameterHistory,
    RunHistory,
    Snapshot,
    architecture_of,
)
from bpdesk.core.network import Workspace, augment

Parameter = tuple[int, int | None, int]  # (weight layer, i or None for a bias, j)
MODES = ("forward", "backward")


@dataclass(frozen=True, eq=False)
class ForwardState:
    """Values of a forward pass for the selected rows, one array per layer.

    ``activations[0]`` is the input, ``activations[-1]`` the output; with
    several rows every array is their mean. ``loss`` is the loss on those rows
    and ``total_loss`` on the whole training set.
    """

    rows: tuple[int, ...]
    activations: tuple[np.ndarray, ...]
    zs: tuple[np.ndarray, ...]
    targets: np.ndarray
    loss: float
    total_loss: float
    version: int


@dataclass(frozen=True, eq=False)
class ArchivedRun:
    """A finished run's loss curve, kept faint for comparison, with what it used.

    ``label`` names the settings it was trained with; ``dataset`` and ``loss``
    say what its numbers measure (curves of other data are not comparable).
    """

    label: str
    train_loss: np.ndarray
    dataset: str = ""
    loss: str = ""


@dataclass(frozen=True)
class RunSettings:
    """The settings a run's label tells apart: learning rate, hidden activation, optimiser."""

    learning_rate: float
    activation: str
    optimizer: str


def describe_settings(trained_with: Sequence[RunSettings]) -> str:
    """``η 0.5 · sigmoid · sgd``; a setting changed during the run reads ``η 0.5→2``
    (first and last value, ``…`` between when it changed more than once)."""

    def values(field: str, form) -> str:
        seen = [getattr(s, field) for s in trained_with]
        changes = [v for k, v in enumerate(seen) if k == 0 or v != seen[k - 1]]
        shown = [form(v) for v in changes]
        if len(shown) > 2:
            shown = [shown[0], "…", shown[-1]]
        return "→".join(shown)

    return " · ".join(
        (
            "η " + values("learning_rate", lambda v: f"{v:g}"),
            values("activation", str),
            values("optimizer", str),
        )
    )


@dataclass(frozen=True, eq=False)
class SavedRun:
    """A run set aside when another one started (a reset, other data, another loss),
    held by the undo command that can bring it back."""

    history: RunHistory
    epoch: int
    archived: ArchivedRun | None


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


def _edit_summary(then: tuple | None, now: tuple) -> str:
    """`` (sigmoid/sigmoid → tanh/sigmoid)``: what differs between two architectures."""
    if then is None:
        return ""
    parts = []
    for k, form in ((0, lambda v: "-".join(map(str, v))), (1, "/".join), (2, str)):
        if then[k] != now[k]:
            parts.append(f"{form(then[k])} → {form(now[k])}")
    return f" ({'; '.join(parts)})" if parts else ""


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
    aboutToEdit = Signal(object)  # a command (or "undo"/"redo") is about to change the document

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
        self._run = RunHistory(self._network.n_layers)
        self._epoch = 0
        self._runs: list[ArchivedRun] = []
        # Where the current stretch of training began, for its undo command: the run
        # as it was then (see record_training), and the snapshot it starts from.
        self._stretch: tuple[int, HistoryTail] | None = None
        self._stretch_start: Snapshot | None = None
        self._mode = "forward"
        self._selected: Parameter | None = None
        # One real example, not the batch mean, so a new user sees real inputs
        # (XOR's (0, 1) → 1: both an active input and a silent one).
        self._sample: int | None = min(1, self._dataset.n_train - 1)
        self._version = 0
        self._forward: ForwardState | None = None
        self._backward: BackwardState | None = None
        self.edit_counter = 0  # seeds the randomness of edits, so that each is reproducible
        # True while a training run streams updates: views may then refresh less often.
        self.training_active = False
        self.run_forward()

    # -- reading ---------------------------------------------------------------

    @property
    def network(self) -> Network:
        """The current network. Treat as read-only: change it through commands."""
        return self._network

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
        return self._run.losses

    @property
    def gradient_history(self) -> GradientRecord:
        """‖∂L/∂W‖ per weight layer per epoch of training (NaN where not measured)."""
        return self._run.gradients

    @property
    def snapshots(self) -> ParameterHistory:
        """The current run's parameter snapshots, to rewind to."""
        return self._run.snapshots

    @property
    def epoch(self) -> int:
        """How many epochs the network has been trained for."""
        return self._epoch

    @property
    def runs(self) -> list[ArchivedRun]:
        """Earlier runs' loss curves, for comparison."""
        return list(self._runs)

    def run_settings(self) -> RunSettings:
        """The settings in force now, as a run's label tells them apart."""
        hidden = "/".join(dict.fromkeys(self._network.activations[:-1])) or "no hidden layer"
        return RunSettings(self._config.learning_rate, hidden, self._config.optimizer)

    def run_label(self) -> str:
        """What distinguishes the current run: the learning rate, activation and optimiser
        it was trained with (the settings now, before any training)."""
        trained_with = [settings for _, settings in self._run.trained_with]
        return describe_settings(trained_with or [self.run_settings()])

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
        state = self._forward if which == "forward" else self._backward
        return state is not None and state.version == self._version and state.rows == self.rows

    def parameter_value(self, parameter: Parameter) -> float:
        """The current value of a weight or bias."""
        return float(self._network.parameters[self.parameter_index(parameter)])

    def parameter_index(self, parameter: Parameter) -> int:
        """Where a weight or bias sits in ``network.parameters``."""
        layer, i, j = parameter
        if i is None:
            return self._network.bias_index(layer, j)
        return self._network.weight_index(layer, i, j)

    def rewind_target(self, epoch: int) -> tuple[Snapshot | None, str]:
        """The kept state to show for ``epoch`` (the latest snapshot at or before it),
        or None and, in the learner's words, why there is none."""
        snapshot = self.snapshots.latest(epoch)
        if snapshot is None:
            return None, f"No weights were kept from epoch {epoch:,} or earlier to go back to"
        then, now = snapshot.architecture, architecture_of(self._network)
        if then is None:  # kept without naming its network: the shape is all there is
            fits = snapshot.parameters.shape == self._network.parameters.shape
        else:
            fits = then == now
        if fits:
            return snapshot, ""
        return None, (
            f"Cannot go back to epoch {epoch:,}: the network was edited since"
            f"{_edit_summary(then, now)}; undo back past that edit to return to it"
        )

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
        if sample != self._sample:
            # Choosing another example is not an edit: the passes that were up to
            # date are recomputed for it at once.
            forward_fresh, backward_fresh = self.is_fresh("forward"), self.is_fresh("backward")
            self._sample = sample
            self.sampleChanged.emit()
            if backward_fresh:
                self.run_backward()
            elif forward_fresh:
                self.run_forward()
            else:
                self.computedChanged.emit()

    def notify(self, text: str) -> None:
        """Show the user a short notice (a refused edit, a limit)."""
        self.message.emit(text)

    # -- computations -----------------------------------------------------------

    def run_forward(self, emit: bool = True, total_loss: float | None = None) -> ForwardState:
        """Run the selected rows forward and keep the values (fresh until the next change).

        ``total_loss`` (the loss on the whole training set) may be given when it is
        already known, as training reports it for every epoch.
        """
        X, T = self.training_arrays()
        net = self._network
        with np.errstate(all="ignore"):
            # The network's own workspace for this batch size: no allocation per frame.
            ws = net.workspace(len(X))
            ws.forward(augment(X, net.dtype))
            loss = net.loss_function.value(ws.a[-1], T.T, ws.z[-1])
            total = total_loss
            if total is None:
                total = net.compute_loss(self._dataset.X_train, self._dataset.T_train)
        activations = [ws.a[0][:-1], *ws.h[1:]]  # feature-major: (n, batch)
        self._forward = ForwardState(
            rows=self.rows,
            activations=tuple(a.mean(axis=1) for a in activations),
            zs=tuple(z.mean(axis=1) for z in ws.z),
            targets=T.mean(axis=0),
            loss=float(loss),
            total_loss=float(total),
            version=self._version,
        )
        if emit:
            self.computedChanged.emit()
        return self._forward

    def run_backward(self, emit: bool = True) -> BackwardState:
        """Backpropagate the selected rows (running forward first if that is stale)."""
        if not self.is_fresh("forward"):
            self.run_forward(emit=False)
        X, T = self.training_arrays()
        net = self._network
        with np.errstate(all="ignore"):
            _, cache = net.forward(X)
            dW, db = net.backward(cache, T)
            loss = net.loss_function.value(cache.workspace.a[-1], T.T, cache.workspace.z[-1])
        n = len(X)
        gradient = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(dW, db)])
        self._backward = BackwardState(
            rows=self.rows,
            # Each sample's own δ, averaged: the δ of the batch-mean loss times n.
            deltas=tuple(d.sum(axis=0) / n for d in cache.deltas),
            weight_grads=tuple(dW),
            bias_grads=tuple(db),
            gradient=gradient,
            loss=float(loss),
            version=self._version,
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
        if network.n_layers != self._run.gradients.n_layers:
            # Per-layer gradients of another depth do not line up: start a new record
            # (undoing the edit puts the old one back, see restore_gradient_history).
            self._run.gradients = GradientRecord(network.n_layers)
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
        if record is not self._run.gradients and record.n_layers == self._network.n_layers:
            self._run.gradients = record
            self.historyChanged.emit()

    def _set_epoch(self, epoch: int) -> None:
        if epoch != self._epoch:
            self._epoch = epoch
            self.epochChanged.emit(epoch)

    def set_epoch(self, epoch: int) -> None:
        """Move the epoch counter (a rewind or a reset: the network is set separately)."""
        self._set_epoch(epoch)

    def start_run(self, again: SavedRun | None = None) -> SavedRun:
        """Keep the current loss curve as a faint, labelled earlier run (if it has any
        epochs) and start a fresh history at epoch 0; the network is left as it is.

        Returns the run set aside, for :meth:`restore_run` (undo). A redo passes what
        the first time returned as ``again``: the same archived run comes back (a
        "Clear runs" undone later restores that object, and must find no twin).
        """
        saved = SavedRun(self._run, self._epoch, None)
        if len(self._run.losses):
            if again is not None and again.archived is not None:
                run = again.archived
            else:
                run = ArchivedRun(
                    self.run_label(),
                    np.array(self._run.losses.train_loss),
                    self.dataset_label(),
                    self._network.loss,
                )
            saved = replace(saved, archived=run)
            self._runs.append(run)
            self.runsChanged.emit()
        self._run = RunHistory(self._network.n_layers)
        self._stretch = self._stretch_start = None
        self._set_epoch(0)
        self.historyChanged.emit()
        return saved

    def restore_run(self, saved: SavedRun) -> None:
        """Bring back a run :meth:`start_run` set aside, exactly as it was (undo)."""
        if saved.archived is not None:
            self.drop_run(saved.archived)
        self._run = saved.history
        if self._run.gradients.n_layers != self._network.n_layers:
            self._run.gradients = GradientRecord(self._network.n_layers)
        self._stretch = self._stretch_start = None
        self._set_epoch(saved.epoch)
        self.historyChanged.emit()

    def drop_run(self, run: ArchivedRun) -> None:
        """Forget an archived run (undoing a reset)."""
        if run in self._runs:
            self._runs.remove(run)
            self.runsChanged.emit()

    def clear_runs(self) -> None:
        """Forget every archived run (undoably: "Clear runs" is an edit like any other)."""
        if self._runs:
            from bpdesk.ui.commands import ClearRunsCommand

            self.push(ClearRunsCommand(self))

    def set_runs(self, runs: list[ArchivedRun]) -> None:
        """Replace the archived runs (called by undo commands)."""
        self._runs = list(runs)
        self.runsChanged.emit()

    # -- training (called by the training controller) ---------------------------

    def begin_training(self) -> None:
        """A stretch of training starts from the current epoch.

        The run is checkpointed for the stretch's undo command. Any later history
        (after a rewind) is only forgotten once the first new epoch comes in, so a
        stretch that trains nothing changes nothing.
        """
        self._stretch = (self._epoch, self._run.tail(self._epoch))
        self._stretch_start = Snapshot(
            self._epoch, self._network.parameters.copy(), architecture_of(self._network)
        )

    def _start_stretch(self, epoch: int) -> None:
        """Training goes on after ``epoch``: the history it replaces goes, and where it
        started is kept, so that a rewind can come back there exactly."""
        start, self._stretch_start = self._stretch_start, None
        if start is None or start.epoch != epoch:
            return
        if len(self._run.losses) > epoch or len(self._run.gradients) > epoch:
            self._run.truncate(epoch)
            self.historyChanged.emit()
        self._run.snapshots.add(*start)

    def append_training(
        self,
        first_epoch: int,
        rows: np.ndarray,
        snapshots,
        gradient_norms: np.ndarray | None = None,
    ) -> None:
        """Record epochs a worker trained: loss rows ``(4, k)``, parameter snapshots and,
        if measured, ``(k, layers)`` gradient norms."""
        run = self._run
        k = rows.shape[1]
        if k:
            self._start_stretch(first_epoch - 1)
            if first_epoch != len(run.losses) + 1:
                raise ValueError(f"expected epoch {len(run.losses) + 1}, got {first_epoch}")
            run.losses.extend(rows)
            run.gradients.pad_to(first_epoch - 1)
            if gradient_norms is not None and gradient_norms.shape == (k, run.gradients.n_layers):
                run.gradients.extend(gradient_norms)
            else:
                run.gradients.pad_to(first_epoch - 1 + k)
            run.note_settings(first_epoch, self.run_settings())
            self.historyExtended.emit(first_epoch, k)
        if snapshots:
            # The worker stops before every edit: what it sent is of this network.
            architecture = architecture_of(self._network)
            for epoch, params in snapshots:
                run.snapshots.add(epoch, params, architecture)

    def record_training(self, epoch_before: int, future: np.ndarray) -> HistoryChange:
        """What the stretch of training since ``epoch_before`` did to the run, for its undo
        command (``future``: the loss rows that followed ``epoch_before`` before it).

        The network as it stands is kept as a snapshot, so that a rewind comes back
        to exactly here.
        """
        run = self._run
        latest = run.snapshots.latest(self._epoch)
        if latest is None or latest.epoch != self._epoch:
            run.snapshots.add(self._epoch, self._network.parameters, architecture_of(self._network))
        if self._stretch is not None and self._stretch[0] == epoch_before:
            before = self._stretch[1]
        else:  # pragma: no cover - every stretch starts with begin_training or a commit
            kept = tuple(s for s in run.snapshots.entries() if s.epoch <= epoch_before)
            empty = np.empty((0, run.gradients.n_layers))
            before = HistoryTail(future, empty, kept, tuple(run.trained_with))
        change = run.change_since(epoch_before, before)
        # A paused run resumes without begin_training: its stretch starts here.
        self._stretch = (self._epoch, run.tail(self._epoch))
        self._stretch_start = None
        return change

    def apply_training(self, change: HistoryChange, after: bool, epoch: int) -> None:
        """Undo (``after=False``) or redo a stretch of training's effect on the history."""
        self._run.apply(change, change.after if after else change.before)
        self._stretch = self._stretch_start = None
        self._set_epoch(epoch)
        self.historyChanged.emit()

    def show_training_state(self, parameters: np.ndarray, epoch: int) -> None:
        """Put the worker's latest parameters into the network and refresh what is shown."""
        backward = self.is_fresh("backward") or self._mode == "backward"
        self._network.parameters[:] = parameters
        self._changed()
        self._set_epoch(epoch)
        # The training loss of this epoch is in the history: no need to recompute it.
        known = 0 < epoch <= len(self._run.losses)
        total = float(self._run.losses.train_loss[epoch - 1]) if known else None
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
        self._config = replace(content.training, epochs=None)
        self._run = RunHistory(self._network.n_layers, LossRecord.from_history(content.history))
        self._epoch = len(self._run.losses)
        self._run.snapshots.add(
            self._epoch, self._network.parameters, architecture_of(self._network)
        )
        if self._epoch:
            # The file's settings are the best account of how its history was made.
            self._run.note_settings(1, self.run_settings())
        self._stretch = self._stretch_start = None
        self._runs.clear()
        view = content.view
        self._mode = view.mode
        self._selected = view.selected
        self._sample = view.sample
        self._forward = self._backward = None
        self._changed()
        for signal in (
            self.networkChanged,
            self.datasetChanged,
            self.settingsChanged,
            self.historyChanged,
            self.runsChanged,
            self.selectionChanged,
            self.sampleChanged,
        ):
            signal.emit()
        self.modeChanged.emit(self._mode)
        self.epochChanged.emit(self._epoch)
        self.run_forward()
        if self._mode == "backward":
            self.run_backward()

    def to_bpnet(self) -> BpnetDocument:
        """Everything worth saving, as the file format's document."""
        record = self._run.losses.copy()
        record.truncate(self._epoch)  # after a rewind, the file holds the network's own past
        return BpnetDocument(
            network=self._network.copy(),
            dataset=self._dataset,
            training=self._config,
            history=record.to_history(),
            view=ViewState(self._mode, self._selected, self._sample),
        )

    # -- edits -------------------------------------------------------------------

    def prepare_edit(self, kind) -> None:
        """Before building a command of class ``kind`` from the document's state: let
        training stop and bring the network up to its last epoch first (an edit built
        from the frame on screen would drop the epochs trained since, or undo to
        a network that never existed). :meth:`push` does the same, but by then a
        command has already read the state it changes.
        """
        self.aboutToEdit.emit(kind)

    def push(self, command) -> None:
        """Do an edit as an undoable command (training pauses around it, see ``aboutToEdit``)."""
        self.aboutToEdit.emit(command)
        self.undo_stack.push(command)

    def undo(self) -> None:
        """Undo the last edit (training stops first)."""
        self.aboutToEdit.emit("undo")
        self.undo_stack.undo()

    def redo(self) -> None:
        """Redo the edit undone last (training stops first)."""
        self.aboutToEdit.emit("redo")
        self.undo_stack.redo()

    def next_edit_rng(self) -> np.random.Generator:
        """A generator for the new weights of one edit, reproducible from the network's seed."""
        self.edit_counter += 1
        return np.random.default_rng([self._network.seed, self.edit_counter])


def evaluate_rows(network: Network, X: np.ndarray) -> Workspace:
    """A forward pass over ``X`` in a fresh workspace (for panels that read every layer)."""
    xa = augment(X, network.dtype)
    ws = Workspace(network, xa.shape[1])
    ws.forward(xa)
    return ws
