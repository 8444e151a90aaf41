"""The training generator: snapshots, determinism, control flags, divergence, optimisers."""

import threading

import numpy as np
import pytest

from bpdesk.core import (
    ConfigError,
    Network,
    TrainConfig,
    Trainer,
    TrainingControl,
    make_dataset,
    train,
    xor,
)


def reference_sgd(net: Network, X, T, lr, epochs, batch=None, seed=0):
    """Plain, obviously-correct mini-batch SGD using only the public API."""
    rng = np.random.default_rng(seed)
    n = len(X)
    losses = []
    for _ in range(epochs):
        if batch is None or batch >= n:
            batches = [np.arange(n)]
        else:
            order = rng.permutation(n)
            batches = [order[s : s + batch] for s in range(0, n, batch)]
        for idx in batches:
            _, dW, db = net.gradients(X[idx], T[idx])
            for l in range(net.n_layers):
                net.weights[l] -= lr * dW[l]
                net.biases[l] -= lr * db[l]
        losses.append(net.compute_loss(X, T))
    return losses


@pytest.mark.parametrize("batch", [0, 7, 40])
def test_training_matches_a_plain_reference_loop(batch):
    data = make_dataset("moons", n_samples=60, test_ratio=0.0, seed=2)
    a = Network.create([2, 5, 1], activation="tanh", seed=1)
    b = a.copy()
    snaps = list(
        train(a, data, TrainConfig(learning_rate=0.3, batch_size=batch, epochs=15, seed=5))
    )
    losses = reference_sgd(b, data.X_train, data.T_train, 0.3, 15, batch or None, seed=5)
    assert np.allclose([s.train_loss for s in snaps], losses, rtol=1e-12)
    assert np.allclose(a.parameters, b.parameters, rtol=1e-12, atol=1e-15)


def test_snapshots_count_epochs_and_report_test_metrics():
    data = make_dataset("gauss", n_samples=80, test_ratio=0.25, seed=0)
    net = Network.create([2, 3, 1], seed=0)
    snaps = list(train(net, data, TrainConfig(epochs=5, learning_rate=0.5)))
    assert [s.epoch for s in snaps] == [1, 2, 3, 4, 5]
    last = snaps[-1]
    assert last.test_loss == pytest.approx(net.compute_loss(data.X_test, data.T_test))
    assert last.train_loss == pytest.approx(net.compute_loss(data.X_train, data.T_train))
    pred = net.predict(data.X_test)[:, 0] > 0.5
    assert last.test_accuracy == pytest.approx(np.mean(pred == (data.T_test[:, 0] > 0.5)))


def test_xor_has_no_test_metrics():
    snap = next(train(Network.create([2, 2, 1]), xor(), TrainConfig(epochs=1)))
    assert snap.test_loss is None
    assert snap.test_accuracy is None


def test_regression_has_no_accuracy():
    data = make_dataset("reg-plane", n_samples=40, seed=0)
    net = Network.create([2, 3, 1], output_activation="linear")
    snap = next(train(net, data, TrainConfig(epochs=1, learning_rate=0.1)))
    assert snap.train_accuracy is None
    assert np.isfinite(snap.train_loss)


def test_same_seed_same_run_bit_for_bit():
    def run():
        data = make_dataset("spiral", n_samples=100, seed=3)
        net = Network.create([2, 6, 6, 1], activation="tanh", seed=11)
        config = TrainConfig(learning_rate=0.2, batch_size=8, epochs=20, seed=4, optimizer="adam")
        losses = [s.train_loss for s in train(net, data, config)]
        return losses, net.parameters.copy()

    (l1, p1), (l2, p2) = run(), run()
    assert l1 == l2
    assert p1.tobytes() == p2.tobytes()


def test_different_shuffle_seed_gives_a_different_run():
    data = make_dataset("spiral", n_samples=100, seed=3)
    nets = []
    for seed in (1, 2):
        net = Network.create([2, 6, 1], activation="tanh", seed=0)
        list(train(net, data, TrainConfig(batch_size=8, epochs=3, seed=seed)))
        nets.append(net.parameters)
    assert not np.array_equal(*nets)


def test_snapshot_parameters_are_copies_taken_on_request():
    net = Network.create([2, 3, 1], seed=0)
    snaps = list(train(net, xor(), TrainConfig(epochs=6, snapshot_every=2)))
    assert [s.parameters is not None for s in snaps] == [False, True, False, True, False, True]
    kept = snaps[-1].parameters.copy()
    net.parameters[:] = 0.0
    assert np.array_equal(snaps[-1].parameters, kept)
    assert not np.shares_memory(snaps[1].parameters, snaps[3].parameters)


def test_stop_flag_is_read_between_epochs():
    control = TrainingControl()
    seen = []
    for snap in train(Network.create([2, 2, 1]), xor(), TrainConfig(epochs=None), control):
        seen.append(snap.epoch)
        if snap.epoch == 7:
            control.request_stop()
    assert seen == list(range(1, 8))


