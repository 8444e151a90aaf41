"""The explainer's one-weight model ŷ = w·x has no bias, in every part of the window."""

import numpy as np
import pytest

from bpdesk.core import weight_landscape
from bpdesk.core.landscape import single_weight_dataset, single_weight_network
from bpdesk.ui import editing
from bpdesk.ui.commands import SetParametersCommand
from bpdesk.ui.document import Document
from bpdesk.ui.panels.gradcheck import GradCheckPanel


@pytest.fixture
def doc():
    return Document(network=single_weight_network(0.5), dataset=single_weight_dataset())


def test_apply_gradients_lands_where_the_landscape_said(doc):
    X, T = doc.training_arrays()
    scape = weight_landscape(doc.network, X, T, 0, 0, 0, learning_rate=doc.config.learning_rate)
    editing.apply_gradients(doc)
    assert doc.network.weights[0][0, 0] == pytest.approx(scape.step_to)
    assert doc.network.biases[0][0] == 0.0
    assert doc.network.compute_loss(X, T) == pytest.approx(scape.step_loss)


def test_there_is_no_bias_to_type_into(doc):
    messages = []
    doc.message.connect(messages.append)
    assert not editing.set_value(doc, (0, None, 0), 1.0)
    assert doc.network.biases[0][0] == 0.0
    assert "no biases" in messages[-1]


def test_the_gradient_check_counts_one_parameter(qtbot, doc):
    panel = GradCheckPanel(doc)
    qtbot.addWidget(panel)
    panel.run_check()
    result = panel.result
    assert result.n_parameters == 1
    assert result.numerical_forward_passes == 2
    assert result.names == ("w(x1 → ŷ)",)
    assert result.passed
    assert panel.model.position(0) == 0
    assert panel.model.entry_of(1) is None  # the bias's place: not a parameter
    panel.shutdown()


def test_training_finds_the_minimum_of_the_curve(doc):
    from dataclasses import replace

    from bpdesk.core import Trainer

    trainer = Trainer(doc.network.copy(), doc.dataset, replace(doc.config, epochs=None))
    for _ in range(200):
        trainer.run_epoch()
    assert trainer.network.weights[0][0, 0] == pytest.approx(2.0)  # w·1 = t
    assert np.all(trainer.network.biases[0] == 0.0)


def test_a_bias_cannot_be_selected(doc):
    with pytest.raises(IndexError, match="no biases"):
        doc.select((0, None, 0))
    assert doc.selected is None
    doc.select((0, 0, 0))
    assert doc.selected == (0, 0, 0)


def test_the_diagram_shows_no_bias(window):
    window.open_example("single-weight")
    assert not window.doc.network.has_bias
    assert window.scene.bias_labels == {}
    assert window.doc.network.n_parameters == 1
    assert "1 parameter" in window.status_network.text()


def test_a_step_that_would_make_weights_infinite_is_not_applied(doc):
    messages = []
    doc.message.connect(messages.append)
    # A weight as a diverged run leaves it (beyond what a typed value may be).
    doc.push(SetParametersCommand(doc, np.array([1e308, 0.0]), "diverged"))
    before = doc.network.parameters.copy()
    assert not editing.apply_gradients(doc)
    assert np.array_equal(doc.network.parameters, before)
    assert "Lower the learning rate" in messages[-1]
