"""Initialisers: the ranges people know, the old names unchanged, and a default that trains spirals.

With every bias at 0 each hidden neuron's boundary starts through the origin,
and a two-spirals network spends hundreds of epochs pulling them apart;
scikit-learn's MLP draws its biases from the weights' Glorot range and learns it
at once. The default does the same.
"""

import numpy as np
import pytest

from bpdesk.core import INITIALIZERS, Network, TrainConfig, make_dataset, train
from bpdesk.core.architecture import insert_layer, insert_neuron
from bpdesk.core.initializers import DEFAULT_INIT, get_initializer


def test_the_names_people_know_are_offered_and_the_old_ones_still_work():
    assert set(INITIALIZERS) == {"xavier_bias", "xavier", "pytorch", "he", "uniform"}
    assert DEFAULT_INIT == "xavier_bias"
    assert Network.create([2, 3, 1]).init == DEFAULT_INIT
    assert Network([2, 3, 1], ["tanh", "sigmoid"]).init == DEFAULT_INIT


def test_xavier_is_drawn_exactly_as_before_with_zero_biases():
    net = Network.create([2, 3, 1], init="xavier", seed=4)
    rng = np.random.default_rng(4)
    for l, (n_in, n_out) in enumerate(((2, 3), (3, 1))):
        limit = np.sqrt(6 / (n_in + n_out))
        assert np.array_equal(net.weights[l], rng.uniform(-limit, limit, (n_in, n_out)))
        assert not net.biases[l].any()


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("xavier_bias", lambda n_in, n_out: np.sqrt(6 / (n_in + n_out))),  # scikit-learn's
        ("pytorch", lambda n_in, n_out: 1 / np.sqrt(n_in)),  # torch.nn.Linear's default
    ],
)
def test_weights_and_biases_share_the_layers_range(name, limit):
    net = Network.create([30, 50, 10], init=name, seed=0)
    rng = np.random.default_rng(0)
    for l, (n_in, n_out) in enumerate(((30, 50), (50, 10))):
        bound = limit(n_in, n_out)
        # Weights, then that layer's biases, from one generator (as scikit-learn draws).
        assert np.array_equal(net.weights[l], rng.uniform(-bound, bound, (n_in, n_out)))
        assert np.array_equal(net.biases[l], rng.uniform(-bound, bound, n_out))
        assert np.abs(net.biases[l]).max() > bound / 2  # spread over the range, not near 0


def test_a_network_without_biases_draws_the_same_weights_and_keeps_biases_at_zero():
    with_b = Network.create([2, 4, 1], seed=3)
    without = Network.create([2, 4, 1], seed=3, bias=False)
    assert all(np.array_equal(a, b) for a, b in zip(with_b.weights, without.weights))
    assert not any(b.any() for b in without.biases)


def test_neurons_and_layers_added_later_get_biases_at_their_layers_scale():
    net = Network.create([2, 3, 3, 1], activation="tanh", seed=0)
    grown = insert_neuron(net, 1, 0, np.random.default_rng(5))
    init, rng = get_initializer(DEFAULT_INIT), np.random.default_rng(5)
    init.weights(2, 4, rng, shape=(2,))
    init.weights(4, 3, rng, shape=(3,))
    assert grown.biases[0][0] == init.biases(4, rng, 2, shape=(1,))[0]
    deeper = insert_layer(net, 1, 20, "tanh", np.random.default_rng(6))
    assert np.abs(deeper.biases[0]).max() <= np.sqrt(6 / (2 + 20))
    assert deeper.biases[0].any()


def spirals_accuracy(init: str, seed: int, epochs: int = 300) -> float:
    data = make_dataset("spiral", n_samples=300, noise=0.1, test_ratio=0.2, seed=0)
    net = Network.create([2, 12, 12, 1], activation="tanh", loss="bce", init=init, seed=seed)
    config = TrainConfig(
        learning_rate=0.01, batch_size=10, optimizer="adam", epochs=epochs, seed=seed
    )
    *_, last = train(net, data, config)
    return last.train_accuracy


def test_the_default_learns_two_spirals_where_zero_biases_still_stall():
    # scikit-learn's MLPClassifier under these settings: 1.00 at 300 epochs (see README).
    default = np.median([spirals_accuracy(DEFAULT_INIT, seed) for seed in range(3)])
    zero_biases = np.median([spirals_accuracy("xavier", seed) for seed in range(3)])
    assert default >= 0.95
    assert zero_biases < 0.75
