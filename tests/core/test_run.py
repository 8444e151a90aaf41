"""The run recorder without Qt: stretches of training, exact undo and redo, rewinds, runs."""

import numpy as np
import pytest

from bpdesk.core.history import FIELDS, LossRecord, Snapshot
from bpdesk.core.run import RunRecorder, RunSettings, describe_settings

A = ((2, 2, 1), ("sigmoid", "sigmoid"), "mse", "<f8")  # an architecture
B = ((2, 3, 1), ("sigmoid", "sigmoid"), "mse", "<f8")
SLOW = RunSettings(0.5, "sigmoid", "sgd")
FAST = RunSettings(2.0, "sigmoid", "sgd")


def params(epoch, n=9):
    """Parameters that tell their epoch apart."""
    return np.linspace(0, 1, n) + epoch


def here(epoch, values=None, architecture=A):
    return Snapshot(epoch, params(epoch) if values is None else values, architecture)


def train(recorder, first, last, settings=SLOW, every=1):
    """Report epochs ``first … last`` as a worker would: losses, norms, snapshots."""
    k = last - first + 1
    rows = np.full((len(FIELDS), k), np.nan)
    rows[0] = 1.0 / np.arange(first, last + 1)
    norms = np.outer(np.arange(first, last + 1), [1.0, 0.5])
    kept = [here(e) for e in range(first, last + 1) if e % every == 0]
    return recorder.record(first, rows, kept, norms, settings)


def stretch(recorder, first, last, settings=SLOW, every=1, start=None):
    """Begin at ``first - 1``, train to ``last``, finish: the stretch's record."""
    recorder.begin(start or here(first - 1))
    train(recorder, first, last, settings, every)
    return recorder.finish(here(last))


def state(recorder):
    """Everything the current run holds, copied (snapshots by identity and value)."""
    run = recorder.run
    return {
        "losses": run.losses.rows(0),
        "gradients": run.gradients.norms.copy(),
        "snapshots": run.snapshots.entries(),
        "trained with": list(run.trained_with),
    }


def assert_same(a, b):
    assert np.array_equal(a["losses"], b["losses"], equal_nan=True)
    assert np.array_equal(a["gradients"], b["gradients"], equal_nan=True)
    assert len(a["snapshots"]) == len(b["snapshots"])
    for x, y in zip(a["snapshots"], b["snapshots"]):
        assert x.epoch == y.epoch
        assert x.architecture == y.architecture
        assert np.array_equal(x.parameters, y.parameters)
    assert a["trained with"] == b["trained with"]


# -- stretches -----------------------------------------------------------------------------


def test_a_stretch_is_recorded_and_handed_out_as_one_record():
    recorder = RunRecorder(n_layers=2)
    record = stretch(recorder, 1, 10)
    assert not recorder.recording
    assert record.epochs == 10
    assert (record.start.epoch, record.end.epoch) == (0, 10)
    run = recorder.run
    assert len(run.losses) == len(run.gradients) == 10
    assert run.snapshots.epochs == list(range(11))  # where it started is kept too
    assert run.trained_with == [(1, SLOW)]
    assert recorder.label(FAST) == "η 0.5 · sigmoid · sgd"  # trained at 0.5, whatever is set now


def test_a_stretch_that_trains_nothing_records_nothing():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 10)
    before = state(recorder)
    recorder.begin(here(10))
    assert recorder.recording
    assert recorder.finish(here(10)) is None
    assert not recorder.recording
    assert_same(state(recorder), before)


def test_beginning_again_keeps_the_stretch_already_open():
    recorder = RunRecorder(n_layers=2)
    recorder.begin(here(0))
    train(recorder, 1, 5)
    recorder.begin(here(5))  # a late report: the stretch goes on, it does not restart
    train(recorder, 6, 8)
    record = recorder.finish(here(8))
    assert (record.start.epoch, record.end.epoch) == (0, 8)


