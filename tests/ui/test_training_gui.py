"""Training from the GUI: the worker thread, its controls, and what the window shows."""

import numpy as np
import pytest

from bpdesk.core import make_dataset
from bpdesk.ui import editing
from bpdesk.ui.commands import ReplaceDatasetCommand, SetConfigCommand


def wait_for_epoch(qtbot, doc, epoch, timeout=20000):
    qtbot.waitUntil(lambda: doc.epoch >= epoch, timeout=timeout)


def test_training_xor_from_the_window_lowers_the_loss(qtbot, window):
    doc = window.doc
    trainer = window.trainer
    doc.set_sample(None)
    start_loss = doc.forward_state.total_loss
    window.act_train.trigger()
    assert trainer.state == "running"
    wait_for_epoch(qtbot, doc, 6000)  # the explainer's 2-2-1 net solves XOR by ~4,300
    window.act_train.trigger()
    assert trainer.state == "paused"
    qtbot.waitUntil(lambda: doc.undo_stack.undoText().startswith("Train"), timeout=5000)
    history = doc.history
    # Every epoch is in the history, however fast training ran.
    assert len(history) == doc.epoch
    assert np.all(np.isfinite(history.train_loss))
    assert doc.forward_state.total_loss < start_loss
    assert history.train_loss[-1] == pytest.approx(doc.forward_state.total_loss, rel=1e-9)
    qtbot.waitUntil(
        lambda: window.status_training.text().startswith("paused · epoch"), timeout=2000
    )
    # XOR is solved by now: every row of the predictions table is right.
    panel = window.predictions_panel
    panel.refresh()
    model = panel.model
    check = model.column("check")
    assert [model.index(r, check).data() for r in range(4)] == ["✓"] * 4
    assert panel.train_accuracy == 1.0


def test_pause_resume_and_step(qtbot, window):
    doc = window.doc
    trainer = window.trainer
    trainer.set_speed(100)
    trainer.start()
    wait_for_epoch(qtbot, doc, 5)
    # The job's "paused" comes from inside its pause, after every epoch it reported:
    # once it is in, no epoch can follow until the job is let go.
    with qtbot.waitSignal(trainer.job.paused, timeout=5000):
        trainer.pause()
    assert not doc.recording_training  # the stretch was committed
    paused_at = doc.epoch
    with qtbot.waitSignal(trainer.job.paused, timeout=5000):  # held again after one epoch
        trainer.step()
    assert doc.epoch == paused_at + 1
    trainer.start()
    wait_for_epoch(qtbot, doc, paused_at + 5)
    trainer.shutdown()
    assert trainer.state == "idle"
    assert len(doc.history) == doc.epoch


def test_undo_after_training_restores_the_exact_network(qtbot, window):
    doc = window.doc
    before = doc.network.parameters.copy()
    window.trainer.start()
    wait_for_epoch(qtbot, doc, 200)
    doc.undo()  # stops training first, then undoes it
    assert window.trainer.state == "idle"
    assert np.array_equal(doc.network.parameters, before)
    assert doc.epoch == 0
    assert len(doc.history) == 0
    trained = doc.undo_stack.redoText()
    assert trained.startswith("Train")
    doc.redo()
    assert doc.epoch > 0
    assert len(doc.history) == doc.epoch


def on_a_thread(window):
    """Train on the job runner's thread rather than in the training process (a test that
    looks into the engine's trainer as it runs, or patches it)."""
    window.trainer.process = None
    return window


@pytest.mark.parametrize("where", ["process", "thread"])
def test_settings_change_mid_run_without_restarting(qtbot, window, where):
    doc = window.doc
    trainer = window.trainer
    if where == "thread":
        on_a_thread(window)
    trainer.start()
    wait_for_epoch(qtbot, doc, 50)
    job = trainer.job
    sent = []  # the settings each report says its epochs were trained with
    job.partial.connect(lambda update: sent.extend(c.learning_rate for _, c in update.configs))
    from dataclasses import replace

    doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=2.0)))
    assert trainer.job is job  # same job, same run
    epoch = doc.epoch
    wait_for_epoch(qtbot, doc, epoch + 50)
    assert 2.0 in sent
    if where == "thread":
        assert trainer.engine.config.learning_rate == 2.0
    trainer.shutdown()


