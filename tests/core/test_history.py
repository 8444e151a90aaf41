"""Bounded run history: loss buffers and parameter snapshots."""

import numpy as np
import pytest

from bpdesk.core.bpnet import LossHistory
from bpdesk.core.history import LossRecord, ParameterHistory, snapshot_stride


def test_loss_record_grows_and_keeps_every_epoch():
    record = LossRecord(capacity=16)
    for start in range(0, 1000, 7):
        k = min(7, 1000 - start)
        rows = np.vstack([np.arange(start, start + k)] * 4).astype(float)
        record.extend(rows)
    assert record.epochs == 1000
    assert np.array_equal(record.train_loss, np.arange(1000))
    record.truncate(10)
    assert list(record.train_loss) == list(range(10))


def test_loss_record_round_trips_the_file_format():
    history = LossHistory([1.0, 0.5, 0.25], [0.9, None, 0.2])
    record = LossRecord.from_history(history)
    assert np.isnan(record.test_loss[1])
    assert record.to_history() == history
    assert record.copy().to_history() == history


def test_parameter_history_stays_within_budget_and_rewinds_to_the_nearest():
    params = np.zeros(1000)  # 8 kB a snapshot
    history = ParameterHistory(budget=80 * 8000, keep=20)
    for epoch in range(1, 5001):
        history.add(epoch, params + epoch)
    assert history.nbytes <= 80 * 8000
    assert history.epochs[:20] == list(range(1, 21))  # early training stays dense
    assert history.epochs[-1] == 5000  # and the present is always there
    epoch, snap = history.nearest(3333)
    assert epoch <= 3333
    assert snap[0] == epoch
    assert history.nearest(0) is None


def test_adding_an_earlier_epoch_forgets_the_future():
    history = ParameterHistory()
    for epoch in range(1, 11):
        history.add(epoch, np.full(3, epoch))
    history.add(5, np.full(3, 50))  # training went on from a rewind to epoch 4
    assert history.epochs == [1, 2, 3, 4, 5]
    assert history.nearest(9)[1][0] == 50


def test_snapshot_stride_doubles_as_runs_grow():
    assert snapshot_stride(10) == 1
    assert snapshot_stride(1000) == 1
    assert snapshot_stride(1500) == 2
    assert snapshot_stride(5000) == 8
    total = sum(1 for e in range(1, 1_000_001) if e % snapshot_stride(e) == 0)
    assert total < 12_000


def test_a_long_record_becomes_a_thinned_history_without_a_list_per_epoch(monkeypatch):
    from bpdesk.core import bpnet

    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 10)
    record = LossRecord()
    rows = np.full((4, 95), np.nan)
    rows[0] = np.arange(1, 96)
    rows[1, ::2] = np.inf  # an overflowing test loss: no figure, not a number a file refuses
    record.extend(rows)
    history = record.to_history()
    assert (history.every, history.epochs) == (10, 95)
    assert history.train_loss == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0]
    assert history.test_loss == [None] * 10
    assert record.to_history(5).every == 19
    back = LossRecord.from_history(history)
    assert len(back) == 95
    assert back.train_loss[:11].tolist() == [10.0] * 10 + [20.0]
    assert back.train_loss[-1] == 95.0


def test_a_history_longer_than_the_window_holds_is_refused_before_any_memory_is_taken():
    from bpdesk.core import FileFormatError
    from bpdesk.core.history import MAX_RECORD_EPOCHS, check_fits_record

    # A file of a few bytes telling of 10**15 epochs: stretched, 32 PB.
    history = LossHistory([0.5, 0.25], every=10**15 // 2, span=10**15)
    with pytest.raises(FileFormatError) as info:
        LossRecord.from_history(history)
    assert info.value.field == "history.epochs"
    assert info.value.message == (
        f"a run of 1,000,000,000,000,000 epochs; the window shows at most "
        f"{MAX_RECORD_EPOCHS:,} (bpdesk train continues it from the command line)"
    )
    fits = LossHistory([0.5, 0.25], every=MAX_RECORD_EPOCHS // 2, span=MAX_RECORD_EPOCHS)
    check_fits_record(fits)  # exactly at the limit: the window opens it
