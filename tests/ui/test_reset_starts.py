"""Reset to the same start, or to new random weights: undoable, and the run labels say which."""

import numpy as np
import pytest
from PySide6.QtWidgets import QToolButton

from bpdesk.core import TrainConfig
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.training import TrainingController


@pytest.fixture
def trained(qtbot):
    """A document trained for 40 epochs from weights edited by hand (not the seed's)."""
    doc = Document()
    trainer = TrainingController(doc)
    notices: list[str] = []
    doc.message.connect(notices.append)
    editing.set_value(doc, (0, 0, 0), 0.75)  # a start the seed alone would not give
    start = doc.network.parameters.copy()
    doc.replace_config(TrainConfig(learning_rate=0.5, epochs=40))
    trainer.set_speed(None)
    with qtbot.waitSignal(trainer.stopped, timeout=30000):
        trainer.start()
    assert doc.epoch == 40
    yield doc, trainer, start, notices
    trainer.shutdown()


def test_reset_to_the_same_start_brings_back_the_runs_first_weights(qtbot, trained):
    doc, trainer, start, _ = trained
    trained_weights = doc.network.parameters.copy()
    first_label = doc.run_label()
    trainer.reset_to_start()
    assert doc.epoch == 0
    assert np.array_equal(doc.network.parameters, start)  # the hand-edited start, exactly
    assert doc.undo_stack.undoText() == "Reset to the same initial weights"
    assert doc.runs[-1].label == first_label  # the first run, as it was labelled
    assert doc.run_label().endswith(" · same start")
    # The same start trains to the same weights (the same settings, the same shuffle).
    with qtbot.waitSignal(trainer.stopped, timeout=30000):
        trainer.start()
    assert np.array_equal(doc.network.parameters, trained_weights)
    # Another reset to the same start: still the first run's start, labelled so.
    trainer.reset_to_start()
    assert np.array_equal(doc.network.parameters, start)
    assert doc.runs[-1].label.endswith(" · same start")
    doc.undo()
    doc.undo()  # the training
    doc.undo()  # the first reset
    assert doc.epoch == 40
    assert np.array_equal(doc.network.parameters, trained_weights)
    assert doc.runs == []
    assert doc.run_label() == first_label


def test_reset_to_new_random_weights_takes_the_next_seed(trained):
    doc, trainer, start, _ = trained
    seed = doc.network.seed
    trainer.reset_to_new_weights()
    assert doc.epoch == 0
    assert doc.network.seed == seed + 1
    assert not np.array_equal(doc.network.parameters, start)
    assert doc.run_label().endswith(f" · new weights (seed {seed + 1})")
    assert doc.undo_stack.undoText() == f"Reset to new weights (seed {seed + 1})"
    doc.undo()
    assert doc.network.seed == seed
    assert doc.epoch == 40


def test_a_run_not_trained_yet_has_no_other_start(trained):
    doc, trainer, _, notices = trained
    trainer.reset_to_new_weights()
    assert not editing.reset_to_start(doc)
    assert "at the start of its run already" in notices[-1]


def test_the_toolbar_reset_offers_both_starts(window):
    actions = window.window_actions
    button = window.toolbar.widgetForAction(actions.reset)
    assert button.popupMode() == QToolButton.ToolButtonPopupMode.MenuButtonPopup
    offered = button.menu().actions()
    assert actions.reset_same in offered
    assert actions.reset_new in offered
    assert actions.reset_same in window.menus.train.actions()
