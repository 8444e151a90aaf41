"""The gradient-flow panel: ‖∂L/∂W‖ per layer, and vanishing gradients in deep sigmoid nets."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from bpdesk.core import Network, xor
from bpdesk.core.training import Trainer
from bpdesk.ui.commands import ReplaceNetworkCommand
from bpdesk.ui.document import Document
from bpdesk.ui.panels.gradient_flow import GradientFlowPanel, SmoothedLogNorms, spread

DEEP = [2, 8, 8, 8, 8, 8, 1]
# log10 ‖∂L/∂W‖ of a deep sigmoid network's six layers: each a decade or so below the next.
DEEP_LEVELS = np.array([-5.7, -3.8, -2.9, -2.1, -1.5, -1.1])


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


def now_text(panel: GradientFlowPanel) -> str:
    """The "Now:" line as read (its no-break spaces as spaces, its minus signs as "-")."""
    return panel.now.text().replace("\u00a0", " ").replace("−", "-")


def ratio_first_to_last(panel: GradientFlowPanel) -> float:
    return float(now_text(panel).rsplit("first/last = ", 1)[1])


def noisy_history(epochs: int, levels=DEEP_LEVELS, seed: int = 0) -> np.ndarray:
    """Mini-batch-like norms: each layer jitters by a factor of ~2 around its level."""
    rng = np.random.default_rng(seed)
    return 10.0 ** (levels + rng.normal(0.0, 0.35, (epochs, len(levels))))


def record(doc: Document, norms: np.ndarray) -> None:
    rows = np.full((4, len(norms)), np.nan)
    rows[0] = 0.1
    doc.append_training(len(doc.history) + 1, rows, (), norms)


def settle(qtbot, panel: GradientFlowPanel) -> None:
    """Let the plot lay itself out (layout requests are posted events)."""
    panel.doc.frames.flush()
    qtbot.wait(20)


def path_ends(stroke) -> tuple[QPointF, QPointF]:
    """Scene points where a name's coloured stroke starts (at the curve's level) and ends."""
    path = stroke.path()
    first, last = path.elementAt(0), path.elementAt(path.elementCount() - 1)
    return stroke.mapToScene(QPointF(first.x, first.y)), stroke.mapToScene(QPointF(last.x, last.y))


def test_deep_sigmoid_gradients_vanish_and_relu_brings_them_together(panel_for):
    sizes = [2, 8, 8, 8, 8, 8, 1]
    _, sigmoid = panel_for(Network.create(sizes, activation="sigmoid", seed=1))
    _, relu = panel_for(Network.create(sizes, activation="relu", init="he", seed=1))
    assert len(sigmoid.curves) == 6
    # σ' ≤ ¼ at every layer passed: the first layer's gradient is far below the last's.
    assert ratio_first_to_last(sigmoid) < 0.05
    assert ratio_first_to_last(relu) > 10 * ratio_first_to_last(sigmoid)
    assert "W1 (x → h1)" in now_text(sigmoid)
    assert sigmoid.doc.network.layer_name(5) == "W6 (h5 → ŷ)"


def test_the_curves_follow_the_training_history(panel_for):
    doc, panel = panel_for(Network.create([2, 4, 4, 1], seed=3))
    trainer = Trainer(doc.network.copy(), doc.dataset, doc.config, track_gradients=True)
    snaps = [trainer.run_epoch() for _ in range(20)]
    rows = np.full((4, 20), np.nan)
    rows[0] = [s.train_loss for s in snaps]
    norms = np.array([s.gradient_norms for s in snaps])
    doc.append_training(1, rows, (), norms)
    panel.doc.frames.flush()
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
    panel.doc.frames.flush()
    assert panel.plot.getPlotItem().vb.viewRange()[0] == [0, 25]


def test_while_training_the_now_line_is_the_trainers_figure_for_the_epoch_shown(panel_for):
    """No gradient over all the data on each refresh: the trainer measured it already."""
    doc, panel = panel_for(Network.create([2, 4, 4, 1], seed=3))
    trainer = Trainer(doc.network.copy(), doc.dataset, doc.config, track_gradients=True)
    snaps = [trainer.run_epoch() for _ in range(3)]
    rows = np.full((4, 3), np.nan)
    rows[0] = [s.train_loss for s in snaps]
    norms = np.array([s.gradient_norms for s in snaps])
    doc.training_active = True
    doc.append_training(1, rows, (), norms)
    doc.show_training_state(trainer.network.parameters.copy(), 3)
    assert np.allclose(panel.current_norms(), norms[2])  # the same figure ...
    calls = []
    doc.network.gradients = lambda *args: calls.append(args)  # ... and not computed again
    doc.frames.flush()
    assert np.array_equal(panel.current_norms(), norms[2])
    assert calls == []
    doc.training_active = False  # an edit may follow: computed for the network as it is
    del doc.network.gradients
    assert np.allclose(panel.current_norms(), norms[2])
    doc.set_parameter((0, 0, 0), 5.0)
    assert not np.allclose(panel.current_norms(), norms[2])


def test_changing_the_depth_makes_new_curves(qtbot, panel_for):
    doc, panel = panel_for(Network.create([2, 2, 1], seed=0))
    assert len(panel.curves) == 2
    doc.push(ReplaceNetworkCommand(doc, Network.create([2, 3, 3, 1], seed=0), "deeper"))
    assert len(panel.curves) == 3
    assert [text.text() for _, text in panel.labels.entries] == [
        doc.network.layer_name(k) for k in range(3)
    ]
    in_scene = [i for i in panel.plot.scene().items() if isinstance(i, QGraphicsSimpleTextItem)]
    assert len(in_scene) == 3  # the two-layer network's names are gone
    # The names have a column of their own, beside the curves rather than over them.
    view = panel.plot.getPlotItem().vb
    qtbot.waitUntil(lambda: panel.labels.sceneBoundingRect().left() > 0)  # laid out
    assert panel.labels.sceneBoundingRect().left() >= view.sceneBoundingRect().right() - 1


def test_before_training_the_view_shows_the_decades_of_todays_gradients(panel_for):
    _, panel = panel_for(Network.create([2, 8, 8, 8, 8, 8, 1], activation="sigmoid", seed=1))
    now = panel.current_norms()
    _, (y0, y1) = panel.plot.getPlotItem().vb.viewRange()
    assert y0 <= np.log10(now.min())
    assert np.log10(now.max()) <= y1


def test_a_noisy_layer_is_drawn_as_one_smooth_line(panel_for):
    doc, panel = panel_for(Network.create(DEEP, activation="sigmoid", seed=1))
    norms = noisy_history(5000)
    record(doc, norms)
    panel.doc.frames.flush()
    for layer, curve in enumerate(panel.curves):
        x, y = curve.getData()  # log10 units: the axis is logarithmic
        assert x[0] == 1  # the whole history, to the last epoch
        assert x[-1] == 5000
        assert len(x) <= SmoothedLogNorms.POINTS + 1  # however long the history
        raw = np.log10(norms[:, layer])
        # Step to step the line moves a small fraction of what the raw norms jump…
        assert np.std(np.diff(y)) < 0.1 * np.std(np.diff(raw))
        # …and stays where the layer's gradients are.
        assert abs(np.median(y) - DEEP_LEVELS[layer]) < 0.05
    # More epochs extend the same line (the sums so far are kept, not recomputed).
    more = noisy_history(500, seed=1)
    record(doc, more)
    panel.doc.frames.flush()
    x, y = panel.curves[0].getData()
    assert x[-1] == 5500
    window = panel.smoothing_window()
    tail = np.log10(np.concatenate([norms, more])[-(window // 2 + 1) :, 0])
    assert y[-1] == pytest.approx(tail.mean())  # the last point: a window cut short


def test_smoothing_is_a_centred_moving_average_of_the_logs_skipping_unmeasured_epochs():
    norms = noisy_history(3000, levels=np.array([-4.0, -1.0]))
    norms[1000:1500, 0] = np.nan  # trained without measuring
    norms[2000, 1] = 0.0  # nothing a log axis can show
    smoothed = SmoothedLogNorms(2)
    for epochs in (1, 10, 2000, 1200, 3000):  # as it grows, with a rewind on the way
        smoothed.update(norms[:epochs])
    x, y = smoothed.curves()
    half = smoothed.window() // 2
    assert smoothed.window() == 31  # ~1/100 of 3000 epochs, odd: centred
    logs = np.log10(np.where(norms > 0, norms, np.nan))
    for point in (0, 40, 400, len(x) - 1):
        k = int(x[point]) - 1
        around = logs[max(0, k - half) : k + half + 1]
        for layer in range(2):
            measured = around[:, layer][np.isfinite(around[:, layer])]
            expected = measured.mean() if measured.size else np.nan
            assert y[point, layer] == pytest.approx(expected, nan_ok=True)
    assert np.isnan(y[(x > 1100) & (x < 1400), 0]).all()  # no line through the gap
    # Another history of the same length is summed afresh.
    other = norms * 10
    smoothed.update(other)
    assert smoothed.curves()[1][-1, 1] == pytest.approx(y[-1, 1] + 1)


def test_each_name_is_level_with_the_end_of_its_own_curve(qtbot, panel_for):
    doc, panel = panel_for(Network.create(DEEP, activation="sigmoid", seed=1))
    panel.resize(700, 320)
    record(doc, noisy_history(2000))
    settle(qtbot, panel)
    view = panel.plot.getPlotItem().vb
    bottom_to_top = []
    for curve, (stroke, text) in zip(panel.curves, panel.labels.entries, strict=True):
        x, y = curve.getData()
        end = view.mapViewToScene(QPointF(x[-1], y[-1]))
        start, finish = path_ends(stroke)
        # The coloured stroke starts level with the curve's last point…
        assert start.y() == pytest.approx(end.y(), abs=1)
        assert start.x() >= view.sceneBoundingRect().right() - 1  # beside the plot, not over it
        # …and ends beside its name, in the middle of the text (not a row off).
        label = text.sceneBoundingRect()
        assert finish.y() == pytest.approx(label.center().y(), abs=1)
        assert finish.x() <= label.left() <= finish.x() + 8
        bottom_to_top.append(label.center().y())
    # The names read in the order of the gradients: W1, far below, at the bottom.
    assert bottom_to_top == sorted(bottom_to_top, reverse=True)


@pytest.mark.parametrize("size", [(700, 220), (560, 200)])
def test_every_name_fits_a_short_panel_without_covering_the_curves(qtbot, panel_for, size):
    doc, panel = panel_for(Network.create(DEEP, activation="sigmoid", seed=1))
    # Three layers' gradients close together: their names must move apart to be read.
    record(doc, noisy_history(1000, levels=np.array([-5.0, -3.0, -2.05, -2.0, -1.95, -1.0])))
    panel.resize(*size)
    settle(qtbot, panel)
    plot = panel.plot
    item = plot.getPlotItem()
    visible = QRectF(plot.viewport().rect())
    view = item.vb.sceneBoundingRect()
    rects = [text.sceneBoundingRect() for _, text in panel.labels.entries]
    assert len(rects) == 6
    for rect in rects:
        assert visible.contains(plot.mapFromScene(rect).boundingRect().toRectF())
        assert item.sceneBoundingRect().contains(rect)  # in an exported picture too
        assert rect.left() >= view.right()  # never over the curves
    rows = sorted(rects, key=lambda r: r.top())
    for above, below in zip(rows, rows[1:], strict=False):
        assert above.bottom() <= below.top() + 2  # readable: no name over another


def test_the_axis_is_labelled_at_powers_of_ten_only(qtbot, panel_for):
    # Before training the 2-2-1 explainer network's gradients span two decades,
    # which pyqtgraph labelled 0.002, 0.003, … 0.09: a pile of numbers in a short plot.
    _, panel = panel_for(Network.create([2, 2, 1], seed=0))
    for height in (400, 220):
        panel.resize(600, height)
        settle(qtbot, panel)
        axis = panel.plot.getAxis("left")
        image = QImage(10, 10, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            _, _, texts = axis.generateDrawSpecs(painter)
        finally:
            painter.end()
        labels = [text for _, _, text in texts]
        assert len(labels) >= 2
        assert all(label.startswith("10") for label in labels), labels
        rows = sorted((rect for rect, _, _ in texts), key=lambda r: r.top())
        for above, below in zip(rows, rows[1:], strict=False):
            assert above.bottom() <= below.top()


def test_crowded_names_move_apart_as_little_as_they_can():
    assert spread([50, 50, 50], 10, 0, 100) == [40, 50, 60]  # centred where they want to be
    assert spread([10, 50, 52, 90], 10, 0, 100) == [10, 46, 56, 90]
    assert spread([0, 1, 2], 10, 5, 100) == [5, 15, 25]  # kept inside
    assert spread([99, 99, 99], 10, 0, 100) == [80, 90, 100]
    assert spread(list(range(12)), 10, 0, 100) == pytest.approx(np.linspace(0, 100, 12))


def test_panels_behind_tabs_are_built_when_their_tab_opens(window, qtbot):
    qtbot.wait(50)  # layout settled: still only the tabs in front are built
    assert not window.panel_docks.is_built("gradient_flow")
    assert not window.panel_docks.is_built("landscape")
    window.show_dock("gradient_flow")
    qtbot.waitUntil(lambda: window.panel_docks.is_built("gradient_flow"))
    assert not window.panel_docks.is_built("landscape")
    # Asking for a panel builds it too (an export, a tour step).
    assert window.landscape_panel.plot is not None
    assert window.panel_docks.is_built("landscape")


def test_a_panel_floated_out_of_its_tab_is_built(window, qtbot):
    dock = window.docks["landscape"]
    assert not window.panel_docks.is_built("landscape")
    dock.setFloating(True)
    dock.show()
    qtbot.waitUntil(lambda: window.panel_docks.is_built("landscape"))


def test_the_panel_fits_a_short_dock_without_scrolling(qtbot):
    """In a dock's scroll area the panel is as tall as it asks to be: it must ask little."""
    from PySide6.QtWidgets import QScrollArea

    doc = Document(network=Network.create([2, 8, 8, 8, 8, 8, 1], seed=1), dataset=xor())
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(GradientFlowPanel(doc))
    qtbot.addWidget(scroll)
    scroll.resize(700, 240)  # the dock at 1600×1000
    scroll.show()
    qtbot.waitUntil(lambda: scroll.viewport().height() > 100)
    qtbot.wait(50)
    # pyqtgraph's own size hint (a 480 px plot) made it 550 px tall, its axis out of view.
    assert scroll.widget().height() <= scroll.viewport().height()


