"""The "Confusion matrix" dock counts every true class against the network's answers."""

import numpy as np
import pytest

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.panels.confusion import ConfusionPanel, confusion_counts, tints
from bpdesk.ui.theme import STANDARD


@pytest.fixture
def doc():
    net = Network.create([64, 16, 10], activation="relu", loss="ce", seed=4)
    return Document(net, make_dataset("digits"))


def test_confusion_counts():
    true = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    counts = confusion_counts(true, predicted, 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_tints_are_green_on_the_diagonal_red_off_it_and_blank_when_empty():
    colours = tints(np.array([[5, 1], [0, 3]]), STANDARD).astype(int)
    green, red = colours[0, 0], colours[0, 1]
    assert green[1] > green[0]  # more green than red
    assert red[0] > red[1]
    np.testing.assert_array_equal(colours[1, 0], [0xFB, 0xFB, 0xF8])  # the background


def test_the_panel_counts_the_test_set_ten_by_ten(qtbot, doc):
    panel = ConfusionPanel(doc)
    qtbot.addWidget(panel)
    data = doc.dataset
    predicted = doc.network.predict(data.X_test).argmax(axis=1)
    expected = confusion_counts(data.T_test.argmax(axis=1), predicted, 10)
    assert panel.which.currentData() == "test"
    np.testing.assert_array_equal(panel.counts, expected)
    assert panel.counts.sum() == data.n_test
    assert panel.image.image.shape == (10, 10, 3)
    assert len(panel.labels) == 100
    t, p = np.unravel_index(np.argmax(expected), expected.shape)
    assert panel.labels[t * 10 + p].toPlainText() == str(expected[t, p])
    right = int(np.trace(expected))
    assert panel.summary.text().startswith(f"{right:,} of {data.n_test:,} right")
    panel.which.setCurrentIndex(panel.which.findData("train"))
    assert panel.counts.sum() == data.n_train


def test_it_follows_the_network(qtbot, doc):
    panel = ConfusionPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    before = panel.counts.copy()
    rng = np.random.default_rng(1)
    doc.set_parameters(rng.normal(size=doc.network.parameters.shape))
    qtbot.waitUntil(lambda: not panel.stale, timeout=2000)
    data = doc.dataset
    predicted = doc.network.predict(data.X_test).argmax(axis=1)
    expected = confusion_counts(data.T_test.argmax(axis=1), predicted, 10)
    np.testing.assert_array_equal(panel.counts, expected)
    assert not np.array_equal(before, expected)
    shown = [label.toPlainText() for label in panel.labels]
    assert shown == [str(c) if c else "" for c in expected.ravel()]


def test_a_regression_has_no_matrix(qtbot):
    doc = Document(Network.create([2, 4, 1], output_activation="linear"), make_dataset("reg-plane"))
    panel = ConfusionPanel(doc)
    qtbot.addWidget(panel)
    assert panel.counts.shape == (0, 0)
    assert "regression" in panel.summary.text()
