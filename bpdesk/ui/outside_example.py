"""An example from outside the training set, shown in the network views instead of a
training row: a test image the network gets wrong, or a digit drawn on the pad.

The document holds one :class:`OutsideExamples` (``doc.outside``). Showing an
example is not an edit (as choosing a training row is not): nothing is undone.
It is run forward at once (the point is to see it in the network), and backward
too when the backward pass was up to date. Choosing a training row (``doc.set_sample``) or opening a file puts
the views back on the training data. An example that no longer fits the
network (another number of inputs or outputs) is simply not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from bpdesk.core import Network
    from bpdesk.ui.document import Document


@dataclass(frozen=True, eq=False)
class OutsideExample:
    """One input row ``x`` ``(n_in,)`` with its target ``t`` ``(n_out,)``, and what to call it
    (``"test example 12"``, ``"your drawing"``). Read-only copies; compared by identity."""

    x: np.ndarray
    t: np.ndarray
    name: str

    def fits(self, network: Network) -> bool:
        """True when the network can run this example."""
        sizes = network.layer_sizes
        return self.x.shape == (sizes[0],) and self.t.shape == (sizes[-1],)


def _frozen(values: np.ndarray) -> np.ndarray:
    array = np.array(values, dtype=np.float64).reshape(-1)
    array.flags.writeable = False
    return array


class OutsideExamples(QObject):
    """Which example from outside the training set the network views show, if any."""

    changed = Signal()  # another example (or none) is shown

    def __init__(self, doc: Document) -> None:
        super().__init__(doc)
        self._doc = doc
        self._example: OutsideExample | None = None

    @property
    def example(self) -> OutsideExample | None:
        """The example shown instead of training rows, or None (the training rows are)."""
        example = self._example
        return example if example is not None and example.fits(self._doc.network) else None

    def show(self, x: np.ndarray, t: np.ndarray, name: str) -> OutsideExample:
        """Show the input row ``x`` with target ``t`` in the network views."""
        example = OutsideExample(_frozen(x), _frozen(t), name)
        if not example.fits(self._doc.network):
            sizes = self._doc.network.layer_sizes
            raise ValueError(
                f"an example of {example.x.size} inputs and {example.t.size} targets does not "
                f"fit a network of {sizes[0]} inputs and {sizes[-1]} outputs"
            )
        self._switch(example)
        return example

    def clear(self) -> None:
        """Show the training rows again (nothing happens if they are shown)."""
        if self._example is not None:
            self._switch(None)

    def forget(self) -> bool:
        """Drop the example without recomputing (the document recomputes itself, as when
        a file opens or a training row is chosen); True if there was one."""
        had = self._example is not None
        self._example = None
        if had:
            self.changed.emit()
        return had

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, T)`` the network views run: the example as one row, or the training rows."""
        example = self.example
        if example is None:
            return self._doc.training_arrays()
        return example.x[None, :], example.t[None, :]

    def which(self) -> int | str | None:
        """Which example the views explain, as the core's texts name it (see
        :func:`bpdesk.core.chainrule.example_text`): the outside example's name, else the
        chosen training row (None: the mean over all of them)."""
        example = self.example
        return example.name if example is not None else self._doc.sample

    def explained(self) -> tuple[np.ndarray, np.ndarray, int | None]:
        """``(X, T, sample)`` for the chain rule's explainers (``explain_weight``): the whole
        training set with the chosen row (None: their mean), or the example as row 0."""
        if self.example is not None:
            X, T = self.arrays()
            return X, T, 0
        data = self._doc.dataset
        return data.X_train, data.T_train, self._doc.sample

    def _switch(self, example: OutsideExample | None) -> None:
        doc = self._doc
        # Showing an example runs it forward at once: the point is to see it in the network.
        forward = example is not None or doc.is_fresh("forward")
        backward = doc.is_fresh("backward")
        self._example = example
        self.changed.emit()
        refresh_passes(doc, forward, backward)


def refresh_passes(doc: Document, forward_fresh: bool, backward_fresh: bool) -> None:
    """After the views were given other rows to show: recompute the passes that were up to
    date, so that what was on screen stays on screen for the new rows."""
    before = doc.forward_state
    # Same parameters and data: the loss over the whole training set is the one already
    # known (60,000 MNIST images would take a pass of their own on every pen lift).
    total = before.total_loss if before is not None and before.version == doc.version else None
    if forward_fresh or backward_fresh:
        doc.run_forward(emit=not backward_fresh, total_loss=total)
    if backward_fresh:
        doc.run_backward()
    elif not forward_fresh:
        doc.computedChanged.emit()
