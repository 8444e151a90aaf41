"""Files in the window against hostile input and long runs (issue 13, section 1).

Special files and values the window cannot show are refused with one dialog;
autosaves are private and say once when they fail; temporaries a killed save
left behind are cleared; a long run's thinned history opens exactly.
"""

import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
from hostile_files import SPECIAL, SPECIAL_IDS, finishes, posix_only
from PySide6.QtCore import Qt

from bpdesk.core import BpnetDocument, LossHistory, Network, bpnet, safe_files, save_bpnet, xor
from bpdesk.core.history import FIELDS
from bpdesk.ui.commands import SetParameterCommand


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def unsaved_work(window) -> None:
    window.doc.push(SetParameterCommand(window.doc, (0, 0, 0), 0.5))


# -- opening ----------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize(("kind", "message"), SPECIAL, ids=SPECIAL_IDS)
def test_a_special_file_is_refused_with_one_dialog(window, special, kind, message):
    path = special(kind)
    before = window.doc.network.parameters.copy()
    assert finishes(lambda: window.files.open(str(path))) is None
    assert len(window.errors) == 1
    title, text = window.errors[0]
    assert title == "Cannot open the file"
    assert text == f"{path}\n\ncannot read {str(path)!r}: {message}"
    assert np.array_equal(window.doc.network.parameters, before)


@posix_only
@pytest.mark.parametrize(("kind", "message"), SPECIAL, ids=SPECIAL_IDS)
def test_a_special_file_imported_as_data_is_refused_with_one_notice(
    qtbot, window, special, kind, message
):
    path = special(kind, ".csv")
    notices = []
    window.doc.message.connect(notices.append)
    before = window.doc.dataset
    assert finishes(lambda: window.data_panel.import_csv(str(path))) is None
    qtbot.waitUntil(lambda: notices != [])  # told from the thread finishes() ran it in
    qtbot.wait(20)
    assert notices == [f"Cannot use that CSV file: cannot read {str(path)!r}: {message}"]
    assert window.doc.dataset is before


@pytest.mark.parametrize("quoted", [True, False])
def test_a_csv_value_longer_than_the_csv_module_takes_is_one_notice(window, tmp_path, quoted):
    # It raised an uncaught _csv.Error in the CLI, and the Data panel's import said nothing.
    cell = "9" * 140_000
    path = tmp_path / "long.csv"
    path.write_text("x,y,t\n1,2," + (f'"{cell}"' if quoted else cell) + "\n0,1,1\n")
    notices = []
    window.doc.message.connect(notices.append)
    before = window.doc.dataset
    assert not window.data_panel.import_csv(str(path))
    assert len(notices) == 1
    assert notices[0].startswith("Cannot use that CSV file: line 2")
    assert window.doc.dataset is before


def bad_file(tmp_path, field: str, value) -> str:
    data = bpnet.to_json(BpnetDocument(Network.create([2, 2, 1]), xor()))
    *parents, key = field.split(".")
    target = data
    for name in parents:
        target = target[name]
    target[key] = value
    path = tmp_path / "bad.bpnet"
    path.write_text(json.dumps(data))
    return str(path)


def test_a_batch_size_the_spin_box_cannot_hold_is_refused(window, tmp_path):
    # The Data panel's spin box raised OverflowError for 2**31.
    path = bad_file(tmp_path, "training.batch_size", 2**31)
    assert not window.files.open(path)
    ((title, text),) = window.errors
    assert title == "Cannot open the file"
    assert "training.batch_size: must be from 0 to 100000, got 2147483648" in text
    assert window.doc.config.batch_size == 0


def test_a_selected_bias_without_biases_is_refused(window, tmp_path):
    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    data = bpnet.to_json(BpnetDocument(single_weight_network(0.5), single_weight_dataset()))
    data["view"]["selected"] = {"layer": 0, "i": None, "j": 0}
    path = tmp_path / "bias.bpnet"
    path.write_text(json.dumps(data))
    assert not window.files.open(str(path))
    ((title, text),) = window.errors
    assert title == "Cannot open the file"
    assert "view.selected.i: null selects a bias, but this network has none" in text


def test_a_history_longer_than_the_window_holds_is_refused(window, tmp_path, monkeypatch):
    from bpdesk.core import history

    monkeypatch.setattr(history, "MAX_RECORD_EPOCHS", 100)
    path = tmp_path / "long.bpnet"
    long_run = LossHistory([0.5, 0.25, 0.125], every=40, span=101)
    save_bpnet(BpnetDocument(Network.create([2, 2, 1]), xor(), history=long_run), path)
    before = window.doc.epoch
    assert not window.files.open(str(path))
    ((title, text),) = window.errors
    assert title == "Cannot open the file"
    assert "history.epochs: a run of 101 epochs; the window shows at most 100" in text
    assert window.doc.epoch == before


def test_a_thinned_history_opens_with_every_epoch_it_stands_for(window, tmp_path):
    path = tmp_path / "thinned.bpnet"
    run = LossHistory([0.5, 0.25, 0.125], [None, 0.3, 0.2], every=4, span=10)
    save_bpnet(BpnetDocument(Network.create([2, 2, 1]), xor(), history=run), path)
    assert window.files.open(str(path)), window.errors
    assert window.doc.epoch == 10
    record = window.doc.history
    assert record.train_loss.tolist() == [0.5] * 4 + [0.25] * 4 + [0.125] * 2
    assert np.isnan(record.test_loss[:4]).all()
    assert record.test_loss[4:].tolist() == [0.3] * 4 + [0.2] * 2


