"""Files (save, open, recent, autosave, bad files), exports and preferences."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage, QPainter

from bpdesk.core import bpnet, load_csv, make_dataset
from bpdesk.core.history import FIELDS
from bpdesk.ui import editing, exporting, theme
from bpdesk.ui.commands import SetParameterCommand


def trained_state(window, test: bool = False):
    """Some history, a selection, a sample, the backward view: a rich document.

    ``test``: the history has test loss and accuracy too (some epochs without).
    """
    doc = window.doc
    rows = np.full((len(FIELDS), 30), np.nan)
    rows[0] = np.linspace(0.2, 0.1, 30)
    rows[2] = 0.75
    if test:
        rows[1] = np.linspace(0.3, 0.15, 30)
        rows[2] = np.linspace(0.5, 0.9, 30)
        rows[3, 5:] = np.linspace(0.4, 0.8, 25)
    doc.append_training(1, rows, ())
    doc.set_epoch(30)
    doc.push(SetParameterCommand(doc, (1, 0, 0), 0.625))
    doc.select((0, 1, 0))
    doc.set_sample(3)
    doc.set_mode("backward")


def test_save_then_open_restores_everything(window, tmp_path):
    doc = window.doc
    editing.change_dataset(doc, make_dataset("moons", n_samples=40, seed=2))
    window.lr_box.setValue(0.75)
    window.lr_box.editingFinished.emit()
    trained_state(window, test=True)
    path = tmp_path / "work.bpnet"
    assert window.files.save_to(path)
    assert not window.isWindowModified()
    assert "work.bpnet" in window.windowTitle()
    saved = doc.network.copy(), doc.dataset, doc.config, doc.history.copy(), doc.epoch
    assert window.files.new()
    assert doc.dataset.name == "xor"
    assert window.files.open(str(path))
    net, data, _config, record, epoch = saved
    assert np.array_equal(doc.network.parameters, net.parameters)
    assert doc.dataset.same_data(data)
    assert doc.config.learning_rate == 0.75
    assert np.array_equal(doc.history.train_loss, record.train_loss)
    # Accuracy too: the status bar, the loss plot's hover and the history CSV read it.
    for name in ("test_loss", "train_accuracy", "test_accuracy"):
        assert np.array_equal(getattr(doc.history, name), getattr(record, name), equal_nan=True)
    assert doc.history.test_accuracy[-1] == 0.8
    assert np.isnan(doc.history.test_accuracy[4])
    assert doc.epoch == epoch
    assert doc.selected == (0, 1, 0)
    assert doc.sample == 3
    assert doc.mode == "backward"
    assert window.act_backward_view.isChecked()
    assert str(path.resolve()) in window.files.recent_files()[0]


def test_the_title_marks_unsaved_changes(window, tmp_path):
    assert window.windowTitle().startswith("bpdesk — Untitled")
    window.files.save_to(tmp_path / "a.bpnet")
    assert not window.isWindowModified()
    window.doc.push(SetParameterCommand(window.doc, (1, 0, 0), 1.5))
    assert window.isWindowModified()
    window.doc.undo()
    assert not window.isWindowModified()


def _rows(path):
    """The rows of a CSV file."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _stored_weight(path, parameter):
    """A weight as written in a .bpnet file."""
    network = bpnet.load(path).network
    return float(network.parameters[network.weight_index(*parameter)])


def _stored(path):
    """Weight (1, 0, 0) as written in a .bpnet file."""
    network = bpnet.load(path).network
    return float(network.parameters[network.weight_index(1, 0, 0)])


@pytest.mark.parametrize("path_kind", ["new", "open", "example", "close"])
def test_unsaved_changes_are_asked_about_in_every_path(qtbot, window, tmp_path, path_kind):
    doc = window.doc
    other = tmp_path / "other.bpnet"
    window.files.save_to(other)
    doc.push(SetParameterCommand(doc, (1, 0, 0), 2.5))
    asked = []

    def ask(answer):
        def f():
            asked.append(answer)
            return answer

        return f

    def attempt():
        if path_kind == "new":
            return window.files.new()
        if path_kind == "open":
            return window.files.open(str(other))
        if path_kind == "example":
            return window.confirm_replace() and window.open_example("circle")
        return window.close()

    window.files.ask_save = ask("cancel")
    assert not attempt()
    assert doc.parameter_value((1, 0, 0)) == 2.5  # nothing happened
    assert window.isVisible() or path_kind != "close"
    window.files.ask_save = ask("save")
    assert attempt()
    # The document had a file, so "save" wrote the edit back into it.
    assert _stored(other) == 2.5
    assert asked == ["cancel", "save"]