def test_pause_blocks_until_resumed():
    control = TrainingControl()
    gen = train(Network.create([2, 2, 1]), xor(), TrainConfig(epochs=None), control)
    assert next(gen).epoch == 1
    control.pause()
    got = []
    thread = threading.Thread(target=lambda: got.append(next(gen).epoch))
    thread.start()
    thread.join(0.3)
    assert thread.is_alive()  # held by the pause
    assert got == []
    control.resume()
    thread.join(5)
    assert got == [2]


def test_stop_releases_a_paused_run():
    control = TrainingControl()
    gen = train(Network.create([2, 2, 1]), xor(), TrainConfig(epochs=None), control)
    next(gen)
    control.pause()
    control.request_stop()
    assert list(gen) == []


def test_settings_change_between_epochs_without_restarting():
    data = xor()
    control = TrainingControl()
    a = Network.create([2, 3, 1], seed=0)
    gen = train(a, data, TrainConfig(learning_rate=0.5, epochs=4), control)
    next(gen)
    next(gen)
    control.change_settings(learning_rate=2.0)
    rest = list(gen)
    assert [s.epoch for s in rest] == [3, 4]
    b = Network.create([2, 3, 1], seed=0)
    reference_sgd(b, data.X_train, data.T_train, 0.5, 2)
    reference_sgd(b, data.X_train, data.T_train, 2.0, 2)
    assert np.allclose(a.parameters, b.parameters, rtol=1e-12)


def test_divergence_stops_and_keeps_the_last_finite_parameters():
    net = Network.create([2, 4, 1], activation="relu", output_activation="linear", seed=0)
    data = make_dataset("reg-plane", n_samples=50, seed=0)
    snaps = list(train(net, data, TrainConfig(learning_rate=100.0, epochs=500, snapshot_every=1)))
    last = snaps[-1]
    assert last.diverged
    assert "learning rate" in last.reason
    assert np.isfinite(last.train_loss)
    assert np.all(np.isfinite(net.parameters))
    # The network is back at the last finite epoch, whose loss the snapshot reports.
    assert last.epoch == snaps[-2].epoch
    assert np.array_equal(net.parameters, snaps[-2].parameters)
    assert net.compute_loss(data.X_train, data.T_train) == pytest.approx(last.train_loss)
    assert len(snaps) < 500


def test_trainer_refuses_a_network_that_does_not_fit_the_data():
    with pytest.raises(ConfigError, match="3 inputs"):
        Trainer(Network.create([3, 2, 1]), xor(), TrainConfig())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("learning_rate", float("nan")),
        ("learning_rate", -1.0),
        ("learning_rate", True),
        ("batch_size", -1),
        ("epochs", -5),
        ("optimizer", "rmsprop"),
        ("regularization", "l3"),
        ("momentum", 1.0),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(field, value):
    from dataclasses import replace

    with pytest.raises(ConfigError):
        replace(TrainConfig(), **{field: value}).validated()


def reference_step(name, params, grad, state, lr, t, mu=0.9, b1=0.9, b2=0.999, eps=1e-8):
    if name == "sgd":
        return params - lr * grad
    if name == "momentum":
        state["v"] = mu * state.get("v", 0) - lr * grad
        return params + state["v"]
    state["m"] = b1 * state.get("m", 0) + (1 - b1) * grad
    state["v"] = b2 * state.get("v", 0) + (1 - b2) * grad**2
    m_hat = state["m"] / (1 - b1**t)
    v_hat = state["v"] / (1 - b2**t)
    return params - lr * m_hat / (np.sqrt(v_hat) + eps)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize(("reg", "rate"), [("none", 0.0), ("l2", 0.01), ("l1", 0.01)])
def test_optimisers_and_regularisation_follow_their_formulas(optimizer, reg, rate):
    data = make_dataset("gauss", n_samples=30, test_ratio=0.0, seed=1)
    net = Network.create([2, 3, 1], seed=2)
    ref = net.copy()
    mask = ref.weight_mask()
    config = TrainConfig(
        learning_rate=0.1, optimizer=optimizer, regularization=reg, reg_rate=rate, epochs=5
    )
    list(train(net, data, config))
    state = {}
    for t in range(1, 6):
        _, grad = ref.flat_gradient(data.X_train, data.T_train)
        if reg == "l2":
            grad = grad + rate * ref.parameters * mask
        elif reg == "l1":
            grad = grad + rate * np.sign(ref.parameters) * mask
        ref.parameters[:] = reference_step(optimizer, ref.parameters.copy(), grad, state, 0.1, t)
    assert np.allclose(net.parameters, ref.parameters, rtol=1e-10, atol=1e-13)


def test_float32_training_runs_in_float32():
    net = Network.create([2, 4, 1], seed=0, dtype="float32")
    snaps = list(train(net, xor(), TrainConfig(epochs=200)))
    assert net.parameters.dtype == np.float32
    assert snaps[-1].train_loss < snaps[0].train_loss


