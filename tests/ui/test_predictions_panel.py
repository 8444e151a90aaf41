"""The predictions panel: every example's target, the network's answer, ✓/✗ and accuracy."""

import gc
import weakref

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bpdesk.core import Network, make_dataset
from bpdesk.core.metrics import accuracy
from bpdesk.ui.document import Document
from bpdesk.ui.panels.predictions import (
    CHECK,
    ERROR,
    OUTPUT,
    ROUNDED,
    SET,
    TARGET,
    VALUE_ROLE,
    PredictionsPanel,
)
from bpdesk.ui.theme import verdict_colors

XOR_ROWS = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]


@pytest.fixture
def make_panel(qtbot):
    """Build a shown panel for a document; the list keeps strong references until teardown."""
    kept = []

    def make(doc: Document) -> PredictionsPanel:
        panel = PredictionsPanel(doc)
        qtbot.addWidget(panel)
        panel.resize(600, 500)
        panel.show()
        qtbot.waitExposed(panel)
        kept.append((doc, panel))
        return panel

    return make


def cell(panel, row, key, role=Qt.ItemDataRole.DisplayRole):
    model = panel.model
    column = model.column(key)
    assert column >= 0, f"no {key} column"
    return model.data(model.index(row, column), role)


def column_values(panel, key, role=VALUE_ROLE):
    return [cell(panel, row, key, role) for row in range(panel.model.rowCount())]


def network_with(layer_sizes, weights, biases, **kwargs) -> Network:
    net = Network.create(layer_sizes, **kwargs)
    for layer, (w, b) in enumerate(zip(weights, biases)):
        net.weights[layer][:] = w
        net.biases[layer][:] = b
    return net


def solved_xor() -> Network:
    # h1 = OR, h2 = NAND, y = AND(h1, h2): XOR, with outputs within 1e-4 of 0 and 1.
    return network_with([2, 2, 1], [[[20, -20], [20, -20]], [[20], [20]]], [[-10, 30], [-30]])


def or_network() -> Network:
    # y ≈ OR(x1, x2): right on (0,0), (0,1), (1,0), wrong on (1,1).
    return network_with([2, 2, 1], [[[20, 0], [20, 0]], [[20], [0]]], [[-10, 0], [-10]])


def test_xor_table_shows_the_four_examples_with_their_targets(make_panel):
    panel = make_panel(Document())
    model = panel.model
    assert model.rowCount() == 4
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert titles[:2] == ["x1", "x2"]
    for row, ((x1, x2), t) in enumerate(XOR_ROWS):
        assert cell(panel, row, "input:0", VALUE_ROLE) == x1
        assert cell(panel, row, "input:1", VALUE_ROLE) == x2
        assert cell(panel, row, "input:0") == str(x1)
        assert cell(panel, row, "input:1") == str(x2)
        assert cell(panel, row, TARGET) == str(t)
        assert cell(panel, row, SET) == "train"


def test_outputs_are_the_networks_predictions(make_panel):
    doc = Document()
    panel = make_panel(doc)
    expected = doc.network.predict(doc.dataset.X_train)[:, 0]
    assert column_values(panel, OUTPUT) == list(expected)
    assert column_values(panel, OUTPUT, Qt.ItemDataRole.DisplayRole) == [
        panel.prefs.fmt(y) for y in expected
    ]
    # The explainer's rule: ŷ > 0.5 rounds to 1.
    assert column_values(panel, ROUNDED) == [int(y > 0.5) for y in expected]


def test_a_network_that_solves_xor_gets_every_tick(qtbot, make_panel):
    doc = Document()
    panel = make_panel(doc)
    solved = solved_xor()
    outputs = solved.predict(doc.dataset.X_train)[:, 0]
    assert np.all(np.abs(outputs - doc.dataset.T_train[:, 0]) < 1e-3)  # it really solves XOR
    doc.set_parameters(solved.parameters)
    qtbot.waitUntil(lambda: panel.train_accuracy == 1.0)
    assert column_values(panel, CHECK, Qt.ItemDataRole.DisplayRole) == ["✓"] * 4
    right, _ = verdict_colors(panel.prefs.palette)
    assert column_values(panel, CHECK, Qt.ItemDataRole.ForegroundRole) == [right] * 4
    assert column_values(panel, ROUNDED) == [0, 1, 1, 0]
    assert "100%" in panel.accuracy_label.text()
    assert panel.confusion_model.counts.tolist() == [[2, 0], [0, 2]]


