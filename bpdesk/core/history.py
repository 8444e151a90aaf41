"""What a run leaves behind: loss per epoch, gradient norms, and parameter snapshots.

All are bounded: the loss record grows in a preallocated buffer that doubles
when full (32 bytes an epoch: a million epochs is a few tens of megabytes; a
saved history opens only up to :data:`MAX_RECORD_EPOCHS`), and the snapshots keep
every epoch early on, then ever sparser ones, within a memory budget. Each
snapshot names the architecture it belongs to, so that old weights are never
put into a network that computes something else with them.

These are the records; :mod:`bpdesk.core.run` puts them together into a run and
records training into it.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from bpdesk.core import bpnet
from bpdesk.core.errors import FileFormatError
from bpdesk.core.loss_history import LossHistory
from bpdesk.core.trainer_state import TrainerState

if TYPE_CHECKING:
    from bpdesk.core.network import Network

FIELDS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
# The record holds every epoch (32 bytes each): a file's history, kept thinned
# however long the run, is stretched back into it only up to here (3.2 GB), so that a
# small file cannot ask the window for any amount of memory. About half an hour of
# training at the window's full speed.
MAX_RECORD_EPOCHS = 100_000_000


class LossRecord:
    """Per-epoch figures in growable NumPy buffers; ``None`` is stored as NaN.

    Row ``k`` is epoch ``k + 1``. Views (``train_loss`` …) are read-only and
    valid until the next change.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.full((len(FIELDS), max(capacity, 16)), np.nan)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return self._n

    def _view(self, row: int) -> np.ndarray:
        view = self._data[row, : self._n]
        view.flags.writeable = False
        return view

    @property
    def train_loss(self) -> np.ndarray:
        """Training loss per epoch."""
        return self._view(0)

    @property
    def test_loss(self) -> np.ndarray:
        """Test loss per epoch (NaN without a test set)."""
        return self._view(1)

    @property
    def train_accuracy(self) -> np.ndarray:
        """Training accuracy per epoch (NaN for regression)."""
        return self._view(2)

    @property
    def test_accuracy(self) -> np.ndarray:
        """Test accuracy per epoch (NaN when absent)."""
        return self._view(3)

    def extend(self, rows: np.ndarray) -> None:
        """Append epochs: ``rows`` has shape ``(4, k)`` in the order of :data:`FIELDS`."""
        rows = np.asarray(rows, dtype=np.float64)
        k = rows.shape[1]
        if self._n + k > self._data.shape[1]:
            capacity = max(self._data.shape[1] * 2, self._n + k)
            # Empty, not filled: only rows below _n are ever read, and filling touched
            # every page of a buffer that reaches gigabytes in a long run.
            grown = np.empty((len(FIELDS), capacity))
            grown[:, : self._n] = self._data[:, : self._n]
            self._data = grown
        self._data[:, self._n : self._n + k] = rows
        self._n += k

    def view(self, stop: int | None = None) -> np.ndarray:
        """Epochs ``1 … stop`` (all by default) as a read-only ``(4, k)`` view, valid
        until the next change."""
        stop = self._n if stop is None else max(0, min(stop, self._n))
        view = self._data[:, :stop]
        view.flags.writeable = False
        return view

    def rows(self, start: int, stop: int | None = None) -> np.ndarray:
        """A copy of epochs ``start + 1 … stop`` as a ``(4, k)`` array (see :meth:`extend`)."""
        stop = self._n if stop is None else min(stop, self._n)
        return self._data[:, start:stop].copy()

    def truncate(self, epochs: int) -> None:
        """Forget everything after ``epochs`` (training went on from an earlier point)."""
        self._n = max(0, min(self._n, epochs))

    def copy(self) -> LossRecord:
        """An independent copy."""
        other = LossRecord(self._n)
        other.extend(self._data[:, : self._n])
        return other

    def to_history(
        self, points: int | None = None, gradient_norms: np.ndarray | None = None
    ) -> LossHistory:
        """The file format's history, thinned to at most ``points`` entries a list (by
        default what a file keeps, :data:`bpdesk.core.bpnet.HISTORY_POINTS`); a figure
        that is NaN or not finite becomes None. ``gradient_norms`` (``(epochs, layers)``)
        go with it, thinned alike."""
        return LossHistory.from_rows(
            self._view_all(), points or bpnet.HISTORY_POINTS, gradient_norms
        )

    def _view_all(self) -> np.ndarray:
        view = self._data[:, : self._n]
        view.flags.writeable = False
        return view

    @classmethod
    def from_history(cls, history: LossHistory) -> LossRecord:
        """From the file format's history (None becomes NaN; a thinned entry stands for
        each epoch it covers). Raises :class:`FileFormatError` beyond
        :data:`MAX_RECORD_EPOCHS` (see :func:`check_fits_record`)."""
        check_fits_record(history)
        record = cls(history.epochs)
        history.per_epoch(out=record._data)
        record._n = history.epochs
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


class GradientRecord:
    """‖∂L/∂W‖ per weight layer per epoch, in a growable buffer (NaN where not measured).

    Row ``k`` is epoch ``k + 1``, like :class:`LossRecord`.
    """

    def __init__(self, n_layers: int, capacity: int = 1024) -> None:
        self.n_layers = n_layers
        self._data = np.full((max(capacity, 16), n_layers), np.nan)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def norms(self) -> np.ndarray:
        """``(epochs, layers)`` read-only view."""
        view = self._data[: self._n]
        view.flags.writeable = False
        return view

    def extend(self, rows: np.ndarray) -> None:
        """Append epochs: ``rows`` is ``(k, layers)``."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.n_layers)
        k = len(rows)
        if self._n + k > len(self._data):
            grown = np.empty((max(2 * len(self._data), self._n + k), self.n_layers))
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n : self._n + k] = rows
        self._n += k

    def rows(self, start: int) -> np.ndarray:
        """A copy of epochs ``start + 1`` onwards as a ``(k, layers)`` array."""
        return self._data[start : self._n].copy()

    def pad_to(self, epochs: int) -> None:
        """Fill epochs up to ``epochs`` with NaN (trained without measuring)."""
        if epochs > self._n:
            self.extend(np.full((epochs - self._n, self.n_layers), np.nan))

    def truncate(self, epochs: int) -> None:
        """Forget everything after ``epochs``."""
        self._n = max(0, min(self._n, epochs))


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
