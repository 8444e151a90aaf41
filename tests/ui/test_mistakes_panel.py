"""The "Mistakes" dock lists exactly the test images the network gets wrong."""

import numpy as np
import pytest

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.panels.digits import DigitPadPanel, MistakesPanel
from bpdesk.ui.panels.digits.mistakes import MAX_SHOWN, ROW_ROLE


@pytest.fixture
def doc():
    net = Network.create([64, 16, 10], activation="relu", loss="ce", seed=4)
    return Document(net, make_dataset("digits"))


@pytest.fixture
def gallery(qtbot, doc):
    panel = MistakesPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def misclassified(doc: Document) -> np.ndarray:
    data = doc.dataset
    predicted = doc.network.predict(data.X_test).argmax(axis=1)
    return np.flatnonzero(predicted != data.T_test.argmax(axis=1))


def test_it_lists_exactly_the_misclassified_test_rows(gallery, doc):
    wrong = misclassified(doc)
    assert len(wrong) > MAX_SHOWN  # an untrained network gets most wrong
    np.testing.assert_array_equal(gallery.wrong, wrong)
    assert gallery.gallery.count() == MAX_SHOWN
    rows = [gallery.gallery.item(k).data(ROW_ROLE) for k in range(MAX_SHOWN)]
    assert rows == wrong[:MAX_SHOWN].tolist()
    first = gallery.gallery.item(0)
    true = int(doc.dataset.T_test[wrong[0]].argmax())
    said = int(gallery.predicted[wrong[0]])
    assert first.text() == f"{true} → {said}"
    assert not first.icon().isNull()
    n_test = doc.dataset.n_test
    assert gallery.summary.text().startswith(f"{len(wrong):,} of {n_test:,} test images wrong")
    assert f"the first {MAX_SHOWN} shown" in gallery.summary.text()


def test_a_few_mistakes_are_all_shown(gallery, doc):
    # Train a little with plain NumPy: a network that gets most test images right.
    from bpdesk.core import TrainConfig, train

    config = TrainConfig(learning_rate=0.01, optimizer="adam", batch_size=32, epochs=15)
    net = doc.network.copy()
    for _snapshot in train(net, doc.dataset, config):
        pass
    doc.set_parameters(net.parameters)
    gallery.refresh()
    wrong = misclassified(doc)
    assert 0 < len(wrong) < MAX_SHOWN
    np.testing.assert_array_equal(gallery.wrong, wrong)
    assert gallery.gallery.count() == len(wrong)
    assert "shown" not in gallery.summary.text()


def test_a_click_shows_the_image_in_the_network_and_on_the_pad(qtbot, gallery, doc):
    pad = DigitPadPanel(doc)
    qtbot.addWidget(pad)
    item = gallery.gallery.item(2)
    row = item.data(ROW_ROLE)
    gallery.gallery.itemClicked.emit(item)
    example = doc.outside.example
    assert example is not None
    assert example.name == f"test example {row + 1}"
    np.testing.assert_array_equal(example.x, doc.dataset.X_test[row])
    np.testing.assert_array_equal(doc.forward_state.activations[0], doc.dataset.X_test[row])
    np.testing.assert_array_equal(pad.current_input(), doc.dataset.X_test[row])


def test_it_waits_for_training_to_pause(gallery, doc, qtbot):
    doc.training_active = True
    doc.set_parameters(doc.network.parameters * 0.9)
    qtbot.wait(300)
    assert gallery.stale  # not every epoch
    doc.training_active = False
    qtbot.waitUntil(lambda: not gallery.stale, timeout=2000)
    np.testing.assert_array_equal(gallery.wrong, misclassified(doc))


def test_another_network_is_explained(qtbot):
    panel = MistakesPanel(Document())
    qtbot.addWidget(panel)
    assert "needs a digit classifier" in panel.message
    assert panel.gallery.count() == 0
