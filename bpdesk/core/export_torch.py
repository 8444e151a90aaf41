"""Export a network, its data and its training settings as a standalone PyTorch script.

For learners moving on to larger models: :func:`torch_script` writes one
Python file that rebuilds the same layers with the same weights in
``torch.nn``, embeds the training (and test) data, and trains with the loss,
optimiser, regularisation, batch size and epoch count bpdesk would use, so its
numbers can be set beside bpdesk's. It draws each epoch's mini-batches from
NumPy's generator exactly as bpdesk does, uses ``torch.optim.SGD`` and ``Adam``
unchanged (bpdesk's momentum is PyTorch's), and, given the run's
:class:`TrainerState`, starts from bpdesk's optimiser memory and shuffle, so
that the script's run is bpdesk's run to rounding, full batch or mini-batch,
even across a change of learning rate (``learning_rates``).

This module only writes text: it never imports torch.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from string import Template

import numpy as np
import numpy.typing as npt

from bpdesk import __version__
from bpdesk.core.datasets import Dataset
from bpdesk.core.errors import ConfigError
from bpdesk.core.features import TORCH
from bpdesk.core.network import Network
from bpdesk.core.optimizers import OptimizerState
from bpdesk.core.trainer_state import Continuation, ShuffleState, TrainerState, continuation
from bpdesk.core.training import TrainConfig

# Epochs the script trains for when neither the caller nor the settings say
# (bpdesk's "train until stopped").
DEFAULT_EPOCHS = 1000
# Rows of bpdesk's own outputs embedded for the script's --check.
CHECK_ROWS = 20
# Lines of embedded numbers are kept within ruff's and black's default length.
_WIDTH = 88

_MODULES = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(negative_slope=0.01)",
    "linear": "nn.Identity()",
    "softmax": "nn.Softmax(dim=1)",
}

# Losses that torch computes from the output layer's logits, with the output
# activation each one absorbs (bpdesk only allows these pairs).
_LOGIT_LOSSES = {"bce": "sigmoid", "ce": "softmax"}

_TORCH_DTYPES = {"float64": "torch.float64", "float32": "torch.float32"}
# How closely the script's untrained outputs must match bpdesk's for --check.
_TOLERANCES = {"float64": "1e-9", "float32": "1e-4"}


def torch_script(
    network: Network,
    dataset: Dataset,
    config: TrainConfig,
    epochs: int | None = None,
    state: TrainerState | None = None,
    learning_rates: Mapping[int, float] | None = None,
) -> str:
    """A standalone, commented PyTorch script that rebuilds and trains ``network``.

    The script embeds the architecture, the current weights and biases, the
    dataset and the settings of ``config``; it needs only torch and NumPy.
    It trains for ``epochs`` epochs (default ``config.epochs``, or
    :data:`DEFAULT_EPOCHS` when that is ``None``). Imported rather than run,
    it exposes ``model``, ``build_model()``, ``loss_fn(output, target)``,
    ``penalty(model)``, ``optimizer``, ``train(epochs)``, ``predict(X)`` and
    ``check()``; run with ``--check`` it prints the untrained network's
    outputs for the training inputs and compares them with bpdesk's.

    ``state`` (the run's :meth:`Trainer.state` where the weights are) puts
    bpdesk's optimiser memory into the script's optimiser and its shuffle into
    the script's generator, so that the script continues the run; without it
    both start afresh, as a new run in bpdesk would. ``learning_rates`` maps an
    epoch of the script's training (from 1) to the learning rate from then on,
    to replay a run whose η changed.
    """
    config = config.validated()
    if network.layer_sizes[0] != dataset.n_inputs or network.layer_sizes[-1] != dataset.n_outputs:
        raise ConfigError(
            f"the network ({network.layer_sizes[0]} inputs, {network.layer_sizes[-1]} outputs) "
            f"does not fit the dataset ({dataset.n_inputs} inputs, {dataset.n_outputs} outputs)"
        )
    if network.loss not in _LOSS_CODE:
        raise ConfigError(f"the loss {network.loss!r} cannot be exported to PyTorch yet")
    if epochs is None:
        epochs = config.epochs if config.epochs is not None else DEFAULT_EPOCHS
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ConfigError(f"epochs must be a whole number ≥ 0, got {epochs!r}")
    schedule = _schedule(learning_rates)
    carried = continuation(state, config.optimizer, config.seed, network.parameters.size)

    n_train = dataset.n_train
    batch_size = config.batch_size or n_train
    if config.batch_size == 0:
        batch_note = "  # the whole training set (bpdesk's batch size 0)"
    elif batch_size >= n_train:
        batch_note = "  # at least the whole training set: one full batch per epoch"
    else:
        batch_note = ""
    has_test = dataset.n_test > 0
    values = {
        "summary": _summary(network, dataset, config, batch_size, int(epochs), carried),
        "dtype": _TORCH_DTYPES[network.dtype.name],
        "dtype_name": network.dtype.name,
        "data": _data_section(dataset),
        "parameters": _parameters(network),
        "layers": _layers_code(network),
        "outputs": _predict_code(network),
        "loss": _LOSS_CODE[network.loss].format(targets=_ce_targets(dataset)),
        "penalty": _penalty_code(config),
        "optimizer": _OPTIMIZER_CODE[config.optimizer],
        "optimizer_state": _optimizer_state_code(network, carried.optimizer),
        "learning_rate": repr(float(schedule.get(1, config.learning_rate))),
        "momentum": _momentum_line(config),
        "schedule": _schedule_code(schedule),
        "schedule_step": _SCHEDULE_STEP if schedule else "",
        "epochs": str(int(epochs)),
        "batch_size": str(batch_size),
        "batch_note": batch_note,
        "seed": str(config.seed),
        "shuffle_state": _shuffle_code(carried.shuffle),
        "log_line": _LOG_WITH_TEST if has_test else _LOG,
        "accuracy": _ACCURACY_CODE.get(dataset.kind, ""),
        "expected": _expected(network, dataset),
        "check_rows": str(min(CHECK_ROWS, n_train)),
        "tolerance": _TOLERANCES[network.dtype.name],
        "report": _report_code(dataset.kind, has_test),
    }
    return Template(_SCRIPT).substitute(values)


# -- pieces of the script -------------------------------------------------------------


def _summary(
    network: Network,
    dataset: Dataset,
    config: TrainConfig,
    batch_size: int,
    epochs: int,
    carried: Continuation,
) -> str:
    title = _plain(dataset.title or dataset.name)
    test = f"{dataset.n_test} test examples" if dataset.n_test else "no test set"
    batches = "full batch" if batch_size >= dataset.n_train else f"mini-batches of {batch_size}"
    optimizer = {"sgd": "gradient descent", "momentum": "momentum", "adam": "Adam"}
    settings = f"{optimizer[config.optimizer]}, learning rate {config.learning_rate:g}"
    if config.optimizer == "momentum":
        settings += f", momentum {config.momentum:g}"
    if config.regularization != "none" and config.reg_rate > 0:
        settings += f", {config.regularization.upper()} {config.reg_rate:g}"
    text = (
        f"Exported from bpdesk {__version__}: the network {network.describe()} "
        f"({network.dtype.name}), with the weights it had at export, and the data "
        f'"{title}" ({dataset.kind}, {dataset.n_train} training examples, {test}). '
        f"Training: {settings}, {batches}, {epochs} epochs."
    )
    if carried.optimizer is not None or carried.shuffle is not None:
        text += (
            " It continues bpdesk's run: the optimiser's memory and the mini-batch"
            " shuffle start where bpdesk's stood."
        )
    return textwrap.fill(text, width=79, break_on_hyphens=False)


def _plain(text: str) -> str:
    """``text`` made safe inside a comment or a docstring: one line, no quotes, no escapes.

    Whitespace of any kind (line and paragraph separators too) becomes one space; a
    character that cannot be shown (NUL and other control characters, a lone surrogate,
    a direction override) becomes U+FFFD, as a decoder shows bytes it cannot read: NUL
    stops Python from compiling the script, a lone surrogate stops it from being written.
    """
    words = str(text).replace("\\", "/").replace('"', "'").split()
    return " ".join("".join(c if c.isprintable() else "\ufffd" for c in word) for word in words)


def _number(x: float) -> str:
    """A Python literal that reads back as exactly ``x`` (repr is the shortest round trip)."""
    x = float(x)
    if np.isfinite(x):
        return repr(x)
    if np.isnan(x):
        return 'float("nan")'
    return 'float("inf")' if x > 0 else '-float("inf")'


def _rows(array: Iterable[npt.ArrayLike], indent: int) -> tuple[str, bool]:
    """Rows of numbers as a bracketed list, one row per line, ready to follow ``= ``.

    Also says whether a row had to be wrapped onto several lines to stay
    within :data:`_WIDTH`.
    """
    pad = " " * indent
    lines = []
    wrapped = False
    for row in array:
        text = "[" + ", ".join(_number(v) for v in np.asarray(row).tolist()) + "],"
        if indent + len(text) <= _WIDTH:  # the common case, and much faster than wrap()
            lines.append(pad + text)
            continue
        parts = textwrap.wrap(
            text,
            width=_WIDTH - indent,
            subsequent_indent=" ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        wrapped |= len(parts) > 1
        lines += [pad + part for part in parts]
    return "[\n" + "\n".join(lines) + "\n" + " " * (indent - 4) + "]", wrapped


def _keep_layout(statement: str, wrapped: bool) -> str:
    """Fence ``statement`` from formatters if its rows were wrapped by hand.

    A formatter would otherwise put every number of a long row on its own line.
    """
    return f"# fmt: off\n{statement}\n# fmt: on" if wrapped else statement


def _tensor(name: str, array: np.ndarray) -> str:
    rows, wrapped = _rows(array, 8)
    return _keep_layout(f"{name} = torch.tensor(\n    {rows},\n    dtype=DTYPE,\n)", wrapped)


def _data_section(dataset: Dataset) -> str:
    names = dataset.feature_names or [f"x{i + 1}" for i in range(dataset.n_inputs)]
    features = ", ".join(_plain(name) for name in names)
    targets = {
        "binary": "targets are 0 or 1",
        "multiclass": "targets are one-hot rows, one column per class",
        "regression": "targets are the values to fit",
    }[dataset.kind]
    if dataset.features:
        return _featured_data_section(dataset, features, targets)
    parts = [
        _comment(f"Inputs are rows, one column per feature ({features}); {targets}."),
        _tensor("X_TRAIN", dataset.X_train),
        _tensor("T_TRAIN", dataset.T_train),
    ]
    if dataset.n_test:
        parts += [
            "# The test set: never trained on, only measured.",
            _tensor("X_TEST", dataset.X_test),
            _tensor("T_TEST", dataset.T_test),
        ]
    return "\n".join(parts)


def _featured_data_section(dataset: Dataset, features: str, targets: str) -> str:
    """Points on the plane, and the input features bpdesk computes from them."""
    plane = dataset.plane
    columns = ",\n".join(f"            {TORCH[name]}" for name in dataset.features)
    parts = [
        _comment(
            f"The data are points (x1, x2) on a plane; the network's inputs are features "
            f"computed from them ({features}), as bpdesk computes them; {targets}."
        ),
        "",
        "",
        "def input_features(x):",
        '    """The network\'s inputs for points ``x`` of shape (n, 2), one column per feature."""',
        "    return torch.stack(",
        "        [",
        columns + ",",
        "        ],",
        "        dim=1,",
        "    )",
        "",
        "",
        _tensor("POINTS_TRAIN", plane.X_train),
        "X_TRAIN = input_features(POINTS_TRAIN)",
        _tensor("T_TRAIN", dataset.T_train),
    ]
    if dataset.n_test:
        parts += [
            "# The test set: never trained on, only measured.",
            _tensor("POINTS_TEST", plane.X_test),
            "X_TEST = input_features(POINTS_TEST)",
            _tensor("T_TEST", dataset.T_test),
        ]
    return "\n".join(parts)


