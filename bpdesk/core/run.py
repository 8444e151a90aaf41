"""A run as it is recorded: its history, the stretches of training that made it, earlier runs.

A :class:`RunHistory` holds everything one run leaves behind. A
:class:`RunRecorder` records training into the current run stretch by stretch
(from the moment training starts or resumes to the moment it pauses or stops)
and hands out each stretch as a :class:`TrainingRecord`: frozen, plain data
that undo and redo put back exactly, both ways. It also keeps the runs set
aside when another one started (a reset, other data, another loss) as faint,
labelled curves to compare with.

Nothing here knows about Qt: the document wraps a recorder and announces what
changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bpdesk.core import bpnet
from bpdesk.core.history import (
    FIELDS,
    Architecture,
    GradientRecord,
    LossRecord,
    ParameterHistory,
    Snapshot,
)
from bpdesk.core.loss_history import LossHistory


@dataclass(frozen=True)
class RunSettings:
    """The settings a run's label tells apart: learning rate, hidden activation, optimiser."""

    learning_rate: float
    activation: str
    optimizer: str


def describe_settings(trained_with: Sequence[RunSettings]) -> str:
    """``η 0.5 · sigmoid · sgd``; a setting changed during the run reads ``η 0.5→2``
    (first and last value, ``…`` between when it changed more than once)."""

    def values(field: str, form: Callable[[object], str]) -> str:
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
class ArchivedRun:
    """A finished run's loss curve, kept faint for comparison, with what it used.

    ``label`` names the settings it was trained with; ``dataset`` and ``loss``
    say what its numbers measure (curves of other data are not comparable).
    """

    label: str
    train_loss: np.ndarray
    dataset: str = ""
    loss: str = ""
    # The epoch of each value (None: 1, 2, 3 …): a long run's record is thinned.
    kept: np.ndarray | None = None

    @property
    def epochs(self) -> np.ndarray:
        """The epoch of each value of ``train_loss``."""
        if self.kept is not None:
            return self.kept
        return np.arange(1, len(self.train_loss) + 1)


@dataclass(frozen=True, eq=False)
class HistoryTail:
    """What followed one epoch of a run: loss rows ``(4, k)``, gradient rows ``(k, layers)``,
    parameter snapshots, and the settings the run had been trained with.

    ``loss_kept`` and ``gradient_kept`` are the epochs the rows hold when they are not
    simply the ones after the epoch (None): a long run's record is thinned.
    """

    losses: np.ndarray
    gradients: np.ndarray
    snapshots: tuple[Snapshot, ...]
    trained_with: tuple[tuple[int, RunSettings], ...]
    # How many epochs the gradient record held (fewer than the losses after a change
    # of depth, until training measures again): undo gives back exactly that.
    gradient_epochs: int | None = None
    loss_kept: np.ndarray | None = None
    gradient_kept: np.ndarray | None = None


class HistoryChange:
    """How a stretch of training changed a run after ``epoch``: undo puts ``before`` back,
    redo ``after``. The first ``shared`` snapshots are in both and are not held twice.

    The stretch's own epochs (``after``'s loss and gradient rows, 32 bytes an epoch and
    more) are held once: by the run while it has them, by the change only while the
    stretch is undone (taken from the run by the undo, handed back by the redo). A long
    run paused often would otherwise hold its whole history twice.
    """

    def __init__(
        self, epoch: int, shared: int, before: HistoryTail, after: HistoryTail, run: RunHistory
    ) -> None:
        self.epoch = epoch
        self.shared = shared
        self.before = before
        self._after = _without_rows(after)
        self._run = run  # holds the rows while the stretch is done
        self._held = False

    @property
    def after(self) -> HistoryTail:
        """Everything after ``epoch`` as the stretch left it."""
        if self._held:
            return self._after
        run, epoch = self._run, self.epoch
        losses, loss_kept = run.losses.after(epoch)
        gradients, gradient_kept = run.gradients.after(epoch)
        return replace(
            self._after,
            losses=losses,
            gradients=gradients,
            loss_kept=loss_kept,
            gradient_kept=gradient_kept,
        )

    def hold(self) -> None:
        """Take the stretch's rows from the run (it is about to be undone)."""
        if not self._held:
            self._after = self.after
            self._held = True

    def release(self, tail: HistoryTail) -> None:
        """The run has the stretch's rows again (``tail``, redone): let go of them."""
        if self._held and tail is self._after:
            self._after = _without_rows(tail)
            self._held = False

    @property
    def held(self) -> bool:
        """True while the change holds the stretch's rows (the stretch is undone)."""
        return self._held

    @property
    def nbytes(self) -> int:
        """The bytes of loss and gradient rows the change holds itself."""
        return sum(t.losses.nbytes + t.gradients.nbytes for t in (self.before, self._after))


