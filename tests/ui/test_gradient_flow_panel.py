"""The gradient-flow panel: ‖∂L/∂W‖ per layer, and vanishing gradients in deep sigmoid nets."""

import numpy as np
import pytest

from bpdesk.core import Network, xor
from bpdesk.core.training import Trainer
from bpdesk.ui.commands import ReplaceNetworkCommand
from bpdesk.ui.document import Document
from bpdesk.ui.panels.gradient_flow import GradientFlowPanel, layer_name


@pytest.fixture
def panel_for(qtbot):
    kept = []

    def make(network: Network) -> tuple[Document, GradientFlowPanel]:
        doc = Document(network=network, dataset=xor())
        panel = GradientFlowPanel(doc)
        qtbot.addWidget(panel)
        panel.show()
        kept.append((doc, panel))
        return doc, panel

    return make


def ratio_first_to_last(panel: GradientFlowPanel) -> float:
    return float(panel.now.text().rsplit("first/last = ", 1)[1])


def test_deep_sigmoid_gradients_vanish_and_relu_brings_them_together(panel_for):
    sizes = [2, 8, 8, 8, 8, 8, 1]
    _, sigmoid = panel_for(Network.create(sizes, activation="sigmoid", seed=1))
    _, relu = panel_for(Network.create(sizes, activation="relu", init="he", seed=1))
    assert len(sigmoid.curves) == 6
    # σ' ≤ ¼ at every layer passed: the first layer's gradient is far below the last's.
    assert ratio_first_to_last(sigmoid) < 0.05
    assert ratio_first_to_last(relu) > 10 * ratio_first_to_last(sigmoid)
    assert "W1 (x → h1)" in sigmoid.now.text()
    assert layer_name(sigmoid.doc.network, 5) == "W6 (h5 → ŷ)"


def test_the_curves_follow_the_training_history(panel_for):
    doc, panel = panel_for(Network.create([2, 4, 4, 1], seed=3))
    trainer = Trainer(doc.network.copy(), doc.dataset, doc.config, track_gradients=True)
    snaps = [trainer.run_epoch() for _ in range(20)]
    rows = np.full((4, 20), np.nan)
    rows[0] = [s.train_loss for s in snaps]
    norms = np.array([s.gradient_norms for s in snaps])
    doc.append_training(1, rows, (), norms)
    panel._refresh.flush()
    for layer, curve in enumerate(panel.curves):
        x, y = curve.getData()
        assert np.array_equal(x, np.arange(1, 21))
        assert np.allclose(10**y, norms[:, layer])  # the axis is logarithmic
    # The view holds all of it, in whole decades and a round epoch count.
    (x0, x1), (y0, y1) = panel.plot.getPlotItem().vb.viewRange()
    assert x0 == 0
    assert x1 == 25  # 20 epochs → the next of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ᵏ above 20.4
    assert y0 == np.floor(np.log10(norms.min()))
    assert y1 == max(np.ceil(np.log10(norms.max())), y0 + 1)
    # More epochs within those ends leave the view where it is (no redraw of the axes).
    doc.append_training(21, rows[:, :4], (), norms[:4])
    panel._refresh.flush()
    assert panel.plot.getPlotItem().vb.viewRange()[0] == [0, 25]


def test_changing_the_depth_makes_new_curves(qtbot, panel_for):
    doc, panel = panel_for(Network.create([2, 2, 1], seed=0))
    assert len(panel.curves) == 2
    doc.push(ReplaceNetworkCommand(doc, Network.create([2, 3, 3, 1], seed=0), "deeper"))
    assert len(panel.curves) == 3
    assert len(panel.legend.items) == 3
    # The legend has a column of its own, beside the curves rather than over them.
    view = panel.plot.getPlotItem().vb
    qtbot.waitUntil(lambda: panel.legend.sceneBoundingRect().left() > 0)  # laid out
    assert panel.legend.sceneBoundingRect().left() >= view.sceneBoundingRect().right() - 1


def test_before_training_the_view_shows_the_decades_of_todays_gradients(panel_for):
    _, panel = panel_for(Network.create([2, 8, 8, 8, 8, 8, 1], activation="sigmoid", seed=1))
    now = panel.current_norms()
    _, (y0, y1) = panel.plot.getPlotItem().vb.viewRange()
    assert y0 <= np.log10(now.min())
    assert np.log10(now.max()) <= y1


def test_panels_behind_tabs_are_built_when_their_tab_opens(window, qtbot):
    qtbot.wait(50)  # layout settled: still only the tabs in front are built
    assert not window._gradient_flow.built
    assert not window._landscape.built
    window.show_dock("gradient_flow")
    qtbot.waitUntil(lambda: window._gradient_flow.built)
    assert not window._landscape.built
    # Asking for a panel builds it too (an export, a tour step).
    assert window.landscape_panel.plot is not None
    assert window._landscape.built


def test_a_panel_floated_out_of_its_tab_is_built(window, qtbot):
    dock = window.docks["landscape"]
    assert not window._landscape.built
    dock.setFloating(True)
    dock.show()
    qtbot.waitUntil(lambda: window._landscape.built)