def test_the_now_line_keeps_each_layer_on_one_line_with_three_digits(panel_for):
    from bpdesk.ui.format import norm_text

    assert norm_text(0.51234) == "0.512"
    assert norm_text(0.0001) == "1.00e−4"
    assert norm_text(2.4567e-7) == "2.46e−7"
    assert norm_text(0.0) == "0"
    _, panel = panel_for(Network.create([2, 8, 8, 1], activation="sigmoid", seed=1))
    text = panel.now.text()
    # Breaks only between layers: no ordinary space inside "W1 (x → h1): 0.0123".
    for part in text.removeprefix("Now: ").split("   "):
        assert " " not in part.strip(), part


def test_the_record_is_saved_with_the_file_and_shown_after_reopening(panel_for, tmp_path):
    # Reported: the gradient-flow panel was empty after reopening a file.
    from bpdesk.core import load_bpnet, save_bpnet

    doc, _ = panel_for(Network.create([2, 4, 4, 1], seed=3))
    norms = noisy_history(30, DEEP_LEVELS[:3])
    norms[:5] = np.nan  # not measured then (trained before an edit)
    record(doc, norms)
    doc.set_epoch(30)  # the network is the one trained (as training shows it)
    save_bpnet(doc.to_bpnet(), tmp_path / "run.bpnet")

    reopened, panel = panel_for(Network.create([2, 1], seed=0))
    reopened.load(load_bpnet(tmp_path / "run.bpnet"))
    np.testing.assert_array_equal(reopened.gradient_history.norms, norms)
    reopened.frames.flush()
    for layer, curve in enumerate(panel.curves):
        x, _ = curve.getData()
        assert len(x) > 0, f"layer {layer + 1} is drawn"


def test_after_a_rewind_the_file_keeps_the_norms_of_the_networks_own_past(panel_for):
    doc, _ = panel_for(Network.create([2, 4, 1], seed=3))
    norms = noisy_history(12, DEEP_LEVELS[:2])
    record(doc, norms)
    doc.set_epoch(12)
    doc.set_epoch(7)
    saved = doc.to_bpnet().history
    assert saved.epochs == 7
    np.testing.assert_array_equal(saved.gradient_norms_per_epoch(), norms[:7])