def _comment(text: str) -> str:
    return textwrap.fill(text, width=79, initial_indent="# ", subsequent_indent="# ")


def _parameters(network: Network) -> str:
    return _layered("WEIGHTS", "BIASES", network, network.parameters)


def _layered(weights_name: str, biases_name: str, network: Network, flat: np.ndarray) -> str:
    """A vector laid out like the network's parameters, as per-layer lists of weights
    (transposed into torch's ``(outputs, inputs)``) and of biases."""
    blocks = []
    wrapped = False
    for l, block in enumerate(network.blocks_of(flat)):
        n_in, n_out = block.shape[0] - 1, block.shape[1]
        rows, wide = _rows(np.asarray(block[:-1]).T, 8)
        wrapped |= wide
        blocks.append(
            f"    # layer {l + 1}: {_count(n_in, 'input')} -> {_count(n_out, 'neuron')}\n"
            f"    {rows},"
        )
    biases, wide = _rows([np.asarray(block[-1]) for block in network.blocks_of(flat)], 4)
    wrapped |= wide
    statements = f"{weights_name} = [\n" + "\n".join(blocks) + f"\n]\n{biases_name} = " + biases
    return _keep_layout(statements, wrapped)


def _optimizer_state_code(network: Network, state: OptimizerState | None) -> str:
    """The optimiser memory the script starts from ("" to start afresh)."""
    if state is None or not state.buffers:
        return ""
    steps = f"{state.steps:,} step{'' if state.steps == 1 else 's'}"
    if state.name == "momentum":
        arrays = _layered("VELOCITY_WEIGHTS", "VELOCITY_BIASES", network, state.buffers["velocity"])
        return _LOAD_MOMENTUM.format(steps=steps, arrays=arrays)
    arrays = "\n".join(
        _layered(f"{key.upper()}_WEIGHTS", f"{key.upper()}_BIASES", network, state.buffers[key])
        for key in ("m", "v")
    )
    return _LOAD_ADAM.format(steps=state.steps, arrays=arrays)