_NO_LOSSES = np.empty((len(FIELDS), 0))


def _without_rows(tail: HistoryTail) -> HistoryTail:
    """``tail`` without its loss and gradient rows (the run holds them)."""
    columns = tail.gradients.shape[1] if tail.gradients.ndim == 2 else 0
    return replace(
        tail,
        losses=_NO_LOSSES,
        gradients=np.empty((0, columns)),
        loss_kept=None,
        gradient_kept=None,
    )


def shared_prefix(a: tuple[Snapshot, ...], b: tuple[Snapshot, ...]) -> int:
    """How many leading snapshots ``a`` and ``b`` hold in common (the same objects)."""
    n = 0
    for x, y in zip(a, b):
        if x is not y:
            break
        n += 1
    return n


class RunHistory:
    """Everything one run leaves behind: loss and gradient norms per epoch, parameter
    snapshots to rewind to, and the settings it was trained with.

    ``trained_with`` lists ``(first epoch, settings)`` each time the settings changed.
    """

    def __init__(self, n_layers: int, losses: LossRecord | None = None) -> None:
        self.losses = losses if losses is not None else LossRecord()
        self.gradients = GradientRecord(n_layers)
        self.snapshots = ParameterHistory()
        self.trained_with: list[tuple[int, RunSettings]] = []
        # How the run started, when a reset chose it ("same start", "new weights"), for
        # its label: runs that differ in their settings only are told apart by it.
        self.start = ""

    def note_settings(self, epoch: int, settings: RunSettings) -> None:
        """Training went on from ``epoch`` with ``settings``."""
        if not self.trained_with or self.trained_with[-1][1] != settings:
            self.trained_with.append((epoch, settings))

    def truncate(self, epoch: int) -> None:
        """Forget everything after ``epoch`` (training goes on from there)."""
        self.losses.truncate(epoch)
        self.gradients.truncate(epoch)
        self.snapshots.truncate(epoch)
        self.trained_with = [(e, s) for e, s in self.trained_with if e <= epoch]

    def tail(self, epoch: int) -> HistoryTail:
        """Everything after ``epoch`` as it is now, and every snapshot (a checkpoint)."""
        losses, loss_kept = self.losses.after(epoch)
        gradients, gradient_kept = self.gradients.after(epoch)
        return HistoryTail(
            losses,
            gradients,
            self.snapshots.entries(),
            tuple(self.trained_with),
            len(self.gradients),
            loss_kept,
            gradient_kept,
        )

    def change_since(self, epoch: int, before: HistoryTail) -> HistoryChange:
        """What changed after ``epoch`` since the checkpoint ``before = self.tail(epoch)``."""
        after = self.tail(epoch)
        shared = shared_prefix(before.snapshots, after.snapshots)
        return HistoryChange(
            epoch,
            shared,
            replace(before, snapshots=before.snapshots[shared:]),
            replace(after, snapshots=after.snapshots[shared:]),
            self,
        )

    def apply(self, change: HistoryChange, tail: HistoryTail) -> None:
        """Make everything after ``change.epoch`` what ``tail`` (its before or after) says."""
        epoch = change.epoch
        if tail is change.before:
            change.hold()  # undone: the change keeps the stretch's rows for a redo
        self.losses.truncate(epoch)
        self.losses.extend(tail.losses, tail.loss_kept)
        self.gradients.truncate(epoch)
        self.gradients.pad_to(epoch)
        if tail.gradients.ndim == 2 and tail.gradients.shape[1] == self.gradients.n_layers:
            self.gradients.extend(tail.gradients, tail.gradient_kept)
        self.gradients.pad_to(len(self.losses))  # measured with another depth: unknown
        if tail.gradient_epochs is not None and tail.gradient_epochs < len(self.gradients):
            self.gradients.truncate(tail.gradient_epochs)
        self.snapshots.splice(change.shared, tail.snapshots)
        self.trained_with = list(tail.trained_with)
        change.release(tail)  # redone: the run holds them again


