"""What a run leaves behind: loss per epoch, gradient norms, and parameter snapshots.

All are bounded: the loss and gradient records keep every recent epoch and a
thinned past, at most a million rows or so (:mod:`bpdesk.core.epoch_rows`; 40
bytes a row: XOR's loss record stays under 50 MB however long the run), and the
snapshots keep every epoch early on, then ever sparser ones, within a memory
budget. Each
snapshot names the architecture it belongs to, so that old weights are never
put into a network that computes something else with them.

These are the records; :mod:`bpdesk.core.run` puts them together into a run and
records training into it.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from bpdesk.core import bpnet, epoch_rows
from bpdesk.core.epoch_rows import EpochRows
from bpdesk.core.errors import FileFormatError
from bpdesk.core.loss_history import LossHistory
from bpdesk.core.trainer_state import TrainerState

if TYPE_CHECKING:
    from bpdesk.core.network import Network

FIELDS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
# A file's history stands for at most this many epochs in the window. The records are
# bounded however long the run (a thinned file is read as it is, never stretched to a
# row per epoch): this only refuses a file's claim of more epochs than any run makes
# (a trillion is two years at the window's full speed).
MAX_RECORD_EPOCHS = 10**12


class _EpochRecord:
    """What both records say of their rows (see :class:`~bpdesk.core.epoch_rows.EpochRows`)."""

    _rows: EpochRows

    def __len__(self) -> int:
        return self._rows.epochs

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return self._rows.epochs

    @property
    def kept(self) -> np.ndarray:
        """The epoch each row holds, ``(rows,)`` increasing (read-only view)."""
        return self._rows.kept

    @property
    def stride(self) -> int:
        """The thinned rows are the multiples of this (1: every epoch is kept)."""
        return self._rows.stride

    @property
    def folds(self) -> int:
        """How many times older rows were thinned (a view summing rows starts again)."""
        return self._rows.folds

    @property
    def nbytes(self) -> int:
        """The memory the record holds."""
        return self._rows.nbytes

    def rows_through(self, epoch: int) -> int:
        """How many rows hold epochs up to ``epoch``."""
        return self._rows.rows_through(epoch)

    def row_of(self, epoch: int, exact: bool = False) -> int:
        """The row that stands for ``epoch`` (see :meth:`EpochRows.row_of`); -1 if none."""
        return self._rows.row_of(epoch, exact)

    def kept_if_thinned(self) -> np.ndarray | None:
        """:attr:`kept`, or None when the rows are exactly epochs ``1 … epochs``."""
        return self._rows.kept_if_thinned()


class LossRecord(_EpochRecord):
    """Loss and accuracy per epoch in bounded memory (see :mod:`bpdesk.core.epoch_rows`);
    ``None`` is stored as NaN.

    Every recent epoch has a row; older ones are thinned in a long run. Row ``k``
    holds epoch :attr:`kept` ``[k]``: read an epoch with :meth:`row_of`. Views
    (``train_loss`` …, one value a row) are read-only and valid until the next change.
    """

    def __init__(self, capacity: int = 1024, limit: int | None = None) -> None:
        self._rows = EpochRows(len(FIELDS), capacity, limit)

    def train_loss_at(self, epoch: int) -> float | None:
        """The training loss of ``epoch`` if it has a row of its own (None if not)."""
        row = self.row_of(epoch, exact=True)
        return float(self.train_loss[row]) if row >= 0 else None

    def _view(self, row: int) -> np.ndarray:
        return self._rows.values()[row]

    @property
    def train_loss(self) -> np.ndarray:
        """Training loss per kept row."""
        return self._view(0)

    @property
    def test_loss(self) -> np.ndarray:
        """Test loss per kept row (NaN without a test set)."""
        return self._view(1)

    @property
    def train_accuracy(self) -> np.ndarray:
        """Training accuracy per kept row (NaN for regression)."""
        return self._view(2)

    @property
    def test_accuracy(self) -> np.ndarray:
        """Test accuracy per kept row (NaN when absent)."""
        return self._view(3)

    def extend(self, rows: np.ndarray, epochs: np.ndarray | None = None) -> None:
        """Append epochs: ``rows`` has shape ``(4, k)`` in the order of :data:`FIELDS`, for
        ``epochs`` (by default the next ``k``)."""
        self._rows.extend(rows, epochs)

    def view(self, stop: int | None = None) -> np.ndarray:
        """The rows of epochs ``1 … stop`` (all by default) as a read-only ``(4, k)``
        view, valid until the next change."""
        return self._rows.values(None if stop is None else self.rows_through(stop))

    def rows(self, start: int) -> np.ndarray:
        """A copy of the rows after epoch ``start`` as a ``(4, k)`` array."""
        return self._rows.after(start)[0]

    def after(self, start: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The rows after epoch ``start``, and the epochs they hold (None: every one)."""
        return self._rows.after(start)

    def truncate(self, epochs: int) -> None:
        """Forget everything after ``epochs`` (training went on from an earlier point)."""
        self._rows.truncate(epochs)

    def copy(self) -> LossRecord:
        """An independent copy."""
        other = LossRecord(self._rows.rows, self._rows.limit)
        other._rows.start_thinned(self.stride)
        other._rows.extend(self._rows.values(), self._rows.kept)
        other._rows.truncate(self.epochs)
        return other

    def to_history(
        self, points: int | None = None, gradient_norms: np.ndarray | None = None
    ) -> LossHistory:
        """The file format's history, thinned to at most ``points`` entries a list (by
        default what a file keeps, :data:`bpdesk.core.bpnet.HISTORY_POINTS`); a figure
        that is NaN or not finite becomes None. ``gradient_norms`` (``(epochs, layers)``)
        go with it, thinned alike."""
        return LossHistory.from_rows(
            self._rows.values(),
            points or bpnet.HISTORY_POINTS,
            gradient_norms,
            kept=self.kept_if_thinned(),
            epochs=self.epochs,
            stride=self.stride,
        )

    @classmethod
    def from_history(cls, history: LossHistory, limit: int | None = None) -> LossRecord:
        """From the file format's history (None becomes NaN). A history that fits the
        record's rows is stretched to every epoch (a thinned entry stands for each epoch
        it covers); a longer one is kept as its entries, thinned further if need be.
        Raises :class:`FileFormatError` beyond :data:`MAX_RECORD_EPOCHS`."""
        check_fits_record(history)
        limit = epoch_rows.LIMIT_ROWS if limit is None else limit
        record = cls(min(history.epochs, limit), limit)
        rows = record._rows
        if history.epochs <= limit:
            stretched = np.empty((len(FIELDS), history.epochs))
            history.per_epoch(out=stretched)
            rows.extend(stretched)
        else:
            rows.start_thinned(history.every)
            rows.extend(history.entries(), history.entry_epochs())
        return record


