"""Runs and rewinding: undo and redo keep a run's history exact, snapshots belong to
their architecture, and another dataset or loss starts a new run."""

import numpy as np
import pytest
from PySide6.QtGui import QColor

from bpdesk.core import make_dataset
from bpdesk.core.history import FIELDS, ParameterHistory
from bpdesk.ui import editing, theme
from bpdesk.ui.document import Document
from bpdesk.ui.panels.loss import RUN_COLORS, LossPanel


@pytest.fixture
def loss_panel(qtbot):
    """The Loss panel over a document of its own (the window's default one), shown as
    the window shows it in its dock."""
    doc = Document()
    panel = LossPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    # qtbot keeps only a weak reference: the fixture holds the panel until teardown.
    yield doc, panel
    panel.close()


def train_to(qtbot, window, epoch):
    """Train at full speed until at least ``epoch``, then pause (one undo step)."""
    doc, trainer = window.doc, window.trainer
    trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= epoch, timeout=20000)
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)


def state(doc):
    """Everything a run holds, copied."""
    epochs = doc.snapshots.epochs
    return {
        "epoch": doc.epoch,
        "parameters": doc.network.parameters.copy(),
        "losses": doc.history.rows(0),
        "gradients": doc.gradient_history.norms.copy(),
        "snapshot epochs": epochs,
        "snapshots": [doc.snapshots.nearest(e)[1] for e in epochs],
        "label": doc.run_label(),
    }


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if key == "snapshots":
            assert len(a[key]) == len(b[key])
            assert all(np.array_equal(x, y) for x, y in zip(a[key], b[key])), key
        elif isinstance(a[key], np.ndarray):
            assert np.array_equal(a[key], b[key], equal_nan=True), key
        else:
            assert a[key] == b[key], key


def fill_history(doc, epochs, start_loss=1.0):
    """Epochs as if trained (no snapshots), at the document's current settings."""
    rows = np.full((len(FIELDS), epochs), np.nan)
    rows[0] = start_loss * np.exp(-np.arange(epochs) / 200)
    doc.append_training(len(doc.history) + 1, rows, ())
    doc.set_epoch(len(doc.history))


def messages(doc):
    notes = []
    doc.message.connect(notes.append)
    return notes


# -- 1. undo and redo are exact -----------------------------------------------------------


def test_undoing_a_reset_brings_back_the_run_so_rewinding_still_works(qtbot, window):
    doc = window.doc
    train_to(qtbot, window, 300)
    trained = state(doc)
    assert len(trained["snapshots"]) > 200
    window.act_reset.trigger()
    assert doc.epoch == 0
    assert len(doc.snapshots) == 0
    doc.undo()
    assert_same(state(doc), trained)
    notes = messages(doc)
    assert window.loss_panel.rewind(200)
    assert notes == []
    assert doc.epoch == 200
    assert np.array_equal(doc.network.parameters, doc.snapshots.nearest(200)[1])
    doc.undo()  # the rewind
    assert_same(state(doc), trained)
    window.act_reset.trigger()  # reset, undo, redo, undo: still exact
    doc.undo()
    doc.redo()
    assert doc.epoch == 0
    assert len(doc.runs) == 1
    doc.undo()
    assert_same(state(doc), trained)
    assert doc.runs == []


def test_undo_then_redo_of_training_restores_history_and_snapshots_exactly(qtbot, window):
    doc = window.doc
    doc.set_sample(None)
    before = state(doc)
    train_to(qtbot, window, 300)
    trained = state(doc)
    doc.undo()
    assert_same(state(doc), before)
    doc.redo()
    assert_same(state(doc), trained)
    # Every kept epoch is still there: epoch 200 is epoch 200, not a jump to 0.
    assert window.loss_panel.rewind(200)
    assert doc.epoch == 200
    X, T = doc.dataset.X_train, doc.dataset.T_train
    assert doc.network.compute_loss(X, T) == pytest.approx(doc.history.train_loss[199], rel=1e-9)


def test_undoing_training_after_a_rewind_brings_the_replaced_future_back(qtbot, window):
    doc = window.doc
    train_to(qtbot, window, 300)
    trained = state(doc)
    assert window.loss_panel.rewind(120)
    rewound = state(doc)
    train_to(qtbot, window, 150)  # replaces epochs 121… with a new stretch
    assert len(doc.history) == doc.epoch
    assert doc.snapshots.epochs[-1] == doc.epoch
    doc.undo()
    assert_same(state(doc), rewound)  # the whole later history, snapshots and all
    doc.undo()
    assert_same(state(doc), trained)
    assert window.loss_panel.rewind(250)
    assert doc.epoch == 250


