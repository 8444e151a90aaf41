"""``bpdesk train saved.bpnet`` continues the saved run exactly, or says why it cannot.

``train … --epochs 100 --save a.bpnet`` then ``train a.bpnet --epochs 100`` is
``train … --epochs 200`` to 1e-9 for every optimiser, full batch and
mini-batch: the file carries the optimiser's memory and the shuffle. A file
without them (an older bpdesk's) still trains, and the summary says the
optimiser and the shuffle started afresh.
"""

import json

import numpy as np
import pytest

from bpdesk import cli
from bpdesk.core import BpnetDocument, load_bpnet, save_bpnet

PROBLEM = (
    "--dataset", "spiral", "--samples", "120", "--layers", "2,8,8,1", "--activation", "tanh",
    "--seed", "3",
)  # fmt: skip


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, ""), err
    return json.loads(out)


def settings(optimizer: str, batch: int) -> tuple[str, ...]:
    lr = "0.01" if optimizer == "adam" else "0.1"
    return ("--optimizer", optimizer, "--lr", lr, "--batch-size", str(batch))


@pytest.mark.parametrize("batch", [0, 10], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_100_plus_100_epochs_from_a_file_are_200_epochs(capsys, tmp_path, optimizer, batch):
    half, continued, whole = (tmp_path / n for n in ("a.bpnet", "b.bpnet", "c.bpnet"))
    options = (*PROBLEM, *settings(optimizer, batch))
    first = run_json(capsys, "train", *options, "--epochs", "100", "--save", str(half))
    assert first["continued"] is None  # nothing to continue: a new network
    assert first["notes"] == []
    s = run_json(capsys, "train", str(half), "--epochs", "100", "--save", str(continued))
    straight = run_json(capsys, "train", *options, "--epochs", "200", "--save", str(whole))
    assert (s["epochs"], s["total_epochs"]) == (100, 200)
    assert s["continued"] is True
    assert s["notes"] == []
    assert s["final_loss"] == pytest.approx(straight["final_loss"], rel=1e-9, abs=0)
    a, b = load_bpnet(continued), load_bpnet(whole)
    np.testing.assert_allclose(a.network.parameters, b.network.parameters, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(a.history.train_loss, b.history.train_loss, rtol=1e-9, atol=0)
    assert a.trainer_state.epoch == b.trainer_state.epoch == 200


def older_file(capsys, tmp_path, optimizer: str = "adam", batch: int = 10):
    """A file trained 40 epochs and saved without a trainer state, as older bpdesk wrote."""
    path = tmp_path / "old.bpnet"
    run_json(capsys, "train", *PROBLEM, *settings(optimizer, batch), "--epochs", "40", "--save", str(path))  # fmt: skip
    doc = load_bpnet(path)
    save_bpnet(BpnetDocument(doc.network, doc.dataset, doc.training, doc.history), path)
    assert load_bpnet(path).trainer_state is None
    return path


def test_a_file_without_a_state_trains_on_and_says_the_optimiser_started_afresh(capsys, tmp_path):
    path = older_file(capsys, tmp_path)
    s = run_json(capsys, "train", str(path), "--epochs", "5")
    assert s["continued"] is False
    (note,) = s["notes"]
    assert "no optimiser or shuffle state" in note
    assert "epoch 40" in note
    code, out, _ = run(capsys, "train", str(path), "--epochs", "5")
    assert code == 0
    assert "  note            the file holds no optimiser or shuffle state" in out


def test_plain_full_batch_descent_has_nothing_to_lose_and_says_nothing(capsys, tmp_path):
    path = older_file(capsys, tmp_path, optimizer="sgd", batch=0)
    s = run_json(capsys, "train", str(path), "--epochs", "5")
    assert (s["continued"], s["notes"]) == (True, [])


def test_another_optimiser_or_seed_on_the_command_line_is_noted(capsys, tmp_path):
    path = tmp_path / "run.bpnet"
    run_json(capsys, "train", *PROBLEM, *settings("momentum", 10), "--epochs", "10", "--save", str(path))  # fmt: skip
    s = run_json(capsys, "train", str(path), "--epochs", "3", "--optimizer", "adam")
    assert s["continued"] is False
    assert any("optimiser is now adam" in note for note in s["notes"])
    s = run_json(capsys, "train", str(path), "--epochs", "3", "--seed", "8")
    assert any("shuffle seed is now 8" in note for note in s["notes"])


def test_a_state_of_another_epoch_than_the_history_is_not_used(capsys, tmp_path):
    path = tmp_path / "run.bpnet"
    run_json(capsys, "train", *PROBLEM, *settings("adam", 10), "--epochs", "10", "--save", str(path))  # fmt: skip
    doc = load_bpnet(path)
    doc.history.train_loss.pop()  # the history now ends at epoch 9
    for name in ("test_loss", "train_accuracy", "test_accuracy"):
        getattr(doc.history, name).pop()
    save_bpnet(doc, path)
    s = run_json(capsys, "train", str(path), "--epochs", "2")
    assert s["continued"] is False
    assert "of epoch 10 but its history ends at epoch 9" in s["notes"][0]


def test_the_window_pace_saved_in_a_file_is_kept(capsys, tmp_path):
    path = tmp_path / "run.bpnet"
    run_json(capsys, "train", "--epochs", "5", "--save", str(path))
    doc = load_bpnet(path)
    doc.speed = 10.0
    save_bpnet(doc, path)
    run_json(capsys, "train", str(path), "--epochs", "5", "--save", str(path))
    assert load_bpnet(path).speed == 10.0