def _shuffle_code(shuffle: ShuffleState | None) -> str:
    """Where bpdesk's shuffle stood, for the script's generator ("" to start at SEED)."""
    if shuffle is None:
        return ""
    return f"""
# Where bpdesk's shuffle stood at export: this generator goes on to draw the
# orders bpdesk would have drawn next.
shuffle_rng.bit_generator.state = {{
    "bit_generator": "PCG64",
    "state": {{
        "state": 0x{shuffle.state:X},
        "inc": 0x{shuffle.inc:X},
    }},
    "has_uint32": {shuffle.has_uint32},
    "uinteger": {shuffle.uinteger},
}}"""


def _schedule(learning_rates: Mapping[int, float] | None) -> dict[int, float]:
    """The learning rates by epoch, checked (empty: the one rate of the settings)."""
    schedule: dict[int, float] = {}
    for epoch, rate in sorted((learning_rates or {}).items()):
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 1:
            raise ConfigError(f"a learning rate's epoch must be a whole number ≥ 1, got {epoch!r}")
        if not np.isfinite(rate) or rate <= 0:
            raise ConfigError(f"a learning rate must be a positive number, got {rate!r}")
        schedule[int(epoch)] = float(rate)
    return schedule


def _schedule_code(schedule: dict[int, float]) -> str:
    if not schedule:
        return ""
    entries = ", ".join(f"{epoch}: {rate!r}" for epoch, rate in schedule.items())
    return _SCHEDULE.format(entries=entries)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _layers_code(network: Network) -> str:
    lines = []
    sizes = network.layer_sizes
    last = network.n_layers - 1
    for l, activation in enumerate(network.activations):
        bias = "" if network.has_bias else ", bias=False"  # the explainer's ŷ = w·x
        lines.append(f"        nn.Linear({sizes[l]}, {sizes[l + 1]}{bias}, dtype=DTYPE),")
        if l == last and _LOGIT_LOSSES.get(network.loss) == activation:
            lines += [
                f"        # No {activation} here: the model ends at the logits z, which",
                "        # loss_fn takes for numerical stability; predict() applies it.",
            ]
        else:
            lines.append(f"        {_MODULES[activation]},")
    return "\n".join(lines)