def test_saving_an_untitled_document_asks_for_a_name(qtbot, window, tmp_path):
    window.doc.push(SetParameterCommand(window.doc, (1, 0, 0), 1.75))
    saved_as = tmp_path / "saved.bpnet"
    window.files.ask_save_path = lambda: str(saved_as)
    window.files.ask_save = lambda: "save"
    assert window.files.new()
    assert _stored(saved_as) == 1.75
    window.files.ask_save_path = lambda: None  # the user cancels the file dialog
    window.doc.push(SetParameterCommand(window.doc, (1, 0, 0), 0.5))
    assert not window.files.new()
    assert window.doc.parameter_value((1, 0, 0)) == 0.5


def test_autosave_is_offered_back_after_a_crash(qtbot, settings, tmp_path):
    from conftest import quiet_window

    first = quiet_window(settings, tmp_path)
    qtbot.addWidget(first)
    first.doc.push(SetParameterCommand(first.doc, (0, 0, 0), -3.25))
    assert first.files.autosave()
    assert not first.files.autosave()  # nothing new since
    autosave = first.files.autosave_path
    assert autosave.is_file()
    # A crash: the window is never closed and its process dies, leaving the lock
    # stale (released here, as the process cannot die in a test); a new one starts.
    first.files.release()
    second = quiet_window(settings, tmp_path)
    qtbot.addWidget(second)
    second.files.ask_recover = lambda when: True
    assert second.files.offer_recovery()
    assert second.doc.parameter_value((0, 0, 0)) == -3.25
    assert second.isWindowModified()
    second.files.ask_save = lambda: "discard"
    second.close()
    assert not autosave.exists()  # closed on purpose: the autosave goes
    first.files.ask_save = lambda: "discard"
    first.close()


def test_a_second_running_bpdesk_keeps_its_own_autosave(qtbot, settings, tmp_path):
    from conftest import quiet_window

    first = quiet_window(settings, tmp_path)
    qtbot.addWidget(first)
    first.doc.push(SetParameterCommand(first.doc, (0, 0, 0), 1.25))
    assert first.files.autosave()
    second = quiet_window(settings, tmp_path)
    qtbot.addWidget(second)
    asked = []
    second.files.ask_recover = lambda when: asked.append(when) or True
    # The first one's live work is not a crash to recover from.
    assert not second.files.offer_recovery()
    assert asked == []
    assert second.files.autosave_path != first.files.autosave_path
    second.doc.push(SetParameterCommand(second.doc, (0, 0, 0), -1.0))
    assert second.files.autosave()
    second.close()
    assert first.files.autosave_path.is_file()  # closing the second kept the first's
    first.close()
    assert not first.files.autosave_path.exists()


def test_every_crashed_window_is_offered_back_with_its_own_file(qtbot, settings, tmp_path):
    from conftest import quiet_window

    first, second = quiet_window(settings, tmp_path), quiet_window(settings, tmp_path)
    for win, name, value in ((first, "a", 1.5), (second, "b", -2.5)):
        qtbot.addWidget(win)
        win.files.save_to(tmp_path / f"{name}.bpnet")
        win.doc.push(SetParameterCommand(win.doc, (0, 0, 0), value))
        assert win.files.autosave()
    # Both die (their locks go stale); two new windows start, one after the other.
    first.files.release()
    second.files.release()
    recovered = {}
    for _ in range(2):
        win = quiet_window(settings, tmp_path)
        qtbot.addWidget(win)
        win.files.ask_recover = lambda when: True
        assert win.files.offer_recovery()
        recovered[win.files.path.name] = win.doc.parameter_value((0, 0, 0))
        assert win.isWindowModified()
    # Each piece of work comes back with the file it belongs to, not the other's.
    assert recovered == {"a.bpnet": 1.5, "b.bpnet": -2.5}
    third = quiet_window(settings, tmp_path)
    qtbot.addWidget(third)
    third.files.ask_recover = lambda when: pytest.fail("nothing is left to recover")
    assert not third.files.offer_recovery()


