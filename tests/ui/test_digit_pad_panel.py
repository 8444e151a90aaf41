"""The "Draw a digit" dock: a drawing becomes the network's input and its ten outputs."""

import numpy as np
import pytest

from bpdesk.core import Network, make_dataset, xor
from bpdesk.core.digit_pad import uci_input
from bpdesk.core.input_gradient import input_gradient
from bpdesk.ui.document import Document
from bpdesk.ui.panels.digits import DigitPadPanel
from bpdesk.ui.panels.digits.canvas import CANVAS_SIDE


def digits_doc() -> Document:
    net = Network.create([64, 16, 10], activation="relu", loss="ce", seed=4)
    return Document(net, make_dataset("digits"))


@pytest.fixture
def pad(qtbot):
    doc = digits_doc()
    panel = DigitPadPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def draw_one(panel: DigitPadPanel, finish: bool = True) -> None:
    middle = CANVAS_SIDE / 2
    panel.canvas.stroke([(middle, 30), (middle, CANVAS_SIDE - 30)], finish=finish)


def test_a_stroke_updates_the_ten_outputs_in_place(pad, qtbot):
    assert pad.message == ""
    assert pad.probabilities is None
    bars = pad.bars
    draw_one(pad, finish=False)
    qtbot.waitUntil(lambda: pad.probabilities is not None, timeout=1000)
    x = uci_input(pad.canvas.ink())
    expected = pad.doc.network.predict(x[None])[0]
    np.testing.assert_allclose(pad.probabilities, expected)
    assert pad.bars is bars  # the same item, new heights
    np.testing.assert_allclose(bars.opts["height"], expected)
    assert pad.probabilities.sum() == pytest.approx(1.0)
    assert "reads the drawing as" in pad.answer_label.text()
    # The blame map is ∂L/∂input for the chosen digit.
    pad.target_box.setValue(3)
    np.testing.assert_allclose(pad.blame, input_gradient(pad.doc.network, x, 3))
    assert pad.blame_label.pixmap() is not None
    assert not pad.blame_label.pixmap().isNull()


def test_moves_of_the_pen_are_throttled_to_the_frame_rate(pad, qtbot):
    before = pad.redraws
    for k in range(20):
        pad.canvas.stroke([(100 + k, 50), (100 + k, 200)], finish=False)
    assert pad.redraws == before  # not one redraw per move
    qtbot.waitUntil(lambda: pad.redraws > before, timeout=1000)
    assert pad.redraws == before + 1


def test_lifting_the_pen_shows_the_drawing_in_the_network_views(pad):
    doc = pad.doc
    pad.target_box.setValue(1)
    draw_one(pad)
    example = doc.outside.example
    assert example is not None
    assert example.name == "your drawing"
    np.testing.assert_allclose(example.x, uci_input(pad.canvas.ink()))
    assert int(np.argmax(example.t)) == 1
    np.testing.assert_allclose(doc.forward_state.activations[0], example.x)
    pad.target_box.setValue(7)  # the shown drawing's target follows the chosen digit
    assert int(np.argmax(doc.outside.example.t)) == 7
    pad.canvas.clear()
    assert doc.outside.example is None
    assert pad.probabilities is None


def test_use_as_a_training_example_is_one_undoable_edit(pad):
    doc = pad.doc
    n = doc.dataset.n_train
    draw_one(pad)
    pad.target_box.setValue(1)
    assert pad.add_button.text() == "Use as a training example of 1"
    assert pad.add_to_training()
    assert doc.dataset.n_train == n + 1
    np.testing.assert_allclose(doc.dataset.X_train[-1], uci_input(pad.canvas.ink()))
    assert int(np.argmax(doc.dataset.T_train[-1])) == 1
    assert doc.undo_stack.undoText() == "Add a drawn 1 to the training set"
    doc.undo()
    assert doc.dataset.n_train == n
    doc.redo()
    assert doc.dataset.n_train == n + 1


def test_a_blank_page_adds_nothing(pad):
    assert not pad.add_to_training()
    assert pad.doc.undo_stack.count() == 0


def test_a_network_that_is_not_a_digit_classifier_is_explained(qtbot):
    doc = Document()  # the explainer's XOR network
    panel = DigitPadPanel(doc)
    qtbot.addWidget(panel)
    assert "needs a digit classifier" in panel.message
    assert "2 inputs and 1 output." in panel.message
    assert panel.stack.currentIndex() == 0
    assert panel.message_label.text() == panel.message
    # Swapping in a digits network brings the pad.
    doc.replace_dataset(make_dataset("digits"), Network.create([64, 8, 10], loss="ce"))
    assert panel.message == ""
    assert panel.stack.currentIndex() == 1
    doc.replace_dataset(xor(), Network.create([2, 2, 1]))
    assert panel.stack.currentIndex() == 0


