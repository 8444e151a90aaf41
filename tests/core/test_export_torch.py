"""The PyTorch export: a script that compiles for every network, and matches bpdesk's numbers.

Without torch only the text is checked; with torch the script is executed as a
module (its training guarded by ``__name__``) and compared with the engine:
untrained outputs and losses to 1e-10, full-batch training steps to 1e-10
for every optimiser, and whole runs against bpdesk's own, full batch and
mini-batch (the script draws bpdesk's batches), from a fresh start, from a
trainer's state, and across a change of learning rate, to 1e-9.
"""

import ast
import importlib.util
import itertools
import subprocess
import sys

import numpy as np
import pytest

from bpdesk.core import (
    ConfigError,
    Dataset,
    Network,
    TrainConfig,
    Trainer,
    TrainingControl,
    make_dataset,
)
from bpdesk.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from bpdesk.core.export_torch import DEFAULT_EPOCHS, torch_script
from bpdesk.core.losses import LOSSES, check_output

TOL = 1e-10


def _combinations():
    """Every (hidden activation, output activation, loss) the engine accepts."""
    combos = []
    for hidden, output, loss in itertools.product(HIDDEN_ACTIVATIONS, ACTIVATIONS, LOSSES):
        try:
            check_output(loss, output, 3 if output == "softmax" else 1)
        except ConfigError:
            continue
        combos.append((hidden, output, loss))
    return combos


COMBINATIONS = _combinations()


def setup_network(hidden, output, loss, test_ratio=0.25, dtype="float64", seed=0):
    """A 2-4-3-k network with non-zero biases and a dataset that suits its output."""
    if output == "softmax":
        data = make_dataset("blobs", n_samples=24, test_ratio=test_ratio, seed=seed)
    elif output == "linear":
        data = make_dataset("reg-plane", n_samples=20, test_ratio=test_ratio, seed=seed)
    else:
        data = make_dataset("circle", n_samples=20, test_ratio=test_ratio, seed=seed)
    net = Network(
        [2, 4, 3, data.n_outputs], [hidden, hidden, output], loss=loss, seed=seed, dtype=dtype
    )
    rng = np.random.default_rng(seed + 100)
    for l in range(net.n_layers):
        net.biases[l] = rng.normal(0.0, 0.5, net.biases[l].shape)
    return net, data


def load(source: str) -> dict:
    """Execute the script as an imported module (``__name__`` is not ``"__main__"``)."""
    namespace = {"__name__": "bpdesk_export"}
    exec(compile(source, "bpdesk_export.py", "exec"), namespace)
    return namespace


