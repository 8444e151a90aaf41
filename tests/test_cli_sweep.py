"""``bpdesk sweep``: run k is the run ``bpdesk train --seed s_k --lr η_k`` makes.

Cases call :func:`bpdesk.cli.main` in this process and compare with ``bpdesk
train`` run the same way; one runs the real command in a subprocess.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from bpdesk import bench, cli
from bpdesk.cli_sweep import MAX_NETWORKS
from bpdesk.core import BpnetDocument, Network, TrainConfig, save_bpnet, xor
from bpdesk.core.sweep import Sweep, sweep_runs

KEYS = {
    "networks",
    "seeds",
    "learning_rates",
    "final_losses",
    "epochs_to_target",
    "converged",
    "converged_fraction",
    "diverged",
    "seconds",
    "net_steps_per_second",
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def strict(text: str) -> dict:
    def refuse(token):
        raise AssertionError(f"not strict JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, ""), err
    assert out.count("\n") == 1
    return strict(out)


def train_loss(capsys, *argv: str) -> float:
    return run_json(capsys, "train", *argv)["final_loss"]


def test_each_run_is_the_run_train_makes_with_its_seed_and_rate(capsys):
    common = ["--layers", "2,3,1", "--epochs", "300"]
    s = run_json(capsys, "sweep", *common, "--seeds", "1-3", "--lr", "0.5,2")
    assert s.keys() >= KEYS
    assert s["networks"] == 6
    assert s["seeds"] == [1, 2, 3, 1, 2, 3]  # every combination, rate by rate
    assert s["learning_rates"] == [0.5, 0.5, 0.5, 2.0, 2.0, 2.0]
    for k, (seed, rate) in enumerate(zip(s["seeds"], s["learning_rates"])):
        alone = train_loss(capsys, *common, "--seed", str(seed), "--lr", str(rate))
        assert s["final_losses"][k] == pytest.approx(alone, rel=1e-12)
    assert s["epochs"] == 300
    assert s["net_steps"] == 6 * 300
    assert s["net_steps_per_second"] > 0
    assert s["seconds"] > 0


def test_convergence_is_judged_by_the_target(capsys):
    argv = ["sweep", "--layers", "2,2,1", "--epochs", "2000", "--seeds", "0-9", "--lr", "2"]
    s = run_json(capsys, *argv, "--target", "0.05")
    assert s["target"] == 0.05
    assert s["converged"] == [loss < 0.05 for loss in s["final_losses"]]
    assert s["converged_fraction"] == sum(s["converged"]) / 10
    assert 0 < s["converged_fraction"] < 1  # 2-2-1 networks: some stuck, some not
    for loss, epochs in zip(s["final_losses"], s["epochs_to_target"]):
        if loss < 0.05:
            assert 0 < epochs <= 2000
    assert any(epochs is None for epochs in s["epochs_to_target"])
    assert s["diverged"] == [False] * 10
    assert s["diverged_at"] == [None] * 10
    (row,) = s["by_learning_rate"]
    assert row["learning_rate"] == 2.0
    assert row["converged_fraction"] == s["converged_fraction"]


def test_seed_means_what_it_means_to_train(capsys):
    # The moons are generated from the seed: --seed S is one run with the data of seed S,
    # exactly as train --seed S; --seeds keeps the data of --data-seed (default 0).
    common = ["--dataset", "moons", "--samples", "60", "--epochs", "40"]
    s = run_json(capsys, "sweep", *common, "--seed", "4", "--lr", "0.3,1")
    for k, rate in enumerate(["0.3", "1"]):
        alone = train_loss(capsys, *common, "--seed", "4", "--lr", rate)
        assert s["final_losses"][k] == pytest.approx(alone, rel=1e-12)
    s = run_json(capsys, "sweep", *common, "--seeds", "1,2", "--data-seed", "5")
    for k, seed in enumerate(["1", "2"]):
        alone = train_loss(capsys, *common, "--seed", seed, "--data-seed", "5")
        assert s["final_losses"][k] == pytest.approx(alone, rel=1e-12)
    # train's --data-seed defaults to --seed: nothing changed for train.
    assert train_loss(capsys, *common, "--seed", "3") == train_loss(
        capsys, *common, "--seed", "3", "--data-seed", "3"
    )


def test_mini_batches_and_an_optimiser_from_the_command_line(capsys):
    common = ["--dataset", "circle", "--samples", "80", "--epochs", "20", "--batch-size", "16"]
    common += ["--optimizer", "adam", "--reg", "l2", "--reg-rate", "0.001", "--dtype", "float32"]
    s = run_json(capsys, "sweep", *common, "--seeds", "7,8", "--lr", "0.01")
    for k, seed in enumerate(["7", "8"]):
        # The circle is drawn from a seed: the sweep's from 0, as --data-seed says.
        alone = train_loss(capsys, *common, "--seed", seed, "--data-seed", "0", "--lr", "0.01")
        assert s["final_losses"][k] == pytest.approx(alone, rel=1e-6)
    assert len(s["test_losses"]) == len(s["test_accuracies"]) == 2


def test_from_a_file_every_run_starts_afresh_with_its_settings(capsys, tmp_path):
    path = tmp_path / "net.bpnet"
    net = Network.create([2, 3, 1], init="xavier", seed=9)
    net.parameters[:] = 0.25  # trained weights: not where a sweep starts
    save_bpnet(BpnetDocument(net, xor(), TrainConfig(learning_rate=0.7, epochs=40)), path)
    s = run_json(capsys, "sweep", str(path), "--seeds", "1,2")
    assert s["learning_rates"] == [0.7, 0.7]
    assert s["epochs"] == 40
    for k, seed in enumerate(["1", "2"]):
        alone = train_loss(
            capsys, "--layers", "2,3,1", "--init", "xavier", "--lr", "0.7", "--epochs", "40",
            "--seed", seed,
        )  # fmt: skip
        assert s["final_losses"][k] == pytest.approx(alone, rel=1e-12)


def test_diverged_runs_are_reported_and_the_others_finish(capsys):
    argv = ["sweep", "--dataset", "reg-plane", "--layers", "2,4,1", "--activation", "linear"]
    argv += ["--output-activation", "linear", "--optimizer", "momentum", "--epochs", "50"]
    s = run_json(capsys, *argv, "--seeds", "1,2", "--lr", "0.05,1")
    assert s["diverged"] == [False, False, True, True]
    assert s["diverged_at"][:2] == [None, None]
    assert all(epoch > 1 for epoch in s["diverged_at"][2:])
    assert all(reason.startswith("the loss became") for reason in s["reasons"][2:])
    assert s["converged"][2:] == [False, False]
    rows = {row["learning_rate"]: row for row in s["by_learning_rate"]}
    assert rows[1.0]["diverged"] == 2
    assert rows[1.0]["median_final_loss"] is None  # every run at η = 1 diverged
    code, out, _ = run(capsys, *argv, "--seeds", "1,2", "--lr", "0.05,1")
    assert code == 0
    assert "diverged         seeds 1 (η 1) at epoch" in out
    assert "of those that did not diverge" in out


def test_an_infinite_loss_is_null_in_strict_json(capsys, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("x,t\n0,1e200\n1,-1e200\n2,3e200\n")
    s = run_json(capsys, "sweep", "--csv", str(path), "--seeds", "0-2", "--epochs", "5")
    assert s["final_losses"] == [None, None, None]
    assert s["diverged"] == [True, True, True]
    assert s["converged_fraction"] == 0.0


def test_text_output(capsys):
    argv = ["sweep", "--layers", "2,2,1", "--epochs", "500", "--seeds", "1-4,9", "--lr", "1,3"]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert out.startswith("swept 10 networks 2-2-1 sigmoid, mse, 9 parameters on xor")
    assert "  seeds            1-4, 9\n" in out
    assert "  learning rates   1, 3\n" in out
    assert "learning rate  converged" in out  # a table: more than one rate
    assert "network-steps/s" in out


def test_sweep_json_in_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "bpdesk", "sweep", "--seeds", "1-3", "--epochs", "30", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    s = strict(done.stdout)
    assert s["networks"] == 3
    assert s["network"] == "2-4-1 sigmoid, mse, 17 parameters"


def test_an_interrupted_sweep_reports_what_it_has(capsys, monkeypatch):
    from bpdesk.core.sweep import Sweep

    real = Sweep.run

    def interrupted(self, control=None):
        for snapshot in real(self, control):
            yield snapshot
            if snapshot.epoch == 7:
                raise KeyboardInterrupt

    monkeypatch.setattr(Sweep, "run", interrupted)
    code, out, _ = run(capsys, "sweep", "--seeds", "1,2", "--epochs", "100", "--json")
    assert code == 130
    s = strict(out)
    assert s["epochs"] == 7
    assert s["stopped"] == "interrupted"


def test_bench_sweep_case(capsys, monkeypatch):
    monkeypatch.setattr(bench, "_torch", lambda: None)
    s = run_json(capsys, "bench", "--case", "sweep", "--repeats", "1", "--seconds", "0.05")
    (case,) = s["cases"]
    assert case["name"] == "sweep"
    assert case["unit"] == "net-steps/s"
    assert case["bpdesk"] > 0
    assert case["torch"] is None
    assert case["torch_one_at_a_time"] is None
    assert case["networks"] == 100
    code, out, _ = run(capsys, "bench", "--case", "sweep", "--repeats", "1", "--seconds", "0.05")
    assert code == 0
    assert out.splitlines()[2].startswith("sweep")


def test_bench_sweep_pytorch_trains_the_same_networks():
    # The comparison is fair only if PyTorch, batched and one model at a time, makes the
    # same steps on the same 100 networks as the sweep.
    torch = pytest.importorskip("torch")
    sweep = Sweep(
        Network.create([2, 4, 1], activation="sigmoid", output_activation="sigmoid"),
        xor(),
        TrainConfig(learning_rate=0.5, epochs=None),
        sweep_runs(range(1, bench.SWEEP_NETWORKS + 1), [0.5]),
    )
    batched, one_at_a_time = bench._torch_sweep(torch, sweep)
    for _ in range(20):
        snapshot = sweep.run_epoch()
        batched()
        one_at_a_time()
    # Each call returns the losses before its step: after 20 steps, the sweep's now.
    ours = snapshot.losses
    assert batched().detach().numpy() == pytest.approx(ours, rel=1e-12)
    alone = np.array([loss.detach().item() for loss in one_at_a_time()])
    assert alone == pytest.approx(ours, rel=1e-12)
    assert len(set(ours.tolist())) == bench.SWEEP_NETWORKS  # 100 different networks


def test_bench_sweep_table_with_pytorch(capsys):
    pytest.importorskip("torch")
    code, out, _ = run(capsys, "bench", "--case", "sweep", "--repeats", "1", "--seconds", "0.02")
    assert code == 0
    first, second = out.splitlines()[2:4]
    assert first.startswith("sweep")
    assert "≥ 1.5× batched PyTorch" in first
    assert "≥ 100× PyTorch one model at a time" in second
    s = run_json(capsys, "bench", "--case", "sweep", "--repeats", "1", "--seconds", "0.02")
    (case,) = s["cases"]
    assert case["torch"] > 0
    assert case["torch_one_at_a_time"] > 0
    assert case["one_at_a_time_ratio"] == case["bpdesk"] / case["torch_one_at_a_time"]
    assert case["torch_threads"] == 1


# -- bad input: status 2, one line ------------------------------------------------------------

BAD = [
    ("--seeds 5-1", "argument --seeds: the range '5-1' runs backwards"),
    ("--seeds a", "argument --seeds: expected seeds like 1-100 or 1,5,9; got 'a'"),
    ("--seeds 1,2,1", "argument --seeds: a seed appears twice in '1,2,1'"),
    ("--seeds 1-3,2", "argument --seeds: a seed appears twice"),
    (f"--seeds 0-{MAX_NETWORKS}", f"argument --seeds: at most {MAX_NETWORKS:,} seeds"),
    ("--seeds 0-99999999999999999999", "argument --seeds: seeds go from 0 to 2**63 − 1"),
    ("--lr 0", "argument --lr: must be a positive finite number, got 0 (in '0')"),
    ("--lr 0.1,x", "argument --lr: expected a number, got 'x' (in '0.1,x')"),
    ("--lr 0.1,0.1", "argument --lr: a learning rate appears twice in '0.1,0.1'"),
    ("--lr nan", "argument --lr: must be a positive finite number, got nan"),
    ("--seed 1 --seeds 1-3", "--seed and --seeds cannot be combined"),
    ("--target 0", "argument --target: must be a positive finite number, got 0"),
    ("--target inf", "argument --target: must be a positive finite number"),
    ("--seeds 0-4999 --lr 0.1,0.2,0.3", "5,000 seeds × 3 learning rates make more than 10,000"),
    ("--layers 3,4,1", "the network 3-4-1 does not fit the dataset xor"),
    ("--seeds 0-9999 --layers 2,512,512,1", "10,000 networks like this would need about"),
    ("--bogus", "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize(("options", "message"), BAD, ids=[o for o, _ in BAD])
def test_bad_input_exits_2_with_one_line(capsys, options, message):
    code, out, err = run(capsys, "sweep", *options.split())
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert err.startswith("bpdesk sweep: ")
    assert message in err


def test_no_seed_or_rate_list_is_one_run(capsys):
    s = run_json(capsys, "sweep", "--epochs", "10")
    assert (s["networks"], s["seeds"], s["learning_rates"]) == (1, [0], [0.5])
    assert math.isfinite(s["final_losses"][0])
