"""The explainer's XOR: a hidden layer solves it, no hidden layer never does."""

import numpy as np

from bpdesk.core import Network, TrainConfig, train, xor


def final_snapshot(net, epochs, lr=0.5, stop_below=None):
    last = None
    for snap in train(net, xor(), TrainConfig(learning_rate=lr, epochs=epochs)):
        last = snap
        if stop_below is not None and snap.train_loss < stop_below:
            break
    return last


def test_2_4_1_sigmoid_solves_xor_for_at_least_19_of_20_seeds():
    solved = 0
    for seed in range(20):
        net = Network.create([2, 4, 1], activation="sigmoid", loss="mse", seed=seed)
        last = final_snapshot(net, 10_000, stop_below=0.01)
        if last.train_loss < 0.01:
            solved += 1
            assert last.train_accuracy == 1.0
    assert solved >= 19


def test_a_network_without_a_hidden_layer_never_solves_xor():
    # A single layer draws one straight line: at most 3 of the 4 corners.
    for seed in range(10):
        net = Network.create([2, 1], loss="mse", seed=seed)
        best = 0.0
        for snap in train(net, xor(), TrainConfig(learning_rate=0.5, epochs=3000)):
            best = max(best, snap.train_accuracy)
        assert best <= 0.75
        assert snap.train_loss > 0.1


def test_predictions_after_solving_round_to_the_truth_table():
    net = Network.create([2, 4, 1], seed=0)
    final_snapshot(net, 10_000, stop_below=0.01)
    y = net.predict(xor().X_train)[:, 0]
    assert np.array_equal(y > 0.5, [False, True, True, False])