def check_fits_record(history: LossHistory) -> None:
    """Raise :class:`FileFormatError` on ``history.epochs`` if a record cannot hold it.

    The window checks a file with this before it opens it; ``bpdesk train``
    continues any run.
    """
    if history.epochs > MAX_RECORD_EPOCHS:
        raise FileFormatError(
            "history.epochs",
            f"a run of {history.epochs:,} epochs; the window shows at most "
            f"{MAX_RECORD_EPOCHS:,} (bpdesk train continues it from the command line)",
        )


class GradientRecord(_EpochRecord):
    """‖∂L/∂W‖ per weight layer per epoch, bounded as :class:`LossRecord` is (NaN where
    not measured). Row ``k`` holds epoch :attr:`kept` ``[k]``."""

    def __init__(self, n_layers: int, capacity: int = 1024, limit: int | None = None) -> None:
        self.n_layers = n_layers
        self._rows = EpochRows(n_layers, capacity, limit)

    @property
    def norms(self) -> np.ndarray:
        """``(rows, layers)`` read-only view."""
        return self._rows.values().T

    def extend(self, rows: np.ndarray, epochs: np.ndarray | None = None) -> None:
        """Append epochs: ``rows`` is ``(k, layers)``, for ``epochs`` (by default the next)."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.n_layers)
        self._rows.extend(rows.T, epochs)

    def rows(self, start: int) -> np.ndarray:
        """A copy of the rows after epoch ``start`` as a ``(k, layers)`` array."""
        return self._rows.after(start)[0].T.copy()

    def after(self, start: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The rows after epoch ``start`` ``(k, layers)``, and the epochs they hold (None:
        every one)."""
        values, kept = self._rows.after(start)
        return values.T.copy(), kept

    def pad_to(self, epochs: int) -> None:
        """Fill epochs up to ``epochs`` with NaN (trained without measuring)."""
        self._rows.fill_to(epochs)

    def truncate(self, epochs: int) -> None:
        """Forget everything after ``epochs``."""
        self._rows.truncate(epochs)

    @classmethod
    def from_history(
        cls, history: LossHistory, n_layers: int, limit: int | None = None
    ) -> GradientRecord | None:
        """The gradient norms a file kept, as :meth:`LossRecord.from_history` reads its
        losses (None when it kept none, or for another depth)."""
        if len(history.gradient_norms) != n_layers or not n_layers:
            return None
        limit = epoch_rows.LIMIT_ROWS if limit is None else limit
        record = cls(n_layers, min(history.epochs, limit), limit)
        if history.epochs <= limit:
            record.extend(history.gradient_norms_per_epoch())
        else:
            record._rows.start_thinned(history.every)
            norms = np.array(history.gradient_norms, dtype=np.float64)  # None becomes NaN
            record._rows.extend(norms, history.entry_epochs())
        return record


