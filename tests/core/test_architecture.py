"""Architecture edits: new networks every time, every untouched weight kept exactly."""

import numpy as np
import pytest

from bpdesk.core import ConfigError, Network
from bpdesk.core.architecture import (
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    insert_layer,
    insert_neuron,
    move_neuron,
    remove_layer,
    remove_neuron,
    resize_io,
    set_activation,
    set_loss,
)
from bpdesk.core.initializers import INITIALIZERS


def make_net(sizes=(2, 3, 4, 1), init="uniform", dtype="float64", seed=0) -> Network:
    # "uniform" draws random biases too, so a bias that moved or vanished shows.
    return Network.create(list(sizes), activation="tanh", init=init, seed=seed, dtype=dtype)


def inputs(n_in: int = 2) -> np.ndarray:
    return np.random.default_rng(11).normal(size=(64, n_in))


def rng(seed: int = 5) -> np.random.Generator:
    return np.random.default_rng(seed)


EDITS = {
    "insert_neuron": lambda n: insert_neuron(n, 1, 1, rng()),
    "remove_neuron": lambda n: remove_neuron(n, 2, 0),
    "move_neuron": lambda n: move_neuron(n, 2, 0, 3),
    "insert_layer": lambda n: insert_layer(n, 2, 5, "relu", rng()),
    "remove_layer": lambda n: remove_layer(n, 1, rng()),
    "set_activation": lambda n: set_activation(n, 0, "relu"),
    "set_loss": lambda n: set_loss(n, "bce"),
    "resize_io": lambda n: resize_io(n, 3, 2, rng()),
}


