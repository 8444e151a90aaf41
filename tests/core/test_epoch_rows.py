"""Per-epoch records in bounded memory: every recent epoch exact, a thinned past, and each
row naming the epoch it holds."""

import numpy as np
import pytest

from bpdesk.core import bpnet
from bpdesk.core.epoch_rows import LIMIT_ROWS, EpochRows
from bpdesk.core.history import FIELDS, GradientRecord, LossRecord, Snapshot
from bpdesk.core.loss_history import LossHistory
from bpdesk.core.run import RunHistory, RunRecorder, RunSettings

SETTINGS = RunSettings(0.5, "sigmoid", "sgd")


def epoch_rows(first: int, k: int) -> np.ndarray:
    """Loss rows whose figures are their own epoch numbers: a row read back says which
    epoch it came from (test loss and accuracies: fractions of it)."""
    epochs = np.arange(first, first + k, dtype=np.float64)
    return np.vstack([epochs, epochs / 2, epochs / 4, np.full(k, np.nan)])


def check_rows_are_their_epochs(record: LossRecord) -> None:
    kept = record.kept
    assert np.all(np.diff(kept) > 0)
    assert np.array_equal(record.train_loss, kept)
    assert np.array_equal(record.test_loss, kept / 2)


def test_ten_million_epochs_in_big_chunks_stay_within_a_bound():
    record = LossRecord()
    chunk = 1_000_003  # not a divisor of anything the record uses
    epochs = 0
    while epochs < 10_000_000:
        k = min(chunk, 10_000_000 - epochs)
        record.extend(epoch_rows(epochs + 1, k))
        epochs += k
    assert len(record) == record.epochs == 10_000_000
    # A row per epoch was 320 MB (and every doubling copied it); bounded now.
    assert len(record.kept) <= LIMIT_ROWS
    assert record.nbytes <= LIMIT_ROWS * (len(FIELDS) + 1) * 8
    check_rows_are_their_epochs(record)
    kept = record.kept
    # The recent epochs are all there, exactly (a quarter of the rows at least) ...
    exact = len(kept) - 1 - np.flatnonzero(np.diff(kept) != 1)[-1]
    assert exact >= LIMIT_ROWS // 4
    assert np.array_equal(kept[-exact:], np.arange(10_000_000 - exact + 1, 10_000_001))
    # ... and the past is the first epoch and every stride-th after it.
    stride = record.stride
    assert stride > 1
    assert stride & (stride - 1) == 0  # doubled each time
    assert kept[0] == 1
    thinned = kept[1:-exact]
    assert np.array_equal(thinned, np.arange(stride, thinned[-1] + 1, stride))


def test_a_short_run_keeps_a_row_per_epoch_as_before():
    record = LossRecord(capacity=16)
    for first in range(1, 5001, 100):
        record.extend(epoch_rows(first, 100))
    assert np.array_equal(record.kept, np.arange(1, 5001))
    assert record.kept_if_thinned() is None
    assert (record.stride, record.folds) == (1, 0)
    assert record.row_of(1234) == 1233


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_folding_maps_epochs_right_whatever_the_chunks(chunk):
    record = LossRecord(limit=64)
    epochs = 0
    while epochs < 5000:
        record.extend(epoch_rows(epochs + 1, chunk))
        epochs += chunk
    assert len(record) == epochs
    assert len(record.kept) <= 64
    assert record.folds > 0
    check_rows_are_their_epochs(record)
    assert np.array_equal(record.kept[-16:], np.arange(epochs - 15, epochs + 1))
    # An epoch reads its own row, or in the thinned past the next one kept.
    for epoch in (1, record.stride, 2 * record.stride + 1, epochs - 3, epochs):
        row = record.row_of(epoch)
        assert record.kept[row] >= epoch
        assert row == 0 or record.kept[row - 1] < epoch
    assert record.row_of(record.stride + 1, exact=True) == -1
    assert record.row_of(epochs, exact=True) == len(record.kept) - 1


def test_truncating_into_the_thinned_past_and_training_on():
    record = LossRecord(limit=64)
    record.extend(epoch_rows(1, 1000))
    cut = record.stride * 3 + 1  # between two kept epochs
    record.truncate(cut)
    assert len(record) == cut
    assert record.kept[-1] < cut
    record.extend(epoch_rows(cut + 1, 10))
    assert len(record) == cut + 10
    check_rows_are_their_epochs(record)
    values, kept = record.after(cut - 1)
    assert np.array_equal(kept, np.arange(cut + 1, cut + 11))
    values, kept = record.after(cut)
    assert kept is None  # every epoch after it: no list of epochs needed
    assert np.array_equal(values[0], np.arange(cut + 1, cut + 11))
    with pytest.raises(ValueError, match="after epoch"):
        record.extend(epoch_rows(1, 1), np.array([cut]))