def test_autosave_notices_every_change_and_forgets_a_replaced_document(window):
    files, doc = window.files, window.doc
    doc.push(SetParameterCommand(doc, (0, 0, 0), 2.0))
    assert files.autosave()
    doc.undo()
    doc.push(SetParameterCommand(doc, (0, 0, 0), 7.0))  # the same stack index as before
    assert files.autosave()
    assert _stored_weight(files.autosave_path, (0, 0, 0)) == 7.0
    # Opening something else lets the old work go: its autosave must not come back.
    assert window.open_example("circle")
    assert not files.autosave_path.exists()
    doc.push(SetParameterCommand(doc, (0, 0, 0), -5.0))
    assert files.autosave()
    assert _stored_weight(files.autosave_path, (0, 0, 0)) == -5.0


def test_a_training_run_is_unsaved_work(qtbot, window):
    doc = window.doc
    asked = []
    window.files.ask_save = lambda: asked.append(doc.epoch) or "cancel"
    window.trainer.start()
    qtbot.waitUntil(lambda: doc.epoch > 50)
    assert window.isWindowModified()
    assert window.files.autosave()  # the run so far is kept safe too
    assert not window.files.new()  # asked, and cancelled
    assert asked
    assert asked[0] > 50
    assert doc.epoch >= asked[0]  # the trained network is still there


