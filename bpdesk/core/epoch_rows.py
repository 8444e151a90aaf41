"""Figures recorded per epoch in bounded memory: every recent epoch, a thinned past.

A window that trains XOR at full speed records some 14,000 epochs a second: a
row per epoch grew by a gigabyte in half an hour, and every doubling of the
buffer copied all of it in the GUI thread (seconds of a frozen window). An
:class:`EpochRows` keeps at most ``limit`` rows. When it is full it *folds*:
the rows older than the most recent ``limit // 4`` keep only the epochs that
are multiples of a stride (doubled as often as needed to fit half the rows),
and the recent ones move down. So the memory is bounded, no buffer grows past
``limit`` rows, a fold moves a fixed amount (tens of megabytes, milliseconds),
and the last ``limit // 4`` epochs at least are always exact.

Each row says which epoch it holds (:attr:`EpochRows.kept`): nothing may take
row ``k`` for epoch ``k + 1``. The thinned part holds every multiple of
:attr:`EpochRows.stride` (and the first epoch): a history a file keeps, thinned
by a multiple of the stride, takes exact figures from it.
"""

from __future__ import annotations

import numpy as np

# Rows kept at most (a fold happens when they are full): XOR's loss record is then
# 40 MB, and half a million epochs or more are exact.
LIMIT_ROWS = 1 << 20


