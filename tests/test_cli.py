"""The ``bpdesk`` command's headless sub-commands: train, gradcheck, bench.

Most cases call :func:`bpdesk.cli.main` in this process (fast, output read
with ``capsys``); a few run the real command in a subprocess to prove what a
user sees: the exit status, one line on stderr and no traceback.
"""

import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hostile_files import SPECIAL, SPECIAL_IDS, finishes, posix_only

import bpdesk
from bpdesk import bench, cli
from bpdesk.core import BpnetDocument, Network, load_bpnet, save_bpnet, xor

SUMMARY_KEYS = {
    "epochs",
    "final_loss",
    "train_accuracy",
    "test_accuracy",
    "epochs_per_second",
    "diverged",
    "reason",
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, ""), err
    assert out.count("\n") == 1  # exactly one JSON object on one line
    return json.loads(out)


def bpdesk_process(*argv: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bpdesk", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


# -- the real command ------------------------------------------------------------------


def test_version():
    done = bpdesk_process("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"bpdesk {bpdesk.__version__}"


def test_train_json_in_a_real_process():
    done = bpdesk_process("train", "--epochs", "300", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    summary = json.loads(done.stdout)
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["epochs"] == 300
    assert summary["dataset"] == "xor"
    assert summary["network"] == "2-4-1 sigmoid, mse, 17 parameters"
    assert summary["diverged"] is False
    assert summary["reason"] == ""
    assert summary["test_accuracy"] is None  # XOR has no test set
    assert 0 <= summary["train_accuracy"] <= 1
    assert summary["final_loss"] > 0
    assert summary["epochs_per_second"] > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["train", "--lr", "nan"],
            "bpdesk train: argument --lr: must be a positive finite number, got nan",
        ),
        (
            ["train", "missing.bpnet"],
            "bpdesk train: missing.bpnet: cannot read 'missing.bpnet': No such file or directory",
        ),
        (
            ["gradcheck", "--dataset", "nope"],
            "bpdesk gradcheck: argument --dataset: invalid choice: 'nope'",
        ),
    ],
)
def test_bad_input_in_a_real_process_is_one_line_and_status_2(tmp_path, argv, message):
    done = bpdesk_process(*argv, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.endswith("\n")
    assert done.stderr.startswith(message)


# -- train -----------------------------------------------------------------------------


def test_train_summary_values(capsys):
    s = run_json(capsys, "train", "--dataset", "moons", "--samples", "60", "--epochs", "40")
    assert s.keys() >= SUMMARY_KEYS
    assert (s["epochs"], s["total_epochs"]) == (40, 40)
    assert (s["train_examples"], s["test_examples"]) == (42, 18)
    assert s["dataset"] == "moons"
    assert 0 <= s["train_accuracy"] <= 1
    assert 0 <= s["test_accuracy"] <= 1
    assert s["test_loss"] > 0
    assert s["saved"] is None


def test_train_is_reproducible_for_a_seed(capsys):
    argv = ("train", "--dataset", "spiral", "--samples", "40", "--epochs", "30", "--seed", "3")
    a, b = run_json(capsys, *argv), run_json(capsys, *argv)
    assert a["final_loss"] == b["final_loss"]
    c = run_json(capsys, *argv[:-1], "4")
    assert c["final_loss"] != a["final_loss"]


def test_train_text_output(capsys):
    code, out, err = run(capsys, "train", "--epochs", "10")
    assert (code, err) == (0, "")
    assert out.startswith(
        "trained 2-4-1 sigmoid, mse, 17 parameters on xor (4 training, 0 test examples)"
    )
    assert "  epochs          10\n" in out


def test_zero_epochs_reports_the_starting_point(capsys):
    s = run_json(capsys, "train", "--epochs", "0", "--seed", "2")
    net = Network.create([2, 4, 1], seed=2)
    data = xor()
    assert s["epochs"] == 0
    assert s["final_loss"] == net.compute_loss(data.X_train, data.T_train)
    assert s["train_accuracy"] is not None
    assert s["epochs_per_second"] == 0.0


def test_save_writes_a_loadable_file_with_the_whole_history(capsys, tmp_path):
    out = tmp_path / "xor.bpnet"
    s = run_json(capsys, "train", "--epochs", "120", "--lr", "0.7", "--save", str(out))
    assert s["saved"] == str(out)
    doc = load_bpnet(out)
    assert doc.history.epochs == 120 == s["epochs"]
    assert doc.history.train_loss[-1] == s["final_loss"]
    assert doc.history.test_loss == [None] * 120
    assert doc.training.learning_rate == 0.7
    assert doc.dataset.same_data(xor())
    assert doc.network.layer_sizes == (2, 4, 1)


def test_continuing_from_a_file_is_the_same_as_training_straight_through(capsys, tmp_path):
    first, second, straight = (tmp_path / n for n in ("a.bpnet", "b.bpnet", "c.bpnet"))
    run_json(capsys, "train", "--epochs", "50", "--save", str(first))
    s = run_json(capsys, "train", str(first), "--epochs", "70", "--save", str(second))
    assert (s["epochs"], s["total_epochs"]) == (70, 120)
    whole = run_json(capsys, "train", "--epochs", "120", "--save", str(straight))
    # Full-batch SGD is deterministic and the file keeps every bit of the weights.
    assert s["final_loss"] == whole["final_loss"]
    a, b = load_bpnet(second), load_bpnet(straight)
    assert a.network.parameters.tobytes() == b.network.parameters.tobytes()
    assert a.history.train_loss == b.history.train_loss
    assert a.history.epochs == 120


def test_continuing_without_epochs_trains_as_long_as_the_last_run(capsys, tmp_path):
    path = tmp_path / "run.bpnet"
    run_json(capsys, "train", "--epochs", "25", "--save", str(path))
    for total in (50, 75):
        s = run_json(capsys, "train", str(path), "--save", str(path))
        assert (s["epochs"], s["total_epochs"]) == (25, total)
    assert load_bpnet(path).history.epochs == 75


def test_a_file_without_a_dataset_needs_one(capsys, tmp_path):
    path = tmp_path / "bare.bpnet"
    save_bpnet(BpnetDocument(Network.create([2, 3, 1])), path)
    code, _, err = run(capsys, "train", str(path), "--epochs", "1")
    assert code == 2
    assert "holds no dataset: add --dataset NAME or --csv PATH" in err
    s = run_json(capsys, "train", str(path), "--dataset", "gauss", "--epochs", "3")
    assert (s["dataset"], s["epochs"]) == ("gauss", 3)


def test_training_from_a_csv_file(capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y,label\n" + "".join(f"{k % 3},{k % 5},{k % 2}\n" for k in range(20)))
    s = run_json(capsys, "train", "--csv", str(path), "--test-ratio", "0.25", "--epochs", "5")
    assert (s["train_examples"], s["test_examples"]) == (15, 5)
    assert s["dataset"] == "custom"


def test_training_on_a_label_first_image_csv(capsys, tmp_path):
    # MNIST's layout: the label, then 784 pixels 0-255, no header.
    rng = np.random.default_rng(0)
    labels = np.arange(40) % 10
    pixels = rng.integers(0, 256, (40, 784)) * (rng.random((40, 784)) < 0.2)
    path = tmp_path / "mnist.csv"
    path.write_text(
        "".join(f"{y}," + ",".join(map(str, row)) + "\n" for y, row in zip(labels, pixels))
    )
    argv = ["train", "--csv", str(path), "--target-column", "first", "--test-ratio", "0.25"]
    s = run_json(capsys, *argv, "--layers", "784,16,10", "--epochs", "2")
    assert s["network"].startswith("784-16-10 sigmoid/softmax, ce")
    assert (s["train_examples"], s["test_examples"]) == (30, 10)
    # Without --target-column the last pixel would be the target: a misfit, said in one line.
    code, _, err = run(capsys, "train", "--csv", str(path), "--layers", "784,16,10")
    assert code == 2
    assert err.startswith("bpdesk train: the network 784-16-10 does not fit the dataset custom")


def test_the_digits_train_and_report_their_test_accuracy(capsys):
    argv = [
        "--layers",
        "64,32,10",
        "--activation",
        "relu",
        "--optimizer",
        "adam",
        "--batch-size",
        "32",
    ]
    s = run_json(capsys, "train", "--dataset", "digits", *argv, "--lr", "0.01", "--epochs", "3")
    assert s["network"].startswith("64-32-10 relu/softmax, ce")
    assert (s["train_examples"], s["test_examples"]) == (1258, 539)
    assert s["test_accuracy"] > 0.8


def test_multiclass_and_regression_pick_a_suitable_output(capsys):
    s = run_json(capsys, "train", "--dataset", "blobs", "--samples", "30", "--epochs", "5")
    assert s["network"] == "2-4-3 sigmoid/softmax, ce, 27 parameters"
    s = run_json(capsys, "train", "--dataset", "reg-plane", "--samples", "30", "--epochs", "5")
    assert s["network"].startswith("2-4-1 sigmoid/linear, mse")
    assert s["train_accuracy"] is None  # no classes, no accuracy


def test_sigmoid_xor_cannot_diverge_even_at_lr_100(capsys):
    # A sigmoid output keeps the MSE loss below ½, so no learning rate makes it infinite.
    s = run_json(capsys, "train", "--lr", "100", "--epochs", "200")
    assert s["diverged"] is False
    assert s["epochs"] == 200


def test_a_diverging_run_reports_it_and_saves_only_finite_epochs(capsys, tmp_path):
    # Unbounded ReLU/linear units let a learning rate of 100 blow the loss up.
    path = tmp_path / "diverged.bpnet"
    argv = ["train", "--lr", "100", "--epochs", "200", "--activation", "relu"]
    s = run_json(capsys, *argv, "--output-activation", "linear", "--save", str(path))
    assert s["diverged"] is True
    assert s["reason"].startswith("the loss became ")
    assert "Try a lower learning rate (it is 100)" in s["reason"]
    assert 0 < s["epochs"] < 200
    assert math.isfinite(s["final_loss"])
    doc = load_bpnet(path)
    assert doc.history.epochs == s["epochs"]
    assert all(math.isfinite(v) for v in doc.history.train_loss)
    assert np.all(np.isfinite(doc.network.parameters))


def test_divergence_in_the_very_first_epoch_still_prints_valid_json(capsys):
    s = run_json(
        capsys,
        "train",
        "--lr",
        "1e300",
        "--epochs",
        "10",
        "--activation",
        "relu",
        "--output-activation",
        "linear",
    )
    assert s["diverged"] is True
    assert s["epochs"] == 0
    # The network is back at its start: the reported loss is the starting loss.
    net = Network.create([2, 4, 1], activation="relu", output_activation="linear")
    assert s["final_loss"] == net.compute_loss(xor().X_train, xor().T_train)


# -- gradcheck ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "parameters"),
    [
        ([], 17),
        (
            [
                "--dataset",
                "spiral",
                "--samples",
                "20",
                "--layers",
                "2,8,8,1",
                "--activation",
                "tanh",
            ],
            105,
        ),
        (["--dataset", "blobs", "--samples", "20", "--layers", "2,5,3"], 33),
        (["--activation", "relu", "--layers", "2,6,1"], 25),
        (["--dtype", "float32"], 17),
    ],
)
def test_gradcheck_json(capsys, argv, parameters):
    s = run_json(capsys, "gradcheck", *argv)
    assert s["parameters"] == s["checked"] == parameters
    assert s["numerical_forward_passes"] == 2 * parameters
    assert s["backprop_passes"] == 2
    assert s["max_relative_error"] < 1e-6
    assert s["passed"] is True
    for key in ("numerical_seconds", "backprop_seconds", "speedup"):
        assert isinstance(s[key], float)
        assert s[key] >= 0


def test_gradcheck_text(capsys):
    code, out, _ = run(capsys, "gradcheck")
    assert code == 0
    assert "numerical forward passes  34" in out
    assert "(pass)" in out


# -- bench -------------------------------------------------------------------------------


def test_bench_json(capsys, monkeypatch):
    # Importing PyTorch alone takes seconds; bpdesk's own figures are what is tested.
    monkeypatch.setattr(bench, "_torch", lambda: None)
    s = run_json(capsys, "bench", "--case", "xor", "--repeats", "1", "--seconds", "0.05")
    assert [case["name"] for case in s["cases"]] == ["xor"]
    case = s["cases"][0]
    assert case["unit"] == "steps/s"
    assert case["bpdesk"] > 0
    assert case["torch"] is None
    assert s["environment"]["bpdesk"] == bpdesk.__version__


def test_a_case_meets_its_target_only_when_every_limit_holds():
    def result(**extra):
        figures = {"ratio": 0.8, "stall_p99_ms": 20.0, **extra}
        return bench.CaseResult(
            "gui", "", "epochs/s", 1.0, None, 0.7, "", figures, limits=(("stall_p99_ms", 50, True),)
        )

    assert result().met is True
    assert result(stall_p99_ms=51.0).met is False
    assert result(ratio=0.6).met is False
    assert result(stall_p99_ms=None).met is None  # not measured: neither met nor missed


# -- bad input: status 2, one line, no traceback ------------------------------------------


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "good.bpnet"
    save_bpnet(BpnetDocument(Network.create([2, 4, 1]), xor()), good)
    corrupt = tmp_path / "corrupt.bpnet"
    corrupt.write_text("{this is not json")
    truncated = tmp_path / "truncated.bpnet"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    wide = tmp_path / "wide.csv"  # one pixel more than the input limit allows
    wide.write_text("".join(f"{k % 10}," + ",".join(["0"] * 1025) + "\n" for k in range(3)))
    return {
        "wide": str(wide),
        "good": str(good),
        "corrupt": str(corrupt),
        "truncated": str(truncated),
        "dir": tmp_path,
    }


# (command line, what its one line on stderr says)
BAD = [
    ("train --dataset nope", "argument --dataset: invalid choice: 'nope'"),
    (
        "train --layers 2,x,1",
        "argument --layers: expected sizes separated by commas, like 2,4,1; got '2,x,1'",
    ),
    ("train --layers 2", "argument --layers: need at least two sizes, each ≥ 1; got '2'"),
    ("train --layers 2,0,1", "argument --layers: need at least two sizes"),
    ("train --layers 2,,1", "argument --layers: expected sizes separated by commas"),
    (
        "train --layers 2,4000,4000,1",
        "argument --layers: 16,020,001 parameters; the limit is 5,000,000",
    ),
    (
        "train --layers 2,100000,1",
        "argument --layers: at most 34 layers of at most 4096 neurons",
    ),
    (
        "train --layers 3,4,1",
        "the network 3-4-1 does not fit the dataset xor (2 inputs, 1 output)",
    ),
    (
        "train --layers 2,4,2",
        "the network 2-4-2 does not fit the dataset xor (2 inputs, 1 output)",
    ),
    (
        "train --dataset blobs --layers 2,4,1",
        "does not fit the dataset blobs (2 inputs, 3 outputs)",
    ),
    ("train --epochs -5", "argument --epochs: must not be negative, got -5"),
    ("train --epochs ten", "argument --epochs: expected a whole number, got 'ten'"),
    ("train --lr nan", "argument --lr: must be a positive finite number, got nan"),
    ("train --lr -1", "argument --lr: must be a positive finite number"),
    ("train --lr inf", "argument --lr: must be a positive finite number"),
    ("train --noise 2", "argument --noise: must be between 0 and 1, got 2"),
    ("train --seed 9223372036854775808", "argument --seed: must be below 2**63"),
    (
        "train --dataset circle --samples 2",
        "the number of samples must be a whole number from 4 to 100000, got 2",
    ),
    (
        "train --dataset circle --test-ratio 0.95",
        "the test ratio must be between 0.0 and 0.9, got 0.95",
    ),
    ("train --loss ce", "a softmax output needs at least 2 output neurons"),
    ("train --activation softmax", "argument --activation: invalid choice: 'softmax'"),
    ("train --bogus", "unrecognized arguments: --bogus"),
    (
        "train {dir}/missing.bpnet",
        "{dir}/missing.bpnet: cannot read '{dir}/missing.bpnet': No such file or directory",
    ),
    ("train {corrupt}", "{corrupt}: not valid JSON at line 1, column 2"),
    ("train {truncated}", "{truncated}: the file ends too early (is it truncated?)"),
    ("train {good} --layers 2,3,1", "--layers cannot be combined with FILE"),
    (
        "train --csv {dir}/none.csv",
        "cannot read '{dir}/none.csv': No such file or directory",
    ),
    ("train --csv {good} --dataset xor", "--csv and --dataset cannot be combined"),
    (
        "train --csv {wide} --target-column first",
        "line 1: 1025 input columns; the limit is 1024 (enough for a 32×32 image; bpdesk "
        "trains on the CPU, where wider inputs make every step slow)",
    ),
    ("train --target-column first", "--target-column goes with --csv"),
    ("train --dataset digits --samples 100", "--samples does not apply to the digits"),
    ("train --dataset digits --noise 0.2", "--noise does not apply to the digits"),
    ("train --csv {wide} --target-column middle", "argument --target-column: invalid choice"),
    (
        "train --save {dir}/no/such/folder/x.bpnet",
        "cannot save to '{dir}/no/such/folder/x.bpnet': its folder does not exist",
    ),
    ("train --save {dir}", "cannot save to '{dir}': it is a folder"),
    ("gradcheck --layers 3,1", "the network 3-1 does not fit the dataset xor"),
    ("gradcheck {corrupt}", "{corrupt}: not valid JSON"),
    (
        "gradcheck --epsilon 0",
        "argument --epsilon: must be a positive finite number, got 0",
    ),
    ("bench --repeats 0", "--repeats must be at least 1"),
    ("bench --case nope", "argument --case: invalid choice: 'nope'"),
]


@pytest.mark.parametrize(("command", "message"), BAD, ids=[c for c, _ in BAD])
def test_bad_input_exits_2_with_one_line(capsys, files, command, message):
    argv = command.format(**files).split()
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.endswith("\n")
    assert "Traceback" not in err
    assert err.startswith(f"bpdesk {argv[0]}: ")
    assert message.format(**files) in err


def test_a_bad_save_path_is_refused_before_any_training(capsys, files, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("trained although the file could not be saved")

    monkeypatch.setattr("bpdesk.core.train", never)
    code, _, err = run(capsys, "train", "--save", f"{files['dir']}/nope/x.bpnet")
    assert code == 2
    assert "its folder does not exist" in err


def test_save_keeps_the_accuracy_of_every_epoch(capsys, tmp_path):
    path = tmp_path / "blobs.bpnet"
    argv = ["train", "--dataset", "blobs", "--samples", "40", "--epochs", "30"]
    s = run_json(capsys, *argv, "--save", str(path))
    history = load_bpnet(path).history
    assert len(history.train_accuracy) == len(history.test_accuracy) == 30
    assert history.train_accuracy[-1] == s["train_accuracy"]
    assert history.test_accuracy[-1] == s["test_accuracy"]
    assert all(0 <= v <= 1 for v in history.train_accuracy + history.test_accuracy)
    # Continuing appends to them, epoch by epoch.
    run_json(capsys, "train", str(path), "--epochs", "5", "--save", str(path))
    assert len(load_bpnet(path).history.train_accuracy) == 35


def test_a_file_bpdesk_would_not_open_is_not_saved(capsys, tmp_path, monkeypatch):
    from bpdesk.core import bpnet

    monkeypatch.setattr(bpnet, "MAX_FILE_BYTES", 500)
    path = tmp_path / "big.bpnet"
    code, out, err = run(capsys, "train", "--epochs", "5", "--save", str(path))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    # Known before training: the file could not hold even the untrained network.
    assert err.startswith(f"bpdesk train: cannot save {str(path)!r}: once trained, the file ")
    assert not path.exists()


def test_content_json_cannot_write_is_one_line_and_status_2(capsys, tmp_path, monkeypatch):
    def refuse(doc, *_):
        raise ValueError("Out of range float values are not JSON compliant")

    monkeypatch.setattr("bpdesk.core.bpnet.dumps", refuse)
    path = tmp_path / "x.bpnet"
    code, out, err = run(capsys, "train", "--epochs", "3", "--save", str(path))
    assert (code, out) == (2, "")
    assert err == (
        f"bpdesk train: cannot save {str(path)!r}: "
        "Out of range float values are not JSON compliant\n"
    )


# -- hostile input and long runs (issue 13) -----------------------------------------------


def strict_json(text: str):
    """Parse ``text`` as a strict JSON parser would: NaN and Infinity are not JSON."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@posix_only
@pytest.mark.parametrize(("kind", "message"), SPECIAL, ids=SPECIAL_IDS)
@pytest.mark.parametrize("how", ["file", "csv"])
def test_a_special_file_is_one_line_and_status_2_at_once(capsys, special, kind, message, how):
    path = special(kind, ".bpnet" if how == "file" else ".csv")
    argv = ["train", str(path)] if how == "file" else ["train", "--csv", str(path)]
    result = {}
    assert finishes(lambda: result.update(zip(("code", "out", "err"), run(capsys, *argv)))) is None
    assert (result["code"], result["out"]) == (2, "")
    where = f"{path}: " if how == "file" else ""
    assert result["err"] == f"bpdesk train: {where}cannot read {str(path)!r}: {message}\n"


@pytest.fixture
def huge_targets(tmp_path):
    """Regression targets whose squared error is beyond the float range: an infinite loss."""
    path = tmp_path / "huge.csv"
    path.write_text("x,t\n0,1e200\n1,-1e200\n2,3e200\n")
    return str(path)


def test_an_infinite_starting_loss_is_valid_json_with_null(capsys, huge_targets):
    code, out, err = run(capsys, "train", "--csv", huge_targets, "--epochs", "5", "--json")
    assert (code, err) == (0, "")
    s = strict_json(out)
    assert s["final_loss"] is None  # infinite: not a number JSON can hold
    assert s["diverged"] is True
    assert s["epochs"] == 0
    assert s["reason"] == (
        "the loss is infinite before any training: the targets or the weights are too "
        "large to compute with"
    )
    code, out, _ = run(capsys, "train", "--csv", huge_targets, "--epochs", "5")
    assert "final loss      inf" in out


def test_gradcheck_of_an_infinite_loss_is_valid_json_with_null(capsys, huge_targets):
    code, out, err = run(capsys, "gradcheck", "--csv", huge_targets, "--json")
    assert (code, err) == (1, "")  # the check cannot pass
    s = strict_json(out)
    assert s["max_relative_error"] is None
    assert s["passed"] is False


def test_huge_weights_in_a_real_process_give_strict_json_and_no_warnings(tmp_path):
    # Weights near the float limit make the forward pass overflow: NumPy used to warn
    # on the terminal and the summary used to crash on writing Infinity.
    net = Network.create([2, 4, 1], activation="relu", output_activation="linear", seed=3)
    net.parameters[:] = 1e300
    path = tmp_path / "huge.bpnet"
    save_bpnet(BpnetDocument(net, xor()), path)
    for argv in (["train", str(path), "--epochs", "3"], ["gradcheck", str(path)]):
        done = bpdesk_process(*argv, "--json")
        assert done.stderr == "", done.stderr
        strict_json(done.stdout)


def test_a_classifier_whose_weights_explode_is_reported_as_diverged():
    # At η = 10⁶ with L2 the weights grew towards 1e306 while the loss sat at 0.25
    # (a saturated sigmoid), with overflow warnings on the terminal.
    argv = ["--dataset", "circle", "--activation", "tanh", "--lr", "1e6", "--init", "xavier"]
    done = bpdesk_process("train", *argv, "--reg", "l2", "--reg-rate", "0.01", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    s = strict_json(done.stdout)
    assert s["diverged"] is True
    assert s["final_loss"] == pytest.approx(0.25)
    assert re.fullmatch(
        r"the weights grew past 1\.3e\+154 at epoch (\d+) \(too large to compute with\); "
        r"the network was put back to epoch (\d+)\. Try a lower learning rate \(it is 1e\+06\)\.",
        s["reason"],
    )
    assert 0 < s["epochs"] < 100


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch-size", "2147483648"], "argument --batch-size: must be at most 100000"),
        (["--batch-size", "100001"], "argument --batch-size: must be at most 100000"),
        (["--save", "/dev/null"], "cannot save to '/dev/null': it is not a regular file"),
        (
            ["--epochs", str(10**30), "--save", "{dir}/x.bpnet"],
            "cannot save '{dir}/x.bpnet': training.epochs: must be from 0 to "
            "9223372036854775807, got 1000000000000000000000000000000",
        ),
    ],
)
def test_what_could_not_be_saved_is_refused_before_training(
    capsys, tmp_path, monkeypatch, argv, message
):
    def never(*args, **kwargs):
        raise AssertionError("trained although the result could not be saved")

    monkeypatch.setattr("bpdesk.core.train", never)
    argv = [a.format(dir=tmp_path) for a in argv]
    code, out, err = run(capsys, "train", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("bpdesk train: " + message.format(dir=tmp_path))
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # not even the probe of the folder is left


@posix_only
def test_a_folder_that_cannot_be_written_is_refused_before_training(capsys, tmp_path, monkeypatch):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    monkeypatch.setattr("bpdesk.core.train", lambda *a, **k: pytest.fail("trained"))
    code, _, err = run(capsys, "train", "--save", str(folder / "x.bpnet"))
    assert code == 2
    assert "Permission denied" in err


def test_a_long_run_is_saved_thinned_and_continued(capsys, tmp_path, monkeypatch):
    from bpdesk.core import bpnet, loss_history

    # The real figures are 500,000 in memory and 250,000 in a file; small ones keep it quick.
    monkeypatch.setattr(loss_history, "MEMORY_POINTS", 16)
    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 10)
    path = tmp_path / "long.bpnet"
    s = run_json(capsys, "train", "--epochs", "300", "--save", str(path))
    history = load_bpnet(path).history
    assert history.epochs == 300
    assert len(history.train_loss) <= 10
    assert history.train_loss[-1] == s["final_loss"]  # the last epoch, exactly
    s = run_json(capsys, "train", str(path), "--epochs", "50", "--save", str(path))
    history = load_bpnet(path).history
    assert (history.epochs, s["total_epochs"]) == (350, 350)
    assert history.train_loss[-1] == s["final_loss"]


BLAS_PROBE = """
import ctypes, json, os, sys
import bpdesk.ui.app
from bpdesk import cli

def report(_args):
    # The BLAS NumPy loaded, asked how many threads it runs (OpenBLAS's own call).
    threads = None
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in path:
            lib = ctypes.CDLL(path)
            for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads"):
                if hasattr(lib, name):
                    threads = getattr(lib, name)()
            break
    print(json.dumps({"threads": threads, "env": os.environ.get("OPENBLAS_NUM_THREADS")}))
    return 0

bpdesk.ui.app.run_app = report
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("2", "2")])
def test_the_window_runs_numpy_on_one_blas_thread_unless_the_user_says(tmp_path, given, expected):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run(
        [sys.executable, "-c", BLAS_PROBE, "--screenshot", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["env"] == expected
    if seen["threads"] is not None and given is None:  # an OpenBLAS that answers obeyed
        assert seen["threads"] == 1


def test_the_command_line_keeps_blas_as_it_is(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    probe = "import os, sys; from bpdesk import cli; cli.main(['train', '--epochs', '1']); "
    probe += "print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.stdout.strip().splitlines()[-1] == "None"