def test_the_title_follows_the_document(window, tmp_path):
    assert window.windowTitle() == "bpdesk — Untitled[*]"
    window.open_example("circle")
    assert window.windowTitle() == "bpdesk — example: circle[*]"
    window.files.new()
    assert window.windowTitle() == "bpdesk — Untitled[*]"
    window.files.save_to(tmp_path / "mine.bpnet")
    assert window.windowTitle() == "bpdesk — mine.bpnet[*]"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("malformed.bpnet", "{not json", "not valid JSON"),
        ("truncated.bpnet", None, "truncated"),
        (
            "hostile.bpnet",
            json.dumps({"format": "bpnet", "version": 1, "network": {"__class__": "os.system"}}),
            "network.layer_sizes: missing",
        ),
        ("newer.bpnet", json.dumps({"format": "bpnet", "version": 99}), "newer bpdesk"),
        ("picture.bpnet", "\x89PNG\r\n\x1a\n", "not"),
    ],
)
def test_bad_files_are_refused_and_the_document_is_untouched(
    window, tmp_path, name, content, expected
):
    doc = window.doc
    good = tmp_path / "good.bpnet"
    window.files.save_to(good)
    before = doc.network.parameters.copy()
    path = tmp_path / name
    if content is None:
        content = good.read_text()[: len(good.read_text()) // 2]
    path.write_text(content, encoding="latin-1")
    assert not window.files.open(str(path))
    title, text = window.errors[-1]
    assert title == "Cannot open the file"
    assert expected in text
    assert np.array_equal(doc.network.parameters, before)


def test_extreme_but_valid_numbers_open_without_errors(qtbot, window, tmp_path):
    """Sizes and losses near the float limit once overflowed spin boxes and plot ranges."""
    path = tmp_path / "extreme.bpnet"
    trained_state(window)
    window.files.save_to(path)
    content = json.loads(path.read_text())
    content["dataset"]["spec"].update(n_samples=1e308, n_classes=1e308, seed=10**30)
    content["history"]["train_loss"] = [1e308] * len(content["history"]["train_loss"])
    path.write_text(json.dumps(content))
    assert window.files.open(str(path)), window.errors
    window.loss_panel.log_box.setChecked(True)
    window.loss_panel.log_box.setChecked(False)
    assert window.doc.dataset.spec.n_samples == 4  # the XOR's own, not the file's
    y_range = window.loss_panel.plot.getPlotItem().vb.viewRange()[1]
    assert np.all(np.isfinite(y_range))


def test_a_too_large_file_is_refused(window, tmp_path, monkeypatch):
    from bpdesk.core import bpnet

    path = tmp_path / "big.bpnet"
    window.files.save_to(path)
    monkeypatch.setattr(bpnet, "MAX_FILE_BYTES", 100)
    assert not window.files.open(str(path))
    assert "limit" in window.errors[-1][1]


def test_dropping_a_file_opens_it(qtbot, window, tmp_path):
    path = tmp_path / "dropped.bpnet"
    window.doc.push(SetParameterCommand(window.doc, (1, 1, 0), 0.5))
    window.files.save_to(path)
    window.files.new()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    # Opened once the drop is over (its question must not block the drag's source).
    assert window.doc.parameter_value((1, 1, 0)) != 0.5
    qtbot.waitUntil(lambda: window.doc.parameter_value((1, 1, 0)) == 0.5)
    assert "dropped.bpnet" in window.windowTitle()


def test_exports_write_valid_files(qtbot, window, tmp_path):
    doc = window.doc
    trained_state(window)
    png, svg = tmp_path / "net.png", tmp_path / "net.svg"
    exporting.render_scene(window.scene, png)
    exporting.render_scene(window.scene, svg)
    image = QImage(str(png))
    assert image.width() > 200
    assert image.height() > 100
    assert svg.read_text().lstrip().startswith("<?xml")
    assert "<svg" in svg.read_text()
    for plot in (window.loss_panel.plot, window.boundary_panel.plot):
        exporting.export_plot(plot, tmp_path / "plot.png")
        assert QImage(str(tmp_path / "plot.png")).width() >= 1200
        exporting.export_plot(plot, tmp_path / "plot.svg")
        assert "<svg" in (tmp_path / "plot.svg").read_text()
    exporting.export_history_csv(doc, tmp_path / "history.csv")
    rows = _rows(tmp_path / "history.csv")
    assert rows[0] == ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]
    assert len(rows) == 31
    assert float(rows[1][1]) == doc.history.train_loss[0]
    exporting.export_predictions_csv(doc, tmp_path / "pred.csv")
    rows = _rows(tmp_path / "pred.csv")
    assert len(rows) == 5
    y = doc.network.predict(doc.dataset.X_train)
    assert float(rows[1][rows[0].index("output")]) == y[0, 0]
    exporting.export_dataset_csv(doc, tmp_path / "data.csv")
    back = load_csv(tmp_path / "data.csv")
    assert np.array_equal(back.X_train, doc.dataset.X_train)
    assert np.array_equal(back.T_train, doc.dataset.T_train)
    doc.set_epoch(20)  # rewound: the CSV, like Save, ends where the network is
    exporting.export_history_csv(doc, tmp_path / "rewound.csv")
    assert len(_rows(tmp_path / "rewound.csv")) == 21
    window.gradcheck_panel.run_check()
    exporting.export_gradcheck_csv(window.gradcheck_panel.result, tmp_path / "gc.csv")
    rows = _rows(tmp_path / "gc.csv")
    assert len(rows) == doc.network.n_parameters + 1
    exporting.export_torch_script(doc, tmp_path / "net.py", epochs=5)
    compile((tmp_path / "net.py").read_text(), "net.py", "exec")


def test_dataset_csv_keeps_the_train_test_split(window, tmp_path):
    from bpdesk.core.datasets import make_dataset
    from bpdesk.ui.commands import ReplaceDatasetCommand

    doc = window.doc
    data = make_dataset("circle", n_samples=40, test_ratio=0.25, seed=3)
    doc.push(ReplaceDatasetCommand(doc, data, None, "Use circle"))
    exporting.export_dataset_csv(doc, tmp_path / "circle.csv")
    assert _rows(tmp_path / "circle.csv")[0][-1] == "set"
    back = load_csv(tmp_path / "circle.csv", test_ratio=0.5)  # the file's split wins
    assert np.array_equal(back.X_train, data.X_train)
    assert np.array_equal(back.X_test, data.X_test)
    assert np.array_equal(back.T_test, data.T_test)


def _light_share(scene) -> float:
    """The share of near-white pixels in the diagram rendered at its own size."""
    source = scene.itemsBoundingRect()
    w, h = int(source.width()), int(source.height())
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    scene.render(painter, QRectF(0, 0, w, h), source)
    painter.end()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine() // 4, 4)
    return float((pixels[:, :w, :3].min(axis=2) > 240).mean())