@pytest.mark.parametrize("edit", list(EDITS.values()), ids=list(EDITS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_edit_returns_a_new_network_and_leaves_the_original_alone(edit, dtype):
    net = make_net(dtype=dtype)
    before = net.parameters.copy()
    described = (net.layer_sizes, net.activations, net.loss, net.init, net.seed, net.dtype)
    edited = edit(net)
    assert edited is not net
    assert not np.shares_memory(edited.parameters, net.parameters)
    assert net.parameters.tobytes() == before.tobytes()
    assert (net.layer_sizes, net.activations, net.loss, net.init, net.seed, net.dtype) == described
    # The edited network keeps the settings an edit does not change.
    assert (edited.init, edited.seed, edited.dtype) == (net.init, net.seed, net.dtype)
    # Writing into the new network does not reach the old one.
    edited.parameters[:] = 0.0
    assert net.parameters.tobytes() == before.tobytes()


# -- neurons --------------------------------------------------------------------------


def test_insert_neuron_keeps_every_old_weight_and_draws_the_new_ones_from_the_initialiser():
    net = make_net()
    new = insert_neuron(net, 1, 1, rng(5))
    assert new.layer_sizes == (2, 4, 4, 1)
    W, b = net.weights, net.biases
    kept = [0, 2, 3]  # new positions of the old neurons 0, 1, 2
    np.testing.assert_array_equal(new.weights[0][:, kept], W[0])
    np.testing.assert_array_equal(new.biases[0][kept], b[0])
    np.testing.assert_array_equal(new.weights[1][kept, :], W[1])
    np.testing.assert_array_equal(new.biases[1], b[1])
    np.testing.assert_array_equal(new.weights[2], W[2])
    np.testing.assert_array_equal(new.biases[2], b[2])
    # The same draws, in the same order, straight from the initialiser.
    init, r = INITIALIZERS["uniform"], rng(5)
    incoming = init.weights(2, 4, r, shape=(2,))
    outgoing = init.weights(4, 4, r, shape=(4,))
    bias = init.biases(1, r)[0]
    np.testing.assert_array_equal(new.weights[0][:, 1], incoming)
    np.testing.assert_array_equal(new.weights[1][1, :], outgoing)
    assert new.biases[0][1] == bias


@pytest.mark.parametrize("init", ["xavier", "he", "uniform"])
def test_insert_neuron_is_reproducible_for_the_same_rng_seed(init):
    net = make_net(init=init)
    a = insert_neuron(net, 2, 4, rng(7))
    b = insert_neuron(net, 2, 4, rng(7))
    c = insert_neuron(net, 2, 4, rng(8))
    assert a.parameters.tobytes() == b.parameters.tobytes()
    assert not np.array_equal(a.weights[1][:, 4], c.weights[1][:, 4])


def test_inserted_xavier_weights_are_at_the_scale_of_their_layer():
    net = make_net(sizes=(2, 10, 1), init="xavier")
    new = insert_neuron(net, 1, 10, rng())
    assert np.abs(new.weights[0][:, 10]).max() <= np.sqrt(6 / (2 + 11))
    assert np.abs(new.weights[1][10, :]).max() <= np.sqrt(6 / (11 + 1))
    assert new.biases[0][10] == 0.0  # Xavier starts biases at zero


@pytest.mark.parametrize("index", [0, 1, 3])
def test_remove_neuron_keeps_every_other_weight_exactly(index):
    net = make_net(sizes=(2, 4, 3, 1))
    new = remove_neuron(net, 1, index)
    keep = [k for k in range(4) if k != index]
    assert new.layer_sizes == (2, 3, 3, 1)
    np.testing.assert_array_equal(new.weights[0], net.weights[0][:, keep])
    np.testing.assert_array_equal(new.biases[0], net.biases[0][keep])
    np.testing.assert_array_equal(new.weights[1], net.weights[1][keep, :])
    np.testing.assert_array_equal(new.biases[1], net.biases[1])
    np.testing.assert_array_equal(new.weights[2], net.weights[2])
    np.testing.assert_array_equal(new.biases[2], net.biases[2])


def test_removing_a_neuron_that_feeds_nothing_leaves_predictions_unchanged():
    net = make_net()
    net.weights[1][2, :] = 0.0  # neuron 2 of layer 1 no longer reaches layer 2
    new = remove_neuron(net, 1, 2)
    np.testing.assert_allclose(new.predict(inputs()), net.predict(inputs()), rtol=0, atol=1e-15)


def test_removing_the_last_neuron_of_a_layer_is_refused():
    net = make_net(sizes=(2, 1, 3, 1))
    with pytest.raises(ConfigError, match="a hidden layer needs at least one neuron"):
        remove_neuron(net, 1, 0)


@pytest.mark.parametrize(("source", "target"), [(0, 3), (3, 0), (1, 2), (2, 2)])
def test_moving_a_neuron_keeps_the_function_and_moves_its_weights(source, target):
    net = make_net(sizes=(2, 3, 4, 1))
    moved = move_neuron(net, 2, source, target)
    assert moved.layer_sizes == net.layer_sizes
    X = inputs()
    # Only the order of a sum changes: equal up to the last bit or so.
    np.testing.assert_allclose(moved.predict(X), net.predict(X), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(moved.weights[1][:, target], net.weights[1][:, source])
    assert moved.biases[1][target] == net.biases[1][source]
    np.testing.assert_array_equal(moved.weights[2][target, :], net.weights[2][source, :])
    np.testing.assert_array_equal(moved.weights[0], net.weights[0])
    # The others keep their order.
    order = list(range(4))
    order.insert(target, order.pop(source))
    np.testing.assert_array_equal(moved.weights[1], net.weights[1][:, order])
    # Moving it back restores the network exactly.
    back = move_neuron(moved, 2, target, source)
    assert back.parameters.tobytes() == net.parameters.tobytes()


# -- layers ---------------------------------------------------------------------------


def test_insert_layer_replaces_only_the_joining_weights():
    net = make_net(sizes=(2, 3, 4, 1))
    new = insert_layer(net, 2, 5, "relu", rng(3))
    assert new.layer_sizes == (2, 3, 5, 4, 1)
    assert new.activations == ("tanh", "relu", "tanh", "sigmoid")
    np.testing.assert_array_equal(new.weights[0], net.weights[0])
    np.testing.assert_array_equal(new.biases[0], net.biases[0])
    np.testing.assert_array_equal(new.weights[3], net.weights[2])
    np.testing.assert_array_equal(new.biases[3], net.biases[2])
    assert new.weights[1].shape == (3, 5)
    assert new.weights[2].shape == (5, 4)
    init, r = INITIALIZERS["uniform"], rng(3)
    w1, w2 = init.weights(3, 5, r), init.weights(5, 4, r)
    b1, b2 = init.biases(5, r), init.biases(4, r)
    np.testing.assert_array_equal(new.weights[1], w1)
    np.testing.assert_array_equal(new.weights[2], w2)
    np.testing.assert_array_equal(new.biases[1], b1)
    np.testing.assert_array_equal(new.biases[2], b2)


@pytest.mark.parametrize(("position", "sizes"), [(1, (2, 6, 3, 1)), (2, (2, 3, 6, 1))])
def test_insert_layer_at_either_end_of_the_hidden_layers(position, sizes):
    net = make_net(sizes=(2, 3, 1))
    new = insert_layer(net, position, 6, "sigmoid", rng())
    assert new.layer_sizes == sizes
    assert new.activations[-1] == "sigmoid"


def test_remove_layer_joins_its_neighbours_with_new_weights():
    net = Network.create(
        [2, 3, 4, 1], activation="relu", output_activation="linear", init="xavier", seed=1
    )
    net = set_activation(net, 1, "tanh")  # activations: relu, tanh, linear
    new = remove_layer(net, 2, rng(4))
    assert new.layer_sizes == (2, 3, 1)
    # The joined weight layer keeps the activation of the layer it feeds.
    assert new.activations == ("relu", "linear")
    np.testing.assert_array_equal(new.weights[0], net.weights[0])
    np.testing.assert_array_equal(new.biases[0], net.biases[0])
    np.testing.assert_array_equal(new.weights[1], INITIALIZERS["xavier"].weights(3, 1, rng(4)))
    np.testing.assert_array_equal(new.biases[1], [0.0])


def test_insert_then_remove_a_layer_round_trips_the_shapes():
    net = make_net()
    again = remove_layer(insert_layer(net, 1, 7, "tanh", rng()), 1, rng())
    assert again.layer_sizes == net.layer_sizes
    assert again.activations == net.activations


# -- activation, loss, inputs and outputs -----------------------------------------------


def test_set_activation_changes_one_layer_and_keeps_every_weight():
    net = make_net()
    new = set_activation(net, 1, "leaky_relu")
    assert new.activations == ("tanh", "leaky_relu", "sigmoid")
    assert new.parameters.tobytes() == net.parameters.tobytes()
    assert not np.allclose(new.predict(inputs()), net.predict(inputs()))


def test_set_loss_with_an_output_activation():
    net = make_net(sizes=(2, 3, 3))
    new = set_loss(net, "ce", "softmax")
    assert (new.loss, new.activations[-1]) == ("ce", "softmax")
    assert new.parameters.tobytes() == net.parameters.tobytes()
    assert set_loss(net, "bce").loss == "bce"


def test_resize_io_keeps_the_weights_of_kept_neurons():
    net = make_net(sizes=(2, 3, 4, 1))
    new = resize_io(net, 3, 2, rng())
    assert new.layer_sizes == (3, 3, 4, 2)
    np.testing.assert_array_equal(new.weights[0][:2], net.weights[0])
    np.testing.assert_array_equal(new.biases[0], net.biases[0])
    np.testing.assert_array_equal(new.weights[1], net.weights[1])
    np.testing.assert_array_equal(new.weights[2][:, :1], net.weights[2])
    np.testing.assert_array_equal(new.biases[2][:1], net.biases[2])
    smaller = resize_io(new, 1, 1, rng())
    np.testing.assert_array_equal(smaller.weights[0], new.weights[0][:1])
    np.testing.assert_array_equal(smaller.weights[2], new.weights[2][:, :1])


def test_resize_io_to_the_same_sizes_is_an_independent_copy():
    net = make_net()
    same = resize_io(net, 2, 1, rng())
    assert same is not net
    assert same.parameters.tobytes() == net.parameters.tobytes()


def test_resize_io_of_a_network_without_hidden_layers():
    net = Network.create([2, 3], output_activation="sigmoid", init="uniform", seed=2)
    new = resize_io(net, 4, 2, rng())
    assert new.layer_sizes == (4, 2)
    np.testing.assert_array_equal(new.weights[0][:2, :2], net.weights[0][:, :2])
    np.testing.assert_array_equal(new.biases[0], net.biases[0][:2])


# -- limits and invalid positions ----------------------------------------------------------


def test_a_layer_cannot_grow_beyond_the_neuron_limit():
    assert MAX_NEURONS == 1024
    net = make_net(sizes=(2, 1023, 1))
    full = insert_neuron(net, 1, 1023, rng())
    assert full.layer_sizes == (2, 1024, 1)
    with pytest.raises(
        ConfigError,
        match=r"^a layer can have at most 1024 neurons "
        r"\(wider layers make every training step slow on the CPU\)$",
    ):
        insert_neuron(full, 1, 0, rng())
    with pytest.raises(ConfigError, match=r"^a layer needs 1 to 1024 neurons, not 1025 \(wider"):
        insert_layer(full, 1, 1025, "relu", rng())
    assert insert_layer(full, 1, 1024, "relu", rng()).layer_sizes == (2, 1024, 1024, 1)


def test_a_network_cannot_grow_beyond_the_hidden_layer_limit():
    assert MAX_HIDDEN_LAYERS == 16
    net = make_net(sizes=(2, *[2] * 15, 1))
    full = insert_layer(net, 1, 2, "tanh", rng())
    assert len(full.layer_sizes) - 2 == 16
    with pytest.raises(ConfigError, match=r"^a network can have at most 16 hidden layers$"):
        insert_layer(full, 1, 2, "tanh", rng())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda n: insert_neuron(n, 0, 0, rng()), "^layer 0 is not a hidden layer$"),
        (lambda n: insert_neuron(n, 3, 0, rng()), "^layer 3 is not a hidden layer$"),
        (lambda n: insert_neuron(n, -1, 0, rng()), "^layer -1 is not a hidden layer$"),
        (
            lambda n: insert_neuron(n, 1, 4, rng()),
            "^cannot insert at position 4 of a 3-neuron layer$",
        ),
        (lambda n: insert_neuron(n, 1, -1, rng()), "^cannot insert at position -1"),
        (
            lambda n: insert_neuron(n, 1, 1.0, rng()),
            "^a neuron position must be a whole number, got 1.0$",
        ),
        (lambda n: insert_neuron(n, True, 0, rng()), "^a layer must be a whole number, got True$"),
        (lambda n: remove_neuron(n, 1, 3), "^layer 1 has no neuron 3$"),
        (lambda n: remove_neuron(n, 1, -1), "^layer 1 has no neuron -1$"),
        (lambda n: remove_neuron(n, 0, 0), "^layer 0 is not a hidden layer$"),
        (lambda n: remove_neuron(n, 1.5, 0), "^a layer must be a whole number, got 1.5$"),
        (lambda n: move_neuron(n, 2, 0, 4), "^layer 2 has 4 neurons; cannot move 0 to 4$"),
        (lambda n: move_neuron(n, 2, -1, 0), "^layer 2 has 4 neurons; cannot move -1 to 0$"),
        (lambda n: move_neuron(n, 2, "0", 1), "^a neuron position must be a whole number"),
        (
            lambda n: insert_layer(n, 0, 3, "tanh", rng()),
            "^a hidden layer can go at positions 1 to 3, not 0$",
        ),
        (
            lambda n: insert_layer(n, 4, 3, "tanh", rng()),
            "^a hidden layer can go at positions 1 to 3, not 4$",
        ),
        (
            lambda n: insert_layer(n, 1, 0, "tanh", rng()),
            "^a layer needs 1 to 1024 neurons, not 0$",
        ),
        (
            lambda n: insert_layer(n, 1, 1025, "tanh", rng()),
            r"^a layer needs 1 to 1024 neurons, not 1025 \(wider layers make every training "
            r"step slow on the CPU\)$",
        ),
        (
            lambda n: insert_layer(n, 1, "3", "tanh", rng()),
            "^a layer size must be a whole number, got '3'$",
        ),
        (
            lambda n: insert_layer(n, 1, 3, "softmax", rng()),
            "^softmax can only be used on the output layer$",
        ),
        (lambda n: insert_layer(n, 1, 3, "swish", rng()), "^unknown activation 'swish'"),
        (lambda n: remove_layer(n, 0, rng()), "^layer 0 is not a hidden layer$"),
        (lambda n: remove_layer(n, 3, rng()), "^layer 3 is not a hidden layer$"),
        (lambda n: set_activation(n, 3, "tanh"), "^there is no weight layer 3$"),
        (lambda n: set_activation(n, -1, "tanh"), "^there is no weight layer -1$"),
        (
            lambda n: set_activation(n, 0, "softmax"),
            "^softmax can only be used on the output layer$",
        ),
        (
            lambda n: set_activation(n, 2, "softmax"),
            "^a softmax output needs at least 2 output neurons$",
        ),
        (lambda n: set_activation(n, 1, "swish"), "^unknown activation 'swish'"),
        (lambda n: set_loss(n, "ce"), r"^cross-entropy \(ce\) needs a softmax output layer$"),
        (lambda n: set_loss(n, "hinge"), "^unknown loss 'hinge'"),
        (
            lambda n: set_loss(n, "mse", "softmax"),
            "^a softmax output needs at least 2 output neurons$",
        ),
        (
            lambda n: resize_io(n, 0, 1, rng()),
            "^a network needs at least 1 input and 1 output, not 0 and 1$",
        ),
        (lambda n: resize_io(n, 2, -3, rng()), "^a network needs at least 1 input and 1 output"),
        (lambda n: resize_io(n, 2.0, 1, rng()), "^inputs must be a whole number, got 2.0$"),
    ],
)
def test_invalid_edits_are_refused_with_a_clear_message(edit, message):
    net = make_net(sizes=(2, 3, 4, 1))
    before = net.parameters.copy()
    with pytest.raises(ConfigError, match=message):
        edit(net)
    assert net.parameters.tobytes() == before.tobytes()


def test_numpy_integers_are_accepted_as_positions():
    net = make_net()
    new = insert_neuron(net, np.int64(1), np.int32(0), rng())
    assert new.layer_sizes == (2, 4, 4, 1)
