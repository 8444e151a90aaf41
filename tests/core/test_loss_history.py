"""A run's history kept thinned: appended, thinned again and stretched back, always exact.

Entry ``i`` of a history thinned to one every ``k`` must hold the figures of
epoch ``min((i + 1)·k, epochs)``, however the history got there.
"""

import numpy as np
import pytest

from bpdesk.core import loss_history
from bpdesk.core.loss_history import SERIES, LossHistory, entries_for


def figures(n: int) -> np.ndarray:
    """Per-epoch rows ``(4, n)``: distinct losses, a test loss every third epoch, no test
    accuracy (NaN: no figure)."""
    k = np.arange(1, n + 1, dtype=np.float64)
    rows = np.full((4, n), np.nan)
    rows[0] = 1.0 / k
    rows[1] = np.where(k % 3 == 0, 2.0 / k, np.nan)
    rows[2] = k / n
    return rows


def assert_holds(history: LossHistory, rows: np.ndarray) -> None:
    """Every entry of ``history`` is the figure of the epoch it stands for in ``rows``."""
    n, k = rows.shape[1], history.every
    assert history.epochs == n
    epochs = [min((i + 1) * k, n) for i in range(entries_for(n, k))]
    for row, name in enumerate(SERIES):
        expected = [None if np.isnan(v) else v for v in rows[row, np.array(epochs) - 1].tolist()]
        assert getattr(history, name) == expected, name


@pytest.mark.parametrize("n", [1, 9, 10, 11, 97, 100])
@pytest.mark.parametrize("points", [1, 3, 10, 1000])
def test_thinning_per_epoch_figures_keeps_every_kth_epoch_and_the_last(n, points):
    rows = figures(n)
    history = LossHistory.from_rows(rows, points)
    assert len(history.train_loss) <= points
    assert history.every == max(1, -(-n // points))
    assert_holds(history, rows)


@pytest.mark.parametrize("n", [7, 60, 61, 1000])
def test_thinning_a_thinned_history_is_thinning_once_by_the_product(n):
    rows = figures(n)
    once = LossHistory.from_rows(rows, 10)
    for points in (7, 3, 1):
        again = once.thinned(points)
        assert len(again.train_loss) <= points
        assert again.every % once.every == 0
        assert_holds(again, rows)


def test_appending_keeps_a_bounded_history_of_any_length(monkeypatch):
    monkeypatch.setattr(loss_history, "MEMORY_POINTS", 8)
    rows = figures(1000)
    history = LossHistory()
    for epoch in range(1000):
        history.append(*[None if np.isnan(v) else v for v in rows[:, epoch]])
        assert len(history.train_loss) <= 8
        assert_holds(history, rows[:, : epoch + 1])
    assert history.every == 128


def test_appending_to_a_saved_thinned_history_goes_on_from_it():
    rows = figures(50)
    history = LossHistory.from_rows(rows[:, :23], 5)  # every 5, last entry epoch 23
    for epoch in range(23, 50):
        history.append(*[None if np.isnan(v) else v for v in rows[:, epoch]])
    assert history.every == 5
    assert_holds(history, rows)


def test_figures_that_are_not_finite_are_recorded_as_none():
    history = LossHistory()
    history.append(0.5, float("inf"), float("nan"), 0.25)
    assert history == LossHistory([0.5], [None], [None], [0.25])
    rows = np.array([[0.5], [np.inf], [-np.inf], [np.nan]])
    assert LossHistory.from_rows(rows, 10) == LossHistory([0.5], [None], [None], [None])


@pytest.mark.parametrize("n", [1, 5, 6, 7, 30])
def test_stretching_gives_each_epoch_the_figure_of_the_entry_that_covers_it(n):
    rows = figures(n)
    history = LossHistory.from_rows(rows, 3)
    stretched = history.per_epoch()
    assert stretched.shape == (4, n)
    k = history.every
    for epoch in range(1, n + 1):
        covering = min(-(-epoch // k) * k, n)  # the entry's own epoch
        np.testing.assert_array_equal(stretched[:, epoch - 1], rows[:, covering - 1])


def test_a_history_says_when_its_entries_do_not_match_its_epochs():
    with pytest.raises(ValueError, match="10 epochs one every 3 make 4 entries, not 2"):
        LossHistory([0.5, 0.25], every=3, span=10)
    with pytest.raises(ValueError, match="every must be at least 1"):
        LossHistory(every=0)
    assert LossHistory([0.5, 0.25]).epochs == 2
    assert LossHistory([0.5, 0.25], every=3, span=5).epochs == 5
