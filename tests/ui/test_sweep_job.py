"""A sweep on the job runner: progress, frozen partial results, a stop within one epoch.

The engine's :meth:`bpdesk.core.sweep.Sweep.run` is a generator of frozen
snapshots that reads a :class:`bpdesk.core.TrainingControl` between epochs,
the shape the runner drives. ``SweepJob`` below is the least job around it;
the tests wait on signals, never on sleeps, and assert no speed.
"""

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication

from bpdesk.core import Network, TrainConfig, Trainer, xor
from bpdesk.core.sweep import Sweep, SweepResult, SweepSnapshot, sweep_runs
from bpdesk.ui.jobs import Job, JobRunner, JobStopped

TIMEOUT = 20_000  # ms: far more than these sweeps take, even on a loaded machine


class SweepJob(Job):
    """Trains a sweep in the job's thread: progress per epoch, a snapshot when a report
    is due, and the sweep's result at the end or when asked to stop."""

    name = "test-sweep"
    report_interval = 0.0

    def __init__(self, sweep: Sweep) -> None:
        self.sweep = sweep

    def work(self, state):
        total = self.sweep.config.epochs or 0
        try:
            for snapshot in self.sweep.run(state.control):
                state.set_progress(snapshot.epoch, max(total, snapshot.epoch))
                yield snapshot if state.report_due() else None
        except JobStopped:
            pass
        return self.sweep.result()


@pytest.fixture
def runner(qtbot):
    jobs = JobRunner()
    yield jobs
    jobs.shutdown()
    assert jobs.active() == []


def xor_sweep(epochs: int | None, seeds=range(1, 9)) -> Sweep:
    net = Network.create([2, 2, 1], activation="sigmoid", output_activation="sigmoid")
    return Sweep(
        net, xor(), TrainConfig(learning_rate=0.5, epochs=epochs), sweep_runs(seeds, [0.5])
    )


def test_a_sweep_runs_on_the_runner_with_progress_and_hands_back_its_result(qtbot, runner):
    handle = runner.start(SweepJob(xor_sweep(epochs=60)))
    progress, partials = [], []
    handle.progress.connect(lambda done, total: progress.append((done, total)))
    handle.partial.connect(partials.append)
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT) as blocker:
        pass
    result = blocker.args[0]
    assert isinstance(result, SweepResult)
    assert result.epoch == 60
    assert progress[-1] == (60, 60)
    assert partials
    assert all(isinstance(p, SweepSnapshot) for p in partials)
    assert [p.epoch for p in partials] == sorted({p.epoch for p in partials})
    # Network k is still the lone trainer's network with seed k, run on another thread.
    net = Network.create([2, 2, 1], activation="sigmoid", output_activation="sigmoid", seed=3)
    for _ in Trainer(net, xor(), TrainConfig(learning_rate=0.5, epochs=60, seed=3)).run():
        pass
    k = result.seeds.index(3)
    assert np.allclose(result.parameters[k], net.parameters, rtol=1e-12, atol=0)


def test_a_stop_ends_an_endless_sweep_within_one_epoch_with_what_it_trained(qtbot, runner):
    sweep = xor_sweep(epochs=None, seeds=range(100))  # no last epoch: only a stop ends it
    handle = runner.start(SweepJob(sweep))
    partials = []
    handle.partial.connect(partials.append)
    qtbot.waitUntil(lambda: len(partials) >= 3, timeout=TIMEOUT)
    asked_at = sweep.epoch  # read across threads: the epoch the job is in or past
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT) as blocker:
        handle.request_stop()
    result = blocker.args[0]
    assert asked_at <= result.epoch <= asked_at + 1
    assert result.final_losses.shape == (100,)
    assert np.isfinite(result.final_losses).all()
    assert handle.is_finished()


def test_a_cancelled_sweep_sends_nothing_more_and_its_thread_ends(qtbot, runner):
    sweep = xor_sweep(epochs=None)
    handle = runner.start(SweepJob(sweep))
    qtbot.waitUntil(lambda: sweep.epoch >= 2, timeout=TIMEOUT)
    late = []
    handle.partial.connect(late.append)
    handle.finished.connect(late.append)
    handle.cancel(wait=True)
    stopped_at = sweep.epoch
    QCoreApplication.processEvents()  # anything still queued arrives now: it must be dropped
    assert handle.is_finished()
    assert late == []
    assert sweep.epoch == stopped_at  # nothing trains on after the thread ended
