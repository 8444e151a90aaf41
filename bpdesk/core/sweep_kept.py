"""What a document keeps of a sweep: the outcome of every run, its loss curve (thinned)
and, while they are few enough, the networks as they ended.

A :class:`KeptSweep` is what the window shows and the ``.bpnet`` file holds
(:mod:`bpdesk.core.bpnet_sweeps`); :meth:`KeptSweep.table` is what its CSV
export writes. It is bounded whatever was swept: at most
:data:`KEPT_CURVE_POINTS` loss values per network, and the networks' weights
only while all of them together are at most :data:`MAX_KEPT_PARAMETERS`
numbers (beyond that the outcome is kept, the weights are not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bpdesk.core.csv_export import Cell
from bpdesk.core.network import Network
from bpdesk.core.sweep_record import SweepOutcomes, SweepResult, SweepRun
from bpdesk.core.training import TrainConfig

# Loss values kept per network: more than a fan of faint curves has pixels across.
KEPT_CURVE_POINTS = 256
# Loss values kept in one sweep's curves, all runs together (10,000 runs keep 25 each).
MAX_CURVE_NUMBERS = 250_000
MAX_DATASET_CHARS = 200  # the data's name as a sweep keeps it
# Weights and biases kept for all networks together (100 networks of 10,000 parameters):
# as JSON about 25 MB, a tenth of what a .bpnet file may hold.
MAX_KEPT_PARAMETERS = 1_000_000

TABLE_HEADER = (
    "run",
    "seed",
    "learning_rate",
    "final_loss",
    "converged",
    "epochs_to_target",
    "epochs_trained",
    "diverged_at_epoch",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "reason",
)


def _frozen(array: np.ndarray | None, dtype: npt.DTypeLike | None = None) -> np.ndarray | None:
    if array is None:
        return None
    array = np.array(array, dtype=dtype)  # a copy of its own
    array.flags.writeable = False
    return array


def curve_points_for(n_networks: int) -> int:
    """How many loss values per run a sweep of ``n_networks`` keeps."""
    return max(2, min(KEPT_CURVE_POINTS, MAX_CURVE_NUMBERS // max(n_networks, 1)))


def thin_columns(epochs: np.ndarray, curves: np.ndarray, points: int) -> tuple[np.ndarray, ...]:
    """At most ``points`` columns of ``curves`` (``(networks, columns)``): every k-th,
    ending on the last, with their epochs."""
    n = len(epochs)
    if n <= points:
        return epochs, curves
    step = math.ceil(n / points)
    keep = np.arange(n - 1, -1, -step)[::-1]
    return epochs[keep], curves[:, keep]


@dataclass(frozen=True, eq=False)
class KeptSweep(SweepOutcomes):
    """A finished (or stopped) sweep as a document keeps it; read-only arrays, one entry
    per run in the order of ``runs``.

    ``config`` holds the training settings every run shared (each run's own seed and
    learning rate are in ``runs``), ``dataset`` the data's name, ``epoch`` the epochs
    the sweep ran, ``stopped`` whether it was stopped before its last epoch. The
    other fields are those of :class:`~bpdesk.core.sweep.SweepResult`;
    ``parameters`` is None when the networks were too many to keep.
    """

    template: Network = field(repr=False)
    runs: tuple[SweepRun, ...] = field(repr=False)
    target: float
    epoch: int
    config: TrainConfig
    dataset: str
    stopped: bool
    epochs: np.ndarray = field(repr=False)
    final_losses: np.ndarray = field(repr=False)
    epochs_to_target: np.ndarray = field(repr=False)
    diverged_at: np.ndarray = field(repr=False)
    reasons: tuple[str, ...] = field(repr=False)
    curve_epochs: np.ndarray = field(repr=False)
    curves: np.ndarray = field(repr=False)
    parameters: np.ndarray | None = field(default=None, repr=False)
    train_accuracy: np.ndarray | None = field(default=None, repr=False)
    test_losses: np.ndarray | None = field(default=None, repr=False)
    test_accuracy: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name, dtype in (
            ("epochs", np.int64),
            ("final_losses", np.float64),
            ("epochs_to_target", np.int64),
            ("diverged_at", np.int64),
            ("curve_epochs", np.int64),
            ("curves", np.float32),
            ("parameters", self.template.dtype),
            ("train_accuracy", np.float64),
            ("test_losses", np.float64),
            ("test_accuracy", np.float64),
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        object.__setattr__(self, "template", self.template.copy())

    @classmethod
    def of(
        cls,
        result: SweepResult,
        config: TrainConfig,
        dataset: str,
        stopped: bool = False,
        curve_points: int | None = None,
        max_parameters: int = MAX_KEPT_PARAMETERS,
    ) -> KeptSweep:
        """What a document keeps of ``result``, swept with ``config`` on ``dataset``."""
        if curve_points is None:
            curve_points = curve_points_for(result.n_networks)
        epochs, curves = thin_columns(result.curve_epochs, result.curves, curve_points)
        # A loss past float32 is off the top of any plot: kept finite, so a file holds it.
        curves = np.minimum(curves, np.finfo(np.float32).max)
        keep_weights = result.parameters.size <= max_parameters
        return cls(
            template=result.template,
            runs=result.runs,
            target=result.target,
            epoch=result.epoch,
            config=config,
            dataset=dataset[:MAX_DATASET_CHARS],
            stopped=stopped,
            epochs=result.epochs,
            final_losses=result.final_losses,
            epochs_to_target=result.epochs_to_target,
            diverged_at=result.diverged_at,
            reasons=result.reasons,
            curve_epochs=epochs,
            curves=curves,
            parameters=result.parameters if keep_weights else None,
            train_accuracy=result.train_accuracy,
            test_losses=result.test_losses,
            test_accuracy=result.test_accuracy,
        )

    @property
    def several_rates(self) -> bool:
        """True for a learning-rate sweep (more than one learning rate)."""
        return len(set(self.learning_rates)) > 1

    def describe(self) -> str:
        """``2-2-1 sigmoid · XOR · 100 seeds · 2,000 epochs``: the sweep in a line."""
        seeds, rates = len(set(self.seeds)), len(set(self.learning_rates))
        what = f"{seeds:,} seed{'s' if seeds != 1 else ''}"
        if rates > 1:
            what += f" × {rates} learning rates"
        arch = "-".join(map(str, self.template.layer_sizes))
        hidden = "/".join(dict.fromkeys(self.template.activations[:-1]))
        return f"{arch} {hidden} · {self.dataset} · {what} · {self.epoch:,} epochs".replace(
            "  ", " "
        )

    def run_name(self, k: int) -> str:
        """``seed 7`` or ``seed 7, η 0.5``: run ``k`` in the learner's words."""
        run = self.runs[k]
        return (
            f"seed {run.seed}, η {run.learning_rate:g}"
            if self.several_rates
            else f"seed {run.seed}"
        )

    def outcome(self, k: int) -> str:
        """``converged at epoch 412``, ``stuck``, ``diverged at epoch 510``."""
        if self.diverged_at[k]:
            return f"diverged at epoch {int(self.diverged_at[k]):,}"
        if self.final_losses[k] < self.target:
            return f"converged (below {self.target:g} at epoch {int(self.epochs_to_target[k]):,})"
        return "did not converge"

    def table(self) -> tuple[tuple[str, ...], list[list[Cell]]]:
        """The CSV export: a header and one row per run (empty cells where nothing applies)."""

        def cell(values: np.ndarray | None, k: int) -> Cell:
            if values is None or not math.isfinite(values[k]):
                return ""
            return float(values[k])

        rows: list[list[Cell]] = []
        converged = self.converged
        for k, run in enumerate(self.runs):
            to_target = int(self.epochs_to_target[k])
            diverged = int(self.diverged_at[k])
            rows.append(
                [
                    k,
                    run.seed,
                    run.learning_rate,
                    cell(self.final_losses, k),
                    int(bool(converged[k])),
                    to_target if to_target > 0 else "",
                    int(self.epochs[k]),
                    diverged if diverged else "",
                    cell(self.train_accuracy, k),
                    cell(self.test_losses, k),
                    cell(self.test_accuracy, k),
                    self.reasons[k],
                ]
            )
        return TABLE_HEADER, rows
