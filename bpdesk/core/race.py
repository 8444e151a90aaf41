"""The explainer's two naive ways to learn, raced against backprop on one budget.

Before it reaches backprop, the explainer tries two ideas that fail:
**random search** ("randomly tweak weights; if the error goes down, keep the
change") and **nudging each weight** ("nudge each weight and see if the error
improves: 10,000 weights = 10,000 network runs, per update"). This module
trains the same network from the same start all three ways and counts what
each costs in forward passes, the one currency they share:

* **random search** (:class:`RandomSearch`): one forward pass to learn the
  starting loss, then one per *trial*: every trainable parameter moves by
  Gaussian noise of standard deviation ``scale``, and the change is kept if the
  training loss falls. ``updates`` counts the changes kept.
* **nudging** (:class:`Nudging`): each update measures the gradient by central
  differences, ``(L(w + ε) − L(w − ε)) / 2ε`` for every parameter in turn: 2
  forward passes per parameter, then the same optimiser step backprop takes.
* **backprop** (:class:`Backprop`): one forward and one backward pass per
  update; a backward pass counts as one pass, as the explainer counts it, so an
  update costs 2.

All three learn on the whole training set (the training settings' batch size
is not used: the naive methods have no notion of a mini-batch, and full-batch
backprop is the like-for-like comparison) and in float64 (central differences
in float32 are mostly rounding). Regularisation, the optimiser and its
learning rate are the training settings'; random search uses only the loss.

**One budget.** Every method gets the same number of forward passes, and none
exceeds it: an update that would not fit in what is left is not started.

The loss curves are the training loss of the parameters each method has
reached, against the passes it has used. Random search knows that loss from
its own passes, and backprop from the forward pass of its next update; after a
nudging update, and for backprop's last update, a referee evaluates it. The
referee's passes are neither counted nor timed: they are the race's
measurement, not a method's work. ``seconds`` is each method's own time.
:class:`Race` runs the three in turns of a few hundredths of a second, so that
all three curves grow together, and stops between any two turns.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from bpdesk.core.datasets import Dataset
from bpdesk.core.errors import ConfigError
from bpdesk.core.network import Network, Workspace, augment
from bpdesk.core.optimizers import add_regularization, make_optimizer
from bpdesk.core.race_result import (
    METHODS,
    MethodResult,
    RaceResult,
    measure_projection,
)
from bpdesk.core.stacked import StackedWorkspace, stacked_blocks
from bpdesk.core.training import TrainConfig

DEFAULT_BUDGET = 100_000
MAX_BUDGET = 10**10
MIN_BUDGET = 2  # one backprop update
DEFAULT_SCALE = 0.1
DEFAULT_TARGET = 0.01
NUDGE_EPSILON = 1e-5
# The loss curves keep at most about this many points each (geometrically spaced in
# passes, as the plot's axis is logarithmic), and always the last.
CURVE_POINTS = 1500
TURN_SECONDS = 0.02  # each method's share of a round
# Memory a nudging update's stack of nudged networks may take at once.
NUDGE_STACK_BYTES = 16 * 2**20
MAX_NUDGE_CHUNK = 64  # parameters nudged per stacked forward at most


def check_budget(budget: object) -> int:
    """``budget`` as a whole number of forward passes, or :class:`ConfigError` saying why not."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)):
        raise ConfigError(f"the budget must be a whole number of forward passes, got {budget!r}")
    if not MIN_BUDGET <= budget <= MAX_BUDGET:
        raise ConfigError(
            f"the budget must be from {MIN_BUDGET} (one backprop update) to {MAX_BUDGET:,} "
            f"forward passes, got {budget:,}"
        )
    return int(budget)


def check_scale(scale: object) -> float:
    """Random search's step size, or :class:`ConfigError`."""
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float, np.floating, np.integer))
        or not math.isfinite(scale)
        or scale <= 0
    ):
        raise ConfigError(f"the random-search scale must be a positive number, got {scale!r}")
    return float(scale)


