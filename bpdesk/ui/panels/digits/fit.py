"""Which networks and data the digit panels work with, and what they say when they do not."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from bpdesk.core import Dataset, Network
from bpdesk.core.digit_pad import input_peak
from bpdesk.ui.digit_images import image_side

N_DIGITS = 10


def digit_network_problem(network: Network) -> str:
    """Why a network cannot read a drawn digit, in the learner's words ("" when it can)."""
    sizes = network.layer_sizes
    if image_side(sizes[0]) is None or sizes[-1] != N_DIGITS:
        return (
            f"This panel needs a digit classifier: 64 inputs (an 8×8 image, the shipped "
            f"digits) or 784 (a 28×28 MNIST image) and 10 outputs, one per digit. The "
            f"network open now has {sizes[0]} input{'s' if sizes[0] != 1 else ''} and "
            f"{sizes[-1]} output{'s' if sizes[-1] != 1 else ''}. Open File → Examples → Handwritten digits, or "
            f"choose the digits dataset in the Data panel."
        )
    return ""


def digit_data(dataset: Dataset, network: Network) -> bool:
    """True when the dataset holds digits the network reads: images of its input count,
    ten classes."""
    return (
        dataset.kind == "multiclass"
        and dataset.n_inputs == network.layer_sizes[0]
        and dataset.n_outputs == network.layer_sizes[-1] == N_DIGITS
    )


def peak_of(dataset: Dataset, network: Network) -> float:
    """Full ink in the dataset's numbers (1 for the shipped digits, 255 for raw pixels)."""
    if dataset.n_inputs != network.layer_sizes[0]:
        return 1.0
    return input_peak(dataset.X_train, dataset.n_inputs)


def labels_of(targets: np.ndarray) -> np.ndarray:
    """The digit of each one-hot target row."""
    return np.argmax(targets, axis=1) if len(targets) else np.zeros(0, dtype=np.intp)


def message_label() -> QLabel:
    """A label for :func:`digit_network_problem`'s words, wrapped, at the top."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setObjectName("digitPanelMessage")
    return label
