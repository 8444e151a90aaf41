"""Stepping through one training step by hand: forward pass, backward pass, apply
gradients, each animated in the editor; applying says how the loss changed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bpdesk.ui import editing
from bpdesk.ui.commands import SetParametersCommand
from bpdesk.ui.document import Document
from bpdesk.ui.editor.scene import NetworkScene
from bpdesk.ui.format import fmt

APPLIED_MESSAGE_MS = 30_000  # long enough to read while stepping through by hand


class StepThrough:
    """The step-through commands of the Network menu; ``say(text, ms)`` shows a message."""

    def __init__(self, doc: Document, scene: NetworkScene, say: Callable[[str, int], None]) -> None:
        self.doc = doc
        self.scene = scene
        self.say = say

    def forward_pass(self) -> None:
        """Run the forward pass and animate it left to right."""
        self.doc.run_forward()
        self.doc.set_mode("forward")
        self.scene.reveal("forward")

    def backward_pass(self) -> None:
        """Run the backward pass and animate it right to left."""
        self.doc.run_backward()
        self.doc.set_mode("backward")
        self.scene.reveal("backward")

    def apply_gradients(self) -> None:
        """Step every weight by −η·∂L/∂w, and say how the loss changed."""
        doc = self.doc
        # Training stops first, then the losses are those of the network the step
        # starts from (the forward pass on screen may be a frame or an edit behind).
        doc.prepare_edit(SetParametersCommand)
        before = self._losses_now()
        editing.apply_gradients(doc)
        fwd = doc.forward_state
        if fwd is None:
            return
        n = doc.dataset.n_train
        after = self._losses_now()
        shown = fwd.example  # a test image or a drawing, shown instead of the rows
        if shown is not None or (len(fwd.rows) == 1 and n > 1):
            # The step followed one example's gradient: its own loss is the one that
            # must fall; the mean over all examples may not.
            which = shown.name if shown is not None else f"example {fwd.rows[0] + 1}"
            text = (
                f"Applied {which}'s gradients: its loss "
                f"{_change(before[0], after[0])}; the mean over all {n} "
                f"{_change(before[1], after[1])}"
            )
        else:
            text = f"Applied gradients: the loss {_change(before[1], after[1])}"
        self.say(text, APPLIED_MESSAGE_MS)

    def _losses_now(self) -> tuple[float, float]:
        """The current network's loss on the rows the views use, and over all examples."""
        doc = self.doc
        data, net = doc.dataset, doc.network
        with np.errstate(all="ignore"):
            rows = net.compute_loss(*doc.outside.arrays())
            every = net.compute_loss(data.X_train, data.T_train)
        return rows, every


def _change(old: float, new: float) -> str:
    """How a loss moved, in words ("fell from 0.1299 to 0.1253")."""
    # Judged as shown: "rose from 0.1253 to 0.1253" would read as a contradiction.
    old_text, new_text = fmt(old, 4), fmt(new, 4)
    if old_text == new_text:
        return f"stayed at {new_text}"
    return f"{'fell' if new < old else 'rose'} from {old_text} to {new_text}"
