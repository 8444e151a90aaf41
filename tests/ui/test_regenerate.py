"""Regenerate: new points from the next seed in one click, the network kept as it is."""

import numpy as np

from bpdesk.core import TrainConfig, make_dataset
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.panels.data import DataPanel
from bpdesk.ui.training import TrainingController


def test_regenerate_keeps_the_trained_network_and_its_run(qtbot):
    doc = Document()
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    trainer = TrainingController(doc)
    assert editing.change_dataset(doc, make_dataset("circle", n_samples=80, seed=4))
    assert editing.set_features(doc, ("x1sq", "x2sq"))
    doc.replace_config(TrainConfig(learning_rate=0.5, epochs=25))
    trainer.set_speed(None)
    with qtbot.waitSignal(trainer.stopped, timeout=30000):
        trainer.start()
    trained = doc.network.parameters.copy()
    points = doc.dataset.plane.X_train.copy()
    assert panel.regenerate.isEnabled()
    panel.regenerate.click()
    assert doc.dataset.spec.seed == 5
    assert not np.array_equal(doc.dataset.plane.X_train, points)  # new points
    assert doc.dataset.features == ("x1sq", "x2sq")  # the same inputs
    assert np.array_equal(doc.network.parameters, trained)  # the network as it was
    assert doc.epoch == 25  # the same run goes on: the problem is the same
    assert doc.runs == []
    assert doc.undo_stack.undoText() == "Regenerate the data"
    doc.undo()
    assert np.array_equal(doc.dataset.plane.X_train, points)
    assert np.array_equal(doc.network.parameters, trained)
    trainer.shutdown()


def test_fixed_data_have_nothing_to_regenerate(qtbot):
    doc = Document()  # the explainer's four XOR points
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    assert not panel.regenerate.isEnabled()
    assert "seed" in panel.regenerate.toolTip()
