"""The "Data and training" and "Loss" docks: every control edits through the document."""

import numpy as np
import pytest

from bpdesk.core import make_dataset
from bpdesk.core.history import FIELDS
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.panels.data import DataPanel
from bpdesk.ui.panels.loss import MAX_DRAWN, LossPanel


@pytest.fixture
def data_panel(qtbot):
    """The Data and training panel over a document of its own (the window's default one)."""
    doc = Document()
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    return doc, panel


@pytest.fixture
def loss_panel(qtbot):
    """The Loss panel over a document of its own."""
    doc = Document()
    panel = LossPanel(doc)
    qtbot.addWidget(panel)
    return doc, panel


def choose(box, data):
    index = box.findData(data)
    assert index >= 0, data
    box.setCurrentIndex(index)
    box.activated.emit(index)


def test_choosing_a_dataset_fits_the_network_and_is_undoable(data_panel):
    doc, panel = data_panel
    before = doc.network.copy()
    choose(panel.dataset_box, "circle")
    assert doc.dataset.name == "circle"
    assert doc.network.layer_sizes == (2, 2, 1)
    assert np.array_equal(doc.network.parameters, before.parameters)  # same shape: weights kept
    choose(panel.dataset_box, "blobs")
    assert doc.dataset.kind == "multiclass"
    assert doc.network.layer_sizes[-1] == 3
    assert doc.network.activations[-1] == "softmax"
    assert doc.network.loss == "ce"
    assert np.array_equal(doc.network.weights[0], before.weights[0])  # the inputs are kept
    assert panel.loss_box.currentData() == "ce"
    choose(panel.dataset_box, "reg-plane")
    assert doc.network.activations[-1] == "linear"
    assert doc.network.loss == "mse"
    for _ in range(3):
        doc.undo()
    assert doc.dataset.name == "xor"
    assert np.array_equal(doc.network.parameters, before.parameters)
    assert doc.network.activations == before.activations
    assert panel.dataset_box.currentData() == "xor"


def test_generator_settings_regenerate_the_data(data_panel):
    doc, panel = data_panel
    assert not panel.classes.isVisibleTo(panel)  # XOR: two classes, no "Classes 3" row
    choose(panel.dataset_box, "moons")
    assert panel.samples.isEnabled()
    assert not panel.classes.isVisibleTo(panel)
    choose(panel.dataset_box, "blobs")
    assert panel.classes.isVisibleTo(panel)
    choose(panel.dataset_box, "moons")
    panel.samples.setValue(120)
    panel.samples.editingFinished.emit()
    assert doc.dataset.n_train + doc.dataset.n_test == 120
    seed = doc.dataset.spec.seed
    panel.regenerate.click()
    assert doc.dataset.spec.seed == seed + 1
    assert doc.undo_stack.undoText() == "Regenerate the data"
    doc.undo()
    assert doc.dataset.spec.seed == seed


def test_the_digits_split_by_seed_and_ratio_and_the_network_follows(data_panel):
    doc, panel = data_panel
    choose(panel.dataset_box, "digits")
    assert doc.dataset.name == "digits"
    assert doc.network.layer_sizes[0] == 64
    assert doc.network.layer_sizes[-1] == 10
    assert (doc.network.activations[-1], doc.network.loss) == ("softmax", "ce")
    # Fixed images: their count and noise are not settings; the split is.
    assert not panel.samples.isEnabled()
    assert not panel.noise.isEnabled()
    assert panel.test_ratio.isEnabled()
    assert panel.data_seed.isEnabled()
    assert panel.samples.value() == 1797
    panel.test_ratio.setValue(0.2)
    panel.test_ratio.editingFinished.emit()
    assert doc.dataset.n_test == round(1797 * 0.2)
    panel.regenerate.click()
    assert doc.dataset.spec.seed == 1
    assert doc.undo_stack.undoText() == "Regenerate the data"
    # Back to a generator: its own number of points, not the 1,797 images.
    choose(panel.dataset_box, "moons")
    assert doc.dataset.n_train + doc.dataset.n_test == 200
    assert panel.samples.isEnabled()


def test_csv_import_and_a_bad_file(data_panel, tmp_path):
    doc, panel = data_panel
    good = tmp_path / "points.csv"
    good.write_text("a,b,c,label\n0,0,1,0\n1,0,1,1\n0,1,0,1\n1,1,0,0\n")
    assert panel.import_csv(str(good))
    assert doc.dataset.n_inputs == 3
    assert doc.network.layer_sizes[0] == 3
    assert doc.dataset.feature_names == ("a", "b", "c")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,t\n1,2,0\n3,oops,1\n")
    messages = []
    doc.message.connect(messages.append)
    before = doc.dataset
    assert not panel.import_csv(str(bad))
    assert doc.dataset is before
    assert "line 3" in messages[-1]
    assert "oops" in messages[-1]


