"""What a sweep remembers of its networks' runs: loss curves, thinned, and the outcome.

:class:`LossCurves` keeps every network's loss once per epoch while it has
room, then thins itself by two (keeping every second column) whenever it is
full, so a sweep of any length holds at most ``points`` float32 numbers per
network. :class:`SweepResult` is a sweep's outcome as plain, frozen data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from bpdesk.core.network import Network
from bpdesk.core.optimizers import OptimizerState
from bpdesk.core.trainer_state import ShuffleState, TrainerState

# Columns a sweep's loss curves keep per network (then they thin by two): 8 KB a network.
CURVE_POINTS = 2048


class LossCurves:
    """Each network's training loss, one column per recorded epoch, in float32.

    Column ``i`` holds the losses at epoch ``(i + 1)·every``; ``every`` doubles
    whenever the ``points`` columns are full. A network that stopped has NaN
    from then on.
    """

    def __init__(self, n_networks: int, points: int = CURVE_POINTS) -> None:
        if points < 2:
            raise ValueError(f"a loss curve needs room for at least 2 points, got {points}")
        self.points = int(points)
        self.every = 1
        self.columns = 0
        self._values = np.full((n_networks, self.points), np.nan, dtype=np.float32)

    @property
    def nbytes(self) -> int:
        """The memory the curves hold."""
        return self._values.nbytes

    def record(self, epoch: int, losses: np.ndarray, rows: np.ndarray | None) -> None:
        """Record the losses at ``epoch`` of the networks ``rows`` (None: all of them)."""
        if epoch % self.every:
            return
        if self.columns == self.points:
            half = self.points // 2
            self._values[:, :half] = self._values[:, 1 : 2 * half : 2]
            self._values[:, half:] = np.nan
            self.columns, self.every = half, self.every * 2
            if epoch % self.every:
                return
        if rows is None:
            self._values[:, self.columns] = losses
        else:
            self._values[rows, self.columns] = losses
        self.columns += 1

    def epochs(self) -> np.ndarray:
        """The epoch of each recorded column."""
        return np.arange(1, self.columns + 1, dtype=np.int64) * self.every

    def values(self) -> np.ndarray:
        """A copy of the recorded columns, ``(networks, columns)`` float32."""
        return self._values[:, : self.columns].copy()


def _frozen(array: np.ndarray) -> np.ndarray:
    # The sweep hands over copies of its own: they are made read-only, not copied again.
    array = np.asarray(array)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class SweepRun:
    """One network of a sweep: the seed of its starting weights and of its mini-batch
    order (what ``bpdesk train --seed`` seeds), and its learning rate."""

    seed: int
    learning_rate: float


class SweepOutcomes:
    """What a sweep's outcome says of its runs, for any class with ``runs``, ``target``,
    ``final_losses``, ``diverged_at``, ``template`` and ``parameters`` (a result, or
    what a document keeps of one)."""

    runs: tuple[SweepRun, ...]
    target: float
    final_losses: np.ndarray
    diverged_at: np.ndarray
    template: Network
    parameters: np.ndarray | None

    @property
    def n_networks(self) -> int:
        """How many networks the sweep trained."""
        return len(self.runs)

    @property
    def seeds(self) -> tuple[int, ...]:
        """Each network's seed."""
        return tuple(run.seed for run in self.runs)

    @property
    def learning_rates(self) -> tuple[float, ...]:
        """Each network's learning rate."""
        return tuple(run.learning_rate for run in self.runs)

    @property
    def diverged(self) -> np.ndarray:
        """True for each network that diverged."""
        return self.diverged_at > 0

    @property
    def converged(self) -> np.ndarray:
        """True for each network that ended below the target without diverging."""
        return (self.final_losses < self.target) & ~self.diverged

    @property
    def converged_fraction(self) -> float:
        """The fraction of networks that converged."""
        return float(np.count_nonzero(self.converged)) / self.n_networks

    def network(self, k: int) -> Network:
        """Network ``k`` as it ended (a new :class:`Network`, seeded with its run's seed)."""
        if self.parameters is None:
            raise ValueError("this sweep does not keep its networks' weights")
        t = self.template
        return Network(
            t.layer_sizes,
            t.activations,
            loss=t.loss,
            init=t.init,
            seed=self.runs[k].seed,
            dtype=t.dtype.name,
            parameters=self.parameters[k],
            bias=t.has_bias,
        )


@dataclass(frozen=True, eq=False)
class SweepResult(SweepOutcomes):
    """A sweep's outcome, as read-only arrays nobody else holds (the sweep hands over
    copies): one entry per network, in the order of ``runs``.

    ``template`` is a network of the sweep's architecture (its weights are not
    any run's); ``epoch`` the epochs the sweep ran; ``net_steps`` the
    optimiser steps taken by all networks together.

    ``epochs`` is how far each network trained (a diverged one: the last epoch
    with finite figures, whose weights it keeps); ``final_losses`` its training
    loss there; ``epochs_to_target`` the first epoch its loss was below
    ``target`` (-1: never); ``diverged_at`` the epoch it diverged (0: it did
    not), with the ``reasons``. The accuracies and the test losses are of the
    final weights (None without classes, or without a test set). ``curves``
    holds each network's loss at ``curve_epochs`` (thinned, float32; NaN after
    a network stopped). ``optimizer``, ``optimizer_steps``,
    ``optimizer_buffers`` (each ``(networks, parameters)``) and ``shuffles``
    are what each network's trainer carries on with (:meth:`trainer_state`).
    """

    template: Network = field(repr=False)
    runs: tuple[SweepRun, ...]
    target: float
    epoch: int
    epochs: np.ndarray
    start_losses: np.ndarray
    final_losses: np.ndarray
    epochs_to_target: np.ndarray
    diverged_at: np.ndarray
    reasons: tuple[str, ...]
    parameters: np.ndarray = field(repr=False)
    train_accuracy: np.ndarray | None
    test_losses: np.ndarray | None
    test_accuracy: np.ndarray | None
    curve_epochs: np.ndarray = field(repr=False)
    curves: np.ndarray = field(repr=False)
    net_steps: int
    optimizer: str
    optimizer_steps: np.ndarray = field(repr=False)
    optimizer_buffers: Mapping[str, np.ndarray] = field(repr=False)
    shuffles: tuple[ShuffleState, ...] = field(repr=False)

    def __post_init__(self) -> None:
        for name in (
            "epochs",
            "start_losses",
            "final_losses",
            "epochs_to_target",
            "diverged_at",
            "parameters",
            "train_accuracy",
            "test_losses",
            "test_accuracy",
            "curve_epochs",
            "curves",
            "optimizer_steps",
        ):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _frozen(value))
        buffers = {key: _frozen(value) for key, value in self.optimizer_buffers.items()}
        object.__setattr__(self, "optimizer_buffers", MappingProxyType(buffers))

    def trainer_state(self, k: int) -> TrainerState:
        """What network ``k``'s trainer would carry on with: a :class:`bpdesk.core.Trainer`
        given it (and :meth:`network`) continues that run exactly, as if it had been
        trained alone (a diverged network's optimiser starts afresh, as the trainer's does)."""
        buffers = {key: values[k] for key, values in self.optimizer_buffers.items()}
        state = OptimizerState(self.optimizer, int(self.optimizer_steps[k]), buffers)
        return TrainerState(int(self.epochs[k]), state, self.shuffles[k])