def test_multiclass_training_with_softmax_cross_entropy_learns():
    data = make_dataset("blobs", n_samples=150, seed=0)
    net = Network.create([2, 8, 3], activation="relu", loss="ce", init="he", seed=0)
    snaps = list(train(net, data, TrainConfig(learning_rate=0.5, epochs=200)))
    assert snaps[-1].train_accuracy > 0.9
    assert snaps[-1].train_loss < snaps[0].train_loss


def test_a_run_that_diverges_at_once_reports_its_starting_loss():
    data = make_dataset("reg-plane", n_samples=50, seed=0)
    net = Network.create([2, 4, 1], activation="relu", output_activation="linear", seed=0)
    start = net.compute_loss(data.X_train, data.T_train)
    (snap,) = list(train(net, data, TrainConfig(learning_rate=1e300, epochs=10)))
    assert snap.diverged
    assert snap.epoch == 0
    assert snap.train_loss == pytest.approx(start)


def test_a_step_runs_one_epoch_then_pauses():
    control = TrainingControl()
    control.pause()
    gen = train(Network.create([2, 2, 1]), xor(), TrainConfig(epochs=None), control)
    got = []

    def consume():
        for _ in range(2):
            got.append(next(gen).epoch)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    control.request_step()
    thread.join(0.3)
    assert got == [1]  # one epoch, then held again
    assert control.paused
    control.request_step()
    thread.join(5)
    assert got == [1, 2]


def test_gradient_norms_per_layer_are_tracked_on_request():
    data = make_dataset("circle", n_samples=40, test_ratio=0.0, seed=0)
    net = Network.create([2, 4, 4, 1], activation="sigmoid", seed=0)
    for batch_size in (0, 8):  # full batch, and mini-batches
        net = Network.create([2, 4, 4, 1], activation="sigmoid", seed=0)
        config = TrainConfig(learning_rate=0.5, batch_size=batch_size)
        trainer = Trainer(net, data, config, track_gradients=True)
        for _ in range(3):
            snap = trainer.run_epoch()
            # The whole training set's gradient at the weights the epoch ended with:
            # what the network reports afterwards (not one mini-batch's noise).
            _, dW, _ = net.gradients(data.X_train, data.T_train)
            assert np.allclose(snap.gradient_norms, [np.linalg.norm(w) for w in dW], rtol=1e-12)
        # Measuring changes nothing about the run: bit for bit the same weights.
        plain = Trainer(Network.create([2, 4, 4, 1], activation="sigmoid", seed=0), data, config)
        for _ in range(3):
            assert plain.run_epoch().gradient_norms is None
        assert np.array_equal(plain.network.parameters, net.parameters)


def test_a_deep_sigmoid_network_has_vanishing_gradients():
    # The explainer's first limitation: early layers of a deep sigmoid net learn slowly.
    data = make_dataset("circle", n_samples=100, test_ratio=0.0, seed=0)
    net = Network.create([2] + [8] * 6 + [1], activation="sigmoid", seed=0)
    snap = Trainer(net, data, TrainConfig(), track_gradients=True).run_epoch()
    assert snap.gradient_norms[0] < snap.gradient_norms[-1] / 100
    relu = Network.create([2] + [8] * 6 + [1], activation="relu", init="he", seed=0)
    snap = Trainer(relu, data, TrainConfig(), track_gradients=True).run_epoch()
    assert snap.gradient_norms[0] > snap.gradient_norms[-1] / 100


def test_a_big_set_trained_in_mini_batches_measures_its_gradients_on_a_spread_sample():
    from bpdesk.core.training import GRADIENT_SAMPLE, gradient_rows

    data = make_dataset("circle", n_samples=900, test_ratio=0.0, seed=0)
    n = data.n_train
    assert n > GRADIENT_SAMPLE
    assert gradient_rows(n, 0) is None  # full batch: all of it, for free
    assert gradient_rows(n, n) is None
    assert gradient_rows(GRADIENT_SAMPLE, 8) is None  # small enough: all of it
    rows = gradient_rows(n, 8)
    assert rows.size == GRADIENT_SAMPLE
    assert (rows[0], rows[-1]) == (0, n - 1)
    assert np.all(np.diff(rows) > 0)
    for activation in ("sigmoid", "linear"):  # a linear layer shares z with its output
        net = Network.create([2, 5, 3, 1], activation=activation, seed=1)
        config = TrainConfig(learning_rate=0.1, batch_size=8)
        trainer = Trainer(net, data, config, track_gradients=True)
        for _ in range(2):
            snap = trainer.run_epoch()
            _, dW, _ = net.gradients(data.X_train[rows], data.T_train[rows])
            assert np.allclose(snap.gradient_norms, [np.linalg.norm(w) for w in dW], rtol=1e-12)
        # Measuring on a sample changes nothing about the run either.
        plain = Trainer(Network.create([2, 5, 3, 1], activation=activation, seed=1), data, config)
        for _ in range(2):
            plain.run_epoch()
        assert np.array_equal(plain.network.parameters, net.parameters)