def test_the_end_of_a_stretch_is_kept_so_a_rewind_comes_back_exactly_there():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 2000, every=7)  # the worker sent only every 7th epoch
    assert recorder.run.snapshots.epochs[-1] == 2000
    target, reason = recorder.rewind_target(2000, A, (9,))
    assert reason == ""
    assert np.array_equal(target.parameters, params(2000))


def test_epochs_must_follow_the_history():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 10)
    with pytest.raises(ValueError, match="expected epoch 11"):
        train(recorder, 13, 15)


# -- undo and redo are exact ----------------------------------------------------------------


def test_undoing_and_redoing_records_gives_back_exactly_the_run():
    recorder = RunRecorder(n_layers=2)
    empty = state(recorder)
    first = stretch(recorder, 1, 20)
    after_first = state(recorder)
    second = stretch(recorder, 21, 50, settings=FAST, every=3)
    after_second = state(recorder)
    assert recorder.label(SLOW) == "η 0.5→2 · sigmoid · sgd"

    assert recorder.apply(second, after=False) is second.start
    assert_same(state(recorder), after_first)
    assert recorder.run.snapshots.entries() == after_first["snapshots"]  # the same objects
    assert recorder.apply(first, after=False) is first.start
    assert_same(state(recorder), empty)
    assert recorder.apply(first, after=True) is first.end
    assert recorder.apply(second, after=True) is second.end
    assert_same(state(recorder), after_second)
    assert recorder.label(SLOW) == "η 0.5→2 · sigmoid · sgd"


def test_a_record_holds_only_what_its_stretch_changed():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 100)
    record = stretch(recorder, 101, 110)
    change = record.change
    assert change.epoch == 100
    assert change.after.losses.shape == (len(FIELDS), 10)
    assert change.before.losses.shape == (len(FIELDS), 0)
    assert change.shared == 101  # the snapshots of epochs 0 … 100 are not held again
    assert [s.epoch for s in change.after.snapshots] == list(range(101, 111))


def test_undo_gives_back_a_gradient_record_shorter_than_the_losses():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 10)
    recorder.fit_depth(3)  # a layer was inserted: the gradient record starts again
    assert len(recorder.run.gradients) == 0
    record = stretch(recorder, 11, 12)
    assert recorder.run.gradients.norms.shape == (12, 3)  # not measured before: NaN
    recorder.apply(record, after=False)
    assert recorder.run.gradients.norms.shape == (0, 3)
    recorder.apply(record, after=True)
    assert recorder.run.gradients.norms.shape == (12, 3)


# -- rewinds: the future goes only when the first new epoch comes in ---------------------------


def test_a_rewound_future_is_replaced_only_once_the_first_new_epoch_comes_in():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 30)
    trained = state(recorder)
    rewound = recorder.rewind_target(10, A, (9,))[0]
    recorder.begin(rewound)  # training starts from epoch 10…
    assert_same(state(recorder), trained)  # …and nothing is forgotten yet
    assert not train(recorder, 11, 10)  # an empty report changes nothing either
    assert_same(state(recorder), trained)
    assert train(recorder, 11, 15, settings=FAST)  # the first new epoch: the rest goes
    run = recorder.run
    assert len(run.losses) == len(run.gradients) == 15
    assert run.snapshots.epochs == list(range(16))
    assert run.snapshots.latest(10) is rewound  # not kept twice
    assert run.trained_with == [(1, SLOW), (11, FAST)]
    record = recorder.finish(here(15))
    recorder.apply(record, after=False)
    assert_same(state(recorder), trained)  # the whole replaced future, snapshots and all
    recorder.apply(record, after=True)
    assert len(recorder.run.losses) == 15


def test_training_on_from_edited_weights_keeps_those_to_rewind_to():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 30)
    edited = here(10, params(10) * -1)  # rewound to epoch 10, then a weight was typed
    recorder.begin(edited)
    train(recorder, 11, 12)
    target, _ = recorder.rewind_target(10, A, (9,))
    assert target.epoch == 10
    assert np.array_equal(target.parameters, edited.parameters)


