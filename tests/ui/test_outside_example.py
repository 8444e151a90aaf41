"""An example from outside the training set (a test image, a drawing) drives the network views."""

import numpy as np
import pytest

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document


@pytest.fixture
def doc(qtbot):
    data = make_dataset("digits")
    net = Network.create([64, 16, 10], activation="relu", loss="ce", seed=2)
    return Document(net, data)


def test_a_test_image_is_shown_instead_of_the_training_rows(doc):
    doc.set_sample(3)
    doc.run_backward()
    x, t = doc.dataset.X_test[5], doc.dataset.T_test[5]
    seen = []
    doc.outside.changed.connect(lambda: seen.append(doc.outside.example))
    example = doc.outside.show(x, t, "test example 6")
    assert seen == [example]
    assert doc.outside.example is example
    # The passes that were up to date are recomputed for it at once.
    assert doc.is_fresh("forward")
    assert doc.is_fresh("backward")
    fwd, bwd = doc.forward_state, doc.backward_state
    np.testing.assert_array_equal(fwd.activations[0], x)
    np.testing.assert_array_equal(fwd.targets, t)
    assert fwd.rows == ()
    assert fwd.example is example
    assert bwd.example is example
    expected = doc.network.backpropagate(x[None], t[None])
    np.testing.assert_allclose(bwd.gradient, expected.gradient)
    assert fwd.loss == pytest.approx(doc.network.compute_loss(x[None], t[None]))


def test_choosing_a_training_row_puts_the_views_back_on_the_training_data(doc):
    doc.set_sample(3)
    doc.outside.show(doc.dataset.X_test[0], doc.dataset.T_test[0], "test example 1")
    doc.set_sample(3)  # the same row: the outside example still gives way to it
    assert doc.outside.example is None
    assert doc.is_fresh("forward")
    assert doc.forward_state.rows == (3,)
    np.testing.assert_array_equal(doc.forward_state.activations[0], doc.dataset.X_train[3])


def test_new_parameters_keep_the_outside_example_shown(doc):
    x, t = doc.dataset.X_test[0], doc.dataset.T_test[0]
    example = doc.outside.show(x, t, "test example 1")
    doc.set_parameters(doc.network.parameters * 0.5, recompute=True)
    assert doc.forward_state.example is example
    np.testing.assert_array_equal(doc.forward_state.activations[0], x)


def test_an_example_that_no_longer_fits_is_not_shown(doc):
    doc.outside.show(doc.dataset.X_test[0], doc.dataset.T_test[0], "test example 1")
    doc.replace_network(Network.create([64, 16, 3], activation="relu", loss="ce"))
    assert doc.outside.example is None
    np.testing.assert_array_equal(doc.outside.arrays()[0], doc.training_arrays()[0])
    with pytest.raises(ValueError, match="does not fit"):
        doc.outside.show(np.zeros(64), np.zeros(10), "drawing")


def test_opening_a_file_forgets_it(doc):
    doc.outside.show(doc.dataset.X_test[0], doc.dataset.T_test[0], "test example 1")
    doc.load(doc.to_bpnet())
    assert doc.outside.example is None
    assert doc.forward_state.example is None


def test_clear_recomputes_for_the_training_rows(doc):
    doc.outside.show(doc.dataset.X_test[0], doc.dataset.T_test[0], "test example 1")
    doc.outside.clear()
    assert doc.is_fresh("forward")
    assert doc.forward_state.example is None


def test_showing_an_example_runs_it_forward_even_when_no_pass_was_up_to_date(doc):
    doc.replace_network(Network.create([64, 8, 10], activation="relu", loss="ce"))
    assert doc.forward_state is None  # a new architecture: no pass yet
    example = doc.outside.show(doc.dataset.X_test[0], doc.dataset.T_test[0], "test example 1")
    assert doc.is_fresh("forward")
    assert doc.forward_state.example is example
    assert not doc.is_fresh("backward")


def test_the_loss_over_the_training_set_is_not_recomputed_for_another_example(doc, monkeypatch):
    total = doc.forward_state.total_loss
    calls = []
    original = doc.network.compute_loss
    monkeypatch.setattr(doc.network, "compute_loss", lambda *a: calls.append(1) or original(*a))
    doc.outside.show(doc.dataset.X_test[0], doc.dataset.T_test[0], "test example 1")
    doc.set_sample(5)
    assert calls == []
    assert doc.forward_state.total_loss == total
    doc.set_parameters(doc.network.parameters * 0.5, recompute=True)  # new parameters: it is
    assert calls == [1]
