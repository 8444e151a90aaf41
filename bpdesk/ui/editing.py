"""What the user asks of the network, turned into undo commands.

The editor, the menus and the tests all edit through these functions; each
pushes one command on the document's stack or, if the edit is impossible,
tells the user why (``Document.notify``) and changes nothing.
"""

from __future__ import annotations

import math

import numpy as np

from bpdesk.core import BpdeskError, Dataset, Network
from bpdesk.core import architecture as arch
from bpdesk.core.bpnet_sweeps import MAX_KEPT_SWEEPS
from bpdesk.core.features import PLAIN, describe
from bpdesk.core.network import Parameter
from bpdesk.core.sweep_kept import KeptSweep
from bpdesk.ui.commands import (
    AddSweepCommand,
    ClearRunsCommand,
    LoadSweepRunCommand,
    ReplaceDatasetCommand,
    ReplaceNetworkCommand,
    ResetCommand,
    SetParameterCommand,
    SetParametersCommand,
)
from bpdesk.ui.document import Document


def _replace(doc: Document, build, text: str) -> bool:
    doc.prepare_edit(ReplaceNetworkCommand)  # built from the network's last epoch
    try:
        network = build()
    except BpdeskError as exc:
        doc.notify(f"{text}: {exc}")
        return False
    doc.push(ReplaceNetworkCommand(doc, network, text))
    return True


def _hidden(doc: Document, layer: int, what: str) -> bool:
    last = len(doc.network.layer_sizes) - 1
    if layer == 0 or layer == last:
        side = "input" if layer == 0 else "output"
        doc.notify(f"{what}: the {side} layer's size follows the dataset")
        return False
    return True


def _drawable(doc: Document, size: int, what: str) -> bool:
    """True if the editor can show a layer of ``size`` neurons; else tells the user why."""
    if size <= arch.EDITOR_MAX_NEURONS:
        return True
    doc.notify(
        f"{what}: the editor shows at most {arch.EDITOR_MAX_NEURONS} neurons a layer; "
        f"{arch.EDITOR_REASON} (bpdesk train trains them from the command line)"
    )
    return False


def add_neuron(doc: Document, layer: int, index: int | None = None) -> bool:
    """Add a neuron to hidden ``layer`` at ``index`` (default: at the end)."""
    if not _hidden(doc, layer, "Cannot add a neuron"):
        return False
    if not _drawable(doc, doc.network.layer_sizes[layer] + 1, "Add neuron"):
        return False
    if index is None:
        index = doc.network.layer_sizes[layer]
    rng = doc.next_edit_rng()
    return _replace(doc, lambda: arch.insert_neuron(doc.network, layer, index, rng), "Add neuron")


def set_layer_size(doc: Document, layer: int, size: int) -> bool:
    """Give hidden ``layer`` ``size`` neurons in one step (its first neurons keep their
    weights): what the palette's number does, since nobody drags 128 neurons."""
    if not _hidden(doc, layer, "Cannot resize that layer"):
        return False
    if not _drawable(doc, size, "Set layer size"):
        return False
    if size == doc.network.layer_sizes[layer]:
        return False
    rng = doc.next_edit_rng()
    return _replace(
        doc, lambda: arch.resize_layer(doc.network, layer, size, rng), f"Set layer size to {size}"
    )


def remove_neuron(doc: Document, layer: int, index: int) -> bool:
    """Remove neuron ``index`` of hidden ``layer``; every other weight stays."""
    if not _hidden(doc, layer, "Cannot remove that neuron"):
        return False
    return _replace(doc, lambda: arch.remove_neuron(doc.network, layer, index), "Remove neuron")


def move_neuron(doc: Document, layer: int, source: int, target: int) -> bool:
    """Reorder a hidden neuron; the weights move with it and the function does not change."""
    if source == target:
        return False
    if not _hidden(doc, layer, "Cannot reorder"):
        return False
    return _replace(
        doc, lambda: arch.move_neuron(doc.network, layer, source, target), "Move neuron"
    )


def insert_layer(
    doc: Document, position: int, size: int = 3, activation: str | None = None
) -> bool:
    """Insert a hidden layer so that it becomes layer ``position``."""
    if activation is None:
        hidden = doc.network.activations[:-1]
        activation = hidden[min(position - 1, len(hidden) - 1)] if hidden else "sigmoid"
    if not _drawable(doc, size, "Insert hidden layer"):
        return False
    rng = doc.next_edit_rng()
    return _replace(
        doc,
        lambda: arch.insert_layer(doc.network, position, size, activation, rng),
        "Insert hidden layer",
    )