@pytest.mark.parametrize("where", ["process", "thread"])
def test_editing_the_network_while_training_keeps_it_consistent(qtbot, window, where):
    doc = window.doc
    trainer = window.trainer
    if where == "thread":
        on_a_thread(window)
    trainer.start()
    wait_for_epoch(qtbot, doc, 50)
    editing.add_neuron(doc, 1)
    assert doc.network.layer_sizes == (2, 3, 1)
    qtbot.waitUntil(lambda: trainer.state == "running", timeout=5000)
    epoch = doc.epoch
    wait_for_epoch(qtbot, doc, epoch + 100)
    if where == "thread":
        assert trainer.engine.network.layer_sizes == (2, 3, 1)
        assert doc.network.parameters.shape == trainer.engine.network.parameters.shape
    trainer.shutdown()
    assert len(doc.history) == doc.epoch
    # What the run computed was of the edited network: its last loss is the loss of
    # the network the document shows.
    assert doc.network.layer_sizes == (2, 3, 1)
    doc.set_sample(None)
    assert doc.history.train_loss[-1] == pytest.approx(doc.forward_state.total_loss, rel=1e-9)


@pytest.mark.parametrize("where", ["process", "thread"])
def test_changing_the_dataset_while_training(qtbot, window, where):
    doc = window.doc
    trainer = window.trainer
    if where == "thread":
        on_a_thread(window)
    trainer.start()
    wait_for_epoch(qtbot, doc, 20)
    data = make_dataset("circle", n_samples=60, seed=1)
    doc.push(ReplaceDatasetCommand(doc, data, None, "Use circle"))
    qtbot.waitUntil(lambda: trainer.state == "running", timeout=5000)
    wait_for_epoch(qtbot, doc, doc.epoch + 20)
    if where == "thread":
        assert trainer.engine.dataset is data
    trainer.shutdown()
    # The run trained on the new data: its last loss is the loss on the circle.
    doc.set_sample(None)
    assert doc.history.train_loss[-1] == pytest.approx(doc.forward_state.total_loss, rel=1e-9)


def test_a_huge_learning_rate_diverges_and_is_handled(qtbot, window):
    doc = window.doc
    trainer = window.trainer
    # XOR with a linear output can blow up (a sigmoid output keeps MSE below ½).
    editing.set_activation(doc, 1, "linear")
    doc.push(
        SetConfigCommand(doc, __import__("dataclasses").replace(doc.config, learning_rate=100.0))
    )
    with qtbot.waitSignal(trainer.diverged, timeout=20000) as blocker:
        trainer.start()
    reason = blocker.args[0]
    assert "learning rate" in reason
    assert trainer.state == "idle"
    assert np.all(np.isfinite(doc.network.parameters))
    assert np.all(np.isfinite(doc.history.train_loss))
    assert "lower learning rate" in window.view.toast.text()


def test_fifty_start_stop_cycles_are_clean(qtbot, qtlog, window):
    doc = window.doc
    trainer = window.trainer
    for _ in range(50):
        trainer.start()
        qtbot.wait(5)
        trainer.shutdown()
    assert trainer.job is None
    assert len(doc.history) == doc.epoch
    assert not [r for r in qtlog.records if "QThread" in r.message or "thread" in r.message.lower()]


