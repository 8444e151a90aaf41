"""The network's outputs on every example of the dataset, computed once for each change
of the document however many views ask for them: the predictions table, the confusion
matrix and the mistakes gallery each ran the whole dataset forward on their own, up to
four times a second while training.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from bpdesk.core import Dataset, Network
from bpdesk.core.network import PREDICT_ROWS
from bpdesk.ui.document import Document


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


_KEPT: weakref.WeakKeyDictionary[Document, _Kept] = weakref.WeakKeyDictionary()


def predicted(doc: Document) -> Outputs | None:
    """The outputs of ``doc``'s network on its dataset as they are now, or None when the
    network does not fit the data (between an architecture edit and the data for it)."""
    data, net = doc.dataset, doc.network
    kept = _KEPT.get(doc)
    if (
        kept is not None
        and kept.version == doc.version
        and kept.dataset is data
        and kept.network is net
    ):
        return kept.outputs
    outputs = None
    if net.layer_sizes[0] == data.n_inputs and net.layer_sizes[-1] == data.n_outputs:
        rows = data.n_train + data.n_test
        with np.errstate(all="ignore"):  # a diverged network shows nan, not a warning
            if rows <= PREDICT_ROWS:  # one vectorised pass over both
                inputs = np.concatenate([data.X_train, data.X_test])
                every = net.predict(inputs) if rows else np.zeros((0, data.n_outputs))
            else:
                # Each on its own: joining them first copied every input (440 MB for the
                # 70,000 MNIST images); predict() takes them in chunks.
                every = np.empty((rows, data.n_outputs), dtype=net.dtype)
                if data.n_train:
                    every[: data.n_train] = net.predict(data.X_train)
                if data.n_test:
                    every[data.n_train :] = net.predict(data.X_test)
        every.setflags(write=False)
        outputs = Outputs(every, data.n_train)
    _KEPT[doc] = _Kept(doc.version, data, net, outputs)
    return outputs
