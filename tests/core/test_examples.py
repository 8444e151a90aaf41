"""The shipped example files: present, loadable, and exactly what the builder makes."""

import numpy as np
import pytest

from bpdesk.core import load_bpnet
from bpdesk.core.bpnet import dumps
from bpdesk.core.examples import EXAMPLES, build
from bpdesk.paths import resource_path


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_file_loads_and_matches_its_builder(name):
    path = resource_path("examples", f"{name}.bpnet")
    doc = load_bpnet(path)
    built = build(name)
    assert dumps(doc) == dumps(built), (
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
    result = gradient_check(doc.network, data.X_train, data.T_train, repeats=1)
    assert result.passed, f"{name}: max. relative error {result.max_relative_error:.2g}"