def test_a_stretch_that_trains_nothing_forgets_nothing(qtbot):
    doc = Document()
    for epoch in range(0, 101):
        doc.snapshots.add(epoch, doc.network.parameters + epoch)
    fill_history(doc, 100)
    doc.set_epoch(40)  # rewound
    doc.begin_training()  # training starts… and stops before its first epoch
    assert len(doc.history) == 100
    assert doc.snapshots.epochs[-1] == 100


def test_undoing_a_new_layer_brings_back_the_gradient_history(qtbot, window):
    doc = window.doc
    train_to(qtbot, window, 50)
    norms = doc.gradient_history.norms.copy()
    assert np.isfinite(norms).any()
    editing.insert_layer(doc, 1)
    assert doc.gradient_history.n_layers == 3
    doc.undo()
    assert np.array_equal(doc.gradient_history.norms, norms, equal_nan=True)


# -- 2. snapshots belong to their architecture --------------------------------------------


def test_rewinding_into_another_architecture_is_refused_and_says_why(qtbot, window):
    doc = window.doc
    panel = window.loss_panel
    doc.set_sample(None)
    train_to(qtbot, window, 150)
    edited_at = doc.epoch
    editing.set_activation(doc, 0, "tanh")
    train_to(qtbot, window, edited_at + 100)
    end, params = doc.epoch, doc.network.parameters.copy()
    notes = messages(doc)
    assert not panel.rewind(100)
    assert doc.epoch == end
    assert np.array_equal(doc.network.parameters, params)
    assert doc.network.activations == ("tanh", "sigmoid")
    assert "sigmoid/sigmoid → tanh/sigmoid" in notes[-1]
    assert "undo back past that edit" in notes[-1]
    # After the edit the weights are the tanh network's own: the loss is as recorded.
    kept, _ = doc.snapshots.nearest(edited_at + 50)
    assert kept > edited_at
    assert panel.rewind(edited_at + 50)
    assert doc.epoch == kept
    X, T = doc.dataset.X_train, doc.dataset.T_train
    recorded = doc.history.train_loss[kept - 1]
    assert doc.network.compute_loss(X, T) == pytest.approx(recorded, rel=1e-9)
    # Undoing the edit makes the earlier epochs reachable again, exactly.
    doc.undo()  # the rewind
    doc.undo()  # the training after the edit
    doc.undo()  # the edit
    assert panel.rewind(100)
    assert doc.network.compute_loss(X, T) == pytest.approx(doc.history.train_loss[99], rel=1e-9)


def test_the_first_snapshot_of_an_architecture_survives_thinning():
    history = ParameterHistory(budget=40 * 8000, keep=5)
    params = np.zeros(1000)  # 8 kB a snapshot
    for epoch in range(1, 401):
        history.add(epoch, params + epoch, "A" if epoch < 301 else "B")
    assert history.nbytes <= 40 * 8000 + 8000
    assert 301 in history.epochs  # where "B" starts: the only way back to its beginning
    assert history.latest(305).architecture == "B"


def test_a_stretch_that_thins_the_snapshots_still_undoes_exactly():
    from bpdesk.core.run import RunHistory

    run = RunHistory(n_layers=2)
    run.snapshots = ParameterHistory(budget=30 * 8000, keep=5)
    params = np.zeros(1000)  # 8 kB a snapshot

    def train(first, last):
        rows = np.full((len(FIELDS), last - first + 1), 0.5)
        run.losses.extend(rows)
        run.gradients.extend(np.ones((last - first + 1, 2)))
        for epoch in range(first, last + 1):
            run.snapshots.add(epoch, params + epoch, "A")

    train(1, 25)
    before = run.snapshots.entries()
    checkpoint = run.tail(25)
    train(26, 80)  # over budget: snapshots from before the stretch are thinned away
    after = run.snapshots.entries()
    assert not set(map(id, before)) <= set(map(id, after))
    change = run.change_since(25, checkpoint)
    run.apply(change, change.before)
    assert run.snapshots.entries() == before
    assert len(run.losses) == len(run.gradients) == 25
    run.apply(change, change.after)
    assert run.snapshots.entries() == after
    assert len(run.losses) == len(run.gradients) == 80


