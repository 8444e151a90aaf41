"""The math dock shows the current network's equations and follows every change."""

import numpy as np
import pytest

from bpdesk.core import Network
from bpdesk.core.numbers import format_number
from bpdesk.ui.commands import ReplaceNetworkCommand
from bpdesk.ui.document import Document
from bpdesk.ui.panels.math import MathPanel


@pytest.fixture
def make_panel(qtbot):
    """A shown panel for a document; the list keeps strong references until teardown."""
    kept = []

    def make(doc: Document) -> MathPanel:
        panel = MathPanel(doc)
        qtbot.addWidget(panel)
        panel.resize(600, 700)
        panel.show()
        qtbot.waitExposed(panel)
        kept.append((doc, panel))
        return panel

    return make


def test_the_explainers_network_shows_the_explainers_equations(make_panel):
    panel = make_panel(Document())
    text = panel.plain_text()
    for line in (
        "h = σ(W₁x + b₁)",
        "ŷ = σ(W₂h + b₂)",
        "L = ½(ŷ − t)²",
        "∂L/∂W₂ = ∂L/∂ŷ × ∂ŷ/∂W₂",
        "∂L/∂W₁ = ∂L/∂ŷ × ∂ŷ/∂h × ∂h/∂W₁",
        "W ← W − η·∂L/∂W",
        "W ← W − 0.5·∂L/∂W",
    ):
        assert line in text
    assert "Click a weight" in text  # nothing selected yet


def test_a_new_network_brings_its_own_lines(make_panel):
    doc = Document()
    panel = make_panel(doc)
    net = Network.create([2, 3, 3, 1], activation="tanh", loss="mse", seed=3)
    doc.push(ReplaceNetworkCommand(doc, net, "Deeper network"))
    text = panel.plain_text()
    assert "h₁ = tanh(W₁x + b₁)" in text
    assert "h₂ = tanh(W₂h₁ + b₂)" in text
    assert "ŷ = σ(W₃h₂ + b₃)" in text
    assert "δ₁ = (W₂ᵀδ₂) ⊙ tanh'(z₁)" in text
    assert "h = σ(W₁x + b₁)" not in text
    doc.undo()
    assert "h = σ(W₁x + b₁)" in panel.plain_text()


def selected_gradient(doc):
    X, T = doc.training_arrays()
    _, dW, db = doc.network.gradients(X, T)
    layer, i, j = doc.selected
    return float(db[layer][j] if i is None else dW[layer][i, j])


def test_a_selection_fills_in_the_engines_numbers(make_panel):
    doc = Document()
    panel = make_panel(doc)
    doc.select((1, 0, 0))
    text = panel.plain_text()
    g = selected_gradient(doc)
    w = float(doc.network.weights[1][0, 0])
    assert "The selected weight, with numbers" in text
    assert "h1 → ŷ" in text
    assert panel.equations.numbers.gradient == pytest.approx(g, rel=1e-12)
    assert "∂L/∂w = δ(ŷ) · h1 = " in text
    assert any(line.endswith(f"= {format_number(g, 4)}") for line in text.splitlines())
    step = f"w ← w − η·∂L/∂w = {format_number(w, 4)} − 0.5 × "
    assert step in text
    assert f"= {format_number(w - 0.5 * g, 4)}" in text

    # The batch mean: every example listed, the gradient still the engine's.
    doc.set_sample(None)
    text = panel.plain_text()
    assert "over the 4 examples" in text
    assert panel.equations.numbers.gradient == pytest.approx(selected_gradient(doc), rel=1e-12)

    doc.select((0, None, 1))
    text = panel.plain_text()
    assert "The selected bias, with numbers" in text
    assert panel.equations.numbers.gradient == pytest.approx(selected_gradient(doc), rel=1e-12)

    doc.select(None)
    assert "Click a weight" in panel.plain_text()


def test_the_learning_rate_and_new_weights_show_at_once(make_panel):
    doc = Document()
    panel = make_panel(doc)
    doc.select((0, 0, 0))
    doc.set_learning_rate(0.1)
    assert "W ← W − 0.1·∂L/∂W" in panel.browser.toPlainText()
    doc.set_parameter((0, 0, 0), 0.75)
    assert "w ← w − η·∂L/∂w = 0.7500 − 0.1 × " in panel.browser.toPlainText()


def test_while_training_it_refreshes_a_few_times_a_second(make_panel, qtbot):
    doc = Document()
    panel = make_panel(doc)
    doc.select((0, 0, 0))
    doc.training_active = True
    values = doc.network.parameters.copy()
    for k in range(5):
        values[doc.parameter_index((0, 0, 0))] = 0.1 * (k + 1)
        doc.set_parameters(values)
    # Throttled, but the last change always shows.
    qtbot.waitUntil(lambda: "= 0.5000 − 0.5 × " in panel.browser.toPlainText(), timeout=2000)
    doc.training_active = False


def test_a_hidden_panel_catches_up_when_shown(make_panel):
    doc = Document()
    panel = make_panel(doc)
    panel.hide()
    doc.push(ReplaceNetworkCommand(doc, Network.create([2, 4, 4, 1], "relu"), "Deeper"))
    assert "h₁ = ReLU(W₁x + b₁)" not in panel.browser.toPlainText()
    panel.show()
    assert "h₁ = ReLU(W₁x + b₁)" in panel.browser.toPlainText()


def test_the_numbers_match_the_engine_for_every_selected_row(make_panel):
    doc = Document()
    panel = make_panel(doc)
    doc.select((0, 1, 1))
    for sample in range(doc.dataset.n_train):
        doc.set_sample(sample)
        X, T = doc.training_arrays()
        _, dW, _ = doc.network.gradients(X, T)
        numbers = panel.equations.numbers
        assert numbers.gradient == pytest.approx(dW[0][1, 1], rel=1e-12, abs=1e-15)
        assert np.allclose(numbers.examples[0].x, X[0])


def test_a_new_selection_scrolls_its_numbers_into_view_and_updates_keep_the_place(make_panel):
    doc = Document()
    panel = make_panel(doc)
    panel.resize(400, 300)
    bar = panel.browser.verticalScrollBar()
    assert bar.value() == 0
    doc.select((0, 1, 0))
    assert bar.maximum() > 0
    assert bar.value() > 0
    bar.setValue(bar.value() // 2)
    place = bar.value()
    doc.set_parameter((0, 1, 0), 0.3)  # new numbers, same selection
    assert "0.3000" in panel.browser.toPlainText()
    assert bar.value() == place