def torch_parameters(namespace: dict) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The script model's weights in bpdesk's layout ``(n_in, n_out)`` and its biases."""
    layers = namespace["linear_layers"](namespace["model"])
    weights = [layer.weight.detach().numpy().T for layer in layers]
    biases = [layer.bias.detach().numpy() for layer in layers]
    return weights, biases


def assert_same_parameters(namespace: dict, net: Network, tol: float = TOL) -> None:
    weights, biases = torch_parameters(namespace)
    assert len(weights) == net.n_layers
    for l in range(net.n_layers):
        np.testing.assert_allclose(weights[l], net.weights[l], rtol=0, atol=tol)
        np.testing.assert_allclose(biases[l], net.biases[l], rtol=0, atol=tol)


# -- the text ---------------------------------------------------------------------------


@pytest.mark.parametrize("test_ratio", [0.25, 0.0], ids=["test-set", "no-test-set"])
@pytest.mark.parametrize(("hidden", "output", "loss"), COMBINATIONS)
def test_script_compiles_for_every_activation_and_loss(hidden, output, loss, test_ratio):
    net, data = setup_network(hidden, output, loss, test_ratio)
    source = torch_script(net, data, TrainConfig(epochs=5))
    tree = ast.parse(compile(source, "bpdesk_export.py", "exec", ast.PyCF_ONLY_AST))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"argparse", "math", "sys", "numpy", "torch"}
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert {"build_model", "loss_fn", "penalty", "train", "predict", "check"} <= defined
    assert ("X_TEST" in source) == (test_ratio > 0)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("regularization", ["none", "l1", "l2"])
def test_script_carries_the_training_settings(optimizer, regularization):
    net, data = setup_network("tanh", "sigmoid", "mse")
    config = TrainConfig(
        learning_rate=0.03,
        batch_size=4,
        optimizer=optimizer,
        momentum=0.8,
        regularization=regularization,
        reg_rate=0.002,
        epochs=70,
        seed=9,
    )
    source = torch_script(net, data, config)
    compile(source, "bpdesk_export.py", "exec")
    assert "LEARNING_RATE = 0.03\n" in source
    assert ("MOMENTUM = 0.8\n" in source) == (optimizer == "momentum")
    assert "EPOCHS = 70\n" in source
    assert "BATCH_SIZE = 4\n" in source
    assert "SEED = 9\n" in source
    assert ("REG_RATE = 0.002\n" in source) == (regularization != "none")
    expected = {
        "sgd": "torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)",
        "momentum": "torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)",
        "adam": "betas=(0.9, 0.999), eps=1e-8",
    }[optimizer]
    assert expected in source


def test_epochs_default_to_the_settings_then_to_a_fixed_count():
    net, data = setup_network("tanh", "sigmoid", "mse")
    assert "EPOCHS = 12\n" in torch_script(net, data, TrainConfig(epochs=12))
    assert "EPOCHS = 3\n" in torch_script(net, data, TrainConfig(epochs=12), epochs=3)
    assert f"EPOCHS = {DEFAULT_EPOCHS}\n" in torch_script(net, data, TrainConfig(epochs=None))
    full = torch_script(net, data, TrainConfig(batch_size=0))
    assert f"BATCH_SIZE = {data.n_train}  # the whole training set" in full
    with pytest.raises(ConfigError):
        torch_script(net, data, TrainConfig(), epochs=-1)


def test_a_network_that_does_not_fit_the_data_is_refused():
    net, _ = setup_network("tanh", "sigmoid", "mse")
    blobs = make_dataset("blobs", n_samples=12)
    with pytest.raises(ConfigError, match="does not fit"):
        torch_script(net, blobs, TrainConfig())


def test_names_from_a_file_cannot_break_the_script():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[1.0], [1.0], [0.0]])
    title = 'odd """ title\\'
    features = ('a"""\nb', "c\\")
    data = Dataset("binary", X, T, np.empty((0, 2)), np.empty((0, 1)), None, title, features)
    net = Network.create([2, 2, 1], seed=0)
    source = torch_script(net, data, TrainConfig())
    compile(source, "bpdesk_export.py", "exec")
    assert "(a''' b, c/)" in source
    assert "\"odd ''' title/\"" in source


HOSTILE_NAMES = [
    "nul\x00here",
    "\x00",
    "carriage\rreturn",
    "crlf\r\nline",
    "line\u2028separator",
    "para\u2029graph",
    "next\x85line",
    "form\x0cfeed",
    "vertical\x0btab",
    "escape\x1b[31m",
    "bell\x07",
    "delete\x7f",
    "lone\udcffsurrogate",
    "\ud800",
    "rtl\u202eoverride",
    "bom\ufeff",
    'quote"s',
    "single'quote",
    "back\\slash\\",
    'triple"""quotes"""',
    "triple'''single'''",
    "\\N{BULLET}",
    "{braces} %s %(x)s",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=[ascii(n) for n in HOSTILE_NAMES])
@pytest.mark.parametrize("where", ["title", "feature", "name"])
def test_control_characters_and_quotes_in_names_give_a_script_that_compiles(tmp_path, name, where):
    # Reported: a NUL in a name made a script Python refuses to compile.
    from dataclasses import replace

    from bpdesk.core.datasets import DatasetSpec
    from bpdesk.core.safe_files import replace_atomically

    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[1.0], [1.0], [0.0]])
    features = (name, "other") if where == "feature" else ("a", "b")
    data = Dataset("binary", X, T, np.empty((0, 2)), np.empty((0, 1)), None, "t", features)
    if where == "title":
        data = replace(data, title=name)
    elif where == "name":
        data = replace(data, spec=DatasetSpec(name), title="")  # a name from a file
    source = torch_script(Network.create([2, 2, 1], seed=0), data, TrainConfig())
    # Written as the window writes it, and compiled from the file's bytes, as python does.
    path = tmp_path / "exported.py"
    replace_atomically(path, source)
    code = path.read_bytes()
    compile(code, str(path), "exec")
    # One line in the file is one line for Python and for an editor: nothing in a
    # comment or the docstring breaks a line, hides text or cannot be shown.
    text = code.decode("utf-8")
    lines = text.split("\n")
    assert text.splitlines() == lines[:-1]
    assert all(c.isprintable() for line in lines for c in line), name
    net, data = setup_network("tanh", "sigmoid", "mse")
    net.weights[0][0, 0] = 0.1 + 0.2
    net.weights[0][1, 0] = 1e-300
    net.weights[1][0, 0] = float("nan")
    net.weights[1][1, 0] = -float("inf")
    source = torch_script(net, data, TrainConfig())
    compile(source, "bpdesk_export.py", "exec")
    assert "0.30000000000000004" in source
    assert "1e-300" in source
    assert 'float("nan")' in source
    assert '-float("inf")' in source