def test_a_rewind_into_another_architecture_is_refused_and_says_why():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 10)
    target, reason = recorder.rewind_target(5, B, (13,))
    assert target is None
    assert "epoch 5" in reason
    assert "2-2-1 → 2-3-1" in reason
    target, reason = RunRecorder(n_layers=2).rewind_target(5, A, (9,))
    assert target is None
    assert "No weights were kept" in reason


# -- runs ----------------------------------------------------------------------------------


def test_starting_a_run_archives_the_old_one_and_restoring_brings_it_back_exactly():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 40)
    trained, history = state(recorder), recorder.run
    saved = recorder.start_run(40, 2, now=FAST, dataset="XOR", loss="mse")
    assert saved.epoch == 40
    (archived,) = recorder.runs
    assert archived is saved.archived
    assert archived.label == "η 0.5 · sigmoid · sgd"  # what it was trained with, not η now
    assert (archived.dataset, archived.loss) == ("XOR", "mse")
    assert np.array_equal(archived.train_loss, trained["losses"][0])
    assert len(recorder.run.losses) == len(recorder.run.snapshots) == 0
    assert recorder.restore_run(saved, n_layers=2)
    assert recorder.runs == []
    assert recorder.run is history
    assert_same(state(recorder), trained)


def test_a_redone_run_start_archives_the_same_run_again():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 5)
    first = recorder.start_run(5, 2, now=SLOW, dataset="XOR", loss="mse")
    recorder.restore_run(first, n_layers=2)
    again = recorder.start_run(5, 2, now=SLOW, dataset="XOR", loss="mse", again=first)
    assert recorder.runs == [first.archived]
    assert again.archived is first.archived


def test_an_untrained_run_leaves_no_curve():
    recorder = RunRecorder(n_layers=2)
    saved = recorder.start_run(0, 2, now=SLOW, dataset="XOR", loss="mse")
    assert saved.archived is None
    assert recorder.runs == []
    assert not recorder.restore_run(saved, n_layers=2)


def test_runs_are_dropped_and_replaced():
    recorder = RunRecorder(n_layers=2)
    for _ in range(2):
        stretch(recorder, 1, 3)
        recorder.start_run(3, 2, now=SLOW, dataset="XOR", loss="mse")
    first, second = recorder.runs
    assert recorder.drop_run(first)
    assert not recorder.drop_run(first)
    recorder.set_runs([])
    assert recorder.runs == []
    recorder.set_runs([first, second])
    assert recorder.runs == [first, second]


def test_a_restored_run_of_another_depth_starts_its_gradient_record_again():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 5)
    saved = recorder.start_run(5, 2, now=SLOW, dataset="XOR", loss="mse")
    recorder.restore_run(saved, n_layers=3)
    assert recorder.run.gradients.n_layers == 3


def test_a_replaced_gradient_record_comes_back_only_where_it_fits():
    recorder = RunRecorder(n_layers=2)
    stretch(recorder, 1, 5)
    old = recorder.run.gradients
    recorder.fit_depth(3)
    assert not recorder.restore_gradients(old, n_layers=3)
    recorder.fit_depth(2)
    assert recorder.restore_gradients(old, n_layers=2)
    assert recorder.run.gradients is old


def test_a_saved_run_opens_where_it_stands():
    losses = LossRecord.from_history(LossRecord().to_history())
    assert RunRecorder.from_saved(2, losses, here(0), SLOW).run.trained_with == []
    record = LossRecord()
    record.extend(np.full((len(FIELDS), 12), 0.25))
    recorder = RunRecorder.from_saved(2, record, here(12), FAST)
    assert recorder.run.snapshots.epochs == [12]
    assert recorder.label(SLOW) == "η 2 · sigmoid · sgd"