def test_a_wrong_network_shows_crosses_and_its_accuracy(qtbot, make_panel):
    doc = Document()
    panel = make_panel(doc)
    doc.set_parameters(or_network().parameters)
    qtbot.waitUntil(lambda: panel.train_accuracy == 0.75)
    assert column_values(panel, CHECK, Qt.ItemDataRole.DisplayRole) == ["✓", "✓", "✓", "✗"]
    _, wrong = verdict_colors(panel.prefs.palette)
    assert cell(panel, 3, CHECK, Qt.ItemDataRole.ForegroundRole) == wrong
    assert "75%" in panel.accuracy_label.text()
    assert "3 of 4" in panel.accuracy_label.text()
    # Rows are the true class: the one (1, 1) → 0 example was predicted as 1.
    assert panel.confusion_model.counts.tolist() == [[1, 1], [0, 2]]
    model = panel.confusion_model
    assert model.data(model.index(0, 1), Qt.ItemDataRole.DisplayRole) == "1"
    assert model.headerData(0, Qt.Orientation.Vertical) == "true 0"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "pred. 1"


def test_clicking_a_row_selects_that_sample_and_back(qtbot, make_panel):
    doc = Document()
    panel = make_panel(doc)
    assert panel.selected_row() == doc.sample == 1  # the document's starting example
    changes = []
    doc.sampleChanged.connect(lambda: changes.append(doc.sample))
    table = panel.table
    rect = table.visualRect(panel.model.index(2, 0))
    QTest.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center()
    )
    assert doc.sample == 2
    assert changes == [2]  # once: following the document did not echo back
    doc.set_sample(3)
    assert panel.selected_row() == 3
    assert table.selectionModel().isRowSelected(3)
    assert changes == [2, 3]
    doc.set_sample(None)  # the batch mean: no single row
    assert panel.selected_row() is None


def test_test_examples_are_included_and_marked(qtbot, make_panel):
    dataset = make_dataset("gauss", n_samples=40, test_ratio=0.25)
    assert (dataset.n_train, dataset.n_test) == (30, 10)
    doc = Document(dataset=dataset)
    panel = make_panel(doc)
    model = panel.model
    assert model.rowCount() == 40
    assert column_values(panel, SET) == ["train"] * 30 + ["test"] * 10
    fonts = column_values(panel, OUTPUT, Qt.ItemDataRole.FontRole)
    assert all(f is None for f in fonts[:30])
    assert all(f.italic() for f in fonts[30:])
    assert "held out" in cell(panel, 30, OUTPUT, Qt.ItemDataRole.ToolTipRole)
    assert model.headerData(30, Qt.Orientation.Vertical) == "T1"
    # Test inputs and outputs follow the training ones, from one forward pass.
    assert np.array_equal(model.inputs[30:], dataset.X_test)
    expected = doc.network.predict(dataset.X_test)[:, 0]
    # (to the last bit only up to BLAS: a batch of 10 may sum in another order than one of 40)
    assert column_values(panel, OUTPUT)[30:] == pytest.approx(list(expected), rel=1e-12)
    # One vectorised forward pass per refresh, over training and test rows together.
    calls = []
    predict = doc.network.predict
    doc.network.predict = lambda X: calls.append(len(X)) or predict(X)
    # (the outputs are shared with the other views, computed once per change: make one)
    doc.set_parameters(doc.network.parameters * 0.5)
    panel.refresh()
    assert calls == [40]
    # Train and test accuracy, as the metrics compute them.
    net = doc.network
    train = accuracy(net.predict(dataset.X_train), dataset.T_train, "binary")
    test = accuracy(net.predict(dataset.X_test), dataset.T_test, "binary")
    assert panel.train_accuracy == pytest.approx(train)
    assert panel.test_accuracy == pytest.approx(test)
    text = panel.accuracy_label.text()
    assert f"training {round(100 * train, 1):g}%" in text
    assert f"test {round(100 * test, 1):g}%" in text
    # A test row stays selected but cannot drive the network views.
    doc.set_sample(4)
    panel.table.selectRow(33)
    assert panel.selected_row() == 33
    assert doc.sample == 4
    assert "held out" in panel.hint_label.text()
    # The confusion matrix can count the test examples instead.
    panel.confusion_set.setCurrentIndex(panel.confusion_set.findData("test"))
    assert panel.confusion_model.counts.sum() == 10
    panel.confusion_set.setCurrentIndex(panel.confusion_set.findData("all"))
    assert panel.confusion_model.counts.sum() == 40


