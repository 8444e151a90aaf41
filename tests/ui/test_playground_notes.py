"""The Data panel tells a playground.tensorflow.org user how bpdesk's data differ."""

import numpy as np

from bpdesk.core import make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.panels.data import DataPanel
from bpdesk.ui.playground_notes import PLAYGROUND_DIFFERENCES


def test_the_dataset_tooltip_states_the_differences(qtbot):
    panel = DataPanel(Document())
    qtbot.addWidget(panel)
    tip = panel.dataset_box.toolTip()
    assert PLAYGROUND_DIFFERENCES in tip
    for fact in ("Noise", "Two Gaussians", "XOR", "different signs", "same sign"):
        assert fact in tip


def test_the_stated_facts_are_bpdesks():
    """What the notes say of bpdesk's own data, checked against the generators."""
    xor = make_dataset("xor-cloud", n_samples=400, noise=0.0, seed=1)
    X, t = xor.X_train, xor.T_train[:, 0]
    assert np.all((t == 1) == (X[:, 0] * X[:, 1] < 0))  # class 1: the signs differ
    gauss = make_dataset("gauss", n_samples=4000, noise=0.3, test_ratio=0.0, seed=2)
    ones = gauss.X_train[gauss.T_train[:, 0] == 1]
    assert np.allclose(ones.mean(axis=0), [0.5, 0.5], atol=0.05)
    assert np.allclose(ones.std(axis=0), 0.2 + 0.3, atol=0.05)
    circle = make_dataset("circle", n_samples=400, noise=0.0, test_ratio=0.0, seed=3)
    r = np.hypot(*circle.X_train.T)
    inside = circle.T_train[:, 0] == 1
    assert r[inside].max() <= 0.5
    assert r[~inside].min() >= 0.7
    assert r.max() <= 1.0
    default = make_dataset("circle")
    assert (default.spec.noise, default.spec.test_ratio) == (0.1, 0.3)