def test_a_thinned_record_saves_exact_figures_and_opens_within_bounds(monkeypatch):
    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 100)
    record = LossRecord(limit=64)
    record.extend(epoch_rows(1, 5003))
    history = record.to_history()
    assert history.epochs == 5003
    assert history.every % record.stride == 0
    assert len(history.train_loss) <= 100
    # Each entry holds the figures of its own epoch, not a neighbour's.
    assert history.train_loss == [float(e) for e in history.entry_epochs()]
    back = LossRecord.from_history(history, limit=64)
    assert len(back) == 5003
    assert len(back.kept) <= 64
    check_rows_are_their_epochs(back)
    assert back.kept[-1] == 5003


def test_a_long_file_history_is_kept_as_its_entries_not_stretched():
    entries = 1000
    epochs = [float(e) for e in range(10_000, 10_000 * entries + 1, 10_000)]
    history = LossHistory(epochs, [e / 2 for e in epochs], every=10_000, span=10**7)
    record = LossRecord.from_history(history)
    assert len(record) == 10**7
    assert len(record.kept) == entries
    assert np.array_equal(record.kept, history.entry_epochs())
    check_rows_are_their_epochs(record)
    assert record.stride == 10_000
    # A short one is stretched to every epoch, as before.
    short = LossRecord.from_history(LossHistory([0.5, 0.25], every=4, span=8))
    assert short.train_loss.tolist() == [0.5] * 4 + [0.25] * 4


def test_a_long_stretch_without_gradients_is_padded_with_few_rows():
    record = GradientRecord(2, limit=64)
    record.extend(np.ones((10, 2)))
    record.pad_to(10_000_000)
    assert len(record) == 10_000_000
    assert len(record.kept) <= 64
    assert np.isnan(record.norms[1:][record.kept[1:] > 10]).all()
    assert record.kept[-1] == 10_000_000
    record.extend(np.full((3, 2), 2.0))
    assert record.norms[-1].tolist() == [2.0, 2.0]
    assert record.kept[-1] == 10_000_003


def test_gradient_norms_of_a_thinned_record_save_with_their_epochs(monkeypatch):
    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 50)
    recorder = RunRecorder(2)
    run = recorder.run
    run.losses = LossRecord(limit=64)
    run.gradients = GradientRecord(2, limit=64)
    rows = epoch_rows(1, 3000)
    run.losses.extend(rows)
    run.gradients.extend(np.vstack([rows[0], -rows[0]]).T)
    history = recorder.saved_history(3000)
    assert history.train_loss == [float(e) for e in history.entry_epochs()]
    assert history.gradient_norms[0] == history.train_loss
    assert history.gradient_norms[1] == [-v for v in history.train_loss]
    back = GradientRecord.from_history(history, 2, limit=64)
    assert back is not None
    assert np.array_equal(back.norms[:, 0], back.kept)


def here(epoch: int) -> Snapshot:
    return Snapshot(epoch, np.full(3, float(epoch)))


def test_undo_and_redo_of_a_stretch_across_a_fold_put_the_epochs_back():
    recorder = RunRecorder(2, LossRecord(limit=64))
    run = recorder.run
    run.gradients = GradientRecord(2, limit=64)

    def train(first: int, k: int) -> None:
        rows = epoch_rows(first, k)
        recorder.record(first, rows, (), np.vstack([rows[0], rows[0]]).T, SETTINGS)

    recorder.begin(here(0))
    train(1, 200)
    first = recorder.finish(here(200))
    recorder.begin(here(200))
    for start in range(201, 2001, 100):
        train(start, 100)
    second = recorder.finish(here(2000))
    assert run.losses.folds > 0
    after = (run.losses.kept.copy(), run.losses.train_loss.copy())
    recorder.apply(second, after=False)
    assert len(run.losses) == len(run.gradients) == 200
    check_rows_are_their_epochs(run.losses)
    recorder.apply(second, after=True)
    assert len(run.losses) == 2000
    assert np.array_equal(run.losses.kept, after[0])
    assert np.array_equal(run.losses.train_loss, after[1])
    assert np.array_equal(run.gradients.norms[:, 0], run.gradients.kept)
    recorder.apply(second, after=False)
    recorder.apply(first, after=False)
    assert len(run.losses) == 0


def test_a_thinned_run_set_aside_keeps_its_epochs_for_comparison():
    recorder = RunRecorder(2, LossRecord(limit=64))
    recorder.run.losses.extend(epoch_rows(1, 3000))
    recorder.start_run(3000, 2, now=SETTINGS, dataset="xor", loss="mse")
    (archived,) = recorder.runs
    assert archived.kept is not None
    assert np.array_equal(archived.train_loss, archived.epochs)
    assert archived.epochs[-1] == 3000
    short = RunHistory(2)
    short.losses.extend(epoch_rows(1, 5))
    recorder.run = short
    recorder.start_run(5, 2, now=SETTINGS, dataset="xor", loss="mse")
    assert recorder.runs[-1].kept is None
    assert recorder.runs[-1].epochs.tolist() == [1, 2, 3, 4, 5]


def test_a_record_refuses_a_limit_too_small_to_fold():
    with pytest.raises(ValueError, match="at least 16"):
        EpochRows(4, limit=8)
