"""``bpdesk race``: three ways to learn on one budget of forward passes, from the terminal."""

import json

import pytest

from bpdesk import cli

MUST_SHOW = [
    "--dataset",
    "xor",
    "--layers",
    "2,2,1",
    "--activation",
    "sigmoid",
    "--output-activation",
    "sigmoid",
    "--loss",
    "mse",
    "--lr",
    "0.5",
    "--seed",
    "1",
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, ""), err

    def refuse(token):
        raise AssertionError(f"not strict JSON: {token}")

    return json.loads(out, parse_constant=refuse)


@pytest.mark.slow
def test_the_issues_race_counts_exactly_as_defined(capsys):
    s = run_json(capsys, "race", *MUST_SHOW, "--budget", "200000")
    assert s["parameters"] == 9
    assert s["budget"] == 200_000
    methods = s["methods"]
    assert set(methods) == {"random", "nudge", "backprop"}
    random, nudge, backprop = methods["random"], methods["nudge"], methods["backprop"]
    # Random search: 1 pass for the start, 1 per trial.
    assert random["forward_passes"] == 200_000
    assert random["trials"] == 199_999
    assert 0 < random["updates"] <= random["trials"]
    # Nudging: 2 passes per parameter per update; the 2 passes left cannot pay for a 19th.
    assert nudge["passes_per_update"] == 18
    assert nudge["updates"] == 11_111
    assert nudge["forward_passes"] == 199_998
    # Backprop: 1 forward + 1 backward per update.
    assert backprop["passes_per_update"] == 2
    assert backprop["updates"] == 100_000
    assert backprop["forward_passes"] == 200_000
    for m in methods.values():
        assert m["forward_passes"] <= s["budget"]
        curve = m["loss_curve"]
        assert 0 < len(curve) <= 2000
        assert curve[-1] == [m["forward_passes"], m["final_loss"]]
        assert all(isinstance(p, int) and isinstance(v, float) for p, v in curve)
        assert len(m["time_curve"]) == len(curve)
        assert m["seconds"] > 0
    # Backprop in the race is the backprop `bpdesk train` runs, update for update.
    trained = run_json(capsys, "train", *MUST_SHOW, "--epochs", "100000")
    assert backprop["final_loss"] == trained["final_loss"]


def test_backprop_in_the_race_is_the_run_train_makes(capsys):
    common = ["--layers", "2,3,1", "--seed", "4", "--lr", "2"]
    s = run_json(capsys, "race", *common, "--budget", "3001")
    trained = run_json(capsys, "train", *common, "--epochs", "1500")
    backprop = s["methods"]["backprop"]
    assert backprop["updates"] == 1500
    assert backprop["final_loss"] == trained["final_loss"]
    assert s["methods"]["nudge"]["updates"] == 3001 // (2 * 13)
    assert s["methods"]["random"]["forward_passes"] == 3001
    assert s["verdict"]
    assert s["projection"]["per_update"]["nudge"]["forward_passes"] == 20_000
    assert s["projection"]["per_update"]["backprop"]["forward_passes"] == 2


def test_the_table_and_the_verdict_for_people(capsys):
    code, out, err = run(capsys, "race", "--layers", "2,2,1", "--lr", "2", "--budget", "20000")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("race of 2-2-1")
    assert "20,000 forward passes each" in lines[0]
    for label in ("random search", "nudging", "backprop"):
        assert any(line.strip().startswith(label) for line in lines), label
    assert any("reached loss 0.01 after" in line or "Nobody reached" in line for line in lines)
    assert "10,000 knobs" in out


def test_a_loss_that_is_no_number_is_null(capsys):
    s = run_json(
        capsys,
        "race",
        "--layers",
        "2,2,1",
        "--activation",
        "tanh",
        "--output-activation",
        "linear",
        "--lr",
        "1000000",
        "--budget",
        "2000",
    )
    backprop = s["methods"]["backprop"]
    assert backprop["final_loss"] is None
    assert "diverged" in backprop["note"]
    assert backprop["forward_passes"] < 2000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "1"], "from 2"),
        (["--budget", "0"], "from 2"),
        (["--budget", "-5"], "must not be negative"),
        (["--budget", "lots"], "whole number"),
        (["--budget", "100000000000"], "10,000,000,000"),
        (["--scale", "0"], "positive"),
        (["--target", "-1"], "positive"),
        (["--epochs", "10"], "--budget sets the race's length"),
        (["--batch-size", "2"], "whole training set"),
    ],
)
def test_a_race_that_cannot_run_is_refused_in_one_line(capsys, args, message):
    code, out, err = run(capsys, "race", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("bpdesk race: ")
    assert message in err
    assert err.count("\n") == 1