# Layer sizes, activations, loss and number type (see architecture_of).
Architecture = tuple[tuple[int, ...], tuple[str, ...], str, str]


class Snapshot(NamedTuple):
    """The parameters as they were after ``epoch``, and the architecture they belong to.

    ``architecture`` is :func:`architecture_of` the network (None when unknown):
    the same numbers in another architecture compute another function. The
    history and the run recorder pass snapshots on whole, never unpacked, so
    state kept per epoch beside the parameters is one more field here:
    ``trainer_state`` is the optimiser's memory and the shuffle after ``epoch``
    (None when not kept), so that training resumed from this snapshot continues
    the run rather than starting the optimiser afresh.
    """

    epoch: int
    parameters: np.ndarray
    architecture: Architecture | None = None
    trainer_state: TrainerState | None = None

    @property
    def nbytes(self) -> int:
        """The memory this snapshot holds (what a history's budget counts)."""
        state = 0 if self.trainer_state is None else self.trainer_state.nbytes
        return self.parameters.nbytes + state

    def frozen(self) -> Snapshot:
        """This snapshot, safe to share: itself if its arrays are read-only, else with
        read-only copies of them."""
        if not self.parameters.flags.writeable:
            return self
        return self._replace(parameters=frozen_copy(self.parameters))


def architecture_of(network: Network) -> Architecture:
    """What must match for parameters to mean the same function: layer sizes,
    activations, loss and number type."""
    return (
        tuple(network.layer_sizes),
        tuple(network.activations),
        network.loss,
        np.dtype(network.dtype).str,
    )


def describe_architecture(architecture: Architecture) -> str:
    """``2-2-1 sigmoid/sigmoid, mse``: an architecture in the learner's words."""
    sizes, activations, loss, _ = architecture
    return f"{'-'.join(map(str, sizes))} {'/'.join(activations)}, {loss}"


