"""Big layers in the window: the editor shows every layer the engine trains (big ones
as blocks), and refuses bigger ones saying why."""

import numpy as np

from bpdesk.core import Dataset, Network, make_dataset
from bpdesk.core.architecture import EDITOR_MAX_NEURONS, MAX_NEURONS
from bpdesk.core.bpnet import BpnetDocument, save
from bpdesk.ui import editing

REASON = (
    "bigger layers are drawn as blocks, but past 1024 wider layers make every training "
    "step slow on the CPU"
)


def test_the_editor_shows_what_the_engine_trains():
    assert EDITOR_MAX_NEURONS == MAX_NEURONS == 1024


def test_the_digits_example_opens_drawn_as_blocks(window):
    assert window.open_example("digits")
    assert window.doc.network.layer_sizes == (64, 128, 64, 10)
    scene = window.view.network_scene
    assert sorted(scene.compact.blocks) == [0, 1, 2]
    assert len(scene.nodes[3]) == 10


def test_a_file_with_a_layer_over_the_limit_is_refused_saying_why(window, tmp_path):
    path = tmp_path / "wide.bpnet"
    net = Network.create([2, MAX_NEURONS + 1, 1], seed=0)
    save(BpnetDocument(net, make_dataset("xor")), path)
    before = window.doc.network.layer_sizes
    assert not window.open_path(str(path))
    title, text = window.errors[-1]
    assert title == "Cannot open the file"
    assert "2-1025-1 has a layer of 1025 neurons; the editor shows at most 1024 a layer" in text
    assert REASON in text
    assert "bpdesk train" in text
    assert window.doc.network.layer_sizes == before


def test_a_hidden_layer_over_the_limit_is_refused(window):
    doc = window.doc
    messages = []
    doc.message.connect(messages.append)
    before = doc.network.layer_sizes
    assert not editing.insert_layer(doc, 1, size=EDITOR_MAX_NEURONS + 1)
    assert doc.network.layer_sizes == before
    assert messages[-1].startswith("Insert hidden layer: the editor shows at most 1024 neurons")
    assert REASON in messages[-1]
    assert not editing.set_layer_size(doc, 1, EDITOR_MAX_NEURONS + 1)
    assert messages[-1].startswith("Set layer size: the editor shows at most 1024 neurons")
    assert editing.insert_layer(doc, 1, size=EDITOR_MAX_NEURONS)
    assert doc.network.layer_sizes[1] == EDITOR_MAX_NEURONS
    assert 1 in window.view.network_scene.compact.blocks


def test_a_dataset_too_wide_is_refused_and_784_inputs_are_not(window):
    doc = window.doc
    messages = []
    doc.message.connect(messages.append)
    rng = np.random.default_rng(0)

    def data(columns):
        X = rng.random((20, columns))
        T = np.eye(10)[rng.integers(0, 10, 20)]
        return Dataset("multiclass", X[:15], T[:15], X[15:], T[15:])

    assert not editing.change_dataset(doc, data(MAX_NEURONS + 1))
    assert messages[-1].startswith(
        "Cannot use that dataset: its 1025 inputs and 10 outputs need a layer of 1025 "
        "neurons; the editor shows at most 1024 a layer"
    )
    assert REASON in messages[-1]
    assert editing.change_dataset(doc, data(784))
    assert doc.network.layer_sizes[0] == 784
    assert window.view.network_scene.compact.blocks[0].picture  # 28 × 28


def test_the_digits_train_in_the_window(qtbot, window):
    doc = window.doc
    assert editing.change_dataset(doc, make_dataset("digits", test_ratio=0.3, seed=0))
    assert doc.network.layer_sizes[0] == 64
    assert doc.network.layer_sizes[-1] == 10
    window.trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 3, timeout=30000)
    window.trainer.shutdown()
    assert np.all(np.isfinite(doc.history.train_loss))
