"""Architecture edits: each returns a new :class:`Network` and leaves the old one alone.

Layers are counted as in ``layer_sizes``: 0 is the input, the last is the
output, the ones between are hidden. Every edit keeps every weight it does not
have to change; new weights come from the network's initialiser and the
``rng`` the caller passes (so an edit can be replayed exactly).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpdesk.core.activations import get_activation
from bpdesk.core.errors import ConfigError
from bpdesk.core.initializers import get_initializer
from bpdesk.core.losses import check_output
from bpdesk.core.network import Network

MAX_HIDDEN_LAYERS = 16
# The engine trains layers of any size on the CPU; past a thousand or so neurons every
# step gets slow (a 1024×1024 layer is a million weights), so the edits stop there.
MAX_NEURONS = 1024
NEURONS_REASON = "wider layers make every training step slow on the CPU"
# The window's editor draws a layer of more than 32 neurons as one block (the input's
# picture, or a grid of cells) and the weights touching it as one heat map: painting
# costs the same for 100 neurons or 1,000, and a 784-128-64-10 network opens in a few
# seconds. It shows every layer the engine trains at a usable speed.
EDITOR_MAX_NEURONS = MAX_NEURONS
EDITOR_REASON = f"bigger layers are drawn as blocks, but past {MAX_NEURONS} {NEURONS_REASON}"


def rebuild(
    network: Network,
    layer_sizes: Sequence[int],
    activations: Sequence[str],
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    loss: str | None = None,
) -> Network:
    """A network with the same settings as ``network`` but new shapes and parameters."""
    net = Network(
        layer_sizes,
        activations,
        loss=loss or network.loss,
        init=network.init,
        seed=network.seed,
        dtype=network.dtype.name,
        bias=network.has_bias,
    )
    net.weights = weights
    if network.has_bias:
        net.biases = biases
    return net


def _parts(network: Network) -> tuple[list[int], list[str], list[np.ndarray], list[np.ndarray]]:
    return (
        list(network.layer_sizes),
        list(network.activations),
        [w.copy() for w in network.weights],
        [b.copy() for b in network.biases],
    )


def _whole(value: object, what: str) -> int:
    # Positions and sizes come from the UI and from scripts: a float or a bool
    # here is a mistake to report, not a number to round.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{what} must be a whole number, got {value!r}")
    return int(value)


def _check_hidden(network: Network, layer: int) -> None:
    layer = _whole(layer, "a layer")
    if not 0 < layer < len(network.layer_sizes) - 1:
        raise ConfigError(f"layer {layer} is not a hidden layer")


def insert_neuron(network: Network, layer: int, index: int, rng: np.random.Generator) -> Network:
    """Add a neuron at ``index`` of hidden ``layer``; its new weights come from the initialiser."""
    _check_hidden(network, layer)
    sizes, acts, W, b = _parts(network)
    if sizes[layer] >= MAX_NEURONS:
        raise ConfigError(f"a layer can have at most {MAX_NEURONS} neurons ({NEURONS_REASON})")
    if not 0 <= _whole(index, "a neuron position") <= sizes[layer]:
        raise ConfigError(f"cannot insert at position {index} of a {sizes[layer]}-neuron layer")
    init = get_initializer(network.init)
    n_prev, n_next = sizes[layer - 1], sizes[layer + 1]
    n_new = sizes[layer] + 1
    incoming = init.weights(n_prev, n_new, rng, shape=(n_prev,))
    outgoing = init.weights(n_new, n_next, rng, shape=(n_next,))
    bias = init.biases(n_new, rng, n_prev, shape=(1,))[0]
    W[layer - 1] = np.insert(W[layer - 1], index, incoming, axis=1)
    b[layer - 1] = np.insert(b[layer - 1], index, bias)
    W[layer] = np.insert(W[layer], index, outgoing, axis=0)
    sizes[layer] = n_new
    return rebuild(network, sizes, acts, W, b)


def resize_layer(network: Network, layer: int, size: int, rng: np.random.Generator) -> Network:
    """Give hidden ``layer`` ``size`` neurons: its first neurons keep their weights,
    new ones (at the end) come from the initialiser, and any beyond ``size`` go."""
    _check_hidden(network, layer)
    sizes, acts, W, b = _parts(network)
    size = _whole(size, "a layer size")
    if not 1 <= size <= MAX_NEURONS:
        why = f" ({NEURONS_REASON})" if size > MAX_NEURONS else ""
        raise ConfigError(f"a layer needs 1 to {MAX_NEURONS} neurons, not {size}{why}")
    n = sizes[layer]
    if size < n:
        W[layer - 1], b[layer - 1], W[layer] = (
            W[layer - 1][:, :size],
            b[layer - 1][:size],
            W[layer][:size],
        )
    elif size > n:
        init = get_initializer(network.init)
        n_prev, n_next, extra = sizes[layer - 1], sizes[layer + 1], size - n
        incoming = init.weights(n_prev, size, rng, shape=(n_prev, extra))
        outgoing = init.weights(size, n_next, rng, shape=(extra, n_next))
        bias = init.biases(size, rng, n_prev, shape=(extra,))
        W[layer - 1] = np.concatenate([W[layer - 1], incoming], axis=1)
        b[layer - 1] = np.concatenate([b[layer - 1], bias])
        W[layer] = np.concatenate([W[layer], outgoing], axis=0)
    sizes[layer] = size
    return rebuild(network, sizes, acts, W, b)


def remove_neuron(network: Network, layer: int, index: int) -> Network:
    """Remove neuron ``index`` of hidden ``layer`` with its weights; every other weight stays."""
    _check_hidden(network, layer)
    sizes, acts, W, b = _parts(network)
    if sizes[layer] <= 1:
        raise ConfigError("a hidden layer needs at least one neuron (remove the layer instead)")
    if not 0 <= _whole(index, "a neuron position") < sizes[layer]:
        raise ConfigError(f"layer {layer} has no neuron {index}")
    W[layer - 1] = np.delete(W[layer - 1], index, axis=1)
    b[layer - 1] = np.delete(b[layer - 1], index)
    W[layer] = np.delete(W[layer], index, axis=0)
    sizes[layer] -= 1
    return rebuild(network, sizes, acts, W, b)


def move_neuron(network: Network, layer: int, source: int, target: int) -> Network:
    """Move neuron ``source`` of hidden ``layer`` to position ``target``, weights and all.

    The network computes exactly the same function afterwards: only the order changes.
    """
    _check_hidden(network, layer)
    sizes, acts, W, b = _parts(network)
    n = sizes[layer]
    source, target = _whole(source, "a neuron position"), _whole(target, "a neuron position")
    if not (0 <= source < n and 0 <= target < n):
        raise ConfigError(f"layer {layer} has {n} neurons; cannot move {source} to {target}")
    order = list(range(n))
    order.insert(target, order.pop(source))
    W[layer - 1] = W[layer - 1][:, order]
    b[layer - 1] = b[layer - 1][order]
    W[layer] = W[layer][order, :]
    return rebuild(network, sizes, acts, W, b)


def insert_layer(
    network: Network, position: int, size: int, activation: str, rng: np.random.Generator
) -> Network:
    """Insert a hidden layer of ``size`` neurons so that it becomes layer ``position``.

    The weights that joined the layers on either side are replaced by two new
    weight layers from the initialiser; all other weights stay.
    """
    sizes, acts, W, b = _parts(network)
    position, size = _whole(position, "a layer position"), _whole(size, "a layer size")
    if not 0 < position < len(sizes):
        raise ConfigError(
            f"a hidden layer can go at positions 1 to {len(sizes) - 1}, not {position}"
        )
    if len(sizes) - 2 >= MAX_HIDDEN_LAYERS:
        raise ConfigError(f"a network can have at most {MAX_HIDDEN_LAYERS} hidden layers")
    if not 1 <= size <= MAX_NEURONS:
        why = f" ({NEURONS_REASON})" if size > MAX_NEURONS else ""
        raise ConfigError(f"a layer needs 1 to {MAX_NEURONS} neurons, not {size}{why}")
    if get_activation(activation).output_only:
        raise ConfigError(f"{activation} can only be used on the output layer")
    init = get_initializer(network.init)
    n_prev, n_next = sizes[position - 1], sizes[position]
    W[position - 1 : position] = [init.weights(n_prev, size, rng), init.weights(size, n_next, rng)]
    b[position - 1 : position] = [init.biases(size, rng, n_prev), init.biases(n_next, rng, size)]
    acts.insert(position - 1, activation)
    sizes.insert(position, size)
    return rebuild(network, sizes, acts, W, b)


def remove_layer(network: Network, layer: int, rng: np.random.Generator) -> Network:
    """Remove hidden ``layer``; the layers either side are joined by new initialised weights."""
    _check_hidden(network, layer)
    sizes, acts, W, b = _parts(network)
    init = get_initializer(network.init)
    n_prev, n_next = sizes[layer - 1], sizes[layer + 1]
    W[layer - 1 : layer + 1] = [init.weights(n_prev, n_next, rng)]
    b[layer - 1 : layer + 1] = [init.biases(n_next, rng, n_prev)]
    # The joined weight layer keeps the activation of the layer it feeds.
    del acts[layer - 1]
    del sizes[layer]
    return rebuild(network, sizes, acts, W, b)


def set_activation(network: Network, weight_layer: int, activation: str) -> Network:
    """Change the activation of weight layer ``weight_layer`` (the neurons it feeds)."""
    sizes, acts, W, b = _parts(network)
    if not 0 <= _whole(weight_layer, "a weight layer") < len(acts):
        raise ConfigError(f"there is no weight layer {weight_layer}")
    act = get_activation(activation)
    last = weight_layer == len(acts) - 1
    if act.output_only and not last:
        raise ConfigError(f"{activation} can only be used on the output layer")
    if last:
        check_output(network.loss, activation, sizes[-1])
    acts[weight_layer] = activation
    return rebuild(network, sizes, acts, W, b)


def set_loss(network: Network, loss: str, output_activation: str | None = None) -> Network:
    """Change the loss (and, if given, the output activation); weights stay."""
    sizes, acts, W, b = _parts(network)
    if output_activation is not None:
        acts[-1] = output_activation
    return rebuild(network, sizes, acts, W, b, loss=loss)


def pick_inputs(network: Network, rows: Sequence[int | None], rng: np.random.Generator) -> Network:
    """A network whose input ``k`` is the old input ``rows[k]``, with its weights, or a
    new input with fresh weights where ``rows[k]`` is None (input features chosen anew:
    a feature that stays keeps what it learnt)."""
    sizes, acts, W, b = _parts(network)
    if not rows:
        raise ConfigError("a network needs at least 1 input")
    fresh = get_initializer(network.init).weights(len(rows), sizes[1], rng)
    for k, old in enumerate(rows):
        if old is not None:
            fresh[k] = W[0][_whole(old, "an input")]
    W[0] = fresh
    sizes[0] = len(rows)
    return rebuild(network, sizes, acts, W, b)


def resize_io(
    network: Network,
    n_inputs: int,
    n_outputs: int,
    rng: np.random.Generator,
    output_activation: str | None = None,
    loss: str | None = None,
) -> Network:
    """Fit the input and output layers to a dataset; the weights of kept neurons stay.

    ``output_activation`` and ``loss`` change in the same step when given: a
    new kind of problem may need both at once (a softmax needs 2+ outputs).
    """
    sizes, acts, W, b = _parts(network)
    if output_activation is not None:
        acts[-1] = output_activation
    n_inputs, n_outputs = _whole(n_inputs, "inputs"), _whole(n_outputs, "outputs")
    if n_inputs < 1 or n_outputs < 1:
        raise ConfigError(
            f"a network needs at least 1 input and 1 output, not {n_inputs} and {n_outputs}"
        )
    if (sizes[0], sizes[-1]) == (n_inputs, n_outputs):
        return rebuild(network, sizes, acts, W, b, loss=loss)
    init = get_initializer(network.init)
    fresh_first = init.weights(n_inputs, sizes[1], rng)
    keep = min(n_inputs, sizes[0])
    fresh_first[:keep] = W[0][:keep]
    W[0] = fresh_first
    sizes[0] = n_inputs
    fresh_last = init.weights(sizes[-2], n_outputs, rng)
    fresh_bias = init.biases(n_outputs, rng, sizes[-2])
    keep = min(n_outputs, sizes[-1])
    fresh_last[:, :keep] = W[-1][:, :keep]
    fresh_bias[:keep] = b[-1][:keep]
    W[-1], b[-1] = fresh_last, fresh_bias
    sizes[-1] = n_outputs
    return rebuild(network, sizes, acts, W, b, loss=loss)