class _Curve:
    """(passes, seconds, loss) points, kept when the passes pass a geometric mark."""

    def __init__(self, budget: int) -> None:
        self._ratio = max(budget, 2) ** (1.0 / CURVE_POINTS)
        self._next = 0.0
        self.points: list[tuple[int, float, float]] = []
        self.last: tuple[int, float, float] | None = None

    def due(self, passes: int) -> bool:
        """True when a point at ``passes`` would be kept."""
        return passes >= self._next

    def add(self, passes: int, seconds: float, loss: float) -> None:
        """Note the loss reached after ``passes``; keep it if a mark is due."""
        self.last = (passes, seconds, loss)
        if passes >= self._next:
            self.points.append(self.last)
            self._next = max(passes * self._ratio, passes + 1)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies: passes (int64), seconds and losses (float64), with the last point."""
        points = list(self.points)
        if self.last is not None and (not points or points[-1] != self.last):
            points.append(self.last)
        if not points:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        passes, seconds, losses = zip(*points, strict=True)
        return np.array(passes, np.int64), np.array(seconds), np.array(losses)


class Racer:
    """One method in the race: a private float64 copy of the network, its counts and curve.

    :meth:`turn` works until a time is up or the budget cannot pay for another
    update; :attr:`done` says the method has finished.
    """

    name = ""
    passes_per_update = 1

    def __init__(
        self, network: Network, dataset: Dataset, config: TrainConfig, budget: int, target: float
    ) -> None:
        self.network = _float64_copy(network)
        self.config = config
        self.budget = budget
        self.target = target
        self.updates = 0
        self.forward_passes = 0
        self.seconds = 0.0
        self.loss = math.nan  # the training loss of the parameters reached (NaN: not known yet)
        self.done = False
        self.note = ""
        self.passes_to_target: int | None = None
        self.seconds_to_target: float | None = None
        self.curve = _Curve(budget)
        self._x = augment(dataset.X_train, np.float64)  # (n_in + 1, n)
        self._t = np.ascontiguousarray(dataset.T_train.T, dtype=np.float64)  # (n_out, n)
        self._ws = Workspace(self.network, self._x.shape[1])
        self._loss = self.network.loss_function
        self._trainable = self.network.trainable_indices()

    def turn(self, seconds: float) -> None:
        """Work for about ``seconds`` (at least one step unless done)."""
        # A method that blows up is reported (``note``, a NaN loss), not warned about.
        with np.errstate(all="ignore"):
            self._turn(seconds)

    def _turn(self, seconds: float) -> None:
        raise NotImplementedError

    def forward_loss(self) -> float:
        """The training loss of the current parameters: one forward pass (not counted here)."""
        y = self._ws.forward(self._x)
        return self._loss.value(y, self._t, self._ws.z[-1])

    def _reached(self, passes: int, seconds: float, loss: float) -> None:
        """The parameters reached after ``passes`` (and ``seconds``) have training loss ``loss``."""
        self.loss = loss
        self.curve.add(passes, seconds, loss)
        if self.passes_to_target is None and loss <= self.target:
            self.passes_to_target, self.seconds_to_target = passes, seconds
        if not math.isfinite(loss):
            self.done = True
            self.note = "diverged: the loss stopped being a number"

    def _finish(self, why: str = "") -> None:
        self.done = True
        if why and not self.note:
            self.note = why

    def result(self) -> MethodResult:
        """What the method has done so far, as a frozen copy."""
        passes, seconds, losses = self.curve.arrays()
        return MethodResult(
            name=self.name,
            updates=self.updates,
            forward_passes=self.forward_passes,
            seconds=self.seconds,
            final_loss=self.loss,
            passes_per_update=self.passes_per_update,
            curve_passes=passes,
            curve_seconds=seconds,
            curve_losses=losses,
            passes_to_target=self.passes_to_target,
            seconds_to_target=self.seconds_to_target,
            done=self.done,
            note=self.note,
            trials=self._trials(),
        )

    def _trials(self) -> int:
        return self.updates


class RandomSearch(Racer):
    """Random search: perturb every parameter by N(0, scale²); keep it if the loss falls.

    ``updates`` counts the changes kept, ``trials`` those tried; forward passes
    are 1 (the starting loss) + trials.
    """

    name = "random"

    def __init__(
        self, *args: Any, scale: float = DEFAULT_SCALE, seed: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scale = check_scale(scale)
        self.trials = 0
        self._rng = np.random.default_rng(seed)
        n = self._trainable.size
        # Noise is drawn for many trials at once (a few hundred kB at most).
        self._rows = max(1, min(256, 32_768 // max(n, 1)))
        self._noise = np.empty((0, n))
        self._row = 0
        self._saved = np.empty(n)

    def _trials(self) -> int:
        return self.trials

    def _turn(self, seconds: float) -> None:
        """Trials until ``seconds`` are up or the budget is spent."""
        started = time.perf_counter()
        stop = started + seconds
        params, idx = self.network.parameters, self._trainable
        now = started
        if self.forward_passes == 0 and self.budget >= 1:
            self.forward_passes = 1
            loss = self.forward_loss()
            now = time.perf_counter()
            self.seconds += now - started
            self._reached(1, self.seconds, loss)
        while not self.done:
            if self.forward_passes + 1 > self.budget:
                self._finish()
                break
            if self._row >= len(self._noise):
                self._noise = self._rng.standard_normal((self._rows, idx.size)) * self.scale
                self._row = 0
            self._saved[:] = params[idx]
            params[idx] += self._noise[self._row]
            self._row += 1
            trial = self.forward_loss()
            self.forward_passes += 1
            self.trials += 1
            kept = trial < self.loss  # NaN is never less: a trial that blew up is dropped
            if kept:
                self.updates += 1
            else:
                params[idx] = self._saved
            now = time.perf_counter()
            elapsed = self.seconds + (now - started)
            if kept or self.curve.due(self.forward_passes):
                self._reached(self.forward_passes, elapsed, trial if kept else self.loss)
            else:  # nothing new: the curve's end moves on without a point
                self.curve.last = (self.forward_passes, elapsed, self.loss)
            if now >= stop:
                break
        self.seconds += now - started


class Backprop(Racer):
    """Backprop: forward, backward, the optimiser's step; 2 passes an update."""

    name = "backprop"
    passes_per_update = 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        net = self.network
        self.optimizer = make_optimizer(
            self.config.optimizer,
            net.parameters.size,
            net.dtype,
            self.config.learning_rate,
            self.config.momentum,
        )
        self._grad = np.zeros_like(net.parameters)
        self._grad_blocks = net.blocks_of(self._grad)
        self._mask = net.weight_mask()
        self._n = self._x.shape[1]

    def _turn(self, seconds: float) -> None:
        """Updates until ``seconds`` are up or the budget is spent."""
        started = time.perf_counter()
        stop = started + seconds
        now = started
        params, ws, cfg = self.network.parameters, self._ws, self.config
        while not self.done and self.forward_passes + 2 <= self.budget:
            y = ws.forward(self._x)
            # The forward pass of this update measures where the last one arrived.
            loss = self._loss.value(y, self._t, ws.z[-1])
            if self.updates:
                self._reached(self.forward_passes, self.seconds + (now - started), loss)
                if not math.isfinite(loss):  # diverged: _reached said so
                    break
            ws.backward(self._t, self._grad_blocks)
            if cfg.regularization != "none":
                add_regularization(
                    self._grad, params, self._mask, cfg.regularization, cfg.reg_rate, self._n
                )
            self.optimizer.step(params, self._grad, self._n)
            self.forward_passes += 2
            self.updates += 1
            now = time.perf_counter()
            if now >= stop:
                break
        self.seconds += now - started
        if self.updates and not self.done:
            # The referee measures where the last update arrived (its next forward pass
            # would, but it may never come: the budget is spent, or the race stopped).
            self._reached(self.forward_passes, self.seconds, self.forward_loss())
        if self.forward_passes + 2 > self.budget:
            self._finish()


