"""Bounded run history: loss buffers and parameter snapshots."""

import numpy as np

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
