"""A race as a job on the job runner: a frozen copy of the race so far per report, and
the result with its projection at the end (or what it ran when asked to stop)."""

from __future__ import annotations

from dataclasses import dataclass

from bpdesk.core.race import Race
from bpdesk.core.race_result import RaceResult
from bpdesk.ui.jobs import Job, JobState, JobStopped

REPORT_INTERVAL = 1 / 20  # seconds: the curves grow about twenty times a second
PROGRESS_STEPS = 1000  # progress is sent in thousandths (a budget may pass 2**31)


@dataclass(frozen=True, eq=False)
class RaceOutcome:
    """What a race job hands back: the result, what was raced, and whether it was stopped."""

    result: RaceResult
    label: str
    stopped: bool


@dataclass(frozen=True, eq=False)
class RaceJob(Job):
    """One race to run. The :class:`Race` is built in the GUI thread (from copies of the
    document's network; the data are read-only) and touched only by this job afterwards."""

    name = "bpdesk-race"
    report_interval = REPORT_INTERVAL

    race: Race
    label: str  # what is raced, for the learner: "2-2-1 sigmoid, mse, 9 parameters · XOR"

    def work(self, state: JobState):
        """Give each method its turns; a copy of the race when a report is due, the
        result at the end."""
        race = self.race
        stopped = False
        try:
            for _ in race.rounds():
                state.set_progress(self._progress(), PROGRESS_STEPS)
                yield race.result() if state.report_due() else None
        except JobStopped:
            stopped = True
        return RaceOutcome(race.result(projection=True), self.label, stopped)

    def _progress(self) -> int:
        """Thousandths of the three budgets spent (a finished method counts as spent)."""
        race = self.race
        spent = sum(race.budget if r.done else r.forward_passes for r in race.racers)
        return int(PROGRESS_STEPS * spent / (3 * race.budget))