def remove_layer(doc: Document, layer: int) -> bool:
    """Remove hidden ``layer``; the layers either side are joined by new weights."""
    if not _hidden(doc, layer, "Cannot remove that layer"):
        return False
    rng = doc.next_edit_rng()
    return _replace(doc, lambda: arch.remove_layer(doc.network, layer, rng), "Remove hidden layer")


def set_activation(doc: Document, weight_layer: int, activation: str) -> bool:
    """Change the activation of the neurons fed by ``weight_layer``."""
    if doc.network.activations[weight_layer] == activation:
        return False
    return _replace(
        doc, lambda: arch.set_activation(doc.network, weight_layer, activation), f"Use {activation}"
    )


def set_value(doc: Document, parameter: Parameter, value: float) -> bool:
    """Type a new value into a weight or bias."""
    if not math.isfinite(value):
        doc.notify("A weight must be a finite number")
        return False
    if abs(value) > 1e6:
        doc.notify("Weights are limited to ±1,000,000")
        return False
    if parameter[1] is None and not doc.network.has_bias:
        doc.notify("This network has no biases (ŷ = w·x): there is no bias to set")
        return False
    doc.prepare_edit(SetParameterCommand)
    doc.push(SetParameterCommand(doc, parameter, value))
    return True


def apply_gradients(doc: Document) -> bool:
    """Move every weight by −η·∂L/∂w (the backward pass's gradients) as one undoable step."""
    doc.prepare_edit(SetParametersCommand)
    with np.errstate(all="ignore"):
        values = doc.gradient_step_parameters()
    if not np.all(np.isfinite(values)):
        # As training refuses a blow-up: a NaN or infinite weight breaks every view.
        lr = doc.config.learning_rate
        doc.notify(
            f"Not applied: a step of η = {lr:g} times these gradients would make some "
            "weights infinite. Lower the learning rate."
        )
        return False
    lr = doc.config.learning_rate
    doc.push(SetParametersCommand(doc, values, f"Apply gradients (η = {lr:g})"))
    return True


def change_dataset(doc: Document, dataset: Dataset, text: str | None = None) -> bool:
    """Use ``dataset``: the input and output layers follow it, and so do the output
    activation and loss when the kind of problem changes (binary, classes, regression)."""
    widest = max(dataset.n_inputs, dataset.n_outputs)
    if widest > arch.EDITOR_MAX_NEURONS:
        doc.notify(
            f"Cannot use that dataset: its {dataset.n_inputs} inputs and {dataset.n_outputs} "
            f"outputs need a layer of {widest} neurons; the editor shows at most "
            f"{arch.EDITOR_MAX_NEURONS} a layer: {arch.EDITOR_REASON} (bpdesk train --csv "
            "trains on it from the command line)"
        )
        return False
    doc.prepare_edit(ReplaceDatasetCommand)
    net = doc.network
    output, loss = net.activations[-1], net.loss
    if doc.dataset.kind != dataset.kind or not _loss_fits(net.loss, dataset):
        output, loss = dataset.suggested_output()
    network = None
    try:
        sizes_change = (net.layer_sizes[0], net.layer_sizes[-1]) != (
            dataset.n_inputs,
            dataset.n_outputs,
        )
        if sizes_change or (output, loss) != (net.activations[-1], net.loss):
            network = arch.resize_io(
                net, dataset.n_inputs, dataset.n_outputs, doc.next_edit_rng(), output, loss
            )
    except BpdeskError as exc:
        doc.notify(f"Cannot use that dataset: {exc}")
        return False
    doc.push(
        ReplaceDatasetCommand(doc, dataset, network, text or f"Use {dataset.title or dataset.name}")
    )
    return True


def set_features(doc: Document, features: tuple[str, ...]) -> bool:
    """Compute the network's inputs from the plane by ``features`` (x₁², sin x₁, …):
    the input layer follows, a feature kept keeps its weights (one undoable step)."""
    data = doc.dataset
    old = data.features or PLAIN
    try:
        new = data.with_features(features)
    except BpdeskError as exc:
        doc.notify(f"Cannot use those inputs: {exc}")
        return False
    chosen = new.features or PLAIN
    if chosen == old:
        return False
    doc.prepare_edit(ReplaceDatasetCommand)
    net = doc.network
    network = None
    if net.layer_sizes[0] == len(old):
        rows = [old.index(f) if f in old else None for f in chosen]
        if rows != list(range(len(old))):
            network = arch.pick_inputs(net, rows, doc.next_edit_rng())
    else:
        # The network does not fit the data now (never so in the window): fit it as a
        # change of dataset would.
        network = arch.resize_io(net, new.n_inputs, new.n_outputs, doc.next_edit_rng())
    doc.push(ReplaceDatasetCommand(doc, new, network, f"Use the inputs {describe(chosen)}"))
    return True