@posix_only
def test_screenshot_of_a_file_the_window_would_refuse_exits_2(tmp_path):
    path = bad_file(tmp_path, "training.batch_size", 2**31)
    done = subprocess.run(
        [sys.executable, "-m", "bpdesk", "--screenshot", str(tmp_path / "shot.png"), path],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 2
    assert "training.batch_size: must be from 0 to 100000" in done.stderr
    assert not (tmp_path / "shot.png").exists()


# -- saving and autosave ------------------------------------------------------------------


@posix_only
def test_autosaves_are_private_to_the_user(window, tmp_path):
    files = window.files
    files.autosave_path.write_text("an autosave of an older bpdesk")
    files.autosave_path.chmod(0o644)
    window.files.save_to(tmp_path / "mine.bpnet")  # so that the autosave names its origin
    unsaved_work(window)
    assert files.autosave()
    assert mode_of(files.autosave_path) == 0o600
    origin = files.autosave_path.with_suffix(".origin")
    assert origin.read_text() == str((tmp_path / "mine.bpnet").resolve())
    assert mode_of(origin) == 0o600


@posix_only
def test_the_autosave_folder_bpdesk_makes_is_private(qtbot, settings, tmp_path):
    from conftest import quiet_window

    folder = tmp_path / "made" / "by" / "bpdesk"
    win = quiet_window(settings, folder)  # its autosave goes in there
    qtbot.addWidget(win)
    try:
        assert mode_of(folder) == 0o700
        unsaved_work(win)
        assert win.files.autosave()
        assert mode_of(win.files.autosave_path) == 0o600
    finally:
        win.close()


@posix_only
def test_a_saved_file_keeps_its_permissions_and_a_new_one_follows_the_umask(window, tmp_path):
    shared = tmp_path / "shared.bpnet"
    shared.write_text("{}")
    shared.chmod(0o664)
    assert window.files.save_to(shared)
    assert mode_of(shared) == 0o664
    old = os.umask(0o022)
    try:
        assert window.files.save_to(tmp_path / "new.bpnet")
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "new.bpnet") == 0o644


def test_a_failing_autosave_says_so_once(window):
    files = window.files
    doc = window.doc
    doc.push(SetParameterCommand(doc, (1, 1, 0), float("nan")))  # a file refuses it
    assert not files.autosave()
    ((title, text),) = window.errors
    assert title == "Autosave failed"
    assert str(files.autosave_path) in text
    assert "network.weights[1][1][0]: is not a finite number" in text
    assert "save your work (File → Save)" in text
    doc.push(SetParameterCommand(doc, (0, 1, 0), 0.75))
    assert not files.autosave()  # still failing: not said again
    assert len(window.errors) == 1
    doc.undo()
    doc.undo()  # the NaN goes: autosave works again ...
    unsaved_work(window)
    assert files.autosave()
    doc.push(SetParameterCommand(doc, (1, 0, 0), float("nan")))
    assert not files.autosave()  # ... and a new failure is said again
    assert len(window.errors) == 2


@posix_only
def test_start_up_clears_stale_temporaries_in_the_autosave_folder(qtbot, settings, tmp_path):
    from conftest import quiet_window

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone = int(done.stdout)
    host = safe_files._HOST
    stale = tmp_path / f".autosave.bpnet.bpdesk-{host}-{gone}-x1y2z3w4.tmp"
    stale.write_text("half an autosave")
    theirs = tmp_path / ".autosave.bpnet.k3j4h5g6.tmp"  # not named as ours: kept
    theirs.write_text("someone else's")
    win = quiet_window(settings, tmp_path)
    qtbot.addWidget(win)
    try:
        assert not stale.exists()
        assert theirs.exists()
    finally:
        win.close()


def test_saving_a_long_run_from_the_window_writes_a_thinned_history(window, tmp_path, monkeypatch):
    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 10)
    rows = np.full((len(FIELDS), 95), np.nan)
    rows[0] = np.linspace(0.3, 0.1, 95)
    window.doc.append_training(1, rows, ())
    window.doc.set_epoch(95)
    path = tmp_path / "long.bpnet"
    assert window.files.save_to(path)
    stored = json.loads(path.read_text())["history"]
    assert (stored["every"], stored["epochs"], len(stored["train_loss"])) == (10, 95, 10)
    assert stored["train_loss"][-1] == window.doc.history.train_loss[94]


@pytest.mark.parametrize(
    "title", ["<h1>Huge</h1>", "<img src='/etc/hostname'>spirals", "a &amp; b <b>bold</b>"]
)
def test_a_dataset_title_is_shown_as_text_not_rich_text(qtbot, title):
    # Reported: the title (from a file) was Qt rich text in the status bar.
    from dataclasses import replace as replaced

    from bpdesk.core import Network, xor
    from bpdesk.ui.document import Document
    from bpdesk.ui.statusbar import MainStatusBar
    from bpdesk.ui.training import TrainingController

    doc = Document(Network.create([2, 2, 1], seed=0), replaced(xor(), title=title))
    bar = MainStatusBar(doc, TrainingController(doc))
    qtbot.addWidget(bar)
    label = bar.network_label
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text().endswith(title)  # every character as typed, markup included