def test_rewind_to_an_earlier_epoch_and_train_on_from_there(qtbot, window):
    doc = window.doc
    trainer = window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 300)
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)
    end_epoch, end_params = doc.epoch, doc.network.parameters.copy()
    kept_epoch, kept = doc.snapshots.nearest(120)
    assert kept_epoch == 120  # every epoch is kept early in a run
    assert window.loss_panel.rewind(120)
    assert doc.epoch == 120
    assert np.array_equal(doc.network.parameters, kept)
    assert len(doc.history) == end_epoch  # the later history is still shown…
    assert window.loss_panel.cursor.isVisible()
    # …until training goes on from here, which replaces it.
    trainer.step()
    qtbot.waitUntil(lambda: doc.epoch == 121, timeout=5000)
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)
    assert len(doc.history) == 121
    trainer.shutdown()
    doc.undo()  # the step
    doc.undo()  # the rewind
    assert doc.epoch == end_epoch
    assert np.array_equal(doc.network.parameters, end_params)
    assert len(doc.history) == end_epoch


def test_clicking_the_loss_curve_rewinds(qtbot, window):
    from PySide6.QtCore import QPointF

    doc = window.doc
    trainer = window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 400)
    trainer.shutdown()
    panel = window.loss_panel
    panel.fit()
    vb = panel.plot.getPlotItem().vb
    scene_pos = vb.mapViewToScene(QPointF(200, float(doc.history.train_loss[199])))
    assert panel.epoch_at(scene_pos) == 200

    class Click:  # what pyqtgraph's scene sends
        def button(self):
            from PySide6.QtCore import Qt

            return Qt.MouseButton.LeftButton

        def scenePos(self):
            return scene_pos

    scene = panel.plot.scene()
    scene.sigMouseClicked.emit(Click())
    assert doc.epoch == 200
    scene.sigMouseMoved.emit(scene_pos)
    assert panel.readout.text().startswith("epoch 200")


def test_closing_the_window_mid_training_joins_the_thread(qtbot, settings, tmp_path):
    from conftest import quiet_window

    win = quiet_window(settings, tmp_path)
    qtbot.addWidget(win)
    win.show()
    win.trainer.start()
    wait_for_epoch(qtbot, win.doc, 10)
    job = win.trainer.job
    win.close()
    assert win.trainer.job is None
    assert job.is_finished()


def test_reset_keeps_the_old_run_for_comparison_and_is_undoable(qtbot, window):
    doc = window.doc
    trainer = window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 100)
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=5000)
    trained = doc.network.parameters.copy()
    epoch = doc.epoch
    window.act_reset.trigger()
    assert doc.epoch == 0
    assert len(doc.history) == 0
    assert len(doc.runs) == 1
    assert "η 0.5" in doc.runs[0].label
    assert len(doc.runs[0].train_loss) == epoch
    doc.undo()
    assert doc.epoch == epoch
    assert np.array_equal(doc.network.parameters, trained)
    assert doc.runs == []


def test_dragging_the_landscape_slider_while_training_is_one_undo_step(qtbot, window):
    doc = window.doc
    doc.select((1, 0, 0))
    panel = window.landscape_panel
    window.show_dock("landscape")
    window.trainer.set_speed(100)
    window.trainer.start()
    qtbot.waitUntil(lambda: doc.epoch > 3, timeout=10000)
    stack = doc.undo_stack
    before = stack.count()
    panel.slider.sliderPressed.emit()  # the gesture, as a mouse press on the handle starts it
    assert window.trainer.state == "paused"
    for position in range(10, 400, 40):
        panel.slider.setValue(position)
        qtbot.wait(20)  # time in which training used to restart between moves
    panel.slider.sliderReleased.emit()
    assert window.trainer.state == "running"
    texts = [stack.text(k) for k in range(before, stack.count())]
    assert len(texts) == 2, texts  # the training so far, then the whole drag
    assert texts[0].startswith("Train")
    window.trainer.shutdown()


