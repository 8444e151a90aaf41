"""The network's outputs on every example of the dataset, computed once for each change
of the document however many views ask for them: the predictions table, the confusion
matrix and the mistakes gallery each ran the whole dataset forward on their own, up to
four times a second while training.

Over :data:`BACKGROUND_ROWS` rows the pass runs on the window's job runner (given by
:func:`run_in_background`): a forward pass of 70,000 MNIST images takes ~0.7 s, which
the window's input would wait through. Meanwhile :func:`predicted` says None and
:func:`pending` True; :func:`ready_signal` fires when the outputs are in, and the views
refresh then.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, SignalInstance

from bpdesk.core import Dataset, Network
from bpdesk.core.network import PREDICT_ROWS
from bpdesk.ui.document import Document
from bpdesk.ui.jobs import Job, JobHandle, JobRunner, JobState

BACKGROUND_ROWS = 10_000  # above this many rows, the pass runs on the job runner
BLOCK_ROWS = 8 * PREDICT_ROWS  # a cancel of the pass is heard between two such blocks


@dataclass(frozen=True, eq=False)
class Outputs:
    """``all``: the outputs ``(rows, n_out)`` of the training rows, then the test rows
    (read-only: every view shares them)."""

    all: np.ndarray
    n_train: int

    @property
    def train(self) -> np.ndarray:
        """The training rows' outputs."""
        return self.all[: self.n_train]

    @property
    def test(self) -> np.ndarray:
        """The test rows' outputs."""
        return self.all[self.n_train :]


@dataclass
class _Kept:
    version: int
    dataset: Dataset
    network: Network
    outputs: Outputs | None


class _Background(QObject):
    """A document's pass on the job runner: the runner, the pass running, and its signal."""

    ready = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.jobs: JobRunner | None = None  # none given: every pass runs at once
        self.running: tuple[int, Dataset, Network, JobHandle] | None = None


_KEPT: weakref.WeakKeyDictionary[Document, _Kept] = weakref.WeakKeyDictionary()
_BACKGROUND: weakref.WeakKeyDictionary[Document, _Background] = weakref.WeakKeyDictionary()


class PredictJob(Job):
    """Every row of ``dataset`` through ``network`` (a copy), in chunks between which a
    cancel takes effect."""

    name = "bpdesk-predictions"

    def __init__(self, network: Network, dataset: Dataset) -> None:
        self.network, self.dataset = network, dataset

    def work(self, state: JobState) -> Outputs | None:
        """The outputs, or None if cancelled."""
        return _pass(self.network, self.dataset, state.should_stop)


def _pass(
    net: Network, data: Dataset, should_stop: Callable[[], bool] | None = None
) -> Outputs | None:
    """Every row of ``data`` through ``net``, or None if ``should_stop`` said so between
    two blocks of :data:`BLOCK_ROWS` rows (predict() takes each in chunks, in one buffer)."""
    rows = data.n_train + data.n_test
    with np.errstate(all="ignore"):  # a diverged network shows nan, not a warning
        if rows <= PREDICT_ROWS:  # one vectorised pass over both
            inputs = np.concatenate([data.X_train, data.X_test])
            every = net.predict(inputs) if rows else np.zeros((0, data.n_outputs))
        else:
            # Each on its own: joining them first copied every input (440 MB for the
            # 70,000 MNIST images); a block at a time, so that a cancel is heard.
            every = np.empty((rows, data.n_outputs), dtype=net.dtype)
            for first, X in ((0, data.X_train), (data.n_train, data.X_test)):
                for start in range(0, len(X), BLOCK_ROWS):
                    if should_stop is not None and should_stop():
                        return None
                    block = X[start : start + BLOCK_ROWS]
                    every[first + start : first + start + len(block)] = net.predict(block)
    every.setflags(write=False)
    return Outputs(every, data.n_train)


def _background(doc: Document) -> _Background:
    background = _BACKGROUND.get(doc)
    if background is None:
        background = _BACKGROUND[doc] = _Background()
    return background


def run_in_background(doc: Document, jobs: JobRunner) -> None:
    """Run ``doc``'s passes over more than :data:`BACKGROUND_ROWS` rows on ``jobs``."""
    _background(doc).jobs = jobs


def ready_signal(doc: Document) -> SignalInstance:
    """The signal that a pass on the job runner is in: the views refresh then."""
    return _background(doc).ready


def pending(doc: Document) -> bool:
    """True while the pass for ``doc`` as it is now runs on the job runner."""
    background = _BACKGROUND.get(doc)
    running = None if background is None else background.running
    return running is not None and running[:3] == (doc.version, doc.dataset, doc.network)


def predicted(doc: Document) -> Outputs | None:
    """The outputs of ``doc``'s network on its dataset as they are now, or None when the
    network does not fit the data (between an architecture edit and the data for it) or
    the pass is :func:`pending`."""
    data, net = doc.dataset, doc.network
    kept = _KEPT.get(doc)
    if (
        kept is not None
        and kept.version == doc.version
        and kept.dataset is data
        and kept.network is net
    ):
        return kept.outputs
    fits = net.layer_sizes[0] == data.n_inputs and net.layer_sizes[-1] == data.n_outputs
    rows = data.n_train + data.n_test
    background = _BACKGROUND.get(doc)
    if fits and background is not None and background.jobs is not None and rows > BACKGROUND_ROWS:
        _start(doc, background, background.jobs)
        return None
    outputs = _pass(net, data) if fits else None
    _KEPT[doc] = _Kept(doc.version, data, net, outputs)
    return outputs


def _start(doc: Document, background: _Background, jobs: JobRunner) -> None:
    """Start the pass for ``doc`` as it is now, unless it runs already."""
    if pending(doc):
        return
    version, data, net = doc.version, doc.dataset, doc.network
    handle = jobs.start(PredictJob(net.copy(), data), slot=("predicted", id(doc)))
    background.running = (version, data, net, handle)
    ref = weakref.ref(doc)

    def done(outputs: Outputs | None) -> None:
        owner = ref()
        if owner is None or background.running is None or background.running[3] is not handle:
            return
        background.running = None
        # Kept for the document as it was: still fresh if nothing changed meanwhile (a
        # pass that failed is kept as none, not started again at every refresh).
        _KEPT[owner] = _Kept(version, data, net, outputs)
        background.ready.emit()

    handle.finished.connect(done)
    handle.failed.connect(lambda message: done(None))