def test_an_example_shown_from_elsewhere_comes_onto_the_pad(pad):
    doc = pad.doc
    x, t = doc.dataset.X_test[4], doc.dataset.T_test[4]
    doc.outside.show(x, t, "test example 5")
    np.testing.assert_array_equal(pad.current_input(), x)
    assert pad.target_box.value() == int(np.argmax(t))
    np.testing.assert_allclose(pad.probabilities, doc.network.predict(x[None])[0])
    assert "test example 5" in pad.answer_label.text()
    assert doc.outside.example.name == "test example 5"  # the pad did not replace it
    # A test image stays held out: it cannot become a training example as it is.
    assert not pad.add_button.isEnabled()
    assert not pad.add_to_training()
    assert doc.undo_stack.count() == 0
    draw_one(pad)  # drawn over: a new example
    assert pad.add_button.isEnabled()


def mnist_shaped_doc() -> Document:
    """A 784-10 network on a few MNIST-shaped images of raw pixels 0-255, kept float32 as
    ``bpdesk train --csv`` keeps them."""
    from bpdesk.core import Dataset
    from bpdesk.core.datasets import handed_over

    rng = np.random.default_rng(0)
    X = np.round(rng.uniform(0, 255, (30, 784))).astype(np.float32)
    T = np.eye(10)[rng.integers(0, 10, 30)]
    X_test = np.round(rng.uniform(0, 255, (10, 784))).astype(np.float32)
    T_test = np.eye(10)[rng.integers(0, 10, 10)]
    for array in (X, T, X_test, T_test):
        array.flags.writeable = False
    with handed_over():
        data = Dataset("multiclass", X, T, X_test, T_test, title="mnist-shaped")
    assert data.X_train.dtype == np.float32
    return Document(Network.create([784, 10], activation="relu", loss="ce", seed=0), data)


def test_a_784_input_network_reads_the_drawing_the_mnist_way_at_the_data_scale(qtbot):
    from bpdesk.core.digit_pad import mnist_input

    doc = mnist_shaped_doc()
    panel = DigitPadPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.message == ""
    draw_one(panel)
    x = panel.current_input()
    np.testing.assert_allclose(x, mnist_input(panel.canvas.ink(), peak=255))
    assert x.max() > 200  # raw pixels, as the data hold them
    np.testing.assert_allclose(panel.probabilities, doc.network.predict(x[None])[0], rtol=1e-6)
    assert panel.seen_label.pixmap().width() > 0
    assert panel.add_to_training()
    assert doc.dataset.X_train.dtype == np.float32  # not doubled to float64
    assert doc.dataset.n_train == 31
    np.testing.assert_allclose(doc.dataset.X_train[-1], x.astype(np.float32))


def test_the_mouse_draws_on_the_canvas(pad, qtbot):
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    canvas = pad.canvas
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    middle = canvas.width() / 2
    points = [QPointF(middle, canvas.height() * k / 10) for k in range(2, 9)]
    events = [(QEvent.Type.MouseButtonPress, points[0], left, left)]
    events += [(QEvent.Type.MouseMove, p, none, left) for p in points[1:]]
    events.append((QEvent.Type.MouseButtonRelease, points[-1], left, none))
    for kind, pos, button, buttons in events:
        event = QMouseEvent(
            kind, pos, canvas.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(canvas, event)
    ink = canvas.ink()
    # A vertical stroke down the middle of the page, from 20 % to 80 % of its height.
    assert ink[128, 128] > 0.9
    assert ink[128, 20] == 0.0
    rows = np.flatnonzero(ink[:, 128] > 0.5)
    assert 0.15 * 256 < rows[0] < 0.25 * 256
    assert 0.75 * 256 < rows[-1] < 0.85 * 256
    assert pad.doc.outside.example is not None  # the release showed it in the network
    assert pad.probabilities is not None


def test_a_training_example_chosen_comes_onto_the_pad_with_its_blame(pad):
    doc = pad.doc
    doc.set_sample(7)
    data = doc.dataset
    np.testing.assert_array_equal(pad.current_input(), data.X_train[7])
    label = int(np.argmax(data.T_train[7]))
    assert pad.target_box.value() == label
    np.testing.assert_allclose(pad.blame, input_gradient(doc.network, data.X_train[7], label))
    assert "example 8" in pad.answer_label.text()
    assert "(shown in the network)" in pad.answer_label.text()
    assert doc.outside.example is None  # a training row: the views show it already
    draw_one(pad)  # drawing replaces it
    assert doc.outside.example is not None
    assert "the drawing" in pad.answer_label.text()


def test_a_loaded_image_of_another_size_is_dropped_with_its_network(pad):
    doc = pad.doc
    doc.outside.show(doc.dataset.X_test[0], doc.dataset.T_test[0], "test example 1")
    mnist = mnist_shaped_doc()
    doc.replace_dataset(mnist.dataset, mnist.network)  # 784 inputs now
    assert pad.message == ""
    assert pad.current_input() is None  # a blank page, not the 64-pixel image
    assert pad.probabilities is None
    draw_one(pad)
    assert pad.current_input().shape == (784,)


def test_a_diverged_network_is_said_so(pad):
    params = pad.doc.network.parameters.copy()
    params[:] = np.nan
    pad.doc.set_parameters(params)
    draw_one(pad)
    assert "diverged" in pad.answer_label.text()
    assert not np.any(pad.bars.opts["height"])  # no bar drawn for a NaN
