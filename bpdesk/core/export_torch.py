"""Export a network, its data and its training settings as a standalone PyTorch script.

For learners moving on to larger models: :func:`torch_script` writes one
Python file that rebuilds the same layers with the same weights in
``torch.nn``, embeds the training (and test) data, and trains with the loss,
optimiser, regularisation, batch size and epoch count bpdesk would use, so its
numbers can be set beside bpdesk's. Full-batch runs agree step for step to
rounding; mini-batch runs shuffle with torch's generator instead of NumPy's.

This module only writes text: it never imports torch.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from string import Template

import numpy as np
import numpy.typing as npt

from bpdesk import __version__
from bpdesk.core.datasets import Dataset
from bpdesk.core.errors import ConfigError
from bpdesk.core.network import Network
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
    network: Network, dataset: Dataset, config: TrainConfig, epochs: int | None = None
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
        "summary": _summary(network, dataset, config, batch_size, int(epochs)),
        "dtype": _TORCH_DTYPES[network.dtype.name],
        "dtype_name": network.dtype.name,
        "data": _data_section(dataset),
        "parameters": _parameters(network),
        "layers": _layers_code(network),
        "outputs": _predict_code(network),
        "loss": _LOSS_CODE[network.loss].format(targets=_ce_targets(dataset)),
        "penalty": _penalty_code(config),
        "optimizer": _OPTIMIZER_CODE[config.optimizer],
        "learning_rate": repr(float(config.learning_rate)),
        "momentum": _momentum_line(config),
        "epochs": str(int(epochs)),
        "batch_size": str(batch_size),
        "batch_note": batch_note,
        "seed": str(config.seed),
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
    network: Network, dataset: Dataset, config: TrainConfig, batch_size: int, epochs: int
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
    return textwrap.fill(text, width=79, break_on_hyphens=False)


def _plain(text: str) -> str:
    """``text`` made safe inside a comment or a docstring: one line, no quotes, no escapes."""
    return " ".join(str(text).replace("\\", "/").replace('"', "'").split())


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


def _comment(text: str) -> str:
    return textwrap.fill(text, width=79, initial_indent="# ", subsequent_indent="# ")


def _parameters(network: Network) -> str:
    blocks = []
    wrapped = False
    for l, w in enumerate(network.weights):
        n_in, n_out = w.shape
        rows, wide = _rows(np.asarray(w).T, 8)
        wrapped |= wide
        blocks.append(
            f"    # layer {l + 1}: {_count(n_in, 'input')} -> {_count(n_out, 'neuron')}\n"
            f"    {rows},"
        )
    biases, wide = _rows([np.asarray(b) for b in network.biases], 4)
    wrapped |= wide
    statements = "WEIGHTS = [\n" + "\n".join(blocks) + "\n]\nBIASES = " + biases
    return _keep_layout(statements, wrapped)


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
    "momentum": """# bpdesk writes momentum as  v <- mu*v - lr*g;  w <- w + v.  torch's SGD keeps
# b <- mu*b + g;  w <- w - lr*b  instead. With a constant learning rate these
# are the same steps (v = -lr*b), so the two runs agree.
optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)""",
    "adam": """# Adam with bias correction and bpdesk's constants (torch's defaults too).
optimizer = torch.optim.Adam(
    model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8
)""",
}

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
$optimizer

# -- training -----------------------------------------------------------------
EPOCHS = $epochs
BATCH_SIZE = $batch_size$batch_note
SEED = $seed
# Each epoch shuffles the examples afresh and steps once per slice of BATCH_SIZE
# (the last may be smaller), as bpdesk does. The shuffle comes from torch's random
# generator, not NumPy's, so mini-batch runs are not bit-identical to bpdesk's;
# full-batch runs do not shuffle and agree step for step.
generator = torch.Generator().manual_seed(SEED)


def evaluate(X, T):
    """The model's loss (without the regularisation term) on inputs X, targets T."""
    with torch.no_grad():
        return loss_fn(model(X), T).item()


def train(epochs=EPOCHS, log_every=None):
    """Train `model` in place for `epochs` epochs; return the loss after each."""
    n = len(X_TRAIN)
    log_every = log_every or max(1, epochs // 10)
    losses = []
    for epoch in range(1, epochs + 1):
        if n <= BATCH_SIZE:
            batches = [torch.arange(n)]  # full batch: every example in every step
        else:
            batches = torch.randperm(n, generator=generator).split(BATCH_SIZE)
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