@pytest.fixture
def restore_theme(window):
    yield
    from bpdesk.ui import preferences

    # The application's style and palette are shared by every window: back to light.
    window.preferences.choose(preferences.Preferences())
    assert window.preferences.palette is theme.STANDARD
    assert window.preferences.decimals == 3


def test_preferences_apply_everywhere_and_persist(window, restore_theme):
    import pyqtgraph as pg

    from bpdesk.ui import preferences

    prefs = preferences.Preferences(theme="dark", color_blind=True, decimals=5, animation_ms=0)
    prefs.save(window.settings)
    window.preferences.choose(prefs)
    assert window.preferences.palette is theme.DARK_COLOR_BLIND
    assert window.scene.backgroundBrush().color().name() == theme.DARK.background
    assert window.loss_panel.plot.backgroundBrush().color().name() == theme.DARK.background
    assert window.scene.reveal_ms == 0
    label = window.scene.labels[0]
    assert len(label.text.split(".")[-1]) == 5  # five decimals
    assert isinstance(window.loss_panel.plot, pg.PlotWidget)
    assert "#e6e6e6" in window.loss_panel.legend.items[0][1].item.toHtml()
    # Nothing in the dark diagram stays light: no white label plates, buttons or maps.
    assert _light_share(window.scene) < 0.0003  # white plates alone made 0.0015
    assert preferences.Preferences.load(window.settings) == prefs
    window.preferences.choose(preferences.Preferences(theme="light"))
    assert window.preferences.palette is theme.STANDARD