def test_an_image_csv_is_drawn_and_one_too_wide_is_refused_with_the_reason(data_panel, tmp_path):
    doc, panel = data_panel
    path = tmp_path / "mnist.csv"
    path.write_text(
        "".join(f"{k % 10}," + ",".join(["0"] * 783 + ["255"]) + "\n" for k in range(20))
    )
    messages = []
    doc.message.connect(messages.append)
    # 784 pixels: the editor draws the input layer as a 28 × 28 picture.
    assert panel.import_csv(str(path), target_column="first")
    assert doc.dataset.n_inputs == 784
    assert doc.network.layer_sizes[0] == 784
    # Wider than any layer the editor shows (or the engine trains): refused, saying why.
    wide = tmp_path / "wide.csv"
    wide.write_text("".join(f"{k % 2}," + ",".join(["1"] * 1025) + "\n" for k in range(4)))
    before = doc.dataset
    assert not panel.import_csv(str(wide), target_column="first")
    assert doc.dataset is before
    assert "1025 input columns; the limit is 1024" in messages[-1]


def test_the_import_dialogs_choice_puts_the_target_first(data_panel, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from bpdesk.ui.panels import data

    doc, panel = data_panel
    path = tmp_path / "first.csv"
    path.write_text("2,0.5,0.25\n0,1,0\n1,0,1\n")
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileName",
        lambda *args, **kwargs: (str(path), data.CSV_FILTERS[1]),
    )
    assert panel.import_csv()
    np.testing.assert_array_equal(doc.dataset.X_train, [[0.5, 0.25], [1, 0], [0, 1]])
    assert doc.dataset.kind == "multiclass"
    assert doc.network.layer_sizes[0] == 2


def test_training_settings_are_undoable_edits(window):
    doc = window.doc
    panel = window.data_panel
    panel.lr.setValue(1.25)
    panel.lr.editingFinished.emit()
    assert doc.config.learning_rate == 1.25
    assert window.lr_box.value() == 1.25  # the toolbar follows the document
    choose(panel.optimizer_box, "adam")
    assert doc.config.optimizer == "adam"
    panel.batch.setValue(2)
    panel.batch.editingFinished.emit()
    assert doc.config.batch_size == 2
    choose(panel.reg_box, "l2")
    assert doc.config.regularization == "l2"
    assert panel.reg_rate.isEnabled()
    for _ in range(4):
        doc.undo()
    assert doc.config.learning_rate == 0.5
    assert doc.config.optimizer == "sgd"
    assert doc.config.batch_size == 0


def test_changing_the_initialiser_re_initialises_undoably(data_panel):
    doc, panel = data_panel
    before = doc.network.parameters.copy()
    choose(panel.init_box, "uniform")
    assert doc.network.init == "uniform"
    assert not np.array_equal(doc.network.parameters, before)
    assert np.all(np.abs(doc.network.parameters) <= 0.5)
    doc.undo()
    assert np.array_equal(doc.network.parameters, before)


def test_a_loss_that_does_not_fit_the_data_is_refused(data_panel):
    doc, panel = data_panel
    messages = []
    doc.message.connect(messages.append)
    choose(panel.loss_box, "ce")
    assert doc.network.loss == "mse"
    assert "classes" in messages[-1]
    assert panel.loss_box.currentData() == "mse"  # the control shows the truth again
    choose(panel.loss_box, "bce")
    assert doc.network.loss == "bce"
    assert doc.network.activations[-1] == "sigmoid"


def fill_history(doc, epochs, start_loss=1.0):
    rows = np.full((len(FIELDS), epochs), np.nan)
    rows[0] = start_loss * np.exp(-np.arange(epochs) / 200)
    doc.append_training(len(doc.history) + 1, rows, ())
    doc.set_epoch(len(doc.history))


