"""The "Chain rule" and "The math" docks name things alike, word the cases right, and agree."""

import re

import numpy as np
import pytest

from bpdesk.core import Network, explain_weight, load_bpnet, make_dataset
from bpdesk.paths import resource_path
from bpdesk.ui.commands import ReplaceNetworkCommand
from bpdesk.ui.document import Document
from bpdesk.ui.format import unbroken
from bpdesk.ui.panels.chain_rule import ChainRulePanel
from bpdesk.ui.panels.math import MathPanel
from bpdesk.ui.tour import load_tour


@pytest.fixture
def make_panels(qtbot):
    """Both panels, shown, for one document; the list keeps them alive until teardown."""
    kept = []

    def make(doc: Document) -> tuple[ChainRulePanel, MathPanel]:
        chain, math = ChainRulePanel(doc), MathPanel(doc)
        for panel in (chain, math):
            qtbot.addWidget(panel)
            panel.resize(700, 700)
            panel.show()
        qtbot.waitExposed(math)
        kept.append((doc, chain, math))
        return chain, math

    return make


SELECTIONS = {
    "output weight": (1, 0, 0),
    "hidden weight": (0, 1, 0),
    "output bias": (1, None, 0),
    "hidden bias": (0, None, 1),
}


def assert_well_worded(text: str) -> None:
    assert not re.search(r"\b1 paths\b|\bare 1 path", text), text
    assert not re.search(r"\b1 terms\b|Sum of 1 term", text), text
    assert "carries the bias" not in text
    # A constant factor is written once: "× 1 (a bias's input is always 1)", not "× 1 1.0000".
    assert not re.search(r"× 1 1\.0+\b", text), text
    assert not re.search(r"\b[Wb]\d\[", text), text  # the old 0-based index names


@pytest.mark.parametrize("sample", [1, None])
@pytest.mark.parametrize("what", list(SELECTIONS))
def test_every_kind_of_parameter_is_worded_right(make_panels, what, sample):
    doc = Document()
    chain, math = make_panels(doc)
    doc.set_sample(sample)
    doc.select(SELECTIONS[what])
    text = chain.plain_text()
    assert_well_worded(text)
    assert_well_worded(math.plain_text())
    bias = "bias" in what
    name = chain.rule.parameter
    assert name == ("b(" if bias else "w(") + name[2:]
    # A bias's gradient is ∂L/∂b, in the title and in the result; a weight's ∂L/∂w.
    assert chain.title.text().startswith(f"∂L/∂{name} — ")
    assert f"∂L/∂{'w' if bias else 'b'}" not in chain.title.text()
    result = text.splitlines()[-1]
    assert result.startswith(f"∂L/∂{name} = ")
    if bias:
        assert "× 1 (a bias's input is always 1)" in text
    assert "There is 1 path from the loss back to it." in text
    if sample is None:
        assert "The mean over the 4 examples: (" in text
        assert "Sum of" not in text
    else:
        assert f"This product is the gradient: ∂L/∂{name} = " in text


@pytest.mark.parametrize("sample", [0, None])
def test_several_paths_are_counted_in_the_plural(make_panels, sample):
    doc = Document()
    chain, _ = make_panels(doc)
    net = Network.create([2, 3, 3, 1], activation="tanh", loss="mse", seed=3)
    doc.push(ReplaceNetworkCommand(doc, net, "Deeper network"))
    doc.set_sample(sample)
    doc.select((0, 1, 2))
    text = chain.plain_text()
    assert_well_worded(text)
    assert "There are 3 paths from the loss back to it." in text
    assert chain.title.text().startswith("∂L/∂w(x2 → h1.3) — ")
    if sample is None:
        assert "The mean over the 4 examples: (the sum of the 12 products, " in text
    else:
        assert "Adding the 3 paths: ∂L/∂w(x2 → h1.3) = " in text