def test_a_run_that_fails_ends_cleanly_and_says_why(qtbot, window, monkeypatch):
    from bpdesk.ui import training

    calls = []
    real = training.Trainer.run_epoch

    def failing(self):
        calls.append(1)
        if len(calls) > 3:
            raise RuntimeError("out of memory")
        return real(self)

    monkeypatch.setattr(training.Trainer, "run_epoch", failing)
    on_a_thread(window)  # the patch is in this process
    messages = []
    window.doc.message.connect(messages.append)
    window.trainer.set_speed(100)
    window.trainer.start()
    qtbot.waitUntil(lambda: window.trainer.state == "idle", timeout=10000)
    assert window.trainer.job is None
    assert any("training failed: out of memory" in m for m in messages)
    assert window.doc.epoch == 3  # what was trained before the failure is kept
    window.trainer.start()  # and training can start again
    assert window.trainer.state == "running"
    window.trainer.shutdown()


def test_other_data_while_training_starts_a_new_run_and_trains_on(qtbot, window):
    doc = window.doc
    trainer = window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 200)
    editing.change_dataset(doc, make_dataset("circle", n_samples=60, seed=1))
    assert len(doc.runs) == 1  # the XOR run, kept faint for comparison
    assert doc.runs[0].dataset == "XOR"
    qtbot.waitUntil(lambda: trainer.state == "running", timeout=5000)
    wait_for_epoch(qtbot, doc, 20)  # the new run counts from epoch 0
    trainer.shutdown()
    assert len(doc.history) == doc.epoch
    # The stretch on the circle counts from epoch 0, not on from XOR's last epoch
    # (asked of the record, not of how far each side got in the time it had).
    stack = doc.undo_stack
    assert stack.command(stack.index() - 1).epoch_before == 0
    assert stack.command(stack.index() - 1).epoch_after == doc.epoch
    before_change = len(doc.runs[0].train_loss)
    doc.undo()  # the training on the circle
    doc.undo()  # the change of data: the XOR run is back, exactly
    assert doc.dataset.name == "xor"
    assert doc.runs == []
    assert doc.epoch == len(doc.history) == before_change
    assert window.loss_panel.rewind(100)


def test_an_edit_while_training_starts_from_the_last_epoch_trained(qtbot, window):
    import time

    from bpdesk.ui import editing

    doc, trainer = window.doc, window.trainer
    trainer.set_speed(None)
    trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 50, timeout=10000)
    time.sleep(0.05)  # the worker runs ahead of the frame on screen; its reports wait
    editing.move_neuron(doc, 1, 0, 1)  # does not change the function computed
    trainer.shutdown()
    stack = doc.undo_stack
    train = stack.command(stack.index() - 2)
    assert stack.text(stack.index() - 1) == "Move neuron"
    X, T = doc.dataset.X_train, doc.dataset.T_train
    # The edited network computes what training left: not an older frame's weights.
    assert doc.network.compute_loss(X, T) == pytest.approx(
        doc.history.train_loss[train.epoch_after - 1], rel=1e-9
    )


def test_pausing_and_resuming_at_once_keeps_every_epoch_in_an_undo_step(qtbot, window):
    import time

    doc, trainer = window.doc, window.trainer
    trainer.set_speed(100)
    trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 10, timeout=10000)
    trainer.pause()
    paused_at = doc.epoch
    time.sleep(0.05)  # the worker's "paused" report waits while the user presses Space again
    trainer.start()
    # Reports arrive in order: epochs after the pause mean the late report is in.
    qtbot.waitUntil(lambda: doc.epoch >= paused_at + 5, timeout=10000)
    trainer.shutdown()
    stack = doc.undo_stack
    top = stack.command(stack.index() - 1)
    assert top.epoch_after == doc.epoch  # the epochs after the late report are in a step too
    epoch, params = doc.epoch, doc.network.parameters.copy()
    doc.undo()
    doc.redo()
    assert doc.epoch == epoch
    assert np.array_equal(doc.network.parameters, params)