def test_the_loss_curve_is_the_history_and_reads_on_hover(qtbot, loss_panel):
    doc, panel = loss_panel
    assert "No training yet" in panel.readout.text()  # an empty plot says how to fill it
    fill_history(doc, 500)
    qtbot.waitUntil(lambda: len(panel.train_curve.yData) == 500, timeout=2000)
    assert panel.readout.text().startswith("Hover")
    x, y = panel.train_curve.xData, panel.train_curve.yData
    assert np.array_equal(y, doc.history.train_loss)
    assert x[0] == 1
    assert x[-1] == 500
    assert not panel.test_curve.isVisible()  # XOR has no test set
    panel.log_box.setChecked(True)
    assert panel.plot.getPlotItem().ctrl.logYCheck.isChecked()
    vb = panel.plot.getPlotItem().vb
    (x0, x1), _ = vb.viewRange()
    assert x1 >= 500
    assert x0 <= 1


def test_earlier_runs_stay_as_faint_labelled_curves_until_cleared(window):
    doc = window.doc
    panel = window.loss_panel
    fill_history(doc, 100)
    window.act_reset.trigger()
    window.lr_box.setValue(2.0)
    window.lr_box.editingFinished.emit()
    fill_history(doc, 50, start_loss=0.5)
    window.act_reset.trigger()
    assert len(panel.run_curves) == 2
    labels = [run.label for run in doc.runs]
    assert labels[0].startswith("η 0.5")
    assert labels[1].startswith("η 2")
    assert len(panel.run_curves[0].yData) == 100  # all of it (getData clips to the view)
    panel.clear_runs.click()
    assert panel.run_curves == []
    assert doc.runs == []
    # Clearing is an edit: undo brings the runs back, redo clears them again.
    doc.undo()
    assert [run.label for run in doc.runs] == labels
    assert len(panel.run_curves) == 2
    doc.redo()
    assert doc.runs == []


def test_after_a_reset_the_new_run_is_seen_not_a_sliver_beside_a_long_one(qtbot, loss_panel):
    # Reported: after Reset the plot stayed scaled to the previous 700,000-epoch run,
    # Fit did not help, and only Clear runs brought the new curve into view.
    doc, panel = loss_panel
    view = panel.plot.getPlotItem().vb
    fill_history(doc, 200_000)
    doc.frames.flush()
    assert view.viewRange()[0][1] >= 200_000
    editing.reinitialise(doc)  # what Reset does
    fill_history(doc, 50)
    doc.frames.flush()
    assert view.viewRange()[0][1] >= 200_000  # compared with the earlier run at first
    panel.fit()  # Fit: the live run fills the plot
    assert 50 <= view.viewRange()[0][1] <= 100
    fill_history(doc, 50)
    doc.frames.flush()
    assert 100 <= view.viewRange()[0][1] <= 200  # and goes on following it
    assert len(panel.run_curves) == 1  # the earlier run is still drawn beside it
    editing.reinitialise(doc)  # another reset: the runs to compare with are in view again
    doc.frames.flush()
    assert view.viewRange()[0][1] >= 200_000


def test_the_slider_rewinds_and_a_drag_is_one_undo_step(loss_panel):
    doc, panel = loss_panel
    snapshots = []
    for epoch in range(0, 101):
        params = doc.network.parameters + epoch  # a recognisable state per epoch
        doc.snapshots.add(epoch, params)
        snapshots.append(params)
    fill_history(doc, 100)
    start = doc.network.parameters.copy()
    for value in (80, 60, 40):
        panel.slider.setValue(value)
    assert doc.epoch == 40
    assert np.array_equal(doc.network.parameters, snapshots[40])
    assert doc.undo_stack.undoText() == "Rewind to epoch 40"
    doc.undo()
    assert doc.epoch == 100
    assert np.array_equal(doc.network.parameters, start)


@pytest.mark.parametrize("name", ["spiral", "blobs", "reg-gauss"])
def test_each_kind_of_dataset_trains_from_the_window(qtbot, window, name):
    from bpdesk.ui import editing

    doc = window.doc
    editing.change_dataset(doc, make_dataset(name, n_samples=60, seed=0))
    window.trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 30, timeout=20000)
    window.trainer.shutdown()
    assert np.all(np.isfinite(doc.history.train_loss))
    assert len(doc.history) == doc.epoch


def test_axis_ends_are_round_and_leave_little_empty():
    from bpdesk.ui.plots import nice_ceiling

    assert [nice_ceiling(v) for v in (0, 1, 20.4, 3060, 4100, 0.0123)] == [
        1.0,
        1.0,
        25.0,
        4000.0,
        5000.0,
        0.015,
    ]
    for value in np.geomspace(1e-6, 1e9, 500):
        end = nice_ceiling(value)
        assert value <= end * (1 + 1e-12)
        assert end <= 1.5 * value * (1 + 1e-9)  # at most a third of the axis empty