def _ink(widget) -> float:
    """Mean lightness of the darkest tenth of a widget's pixels (its text)."""
    import numpy as np

    image = widget.grab().toImage()
    values = sorted(
        image.pixelColor(x, y).lightness()
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )
    darkest = values[: max(1, len(values) // 10)]
    return float(np.mean(darkest))


def test_a_live_theme_switch_reaches_styled_labels_and_plot_pens(window, restore_theme):
    """Headings with a style sheet and pens set once used to keep the light theme."""
    import pyqtgraph as pg

    from bpdesk.ui import preferences

    title = window.tour.title
    title.setText("A heading")
    title.resize(title.sizeHint())
    light_ink = _ink(title)
    curve_pen = window.landscape_panel.curve.opts["pen"]
    assert pg.mkColor(curve_pen.color()).name() == theme.STANDARD.text

    window.preferences.choose(preferences.Preferences(theme="dark"))

    # Dark theme: the darkest pixels of the heading are the background, not black text.
    assert _ink(title) > light_ink + 20
    faint = window.predictions_panel.hint_label.styleSheet()
    assert theme.DARK.faint_text in faint
    assert window.landscape_panel.curve.opts["pen"].color().name() == theme.DARK.text
    assert window.loss_panel.train_curve.opts["pen"].color().name() == theme.DARK.text
    assert window.boundary_panel.plot.backgroundBrush().color().name() == theme.DARK.background


def test_help_lists_shortcuts_and_licences(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))
    window.show_about()
    window.show_shortcuts()
    assert "LGPL" in shown[0]
    assert "pyqtgraph" in shown[0]
    assert "NumPy" in shown[0]
    assert "Space" in shown[1]
    assert "Ctrl+S" in shown[1]
    assert "Double-click a line" in shown[1]  # what the mouse does is listed too
    # Every menu action with a shortcut is listed (the table is made from the actions).
    listed = dict((text, keys) for keys, text in window.shortcut_rows())
    assert listed["Quit"] == "Ctrl+Q"
    assert listed["Open…"] == "Ctrl+O"
    assert listed["Preferences…"] == "Ctrl+,"


@pytest.mark.parametrize("recover", [True, False])
def test_start_up_offers_a_crash_autosave_before_the_file_asked_for(
    qtbot, settings, tmp_path, recover
):
    from conftest import quiet_window

    from bpdesk.ui.app import _first_document

    crashed = quiet_window(settings, tmp_path)
    qtbot.addWidget(crashed)
    crashed.doc.push(SetParameterCommand(crashed.doc, (0, 0, 0), -2.5))
    crashed.files.save_to(tmp_path / "asked.bpnet")
    crashed.doc.push(SetParameterCommand(crashed.doc, (0, 0, 0), 3.5))
    assert crashed.files.autosave()
    crashed.files.release()  # the process died
    window = quiet_window(settings, tmp_path)
    qtbot.addWidget(window)
    window.files.ask_recover = lambda when: recover
    _first_document(window, str(tmp_path / "asked.bpnet"))
    assert window.doc.parameter_value((0, 0, 0)) == (3.5 if recover else -2.5)
    assert window.isWindowModified() == recover
    if recover:
        assert "not opened" in window.statusBar().currentMessage()
    for w in (window, crashed):
        w.files.ask_save = lambda: "discard"
        w.close()


def test_every_export_in_the_menu_writes_its_file(window, tmp_path):
    trained_state(window)
    window.gradcheck_panel.run_check()
    asked = []

    def choose(title, suggested, filters):
        path = tmp_path / Path(suggested).name
        asked.append(path)
        return str(path)

    window.files.ask_save_file = choose
    actions = [a for a in window.export_menu.actions() if a.text()]
    assert len(actions) == 12
    for action in actions:
        action.trigger()
        written = asked[-1]
        assert written.is_file(), action.text()
        assert written.stat().st_size > 50, action.text()  # XOR's four rows are the smallest
    assert window.errors == []
    assert {p.suffix for p in asked} == {".png", ".csv", ".py"}


def test_an_export_that_cannot_be_written_says_why(window, tmp_path):
    target = tmp_path / "missing-folder" / "history.csv"
    window.files.ask_save_file = lambda *a: str(target)
    history = next(a for a in window.export_menu.actions() if a.text().startswith("Loss history"))
    history.trigger()
    assert window.errors
    assert window.errors[0][0] == "Cannot export"
    assert "history.csv" in window.errors[0][1]
    # A check that was never run cannot be exported: the item is off, and says why.
    window.errors.clear()
    check = next(a for a in window.export_menu.actions() if a.text().startswith("Gradient check"))
    window.export_menu.aboutToShow.emit()
    assert not check.isEnabled()
    assert "Run the gradient check first" in check.toolTip()
    check.trigger()  # disabled: nothing happens
    assert window.errors == []
    window.gradcheck_panel.run_check()
    window.export_menu.aboutToShow.emit()
    assert check.isEnabled()


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        (
            [1025, 128, 64, 10],
            "1025-128-64-10 has a layer of 1025 neurons; the editor shows at most 1024",
        ),
        ([2, 1025, 1], "2-1025-1 has a layer of 1025 neurons; the editor shows at most 1024"),
        (
            [2] * 18 + [1],
            "2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-2-1 has 17 hidden layers; the editor shows at most 16",
        ),
    ],
)
def test_a_network_too_big_for_the_editor_is_refused(window, tmp_path, sizes, message):
    from bpdesk.core import BpnetDocument, Network, save_bpnet

    doc = window.doc
    before = doc.network.parameters.copy(), doc.network.layer_sizes
    path = tmp_path / "big.bpnet"
    save_bpnet(BpnetDocument(Network.create(sizes, output_activation="sigmoid")), path)
    assert not window.files.open(str(path))
    title, text = window.errors[-1]
    assert title == "Cannot open the file"
    assert f"network.layer_sizes: {message}" in text
    assert np.array_equal(doc.network.parameters, before[0])
    assert doc.network.layer_sizes == before[1]
    assert window.files.path is None


def test_the_largest_network_the_editor_makes_opens(window, tmp_path):
    from bpdesk.core import BpnetDocument, Network, save_bpnet

    path = tmp_path / "wide.bpnet"
    save_bpnet(BpnetDocument(Network.create([2, 1024, 1])), path)
    assert window.files.open(str(path)), window.errors
    assert window.doc.network.layer_sizes == (2, 1024, 1)


def test_a_document_that_cannot_be_written_says_why_and_writes_nothing(window, tmp_path):
    doc = window.doc
    doc.push(SetParameterCommand(doc, (1, 1, 0), float("nan")))  # as a wild run could leave
    path = tmp_path / "nan.bpnet"
    assert not window.files.save_to(path)
    title, text = window.errors[-1]
    assert title == "Cannot save the file"
    assert "network.weights[1][1][0]: is not a finite number" in text
    assert not path.exists()
    assert window.isWindowModified()
    assert not window.files.autosave()  # best effort, and silent
    assert not window.files.autosave_path.exists()