def _loss_fits(loss: str, dataset: Dataset) -> bool:
    if loss == "ce":
        return dataset.kind == "multiclass"
    if loss == "bce":
        return dataset.kind == "binary"
    return True


def set_loss(doc: Document, loss: str) -> bool:
    """Change the loss; the output activation follows when the loss needs a particular one."""
    if loss == doc.network.loss:
        return False
    if not _loss_fits(loss, doc.dataset):
        kind = {"ce": "classes (three or more)", "bce": "binary (0/1) targets"}[loss]
        doc.notify(f"The {loss} loss needs a dataset with {kind}")
        return False
    output = {"ce": "softmax", "bce": "sigmoid"}.get(loss)
    if (
        output is None
        and doc.network.activations[-1] == "softmax"
        and doc.dataset.kind != "multiclass"
    ):
        output = "sigmoid"
    return _replace(doc, lambda: arch.set_loss(doc.network, loss, output), f"Use the {loss} loss")


def reinitialise(doc: Document, init: str | None = None, seed: int | None = None) -> bool:
    """New starting weights from an initialiser and seed (undoable; the history starts again)."""
    doc.prepare_edit(ResetCommand)
    net = doc.network
    try:
        fresh = _initialised(net, init or net.init, net.seed if seed is None else seed)
    except BpdeskError as exc:
        doc.notify(str(exc))
        return False
    doc.push(ResetCommand(doc, fresh))
    return True


def _initialised(net: Network, init: str, seed: int) -> Network:
    """``net``'s architecture with weights drawn afresh by ``init`` from ``seed``."""
    return Network(
        net.layer_sizes,
        net.activations,
        loss=net.loss,
        init=init,
        seed=seed,
        dtype=net.dtype.name,
        bias=net.has_bias,
    )


def reset_to_start(doc: Document) -> bool:
    """Start a new run from the weights this run started from (its epoch 0), to train
    the same start again with other settings (undoable; the run's label says so)."""
    doc.prepare_edit(ResetCommand)
    if doc.epoch == 0 and len(doc.history) == 0:
        doc.notify("The network is at the start of its run already: train it first")
        return False
    start, reason = doc.rewind_target(0)
    if start is None or start.epoch != 0:
        doc.notify(
            f"Cannot reset to the same initial weights: {reason or 'none were kept'}. "
            "Reset from the seed, or with new random weights, instead"
        )
        return False
    network = doc.network.copy()
    network.parameters[:] = start.parameters
    doc.push(ResetCommand(doc, network, "Reset to the same initial weights", "same start"))
    return True


def reset_to_new_weights(doc: Document) -> bool:
    """Start a new run from new random weights: the initialiser with the next seed
    (undoable; the Data panel's weight seed shows it, the run's label says so)."""
    doc.prepare_edit(ResetCommand)
    net = doc.network
    seed = net.seed + 1 if net.seed < 2**31 - 1 else 0  # the seed box's range
    try:
        fresh = _initialised(net, net.init, seed)
    except BpdeskError as exc:
        doc.notify(str(exc))
        return False
    text = f"new weights (seed {seed:,})"
    doc.push(ResetCommand(doc, fresh, f"Reset to {text}", text))
    return True


def clear_runs(doc: Document) -> bool:
    """Forget the faint curves of earlier runs (undoably: "Clear runs" is an edit like any
    other). False when there are none."""
    if not doc.runs:
        return False
    doc.push(ClearRunsCommand(doc))
    return True


def keep_sweep(doc: Document, sweep: KeptSweep) -> None:
    """Keep a sweep with the network (undoably; the document keeps the latest few)."""
    # Straight onto the stack, as a stretch of training is: it records what a job has
    # done, and changes nothing a running training or a tour's example depends on.
    doc.undo_stack.push(AddSweepCommand(doc, sweep, MAX_KEPT_SWEEPS))


def load_sweep_run(doc: Document, sweep: KeptSweep, k: int) -> bool:
    """Put network ``k`` of ``sweep`` into the editor as it ended (undoably), or say why not."""
    if sweep.parameters is None:
        doc.notify(
            "This sweep did not keep its networks' weights (too many to keep): run it again "
            "to load one"
        )
        return False
    sizes, data = sweep.template.layer_sizes, doc.dataset
    if (sizes[0], sizes[-1]) != (data.n_inputs, data.n_outputs):
        doc.notify(
            f"The sweep's {'-'.join(map(str, sizes))} networks do not fit the data now "
            f"({data.n_inputs} inputs, {data.n_outputs} outputs)"
        )
        return False
    doc.prepare_edit(LoadSweepRunCommand)
    doc.push(LoadSweepRunCommand(doc, sweep, k))
    return True
