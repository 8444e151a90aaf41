"""A run's loss and accuracy as a file keeps them: one entry per epoch, or thinned.

Four lists: ``train_loss``, ``test_loss``, ``train_accuracy`` and
``test_accuracy`` (None where there was no figure: no test set, no classes).
A long run is *thinned*: with ``every = k``, entry ``i`` of each list holds
the figures at epoch ``min((i + 1)·k, epochs)``, every k-th epoch and always
the last one. Thinning a thinned history by a whole factor keeps exactly the
entries thinning the per-epoch figures would, so a history is thinned again
(on save, harder for the autosave) and grows an epoch at a time (as ``bpdesk
train`` records) without ever holding an entry per epoch: its memory is
bounded however long the run. Only the window's record stretches a history
back out to every epoch (:meth:`LossHistory.per_epoch`), and only one that fits
its rows (:mod:`bpdesk.core.epoch_rows`); a longer one it keeps as its entries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

SERIES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
# Entries a list keeps while it grows (then it thins by two): twice what a file keeps,
# so that thinning on save still has a choice of points.
MEMORY_POINTS = 500_000

Entry = TypeVar("Entry")  # an entry of a history list


@dataclass
class LossHistory:
    """Loss and accuracy since the network was created, per epoch or thinned (see above).

    ``test_loss`` and the accuracies hold None where there was no figure (no
    test set, no classes). Given empty while ``train_loss`` is not, they are
    filled with None: the figure was not recorded. A thinned history
    (``every`` > 1) says how many epochs it stands for in ``span``; one with an
    entry per epoch leaves it 0 (its lists may then grow by hand).
    """

    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float | None] = field(default_factory=list)
    train_accuracy: list[float | None] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    every: int = 1
    span: int = 0  # the epochs a thinned history stands for (0 with an entry per epoch)
    # ‖∂L/∂W‖ of each weight layer, one list per layer entry for entry with the loss
    # (None where not measured); empty when the run did not record them.
    gradient_norms: list[list[float | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.train_loss)
        for name in SERIES[1:]:
            if n and not getattr(self, name):
                setattr(self, name, [None] * n)
        for layer, norms in enumerate(self.gradient_norms):
            if len(norms) != n:
                raise ValueError(
                    f"gradient norms of layer {layer + 1}: {len(norms)} entries, not {n}"
                )
        if self.every < 1:
            raise ValueError(f"every must be at least 1, got {self.every}")
        if self.every == 1 and self.span in (0, n):
            self.span = 0
        elif n != entries_for(self.span, self.every):
            raise ValueError(
                f"{self.span} epochs one every {self.every} make "
                f"{entries_for(self.span, self.every)} entries, not {n}"
            )

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return self.span if self.every > 1 else len(self.train_loss)

    def append(
        self,
        train_loss: float,
        test_loss: float | None = None,
        train_accuracy: float | None = None,
        test_accuracy: float | None = None,
    ) -> None:
        """Record one more epoch (a figure that is not finite is recorded as None).

        The lists never grow beyond :data:`MEMORY_POINTS` entries: the history
        thins itself by two when they would.
        """
        figures = (float(train_loss), *map(_figure, (test_loss, train_accuracy, test_accuracy)))
        # The last entry stands for the last epoch: if that is not on the grid of
        # ``every``, the new epoch takes its place rather than adding one.
        epochs = self.epochs
        replace_last = epochs % self.every != 0
        for values, value in zip(
            [*(getattr(self, name) for name in SERIES), *self.gradient_norms],
            [*figures, *[None] * len(self.gradient_norms)],  # not measured here
        ):
            if replace_last:
                values[-1] = value
            else:
                values.append(value)
        if self.every > 1:
            self.span = epochs + 1
        if len(self.train_loss) > MEMORY_POINTS:
            thinner = self.thinned(entries_for(len(self.train_loss), 2))
            for name in (*SERIES, "every", "span", "gradient_norms"):
                setattr(self, name, getattr(thinner, name))

    def thinned(self, points: int) -> LossHistory:
        """This history with at most ``points`` entries a list (itself if it has no more)."""
        factor = entries_for(len(self.train_loss), max(1, points))
        if factor <= 1:
            return self
        return LossHistory(
            thin(self.train_loss, factor),
            thin(self.test_loss, factor),
            thin(self.train_accuracy, factor),
            thin(self.test_accuracy, factor),
            every=self.every * factor,
            span=self.epochs,
            gradient_norms=[thin(norms, factor) for norms in self.gradient_norms],
        )

    @classmethod
    def from_rows(
        cls,
        rows: np.ndarray,
        points: int,
        gradient_norms: np.ndarray | None = None,
        *,
        kept: np.ndarray | None = None,
        epochs: int | None = None,
        stride: int = 1,
        gradient_kept: np.ndarray | None = None,
    ) -> LossHistory:
        """From figures per epoch, ``(4, rows)`` in the order of :data:`SERIES` (NaN: no
        figure), thinned to at most ``points`` entries a list; ``gradient_norms``
        (``(rows, layers)``, NaN where not measured) are thinned alike.

        Row ``k`` is epoch ``k + 1`` unless ``kept`` says which epoch each row holds (a
        record thinned every ``stride`` epochs in its past; ``epochs``: how many the run
        has, by default the last kept). An entry takes the row of its epoch, or the next
        one kept; the thinning is a multiple of ``stride``, so that it finds its own.
        ``gradient_kept`` are the epochs of the gradient rows (by default ``kept``);
        epochs past the last one have no norms. Thinned before it becomes lists: a run
        of ten million epochs never turns into forty million Python numbers.
        """
        if epochs is None:
            epochs = rows.shape[1] if kept is None else int(kept[-1]) if len(kept) else 0
        every = max(1, entries_for(epochs, max(1, points)))
        every = -(-every // stride) * stride
        norms = np.empty((0, rows.shape[1])) if gradient_norms is None else gradient_norms.T
        wanted = None
        if every > 1 or kept is not None:
            wanted = np.arange(every, epochs + 1, every)
            if epochs % every:
                wanted = np.append(wanted, epochs)
            # np.take: fancy indexing along the second axis is ten times slower.
            rows = np.take(rows, _rows_for(wanted, kept), axis=1)
            norms = _norms_for(wanted, norms, gradient_kept if gradient_kept is not None else kept)
        elif norms.shape[1] < epochs:  # trained on without measuring
            norms = _norms_for(np.arange(1, epochs + 1), norms, None)
        test, train_accuracy, test_accuracy, *layers = map(_figures, (*rows[1:], *norms))
        return cls(rows[0].tolist(), test, train_accuracy, test_accuracy, every, epochs, layers)

    def entries(self) -> np.ndarray:
        """The lists as a ``(4, entries)`` array (None becomes NaN)."""
        return np.array(
            [np.array(getattr(self, name), dtype=np.float64) for name in SERIES]
        ).reshape(len(SERIES), -1)

    def entry_epochs(self) -> np.ndarray:
        """The epoch each entry holds: every ``every``-th and the last."""
        n, k = self.epochs, self.every
        kept = np.arange(k, n + 1, k, dtype=np.int64)
        if n % k:
            kept = np.append(kept, np.int64(n))
        return kept

    def per_epoch(self, out: np.ndarray | None = None) -> np.ndarray:
        """The figures of every epoch, ``(4, epochs)`` (NaN: no figure), into ``out`` if given.

        A thinned entry stands for each epoch from the one before it up to its own.
        """
        if out is None:
            out = np.empty((len(SERIES), self.epochs))
        for row, name in enumerate(SERIES):
            self._stretch(getattr(self, name), out[row])
        return out

    def gradient_norms_per_epoch(self) -> np.ndarray:
        """The gradient norms of every epoch, ``(epochs, layers)`` (NaN: not measured),
        stretched as :meth:`per_epoch` stretches the loss."""
        out = np.empty((len(self.gradient_norms), self.epochs))
        for row, norms in enumerate(self.gradient_norms):
            self._stretch(norms, out[row])
        return out.T

    def _stretch(self, values: Sequence[float | None], row: np.ndarray) -> None:
        """Write one list's entries into ``row`` (one element per epoch)."""
        n, k = self.epochs, self.every
        full = n // k  # entries that stand for k epochs each; a last one may stand for fewer
        entries = np.array(values, dtype=np.float64)  # None becomes NaN
        # Broadcast into a (full, k) view of the row: no stretched copy is made.
        block = row[: full * k]
        block.shape = (full, k)  # a view, or an error: never a copy written in vain
        block[:] = entries[:full, None]
        if n > full * k:
            row[full * k : n] = entries[-1]


