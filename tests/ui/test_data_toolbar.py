"""The Data panel's dataset box and the toolbar: generator settings, the learning
rate, the example box, the speed, the loss, notices, and room at 1280 × 800."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from bpdesk.core import make_dataset
from bpdesk.core.datasets import GENERATORS, DatasetSpec
from bpdesk.ui import editing
from bpdesk.ui.commands import SetConfigCommand
from bpdesk.ui.training import SPEEDS

# Made from the settings (XOR and the shipped digits are fixed: test_data_and_loss_panels.py).
GENERATED = [name for name, info in GENERATORS.items() if info.make is not None]


def choose(box, data):
    index = box.findData(data)
    assert index >= 0, data
    box.setCurrentIndex(index)
    box.activated.emit(index)


def set_learning_rate(doc, value):
    from dataclasses import replace

    doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=value)))


# -- the dataset box -----------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATED)
def test_leaving_xor_for_a_generator_uses_the_generators_defaults(window, name):
    # The fields hold XOR's 4 points, no noise and no test set: not a spiral's settings.
    choose(window.data_panel.dataset_box, name)
    data, defaults = window.doc.dataset, DatasetSpec(name)
    assert data.spec == defaults
    assert data.n_train + data.n_test == defaults.n_samples
    assert data.n_test == round(defaults.n_samples * defaults.test_ratio)
    assert window.data_panel.samples.value() == defaults.n_samples


def test_leaving_custom_points_for_a_generator_uses_the_generators_defaults(window, tmp_path):
    csv = tmp_path / "four.csv"
    csv.write_text("a,b,t\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n")
    assert window.data_panel.import_csv(str(csv))
    choose(window.data_panel.dataset_box, "moons")
    assert window.doc.dataset.spec == DatasetSpec("moons")


def test_settings_set_for_one_generator_carry_to_the_next_even_through_xor(window):
    panel, doc = window.data_panel, window.doc
    choose(panel.dataset_box, "moons")
    panel.samples.setValue(120)
    panel.samples.editingFinished.emit()
    panel.noise.setValue(0.25)
    panel.noise.editingFinished.emit()
    choose(panel.dataset_box, "spiral")
    assert (doc.dataset.spec.n_samples, doc.dataset.spec.noise) == (120, 0.25)
    choose(panel.dataset_box, "xor")
    assert doc.dataset.n_train == 4
    choose(panel.dataset_box, "circle")
    assert (doc.dataset.spec.n_samples, doc.dataset.spec.noise) == (120, 0.25)


def test_edited_points_are_named_as_what_they_are(window, tmp_path):
    panel, doc = window.data_panel, window.doc
    box = panel.dataset_box
    assert window.boundary_panel.click_at(0.5, 0.5, Qt.MouseButton.LeftButton)
    assert doc.dataset.spec is None
    assert doc.dataset.n_train == 5
    assert box.currentText() == "XOR (edited)"  # not "From a CSV file…"
    choose(box, box.currentData())  # choosing the current data again changes nothing
    assert doc.dataset.n_train == 5
    doc.undo()
    assert box.currentText() == GENERATORS["xor"].title
    # Shown only while it is the data in use: the list offers no stale entry.
    assert box.view().isRowHidden(box.findData("custom"))
    csv = tmp_path / "points.csv"
    csv.write_text("a,b,t\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n")
    assert panel.import_csv(str(csv))
    assert box.currentText() == "points.csv"
    assert not box.view().isRowHidden(box.currentIndex())


# -- the learning rate -------------------------------------------------------------------------


def test_the_toolbar_and_the_panel_take_the_same_learning_rates(window):
    toolbar, panel = window.lr_box, window.data_panel.lr
    assert (toolbar.minimum(), toolbar.maximum(), toolbar.decimals()) == (
        panel.minimum(),
        panel.maximum(),
        panel.decimals(),
    )
    panel.setValue(0.0004)
    panel.editingFinished.emit()
    assert window.doc.config.learning_rate == 0.0004
    assert toolbar.value() == 0.0004  # once shown as 0.001


@pytest.mark.parametrize("rate", [0.0004, 0.00025, 0.123456])
def test_tabbing_through_a_learning_rate_box_writes_nothing(window, rate):
    doc = window.doc
    set_learning_rate(doc, rate)
    count = doc.undo_stack.count()
    for box in (window.lr_box, window.data_panel.lr):
        box.editingFinished.emit()  # focus left the box, nothing typed
    assert doc.config.learning_rate == rate
    assert doc.undo_stack.count() == count
    window.lr_box.setValue(0.0007)
    window.lr_box.editingFinished.emit()
    assert doc.config.learning_rate == 0.0007
    assert doc.undo_stack.count() == count + 1


def test_a_momentum_near_one_survives_tabbing_through_its_box(window):
    from dataclasses import replace

    doc = window.doc
    doc.push(SetConfigCommand(doc, replace(doc.config, optimizer="momentum", momentum=0.999)))
    window.data_panel.momentum.editingFinished.emit()
    assert doc.config.momentum == 0.999  # two decimals once read it as 1.00, an invalid μ


# -- the example box ---------------------------------------------------------------------------


def test_examples_of_several_classes_read_as_their_class(window):
    doc = window.doc
    editing.change_dataset(doc, make_dataset("blobs", 60, seed=0))
    table = window.predictions_panel.model
    labels = doc.dataset.labels(doc.dataset.T_train)
    for n in range(5):
        text = window.sample_box.itemText(n + 1)
        assert text.endswith(f"→ class {labels[n]}"), text
        # The same name as the Predictions table's "class t" column.
        assert text.endswith(f"class {table.index(n, table.columns.index('target')).data()}")


def test_binary_and_regression_examples_read_their_target(window):
    assert window.sample_box.itemText(2) == "2: (0.00, 1.00) → 1"
    editing.change_dataset(window.doc, make_dataset("reg-plane", 20, seed=0))
    target = window.doc.dataset.T_train[0, 0]
    assert window.sample_box.itemText(1).endswith(f"→ {target:.2f}".replace("-", "−"))


def test_images_are_listed_by_their_number_of_inputs_not_every_pixel(window):
    editing.change_dataset(window.doc, make_dataset("digits", test_ratio=0.3, seed=0))
    label = window.doc.dataset.labels(window.doc.dataset.T_train[:1])[0]
    # 64 pixel values on one line, 500 times, took a second to list (784: 1.2 s more).
    assert window.sample_box.itemText(1) == f"1: 64 inputs → class {label}"


# -- speed, loss, notices ------------------------------------------------------------------------


def test_the_toolbar_sets_and_shows_the_training_speed(window):
    box, trainer = window.speed_box, window.trainer
    actions = window.toolbar.actions()
    train = actions.index(window.act_train)
    assert window.toolbar.widgetForAction(actions[train + 1]) is box  # beside Train
    assert box.toolTip()
    # A watchable pace by default (issue 12), full speed one click away.
    texts = [box.itemText(i) for i in range(box.count())]
    assert texts == ["1/s", "10/s", "100/s", "1,000/s", "max"]
    assert box.currentText() == "1,000/s"
    assert window.speed_actions[1000].text() == "1,000 epochs per second"
    assert window.speed_actions[1000].isChecked()
    box.setCurrentIndex(1)
    box.activated.emit(1)
    assert trainer.speed == 10
    assert window.speed_actions[10].isChecked()  # Train → Speed follows
    window.speed_actions[None].trigger()
    assert box.currentIndex() == SPEEDS.index(None)
    trainer.set_speed(100)
    assert box.currentText() == "100/s"


def test_huge_numbers_stay_short_in_the_toolbar_and_the_table(window):
    doc = window.doc
    editing.set_activation(doc, 1, "linear")
    for parameter in ((1, 0, 0), (1, 1, 0), (1, None, 0)):
        editing.set_value(doc, parameter, 1e6)
    window.sample_box.setCurrentIndex(0)  # all examples
    doc.run_forward()
    window.toolbar.show_loss()
    label = window.loss_label
    assert label.text() == "Loss 2.27e12"  # was "Loss 2265929418976.0029 (mean)"
    for text in (label.text(), "Loss 8.38e306", "Loss 999.9999"):
        assert label.fontMetrics().horizontalAdvance(text) <= label.contentsRect().width()
    window.predictions_panel.refresh()
    table = window.predictions_panel.model
    assert table.index(0, table.columns.index("output")).data() == "2.0e6"


def test_a_long_notice_wraps_within_the_editor(qtbot, window):
    window.resize(1280, 800)
    qtbot.wait(20)
    view = window.view
    view.show_toast("Training stopped: the loss became infinite at epoch 78; " * 3)
    toast = view.toast
    assert toast.wordWrap()
    assert toast.x() >= 0
    assert toast.geometry().right() < view.width()
    assert toast.height() > toast.fontMetrics().height() * 2  # on several lines
    view.show_toast("Short")
    assert toast.width() < view.width() // 2  # a short notice stays small


@pytest.mark.parametrize(("width", "rows"), [(1280, 1), (1024, 2)])
def test_the_toolbar_fits_the_window_on_one_row_or_two(qtbot, window, width, rows):
    # At 1024 pixels the learning rate and the loss went into the » menu.
    window.resize(width, 700)
    qtbot.wait(50)
    for bar in (window.toolbar, window.toolbar.data_bar):
        overflow = bar.findChild(QToolButton, "qt_toolbar_ext_button")
        assert overflow is None or not overflow.isVisible()
    for widget in (window.loss_label, window.speed_box, window.lr_box, window.sample_box):
        assert widget.isVisible()
    assert window.toolBarBreak(window.toolbar.data_bar) == (rows == 2)


def test_edited_data_shows_its_own_size_in_the_greyed_fields(window):
    from PySide6.QtCore import Qt

    doc, panel = window.doc, window.data_panel
    assert window.boundary_panel.click_at(0.5, 0.5, Qt.MouseButton.LeftButton)
    assert doc.dataset.spec is None
    assert panel.samples.value() == 5  # XOR's four corners and the new point
    assert not panel.samples.isEnabled()
    assert panel.test_ratio.value() == 0.0
