"""A sweep as a job on the job runner: built in the job's thread from copies, one
frozen snapshot per report, and the outcome at the end (or what it trained when
asked to stop)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bpdesk.core import Dataset, Network, TrainConfig
from bpdesk.core.sweep import Sweep, SweepResult
from bpdesk.core.sweep_record import SweepRun
from bpdesk.ui.jobs import Job, JobState, JobStopped

REPORT_INTERVAL = 1 / 20  # seconds: the fan of curves gains a column per report


@dataclass(frozen=True, eq=False)
class SweepOutcome:
    """What a sweep job hands back: the engine's result, the settings it ran with,
    whether it stopped before its last epoch, and how long it took."""

    result: SweepResult
    config: TrainConfig
    dataset: str
    stopped: bool
    seconds: float


@dataclass(frozen=True, eq=False)
class SweepJob(Job):
    """One sweep to run: a private copy of the network (its architecture), the data
    (read-only arrays), the shared settings and the runs. Nothing in it is the document's."""

    name = "bpdesk-sweep"
    report_interval = REPORT_INTERVAL

    network: Network
    dataset: Dataset
    config: TrainConfig  # with the epochs to train; each run's seed and rate are its own
    runs: tuple[SweepRun, ...]
    target: float
    dataset_label: str

    def work(self, state: JobState):
        """Train every run at once; a snapshot when a report is due, the outcome at the end."""
        started = time.perf_counter()
        sweep = Sweep(self.network, self.dataset, self.config, self.runs, target=self.target)
        total = self.config.epochs or 0
        try:
            for snapshot in sweep.run(state.control):
                state.set_progress(snapshot.epoch, max(total, snapshot.epoch))
                yield snapshot if state.report_due() else None
        except JobStopped:
            pass
        result = sweep.result()
        stopped = result.epoch < total and sweep.running > 0
        return SweepOutcome(
            result, self.config, self.dataset_label, stopped, time.perf_counter() - started
        )
