"""The shipped example files: present, loadable, and exactly what the builder makes."""

import json

import numpy as np
import pytest

from bpdesk.core import load_bpnet
from bpdesk.core.bpnet import dumps
from bpdesk.core.examples import EXAMPLES, build
from bpdesk.paths import resource_path


def _same(a, b) -> bool:
    """Equal JSON values, floats within a few units in the last place."""
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and bool(np.isclose(a, b, rtol=1e-14, atol=1e-300))
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


def test_same_tells_numbers_apart_beyond_rounding():
    assert _same({"w": [1.0, 2.0]}, {"w": [1.0, 2.0 + 4e-16]})
    assert not _same({"w": [1.0, 2.0]}, {"w": [1.0, 2.0001]})
    assert not _same({"w": [1.0]}, {"w": [1.0, 2.0]})
    assert not _same({"a": "x"}, {"a": "y"})


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_file_loads_and_matches_its_builder(name):
    path = resource_path("examples", f"{name}.bpnet")
    doc = load_bpnet(path)
    built = build(name)
    # Numbers to the last bits of float64, not text: NumPy's exp and sin may differ
    # by one unit in the last place between CPUs and builds (the regression data's
    # targets did), and the file was written on one machine.
    assert _same(json.loads(dumps(doc)), json.loads(dumps(built))), (
        f"regenerate with: python -m bpdesk.core.examples {path.parent}"
    )
    assert doc.dataset is not None
    assert doc.network.layer_sizes[0] == doc.dataset.n_inputs
    assert doc.network.layer_sizes[-1] == doc.dataset.n_outputs


def test_the_single_weight_example_reads_like_the_explainer():
    doc = load_bpnet(resource_path("examples", "single-weight.bpnet"))
    net, data = doc.network, doc.dataset
    loss, dW, _ = net.gradients(data.X_train, data.T_train)
    assert net.weights[0][0, 0] == 0.5
    assert net.predict(data.X_train)[0, 0] == pytest.approx(0.5)
    assert loss == pytest.approx(2.25)
    assert dW[0][0, 0] == pytest.approx(-3.0)


def test_the_deep_examples_show_vanishing_gradients_and_their_fix():
    from dataclasses import replace

    from bpdesk.core import Trainer

    ratios = {}
    for name in ("deep-sigmoid", "deep-relu"):
        doc = build(name)
        snap = Trainer(
            doc.network, doc.dataset, replace(doc.training, epochs=None), track_gradients=True
        ).run_epoch()
        norms = snap.gradient_norms
        ratios[name] = norms[0] / norms[-1]
    assert ratios["deep-sigmoid"] < 0.01
    assert ratios["deep-relu"] > 0.1
    assert np.isfinite(list(ratios.values())).all()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_gradient_check_passes_on_every_example(name):
    from bpdesk.core import gradient_check

    doc = load_bpnet(resource_path("examples", f"{name}.bpnet"))
    data = doc.dataset
    # The digits network has 17,226 parameters (34,452 forward passes): a few examples.
    rows = slice(None) if doc.network.n_parameters < 10_000 else slice(0, 8)
    result = gradient_check(doc.network, data.X_train[rows], data.T_train[rows], repeats=1)
    assert result.passed, f"{name}: max. relative error {result.max_relative_error:.2g}"


def test_the_digits_example_is_the_explainers_network_on_the_shipped_digits():
    doc = load_bpnet(resource_path("examples", "digits.bpnet"))
    net = doc.network
    assert net.layer_sizes == (64, 128, 64, 10)
    assert net.activations == ("relu", "relu", "softmax")
    assert net.loss == "ce"
    assert net.n_parameters == 17_226
    assert (doc.training.optimizer, doc.training.learning_rate) == ("adam", 0.001)
    assert doc.training.batch_size == 32
    assert doc.dataset.name == "digits"
    assert (doc.dataset.n_train, doc.dataset.n_test) == (1258, 539)