def test_the_engine_module_never_imports_torch():
    code = "import sys, bpdesk.core.export_torch; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_script_is_lint_clean_and_formatted():
    net, data = setup_network("leaky_relu", "softmax", "ce")
    config = TrainConfig(optimizer="adam", regularization="l2", reg_rate=0.01, batch_size=5)
    momentum = TrainConfig(optimizer="momentum", batch_size=5)
    sources = [torch_script(net, data, config)]
    for settings, schedule in ((config, {1: 0.1, 5: 0.01}), (momentum, None)):
        trainer = Trainer(net.copy(), data, settings)
        trainer.run_epoch()
        sources.append(
            torch_script(net, data, settings, state=trainer.state(), learning_rates=schedule)
        )
    for source in sources:
        assert_clean(source)


def assert_clean(source: str) -> None:
    ruff = [sys.executable, "-m", "ruff"]
    lint = subprocess.run(
        [*ruff, "check", "--isolated", "--select", "E,F,W,I,B,UP,SIM", "--stdin-filename", "x.py"],
        input=source,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    formatted = subprocess.run(
        [*ruff, "format", "--isolated", "--stdin-filename", "x.py"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    assert formatted.stdout == source


# -- the numbers (needs torch) ------------------------------------------------------------


@pytest.mark.parametrize(("hidden", "output", "loss"), COMBINATIONS)
def test_untrained_model_predicts_and_scores_like_bpdesk(hidden, output, loss):
    torch = pytest.importorskip("torch")
    net, data = setup_network(hidden, output, loss)
    ns = load(torch_script(net, data, TrainConfig()))
    weights, biases = torch_parameters(ns)
    for l in range(net.n_layers):  # embedded exactly, transposed into torch's (out, in)
        assert np.array_equal(weights[l], net.weights[l])
        assert np.array_equal(biases[l], net.biases[l])
    for X, T in ((data.X_train, data.T_train), (data.X_test, data.T_test)):
        predicted = ns["predict"](X)
        assert predicted.dtype == np.float64
        np.testing.assert_allclose(predicted, net.predict(X), rtol=0, atol=TOL)
        loss_value = ns["evaluate"](torch.tensor(X), torch.tensor(T))
        assert loss_value == pytest.approx(net.compute_loss(X, T), rel=TOL, abs=TOL)
    np.testing.assert_allclose(
        ns["predict"](ns["X_TRAIN"]), net.predict(data.X_train), rtol=0, atol=TOL
    )
    assert ns["check"]()


def test_check_notices_a_model_that_differs_from_bpdesk():
    torch = pytest.importorskip("torch")
    net, data = setup_network("tanh", "sigmoid", "mse")
    ns = load(torch_script(net, data, TrainConfig()))
    assert ns["check"]()
    with torch.no_grad():
        ns["linear_layers"](ns["model"])[0].weight[0, 0] += 1e-3
    assert not ns["check"]()
    with pytest.raises(SystemExit) as exit_:
        ns["main"](["--check"])
    assert exit_.value.code == 1


def test_float32_network_is_rebuilt_in_float32():
    torch = pytest.importorskip("torch")
    net, data = setup_network("relu", "sigmoid", "bce", dtype="float32")
    ns = load(torch_script(net, data, TrainConfig()))
    assert ns["DTYPE"] is torch.float32
    weights, _ = torch_parameters(ns)
    assert all(np.array_equal(w, net.weights[l]) for l, w in enumerate(weights))
    np.testing.assert_allclose(
        ns["predict"](data.X_train), net.predict(data.X_train), rtol=0, atol=1e-6
    )
    assert ns["check"]()


SE = pytest.mark.skipif("se" not in LOSSES, reason="the engine has no se loss")


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "optimizer", "regularization", "steps"),
    [
        ("sigmoid", "sigmoid", "mse", "sgd", "none", 1),
        ("tanh", "sigmoid", "bce", "sgd", "none", 1),
        ("relu", "softmax", "ce", "sgd", "none", 1),
        ("leaky_relu", "linear", "mse", "sgd", "none", 1),
        ("tanh", "softmax", "mse", "sgd", "none", 1),
        pytest.param("tanh", "sigmoid", "se", "sgd", "none", 1, marks=SE),
        ("tanh", "sigmoid", "mse", "sgd", "l2", 3),
        ("sigmoid", "sigmoid", "mse", "momentum", "none", 5),
        ("tanh", "sigmoid", "bce", "momentum", "none", 5),
        ("sigmoid", "softmax", "ce", "momentum", "l2", 5),
        ("tanh", "sigmoid", "bce", "adam", "none", 5),
        ("leaky_relu", "softmax", "ce", "adam", "l1", 5),
        ("tanh", "linear", "mse", "adam", "l2", 5),
    ],
)
def test_full_batch_steps_match_trainer_steps(
    hidden, output, loss, optimizer, regularization, steps
):
    pytest.importorskip("torch")
    net, data = setup_network(hidden, output, loss)
    config = TrainConfig(
        learning_rate=0.1,
        batch_size=0,
        optimizer=optimizer,
        momentum=0.9,
        regularization=regularization,
        reg_rate=0.01 if regularization != "none" else 0.0,
        epochs=steps,
    )
    ns = load(torch_script(net, data, config))
    before = net.weights[0].copy()
    trainer = Trainer(net, data, config)
    bpdesk_losses = []
    for _ in range(steps):
        trainer.step()
        bpdesk_losses.append(net.compute_loss(data.X_train, data.T_train))
    torch_losses = ns["train"](steps)
    assert_same_parameters(ns, net)
    np.testing.assert_allclose(torch_losses, bpdesk_losses, rtol=TOL, atol=TOL)
    assert np.abs(net.weights[0] - before).max() > 1e-6  # the steps really moved the weights


RUN_TOL = 1e-9  # the script's run against bpdesk's own, relative, in float64
OPTIMIZER_REGULARIZATION = {"sgd": "none", "momentum": "l2", "adam": "l1"}


def run_config(optimizer: str, batch: int, epochs: int, learning_rate: float = 0.05):
    return TrainConfig(
        learning_rate=learning_rate,
        batch_size=batch,
        optimizer=optimizer,
        regularization=OPTIMIZER_REGULARIZATION[optimizer],
        reg_rate=0.01,
        epochs=epochs,
        seed=4,
    )


def assert_same_run(ns: dict, torch_losses, net: Network, bpdesk_losses) -> None:
    np.testing.assert_allclose(torch_losses, bpdesk_losses, rtol=RUN_TOL, atol=0)
    assert_same_parameters(ns, net, tol=1e-12)


@pytest.mark.parametrize("batch", [0, 5], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_script_trains_bpdesks_run_full_batch_and_mini_batch(optimizer, batch):
    # The script draws its batches from NumPy's generator as bpdesk does: the same run.
    pytest.importorskip("torch")
    net, data = setup_network("tanh", "softmax", "ce", test_ratio=0.0)
    assert data.n_train % 5 != 0  # the last batch of every epoch is smaller
    config = run_config(optimizer, batch, epochs=12)
    ns = load(torch_script(net, data, config))
    torch_losses = ns["train"](12)
    bpdesk_losses = [s.train_loss for s in Trainer(net, data, config).run()]
    assert_same_run(ns, torch_losses, net, bpdesk_losses)


@pytest.mark.parametrize("batch", [0, 5], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_script_continues_bpdesks_run_from_its_state(optimizer, batch):
    pytest.importorskip("torch")
    net, data = setup_network("tanh", "sigmoid", "bce", test_ratio=0.0)
    first = Trainer(net, data, run_config(optimizer, batch, epochs=10))
    list(first.run())
    state = first.state()
    source = torch_script(net, data, run_config(optimizer, batch, 20), epochs=10, state=state)
    ns = load(source)
    torch_losses = ns["train"](10)
    rest = Trainer(net, data, run_config(optimizer, batch, epochs=20), state=state)
    assert_same_run(ns, torch_losses, net, [s.train_loss for s in rest.run()])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_learning_rate_changed_during_the_run_is_replayed(optimizer):
    # The window lets η change mid-run; momentum then depends on which convention is
    # used (bpdesk's is torch's). The script replays the change from its schedule.
    pytest.importorskip("torch")
    net, data = setup_network("tanh", "sigmoid", "mse", test_ratio=0.0)
    config = run_config(optimizer, 5, epochs=16, learning_rate=0.2)
    source = torch_script(net, data, config, learning_rates={1: 0.2, 9: 0.03})
    assert "LEARNING_RATES = {1: 0.2, 9: 0.03}" in source
    ns = load(source)
    torch_losses = ns["train"](16)
    control = TrainingControl()
    bpdesk_losses = []
    for snap in Trainer(net, data, config).run(control):
        bpdesk_losses.append(snap.train_loss)
        if snap.epoch == 8:
            control.change_settings(learning_rate=0.03)
    assert_same_run(ns, torch_losses, net, bpdesk_losses)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_script_exported_after_a_change_of_rate_continues_from_the_state(optimizer):
    # Trained at η 0.2, then at 0.03, then exported: the state carries the past.
    pytest.importorskip("torch")
    net, data = setup_network("tanh", "sigmoid", "mse", test_ratio=0.0)
    trainer = Trainer(net, data, run_config(optimizer, 5, epochs=None, learning_rate=0.2))
    for _ in range(6):
        trainer.run_epoch()
    trainer.set_config(run_config(optimizer, 5, epochs=None, learning_rate=0.03))
    for _ in range(3):
        trainer.run_epoch()
    slow = run_config(optimizer, 5, epochs=None, learning_rate=0.03)
    ns = load(torch_script(net, data, slow, epochs=6, state=trainer.state()))
    torch_losses = ns["train"](6)
    assert_same_run(ns, torch_losses, net, [trainer.run_epoch().train_loss for _ in range(6)])


def test_a_float32_network_continues_in_float32():
    torch = pytest.importorskip("torch")
    net, data = setup_network("relu", "sigmoid", "bce", dtype="float32")
    config = run_config("adam", 4, epochs=None)
    trainer = Trainer(net, data, config)
    trainer.run_epoch()
    ns = load(torch_script(net, data, config, epochs=3, state=trainer.state()))
    assert ns["optimizer"].state[ns["model"][0].weight]["exp_avg"].dtype == torch.float32
    torch_losses = ns["train"](3)
    bpdesk_losses = [trainer.run_epoch().train_loss for _ in range(3)]
    np.testing.assert_allclose(torch_losses, bpdesk_losses, rtol=1e-4)


def test_the_state_in_the_script_is_only_what_the_run_can_continue():
    net, data = setup_network("tanh", "sigmoid", "mse")
    fresh = torch_script(net, data, run_config("momentum", 5, 3))
    assert "load_optimizer_state" not in fresh
    assert "bit_generator.state" not in fresh
    assert "shuffle_rng = np.random.default_rng(SEED)" in fresh
    assert "LEARNING_RATES" not in fresh
    trainer = Trainer(net, data, run_config("momentum", 5, 3))
    list(trainer.run())
    state = trainer.state()
    carried = torch_script(net, data, run_config("momentum", 5, 6), state=state)
    assert "VELOCITY_WEIGHTS = [" in carried
    assert f'"state": 0x{state.shuffle.state:X},' in carried
    # Another optimiser starts afresh, as bpdesk would; the shuffle still goes on.
    adam = torch_script(net, data, run_config("adam", 5, 6), state=state)
    assert "load_optimizer_state" not in adam
    assert "bit_generator.state" in adam
    with pytest.raises(ConfigError, match="epoch must be a whole number"):
        torch_script(net, data, run_config("sgd", 5, 6), learning_rates={0: 0.1})
    with pytest.raises(ConfigError, match="positive"):
        torch_script(net, data, run_config("sgd", 5, 6), learning_rates={3: -0.1})


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_network_without_biases_continues_without_them(optimizer):
    pytest.importorskip("torch")
    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    net, data = single_weight_network(0.5), single_weight_dataset()
    config = TrainConfig(learning_rate=0.05, optimizer=optimizer, epochs=None)
    trainer = Trainer(net, data, config)
    for _ in range(3):
        trainer.run_epoch()
    ns = load(torch_script(net, data, config, epochs=4, state=trainer.state()))
    torch_losses = ns["train"](4)
    bpdesk_losses = [trainer.run_epoch().train_loss for _ in range(4)]
    np.testing.assert_allclose(torch_losses, bpdesk_losses, rtol=RUN_TOL)


def test_cross_entropy_with_soft_targets_matches():
    pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 2))
    T = rng.dirichlet(np.ones(3), size=9)  # probabilities, not one-hot
    data = Dataset("regression", X, T, np.empty((0, 2)), np.empty((0, 3)))
    net = Network.create([2, 4, 3], activation="tanh", loss="ce", seed=2)
    config = TrainConfig(learning_rate=0.2, batch_size=0, epochs=2)
    source = torch_script(net, data, config)
    assert "class probabilities" in source
    ns = load(source)
    assert ns["evaluate"](ns["X_TRAIN"], ns["T_TRAIN"]) == pytest.approx(
        net.compute_loss(X, T), rel=TOL
    )
    trainer = Trainer(net, data, config)
    trainer.step()
    trainer.step()
    ns["train"](2)
    assert_same_parameters(ns, net)


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "test_ratio", "config", "last_line"),
    [
        ("tanh", "sigmoid", "bce", 0.25, TrainConfig(), "test accuracy"),
        (
            "relu",
            "softmax",
            "ce",
            0.0,
            TrainConfig(optimizer="adam", batch_size=5, regularization="l2", reg_rate=0.01),
            "training accuracy",
        ),
        (
            "leaky_relu",
            "linear",
            "mse",
            0.25,
            TrainConfig(
                optimizer="momentum", learning_rate=0.05, regularization="l1", reg_rate=0.01
            ),
            "test loss",
        ),
    ],
)
def test_main_trains_and_reports_for_every_kind_of_problem(
    hidden, output, loss, test_ratio, config, last_line, capsys
):
    pytest.importorskip("torch")
    net, data = setup_network(hidden, output, loss, test_ratio)
    ns = load(torch_script(net, data, config))
    ns["main"](["--epochs", "3"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("largest difference from bpdesk's outputs")
    assert float(lines[0].split()[-1]) <= TOL
    assert lines[1].startswith("before training: loss")
    assert [line.split()[1] for line in lines if line.startswith("epoch")] == ["1", "2", "3"]
    assert lines[-1].startswith(last_line)


def test_check_option_prints_the_untrained_outputs_and_succeeds(capsys):
    pytest.importorskip("torch")
    net, data = setup_network("relu", "sigmoid", "mse")
    ns = load(torch_script(net, data, TrainConfig()))
    with pytest.raises(SystemExit) as exit_:
        ns["main"](["--check"])
    assert exit_.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    printed = np.array([[float(v) for v in line.split()] for line in lines[:-1]])
    np.testing.assert_allclose(printed, net.predict(data.X_train), rtol=0, atol=TOL)
    assert lines[-1].startswith("largest difference from bpdesk's outputs")


def test_script_runs_as_a_program(tmp_path):
    pytest.importorskip("torch")
    net, data = setup_network("tanh", "softmax", "ce")
    path = tmp_path / "bpdesk_export.py"
    path.write_text(torch_script(net, data, TrainConfig(batch_size=4)), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(path), "--epochs", "2"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert float(lines[0].split()[-1]) <= TOL  # the untrained outputs are bpdesk's
    assert lines[-1].startswith("test accuracy")


def test_a_network_without_biases_is_rebuilt_without_them():
    pytest.importorskip("torch")
    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    net, data = single_weight_network(0.5), single_weight_dataset()
    text = torch_script(net, data, TrainConfig(learning_rate=0.1, epochs=30))
    assert "bias=False" in text
    ns = load(text)
    layers = ns["linear_layers"](ns["model"])
    assert all(layer.bias is None for layer in layers)
    np.testing.assert_allclose(ns["predict"](data.X_train), net.predict(data.X_train), atol=TOL)
    assert ns["check"]()
