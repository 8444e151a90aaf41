"""Layers the editor cannot draw yet: refused with the reason; the digits themselves work."""

import numpy as np

from bpdesk.core import make_dataset
from bpdesk.core.architecture import EDITOR_MAX_NEURONS, MAX_NEURONS
from bpdesk.ui import editing

NOT_DRAWABLE = "bigger layers are not drawable yet"


def test_the_editor_limit_is_below_the_engines():
    assert EDITOR_MAX_NEURONS == 64
    assert MAX_NEURONS == 1024


def test_the_digits_example_is_refused_by_the_window_saying_why(window):
    before = window.doc.network.layer_sizes
    assert not window.open_example("digits")
    title, text = window.errors[-1]
    assert title == "Cannot open the file"
    assert "64-128-64-10 has a layer of 128 neurons; the editor shows at most 64" in text
    assert NOT_DRAWABLE in text
    assert "bpdesk train" in text
    assert window.doc.network.layer_sizes == before


def test_a_hidden_layer_too_big_to_draw_is_refused(window):
    doc = window.doc
    messages = []
    doc.message.connect(messages.append)
    before = doc.network.layer_sizes
    assert not editing.insert_layer(doc, 1, size=EDITOR_MAX_NEURONS + 1)
    assert doc.network.layer_sizes == before
    assert messages[-1].startswith("Insert hidden layer: the editor shows at most 64 neurons")
    assert NOT_DRAWABLE in messages[-1]
    assert editing.insert_layer(doc, 1, size=EDITOR_MAX_NEURONS)
    assert doc.network.layer_sizes[1] == EDITOR_MAX_NEURONS


def test_the_digits_train_in_the_window(qtbot, window):
    doc = window.doc
    assert editing.change_dataset(doc, make_dataset("digits", test_ratio=0.3, seed=0))
    assert doc.network.layer_sizes[0] == 64
    assert doc.network.layer_sizes[-1] == 10
    window.trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 3, timeout=30000)
    window.trainer.shutdown()
    assert np.all(np.isfinite(doc.history.train_loss))
