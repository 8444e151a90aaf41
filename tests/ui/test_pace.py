"""The pace of training (issue 12): watchable by default, full speed one click away, saved
with the document as ``training.speed``."""

import json
import time

import pytest

from bpdesk.core import BpnetDocument, TrainConfig, xor
from bpdesk.core.bpnet import save as save_bpnet
from bpdesk.ui.document import Document, explainer_network
from bpdesk.ui.pace import DEFAULT_SPEED, SPEEDS, offered_speed


def saved_speed(path) -> object:
    training = json.loads(path.read_text(encoding="utf-8"))["training"]
    return training.get("speed", "absent")


def test_a_new_document_trains_at_the_watchable_default():
    assert DEFAULT_SPEED in SPEEDS
    assert None in SPEEDS  # as fast as possible
    assert Document().pace.speed == DEFAULT_SPEED


def test_a_file_asking_for_any_pace_runs_at_the_nearest_the_window_offers():
    assert offered_speed(None) is None
    assert offered_speed(1000) == 1000
    assert offered_speed(250) == 100  # nearer 100 than 1,000 in ratio
    assert offered_speed(400) == 1000
    assert offered_speed(0.01) == 1
    assert offered_speed(1e6) == 1000


def test_the_speed_is_saved_and_a_file_that_says_null_opens_at_full_speed(window, tmp_path):
    trainer = window.trainer
    path = tmp_path / "fast.bpnet"
    trainer.set_speed(None)
    assert window.files.save_to(path)
    assert saved_speed(path) is None
    assert window.files.new()
    assert trainer.speed == DEFAULT_SPEED  # a new document starts at the default
    assert window.speed_box.currentText() == "1,000/s"
    assert window.files.open(str(path))
    assert trainer.speed is None
    assert window.speed_box.currentText() == "max"
    assert window.speed_actions[None].isChecked()
    trainer.set_speed(10)
    assert window.files.save_to(path)
    assert saved_speed(path) == 10


@pytest.mark.parametrize(("speed", "opens_at"), [("absent", DEFAULT_SPEED), (250, 100)])
def test_a_file_that_does_not_say_opens_at_the_default(window, tmp_path, speed, opens_at):
    path = tmp_path / "old.bpnet"
    content = BpnetDocument(explainer_network(), xor(), TrainConfig(learning_rate=0.5))
    if speed != "absent":
        content.speed = speed
    save_bpnet(content, path)
    assert saved_speed(path) == speed
    window.trainer.set_speed(None)
    assert window.files.open(str(path))
    assert window.trainer.speed == opens_at


def test_at_the_default_pace_xor_takes_seconds_to_learn(qtbot, window):
    # The explainer's XOR network needs ~5,000 epochs (its loss plateaus for about
    # 1,000, then falls): at the default pace a learner watches that for several
    # seconds. Load only slows training down, so the bound cannot fail for it.
    doc, trainer = window.doc, window.trainer
    assert trainer.speed == DEFAULT_SPEED
    started = time.perf_counter()
    trainer.start()
    qtbot.wait(500)
    trainer.pause()
    elapsed = time.perf_counter() - started
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)
    assert 0 < doc.epoch <= DEFAULT_SPEED * elapsed + 10  # never ahead of its pace
    assert doc.history.train_loss[-1] > 0.1  # still on its plateau: the lesson is ahead
