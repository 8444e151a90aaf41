"""What a run leaves behind: loss per epoch, and parameter snapshots to rewind to.

Both are bounded: the loss record grows in a preallocated buffer that doubles
when full (a million epochs is a few tens of megabytes), and the snapshots keep
every epoch early on, then ever sparser ones, within a memory budget.
"""

from __future__ import annotations

import bisect

import numpy as np

from bpdesk.core.bpnet import LossHistory

FIELDS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


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
            grown = np.full((len(FIELDS), capacity), np.nan)
            grown[:, : self._n] = self._data[:, : self._n]
            self._data = grown
        self._data[:, self._n : self._n + k] = rows
        self._n += k

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

    def to_history(self) -> LossHistory:
        """The file format's plain lists."""
        test = [None if np.isnan(v) else float(v) for v in self.test_loss]
        return LossHistory([float(v) for v in self.train_loss], test)

    @classmethod
    def from_history(cls, history: LossHistory) -> LossRecord:
        """From the file format's lists (accuracies are not stored in files)."""
        record = cls(len(history.train_loss))
        rows = np.full((len(FIELDS), len(history.train_loss)), np.nan)
        rows[0] = history.train_loss
        rows[1] = [np.nan if v is None else v for v in history.test_loss] or np.nan
        record.extend(rows)
        return record


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
            grown = np.full((max(2 * len(self._data), self._n + k), self.n_layers), np.nan)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n : self._n + k] = rows
        self._n += k

    def pad_to(self, epochs: int) -> None:
        """Fill epochs up to ``epochs`` with NaN (trained without measuring)."""
        if epochs > self._n:
            self.extend(np.full((epochs - self._n, self.n_layers), np.nan))

    def truncate(self, epochs: int) -> None:
        """Forget everything after ``epochs``."""
        self._n = max(0, min(self._n, epochs))


class ParameterHistory:
    """Parameter snapshots by epoch within ``budget`` bytes.

    When the budget is reached every other snapshot after the first ``keep``
    is dropped, so early training stays dense and a long run still rewinds
    to any point, to the nearest kept epoch.
    """

    def __init__(self, budget: int = 64 * 2**20, keep: int = 200) -> None:
        self.budget = budget
        self.keep = keep
        self._epochs: list[int] = []
        self._params: list[np.ndarray] = []
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

    def add(self, epoch: int, parameters: np.ndarray) -> None:
        """Keep a copy of ``parameters`` as they were after ``epoch`` (later epochs are dropped)."""
        self.truncate(epoch - 1)
        params = np.array(parameters, copy=True)
        params.flags.writeable = False
        self._epochs.append(epoch)
        self._params.append(params)
        self._bytes += params.nbytes
        while self._bytes > self.budget and len(self._epochs) > self.keep + 1:
            self._thin()

    def _thin(self) -> None:
        head_e, head_p = self._epochs[: self.keep], self._params[: self.keep]
        tail_e, tail_p = self._epochs[self.keep :], self._params[self.keep :]
        # Keep the newest snapshot whatever happens: it is where training stands.
        last_e, last_p = tail_e[-1], tail_p[-1]
        tail_e, tail_p = tail_e[:-1:2], tail_p[:-1:2]
        self._epochs = head_e + tail_e + [last_e]
        self._params = head_p + tail_p + [last_p]
        self._bytes = sum(p.nbytes for p in self._params)

    def nearest(self, epoch: int) -> tuple[int, np.ndarray] | None:
        """The latest snapshot at or before ``epoch`` (None if there is none)."""
        k = bisect.bisect_right(self._epochs, epoch) - 1
        if k < 0:
            return None
        return self._epochs[k], self._params[k]

    def truncate(self, epoch: int) -> None:
        """Drop the snapshots after ``epoch``."""
        k = bisect.bisect_right(self._epochs, epoch)
        if k < len(self._epochs):
            del self._epochs[k:]
            del self._params[k:]
            self._bytes = sum(p.nbytes for p in self._params)

    def clear(self) -> None:
        """Forget every snapshot."""
        self._epochs, self._params, self._bytes = [], [], 0


def snapshot_stride(epoch: int, dense: int = 1000) -> int:
    """How often to take a snapshot around ``epoch``: every epoch up to ``dense``, then
    every 2, 4, 8, … so that a long run sends a bounded number of copies."""
    if epoch <= dense:
        return 1
    return 1 << int(np.log2(epoch / dense) + 1)