def _expected(network: Network, dataset: Dataset) -> str:
    rows, wrapped = _rows(network.predict(dataset.X_train[:CHECK_ROWS]), 4)
    return _keep_layout(f"BPDESK_OUTPUTS = {rows}", wrapped)


def _predict_code(network: Network) -> str:
    output = _LOGIT_LOSSES.get(network.loss)
    if output == "sigmoid":
        return "return torch.sigmoid(model(X)).numpy()"
    if output == "softmax":
        return "return torch.softmax(model(X), dim=1).numpy()"
    return "return model(X).numpy()"


def _ce_targets(dataset: Dataset) -> str:
    T = dataset.T_train
    one_hot = np.all((T == 0) | (T == 1)) and np.all(T.sum(axis=1) == 1)
    if dataset.n_test:
        T = dataset.T_test
        one_hot = one_hot and np.all((T == 0) | (T == 1)) and np.all(T.sum(axis=1) == 1)
    if one_hot:
        return (
            "# The targets are one-hot rows; cross_entropy wants each row's class index.\n"
            "    return nn.functional.cross_entropy(logits, target.argmax(dim=1))"
        )
    return (
        "# The targets are not all one-hot, so they are passed as class probabilities.\n"
        "    return nn.functional.cross_entropy(logits, target)"
    )


