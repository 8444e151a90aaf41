"""Undo commands: every edit of the document is one of these, on the document's stack.

A command captures what it needs when it is built, touches only the
document, and does nothing at all when old and new are equal. Views never
change in a command: they follow the document's signals.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoCommand

from bpdesk.core import Dataset, Network, TrainConfig
from bpdesk.ui.document import Document, Parameter

MERGE_SET_PARAMETER = 1001


class SetParameterCommand(QUndoCommand):
    """Set one weight or bias. Consecutive changes of the same one merge (a drag is one step)."""

    def __init__(self, doc: Document, parameter: Parameter, value: float, text: str | None = None):
        super().__init__(text or _parameter_text(parameter))
        self.doc = doc
        self.parameter = parameter
        self.old = doc.parameter_value(parameter)
        self.new = float(value)
        self.setObsolete(self.old == self.new)

    def redo(self) -> None:
        self.doc.set_parameter(self.parameter, self.new)

    def undo(self) -> None:
        self.doc.set_parameter(self.parameter, self.old)

    def id(self) -> int:
        return MERGE_SET_PARAMETER

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParameterCommand) or other.parameter != self.parameter:
            return False
        self.new = other.new
        self.setObsolete(self.old == self.new)
        return True


class SetParametersCommand(QUndoCommand):
    """Replace every parameter at once (apply gradients, a training run, a rewind)."""

    def __init__(self, doc: Document, values: np.ndarray, text: str, recompute: bool = True):
        super().__init__(text)
        self.doc = doc
        self.old = doc.network.parameters.copy()
        self.new = np.array(values, dtype=doc.network.dtype)
        self.recompute = recompute
        self.setObsolete(np.array_equal(self.old, self.new))

    def redo(self) -> None:
        self.doc.set_parameters(self.new, recompute=self.recompute)

    def undo(self) -> None:
        self.doc.set_parameters(self.old, recompute=self.recompute)


class ReplaceNetworkCommand(QUndoCommand):
    """Swap the whole network: every architecture edit. Undo restores the exact old arrays."""

    def __init__(self, doc: Document, network: Network, text: str):
        super().__init__(text)
        self.doc = doc
        self.old = doc.network.copy()
        self.new = network.copy()

    def redo(self) -> None:
        self.doc.replace_network(self.new.copy())

    def undo(self) -> None:
        self.doc.replace_network(self.old.copy())


class ReplaceDatasetCommand(QUndoCommand):
    """Swap the dataset, refitting the network's input and output layers when they change."""

    def __init__(self, doc: Document, dataset: Dataset, network: Network | None, text: str):
        super().__init__(text)
        self.doc = doc
        self.old_dataset = doc.dataset
        self.new_dataset = dataset
        self.old_network = doc.network.copy() if network is not None else None
        self.new_network = network.copy() if network is not None else None

    def redo(self) -> None:
        if self.new_network is not None:
            self.doc.replace_network(self.new_network.copy())
        self.doc.replace_dataset(self.new_dataset)

    def undo(self) -> None:
        if self.old_network is not None:
            self.doc.replace_network(self.old_network.copy())
        self.doc.replace_dataset(self.old_dataset)


class SetConfigCommand(QUndoCommand):
    """Change training settings (learning rate, batch size, optimiser, …)."""

    def __init__(self, doc: Document, config: TrainConfig, text: str = "Change training settings"):
        super().__init__(text)
        self.doc = doc
        self.old = doc.config
        self.new = config.validated()
        self.setObsolete(self.old == self.new)

    def redo(self) -> None:
        self.doc.replace_config(self.new)

    def undo(self) -> None:
        self.doc.replace_config(self.old)


def _parameter_text(parameter: Parameter) -> str:
    layer, i, j = parameter
    if i is None:
        return f"Set bias b{layer + 1}[{j}]"
    return f"Set weight W{layer + 1}[{i},{j}]"