class EpochRows:
    """``width`` figures for each kept epoch, in a ``(width, rows)`` buffer, with the
    epoch each row holds; thinned past ``limit`` rows (see the module docstring).

    ``epochs`` counts the epochs recorded; the last row is the last epoch except
    after :meth:`truncate` cut into the thinned part.
    """

    def __init__(self, width: int, capacity: int = 1024, limit: int | None = None) -> None:
        limit = LIMIT_ROWS if limit is None else limit
        if limit < 16:
            raise ValueError(f"limit must be at least 16 rows, got {limit}")
        self.width = width
        self.limit = limit
        size = min(max(capacity, 16), limit)
        self._values = np.full((width, size), np.nan)
        self._kept = np.zeros(size, dtype=np.int64)
        self._n = 0
        self._epochs = 0
        self._stride = 1
        self._folds = 0

    # -- reading ---------------------------------------------------------------------

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return self._epochs

    @property
    def rows(self) -> int:
        """Number of rows kept (fewer than :attr:`epochs` once thinned)."""
        return self._n

    @property
    def stride(self) -> int:
        """The thinned rows are the multiples of this (1: nothing thinned)."""
        return self._stride

    @property
    def folds(self) -> int:
        """How many times older rows were thinned (a view that sums rows starts again)."""
        return self._folds

    @property
    def nbytes(self) -> int:
        """The memory the buffers hold."""
        return int(self._values.nbytes + self._kept.nbytes)

    @property
    def kept(self) -> np.ndarray:
        """The epoch each row holds, ``(rows,)`` increasing, read-only (valid until the
        next change)."""
        view = self._kept[: self._n]
        view.flags.writeable = False
        return view

    def kept_if_thinned(self) -> np.ndarray | None:
        """:attr:`kept`, or None when the rows are exactly epochs ``1 … epochs``."""
        # Increasing whole epochs from 1 up: as many rows as epochs means every one.
        return None if self._n == self._epochs else self.kept

    def values(self, stop: int | None = None) -> np.ndarray:
        """Rows ``0 … stop`` (all by default), ``(width, rows)``, read-only."""
        stop = self._n if stop is None else max(0, min(stop, self._n))
        view = self._values[:, :stop]
        view.flags.writeable = False
        return view

    def rows_through(self, epoch: int) -> int:
        """How many rows hold epochs up to ``epoch``."""
        return int(np.searchsorted(self._kept[: self._n], epoch, side="right"))

    def row_of(self, epoch: int, exact: bool = False) -> int:
        """The row that stands for ``epoch``: its own, or in the thinned part the next one
        kept (as a thinned file's entry stands for the epochs up to it), the last row
        past the end. -1 when there are no rows, or with ``exact`` when ``epoch`` has no
        row of its own."""
        n = self._n
        if n == 0:
            return -1
        k = min(int(np.searchsorted(self._kept[:n], epoch, side="left")), n - 1)
        if exact and self._kept[k] != epoch:
            return -1
        return k

    def after(self, epoch: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Copies of the rows after ``epoch``: values ``(width, k)`` and the epochs they
        hold, None when those are ``epoch + 1 … epoch + k`` (the usual case)."""
        start = self.rows_through(epoch)
        values = self._values[:, start : self._n].copy()
        kept = self._kept[start : self._n]
        k = len(kept)
        if k == 0 or (kept[0] == epoch + 1 and kept[-1] == epoch + k):
            return values, None
        return values, kept.copy()

    # -- changing --------------------------------------------------------------------

    def extend(self, values: np.ndarray, epochs: np.ndarray | None = None) -> None:
        """Append rows ``(width, k)`` for ``epochs`` (increasing, after the last one
        recorded; by default the next ``k`` epochs)."""
        values = np.asarray(values, dtype=np.float64).reshape(self.width, -1)
        k = values.shape[1]
        if k == 0:
            return
        if epochs is None:
            epochs = np.arange(self._epochs + 1, self._epochs + 1 + k, dtype=np.int64)
        elif len(epochs) != k or epochs[0] <= self._epochs:
            raise ValueError(f"{k} rows from epoch {epochs[0]} after epoch {self._epochs}")
        done = 0
        while done < k:
            if self._n == self.limit:
                self._fold()
            take = min(self.limit - self._n, k - done)
            self._reserve(self._n + take)
            n = self._n
            self._values[:, n : n + take] = values[:, done : done + take]
            self._kept[n : n + take] = epochs[done : done + take]
            self._n += take
            done += take
        self._epochs = int(epochs[-1])

    def fill_to(self, epochs: int) -> None:
        """Record epochs up to ``epochs`` as NaN (nothing measured). A long stretch
        takes only the rows its thinning would keep, never one per epoch."""
        missing = epochs - self._epochs
        if missing <= 0:
            return
        wanted = np.arange(self._epochs + 1, epochs + 1, dtype=np.int64)
        recent = self.limit // 4
        if missing > recent:
            stride = self._stride
            while (missing - recent) // stride > self.limit // 4:
                stride *= 2
            old, new = wanted[:-recent], wanted[-recent:]
            wanted = np.concatenate([old[old % stride == 0], new])
            self._stride = stride
        self.extend(np.full((self.width, len(wanted)), np.nan), wanted)

    def truncate(self, epochs: int) -> None:
        """Forget everything after ``epochs``."""
        epochs = max(0, min(self._epochs, epochs))
        self._n = self.rows_through(epochs)
        self._epochs = epochs
        if self._n == 0:
            self._stride = 1

    def start_thinned(self, stride: int) -> None:
        """An empty record about to take rows every ``stride`` epochs (a thinned file)."""
        if self._n:
            raise ValueError("only an empty record starts thinned")
        self._stride = max(1, stride)

    def _reserve(self, rows: int) -> None:
        size = self._values.shape[1]
        if rows <= size:
            return
        size = max(2 * size, rows)
        if size > self.limit // 8:
            # Straight to the limit: the last doublings copied half a million rows at
            # once (a tenth of a second under load). Empty, not filled: its pages are
            # taken from the system only as rows are written (and only rows below _n
            # are ever read).
            size = self.limit
        values = np.empty((self.width, size))
        values[:, : self._n] = self._values[:, : self._n]
        kept = np.empty(size, dtype=np.int64)
        kept[: self._n] = self._kept[: self._n]
        self._values, self._kept = values, kept

    def _fold(self) -> None:
        """Thin the rows before the most recent quarter to half the rows at most."""
        n, recent = self._n, self.limit // 4
        split = n - recent
        older = self._kept[:split]
        stride = self._stride
        while True:
            # Strides are powers of two (unless a file's thinning set another): a mask
            # is five times quicker than a remainder.
            keep = (older & (stride - 1) if stride & (stride - 1) == 0 else older % stride) == 0
            keep[0] = True  # the first epoch: where the curve starts
            if np.count_nonzero(keep) <= self.limit // 2:
                break
            stride *= 2
        index = np.flatnonzero(keep)
        m = len(index)
        # np.take, not fancy indexing along the rows: ten times quicker here.
        self._values[:, :m] = np.take(self._values, index, axis=1)
        self._kept[:m] = self._kept[index]
        # Overlapping ranges: NumPy copies as if through a buffer.
        self._values[:, m : m + recent] = self._values[:, split:n]
        self._kept[m : m + recent] = self._kept[split:n]
        self._n = m + recent
        self._stride = stride
        self._folds += 1