def test_any_value_error_while_saving_is_a_message_not_a_traceback(window, tmp_path, monkeypatch):
    def refuse(doc, path, *_):
        raise ValueError("Out of range float values are not JSON compliant")

    monkeypatch.setattr("bpdesk.ui.files.save_bpnet", refuse)
    window.doc.push(SetParameterCommand(window.doc, (0, 0, 0), 0.5))
    assert not window.files.save_to(tmp_path / "x.bpnet")
    assert window.errors[-1] == (
        "Cannot save the file",
        f"{tmp_path / 'x.bpnet'}\n\nOut of range float values are not JSON compliant",
    )
    assert not window.files.autosave()


def test_autosave_keeps_a_long_history_at_plot_resolution(window, monkeypatch):
    from bpdesk.ui import files as files_module

    monkeypatch.setattr(files_module, "AUTOSAVE_HISTORY_POINTS", 10)
    doc = window.doc
    rows = np.full((len(FIELDS), 95), np.nan)
    rows[0] = np.linspace(0.3, 0.1, 95)
    doc.append_training(1, rows, ())
    doc.set_epoch(95)
    doc.push(SetParameterCommand(doc, (0, 0, 0), 0.5))  # unsaved work to keep
    assert window.files.autosave()
    stored = json.loads(Path(window.files.autosave_path).read_text())["history"]
    assert stored["every"] == 10
    assert stored["epochs"] == 95
    assert len(stored["train_loss"]) == 10
    assert stored["train_loss"][-1] == doc.history.train_loss[94]  # the last epoch exact
    back = bpnet.load(window.files.autosave_path)
    assert back.history.epochs == 95


def _dataset_with_names(window, names):
    from dataclasses import replace as replaced

    doc = window.doc
    editing.change_dataset(doc, replaced(doc.dataset, feature_names=tuple(names)))


def test_exported_csvs_neutralise_formulas_in_names(window, tmp_path):
    # OWASP's advice for CSV injection: a quote before a text cell that starts a formula.
    _dataset_with_names(window, ['=HYPERLINK("http://x")', "@SUM(A1)"])
    for export in (exporting.export_dataset_csv, exporting.export_predictions_csv):
        path = tmp_path / f"{export.__name__}.csv"
        export(window.doc, path)
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith('"\'=HYPERLINK(""http://x"")",\'@SUM(A1)'), header
        second = path.read_text(encoding="utf-8").splitlines()[1]
        assert "'" not in second  # numbers (negative ones too) are written as they are


@pytest.mark.parametrize("item", ["Dataset", "Predictions"])
def test_an_export_that_cannot_encode_a_name_says_so_and_keeps_the_old_file(window, tmp_path, item):
    # Reported: a lone surrogate in a name left the chosen file at 0 bytes, no dialog.
    _dataset_with_names(window, ["x\udcff", "y"])
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "existing.out"
    target.write_text("what was there", encoding="utf-8")
    window.files.ask_save_file = lambda *a: str(target)
    action = next(a for a in window.export_menu.actions() if a.text().startswith(item))
    window.export_menu.aboutToShow.emit()
    action.trigger()
    assert window.errors
    assert window.errors[0][0] == "Cannot export"
    assert "cannot be written" in window.errors[0][1]
    assert target.read_text(encoding="utf-8") == "what was there"
    assert [p.name for p in target.parent.iterdir()] == ["existing.out"]  # no temporary left


@pytest.mark.parametrize("name", ["x\udcff", "nul\x00", "line\u2028break", 'q"""\\'])
def test_the_pytorch_script_is_written_whatever_the_names_hold(window, tmp_path, name):
    # A name only shows in the script's comments, where it is made printable: a lone
    # surrogate (which once failed the export) or a NUL still gives a script that compiles.
    _dataset_with_names(window, [name, "y"])
    target = tmp_path / "network.py"
    target.write_text("what was there", encoding="utf-8")
    window.files.ask_save_file = lambda *a: str(target)
    action = next(a for a in window.export_menu.actions() if a.text().startswith("PyTorch"))
    action.trigger()
    assert window.errors == []
    compile(target.read_bytes(), str(target), "exec")
