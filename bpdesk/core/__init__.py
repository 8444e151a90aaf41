"""The learning engine: NumPy only, never Qt.

The stable public API::

    from bpdesk.core import Network, make_dataset, train, TrainConfig

    net = Network.create([2, 4, 1], activation="sigmoid", loss="mse", init="xavier", seed=0)
    loss, dW, db = net.gradients(X, T)
    for snapshot in train(net, make_dataset("xor"), TrainConfig(learning_rate=0.5, epochs=5000)):
        ...
"""

from bpdesk.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from bpdesk.core.bpnet import BpnetDocument, ViewState
from bpdesk.core.bpnet import load as load_bpnet
from bpdesk.core.bpnet import save as save_bpnet
from bpdesk.core.chainrule import ChainRule, explain_weight
from bpdesk.core.csv_import import load_csv
from bpdesk.core.datasets import DATASET_NAMES, Dataset, DatasetSpec, make_dataset, xor
from bpdesk.core.errors import BpdeskError, ConfigError, DatasetError, FileFormatError
from bpdesk.core.export_torch import torch_script
from bpdesk.core.gradcheck import GradCheckResult, gradient_check
from bpdesk.core.initializers import INITIALIZERS
from bpdesk.core.landscape import Landscape, weight_landscape
from bpdesk.core.loss_history import LossHistory
from bpdesk.core.losses import LOSSES
from bpdesk.core.network import Network
from bpdesk.core.optimizers import OPTIMIZERS, REGULARIZATIONS, OptimizerState
from bpdesk.core.trainer_state import ShuffleState, TrainerState
from bpdesk.core.training import EpochSnapshot, TrainConfig, Trainer, TrainingControl, train

__all__ = [
    "ACTIVATIONS",
    "DATASET_NAMES",
    "HIDDEN_ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "REGULARIZATIONS",
    "BpdeskError",
    "BpnetDocument",
    "ChainRule",
    "ConfigError",
    "Dataset",
    "DatasetError",
    "DatasetSpec",
    "EpochSnapshot",
    "FileFormatError",
    "GradCheckResult",
    "Landscape",
    "LossHistory",
    "Network",
    "OptimizerState",
    "ShuffleState",
    "TrainConfig",
    "Trainer",
    "TrainerState",
    "TrainingControl",
    "ViewState",
    "explain_weight",
    "gradient_check",
    "load_bpnet",
    "load_csv",
    "make_dataset",
    "save_bpnet",
    "torch_script",
    "train",
    "weight_landscape",
    "xor",
]