class Nudging(Racer):
    """Nudge each weight: a central-difference gradient (2 passes per parameter), then the
    optimiser's step, as backprop's. A stack of nudged copies goes forward at once
    (:mod:`bpdesk.core.stacked`): the same passes, fewer calls."""

    name = "nudge"

    def __init__(self, *args: Any, epsilon: float = NUDGE_EPSILON, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        net = self.network
        self.epsilon = epsilon
        self.passes_per_update = 2 * self._trainable.size
        self.optimizer = make_optimizer(
            self.config.optimizer,
            net.parameters.size,
            net.dtype,
            self.config.learning_rate,
            self.config.momentum,
        )
        self._grad = np.zeros_like(net.parameters)
        self._mask = net.weight_mask()
        self._next = 0  # the next parameter (position in _trainable) of the update under way
        self._chunk = _nudge_chunk(net, self._x.shape[1])
        self._stacks: dict[int, tuple[np.ndarray, StackedWorkspace]] = {}
        if self.passes_per_update > self.budget:
            self._finish(
                f"one update needs {self.passes_per_update:,} forward passes, more than the budget"
            )

    def _turn(self, seconds: float) -> None:
        """Nudge parameters, a stack at a time, until ``seconds`` are up or the budget is spent."""
        started = time.perf_counter()
        stop = started + seconds
        now = started
        while not self.done:
            if self._next == 0 and self.forward_passes + self.passes_per_update > self.budget:
                self._finish()
                break
            self._nudge_some()
            if self._next >= self._trainable.size:
                self._step()
                self.seconds += time.perf_counter() - started
                # The referee's pass: neither counted nor timed.
                self._reached(self.forward_passes, self.seconds, self.forward_loss())
                started = time.perf_counter()
            now = time.perf_counter()
            if now >= stop:
                break
        self.seconds += now - started

    def _stack(self, k: int) -> tuple[np.ndarray, StackedWorkspace]:
        held = self._stacks.get(k)
        if held is None:
            stack = np.empty((2 * k, self.network.parameters.size))
            ws = StackedWorkspace(
                self.network, stacked_blocks(self.network, stack), self._x.shape[1]
            )
            held = self._stacks[k] = (stack, ws)
        return held

    def _nudge_some(self) -> None:
        """Measure the slope of the next few parameters: 2 forward passes each."""
        idx = self._trainable[self._next : self._next + self._chunk]
        k = idx.size
        stack, ws = self._stack(k)
        stack[:] = self.network.parameters
        rows = np.arange(k)
        stack[2 * rows, idx] += self.epsilon
        stack[2 * rows + 1, idx] -= self.epsilon
        y = ws.forward(self._x)
        losses = self._loss.values(y, self._t, ws.z[-1])  # (2k,)
        self._grad[idx] = (losses[0::2] - losses[1::2]) / (2 * self.epsilon)
        self.forward_passes += 2 * k
        self._next += k

    def _step(self) -> None:
        """The optimiser's step with the measured gradient (a batch mean: batch 1)."""
        cfg = self.config
        params = self.network.parameters
        if cfg.regularization != "none":
            add_regularization(self._grad, params, self._mask, cfg.regularization, cfg.reg_rate, 1)
        self.optimizer.step(params, self._grad, 1)
        self._grad[:] = 0.0
        self.updates += 1
        self._next = 0


class Race:
    """Random search, nudging and backprop on copies of one network, from its start.

    :meth:`rounds` gives each unfinished method a turn of about ``turn``
    seconds and yields after each round, so a caller can report (:meth:`result`)
    or stop between rounds; :meth:`run` runs it to the end. The forward-pass
    speed projected to the explainer's 10,000 knobs is measured once the race
    ends (:meth:`result` with ``projection=True``).
    """

    def __init__(
        self,
        network: Network,
        dataset: Dataset,
        config: TrainConfig,
        budget: int = DEFAULT_BUDGET,
        scale: float = DEFAULT_SCALE,
        target: float = DEFAULT_TARGET,
        seed: int | None = None,
    ) -> None:
        if (
            network.layer_sizes[0] != dataset.n_inputs
            or network.layer_sizes[-1] != dataset.n_outputs
        ):
            raise ConfigError(
                f"the network {'-'.join(map(str, network.layer_sizes))} does not fit the data "
                f"({dataset.n_inputs} inputs, {dataset.n_outputs} outputs)"
            )
        if not (isinstance(target, (int, float)) and math.isfinite(target) and target > 0):
            raise ConfigError(f"the target loss must be a positive number, got {target!r}")
        self.budget = check_budget(budget)
        self.config = config.validated()
        self.target = float(target)
        self.scale = check_scale(scale)
        self.dataset = dataset
        self.n_parameters = int(network.trainable_indices().size)
        args = (network, dataset, self.config, self.budget, self.target)
        rng_seed = self.config.seed if seed is None else seed
        self.racers: tuple[Racer, ...] = (
            RandomSearch(*args, scale=self.scale, seed=rng_seed),
            Nudging(*args),
            Backprop(*args),
        )
        assert tuple(r.name for r in self.racers) == METHODS
        self._layer_sizes = network.layer_sizes
        self._activations = network.activations
        self._loss_name = network.loss

    @property
    def done(self) -> bool:
        """True when no method can afford another update."""
        return all(r.done for r in self.racers)

    def rounds(self, turn: float = TURN_SECONDS) -> Iterator[int]:
        """Give each unfinished method a turn, yield the round's number; end when all are done."""
        count = 0
        while not self.done:
            for racer in self.racers:
                if not racer.done:
                    racer.turn(turn)
            count += 1
            yield count

    def run(self, should_stop: Callable[[], bool] | None = None) -> RaceResult:
        """Race to the end (or until ``should_stop()``); the result with its projection."""
        for _ in self.rounds(turn=0.1):
            if should_stop is not None and should_stop():
                break
        return self.result(projection=True)

    def result(self, projection: bool = False) -> RaceResult:
        """The race so far as frozen copies; with ``projection``, the time of a forward pass
        at the explainer's 10,000 knobs measured now (a few tenths of a second)."""
        methods = tuple(r.result() for r in self.racers)
        return RaceResult(
            budget=self.budget,
            target=self.target,
            scale=self.scale,
            n_parameters=self.n_parameters,
            examples=self.dataset.n_train,
            methods=methods,
            finished=self.done,
            projection=(
                measure_projection(
                    self._layer_sizes, self._activations, self._loss_name, self.dataset.X_train
                )
                if projection
                else None
            ),
        )


def _nudge_chunk(network: Network, batch: int) -> int:
    """How many parameters a nudging update measures with one stacked forward pass."""
    sizes = network.layer_sizes
    # Per nudged copy: its parameters, and four buffers a layer of (neurons, batch).
    per_copy = 8 * (network.parameters.size + 4 * batch * (sum(sizes[1:]) + len(sizes)))
    return max(1, min(MAX_NUDGE_CHUNK, NUDGE_STACK_BYTES // (2 * per_copy)))


def _float64_copy(network: Network) -> Network:
    return Network(
        network.layer_sizes,
        network.activations,
        loss=network.loss,
        init=network.init,
        seed=network.seed,
        dtype="float64",
        parameters=network.parameters.astype(np.float64),
        bias=network.has_bias,
    )
