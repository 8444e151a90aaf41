"""Questions the views ask the engine: where a parameter sits, and every layer's values."""

import numpy as np
import pytest

from bpdesk.core import ConfigError, Network


@pytest.mark.parametrize("bias", [True, False])
def test_parameter_at_and_parameter_index_are_inverse(bias):
    net = Network.create([3, 4, 2, 1], seed=0, bias=bias)
    seen = set()
    for k in range(net.parameters.size):
        layer, i, j = net.parameter_at(k)
        if i is None and not bias:
            continue  # a bias of a network without biases has no index of its own
        assert net.parameter_index((layer, i, j)) == k
        seen.add((layer, i, j))
    expected = sum(n_in * n_out for n_in, n_out in zip(net.layer_sizes, net.layer_sizes[1:]))
    assert len(seen) == expected + (sum(net.layer_sizes[1:]) if bias else 0)


def test_parameter_at_names_the_entries_in_the_documented_layout():
    net = Network.create([2, 2, 1], seed=0)
    # Layer 0 is a (3, 2) block, row-major, its last row the biases; then layer 1.
    assert net.parameter_at(0) == (0, 0, 0)
    assert net.parameter_at(1) == (0, 0, 1)
    assert net.parameter_at(4) == (0, None, 0)
    assert net.parameter_at(6) == (1, 0, 0)
    assert net.parameter_at(8) == (1, None, 0)
    net.weights[1][1, 0] = 7.0
    assert net.parameters[net.parameter_index((1, 1, 0))] == 7.0
    with pytest.raises(IndexError):
        net.parameter_at(9)
    with pytest.raises(IndexError):
        net.parameter_index((2, 0, 0))


def test_evaluate_holds_every_layer_as_rows_and_owns_its_arrays():
    net = Network.create([2, 3, 2], activation="tanh", output_activation="sigmoid", seed=1)
    X = np.array([[0.0, 1.0], [1.0, -1.0], [0.5, 0.5]])
    result = net.evaluate(X)
    assert [a.shape for a in result.activations] == [(3, 2), (3, 3), (3, 2)]
    assert [z.shape for z in result.zs] == [(3, 3), (3, 2)]
    z1 = X @ net.weights[0] + net.biases[0]
    np.testing.assert_allclose(result.zs[0], z1)
    np.testing.assert_allclose(result.activations[1], np.tanh(z1))
    np.testing.assert_allclose(result.output, net.predict(X))
    # Later passes through the network's workspace leave the result alone.
    before = result.output.copy()
    net.predict(X * 3)
    np.testing.assert_array_equal(result.output, before)


def test_evaluate_with_targets_holds_the_loss_of_the_batch():
    net = Network.create([2, 3, 1], activation="tanh", seed=2)
    X = np.array([[0.0, 1.0], [1.0, -1.0], [0.5, 0.5]])
    T = np.array([[1.0], [0.0], [1.0]])
    assert net.evaluate(X).loss is None
    assert net.evaluate(X, T).loss == pytest.approx(net.compute_loss(X, T))


@pytest.mark.parametrize(("loss", "output"), [("mse", "sigmoid"), ("ce", "softmax")])
def test_backpropagate_gives_the_gradients_and_each_samples_delta(loss, output):
    net = Network.create([2, 4, 3, 2], activation="tanh", output_activation=output, loss=loss)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 2))
    T = np.eye(2)[rng.integers(0, 2, size=5)]
    result = net.backpropagate(X, T)
    expected_loss, dW, db = net.gradients(X, T)
    assert result.loss == pytest.approx(expected_loss)
    for got, want in zip(result.weight_grads, dW):
        np.testing.assert_allclose(got, want)
    for got, want in zip(result.bias_grads, db):
        np.testing.assert_allclose(got, want)
    flat = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(dW, db)])
    np.testing.assert_allclose(result.gradient, flat)
    _, cache = net.forward(X)
    net.backward(cache, T)
    assert [d.shape for d in result.deltas] == [(5, 4), (5, 3), (5, 2)]
    for got, want in zip(result.deltas, cache.deltas):
        np.testing.assert_allclose(got, want)
    # The gradient of the batch-mean loss is each sample's a·δ summed, over the batch size.
    np.testing.assert_allclose(result.weight_grads[0], X.T @ result.deltas[0] / len(X))


def test_backpropagate_owns_its_arrays():
    net = Network.create([2, 3, 1], seed=4)
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    T = np.array([[1.0], [1.0]])
    result = net.backpropagate(X, T)
    kept = [d.copy() for d in result.deltas], result.gradient.copy()
    net.backpropagate(X * 2, T * 0)  # the same batch size: the same workspace underneath
    net.flat_gradient(X * 3, T)
    for got, want in zip(result.deltas, kept[0]):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(result.gradient, kept[1])
    assert not np.shares_memory(result.gradient, net.parameters)


def test_a_large_batch_is_predicted_and_scored_in_chunks_to_the_same_numbers(monkeypatch):
    from bpdesk.core import network as network_module

    net = Network.create([3, 5, 2], activation="tanh", output_activation="softmax", loss="ce")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(23, 3)).astype(np.float32)  # float32 rows, as a CSV of pixels
    T = np.eye(2)[rng.integers(0, 2, 23)]
    whole, loss = net.predict(X), net.compute_loss(X, T)
    monkeypatch.setattr(network_module, "PREDICT_ROWS", 4)  # 6 chunks, the last of 3
    assert net.predict(X) == pytest.approx(whole, rel=1e-12)
    assert net.compute_loss(X, T) == pytest.approx(loss, rel=1e-12)
    with pytest.raises(ConfigError, match="3 columns"):
        net.predict(np.zeros((9, 4)))