def entries_for(epochs: int, every: int) -> int:
    """How many entries a history of ``epochs`` epochs thinned to one ``every`` holds."""
    return -(-epochs // every)  # whole numbers: exact however long the run


def thin(values: Sequence[Entry], every: int) -> list[Entry]:
    """Every ``every``-th entry, ending with the last one (see the module docstring)."""
    if every == 1:
        return list(values)
    kept = list(values[every - 1 :: every])
    if len(values) % every:
        kept.append(values[-1])
    return kept


def _figure(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _figures(row: np.ndarray) -> list[float | None]:
    """``row`` as a list, None where a figure is not finite (checked one by one only when
    some are: a file's history is a quarter of a million entries a list)."""
    finite = np.isfinite(row)
    if finite.all():
        return row.tolist()
    if not finite.any():
        return [None] * len(row)
    return [v if math.isfinite(v) else None for v in row.tolist()]


def _rows_for(wanted: np.ndarray, kept: np.ndarray | None) -> np.ndarray:
    """The row standing for each wanted epoch: its own, or the next one kept."""
    if kept is None:
        return wanted - 1
    return np.minimum(np.searchsorted(kept, wanted), len(kept) - 1)


def _norms_for(wanted: np.ndarray, norms: np.ndarray, kept: np.ndarray | None) -> np.ndarray:
    """``(layers, len(wanted))`` gradient norms of the wanted epochs (NaN past the last)."""
    if kept is None:
        kept = np.arange(1, norms.shape[1] + 1)
    out = np.full((norms.shape[0], len(wanted)), np.nan)
    if norms.shape[1]:
        index = np.searchsorted(kept, wanted)
        inside = index < norms.shape[1]
        out[:, inside] = np.take(norms, index[inside], axis=1)
    return out