_LOSS_CODE = {
    "mse": '''def loss_fn(output, target):
    """bpdesk's "mse": 1/2 * sum over outputs of (y - t)^2, averaged over the batch.

    Not nn.MSELoss: that also averages over the outputs and has no 1/2, which
    would scale the loss and every gradient differently.
    """
    return 0.5 * ((output - target) ** 2).sum(dim=1).mean()''',
    "se": '''def loss_fn(output, target):
    """bpdesk's "se": sum over outputs of (y - t)^2, averaged over the batch."""
    return ((output - target) ** 2).sum(dim=1).mean()''',
    "bce": '''def loss_fn(logits, target):
    """bpdesk's "bce": -[t log y + (1 - t) log(1 - y)] with y = sigmoid(z),
    summed over outputs and averaged over the batch.

    Computed from the logits z, as bpdesk does, so that it stays finite where
    sigmoid(z) rounds to exactly 0 or 1; its gradient is y - t.
    """
    return nn.functional.binary_cross_entropy_with_logits(
        logits, target, reduction="sum"
    ) / len(logits)''',
    "ce": '''def loss_fn(logits, target):
    """bpdesk's "ce": -sum over classes of t log y with y = softmax(z), averaged
    over the batch.

    cross_entropy applies the softmax itself, stably, so the model ends at the
    logits z; its gradient is y - t.
    """
    {targets}''',
}


def _penalty_code(config: TrainConfig) -> str:
    if config.regularization == "none" or config.reg_rate == 0:
        return '''def penalty(model):
    """No regularisation in this run (bpdesk's "none"): nothing is added to the loss."""
    return 0.0'''
    rate = repr(float(config.reg_rate))
    if config.regularization == "l2":
        return f'''# L2 regularisation of the weights (not the biases), as in bpdesk: adding
# 1/2 * lambda * sum(w^2) to every batch's loss adds lambda * w to each gradient.
REG_RATE = {rate}


def penalty(model):
    """The L2 term added to every batch's loss."""
    squares = sum((layer.weight**2).sum() for layer in linear_layers(model))
    return 0.5 * REG_RATE * squares'''
    return f'''# L1 regularisation of the weights (not the biases), as in bpdesk: adding
# lambda * sum(|w|) to every batch's loss adds lambda * sign(w) to each gradient
# (0 at w = 0 in torch, as with NumPy's sign).
REG_RATE = {rate}


def penalty(model):
    """The L1 term added to every batch's loss."""
    return REG_RATE * sum(layer.weight.abs().sum() for layer in linear_layers(model))'''


def _momentum_line(config: TrainConfig) -> str:
    if config.optimizer != "momentum":
        return ""
    return f"\nMOMENTUM = {float(config.momentum)!r}"


_OPTIMIZER_CODE = {
    "sgd": """# Plain gradient descent: w <- w - lr * gradient.
optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)""",
    "momentum": """# Momentum as bpdesk computes it, which is torch's SGD's own: the velocity sums
# gradients, v <- mu*v + g, and the step is w <- w - lr*v (lr is applied when the
# step is taken, so a changed learning rate applies to the whole step at once).
optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)""",
    "adam": """# Adam with bias correction and bpdesk's constants (torch's defaults too).
optimizer = torch.optim.Adam(
    model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8
)""",
}

_LOAD_MOMENTUM = """

# Where bpdesk's optimiser stood at export, after {steps}: momentum's velocity v,
# the decayed sum of past gradients, for every weight and bias (laid out like
# WEIGHTS and BIASES). torch's SGD keeps the same v as its "momentum_buffer":
# given bpdesk's, training here continues bpdesk's run instead of starting afresh.
{arrays}


def load_optimizer_state():
    \"\"\"Give torch's SGD bpdesk's velocity as its momentum buffers.\"\"\"
    velocities = zip(VELOCITY_WEIGHTS, VELOCITY_BIASES, strict=True)
    for layer, (weight, bias) in zip(linear_layers(model), velocities, strict=True):
        for parameter, velocity in ((layer.weight, weight), (layer.bias, bias)):
            if parameter is not None:  # a network without biases has none
                buffer = torch.tensor(velocity, dtype=DTYPE)
                optimizer.state[parameter]["momentum_buffer"] = buffer


load_optimizer_state()"""

