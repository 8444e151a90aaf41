"""The chain-rule panel on the digits network: the paths counted, summed and the largest
few named, not listed by the thousand."""

import numpy as np
import pytest

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.panels.chain_rule import ChainRulePanel


@pytest.fixture
def digits_panel(qtbot):
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    net = Network.create(
        [64, 128, 64, 10], activation="relu", output_activation="softmax", loss="ce", seed=3
    )
    doc = Document(net, data)
    panel = ChainRulePanel(doc)
    qtbot.addWidget(panel)
    return doc, panel


def backprop(doc, layer, i, j):
    X, T = doc.training_arrays()
    _, dW, _ = doc.network.gradients(X, T)
    return float(dW[layer][i, j])


def test_a_first_layer_weight_shows_its_640_paths_summed_and_the_largest(digits_panel):
    doc, panel = digits_panel
    doc.set_sample(None)  # the mean over every example
    doc.select((0, 27, 100))
    text = panel.plain_text()
    paths = panel.paths
    assert paths is not None
    assert paths.n_paths == 640
    assert paths.n_examples == doc.dataset.n_train
    assert "All 640 paths at once" in text
    assert f"The {640 * doc.dataset.n_train:,} products, one for each path and each" in text
    assert "The 5 largest paths" in text
    assert text.count("h1.101 → h2.") == 5  # each largest path named by its neurons
    assert paths.total == pytest.approx(backprop(doc, 0, 27, 100), rel=1e-9, abs=1e-15)
    assert panel.final_value == pytest.approx(paths.total, rel=1e-9, abs=1e-15)
    # Not a row per path: the page stays short.
    assert len(text.splitlines()) < 80


def test_one_example_and_a_bias(digits_panel):
    doc, panel = digits_panel
    doc.set_sample(4)
    doc.select((0, None, 7))
    panel.plain_text()
    assert panel.paths.n_paths == 640
    assert panel.paths.n_examples == 1
    _, _, db = doc.network.gradients(*doc.training_arrays())
    assert panel.paths.total == pytest.approx(float(db[0][7]), rel=1e-9, abs=1e-15)
    # Ten paths of one example are few enough to list, as on a small network.
    doc.select((1, None, 7))
    assert panel.paths is None
    assert panel.rule.grouping == "paths"


def test_a_small_network_lists_its_paths_as_before(qtbot):
    doc = Document()  # the explainer's 2-2-1 on XOR
    panel = ChainRulePanel(doc)
    qtbot.addWidget(panel)
    doc.set_sample(0)
    doc.select((0, 0, 0))
    assert panel.paths is None
    assert "paths at once" not in panel.plain_text()
    assert np.isfinite(panel.final_value)