# -- 3. a refused rewind puts the slider back --------------------------------------------


def test_a_refused_rewind_puts_the_slider_back_at_the_current_epoch(loss_panel):
    doc, panel = loss_panel
    fill_history(doc, 100)  # no snapshots: nothing to go back to
    panel.show_epoch(doc.epoch)
    notes = messages(doc)
    panel.slider.setValue(40)
    assert doc.epoch == 100
    assert panel.slider.value() == 100
    assert panel.slider_label.text() == "100 / 100"
    assert "epoch 40" in notes[-1]


# -- 4. runs --------------------------------------------------------------------------------


def test_another_dataset_starts_a_new_run_and_undo_restores_the_old_one(qtbot, window):
    doc = window.doc
    train_to(qtbot, window, 200)
    trained = state(doc)
    editing.change_dataset(doc, make_dataset("spiral", n_samples=60, seed=0))
    assert doc.epoch == 0
    assert len(doc.history) == 0
    assert len(doc.snapshots) == 0
    assert len(doc.runs) == 1
    assert len(doc.runs[0].train_loss) == trained["epoch"]
    assert window.loss_panel.run_label(doc.runs[0]).endswith("· XOR")  # not the data now
    doc.undo()
    assert doc.runs == []
    assert_same(state(doc), trained)
    assert window.loss_panel.rewind(100)


def test_new_points_or_a_new_seed_keep_the_run(qtbot):
    doc = Document()
    editing.change_dataset(doc, make_dataset("moons", n_samples=60, seed=0))
    fill_history(doc, 50)
    editing.change_dataset(doc, make_dataset("moons", n_samples=60, seed=1))
    data = doc.dataset
    from bpdesk.ui.commands import ReplaceDatasetCommand

    X = np.vstack([data.X_train, [[0.0, 0.0]]])
    T = np.vstack([data.T_train, [[1.0]]])
    doc.push(ReplaceDatasetCommand(doc, data.with_points(X, T), None, "Add a point"))
    assert len(doc.history) == 50
    assert doc.runs == []


def test_another_loss_starts_a_new_run_and_undo_restores_the_old_one(loss_panel):
    doc, panel = loss_panel
    fill_history(doc, 80)
    doc.snapshots.add(80, doc.network.parameters)
    before = state(doc)
    editing.set_loss(doc, "bce")
    assert doc.epoch == 0
    assert len(doc.runs) == 1
    assert doc.runs[0].loss == "mse"
    assert "mse loss" in panel.run_label(doc.runs[0])
    doc.undo()
    assert doc.runs == []
    assert_same(state(doc), before)


def test_a_run_is_labelled_with_the_settings_it_was_trained_with(window):
    doc = window.doc
    fill_history(doc, 100)  # at η 0.5
    window.lr_box.setValue(2.0)
    window.lr_box.editingFinished.emit()
    window.act_reset.trigger()  # η is 2 now, but the run was trained at 0.5
    assert doc.runs[0].label == "η 0.5 · sigmoid · sgd"
    fill_history(doc, 50)  # at η 2
    window.lr_box.setValue(5.0)
    window.lr_box.editingFinished.emit()
    fill_history(doc, 50)  # …and on at η 5
    editing.set_activation(doc, 0, "tanh")
    fill_history(doc, 10)
    window.act_reset.trigger()
    assert doc.runs[1].label == "η 2→5 · sigmoid→tanh · sgd"
    labels = [item.name() for item in window.loss_panel.run_curves]
    assert labels == [run.label for run in doc.runs]  # the same data: no dataset named


def test_settings_of_epochs_trained_over_after_a_rewind_leave_the_label(window):
    doc = window.doc
    doc.snapshots.add(0, doc.network.parameters)
    fill_history(doc, 100)  # at η 0.5…
    assert window.loss_panel.rewind(0)
    window.lr_box.setValue(2.0)
    window.lr_box.editingFinished.emit()
    doc.begin_training()  # …trained over from epoch 0 at η 2
    doc.append_training(1, np.full((len(FIELDS), 30), 0.2), ())
    assert len(doc.history) == 30
    assert doc.run_label() == "η 2 · sigmoid · sgd"


def shown(qtbot, panel, epochs):
    """The view range once the live curve shows ``epochs`` epochs."""
    curve = panel.train_curve
    qtbot.waitUntil(lambda: curve.yData is not None and len(curve.yData) == epochs)
    return panel.plot.getPlotItem().vb.viewRange()


