"""Setting a hidden layer's size in one edit: kept neurons keep their weights."""

import numpy as np
import pytest

from bpdesk.core import ConfigError, Network
from bpdesk.core.architecture import MAX_NEURONS, resize_layer


def make_net() -> Network:
    return Network.create([4, 6, 5, 3], activation="tanh", init="uniform", seed=1)


def test_growing_keeps_every_old_weight_and_adds_new_ones_at_the_end():
    net = make_net()
    grown = resize_layer(net, 1, 40, np.random.default_rng(0))
    assert grown.layer_sizes == (4, 40, 5, 3)
    assert np.array_equal(grown.weights[0][:, :6], net.weights[0])
    assert np.array_equal(grown.biases[0][:6], net.biases[0])
    assert np.array_equal(grown.weights[1][:6], net.weights[1])
    assert np.array_equal(grown.weights[2], net.weights[2])
    assert np.all(grown.weights[0][:, 6:] != 0)
    # The same rng draws the same new weights.
    again = resize_layer(net, 1, 40, np.random.default_rng(0))
    assert np.array_equal(again.parameters, grown.parameters)
    assert net.layer_sizes == (4, 6, 5, 3)  # the original is left alone


def test_shrinking_keeps_the_first_neurons():
    net = make_net()
    small = resize_layer(net, 2, 2, np.random.default_rng(0))
    assert small.layer_sizes == (4, 6, 2, 3)
    assert np.array_equal(small.weights[1], net.weights[1][:, :2])
    assert np.array_equal(small.biases[1], net.biases[1][:2])
    assert np.array_equal(small.weights[2], net.weights[2][:2])


@pytest.mark.parametrize(("layer", "size"), [(0, 3), (3, 3), (1, 0), (1, MAX_NEURONS + 1)])
def test_refused_sizes_and_layers(layer, size):
    with pytest.raises(ConfigError):
        resize_layer(make_net(), layer, size, np.random.default_rng(0))
