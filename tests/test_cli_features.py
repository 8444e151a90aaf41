"""``bpdesk train --features``: the network's inputs computed from a 2-D dataset's points."""

import json

import pytest

from bpdesk import cli
from bpdesk.core import load_bpnet

LESSON = [
    "train",
    "--dataset",
    "circle",
    "--samples",
    "400",
    "--layers",
    "2,1",
    "--activation",
    "tanh",
    "--output-activation",
    "sigmoid",
    "--loss",
    "bce",
    "--optimizer",
    "adam",
    "--lr",
    "0.03",
    "--epochs",
    "500",
    "--json",
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_squares_separate_the_circle_without_a_hidden_layer_and_the_plain_inputs_cannot(capsys):
    code, out, _ = run(capsys, *LESSON, "--features", "x1sq,x2sq")
    assert code == 0
    assert json.loads(out)["test_accuracy"] >= 0.95
    code, out, _ = run(capsys, *LESSON, "--features", "x1,x2")
    assert code == 0
    assert json.loads(out)["test_accuracy"] < 0.8


def test_the_first_layer_must_match_the_features(capsys):
    code, _, err = run(
        capsys, "train", "--dataset", "circle", "--features", "x1sq,x2sq,x1x2", "--layers", "2,1"
    )
    assert code != 0
    assert "--features x1sq,x2sq,x1x2 makes 3 inputs" in err
    assert "first layer size must match" in err


def test_default_layers_follow_the_features(capsys, tmp_path):
    out_path = tmp_path / "f.bpnet"
    code, _, _ = run(
        capsys,
        "train",
        "--dataset",
        "xor",
        "--features",
        "x1,x2,x1x2",
        "--epochs",
        "3",
        "--save",
        str(out_path),
    )
    assert code == 0
    doc = load_bpnet(out_path)
    assert doc.network.layer_sizes[0] == 3
    assert doc.dataset.features == ("x1", "x2", "x1x2")
    # Going on from the file keeps its features.
    code, out, _ = run(capsys, "train", str(out_path), "--epochs", "2", "--json")
    assert code == 0
    assert json.loads(out)["total_epochs"] == 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "digits", "--features", "x1sq"], "this dataset has 64"),
        (["--dataset", "circle", "--features", "x1,cosx1"], "unknown input feature 'cosx1'"),
    ],
)
def test_features_are_refused_with_a_clear_message(capsys, argv, message):
    try:
        code = cli.main(["train", *argv])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    assert code != 0
    assert message in capsys.readouterr().err