_LOAD_ADAM = """

# Where bpdesk's optimiser stood at export: Adam's step count t and its moving
# averages m (of gradients) and v (of squared gradients) for every weight and
# bias (laid out like WEIGHTS and BIASES). torch's Adam keeps the same three as
# "step", "exp_avg" and "exp_avg_sq": given bpdesk's, training here continues
# bpdesk's run, bias correction and all, instead of starting afresh.
ADAM_STEPS = {steps}
{arrays}


def load_optimizer_state():
    \"\"\"Give torch's Adam bpdesk's step count and moving averages.\"\"\"
    averages = zip(M_WEIGHTS, M_BIASES, V_WEIGHTS, V_BIASES, strict=True)
    for layer, (m_weight, m_bias, v_weight, v_bias) in zip(
        linear_layers(model), averages, strict=True
    ):
        for parameter, m, v in (
            (layer.weight, m_weight, v_weight),
            (layer.bias, m_bias, v_bias),
        ):
            if parameter is not None:  # a network without biases has none
                optimizer.state[parameter] = {{
                    "step": torch.tensor(float(ADAM_STEPS), dtype=torch.float64),
                    "exp_avg": torch.tensor(m, dtype=DTYPE),
                    "exp_avg_sq": torch.tensor(v, dtype=DTYPE),
                }}


load_optimizer_state()"""

_SCHEDULE = """


# bpdesk's learning rate changed during this run: from each of these epochs on
# (counted from 1 in each call of train), the rate bpdesk trained with.
LEARNING_RATES = {{{entries}}}


def set_learning_rate(rate):
    \"\"\"Train with `rate` from the next step on (torch reads it at every step).\"\"\"
    for group in optimizer.param_groups:
        group["lr"] = rate"""

_SCHEDULE_STEP = """
        if epoch in LEARNING_RATES:
            set_learning_rate(LEARNING_RATES[epoch])"""

_ACCURACY_CODE = {
    "binary": '''


def accuracy(X, T):
    """Fraction of examples classified right: an output above 0.5 means class 1."""
    return float(np.mean((predict(X)[:, 0] > 0.5) == (T[:, 0] > 0.5).numpy()))''',
    "multiclass": '''


def accuracy(X, T):
    """Fraction of examples classified right: the largest output names the class."""
    return float(np.mean(predict(X).argmax(axis=1) == T.argmax(dim=1).numpy()))''',
}


def _report_code(kind: str, has_test: bool) -> str:
    if kind == "regression":
        lines = ['print(f"after training: loss {evaluate(X_TRAIN, T_TRAIN):.6f}")']
        if has_test:
            lines.append('print(f"test loss {evaluate(X_TEST, T_TEST):.6f}")')
    else:
        lines = ['print(f"training accuracy {accuracy(X_TRAIN, T_TRAIN):.1%}")']
        if has_test:
            lines.append('print(f"test accuracy {accuracy(X_TEST, T_TEST):.1%}")')
    return "\n".join("    " + line for line in lines)


# How train() reports progress, with and without a test set.
_LOG = 'print(f"epoch {epoch:6d}   loss {losses[-1]:.6f}")'
_LOG_WITH_TEST = """print(
                f"epoch {epoch:6d}   loss {losses[-1]:.6f}"
                f"   test loss {evaluate(X_TEST, T_TEST):.6f}"
            )"""