def test_multiclass_shows_predicted_classes_and_a_3x3_confusion_matrix(make_panel):
    dataset = make_dataset("blobs", n_samples=30)
    net = Network.create([2, 8, 3], activation="relu", loss="ce")
    doc = Document(network=net, dataset=dataset)
    panel = make_panel(doc)
    X = np.concatenate([dataset.X_train, dataset.X_test])
    T = np.concatenate([dataset.T_train, dataset.T_test])
    Y = net.predict(X)
    classes = np.argmax(Y, axis=1)
    assert column_values(panel, ROUNDED) == list(classes)
    assert column_values(panel, TARGET) == list(np.argmax(T, axis=1))
    assert column_values(panel, OUTPUT) == list(Y[np.arange(len(Y)), classes])
    text = cell(panel, 0, OUTPUT)
    assert text == f"{classes[0]} (p = {panel.prefs.fmt(Y[0, classes[0]])})"
    right = classes == np.argmax(T, axis=1)
    assert column_values(panel, CHECK) == list(right)
    n = dataset.n_train
    counts = panel.confusion_model.counts
    assert counts.shape == (3, 3)
    expected = np.zeros((3, 3), dtype=int)
    for t, p in zip(np.argmax(dataset.T_train, axis=1), classes[:n]):
        expected[t, p] += 1
    assert counts.tolist() == expected.tolist()
    assert panel.train_accuracy == pytest.approx(right[:n].mean())


def test_regression_shows_the_error_instead_of_ticks(make_panel):
    dataset = make_dataset("reg-plane", n_samples=30)
    net = Network.create([2, 4, 1], activation="tanh", output_activation="linear", seed=3)
    doc = Document(network=net, dataset=dataset)
    panel = make_panel(doc)
    model = panel.model
    assert model.column(CHECK) == model.column(ROUNDED) == -1
    X = np.concatenate([dataset.X_train, dataset.X_test])
    T = np.concatenate([dataset.T_train, dataset.T_test])
    errors = np.abs(net.predict(X) - T)[:, 0]
    assert column_values(panel, ERROR) == list(errors)
    assert column_values(panel, ERROR, Qt.ItemDataRole.DisplayRole) == [
        panel.prefs.fmt(e) for e in errors
    ]
    assert panel.confusion_box.isHidden()
    assert panel.prefs.fmt(errors[: dataset.n_train].mean()) in panel.accuracy_label.text()
    assert panel.train_accuracy is None


def test_parameter_changes_update_the_table_in_place(qtbot, make_panel):
    doc = Document()
    panel = make_panel(doc)
    model = panel.model
    resets, changed = [], []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.column(), b.column())))
    for scale in np.linspace(0.5, 1.0, 20):  # a burst, as training sends them
        doc.set_parameters(solved_xor().parameters * scale)
    qtbot.waitUntil(lambda: panel.train_accuracy == 1.0 and not panel.stale)
    assert column_values(panel, OUTPUT) == list(doc.network.predict(doc.dataset.X_train)[:, 0])
    assert not resets
    assert changed
    # Only the network's columns: output, rounded, ✓/✗ — never the inputs or targets.
    assert set(changed) == {(model.column(OUTPUT), model.column(CHECK))}


def test_changes_below_the_shown_precision_do_not_repaint(make_panel):
    doc = Document()
    panel = make_panel(doc)
    model = panel.model
    Y = model.outputs.copy()
    assert not model.set_outputs(Y + 1e-9)
    assert model.set_outputs(Y + 1e-3)
    # 0.4999 and 0.5004 both read 0.500, but they round to different classes.
    Y[0, 0] = 0.4999
    model.set_outputs(Y)
    Y[0, 0] = 0.5004
    assert model.set_outputs(Y)
    assert cell(panel, 0, ROUNDED) == "1"


def test_a_new_dataset_resets_the_table_only_when_its_shape_changes(qtbot, make_panel):
    doc = Document(dataset=make_dataset("gauss", n_samples=40, test_ratio=0.25))
    panel = make_panel(doc)
    model = panel.model
    resets = []
    model.modelReset.connect(lambda: resets.append(True))
    same_shape = make_dataset("gauss", n_samples=40, test_ratio=0.25, seed=7)
    doc.replace_dataset(same_shape)
    qtbot.waitUntil(lambda: model.dataset is same_shape and not panel.stale)
    assert not resets
    assert np.array_equal(model.inputs[:30], same_shape.X_train)
    assert cell(panel, 0, "input:0", VALUE_ROLE) == same_shape.X_train[0, 0]
    bigger = make_dataset("moons", n_samples=60, test_ratio=0.5)
    doc.replace_dataset(bigger)
    qtbot.waitUntil(lambda: model.dataset is bigger and not panel.stale)
    assert resets
    assert model.rowCount() == 60
    assert column_values(panel, SET).count("test") == 30
    assert panel.selected_row() == doc.sample