@dataclass(frozen=True, eq=False)
class TrainingRecord:
    """One stretch of training as the undo stack keeps it: the network where it began and
    where it ended, and what it did to the run's history.

    Undo puts ``start`` and ``change.before`` back, redo ``end`` and
    ``change.after``. Only what the stretch changed is held (its epochs, the
    history it replaced after a rewind, the snapshots it added or thinned), so
    a long run paused often stays cheap.
    """

    start: Snapshot
    end: Snapshot
    change: HistoryChange

    @property
    def epochs(self) -> int:
        """How many epochs the stretch trained."""
        return self.end.epoch - self.start.epoch


@dataclass(frozen=True, eq=False)
class SavedRun:
    """A run set aside when another one started (a reset, other data, another loss),
    held by the undo command that can bring it back: the run, the epoch the network
    was at, and the faint curve it left among the archived runs (if it had epochs)."""

    history: RunHistory
    epoch: int
    archived: ArchivedRun | None


@dataclass(frozen=True, eq=False)
class _Stretch:
    """Where a stretch of training began: the network then, and the run after that epoch."""

    start: Snapshot
    checkpoint: HistoryTail


class RunRecorder:
    """Records training into the current run, and keeps the runs set aside before it.

    Training comes in stretches. :meth:`begin` opens one where the network
    stands; :meth:`record` takes the epochs a trainer reports; :meth:`finish`
    closes it and hands it out as a :class:`TrainingRecord` for the undo stack,
    which :meth:`apply` puts back either way. After a rewind the later history
    stays (it can still be looked at) until the first new epoch comes in: then
    it is replaced, and the network the stretch started from is kept as a
    snapshot, so that a rewind comes back to exactly there.
    """

    def __init__(self, n_layers: int, losses: LossRecord | None = None) -> None:
        self.run = RunHistory(n_layers, losses)
        self._runs: list[ArchivedRun] = []
        self._stretch: _Stretch | None = None
        self._started = False  # the open stretch's first epoch has come in

    @classmethod
    def from_saved(
        cls,
        n_layers: int,
        losses: LossRecord,
        here: Snapshot,
        settings: RunSettings,
        gradient_norms: np.ndarray | GradientRecord | None = None,
    ) -> RunRecorder:
        """A recorder for a saved run: its losses (and gradient norms, if saved: a record,
        or ``(epochs, n_layers)``), the network where it stands (kept as a snapshot to
        rewind to) and the settings it was saved with, the best account of how its
        history was made."""
        recorder = cls(n_layers, losses)
        if isinstance(gradient_norms, GradientRecord):
            if gradient_norms.n_layers == n_layers and len(gradient_norms) == len(losses):
                recorder.run.gradients = gradient_norms
        elif gradient_norms is not None and gradient_norms.shape == (len(losses), n_layers):
            recorder.run.gradients.extend(gradient_norms)
        recorder.run.snapshots.add_snapshot(here)
        if len(losses):
            recorder.run.note_settings(1, settings)
        return recorder

    # -- reading ---------------------------------------------------------------------

    def saved_history(self, epoch: int, points: int | None = None) -> LossHistory:
        """What a file keeps of the current run up to ``epoch`` (after a rewind, the
        network's own past): its losses, and its gradient norms if any were measured,
        thinned to at most ``points`` entries (by default what a file keeps)."""
        # Views, thinned before anything is copied: an autosave of a run of 30 million
        # epochs copied its whole record (~1 GB) every minute, in the GUI thread.
        losses, gradients = self.run.losses, self.run.gradients
        epochs = min(epoch, len(losses))
        rows = losses.view(epochs)
        measured = gradients.norms[: gradients.rows_through(epochs)]
        has_norms = len(measured) and not np.isnan(measured).all()
        kept, gradient_kept = losses.kept_if_thinned(), gradients.kept_if_thinned()
        return LossHistory.from_rows(
            rows,
            points or bpnet.HISTORY_POINTS,
            measured if has_norms else None,
            kept=None if kept is None else kept[: rows.shape[1]],
            epochs=epochs,
            stride=losses.stride,
            gradient_kept=None if gradient_kept is None else gradient_kept[: len(measured)],
        )

    @property
    def runs(self) -> list[ArchivedRun]:
        """Earlier runs' loss curves, for comparison (a copy of the list)."""
        return list(self._runs)

    @property
    def recording(self) -> bool:
        """True while a stretch of training is open (begun and not yet finished)."""
        return self._stretch is not None

    def label(self, now: RunSettings) -> str:
        """The settings the current run was trained with (``now`` before any training)."""
        trained_with = [settings for _, settings in self.run.trained_with]
        label = describe_settings(trained_with or [now])
        return f"{label} · {self.run.start}" if self.run.start else label

    def rewind_target(
        self, epoch: int, architecture: Architecture, shape: tuple[int, ...]
    ) -> tuple[Snapshot | None, str]:
        """The kept state to go back to for ``epoch`` (the latest snapshot at or before it)
        in a network of ``architecture`` with parameters of ``shape``, or None and, in the
        learner's words, why there is none."""
        snapshot = self.run.snapshots.latest(epoch)
        if snapshot is None:
            return None, f"No weights were kept from epoch {epoch:,} or earlier to go back to"
        then = snapshot.architecture
        # Kept without naming its network, the shape is all there is to go by.
        fits = snapshot.parameters.shape == shape if then is None else then == architecture
        if fits:
            return snapshot, ""
        return None, (
            f"Cannot go back to epoch {epoch:,}: the network was edited since"
            f"{_edit_summary(then, architecture)}; undo back past that edit to return to it"
        )

    # -- training --------------------------------------------------------------------

    def begin(self, start: Snapshot) -> None:
        """Training starts or resumes with the network at ``start``; a stretch already
        open goes on. The run is checkpointed for the stretch's record, and nothing
        changes until the first epoch comes in: a stretch that trains nothing
        forgets nothing."""
        if self._stretch is None:
            start = start.frozen()  # the record and the history share it
            self._stretch = _Stretch(start, self.run.tail(start.epoch))
            self._started = False

    def record(
        self,
        first_epoch: int,
        rows: np.ndarray,
        snapshots: Iterable[Snapshot] = (),
        gradient_norms: np.ndarray | None = None,
        settings: RunSettings | None = None,
    ) -> bool:
        """Take epochs a trainer reports: loss rows ``(4, k)`` from ``first_epoch`` on,
        parameter snapshots, and ``(k, layers)`` gradient norms if measured, trained
        with ``settings``.

        Returns True when history after ``first_epoch - 1`` was forgotten first (the
        stretch went on from a rewind and replaces what followed).
        """
        run = self.run
        k = rows.shape[1]
        cut = False
        if k:
            cut = self._start(first_epoch - 1)
            if first_epoch != len(run.losses) + 1:
                raise ValueError(f"expected epoch {len(run.losses) + 1}, got {first_epoch}")
            run.losses.extend(rows)
            run.gradients.pad_to(first_epoch - 1)
            if gradient_norms is not None and gradient_norms.shape == (k, run.gradients.n_layers):
                run.gradients.extend(gradient_norms)
            else:
                run.gradients.pad_to(first_epoch - 1 + k)
            if settings is not None:
                run.note_settings(first_epoch, settings)
        for snapshot in snapshots:
            run.snapshots.add_snapshot(snapshot)
        return cut

    def _start(self, epoch: int) -> bool:
        """The open stretch's first epoch after ``epoch`` came in: forget what followed
        ``epoch`` and keep where the stretch started. True if losses were forgotten."""
        stretch = self._stretch
        if stretch is None or self._started:
            return False
        self._started = True
        start = stretch.start
        if start.epoch != epoch:
            return False
        run = self.run
        cut = len(run.losses) > epoch or len(run.gradients) > epoch
        run.truncate(epoch)
        kept = run.snapshots.latest(epoch)
        if not _same_snapshot(kept, start):
            run.snapshots.add_snapshot(start)
        return cut

    def finish(self, end: Snapshot) -> TrainingRecord | None:
        """Close the open stretch with the network at ``end``: its record for the undo
        stack, or None when it changed nothing (or none was open).

        ``end`` is kept as a snapshot when none is kept for its epoch, so that a
        rewind comes back to exactly here.
        """
        stretch, self._stretch = self._stretch, None
        if stretch is None:
            return None
        start, end = stretch.start, end.frozen()
        if end.epoch == start.epoch and np.array_equal(
            start.parameters, end.parameters, equal_nan=True
        ):
            return None
        snapshots = self.run.snapshots
        latest = snapshots.latest(end.epoch)
        if latest is None or latest.epoch != end.epoch:
            snapshots.add_snapshot(end)
        return TrainingRecord(start, end, self.run.change_since(start.epoch, stretch.checkpoint))

    def apply(self, record: TrainingRecord, after: bool) -> Snapshot:
        """Undo (``after=False``) or redo a stretch: the run's history as it was before
        or after it. Returns where the network is then (``record.start`` or ``.end``)."""
        self._stretch = None
        change = record.change
        self.run.apply(change, change.after if after else change.before)
        return record.end if after else record.start

    def fit_depth(self, n_layers: int) -> None:
        """The network now has ``n_layers`` weight layers: per-layer gradient norms of
        another depth do not line up, so the gradient record starts again (undoing the
        edit puts the old one back, see :meth:`restore_gradients`)."""
        if n_layers != self.run.gradients.n_layers:
            self.run.gradients = GradientRecord(n_layers)

    def restore_gradients(self, record: GradientRecord, n_layers: int) -> bool:
        """Put back the gradient record an edit replaced, if it fits a network of
        ``n_layers`` weight layers. True if it was put back."""
        if record is self.run.gradients or record.n_layers != n_layers:
            return False
        self.run.gradients = record
        return True

    # -- runs ---------------------------------------------------------------------------

    def start_run(
        self,
        epoch: int,
        n_layers: int,
        *,
        now: RunSettings,
        dataset: str,
        loss: str,
        again: SavedRun | None = None,
        start: str = "",
    ) -> SavedRun:
        """Set the current run (the network at ``epoch``) aside and start a fresh one.

        A run with epochs joins the archived runs as a faint curve labelled with
        its settings (``now`` if it never trained), ``dataset`` and ``loss``.
        Returns what was set aside, for :meth:`restore_run`. A redo passes what
        the first time returned as ``again``: the same archived run comes back (a
        "Clear runs" undone later restores that object, and must find no twin).
        ``start`` says how the new run starts, in its label (see :attr:`RunHistory.start`).
        """
        run = self.run
        archived = None
        if len(run.losses):
            if again is not None and again.archived is not None:
                archived = again.archived
            else:
                losses = run.losses
                archived = ArchivedRun(
                    self.label(now),
                    np.array(losses.train_loss),
                    dataset,
                    loss,
                    losses.kept_if_thinned(),
                )
            self._runs.append(archived)
        self.run = RunHistory(n_layers)
        self.run.start = start
        self._stretch = None
        return SavedRun(run, epoch, archived)

    def restore_run(self, saved: SavedRun, n_layers: int) -> bool:
        """Bring back a run :meth:`start_run` set aside, exactly as it was (undo), in a
        network of ``n_layers`` weight layers. True if the archived runs changed."""
        dropped = saved.archived is not None and self.drop_run(saved.archived)
        self.run = saved.history
        self.fit_depth(n_layers)
        self._stretch = None
        return dropped

    def drop_run(self, run: ArchivedRun) -> bool:
        """Forget one archived run; True if it was there."""
        if run not in self._runs:
            return False
        self._runs.remove(run)
        return True

    def set_runs(self, runs: Sequence[ArchivedRun]) -> None:
        """Replace the archived runs (clearing them, or undoing that)."""
        self._runs = list(runs)


def _same_snapshot(kept: Snapshot | None, snapshot: Snapshot) -> bool:
    """True when ``kept`` already holds exactly ``snapshot`` (no need to keep it twice)."""
    return (
        kept is not None
        and kept.epoch == snapshot.epoch
        and kept.architecture == snapshot.architecture
        and np.array_equal(kept.parameters, snapshot.parameters)
    )


def _edit_summary(then: Architecture | None, now: Architecture) -> str:
    """`` (sigmoid/sigmoid → tanh/sigmoid)``: what differs between two architectures."""
    if then is None:
        return ""
    parts = []
    if then[0] != now[0]:
        parts.append(f"{'-'.join(map(str, then[0]))} → {'-'.join(map(str, now[0]))}")
    if then[1] != now[1]:
        parts.append(f"{'/'.join(then[1])} → {'/'.join(now[1])}")
    if then[2] != now[2]:
        parts.append(f"{then[2]} → {now[2]}")
    return f" ({'; '.join(parts)})" if parts else ""