def test_after_a_reset_the_view_takes_in_the_earlier_run(qtbot, loss_panel):
    doc, panel = loss_panel
    fill_history(doc, 5000, start_loss=0.8)
    editing.reinitialise(doc)  # what Reset does
    (_, x1), (_, y1) = panel.plot.getPlotItem().vb.viewRange()
    assert x1 >= 5000  # not a 0–15 axis with the old run as a flat stub
    assert y1 >= 0.8
    fill_history(doc, 15, start_loss=0.3)
    (_, x1), (_, y1) = shown(qtbot, panel, 15)
    assert x1 >= 5000
    assert y1 >= 0.8


def test_a_run_on_other_data_does_not_flatten_the_live_curve(qtbot, loss_panel):
    doc, panel = loss_panel
    editing.change_dataset(doc, make_dataset("reg-gauss", n_samples=60, seed=0))
    fill_history(doc, 3000, start_loss=400.0)  # a regression run's huge loss
    editing.change_dataset(doc, make_dataset("spiral", n_samples=60, seed=0))
    fill_history(doc, 100, start_loss=0.3)
    assert len(panel.run_curves) == 1  # still drawn, labelled with its data…
    assert "Regression" in panel.run_curves[0].name()
    (_, x1), (_, y1) = shown(qtbot, panel, 100)
    assert y1 < 1.0  # …but it does not set the scale
    assert x1 < 3000


def test_earlier_runs_have_distinct_faint_colours(loss_panel):
    doc, panel = loss_panel
    for _ in range(4):
        fill_history(doc, 20)
        editing.reinitialise(doc)  # what Reset does
    pens = [curve.opts["pen"].color() for curve in panel.run_curves]
    assert len(pens) == 4
    assert all(c.alpha() < 255 for c in pens)
    assert panel.train_curve.opts["pen"].color().alpha() == 255

    def lab(name, background):
        """CIELAB of ``name`` faded onto ``background`` as the run curves are."""
        alpha = pens[0].alphaF()
        c = np.array(
            [
                alpha * QColor(name).getRgbF()[k] + (1 - alpha) * QColor(background).getRgbF()[k]
                for k in range(3)
            ]
        )
        linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        xyz = (
            np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
            @ linear
            / np.array([0.95047, 1.0, 1.08883])
        )
        f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
        return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

    for background in (theme.STANDARD.background, theme.DARK.background):
        colours = [lab(c, background) for c in RUN_COLORS]
        nearest = min(
            np.linalg.norm(a - b) for k, a in enumerate(colours) for b in colours[k + 1 :]
        )
        assert nearest > 25  # no two runs in near-identical colours, light or dark
        ground = lab(background, background)
        assert min(np.linalg.norm(c - ground) for c in colours) > 30  # yet all visible


def test_a_refused_rewind_leaves_training_running(qtbot, window):
    doc, trainer = window.doc, window.trainer
    trainer.set_speed(100)
    train_to(qtbot, window, 5)
    editing.add_neuron(doc, 1)  # rewinds before this edit are refused
    trainer.start()
    qtbot.waitUntil(lambda: doc.epoch > 7, timeout=10000)
    assert not window.loss_panel.rewind(2)
    assert trainer.state == "running"
    trainer.shutdown()


def test_the_slider_comes_back_to_the_epoch_a_rewind_lands_on(loss_panel):
    doc, panel = loss_panel
    rows = np.full((4, 40), np.nan)
    rows[0] = np.linspace(0.3, 0.1, 40)
    doc.append_training(1, rows, ())
    doc.set_epoch(40)
    # No snapshot at epoch 39: the nearest is where the network already is.
    target, _ = doc.rewind_target(39)
    panel.slider.setValue(39)
    assert doc.epoch == (target.epoch if target is not None else 40)
    assert panel.slider.value() == doc.epoch


def test_undoing_training_after_a_depth_change_restores_the_gradient_record_exactly(qtbot, window):
    doc, trainer = window.doc, window.trainer
    trainer.set_speed(100)
    train_to(qtbot, window, 3)
    editing.insert_layer(doc, 1, 2)  # the gradient record starts again for the new depth
    before = doc.gradient_history.norms.shape
    train_to(qtbot, window, doc.epoch + 2)
    trainer.shutdown()
    doc.undo()
    assert doc.gradient_history.norms.shape == before
    doc.redo()
    assert len(doc.gradient_history.norms) == doc.epoch
