"""An example from outside the training set (a test image, a drawing) is what the editor's
notes, the toolbar's Example box and the explaining panels name and explain."""

import numpy as np
import pytest

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.panels.chain_rule import ChainRulePanel
from bpdesk.ui.panels.landscape import LandscapePanel
from bpdesk.ui.panels.math import MathPanel
from bpdesk.ui.preferences import Preferences, ViewPreferences
from bpdesk.ui.toolbar import OUTSIDE


@pytest.fixture
def doc(qtbot):
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    net = Network.create([64, 16, 10], activation="relu", output_activation="softmax", seed=2)
    return Document(net, data)


def show_test_image(doc, row=5):
    data = doc.dataset
    return doc.outside.show(data.X_test[row], data.T_test[row], f"test example {row + 1}")


def example_gradient(doc, example, parameter):
    grads = doc.network.backpropagate(example.x[None], example.t[None]).gradient
    return float(grads[doc.parameter_index(parameter)])


def test_the_editor_notes_and_banner_name_the_example_shown(doc, qtbot):
    view = NetworkView(doc, prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    scene = view.network_scene
    doc.set_sample(None)
    doc.run_forward()
    assert f"(mean of {doc.dataset.n_train} examples)" in scene.loss_note.text
    show_test_image(doc)
    doc.frames.flush(view._update_banner)
    note = scene.loss_note.text
    assert "(test example 6)" in note
    assert "mean of" not in note
    assert "for test example 6" in view.banner.text()
    assert "mean over all" not in view.banner.text()
    doc.set_sample(3)
    doc.frames.flush(view._update_banner)
    assert "(example 4)" in scene.loss_note.text
    assert "test example" not in view.banner.text()


def test_the_example_box_has_an_entry_for_the_example_shown(window):
    doc, box = window.doc, window.sample_box
    doc.set_sample(1)
    count = box.count()
    doc.outside.show(np.array([0.5, 0.5]), np.array([1.0]), "your drawing")
    assert box.count() == count + 1
    assert box.currentIndex() == count
    assert box.currentText() == "Your drawing"
    assert box.currentData() == OUTSIDE
    assert "your drawing alone" in window.loss_label.toolTip()
    # Choosing a training example again puts the views back on it, and the entry goes.
    box.setCurrentIndex(3)
    assert doc.outside.example is None
    assert doc.sample == 2
    assert box.count() == count
    assert box.currentIndex() == 3
    # Showing it again and then choosing the row that was chosen before works too.
    doc.outside.show(np.array([0.5, 0.5]), np.array([1.0]), "your drawing")
    box.setCurrentIndex(3)
    assert doc.outside.example is None
    assert box.count() == count


def test_the_chain_rule_explains_the_example_shown(doc, qtbot):
    panel = ChainRulePanel(doc)
    qtbot.addWidget(panel)
    doc.set_sample(None)
    doc.select((1, 3, 7))
    example = show_test_image(doc)
    text = panel.plain_text()
    assert panel.rule.n_examples == 1
    assert panel.final_value == pytest.approx(example_gradient(doc, example, (1, 3, 7)))
    assert "test example 6: x = 64 inputs" in panel.title.text().replace("\xa0", " ")
    assert "mean over" not in panel.title.text()
    assert "test example 6" in text
    # A first-layer weight: its ten paths, through each output, for this example.
    doc.select((0, 20, 2))
    panel.plain_text()
    assert panel.rule.n_paths == 10
    assert panel.final_value == pytest.approx(example_gradient(doc, example, (0, 20, 2)))


def test_the_math_explains_the_example_shown(doc, qtbot):
    panel = MathPanel(doc)
    qtbot.addWidget(panel)
    doc.set_sample(4)
    doc.select((1, 3, 7))
    example = show_test_image(doc, 8)
    text = panel.plain_text()
    numbers = panel.equations.numbers
    assert numbers.n_examples == 1
    assert numbers.gradient == pytest.approx(example_gradient(doc, example, (1, 3, 7)))
    assert "Numbers for test example 9: x = 64 inputs" in text
    assert "example 5:" not in text


def test_the_error_landscape_is_the_example_shown(doc, qtbot):
    panel = LandscapePanel(doc)
    qtbot.addWidget(panel)
    panel.resize(420, 600)
    panel.show()
    doc.set_sample(None)
    doc.select((1, 3, 7))
    panel._refresh()
    example = show_test_image(doc)
    doc.frames.flush(panel._refresh)
    panel._refresh()
    assert panel.landscape.slope == pytest.approx(example_gradient(doc, example, (1, 3, 7)))
    assert "test example 6" in panel.title.text()
    # Another drawing of the same name is another curve.
    other = doc.outside.show(doc.dataset.X_test[0], example.t, "test example 6")
    panel._refresh()
    assert panel.landscape.slope == pytest.approx(example_gradient(doc, other, (1, 3, 7)))


def test_applying_a_drawings_gradients_reports_the_drawings_loss(window):
    doc = window.doc
    doc.set_sample(None)
    x, t = np.array([0.2, 0.9]), np.array([1.0])
    doc.outside.show(x, t, "your drawing")
    window.act_backward_pass.trigger()
    before = doc.network.compute_loss(x[None], t[None])
    window.apply_gradients()
    message = window.statusBar().currentMessage()
    after = doc.network.compute_loss(x[None], t[None])
    assert after < before
    assert message.startswith("Applied your drawing's gradients: its loss fell from ")
    assert "the mean over all 4" in message