_SCRIPT = '''"""Train a network exported from bpdesk, in PyTorch.

$summary

Run it (it needs only PyTorch and NumPy):

    python THIS_FILE.py               # train, printing the loss now and then
    python THIS_FILE.py --epochs 50   # train for a different number of epochs
    python THIS_FILE.py --check       # the untrained outputs, beside bpdesk's

Or import it: `model`, build_model(), loss_fn(output, target), penalty(model),
`optimizer`, train(epochs) and predict(X) are all at module level.
"""

import argparse
import math
import sys

import numpy as np
import torch
from torch import nn

# bpdesk computed in $dtype_name, and so does this script (torch's default is float32).
DTYPE = $dtype

# -- the data -----------------------------------------------------------------
$data

# -- the model ----------------------------------------------------------------
# bpdesk computes a layer as z = x @ W + b with W shaped (inputs, outputs).
# torch.nn.Linear stores its weight the other way round, (outputs, inputs), and
# computes x @ weight.T + bias: so WEIGHTS[l] below is bpdesk's W transposed, and
# its row j holds the weights into neuron j.
$parameters


def build_model():
    """A fresh copy of the network as it was in bpdesk: same layers, same weights."""
    model = nn.Sequential(
$layers
    )
    layers = linear_layers(model)
    with torch.no_grad():
        for layer, weight, bias in zip(layers, WEIGHTS, BIASES, strict=True):
            layer.weight.copy_(torch.tensor(weight, dtype=DTYPE))
            if layer.bias is not None:  # a network without biases has none to copy
                layer.bias.copy_(torch.tensor(bias, dtype=DTYPE))
    return model


def linear_layers(model):
    """The nn.Linear layers of the model, first to last."""
    return [module for module in model if isinstance(module, nn.Linear)]


model = build_model()


def predict(X):
    """The network's outputs for the inputs X (one row each), as a NumPy array."""
    X = X.to(DTYPE) if torch.is_tensor(X) else torch.tensor(np.asarray(X), dtype=DTYPE)
    with torch.no_grad():
        $outputs


# -- the loss -----------------------------------------------------------------
$loss


$penalty


# -- the optimiser ------------------------------------------------------------
LEARNING_RATE = $learning_rate$momentum
$optimizer$optimizer_state

# -- training -----------------------------------------------------------------
EPOCHS = $epochs
BATCH_SIZE = $batch_size$batch_note
SEED = $seed
# Each epoch shuffles the examples afresh and steps once per slice of BATCH_SIZE
# (the last may be smaller), as bpdesk does, drawing the order from NumPy's
# generator seeded with SEED exactly as bpdesk does: the same permutation each
# epoch, so the same batches. Full-batch epochs draw nothing.
shuffle_rng = np.random.default_rng(SEED)$shuffle_state$schedule


def evaluate(X, T):
    """The model's loss (without the regularisation term) on inputs X, targets T."""
    with torch.no_grad():
        return loss_fn(model(X), T).item()


def train(epochs=EPOCHS, log_every=None):
    """Train `model` in place for `epochs` epochs; return the loss after each."""
    n = len(X_TRAIN)
    log_every = log_every or max(1, epochs // 10)
    losses = []
    for epoch in range(1, epochs + 1):$schedule_step
        if n <= BATCH_SIZE:
            batches = [torch.arange(n)]  # full batch: every example in every step
        else:
            batches = torch.from_numpy(shuffle_rng.permutation(n)).split(BATCH_SIZE)
        for batch in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(X_TRAIN[batch]), T_TRAIN[batch]) + penalty(model)
            loss.backward()
            optimizer.step()
        losses.append(evaluate(X_TRAIN, T_TRAIN))
        if not math.isfinite(losses[-1]):
            print(f"epoch {epoch}: the loss is not finite; try a lower learning rate")
            break
        if epoch % log_every == 0 or epoch == epochs:
            $log_line
    return losses$accuracy


# -- checking against bpdesk --------------------------------------------------
# bpdesk's outputs for the first training examples, before any training here.
$expected
TOLERANCE = $tolerance


def check(show_outputs=True):
    """Compare the model's outputs for the training inputs with bpdesk's.

    Prints the outputs first if show_outputs; True if they agree to TOLERANCE.
    """
    outputs = predict(X_TRAIN)
    if show_outputs:
        for row in outputs:
            print("  ".join(f"{value:.17g}" for value in row))
    expected = np.array(BPDESK_OUTPUTS)
    difference = float(np.abs(outputs[: len(expected)] - expected).max())
    print(f"largest difference from bpdesk's outputs (first $check_rows rows): {difference:.3g}")
    return difference <= TOLERANCE


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train a network from bpdesk.")
    parser.add_argument(
        "--epochs", type=int, default=EPOCHS, help=f"epochs to train (default {EPOCHS})"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="print the untrained outputs, compare them with bpdesk's and stop",
    )
    args = parser.parse_args(argv)
    if args.check:
        sys.exit(0 if check() else 1)
    check(show_outputs=False)  # before training, this is bpdesk's network to rounding
    print(f"before training: loss {evaluate(X_TRAIN, T_TRAIN):.6f}")
    train(args.epochs)
$report


if __name__ == "__main__":
    main()
'''