def test_the_data_panel_fits_a_narrow_dock_without_scrolling_sideways(data_panel):
    from PySide6.QtWidgets import QScrollArea

    _, panel = data_panel
    scroll = panel.findChild(QScrollArea)
    assert scroll.widget().minimumSizeHint().width() <= 250  # the Build/Learn column at 1280


def test_the_rewind_cursor_stays_hidden_while_training(loss_panel):
    doc, panel = loss_panel
    fill_history(doc, 10)
    doc.training_active = True  # the epoch shown may trail the history by a report
    panel.show_epoch(9)
    assert not panel.cursor.isVisible()
    doc.training_active = False  # looking back after training: the cursor marks the epoch
    panel.show_epoch(9)
    assert panel.cursor.isVisible()


def test_choosing_another_loss_starts_a_new_run(qtbot, data_panel):
    doc, data = data_panel
    loss = LossPanel(doc)
    qtbot.addWidget(loss)
    fill_history(doc, 60)
    choose(data.loss_box, "bce")
    assert doc.epoch == 0
    assert len(loss.run_curves) == 1
    assert loss.run_curves[0].name() == "η 0.5 · sigmoid · sgd · mse loss"
    doc.undo()
    assert doc.network.loss == "mse"
    assert doc.epoch == len(doc.history) == 60
    assert loss.run_curves == []


def test_the_legend_names_the_latest_runs_only(window):
    from bpdesk.ui.panels.loss import LEGEND_RUNS

    doc, panel = window.doc, window.loss_panel
    for _ in range(LEGEND_RUNS + 2):
        fill_history(doc, 20, start_loss=0.5)
        window.act_reset.trigger()
    assert len(panel.run_curves) == LEGEND_RUNS + 2  # every run is drawn
    named = [curve.name() for curve in panel.run_curves if curve.name()]
    assert len(named) == LEGEND_RUNS  # the legend keeps to the latest
    assert panel.run_curves[-1].name()
    assert not panel.run_curves[0].name()
    legend_names = [label.text for _, label in panel.legend.items]
    assert len(legend_names) == LEGEND_RUNS + 1  # and "training"


def test_undoing_and_redoing_a_reset_and_clear_runs_brings_back_no_twin(window):
    doc = window.doc
    fill_history(doc, 20, start_loss=0.5)
    window.act_reset.trigger()
    editing.clear_runs(doc)
    for _ in range(2):
        doc.undo()
        doc.undo()
        assert doc.runs == []  # before the Reset: no earlier run
        doc.redo()
        assert len(doc.runs) == 1
        doc.redo()
        assert doc.runs == []  # cleared again


@pytest.mark.parametrize("epochs", [MAX_DRAWN + 1, 3 * MAX_DRAWN + 7, 250_000])
def test_a_long_run_hands_the_plot_a_bounded_number_of_points(qtbot, loss_panel, epochs):
    # Measured in a 30-minute soak: at 20 million epochs each redraw of the whole
    # history took 0.4 s, and input waited seconds behind it.
    doc, panel = loss_panel
    fill_history(doc, epochs)
    curve = panel.train_curve
    qtbot.waitUntil(lambda: curve.xData is not None and curve.xData[-1] == epochs)
    x, y = curve.xData, curve.yData
    assert len(x) <= MAX_DRAWN
    assert x[0] <= 1 + epochs / MAX_DRAWN  # from the start ...
    assert np.array_equal(y, doc.history.train_loss[x.astype(int) - 1])  # ... epochs as they are
    assert np.all(np.diff(x) > 0)
    # Zoomed in by hand: every epoch in view is drawn.
    vb = panel.plot.getPlotItem().vb
    vb.setXRange(epochs // 2, epochs // 2 + 1000, padding=0)
    panel._on_user_range()  # as a drag or the wheel tells it
    vb.sigXRangeChanged.emit(vb, vb.viewRange()[0])
    qtbot.waitUntil(lambda: curve.xData is not None and len(curve.xData) < MAX_DRAWN // 2)
    x = curve.xData
    assert x[0] <= epochs // 2
    assert x[-1] >= epochs // 2 + 1000
    assert np.all(np.diff(x) == 1)
    panel.fit()  # and back to the whole run
    qtbot.waitUntil(lambda: curve.xData[-1] == epochs and curve.xData[0] <= 1 + epochs / MAX_DRAWN)
