"""The backward view of an input picture: each pixel's ∂L/∂x, the blame (backprop carried
one step past the first layer), for the example shown and its own target."""

import numpy as np
import pytest

from bpdesk.core import Network, make_dataset
from bpdesk.core.input_gradient import input_gradient, input_gradients
from bpdesk.ui.document import Document
from bpdesk.ui.editor.blocks import BLAME_PREFIX, colour_indices
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.plane import diverging_lut, neutral
from bpdesk.ui.preferences import Preferences, ViewPreferences


@pytest.fixture
def view(qtbot):
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    net = Network.create(
        [64, 40, 10], activation="relu", output_activation="softmax", loss="ce", seed=3
    )
    view = NetworkView(Document(net, data), prefs=ViewPreferences(Preferences(animation_ms=0)))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.close()


def pixel(image, x, y):
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def test_the_input_picture_shows_the_blame_of_the_example_shown(view):
    scene = view.network_scene
    doc, block = scene.doc, scene.compact.blocks[0]
    data = doc.dataset
    x, t = data.X_test[7], data.T_test[7]
    doc.outside.show(x, t, "test example 8")
    doc.set_mode("forward")
    np.testing.assert_array_equal(block.values, x)  # the forward view keeps the picture
    doc.run_backward()
    doc.set_mode("backward")
    blame = input_gradient(doc.network, x, int(np.argmax(t)))
    np.testing.assert_allclose(block.values, blame, rtol=1e-10, atol=1e-15)
    assert block.value_prefix == BLAME_PREFIX
    # Signed colours on the weights' scale, full at the largest |∂L/∂x|.
    prefs = scene.prefs
    lut = diverging_lut(prefs.color("negative"), prefs.color("positive"), neutral(prefs.palette))
    levels = colour_indices(blame, float(np.abs(blame).max()))
    for k in (int(np.argmax(blame)), int(np.argmin(blame)), 27):
        row, column = divmod(k, 8)
        assert pixel(block.image, column, row) == tuple(int(v) for v in lut[levels[k]])
    # The cell's tooltip gives the pixel's value.
    k = int(np.argmax(np.abs(blame)))
    block.hovered_cell = k
    block.show(block.values, 1.0, False, lut, BLAME_PREFIX)
    assert block.toolTip().endswith(f": ∂L/∂x = {prefs.fmt(float(blame[k]))}")
    block.hovered_cell = -1
    block.show(block.values, 1.0, False, lut, BLAME_PREFIX)
    assert "∂L/∂x" in block.toolTip()
    # Back to the forward view: the picture again.
    doc.set_mode("forward")
    np.testing.assert_array_equal(block.values, x)
    assert "picture" in block.toolTip()


def test_a_training_row_and_the_mean_show_their_own_blame(view):
    scene = view.network_scene
    doc, block = scene.doc, scene.compact.blocks[0]
    doc.set_sample(4)
    doc.run_backward()
    doc.set_mode("backward")
    X, T = doc.training_arrays()
    np.testing.assert_allclose(block.values, input_gradients(doc.network, X, T)[0], atol=1e-15)
    doc.set_sample(None)
    doc.run_backward()
    X, T = doc.training_arrays()
    mean = input_gradients(doc.network, X, T).mean(axis=0)
    np.testing.assert_allclose(block.values, mean, rtol=1e-8, atol=1e-15)