def test_a_network_that_does_not_fit_the_data_shows_dashes(qtbot, make_panel):
    doc = Document()
    panel = make_panel(doc)
    doc.replace_network(Network.create([3, 2, 1]))
    qtbot.waitUntil(lambda: panel.model.outputs is None and not panel.stale)
    assert column_values(panel, OUTPUT, Qt.ItemDataRole.DisplayRole) == ["—"] * 4
    assert "do not fit" in panel.accuracy_label.text()
    doc.replace_network(solved_xor())
    qtbot.waitUntil(lambda: panel.train_accuracy == 1.0)


def test_a_hidden_panel_catches_up_when_shown(qtbot, make_panel):
    doc = Document()
    panel = make_panel(doc)
    panel.hide()
    before = panel.model.outputs.copy()
    doc.set_parameters(solved_xor().parameters)
    panel.flush()
    assert panel.stale
    assert np.array_equal(panel.model.outputs, before)  # no forward pass while hidden
    panel.show()
    assert not panel.stale
    assert panel.train_accuracy == 1.0


def test_the_panel_is_freed_without_the_garbage_collector(qtbot):
    # A reference cycle would leave the panel to the collector, which may clear
    # the model's attributes while Qt still asks it for headers.
    doc = Document()
    panel = PredictionsPanel(doc)
    ref = weakref.ref(panel)
    gc.disable()
    try:
        del panel
        assert ref() is None
    finally:
        gc.enable()


def test_the_everyday_hint_is_a_tooltip_not_two_lines_of_the_dock(qtbot):
    from bpdesk.ui.panels.predictions import PredictionsPanel

    panel = PredictionsPanel(Document())
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.hint_label.isVisible()
    assert "click a training row" in panel.table.toolTip().lower()


def test_xors_four_rows_fit_a_short_dock_above_the_confusion_matrix(qtbot):
    from bpdesk.ui.panels.predictions import PredictionsPanel

    panel = PredictionsPanel(Document())
    qtbot.addWidget(panel)
    panel.resize(380, 215)  # the Predictions dock at 1280×800
    panel.show()
    qtbot.waitExposed(panel)
    rows = panel.table.verticalHeader()
    assert panel.table.viewport().height() >= 4 * rows.defaultSectionSize()


def test_a_large_dataset_waits_for_training_to_pause(qtbot, make_panel, monkeypatch):
    # Over 10,000 rows (here: over 20) a forward pass of every row would hold the window's
    # input at every refresh while training streams: the table follows at the pause.
    from bpdesk.ui import shown_refresh

    monkeypatch.setattr(shown_refresh, "LIVE_ROWS", 20)
    doc = Document(dataset=make_dataset("gauss", n_samples=40, test_ratio=0.25))
    panel = make_panel(doc)
    before = column_values(panel, OUTPUT)
    doc.training_active = True
    assert panel.waits_for_pause()
    doc.set_parameters(doc.network.parameters * 0.5)
    doc.frames.flush(panel._on_frame)
    assert panel.stale
    assert column_values(panel, OUTPUT) == before
    doc.training_active = False  # the pause: the refresh that waited runs
    qtbot.waitUntil(lambda: not panel.stale, timeout=5000)
    assert column_values(panel, OUTPUT) != before
    expected = doc.network.predict(doc.dataset.X_train)[:, 0]
    assert column_values(panel, OUTPUT)[:30] == pytest.approx(list(expected), rel=1e-12)


def test_a_large_dataset_is_run_forward_on_the_job_runner(qtbot, make_panel, monkeypatch):
    # Over 10,000 rows (here: over 20) the pass would hold the window's input (~0.7 s for
    # 70,000 MNIST images): it runs on the job runner, and the panels refresh when it is in.
    from bpdesk.ui import predicted as shared
    from bpdesk.ui.jobs import JobRunner

    monkeypatch.setattr(shared, "BACKGROUND_ROWS", 20)
    doc = Document(dataset=make_dataset("gauss", n_samples=40, test_ratio=0.25))
    jobs = JobRunner()
    shared.run_in_background(doc, jobs)
    panel = make_panel(doc)
    qtbot.waitUntil(lambda: not panel.stale, timeout=5000)  # its first pass came in
    before = column_values(panel, OUTPUT)
    doc.set_parameters(doc.network.parameters * 0.5)
    panel.refresh()  # the pass starts on the runner; the table keeps what it showed
    assert shared.pending(doc)
    assert panel.stale
    assert column_values(panel, OUTPUT) == before
    qtbot.waitUntil(lambda: not panel.stale, timeout=5000)
    assert not shared.pending(doc)
    expected = doc.network.predict(doc.dataset.X_test)[:, 0]
    assert column_values(panel, OUTPUT)[30:] == pytest.approx(list(expected), rel=1e-12)
    jobs.shutdown()
