"""The training loop, as a generator of one frozen snapshot per epoch.

``train(network, dataset, config)`` trains ``network`` in place and yields an
:class:`EpochSnapshot` after every epoch. A :class:`TrainingControl` lets
another thread stop or pause the run and change settings; the loop reads it
between epochs, so nothing is locked while an epoch runs.

A run *diverges* when its loss stops being a finite number, or when its
parameters grow too large to compute with: when their length ‖θ‖ (the square
root of the sum of their squares) passes the square root of the largest
number of the network's type (about 1.3e154 in float64, 1.8e19 in float32),
beyond which one product of two of them can overflow. A sigmoid classifier
can sit at a finite loss while its weights grow towards 1e306; this catches
it. The epoch is undone, the last snapshot says so (``diverged``,
``reason``), and NumPy's overflow warnings, expected there, are kept quiet.

A run is the same run however often it stops: :meth:`Trainer.state` hands out
what a trainer carries from one epoch to the next besides the weights (the
optimiser's memory and the mini-batch shuffle's generator) as a
:class:`TrainerState`, and a trainer built with that state continues exactly
where the other stopped, so 100 + 100 epochs are 200 epochs.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from bpdesk.core.datasets import Dataset
from bpdesk.core.errors import ConfigError
from bpdesk.core.metrics import AccuracyCounter
from bpdesk.core.network import Network, Workspace, augment
from bpdesk.core.optimizers import (
    OPTIMIZERS,
    REGULARIZATIONS,
    Optimizer,
    add_regularization,
    make_optimizer,
)
from bpdesk.core.trainer_state import ShuffleState, TrainerState, continuation

# Training in mini-batches, the gradient-flow figures (‖∂L/∂W‖ per layer) are measured
# on at most this many examples, spread evenly over the training set: on the whole of
# a big set the extra backward pass took a fifth of every epoch (the digits, 64-128-64-10:
# 87 epochs/s without it, 68 with it). Full-batch training measures on all of it for
# free (the next step reuses that gradient).
GRADIENT_SAMPLE = 256


def gradient_rows(n_train: int, batch_size: int | None) -> np.ndarray | None:
    """The training rows the gradient-flow figures are measured on: None for all of them
    (full batch, or a set of at most :data:`GRADIENT_SAMPLE`), else that many spread evenly."""
    if not batch_size or batch_size >= n_train or n_train <= GRADIENT_SAMPLE:
        return None
    return np.linspace(0, n_train - 1, GRADIENT_SAMPLE).round().astype(np.intp)


@dataclass(frozen=True)
class TrainConfig:
    """Training settings. ``batch_size`` 0 means the whole training set.

    ``epochs`` is the epoch count at which a run stops, counted from the
    network's first epoch (a run that starts at epoch 300 with ``epochs=1000``
    trains 700 more); ``None`` trains until stopped.
    """

    learning_rate: float = 0.5
    batch_size: int = 0
    optimizer: str = "sgd"
    momentum: float = 0.9
    regularization: str = "none"
    reg_rate: float = 0.0
    epochs: int | None = 1000
    seed: int = 0
    snapshot_every: int = 0

    def validated(self) -> TrainConfig:
        """Return ``self`` if every setting is usable, else raise :class:`ConfigError`."""
        lr = self.learning_rate
        if not _is_number(lr) or not math.isfinite(lr) or lr <= 0:
            raise ConfigError(f"the learning rate must be a positive number, got {lr!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"unknown optimiser {self.optimizer!r} (choose from: {' '.join(OPTIMIZERS)})"
            )
        if self.regularization not in REGULARIZATIONS:
            raise ConfigError(
                f"unknown regularisation {self.regularization!r} "
                f"(choose from: {' '.join(REGULARIZATIONS)})"
            )
        for name, low in (("momentum", 0.0), ("reg_rate", 0.0)):
            value = getattr(self, name)
            if not _is_number(value) or not math.isfinite(value) or value < low:
                raise ConfigError(
                    f"{name.replace('_', ' ')} must be a number ≥ {low}, got {value!r}"
                )
        if self.momentum >= 1:
            raise ConfigError(f"momentum must be below 1, got {self.momentum}")
        for name in ("batch_size", "seed", "snapshot_every"):
            value = getattr(self, name)
            if not _is_whole(value) or value < 0:
                raise ConfigError(
                    f"{name.replace('_', ' ')} must be a whole number ≥ 0, got {value!r}"
                )
        if self.epochs is not None and (not _is_whole(self.epochs) or self.epochs < 0):
            raise ConfigError(f"epochs must be a whole number ≥ 0, got {self.epochs!r}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for files and JSON."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, eq=False)
class EpochSnapshot:
    """The state of a run after one epoch. Arrays in it are copies nobody else holds.

    ``parameters`` (a copy of :attr:`Network.parameters`) is present only on
    the epochs ``TrainConfig.snapshot_every`` asks for. ``gradient_norms``
    (with ``Trainer(track_gradients=True)``) holds ‖∂L/∂W‖ of each weight layer
    on the training set (on :func:`gradient_rows` of it, a spread sample of a big
    set trained in mini-batches) for the weights the epoch ended with (the same
    figure a gradient of the network on those rows computes afterwards): how strongly each
    layer is being taught. ``test_loss`` and the
    accuracies are ``None`` when there is no test set or no classes.
    """

    epoch: int
    train_loss: float
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    parameters: np.ndarray | None = None
    diverged: bool = False
    reason: str = ""
    gradient_norms: np.ndarray | None = None  # per weight layer, when the trainer tracks them


class TrainingControl:
    """Stop, pause and new settings for a run, set from any thread, read between epochs."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._pending: dict[str, Any] | None = None
        self._step = False
        # Called in the training thread just before a pause takes hold (a GUI worker
        # uses it to send what it has gathered before it goes quiet).
        self.on_pause: Callable[[], None] | None = None

    def request_stop(self) -> None:
        """Ask the run to end after the current epoch (also ends a pause)."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Hold the run after the current epoch until :meth:`resume` or :meth:`request_stop`."""
        self._running.clear()

    def resume(self) -> None:
        """Let a paused run continue (a step asked for and not yet taken is dropped: the
        run goes on, as the learner was told, instead of pausing after one epoch)."""
        self._step = False
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        """True once :meth:`request_stop` was called."""
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        """True while paused."""
        return not self._running.is_set()

    def change_settings(self, **changes: Any) -> None:
        """Queue new :class:`TrainConfig` values; the run takes them before its next epoch."""
        with self._lock:
            self._pending = {**(self._pending or {}), **changes}

    def take_settings(self) -> dict[str, Any] | None:
        """The queued changes, once (``None`` if there are none)."""
        if self._pending is None:  # the common case, without taking the lock
            return None
        with self._lock:
            pending, self._pending = self._pending, None
        return pending

    def request_step(self) -> None:
        """Run exactly one more epoch, then pause."""
        self._step = True
        self._running.set()

    def take_step(self) -> bool:
        """True (once) if the epoch just run was a single step: the run then pauses."""
        if self._step:
            self._step = False
            self._running.clear()
            return True
        return False

    def pending(self) -> bool:
        """True if a pause or a stop has been asked (read inside a long epoch, between
        its mini-batches: see :class:`Trainer`)."""
        return self.paused or self.stop_requested

    def sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``, waking at once if a stop is requested (pacing a slow run)."""
        self._stop.wait(seconds)

    def wait_while_paused(self, poll: float = 0.05) -> None:
        """Block while paused, waking up to notice a stop request."""
        if self.on_pause is not None and not self._running.is_set():
            self.on_pause()
        while not self._running.wait(poll):
            if self._stop.is_set():
                return


# An epoch at least this long (the last one's time, or for the first this many
# mini-batches) looks for a pause between its mini-batches, at most every LOOK_EVERY.
LONG_EPOCH_SECONDS = 0.02
LONG_EPOCH_BATCHES = 64
LOOK_EVERY = 0.005


class EpochAbandoned(BaseException):
    """A stop asked while a long epoch was held between its mini-batches: the epoch is
    undone (the trainer stands where it began) and the run ends. A ``BaseException``,
    as :class:`bpdesk.core.training_stream.JobStopped` is: it is not an error."""


class _LongEpoch:
    """A long epoch's pause points, and where it began (what a pause inside it shows).

    A pause takes hold between two mini-batches rather than at the epoch's end (an
    epoch of 63,000 MNIST images takes seconds); resumed, the epoch goes on with the
    same batches, so the run is the run it would have been. Stopped there, the epoch
    is undone: a run records whole epochs only.
    """

    def __init__(self, trainer: Trainer, control: TrainingControl) -> None:
        self.control = control
        self.parameters = trainer.network.parameters.copy()
        self.state = trainer.state()  # before this epoch's permutation is drawn
        self._next_look = time.perf_counter() + LOOK_EVERY

    def look(self) -> None:
        """Between two mini-batches: hold while paused; raise :class:`EpochAbandoned`
        if a stop was asked."""
        now = time.perf_counter()
        if now < self._next_look:
            return
        self._next_look = now + LOOK_EVERY
        control = self.control
        if not control.pending():
            return
        if control.paused:
            control.wait_while_paused()
        if control.stop_requested:
            raise EpochAbandoned


def _check_fits(
    network: Network, dataset: Dataset, start_epoch: int | None, state: TrainerState | None
) -> None:
    """Raise :class:`ConfigError` unless ``network`` fits ``dataset`` and ``state`` the start."""
    if network.layer_sizes[0] != dataset.n_inputs:
        raise ConfigError(
            f"the network has {network.layer_sizes[0]} inputs but the dataset has {dataset.n_inputs}"
        )
    if network.layer_sizes[-1] != dataset.n_outputs:
        raise ConfigError(
            f"the network has {network.layer_sizes[-1]} outputs but the dataset needs {dataset.n_outputs}"
        )
    if state is not None and start_epoch is not None and start_epoch != state.epoch:
        raise ConfigError(
            f"the trainer state is of epoch {state.epoch}, but the run starts at {start_epoch}"
        )


def preflight(
    network: Network,
    dataset: Dataset,
    config: TrainConfig,
    start_epoch: int | None = None,
    state: TrainerState | None = None,
) -> tuple[str, ...]:
    """What building a :class:`Trainer` of these would check, without building it (its
    workspaces hold a forward pass of the whole training set): raises
    :class:`ConfigError` where the trainer would, and returns its :attr:`Trainer.notes`."""
    _check_fits(network, dataset, start_epoch, state)
    config = config.validated()
    return continuation(state, config.optimizer, config.seed, network.parameters.size).notes


class Trainer:
    """Trains one network on one dataset, an epoch at a time.

    The network is changed in place; while a trainer is running nothing else
    should write to it. Workspaces and gradient buffers are the trainer's own,
    so evaluating the network elsewhere cannot disturb a run.

    Given the ``state`` another trainer handed out (:meth:`state`), it goes on
    with that optimiser memory and shuffle, from that epoch; what it had to
    start afresh instead (another optimiser, another seed) is listed in
    :attr:`notes`. Without a state the optimiser starts empty and the shuffle
    from ``config.seed``.
    """

    def __init__(
        self,
        network: Network,
        dataset: Dataset,
        config: TrainConfig,
        start_epoch: int | None = None,
        track_gradients: bool = False,
        state: TrainerState | None = None,
    ) -> None:
        _check_fits(network, dataset, start_epoch, state)
        self.network = network
        self.dataset = dataset
        self.epoch = start_epoch if start_epoch is not None else state.epoch if state else 0
        dtype = network.dtype
        self._x = augment(dataset.X_train, dtype)  # (n_in + 1, n)
        self._t = np.ascontiguousarray(dataset.T_train.T, dtype=dtype)  # (n_out, n)
        self._n = self._x.shape[1]
        self._train_ws = Workspace(network, self._n)
        self._train_acc = AccuracyCounter(self._t, dataset.kind)
        self._fresh = False  # does _train_ws hold a forward pass of the current parameters?
        self._grad_fresh = False  # ... and does _grad hold its backward pass?
        if dataset.n_test:
            self._x_test = augment(dataset.X_test, dtype)
            self._t_test = np.ascontiguousarray(dataset.T_test.T, dtype=dtype)
            self._test_ws = Workspace(network, dataset.n_test)
            self._test_acc = AccuracyCounter(self._t_test, dataset.kind)
        self._batch_ws: dict[int, Workspace] = {}
        self._sample_ws: Workspace | None = None  # see _sampled
        self._grad = np.zeros_like(network.parameters)
        self._grad_blocks = network.blocks_of(self._grad)
        self._weight_mask = network.weight_mask()
        self._last_good = network.parameters.copy()
        self._last_loss: float | None = None  # the loss of the last finite epoch
        self._loss = network.loss_function
        self.track_gradients = track_gradients
        self._grad_norms: np.ndarray | None = None
        self.config = config.validated()
        self.optimizer = self._new_optimizer(self.config)
        self._rng = np.random.default_rng(self.config.seed)
        self._shuffle_seed = self.config.seed
        carried = continuation(
            state, self.config.optimizer, self.config.seed, network.parameters.size
        )
        if carried.optimizer is not None:
            self.optimizer.load_state(carried.optimizer)
        if carried.shuffle is not None:
            self._rng = carried.shuffle.generator()
        # What could not go on from ``state``, in words (see continuation()).
        self.notes = carried.notes
        self._control: TrainingControl | None = None  # the run's, while run() drives
        self._long: _LongEpoch | None = None  # the epoch in hand, if it is a long one
        self._last_epoch_seconds: float | None = None

    def state(self) -> TrainerState:
        """What this trainer carries to its next epoch, as a copy (see :class:`TrainerState`)."""
        return TrainerState(
            self.epoch, self.optimizer.state(), ShuffleState.of(self._shuffle_seed, self._rng)
        )

    def settled(self) -> tuple[np.ndarray, TrainerState]:
        """Copies of the parameters and the state after the last whole epoch: while a
        long epoch is held between its mini-batches, as that epoch began."""
        long = self._long
        if long is not None:
            return long.parameters.copy(), long.state
        return self.network.parameters.copy(), self.state()

    def set_config(self, config: TrainConfig) -> None:
        """Take new settings; the optimiser's state is kept unless the optimiser changes,
        and the shuffle goes on unless the seed changes (then it starts that seed's stream)."""
        config = config.validated()
        if config.optimizer != self.config.optimizer:
            self.optimizer = self._new_optimizer(config)
        if config.seed != self._shuffle_seed:
            self._rng = np.random.default_rng(config.seed)
            self._shuffle_seed = config.seed
        self.optimizer.learning_rate = config.learning_rate
        self.optimizer.momentum = config.momentum
        self.config = config

    def _new_optimizer(self, config: TrainConfig) -> Optimizer:
        return make_optimizer(
            config.optimizer,
            self.network.parameters.size,
            self.network.dtype,
            config.learning_rate,
            config.momentum,
        )

    def _step(
        self,
        ws: Workspace,
        x: np.ndarray,
        t: np.ndarray,
        forward: bool = True,
        backward: bool = True,
    ) -> None:
        if forward:
            ws.forward(x)
        if backward:
            ws.backward(t, self._grad_blocks)
        cfg = self.config
        if cfg.regularization != "none":
            add_regularization(
                self._grad,
                self.network.parameters,
                self._weight_mask,
                cfg.regularization,
                cfg.reg_rate,
                ws.batch,
            )
        self.optimizer.step(self.network.parameters, self._grad, ws.batch)

    def step(self) -> None:
        """One gradient-descent step on the whole training set: forward, backward, update.

        Unlike :meth:`run_epoch` it neither scores the result nor silences
        NumPy's overflow warnings: it is the bare step, as benchmarks time it.
        """
        self._fresh = self._grad_fresh = False
        self._step(self._train_ws, self._x, self._t)

    def _measure_gradients(self, ws: Workspace, full_batch: bool) -> None:
        """‖∂L/∂W‖ per layer on the training set (see :func:`gradient_rows`), for the
        weights just reached.

        The backward pass of the forward pass that scored the epoch: full-batch
        training takes it as the next step's gradient (so measuring is free);
        mini-batch training pays one backward pass per epoch for it, on a spread
        sample of a big set. (A mini batch's own gradient would be mostly sampling
        noise near a plateau.)
        """
        rows = None if full_batch else gradient_rows(self._n, self.config.batch_size)
        if rows is not None:
            ws = self._sampled(ws, rows)
            t = self._t[:, rows]
        else:
            t = self._t
        ws.backward(t, self._grad_blocks)
        self._grad_fresh = full_batch
        scale = 1.0 / ws.batch
        self._grad_norms = np.array(
            [np.sqrt(np.vdot(block[:-1], block[:-1])) * scale for block in self._grad_blocks]
        )

    def _sampled(self, ws: Workspace, rows: np.ndarray) -> Workspace:
        """A workspace holding the columns ``rows`` of ``ws``'s forward pass, ready for
        a backward pass over them (no forward pass repeated)."""
        sample = self._sample_ws
        if sample is None or sample.batch != rows.size:
            sample = self._sample_ws = Workspace(self.network, rows.size)
        sample.a[0] = ws.a[0][:, rows]
        for full, part in zip(ws.a[1:], sample.a[1:], strict=True):
            np.take(full, rows, axis=1, out=part)
        for l, (full, part) in enumerate(zip(ws.z, sample.z, strict=True)):
            if part is not sample.h[l + 1]:  # a linear layer's z is its activation
                np.take(full, rows, axis=1, out=part)
        return sample

    def run_epoch(self) -> EpochSnapshot:
        """Train for one epoch and return its snapshot.

        After an epoch that diverged the network is back at the last finite
        epoch and the optimiser starts afresh there: its memory holds the steps
        that blew up.
        """
        # A diverging run overflows on purpose; it is reported, not warned about.
        with np.errstate(all="ignore"):
            try:
                snapshot = self._run_epoch()
            except EpochAbandoned:
                self._undo_epoch()
                raise
        if snapshot.diverged:
            self.optimizer = self._new_optimizer(self.config)
        return snapshot

    def _long_epoch(self, batches: int) -> _LongEpoch | None:
        """Pause points for this epoch of ``batches`` mini-batches, if a run drives it and
        it is long: the last epoch took LONG_EPOCH_SECONDS, or (the first) it has
        LONG_EPOCH_BATCHES mini-batches."""
        control = self._control
        if control is None or batches < 2:
            return None
        last = self._last_epoch_seconds
        long = last >= LONG_EPOCH_SECONDS if last is not None else batches >= LONG_EPOCH_BATCHES
        return _LongEpoch(self, control) if long else None

    def _undo_epoch(self) -> None:
        """Put back where the long epoch in hand began: parameters, optimiser, shuffle."""
        long, self._long = self._long, None
        if long is None:
            return
        np.copyto(self.network.parameters, long.parameters)
        self.optimizer.load_state(long.state.optimizer)
        self._rng = long.state.shuffle.generator()
        self._fresh = self._grad_fresh = False

    def _run_epoch(self) -> EpochSnapshot:
        n = self._n
        batch = self.config.batch_size or n
        ws = self._train_ws
        if batch >= n:
            # Full batch: the forward pass that scored the last epoch is exactly
            # the one this step needs, so it is reused rather than repeated.
            self._step(ws, self._x, self._t, forward=not self._fresh, backward=not self._grad_fresh)
        else:
            self._long = self._long_epoch(-(-n // batch))
            order = self._rng.permutation(n)
            for start in range(0, n, batch):
                if self._long is not None:
                    self._long.look()
                size = min(batch, n - start)
                bws = self._batch_ws.get(size)
                if bws is None:
                    bws = self._batch_ws[size] = Workspace(self.network, size)
                # Each batch gathered on its own: a shuffled copy of the whole training
                # set would double its memory (400 MB more for 63,000 MNIST images).
                rows = order[start : start + size]
                self._step(bws, self._x[:, rows], self._t[:, rows])
            self._long = None
        self.epoch += 1
        y = ws.forward(self._x)
        self._fresh = True
        self._grad_fresh = False
        loss = self._loss.value(y, self._t, ws.z[-1])
        if not math.isfinite(loss):
            return self._diverged(f"the loss became {non_finite_name(loss)}")
        theta = self.network.parameters
        # One BLAS call: ‖θ‖² overflows exactly when ‖θ‖ passes √max, and a NaN or an
        # infinite parameter makes it NaN or infinite too.
        if not math.isfinite(np.dot(theta, theta)):
            return self._diverged(*self._parameters_problem())
        np.copyto(self._last_good, self.network.parameters)
        self._last_loss = loss
        if self.track_gradients:
            self._measure_gradients(ws, batch >= n)
        test_loss = test_acc = None
        if self.dataset.n_test:
            yt = self._test_ws.forward(self._x_test)
            test_loss = self._loss.value(yt, self._t_test, self._test_ws.z[-1])
            test_acc = self._test_acc(yt)
        every = self.config.snapshot_every
        params = self.network.parameters.copy() if every and self.epoch % every == 0 else None
        return EpochSnapshot(
            self.epoch,
            loss,
            test_loss,
            self._train_acc(y),
            test_acc,
            params,
            gradient_norms=self._grad_norms if self.track_gradients else None,
        )

    def _parameters_problem(self, start: bool = False) -> tuple[str, str]:
        return parameters_problem(self.network.parameters, start)

    def _diverged(self, what: str, why: str = "") -> EpochSnapshot:
        bad_epoch = self.epoch
        self.epoch -= 1
        np.copyto(self.network.parameters, self._last_good)
        self._fresh = self._grad_fresh = False
        reason = (
            f"{what} at epoch {bad_epoch}{why}; the network was put back to epoch "
            f"{self.epoch}. Try a lower learning rate (it is {self.config.learning_rate:g})."
        )
        y = self._train_ws.forward(self._x)
        if self._last_loss is None:
            # The very first epoch diverged: report the loss the run started from.
            self._last_loss = self._loss.value(y, self._t, self._train_ws.z[-1])
            theta = self.network.parameters
            if not math.isfinite(self._last_loss):
                # Not the learning rate: nothing computed is a number from the start.
                reason = (
                    f"the loss is {non_finite_name(self._last_loss)} before any training: the "
                    "targets or the weights are too large to compute with"
                )
            elif not math.isfinite(np.dot(theta, theta)):
                what, why = self._parameters_problem(start=True)
                reason = f"{what} before any training{why}"
        return EpochSnapshot(
            self.epoch,
            self._last_loss,
            None,
            self._train_acc(y),
            None,
            self.network.parameters.copy(),
            diverged=True,
            reason=reason,
        )

    def run(self, control: TrainingControl | None = None) -> Iterator[EpochSnapshot]:
        """Yield a snapshot per epoch until ``config.epochs``, a stop request or divergence."""
        while self.config.epochs is None or self.epoch < self.config.epochs:
            if control is not None:
                if control.paused:
                    control.wait_while_paused()
                if control.stop_requested:
                    return
                changes = control.take_settings()
                if changes:
                    self.set_config(replace(self.config, **changes))
                    if self.config.epochs is not None and self.epoch >= self.config.epochs:
                        return  # the stop was moved to where the run is, or before it
            self._control = control
            began = time.perf_counter()
            try:
                snapshot = self.run_epoch()
            except EpochAbandoned:
                return  # stopped inside an epoch: undone, the trainer stands before it
            finally:
                self._control = None
            self._last_epoch_seconds = time.perf_counter() - began
            if control is not None:
                control.take_step()  # a single step pauses again before the next epoch
            yield snapshot
            if snapshot.diverged:
                return


def train(
    network: Network,
    dataset: Dataset,
    config: TrainConfig | None = None,
    control: TrainingControl | None = None,
    start_epoch: int | None = None,
    state: TrainerState | None = None,
) -> Iterator[EpochSnapshot]:
    """Train ``network`` in place on ``dataset``, yielding an :class:`EpochSnapshot` per epoch.

    Runs until ``config.epochs`` epochs have been counted (from ``start_epoch``,
    or the epoch of ``state``, which the run continues: see :class:`Trainer`),
    ``control`` asks it to stop, or the loss stops being finite: then the last
    snapshot has ``diverged=True``, a ``reason``, and the network holds the last
    finite parameters.
    """
    trainer = Trainer(network, dataset, config or TrainConfig(), start_epoch, state=state)
    return trainer.run(control)


def parameters_problem(theta: np.ndarray, start: bool = False) -> tuple[str, str]:
    """What is wrong with parameters ``theta`` whose length overflows, and why it matters
    (``start``: as they were before any training): ``(what, why)``, for a divergence's reason."""
    if np.isnan(theta).any():
        return ("a weight is NaN" if start else "a weight became NaN"), ""
    if np.isinf(theta).any():
        return ("a weight is infinite" if start else "a weight became infinite"), ""
    bound = math.sqrt(float(np.finfo(theta.dtype).max))
    grew = "are past" if start else "grew past"
    return f"the weights {grew} {bound:.2g}", " (too large to compute with)"


def non_finite_name(value: float) -> str:
    """``NaN`` or ``infinite``: how a divergence's reason names a loss that is not a number."""
    return "NaN" if math.isnan(value) else "infinite"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