@pytest.mark.parametrize("selected", [(1, 2, 0), (1, None, 0), (0, 0, 3)])
def test_a_big_batch_folds_the_paths_and_is_still_worded_right(make_panels, selected):
    data = make_dataset("circle", n_samples=100, noise=0.1, test_ratio=0.2, seed=0)
    doc = Document(Network.create([2, 4, 1], activation="tanh", seed=0), data)
    chain, math = make_panels(doc)
    doc.set_sample(None)
    doc.select(selected)
    text = chain.plain_text()
    assert_well_worded(text)
    assert chain.rule.grouping == "samples"  # 80 examples: one δ × input each
    assert "There is 1 path from the loss back to it." in text
    assert "… and 56 more products adding up to " in text
    assert "The mean over the 80 examples: (the sum of the 80 products, " in text
    assert f"Numbers for {chain.rule.examples}" in math.plain_text()
    assert chain.rule.examples == "the mean over the 80 examples"


@pytest.mark.parametrize("selected", list(SELECTIONS.values()))
def test_both_panels_name_the_same_parameter_for_the_same_numbers(make_panels, selected):
    doc = Document()
    chain, math = make_panels(doc)
    doc.select(selected)
    for sample in (None, 0, 3):
        # Each follows at once, so they never show different examples.
        doc.set_sample(sample)
        rule = chain.rule
        intro = math.equations.section("selected").intro
        assert intro.startswith(f"{rule.parameter} is the ")
        assert rule.parameter in chain.plain_text()
        which = "the mean over the 4 examples" if sample is None else f"example {sample + 1}: x = "
        assert rule.examples.startswith(which)
        assert chain.title.text().endswith(f"— {unbroken(rule.examples)}")
        assert f"Numbers for {rule.examples}" in math.plain_text()
        assert math.equations.numbers.gradient == pytest.approx(rule.total, rel=1e-12, abs=1e-15)


def test_the_mean_shows_each_examples_own_numbers_in_both_panels(make_panels):
    doc = Document()
    chain, math = make_panels(doc)
    doc.set_sample(None)
    doc.select((0, 1, 0))
    # The chain rule's product for example n is that example's δ × input in "The math"…
    for term, example in zip(chain.rule.terms, math.equations.numbers.examples):
        assert term.example_value == pytest.approx(example.product, rel=1e-12, abs=1e-15)
    # …and the gradient is their mean in both.
    products = [t.example_value for t in chain.rule.terms]
    assert chain.rule.total == pytest.approx(np.mean(products), rel=1e-12)


def chain_rule_page():
    (page,) = [p for p in load_tour() if "chain rule" in p.title.lower()]
    return page


def test_tour_page_5_shows_a_weight_that_takes_real_blame():
    steps = dict(chain_rule_page().steps)
    example = load_bpnet(resource_path("examples", f"{steps['example'][0]}.bpnet"))
    sample = int(steps["sample"][0]) - 1
    layer, i, j = (int(a) for a in steps["select"])
    data = example.dataset
    rule = explain_weight(example.network, data.X_train, data.T_train, layer, i, j, sample=sample)
    assert abs(rule.total) > 1e-3
    assert "no blame" not in rule.blame
    # It runs the backward pass, so that the gradient is on the line in the editor too.
    assert "backward" in steps


def test_tour_page_5_puts_the_numbers_on_screen(window):
    window.confirm_replace = lambda: True
    window.show_tour_page(chain_rule_page())
    doc = window.doc
    assert doc.mode == "backward"
    assert doc.is_fresh("backward")
    gradient = window.chain_rule.final_value
    assert abs(gradient) > 1e-3
    (edge,) = [e for e in window.scene.edges if e.parameter == doc.selected]
    assert edge.label.text == window.preferences.fmt(gradient)


def test_the_decimals_preference_reaches_the_chain_rule(make_panels):
    doc = Document()
    chain, _ = make_panels(doc)
    doc.select((1, 0, 0))
    total = explain_weight(doc.network, *doc.training_arrays(), 1, 0, 0).total
    assert f"{abs(total):.5f}" in chain.plain_text()  # at least 5 decimals for the total
    chain.prefs.update(decimals=7)
    assert f"{abs(total):.8f}" in chain.plain_text()


def test_the_result_points_at_the_diagram_only_once_it_shows_the_gradient(make_panels):
    doc = Document()
    chain, _ = make_panels(doc)
    doc.select((1, 0, 0))
    if doc.is_fresh("backward"):
        doc.push(ReplaceNetworkCommand(doc, doc.network.copy(), "a copy"))
    assert "once the backward pass (F6) has run" in chain.result.text()
    doc.run_backward()
    assert "in the backward view" in chain.result.text()