class ParameterHistory:
    """Parameter snapshots by epoch within ``budget`` bytes.

    When the budget is reached every other snapshot after the first ``keep``
    is dropped, so early training stays dense and a long run still rewinds
    to any point, to the nearest kept epoch. The first snapshot after an
    architecture change is never dropped: it is the only way back to that part
    of the run.
    """

    def __init__(self, budget: int = 64 * 2**20, keep: int = 200) -> None:
        self.budget = budget
        self.keep = keep
        self._epochs: list[int] = []
        self._entries: list[Snapshot] = []
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._epochs)

    @property
    def epochs(self) -> list[int]:
        """The epochs kept, in order."""
        return list(self._epochs)

    @property
    def nbytes(self) -> int:
        """Memory held by the snapshots."""
        return self._bytes

    def add(
        self, epoch: int, parameters: np.ndarray, architecture: Architecture | None = None
    ) -> None:
        """Keep a copy of ``parameters`` as they were after ``epoch`` (later epochs are dropped)."""
        self.add_snapshot(Snapshot(epoch, frozen_copy(parameters), architecture))

    def add_snapshot(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` itself (later epochs are dropped). Its arrays are shared, so
        they must be read-only copies (:func:`frozen_copy`); a writeable one is copied."""
        snapshot = snapshot.frozen()
        self.truncate(snapshot.epoch - 1)
        self._epochs.append(snapshot.epoch)
        self._entries.append(snapshot)
        self._bytes += snapshot.nbytes
        while self._bytes > self.budget and len(self._epochs) > self.keep + 1:
            if not self._thin():
                break

    def _thin(self) -> bool:
        entries = self._entries
        head, tail = entries[: self.keep], entries[self.keep : -1]
        kept: list[Snapshot] = []
        previous = head[-1].architecture if head else None
        for k, entry in enumerate(tail):
            if k % 2 == 0 or entry.architecture != previous:
                kept.append(entry)
            previous = entry.architecture
        if len(kept) == len(tail):
            return False  # nothing left to thin (every one starts an architecture)
        # Keep the newest snapshot whatever happens: it is where training stands.
        self._set(head + kept + [entries[-1]])
        return True

    def _set(self, entries: list[Snapshot]) -> None:
        self._entries = entries
        self._epochs = [e.epoch for e in entries]
        self._bytes = sum(e.nbytes for e in entries)

    def latest(self, epoch: int) -> Snapshot | None:
        """The latest snapshot at or before ``epoch`` (None if there is none)."""
        k = bisect.bisect_right(self._epochs, epoch) - 1
        return self._entries[k] if k >= 0 else None

    def nearest(self, epoch: int) -> tuple[int, np.ndarray] | None:
        """``(epoch, parameters)`` of the latest snapshot at or before ``epoch`` (or None)."""
        snapshot = self.latest(epoch)
        return None if snapshot is None else (snapshot.epoch, snapshot.parameters)

    def entries(self) -> tuple[Snapshot, ...]:
        """Every snapshot kept, oldest first (the arrays are read-only, not copied)."""
        return tuple(self._entries)

    def splice(self, keep: int, tail: tuple[Snapshot, ...]) -> None:
        """Keep the first ``keep`` snapshots and put ``tail`` after them (undo and redo)."""
        self._set(self._entries[:keep] + list(tail))

    def truncate(self, epoch: int) -> None:
        """Drop the snapshots after ``epoch``."""
        k = bisect.bisect_right(self._epochs, epoch)
        if k < len(self._epochs):
            self._set(self._entries[:k])

    def clear(self) -> None:
        """Forget every snapshot."""
        self._set([])


def frozen_copy(values: np.ndarray) -> np.ndarray:
    """A read-only copy of ``values``: what a snapshot holds, safe to share."""
    copy = np.array(values, copy=True)
    copy.flags.writeable = False
    return copy


def snapshot_stride(epoch: int, dense: int = 1000) -> int:
    """How often to take a snapshot around ``epoch``: every epoch up to ``dense``, then
    every 2, 4, 8, … so that a long run sends a bounded number of copies."""
    if epoch <= dense:
        return 1
    return 1 << int(np.log2(epoch / dense) + 1)
