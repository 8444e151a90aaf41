"""Sweeps: many networks of one architecture trained at once, each from its own seed
and with its own learning rate, on one dataset.

Network ``k`` of a sweep is the network a :class:`bpdesk.core.Trainer` trains
alone: its starting weights are ``Network(..., seed=runs[k].seed)``'s, its
mini-batches are drawn in the order ``TrainConfig(seed=runs[k].seed)`` draws
them (one permutation per mini-batch epoch from NumPy's PCG64), its step is
the same arithmetic in the same order with ``runs[k].learning_rate``, and the
same rules end its run when it diverges. Only the cost differs: the K networks
are stacks (:mod:`bpdesk.core.stacked`), so one epoch of all of them takes the
NumPy calls one network's epoch takes.

A network that diverges (its loss stops being finite, or its weights grow too
large to compute with: the trainer's rules) stops there with the weights of
its last finite epoch, and is reported with the epoch it diverged at; it
leaves the stacks, so the others go on at the speed of a smaller sweep.

Memory is bounded by the number of networks: each holds its parameters a few
times (weights, gradient, last good weights, the final weights kept for the
result and the result's copy; momentum adds two copies, Adam five), its
activations for one full batch and one mini-batch (as a lone trainer does),
its loss curve (:data:`CURVE_POINTS` float32 numbers) and, with mini-batches
from several seeds, its own shuffled copy of the training set.
:func:`sweep_bytes` adds it up; a sweep refuses to start above ``max_bytes``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bpdesk.core.datasets import Dataset
from bpdesk.core.errors import ConfigError
from bpdesk.core.network import Network, augment
from bpdesk.core.optimizers import add_regularization
from bpdesk.core.stacked import StackedWorkspace, make_stacked_optimizer, stacked_blocks
from bpdesk.core.sweep_record import CURVE_POINTS, LossCurves, SweepResult, SweepRun
from bpdesk.core.trainer_state import ShuffleState
from bpdesk.core.training import (
    TrainConfig,
    TrainingControl,
    non_finite_name,
    parameters_problem,
)

__all__ = ["CURVE_POINTS", "Sweep", "SweepResult", "SweepRun", "SweepSnapshot", "sweep_runs"]

# What a sweep may hold unless told otherwise (see sweep_bytes).
DEFAULT_MAX_BYTES = 2**30


def sweep_runs(seeds: Sequence[int], learning_rates: Sequence[float]) -> tuple[SweepRun, ...]:
    """Every combination of ``seeds`` and ``learning_rates``: for each learning rate in
    turn, every seed."""
    return tuple(SweepRun(int(s), float(lr)) for lr in learning_rates for s in seeds)


@dataclass(frozen=True, eq=False)
class SweepSnapshot:
    """A sweep after one epoch: each network's training loss now (a stopped one's:
    its last), and how many are ``running``, have ``diverged``, and have ``reached``
    the target at some epoch. ``losses`` is a copy nobody else holds."""

    epoch: int
    losses: np.ndarray
    running: int
    diverged: int
    reached: int
    net_steps: int


def sweep_bytes(
    network: Network,
    dataset: Dataset,
    config: TrainConfig,
    n_networks: int,
    curve_points: int = CURVE_POINTS,
) -> int:
    """About the most memory a sweep of ``n_networks`` like this holds (see the module),
    its :meth:`Sweep.result` included: ``n_networks`` times a figure of one network."""
    k, p, n = n_networks, network.parameters.size, dataset.n_train
    sizes = network.layer_sizes
    copies = 6 + {"momentum": 2, "adam": 5}.get(config.optimizer, 0)  # with the result's
    # a, z, δ and scratch: at most 4 numbers per neuron and example, in the workspaces of
    # the full batch, the mini-batches and the final scoring (training and test sets).
    per_example = 4 * sum(n_l + 1 for n_l in sizes[1:])
    batch = min(config.batch_size or n, n)
    examples = 2 * n + (2 * batch if batch < n else 0) + dataset.n_test
    numbers = copies * p + per_example * examples + 3 * sizes[-1] * n  # and the loss's
    shuffled = (sizes[0] + 2 + sizes[-1]) * n if batch < n else 0  # a copy and an index
    bytes_per_network = 8 * (numbers + shuffled) + 2 * 4 * curve_points
    return k * bytes_per_network


class Sweep:
    """Trains the networks ``runs`` describes, all of ``network``'s architecture, on
    ``dataset`` with ``config``'s settings (its learning rate and seed are each run's).

    ``network`` gives the architecture, the initialiser, the type and whether
    there are biases; its own weights are not used. A network counts as having
    reached ``target`` at the first epoch its training loss is below it.
    """

    def __init__(
        self,
        network: Network,
        dataset: Dataset,
        config: TrainConfig,
        runs: Sequence[SweepRun],
        target: float = 0.01,
        curve_points: int = CURVE_POINTS,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
    ) -> None:
        if network.layer_sizes[0] != dataset.n_inputs or (
            network.layer_sizes[-1] != dataset.n_outputs
        ):
            raise ConfigError(
                f"the network {'-'.join(map(str, network.layer_sizes))} does not fit the "
                f"dataset ({dataset.n_inputs} inputs, {dataset.n_outputs} outputs)"
            )
        self.runs = tuple(runs)
        if not self.runs:
            raise ConfigError("a sweep needs at least one network")
        self.config = config.validated()
        for run in self.runs:
            replace(self.config, learning_rate=run.learning_rate, seed=run.seed).validated()
        if not isinstance(target, (int, float)) or not math.isfinite(target) or target <= 0:
            raise ConfigError(f"the target loss must be a positive number, got {target!r}")
        self.target = float(target)
        needed = sweep_bytes(network, dataset, self.config, len(self.runs), curve_points)
        if max_bytes is not None and needed > max_bytes:
            raise ConfigError(
                f"{len(self.runs):,} networks like this would need about {needed / 2**20:,.0f} MB "
                f"(the limit is {max_bytes / 2**20:,.0f} MB): sweep fewer networks or use mini-batches"
            )
        self.template = network.copy()
        self.dataset = dataset
        self.epoch = 0
        self.net_steps = 0
        dtype = network.dtype
        self._loss = network.loss_function
        self._x = augment(dataset.X_train, dtype)  # (n_in + 1, n), shared by every network
        self._t = np.ascontiguousarray(dataset.T_train.T, dtype=dtype)  # (n_out, n)
        self._n = self._x.shape[1]
        self._mask = network.weight_mask()
        k = len(self.runs)
        self._all_parameters = self._starting_parameters()  # stopped networks' final weights
        self._active = np.arange(k)
        self._all_active = True
        self._generators = {run.seed: np.random.default_rng(run.seed) for run in self.runs}
        self._shuffles: dict[int, ShuffleState] = {}  # at divergence, per network
        self._epochs = np.zeros(k, dtype=np.int64)
        self._to_target = np.full(k, -1, dtype=np.int64)
        self._diverged_at = np.zeros(k, dtype=np.int64)
        self._reasons = [""] * k
        self._reached = 0
        self.curves = LossCurves(k, curve_points)
        self._optimizer = make_stacked_optimizer(
            self.config.optimizer,
            self._all_parameters.shape,
            dtype,
            [run.learning_rate for run in self.runs],
            self.config.momentum,
        )
        self._stack(self._all_parameters.copy())
        with np.errstate(all="ignore"):
            y = self._full.forward(self._x)
            self._start_losses = np.asarray(
                self._loss.values(y, self._t, self._full.z[-1]), dtype=np.float64
            )
        self._fresh = True  # the full-batch workspace holds the forward pass of the weights
        self._losses = self._start_losses.copy()  # each network's loss now (stopped: last)
        self._unreached = np.ones(k, dtype=bool)  # of the running networks
        self._below = np.empty(k, dtype=bool)

    # -- set-up ------------------------------------------------------------------------

    def _starting_parameters(self) -> np.ndarray:
        t = self.template
        rows = np.empty((len(self.runs), t.parameters.size), dtype=t.dtype)
        made: dict[int, np.ndarray] = {}
        for k, run in enumerate(self.runs):
            start = made.get(run.seed)
            if start is None:
                net = Network(
                    t.layer_sizes,
                    t.activations,
                    loss=t.loss,
                    init=t.init,
                    seed=run.seed,
                    dtype=t.dtype.name,
                    bias=t.has_bias,
                )
                start = made[run.seed] = net.parameters
            rows[k] = start
        return rows

    def _stack(self, parameters: np.ndarray) -> None:
        """Make ``parameters`` (``(running, n_parameters)``) the stacks that train."""
        self._params = parameters
        self._blocks = stacked_blocks(self.template, parameters)
        self._grad = np.zeros_like(parameters)
        self._grad_blocks = stacked_blocks(self.template, self._grad)
        self._last_good = parameters.copy()
        self._workspaces: dict[int, StackedWorkspace] = {}
        self._full = self._workspace(self._n)
        self._fresh = False
        seeds = [self.runs[k].seed for k in self._active]
        distinct = list(dict.fromkeys(seeds))
        # One shuffle per distinct seed: networks that share a seed share their batches.
        self._seed_groups = distinct
        index = {seed: i for i, seed in enumerate(distinct)}
        self._group_of = np.array([index[s] for s in seeds], dtype=np.intp)

    def _workspace(self, batch: int) -> StackedWorkspace:
        ws = self._workspaces.get(batch)
        if ws is None:
            ws = self._workspaces[batch] = StackedWorkspace(self.template, self._blocks, batch)
        return ws

    # -- state -------------------------------------------------------------------------

    @property
    def running(self) -> int:
        """How many networks are still training."""
        return len(self._active)

    @property
    def finished(self) -> bool:
        """True when every network has stopped or the configured epochs are done."""
        epochs = self.config.epochs
        return not self.running or (epochs is not None and self.epoch >= epochs)

    # -- training ----------------------------------------------------------------------

    def run_epoch(self) -> SweepSnapshot:
        """Train every running network for one epoch; return the sweep's snapshot."""
        if not self.running:
            raise ConfigError("every network of this sweep has stopped")
        # Diverging networks overflow on purpose; they are reported, not warned about.
        with np.errstate(all="ignore"):
            self._train_epoch()
            self.epoch += 1
            self._score()
        return SweepSnapshot(
            self.epoch,
            self._losses.copy(),
            self.running,
            int(np.count_nonzero(self._diverged_at)),
            self._reached,
            self.net_steps,
        )

    def run(self, control: TrainingControl | None = None) -> Iterator[SweepSnapshot]:
        """Yield a snapshot per epoch until ``config.epochs``, a stop request, or every
        network has diverged. ``control`` is read between epochs (stop and pause;
        new settings are not taken: a sweep's runs are fixed)."""
        while not self.finished:
            if control is not None:
                if control.paused:
                    control.wait_while_paused()
                if control.stop_requested:
                    return
            snapshot = self.run_epoch()
            if control is not None:
                control.take_step()
            yield snapshot

    def _train_epoch(self) -> None:
        n = self._n
        batch = self.config.batch_size or n
        if batch >= n:
            # As the trainer: the forward pass that scored the last epoch is this step's.
            ws = self._full
            if not self._fresh:
                ws.forward(self._x)
            ws.backward(self._t, self._grad_blocks)
            self._update(n)
            self.net_steps += self.running
            return
        x, t = self._shuffled()
        for start in range(0, n, batch):
            size = min(batch, n - start)
            ws = self._workspace(size)
            ws.forward(x[..., start : start + size])
            ws.backward(t[..., start : start + size], self._grad_blocks)
            self._update(size)
            self.net_steps += self.running

    def _shuffled(self) -> tuple[np.ndarray, np.ndarray]:
        """This epoch's order of the examples: ``(n_in + 1, n)`` and ``(n_out, n)`` when
        every running network has one seed, else ``(K, …, n)``, one order per network."""
        orders = [self._generators[seed].permutation(self._n) for seed in self._seed_groups]
        if len(orders) == 1:
            return self._x[:, orders[0]], self._t[:, orders[0]]
        order = np.stack(orders)[self._group_of]  # (K, n)
        return self._x[:, order].transpose(1, 0, 2), self._t[:, order].transpose(1, 0, 2)

    def _update(self, batch: int) -> None:
        cfg = self.config
        if cfg.regularization != "none":
            add_regularization(
                self._grad, self._params, self._mask, cfg.regularization, cfg.reg_rate, batch
            )
        self._optimizer.step(self._params, self._grad, batch)

    def _score(self) -> None:
        """The training loss of every running network after an epoch; stop the diverged."""
        y = self._full.forward(self._x)
        self._fresh = True
        losses = self._loss.values(y, self._t, self._full.z[-1])
        flat = self._params.ravel()
        # Two reductions answer for all networks at once; only a sweep with a suspect
        # network looks at each (‖θ‖² overflows exactly when ‖θ‖ passes √max).
        if not math.isfinite(float(np.dot(flat, flat)) + float(losses.sum())):
            losses = self._stop_diverged(losses)
        np.copyto(self._last_good, self._params)
        rows = None if self._all_active else self._active
        if rows is None:
            self._losses[:] = losses
        else:
            self._losses[rows] = losses
        self.curves.record(self.epoch, losses, rows)
        below = self._below[: len(losses)]
        np.less(losses, self.target, out=below)
        np.logical_and(below, self._unreached, out=below)
        if below.any():
            self._to_target[self._active[below]] = self.epoch
            self._unreached[below] = False
            self._reached += int(np.count_nonzero(below))

    def _stop_diverged(self, losses: np.ndarray) -> np.ndarray:
        """Stop the networks whose loss or weights stopped being finite; return the
        losses of the others."""
        sums = np.einsum("kp,kp->k", self._params, self._params)
        bad = ~(np.isfinite(losses) & np.isfinite(sums))
        if not bad.any():
            return losses
        for i in np.flatnonzero(bad):
            self._diverge(int(i), float(losses[i]))
        keep = ~bad
        self._all_parameters[self._active[bad]] = self._last_good[bad]
        self._active = self._active[keep]
        self._all_active = False
        self._unreached = self._unreached[keep]
        self._optimizer.keep(keep)
        self._stack(self._params[keep])
        return losses[keep]

    def _diverge(self, i: int, loss: float) -> None:
        """Record why network ``i`` of the stacks diverged at this epoch (the trainer's words)."""
        k = int(self._active[i])
        run = self.runs[k]
        bad_epoch = self.epoch
        self._diverged_at[k] = bad_epoch
        self._epochs[k] = bad_epoch - 1
        self._shuffles[k] = ShuffleState.of(run.seed, self._generators[run.seed])
        if not math.isfinite(loss):
            what, why = f"the loss became {non_finite_name(loss)}", ""
        else:
            what, why = parameters_problem(self._params[i])
        reason = (
            f"{what} at epoch {bad_epoch}{why}; the network was put back to epoch "
            f"{bad_epoch - 1}. Try a lower learning rate (it is {run.learning_rate:g})."
        )
        if bad_epoch == 1:
            start = float(self._start_losses[k])
            theta = self._last_good[i]
            if not math.isfinite(start):
                reason = (
                    f"the loss is {non_finite_name(start)} before any training: the "
                    "targets or the weights are too large to compute with"
                )
            elif not math.isfinite(float(np.dot(theta, theta))):
                what, why = parameters_problem(theta, start=True)
                reason = f"{what} before any training{why}"
        self._reasons[k] = reason

    # -- results -----------------------------------------------------------------------

    def result(self) -> SweepResult:
        """The sweep as it stands, as frozen copies (it may go on training afterwards)."""
        k = len(self.runs)
        epochs = self._epochs.copy()
        epochs[self._active] = self.epoch
        parameters = self._all_parameters.copy()
        parameters[self._active] = self._params
        opt = self._optimizer
        steps = np.zeros(k, dtype=np.int64)  # a diverged network's optimiser starts afresh
        steps[self._active] = opt.steps
        buffers = {}
        for key in opt.buffer_names:
            values = np.zeros_like(parameters)
            values[self._active] = getattr(opt, key)
            buffers[key] = values
        shuffles = tuple(
            self._shuffles.get(i) or ShuffleState.of(run.seed, self._generators[run.seed])
            for i, run in enumerate(self.runs)
        )
        train_acc, test_losses, test_acc = self._final_scores(parameters)
        return SweepResult(
            template=self.template.copy(),
            runs=self.runs,
            target=self.target,
            epoch=self.epoch,
            epochs=epochs,
            start_losses=self._start_losses.copy(),
            final_losses=self._losses.copy(),
            epochs_to_target=self._to_target.copy(),
            diverged_at=self._diverged_at.copy(),
            reasons=tuple(self._reasons),
            parameters=parameters,
            train_accuracy=train_acc,
            test_losses=test_losses,
            test_accuracy=test_acc,
            curve_epochs=self.curves.epochs(),
            curves=self.curves.values(),
            net_steps=self.net_steps,
            optimizer=opt.name,
            optimizer_steps=steps,
            optimizer_buffers=buffers,
            shuffles=shuffles,
        )

    def _final_scores(
        self, parameters: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Training accuracy, test loss and test accuracy of every network's final weights."""
        data = self.dataset
        blocks = stacked_blocks(self.template, parameters)
        dtype = self.template.dtype
        with np.errstate(all="ignore"):
            train_acc = None
            if data.kind != "regression":
                y = StackedWorkspace(self.template, blocks, self._n).forward(self._x)
                train_acc = _accuracies(y, self._t, data.kind)
            if not data.n_test:
                return train_acc, None, None
            x = augment(data.X_test, dtype)
            t = np.ascontiguousarray(data.T_test.T, dtype=dtype)
            ws = StackedWorkspace(self.template, blocks, data.n_test)
            y = ws.forward(x)
            losses = np.asarray(self._loss.values(y, t, ws.z[-1]), dtype=np.float64)
            test_acc = None if data.kind == "regression" else _accuracies(y, t, data.kind)
        return train_acc, losses, test_acc


def _accuracies(y: np.ndarray, t: np.ndarray, kind: str) -> np.ndarray:
    """The fraction right of each network's outputs ``y`` (``(K, n_out, n)``), as
    :func:`bpdesk.core.metrics.accuracy` judges one network's."""
    if kind == "multiclass":
        right = np.argmax(y, axis=1) == np.argmax(t, axis=0)
    else:
        right = (y[:, 0] > 0.5) == (t[0] > 0.5)
    return np.asarray(right.mean(axis=1), dtype=np.float64)