def test_labels_name_each_setting_as_it_changed():
    tanh = RunSettings(2.0, "tanh", "sgd")
    assert describe_settings([SLOW]) == "η 0.5 · sigmoid · sgd"
    assert describe_settings([SLOW, FAST, tanh]) == "η 0.5→2 · sigmoid→tanh · sgd"
    many = [RunSettings(lr, "relu", "adam") for lr in (0.1, 0.2, 0.3, 0.2)]
    assert describe_settings(many) == "η 0.1→…→0.2 · relu · adam"


# -- a long run paused often holds each epoch once -------------------------------------------

ROW_BYTES = len(FIELDS) * 8 + 2 * 8  # an epoch's losses and its two layers' gradient norms


@pytest.mark.parametrize("stretches", [1, 5, 40])
def test_a_stretch_holds_its_epochs_only_while_it_is_undone(stretches):
    # Measured in the window: every pause's undo record copied the epochs of its stretch,
    # so that a run paused often held its whole history twice (48 bytes an epoch here).
    recorder = RunRecorder(n_layers=2)
    records = [stretch(recorder, 1 + 25 * k, 25 * (k + 1)) for k in range(stretches)]
    done = state(recorder)
    assert sum(r.change.nbytes for r in records) == 0
    # Undone, a stretch holds exactly its own epochs, for a redo.
    for k, record in enumerate(reversed(records), 1):
        recorder.apply(record, after=False)
        assert record.change.held
        assert record.change.nbytes == 25 * ROW_BYTES
        assert len(recorder.run.losses) == 25 * (stretches - k)
    assert sum(r.change.nbytes for r in records) == stretches * 25 * ROW_BYTES
    for record in records:  # redone: the run has them again, the record lets go
        recorder.apply(record, after=True)
        assert not record.change.held
        assert record.change.nbytes == 0
    assert_same(state(recorder), done)


def test_a_stretch_after_a_rewind_holds_the_history_it_replaced_and_no_more():
    recorder = RunRecorder(n_layers=2)
    first = stretch(recorder, 1, 100)
    done = state(recorder)
    # Rewound to epoch 40, trained on from there: the 60 epochs replaced are held.
    second = stretch(recorder, 41, 50, start=recorder.run.snapshots.latest(40))
    assert first.change.nbytes == 0
    assert second.change.nbytes == 60 * ROW_BYTES
    recorder.apply(second, after=False)
    assert_same(state(recorder), done)
    assert second.change.nbytes == (60 + 10) * ROW_BYTES  # and its own 10, for a redo
    recorder.apply(second, after=True)
    assert len(recorder.run.losses) == 50
    assert second.change.nbytes == 60 * ROW_BYTES


def test_what_a_file_keeps_of_a_long_run_is_thinned_without_copying_the_run():
    """Reported: a 30-minute run at full speed (29 million epochs) stalled the window for
    seconds every minute: its autosave copied the whole record (~1 GB) to thin it.
    What saving takes no longer grows with the run (only the kept entries count)."""
    import tracemalloc

    from bpdesk.core.bpnet import HISTORY_POINTS

    def peak_saving(epochs: int) -> int:
        recorder = RunRecorder(2)
        rows = np.vstack([np.linspace(1, 0, epochs), np.full((3, epochs), np.nan)])
        recorder.run.losses.extend(rows)
        recorder.run.gradients.extend(np.ones((epochs, 2)))
        tracemalloc.start()
        try:
            history = recorder.saved_history(epochs)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert history.epochs == epochs
        assert len(history.train_loss) <= HISTORY_POINTS
        assert history.train_loss[-1] == pytest.approx(0.0)
        assert len(history.gradient_norms) == 2
        return peak

    short, long = peak_saving(2_000_000), peak_saving(6_000_000)  # records of 64 and 192 MB
    assert long < 1.3 * short  # a copy of the record would add 128 MB
