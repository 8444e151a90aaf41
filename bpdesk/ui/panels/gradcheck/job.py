"""The gradient check as a job: what is checked, and what came of it.

A :class:`CheckJob` holds private copies of a network and its data and the
backprop to test (the engine's, or one with an injected bug). A quick one
runs in the GUI thread (:meth:`CheckJob.run`); a bigger one on the job
runner (:meth:`CheckJob.work`). Either way it ends in a :class:`CheckOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpdesk.core import GradCheckResult, Network, gradient_check
from bpdesk.core.bugs import Bug
from bpdesk.ui.jobs import Job, JobState

# A check runs in the GUI thread only while it is quick: up to this many
# parameters, and this many parameters × examples (a forward pass costs about
# that much arithmetic, and the check needs 2 per parameter). Then it takes
# well under a tenth of a second; anything bigger goes to the job runner.
SYNC_LIMIT = 2000
SYNC_WORK = 50_000
# The explainer's "10,000 weights": 100-64-50-1 has 9,765 weights and biases.
SCALE_UP_SIZES = (100, 64, 50, 1)
SCALE_UP_SAMPLES = 32
SCALE_UP_SEED = 0
PROGRESS_INTERVAL = 1 / 30  # seconds between progress reports: the bar needs no more

NETWORK, SCALE_UP = "network", "scale-up"  # what a check was run on


def scale_up_problem(seed: int = SCALE_UP_SEED) -> tuple[Network, np.ndarray, np.ndarray]:
    """The explainer's scale: a 100-64-50-1 tanh/sigmoid network and 32 random examples."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(SCALE_UP_SAMPLES, SCALE_UP_SIZES[0]))
    T = (rng.uniform(size=(SCALE_UP_SAMPLES, 1)) > 0.5).astype(np.float64)
    net = Network.create(SCALE_UP_SIZES, activation="tanh", output_activation="sigmoid", seed=seed)
    return net, X, T


@dataclass(frozen=True, eq=False)
class CheckJob(Job):
    """One check to run: a private copy of the network and data, and the backprop to test.

    Built in the GUI thread, run in either thread; nothing in it is shared
    with the document.
    """

    name = "bpdesk-gradcheck"
    report_interval = PROGRESS_INTERVAL  # gradient_check reports every 0.5% of parameters

    kind: str  # NETWORK or SCALE_UP
    network: Network
    X: np.ndarray
    T: np.ndarray
    bug: Bug | None
    label: str  # what was checked, for the learner: "2-2-1 sigmoid, mse, 9 parameters · 1 example"
    version: tuple  # the document's (version, rows) when the job was made (NETWORK only)

    @property
    def quick(self) -> bool:
        """True when the check is small enough to run in the GUI thread."""
        n = self.network.n_parameters
        return n <= SYNC_LIMIT and n * len(self.X) <= SYNC_WORK

    def run(self, progress=None, should_stop=None) -> CheckOutcome:
        """Run the check; an error becomes part of the outcome instead of escaping."""
        try:
            result = gradient_check(
                self.network,
                self.X,
                self.T,
                progress=progress,
                should_stop=should_stop,
                backprop=self.bug,
            )
        except Exception as exc:  # reported to the learner, not swallowed
            return CheckOutcome(self, None, f"Cannot check this network: {exc}")
        return CheckOutcome(self, result)

    def work(self, state: JobState) -> CheckOutcome:
        """Run the check on the job runner: its progress and stop requests go through ``state``."""
        return self.run(state.set_progress, state.should_stop)


@dataclass(frozen=True, eq=False)
class CheckOutcome:
    """A finished (or cancelled) check with the job it came from, or an error text."""

    job: CheckJob
    result: GradCheckResult | None
    error: str = ""

    @property
    def bug_shows(self) -> bool:
        """True when an injected bug can change this network's gradient."""
        return self.job.bug is not None and self.job.bug.applies(self.job.network, self.job.X)
