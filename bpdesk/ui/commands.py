"""Undo commands: every edit of the document is one of these, on the document's stack.

A command captures what it needs when it is built (building one changes
nothing), touches only the document, and does nothing at all when old and new
are equal. Views never change in a command: they follow the document's signals.
Every command class states its ``training_policy``: what becomes of training
that is running when the edit comes.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtGui import QUndoCommand

from bpdesk.core import Dataset, Network, TrainConfig
from bpdesk.core.history import GradientRecord
from bpdesk.core.network import Parameter
from bpdesk.core.run import SavedRun, TrainingRecord
from bpdesk.core.sweep_kept import KeptSweep
from bpdesk.core.trainer_state import TrainerState
from bpdesk.ui.document import Document, TrainingPolicy

MERGE_SET_PARAMETER = 1001


MERGE_SECONDS = 0.8  # edits of one weight closer together than this are one gesture


class SetParameterCommand(QUndoCommand):
    """Set one weight or bias. Quick successive changes of the same one merge: a drag
    is one undo step, while two drags (or a drag and a typed value) stay two."""

    training_policy = TrainingPolicy.RESUME

    def __init__(self, doc: Document, parameter: Parameter, value: float, text: str | None = None):
        super().__init__(text or _parameter_text(parameter))
        self.doc = doc
        self.parameter = parameter
        self.old = doc.parameter_value(parameter)
        self.new = float(value)
        self.when = time.monotonic()
        self.setObsolete(self.old == self.new)

    def redo(self) -> None:
        self.doc.set_parameter(self.parameter, self.new)

    def undo(self) -> None:
        self.doc.set_parameter(self.parameter, self.old)

    def id(self) -> int:
        return MERGE_SET_PARAMETER

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParameterCommand) or other.parameter != self.parameter:
            return False
        if other.when - self.when > MERGE_SECONDS:
            return False
        self.new, self.when = other.new, other.when
        self.setObsolete(self.old == self.new)
        return True


class SetParametersCommand(QUndoCommand):
    """Replace every parameter at once (apply gradients, a training run, a rewind)."""

    training_policy = TrainingPolicy.RESUME

    def __init__(self, doc: Document, values: np.ndarray, text: str, recompute: bool = True):
        super().__init__(text)
        self.doc = doc
        self.old = doc.network.parameters.copy()
        self.new = np.array(values, dtype=doc.network.dtype)
        self.recompute = recompute
        self.setObsolete(np.array_equal(self.old, self.new))

    def redo(self) -> None:
        self.doc.set_parameters(self.new, recompute=self.recompute)

    def undo(self) -> None:
        self.doc.set_parameters(self.old, recompute=self.recompute)


class ReplaceNetworkCommand(QUndoCommand):
    """Swap the whole network: every architecture edit. Undo restores the exact old arrays.

    Another loss measures something else: the run so far is then kept as a faint
    curve and a new one starts (undo brings the old run back). Other edits go on
    with the same run; its snapshots know their architecture, so a rewind never
    puts old weights into the edited network.
    """

    training_policy = TrainingPolicy.RESUME

    def __init__(self, doc: Document, network: Network, text: str):
        super().__init__(text)
        self.doc = doc
        self.old = doc.network.copy()
        self.new = network.copy()
        self.new_run = self.old.loss != self.new.loss
        self.old_state = trainer_state_of(doc)
        # What redo set aside: the old run, or its gradient record.
        self._saved: SavedRun | GradientRecord | None = None
        self._first: SavedRun | None = None  # what the first redo set aside (see start_run)

    def redo(self) -> None:
        doc = self.doc
        if self.new_run:
            self._first = self._saved = doc.start_run(self._first)
        else:
            self._saved = doc.gradient_history
        doc.replace_network(self.new.copy())
        # The optimiser's memory is of the old weights, in their old places (a moved
        # neuron's too): it does not carry over. Undo puts it back.
        doc.set_trainer_state(None, f"the network was edited since ({self.text()})")

    def undo(self) -> None:
        doc = self.doc
        doc.replace_network(self.old.copy())
        if self.new_run:
            doc.restore_run(self._saved)
        else:
            doc.restore_gradient_history(self._saved)
        doc.set_trainer_state(*self.old_state)


def same_problem(a: Dataset, b: Dataset) -> bool:
    """True when losses on ``a`` and ``b`` compare: the same named data of the same kind
    and shape, with the same input features (new points or a new seed keep the problem;
    another dataset, or other inputs, do not)."""
    return (a.title or a.name, a.kind, a.n_inputs, a.n_outputs, a.features) == (
        b.title or b.name,
        b.kind,
        b.n_inputs,
        b.n_outputs,
        b.features,
    )


class ReplaceDatasetCommand(QUndoCommand):
    """Swap the dataset, refitting the network's input and output layers when they change.

    Another problem (or another loss) starts a new run, as a reset does: the curve
    so far stays as a faint, labelled earlier run and undo brings it back.
    """

    training_policy = TrainingPolicy.RESUME

    def __init__(self, doc: Document, dataset: Dataset, network: Network | None, text: str):
        super().__init__(text)
        self.doc = doc
        self.old_dataset = doc.dataset
        self.new_dataset = dataset
        self.old_network = doc.network.copy() if network is not None else None
        self.new_network = network.copy() if network is not None else None
        self.new_run = not same_problem(self.old_dataset, dataset) or (
            network is not None and network.loss != doc.network.loss
        )
        self.old_state = trainer_state_of(doc)
        self._saved: SavedRun | None = None
        self._first: SavedRun | None = None  # what the first redo set aside (see start_run)

    def redo(self) -> None:
        if self.new_run:
            self._first = self._saved = self.doc.start_run(self._first)
        network = self.new_network.copy() if self.new_network is not None else None
        self.doc.replace_dataset(self.new_dataset, network)
        if network is not None:
            self.doc.set_trainer_state(None, "the network was refitted to the new data")

    def undo(self) -> None:
        network = self.old_network.copy() if self.old_network is not None else None
        self.doc.replace_dataset(self.old_dataset, network)
        if self._saved is not None:
            self.doc.restore_run(self._saved)
            self._saved = None
        self.doc.set_trainer_state(*self.old_state)


class SetConfigCommand(QUndoCommand):
    """Change training settings (learning rate, batch size, optimiser, …).

    Training goes on through it: the worker takes the new settings between epochs.
    """

    training_policy = TrainingPolicy.CONTINUE

    def __init__(self, doc: Document, config: TrainConfig, text: str = "Change training settings"):
        super().__init__(text)
        self.doc = doc
        self.old = doc.config
        self.new = config.validated()
        self.setObsolete(self.old == self.new)

    def redo(self) -> None:
        self.doc.replace_config(self.new)

    def undo(self) -> None:
        self.doc.replace_config(self.old)


class ClearRunsCommand(QUndoCommand):
    """Forget the faint curves of earlier runs; undo brings them back."""

    training_policy = TrainingPolicy.CONTINUE

    def __init__(self, doc: Document) -> None:
        super().__init__("Clear runs")
        self.doc = doc
        self.runs = doc.runs

    def redo(self) -> None:
        self.doc.set_runs([])

    def undo(self) -> None:
        self.doc.set_runs(self.runs)


def trainer_state_of(doc: Document) -> tuple[TrainerState | None, str]:
    """What training goes on with from the document's network, and why not when nothing:
    what a command that changes it keeps, to put back on undo (see
    :meth:`Document.set_trainer_state`)."""
    return doc.trainer_state, doc.trainer_state_missing


def _parameter_text(parameter: Parameter) -> str:
    layer, i, j = parameter
    if i is None:
        return f"Set bias b{layer + 1}[{j}]"
    return f"Set weight W{layer + 1}[{i},{j}]"


class TrainCommand(QUndoCommand):
    """A stretch of training, already done by the worker: undo puts the network and the
    run's history (losses, gradient norms, snapshots, settings) back exactly as they
    were before it; redo brings the trained state back, exactly too.

    Built from the :class:`~bpdesk.core.run.TrainingRecord` the document hands out
    when the stretch ends (:meth:`Document.finish_training`). It goes straight onto
    the stack, not through :meth:`Document.push`: it records what already happened.
    """

    # Never pushed as an edit; like undo and redo it lands on a recorded state.
    training_policy = TrainingPolicy.STAY_STOPPED

    def __init__(self, doc: Document, record: TrainingRecord) -> None:
        epochs = record.epochs
        super().__init__(f"Train {epochs:,} epoch{'s' if epochs != 1 else ''}")
        self.doc = doc
        self.record = record
        self._done = True  # push() calls redo(): the training has already happened

    @property
    def epoch_before(self) -> int:
        """The epoch the stretch started from (where undo puts the network)."""
        return self.record.start.epoch

    @property
    def epoch_after(self) -> int:
        """The epoch the stretch reached (where redo puts the network)."""
        return self.record.end.epoch

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.doc.apply_training(self.record, after=True)

    def undo(self) -> None:
        self.doc.apply_training(self.record, after=False)


class ResetCommand(QUndoCommand):
    """Re-initialise the weights from the seed and start again at epoch 0.

    The run so far is kept as a faint curve for comparison; undo takes the curve
    back and restores the run, snapshots and all, so rewinding works as before.
    ``start`` goes into the new run's label ("same start", "new weights").
    """

    training_policy = TrainingPolicy.STAY_STOPPED  # a fresh start: training waits for the user

    def __init__(
        self, doc: Document, network: Network, text: str = "Reset weights", start: str = ""
    ) -> None:
        super().__init__(text)
        self.doc = doc
        self.start = start
        self.old_network = doc.network.copy()
        self.new_network = network.copy()
        self.old_state = trainer_state_of(doc)
        self._saved: SavedRun | None = None
        self._first: SavedRun | None = None  # what the first redo set aside (see start_run)

    def redo(self) -> None:
        self._first = self._saved = self.doc.start_run(self._first, self.start)
        self.doc.replace_network(self.new_network.copy())
        self.doc.run_forward()

    def undo(self) -> None:
        self.doc.replace_network(self.old_network.copy())
        self.doc.restore_run(self._saved)
        self._saved = None
        self.doc.set_trainer_state(*self.old_state)
        self.doc.run_forward()


MERGE_REWIND = 1002


class RewindCommand(QUndoCommand):
    """Show the network as it was at an earlier epoch (the later history stays visible
    until training goes on from here). A drag of the history slider is one step.

    ``trainer_state`` is the state kept with that epoch's weights: training from
    there goes on as the run did then (None: the optimiser and shuffle start afresh).
    """

    # Looking back: training would overwrite what is looked at.
    training_policy = TrainingPolicy.STAY_STOPPED

    def __init__(
        self,
        doc: Document,
        epoch: int,
        parameters: np.ndarray,
        trainer_state: TrainerState | None = None,
    ) -> None:
        super().__init__(f"Rewind to epoch {epoch:,}")
        self.doc = doc
        self.old_params = doc.network.parameters.copy()
        self.old_epoch = doc.epoch
        self.old_state = trainer_state_of(doc)
        self.new_params = np.array(parameters, copy=True)
        self.new_epoch = epoch
        self.new_state = trainer_state
        self.setObsolete(
            epoch == self.old_epoch and np.array_equal(self.old_params, self.new_params)
        )

    def redo(self) -> None:
        self.doc.set_trainer_state(self.new_state)
        self.doc.set_epoch(self.new_epoch)
        self.doc.set_parameters(self.new_params, recompute=True)

    def undo(self) -> None:
        self.doc.set_trainer_state(*self.old_state)
        self.doc.set_epoch(self.old_epoch)
        self.doc.set_parameters(self.old_params, recompute=True)

    def id(self) -> int:
        return MERGE_REWIND

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, RewindCommand):
            return False
        self.new_params, self.new_epoch = other.new_params, other.new_epoch
        self.new_state = other.new_state
        self.setText(f"Rewind to epoch {self.new_epoch:,}")
        self.setObsolete(
            self.new_epoch == self.old_epoch and np.array_equal(self.old_params, self.new_params)
        )
        return True


class AddSweepCommand(QUndoCommand):
    """Keep a finished sweep with the network (at most ``limit``: the oldest goes);
    undo takes it away again. Training goes on through it, as through clearing runs."""

    training_policy = TrainingPolicy.CONTINUE

    def __init__(self, doc: Document, sweep: KeptSweep, limit: int) -> None:
        super().__init__(f"Sweep {sweep.n_networks:,} networks")
        self.doc = doc
        self.old = doc.sweeps
        self.new = (*self.old, sweep)[-limit:]

    def redo(self) -> None:
        self.doc.set_sweeps(self.new)

    def undo(self) -> None:
        self.doc.set_sweeps(self.old)


class LoadSweepRunCommand(ResetCommand):
    """Put network ``k`` of a sweep into the editor as it ended, as a fresh start: the
    run so far stays a faint curve, and undo brings the previous network and run back
    (a reset to the network the sweep trained)."""

    training_policy = TrainingPolicy.STAY_STOPPED  # a new start: training waits for the user

    def __init__(self, doc: Document, sweep: KeptSweep, k: int) -> None:
        super().__init__(doc, sweep.network(k))
        self.setText(f"Load sweep run ({sweep.run_name(k)})")
