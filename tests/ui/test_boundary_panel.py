"""The decision-boundary panel: the network's output over the plane, points, clicks, hover."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem

from bpdesk.core import Dataset, Network, make_dataset
from bpdesk.ui.commands import (
    ReplaceDatasetCommand,
    ReplaceNetworkCommand,
    SetParametersCommand,
)
from bpdesk.ui.document import Document
from bpdesk.ui.panels.boundary import GRID, DecisionBoundaryPanel, live_block
from bpdesk.ui.theme import class_colors

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
PIXELS = [(0, 0), (0, GRID - 1), (GRID - 1, 0), (37, 81), (GRID // 2, GRID // 2), (GRID - 1, 63)]


@pytest.fixture
def make_panel(qtbot):
    """Build a panel on a document; both stay referenced until the test ends."""
    made = []

    def make(doc: Document | None = None) -> tuple[Document, DecisionBoundaryPanel]:
        doc = doc or Document()
        panel = DecisionBoundaryPanel(doc)
        qtbot.addWidget(panel)
        made.append((doc, panel))
        return doc, panel

    return make


def xor_solution(net: Network) -> np.ndarray:
    """Parameters of a 2-2-1 sigmoid network that has learned XOR (h₁ = OR, h₂ = AND)."""
    solved = net.copy()
    solved.weights = [np.array([[20.0, 20.0], [20.0, 20.0]]), np.array([[20.0], [-20.0]])]
    solved.biases = [np.array([-10.0, -30.0]), np.array([-10.0])]
    return solved.parameters.copy()


def grid_outputs(panel, net: Network, pixels=PIXELS) -> np.ndarray:
    """The network's own output at the centres of the given (row, column) pixels."""
    X = np.array([[panel.grid_x[j], panel.grid_y[i]] for i, j in pixels])
    return net.predict(X)


def shown(panel, pixels=PIXELS) -> np.ndarray:
    return np.array([panel.image.image[i, j] for i, j in pixels])


def plot_point(panel, x1: float, x2: float) -> QPoint:
    """Where plot coordinates ``(x1, x2)`` are in the plot widget's viewport."""
    vb = panel.plot.getPlotItem().vb
    return panel.plot.mapFromScene(vb.mapViewToScene(QPointF(x1, x2)))


def show(qtbot, panel) -> None:
    panel.resize(420, 460)
    panel.show()
    qtbot.waitExposed(panel)


# -- the picture ------------------------------------------------------------------------


def test_xor_view_is_the_explainers_unit_square(make_panel):
    doc, panel = make_panel()
    x_min, x_max, y_min, y_max = panel.bounds
    # (0, 0) to (1, 1), the four examples at its corners, a small margin around.
    for low in (x_min, y_min):
        assert -0.2 <= low < 0
    for high in (x_max, y_max):
        assert 1 < high <= 1.2
    assert x_max - x_min == pytest.approx(y_max - y_min)
    rect = panel.image.mapRectToParent(panel.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((x_min, x_max))
    assert (rect.top(), rect.bottom()) == pytest.approx((y_min, y_max))
    (view_x, view_y) = panel.plot.getPlotItem().vb.viewRange()
    assert view_x[0] <= 0
    assert view_x[1] >= 1
    assert view_y[0] <= 0
    assert view_y[1] >= 1
    x, y = panel.train_points.getData()
    assert np.column_stack([x, y]) == pytest.approx(doc.dataset.X_train)


def test_image_is_the_network_output_at_each_pixel_centre(make_panel):
    doc, panel = make_panel()
    doc.set_parameters(xor_solution(doc.network))  # a map with both colours in it
    panel.redraw()
    image = panel.image.image
    assert image.shape == (GRID, GRID)
    assert image.dtype == np.float32
    assert image.flags.c_contiguous
    assert shown(panel) == pytest.approx(grid_outputs(panel, doc.network)[:, 0], rel=1e-6)
    # Rows go up x₂ and columns along x₁: pixel (i, j)'s centre is (grid_x[j], grid_y[i]).
    for i, j in PIXELS:
        centre = panel.image.mapToParent(QPointF(j + 0.5, i + 0.5))
        assert (centre.x(), centre.y()) == pytest.approx((panel.grid_x[j], panel.grid_y[i]))
    # Fixed levels and a 256-entry blue → white → orange table: XOR's corners read right.
    assert tuple(panel.image.levels) == (0.0, 1.0)
    lut = panel.image.lut.astype(int)
    assert lut.shape[0] == 256
    assert lut[0, 2] > lut[0, 0]  # blue at 0
    assert lut[255, 0] > lut[255, 2]  # orange at 1
    assert lut[128].min() > 240  # white at 0.5
    near = {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    for (x1, x2), target in near.items():
        j = int(np.argmin(abs(panel.grid_x - x1)))
        i = int(np.argmin(abs(panel.grid_y - x2)))
        assert (image[i, j] > 0.5) == bool(target)


def test_while_training_a_big_networks_map_is_drawn_in_blocks_and_whole_after(make_panel):
    """A redraw's cost while training stays bounded however big the network is."""
    big = Network.create([2] + [64] * 8 + [1], activation="tanh", seed=0)
    assert live_block(Network.create([2, 16, 16, 1], seed=0)) == 1  # drawn whole
    # 17-32 ms a redraw pixel by pixel: in 2 × 2 blocks while training (~7 ms)
    assert live_block(Network.create([2, 32, 32, 32, 1], seed=0)) == 2
    block = live_block(big)
    assert 1 < block < GRID
    doc, panel = make_panel(Document(network=big, dataset=make_dataset("spiral", seed=0)))
    item = panel.image
    address = item.image.ctypes.data
    doc.training_active = True
    panel.redraw()
    image = item.image
    assert image.shape == (GRID, GRID)
    assert image.ctypes.data == address  # the same buffer
    # Each block is one value: the output at the block's middle pixel.
    blocks = image.reshape(GRID // block, block, GRID // block, block)
    assert (blocks == blocks[:, :1, :, :1]).all()
    middle = [(i * block + block // 2, j * block + block // 2) for i, j in ((0, 0), (3, 7))]
    assert shown(panel, middle) == pytest.approx(grid_outputs(panel, big, middle)[:, 0], rel=1e-5)
    doc.training_active = False  # training stopped: every pixel again
    doc.frames.flush()
    assert shown(panel) == pytest.approx(grid_outputs(panel, big)[:, 0], rel=1e-5)


def test_parameter_changes_update_the_same_image_in_place(qtbot, make_panel):
    doc, panel = make_panel()
    item = panel.image
    items_before = list(panel.plot.getPlotItem().items)
    address = item.image.ctypes.data
    before = item.image.copy()
    # An untrained network's outputs span a narrow range; the levels stay fixed at 0 … 1.
    assert before.max() - before.min() < 0.5
    assert tuple(item.levels) == (0.0, 1.0)
    redraws = panel.redraws
    doc.push(SetParametersCommand(doc, xor_solution(doc.network), "Solve XOR"))
    qtbot.waitUntil(lambda: panel.redraws > redraws)
    assert panel.image is item
    assert list(panel.plot.getPlotItem().items) == items_before  # nothing rebuilt
    assert item.image.ctypes.data == address  # the same buffer, new values
    assert not np.allclose(item.image, before)
    assert shown(panel) == pytest.approx(grid_outputs(panel, doc.network)[:, 0], rel=1e-6)
    # Undo goes through the document too.
    redraws = panel.redraws
    doc.undo()
    qtbot.waitUntil(lambda: panel.redraws > redraws)
    assert item.image == pytest.approx(before, rel=1e-6)


def test_a_burst_of_changes_is_drawn_once_and_ends_on_the_last(qtbot, make_panel):
    doc, panel = make_panel()
    start = doc.network.parameters.copy()
    target = xor_solution(doc.network)
    redraws = panel.redraws
    for t in np.linspace(0, 1, 60):  # training reporting faster than the screen refreshes
        doc.set_parameters(start + t * (target - start))
    expected = grid_outputs(panel, doc.network)[:, 0]
    qtbot.waitUntil(lambda: np.allclose(shown(panel), expected, rtol=1e-6))
    qtbot.wait(60)  # no other redraw is pending
    assert 1 <= panel.redraws - redraws <= 2  # at most the first at once and the last


def test_a_new_network_is_drawn(make_panel):
    doc, panel = make_panel()
    bigger = Network.create([2, 8, 8, 1], activation="tanh", seed=4)
    doc.push(ReplaceNetworkCommand(doc, bigger, "Add a layer"))
    assert shown(panel) == pytest.approx(grid_outputs(panel, doc.network)[:, 0], rel=1e-6)
    doc.undo()
    assert shown(panel) == pytest.approx(grid_outputs(panel, doc.network)[:, 0], rel=1e-6)


def test_discretise_shows_the_rounded_decision(make_panel):
    doc, panel = make_panel()
    doc.set_parameters(xor_solution(doc.network))
    panel.redraw()
    continuous = shown(panel)
    assert not np.isin(continuous, (0.0, 1.0)).all()
    assert not panel.discretise.isHidden()
    panel.discretise.setChecked(True)
    decided = shown(panel)
    assert decided.tolist() == (grid_outputs(panel, doc.network)[:, 0] > 0.5).tolist()
    assert np.isin(panel.image.image, (0.0, 1.0)).all()
    assert set(np.unique(panel.image.image)) == {0.0, 1.0}
    panel.discretise.setChecked(False)
    assert shown(panel) == pytest.approx(continuous)


def test_a_diverged_network_draws_without_errors(make_panel):
    doc, panel = make_panel()
    doc.set_parameters(np.full_like(doc.network.parameters, np.nan))
    panel.redraw()
    assert np.isnan(panel.image.image).all()
    panel.grab()  # paints the image: NaN pixels are gaps, not warnings


# -- points, clicks and the selected sample --------------------------------------------------


def test_left_and_right_clicks_add_class_1_and_class_0_points_undoably(make_panel):
    doc, panel = make_panel()
    xor = doc.dataset
    assert panel.click_at(0.5, 0.5, LEFT)
    assert panel.click_at(0.25, 0.75, RIGHT)
    ds = doc.dataset
    assert ds.n_train == 6
    assert ds.X_train[-2:].tolist() == [[0.5, 0.5], [0.25, 0.75]]
    assert ds.T_train[-2:].tolist() == [[1.0], [0.0]]
    assert doc.undo_stack.text(doc.undo_stack.count() - 1) == "Add a class-0 point"
    x, y = panel.train_points.getData()
    assert len(x) == 6
    assert (x[-1], y[-1]) == (0.25, 0.75)
    brushes = [p.brush().color().name() for p in panel.train_points.points()]
    assert brushes[-2:] == [panel.prefs.palette.positive, panel.prefs.palette.negative]
    assert panel.bounds == pytest.approx((-0.1, 1.1, -0.1, 1.1))  # the view stays still
    # Outside the map, or with another button: nothing.
    assert not panel.click_at(3.0, 0.5, LEFT)
    assert not panel.click_at(0.5, 0.5, Qt.MouseButton.MiddleButton)
    assert doc.dataset.n_train == 6
    doc.undo_stack.undo()
    assert doc.dataset.n_train == 5
    doc.undo_stack.undo()
    assert doc.dataset.same_data(xor)
    assert len(panel.train_points.getData()[0]) == 4


def test_real_mouse_clicks_on_the_plot_add_points(qtbot, make_panel):
    doc, panel = make_panel()
    show(qtbot, panel)
    viewport = panel.plot.viewport()
    QTest.mouseClick(viewport, LEFT, Qt.KeyboardModifier.NoModifier, plot_point(panel, 0.3, 0.6))
    QTest.mouseClick(viewport, RIGHT, Qt.KeyboardModifier.NoModifier, plot_point(panel, 0.8, 0.2))
    ds = doc.dataset
    assert ds.n_train == 6
    pixel = (panel.bounds[1] - panel.bounds[0]) / 100  # a screen pixel is smaller than this
    assert ds.X_train[4] == pytest.approx([0.3, 0.6], abs=pixel)
    assert ds.X_train[5] == pytest.approx([0.8, 0.2], abs=pixel)
    assert ds.T_train[4:, 0].tolist() == [1.0, 0.0]
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.dataset.n_train == 4


def test_points_added_to_a_generated_dataset_keep_its_test_set_and_view(make_panel):
    data = make_dataset("circle", n_samples=60, seed=2)
    doc, panel = make_panel(Document(Network.create([2, 4, 1], activation="tanh"), data))
    bounds = panel.bounds
    assert len(panel.test_points.getData()[0]) == data.n_test > 0
    assert panel.click_at(0.0, 0.0, LEFT)
    assert doc.dataset.n_train == data.n_train + 1
    assert doc.dataset.n_test == data.n_test
    assert panel.bounds == bounds
    assert len(panel.test_points.getData()[0]) == data.n_test
    doc.undo_stack.undo()
    assert panel.bounds == bounds


def test_the_selected_sample_is_ringed(make_panel):
    doc, panel = make_panel()
    doc.set_sample(2)
    x, y = panel.sample_ring.getData()
    assert list(zip(x, y)) == [tuple(doc.dataset.X_train[2])]
    doc.set_sample(None)  # the batch mean: no single point
    assert len(panel.sample_ring.getData()[0]) == 0


# -- hovering ---------------------------------------------------------------------------


def test_hover_reads_the_output_under_the_cursor(qtbot, make_panel):
    doc, panel = make_panel()
    doc.set_parameters(xor_solution(doc.network))
    panel.show_readout_at(0.25, 0.75)
    y = doc.network.predict([[0.25, 0.75]])[0, 0]
    text = panel.readout.text()
    assert "x1 = 0.25" in text
    assert "x2 = 0.75" in text
    assert panel.prefs.fmt(y) in text
    assert "class 1" in text
    # It follows the network while the cursor rests.
    doc.set_parameters(-doc.network.parameters)
    panel.redraw()
    y = doc.network.predict([[0.25, 0.75]])[0, 0]
    assert panel.prefs.fmt(y) in panel.readout.text()


def test_real_mouse_moves_update_the_readout(qtbot, make_panel):
    _doc, panel = make_panel()
    show(qtbot, panel)
    hint = panel.readout.text()
    viewport = panel.plot.viewport()
    QTest.mouseMove(viewport, plot_point(panel, 0.9, 0.1))
    qtbot.waitUntil(lambda: "x1 = 0.9" in panel.readout.text())
    assert "x2 = 0.1" in panel.readout.text()
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))
    assert panel.readout.text() == hint


# -- other kinds of data ----------------------------------------------------------------------


def test_multiclass_colours_each_class_by_confidence(make_panel):
    net = Network.create([2, 8, 3], activation="relu", loss="ce", seed=3)
    net.parameters *= 4  # confident enough to show the classes apart
    doc, panel = make_panel(Document(net, make_dataset("blobs")))
    image = panel.image.image
    assert image.shape == (GRID, GRID, 4)
    assert image.dtype == np.uint8
    assert panel.image.lut is None
    probs = grid_outputs(panel, doc.network)
    labels = probs.argmax(axis=1)
    assert len(set(labels.tolist())) > 1
    region = panel.region_colors.astype(float)
    sure = np.clip((probs.max(axis=1) - 1 / 3) / (2 / 3), 0, 1)
    expected = 255 + (region[labels] - 255) * sure[:, None]
    assert shown(panel)[:, :3] == pytest.approx(expected, abs=1)
    panel.discretise.setChecked(True)
    assert shown(panel)[:, :3].tolist() == panel.region_colors[labels].tolist()
    # Points take their class's colour; clicks add the class chosen in the combo box.
    colours = [c.name() for c in class_colors(panel.prefs.palette, 3)]
    points = panel.train_points.points()
    classes = doc.dataset.labels(doc.dataset.T_train)
    assert [p.brush().color().name() for p in points] == [colours[k] for k in classes]
    assert panel.class_choice.count() == 3
    assert not panel.class_choice.isHidden()
    panel.class_choice.setCurrentIndex(2)
    assert panel.click_at(0.1, 0.2, LEFT)
    assert doc.dataset.T_train[-1].tolist() == [0.0, 0.0, 1.0]
    assert not panel.click_at(0.1, 0.2, RIGHT)
    panel.show_readout_at(0.1, 0.2)
    k = int(doc.network.predict([[0.1, 0.2]])[0].argmax())
    assert f"class {k}" in panel.readout.text()


def test_regression_shows_the_output_over_the_targets_range(make_panel):
    net = Network.create([2, 8, 1], activation="tanh", output_activation="linear", seed=1)
    data = make_dataset("reg-plane")
    doc, panel = make_panel(Document(net, data))
    assert panel.image.image.dtype == np.float32
    assert shown(panel) == pytest.approx(grid_outputs(panel, doc.network)[:, 0], rel=1e-5)
    targets = np.concatenate([data.T_train, data.T_test])
    assert tuple(panel.image.levels) == pytest.approx((targets.min(), targets.max()))
    assert panel.image.lut.shape[0] == 256
    assert panel.discretise.isHidden()  # nothing to round a real number to
    assert panel.class_choice.isHidden()
    assert not panel.click_at(0.0, 0.0, LEFT)
    assert doc.undo_stack.count() == 0
    assert "regression" in panel.plot.toolTip()


def test_a_dataset_without_two_inputs_shows_a_message(make_panel):
    X = np.random.default_rng(0).uniform(size=(12, 3))
    three = Dataset("binary", X, (X[:, :1] > 0.5) * 1.0, np.empty((0, 3)), np.empty((0, 1)))
    doc, panel = make_panel(Document(Network.create([3, 2, 1]), three))
    assert not panel.showing_plot
    assert "needs 1 or 2 inputs to draw; this dataset has 3" in panel.message.text()
    panel.redraw()
    assert panel.redraws == 0
    assert not panel.click_at(0.5, 0.5, LEFT)
    # Back to a plane: the plot returns, drawn for the new network.
    doc.push(ReplaceDatasetCommand(doc, make_dataset("xor"), Network.create([2, 2, 1]), "XOR"))
    assert panel.showing_plot
    assert shown(panel) == pytest.approx(grid_outputs(panel, doc.network)[:, 0], rel=1e-6)
    doc.undo()
    assert not panel.showing_plot


def test_every_control_explains_itself(make_panel):
    _, panel = make_panel(
        Document(Network.create([2, 4, 3], loss="ce"), make_dataset("blobs", n_samples=30))
    )
    for widget in (panel.discretise, panel.class_choice, panel.readout, panel.plot, panel.message):
        assert widget.toolTip()


def test_many_points_are_drawn_smaller_and_kept_as_a_picture(make_panel):
    _, small = make_panel()
    _, large = make_panel(
        Document(Network.create([2, 4, 1], activation="tanh"), make_dataset("moons", 5000))
    )
    cached = QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert small.train_points.cacheMode() == cached  # repainting points holds the interpreter
    assert large.train_points.cacheMode() == cached
    assert large.test_points.cacheMode() == cached
    assert large.train_points.points()[0].size() < small.train_points.points()[0].size()


def test_points_shrink_as_they_crowd_so_the_map_shows_between_them():
    from bpdesk.ui.panels.boundary import point_size

    sizes = [point_size(n) for n in (4, 30, 100, 300, 1000, 3000, 100_000)]
    assert sizes[0] == sizes[1] == 11.0
    assert all(a >= b for a, b in zip(sizes, sizes[1:]))
    assert sizes[3] < 8  # two spirals' 300 points no longer cover their own map
    assert sizes[-1] == 4.0


def test_the_dock_is_an_output_map_for_a_regression(window):
    assert window.docks["boundary"].windowTitle() == "Decision boundary"
    window.open_example("regression")
    assert window.docks["boundary"].windowTitle() == "Output map"
    assert window.docks["boundary"].toggleViewAction().text() == "Output map"
    window.open_example("xor")
    assert window.docks["boundary"].windowTitle() == "Decision boundary"


def test_one_input_draws_the_output_against_it(make_panel):
    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    doc, panel = make_panel(Document(single_weight_network(0.5), single_weight_dataset()))
    assert not panel.showing_plot  # no plane
    curve = panel.curve
    assert panel.stack.currentWidget() is curve
    xs, ys = curve.curves[0].getData()
    assert xs[0] < 1.0 < xs[-1]  # around the example's x = 1
    assert ys == pytest.approx(0.5 * xs)  # ŷ = w·x
    points_x, points_t = curve.train_points.getData()
    assert list(points_x) == [1.0]
    assert list(points_t) == [2.0]
    # The line follows the weight: w = 2 passes through the example.
    doc.push(SetParametersCommand(doc, np.array([2.0, 0.0]), "w = 2"))
    panel.redraw()
    xs, ys = curve.curves[0].getData()
    assert ys == pytest.approx(2.0 * xs)
    assert not panel.click_at(1.0, 2.0, LEFT)  # no plane to add points to


def test_going_from_three_classes_to_four_waits_for_the_new_colours(make_panel):
    three = make_dataset("blobs", n_samples=30, n_classes=3)
    doc, panel = make_panel(Document(Network.create([2, 4, 3], loss="ce"), three))
    # The network changes first, then the data: the panel must not paint a fourth
    # class with the three colours it has (it raised IndexError).
    four = Network.create([2, 4, 4], loss="ce")
    four.biases[-1][3] = 10.0  # the fourth class wins everywhere on the map
    doc.push(ReplaceDatasetCommand(doc, make_dataset("blobs", n_samples=40, n_classes=4), four, ""))
    assert len(panel.region_colors) == 4
    assert np.all(panel.image.image[..., :3] == panel.region_colors[3])
    doc.undo()
    doc.redo()
    assert panel.showing_plot


def test_a_diverged_one_input_network_draws_without_an_error(make_panel):
    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    _, panel = make_panel(Document(single_weight_network(1e307), single_weight_dataset()))
    _, ys = panel.curve.curves[0].getData()
    assert np.all(np.abs(ys[np.isfinite(ys)]) <= 1e300)
    panel.curve.plot.getPlotItem().vb.updateAutoRange()
    (_, _), (low, high) = panel.curve.plot.getPlotItem().vb.viewRange()
    assert np.isfinite(low)
    assert np.isfinite(high)


def test_a_click_outside_the_map_says_why_no_point_was_added(make_panel):
    doc, panel = make_panel()
    said = []
    doc.message.connect(said.append)
    assert not panel.click_at(3.0, 0.5, LEFT)
    assert doc.dataset.n_train == 4
    assert len(said) == 1
    assert "No point added" in said[0]
    assert "inside the map" in said[0]


def test_a_point_added_to_a_trained_network_says_the_data_changed(make_panel):
    doc, panel = make_panel()
    said = []
    doc.message.connect(said.append)
    assert panel.click_at(0.5, 0.5, LEFT)
    assert said == []  # nothing trained yet: nothing to explain
    rows = np.full((4, 3), np.nan)
    rows[0] = 0.2
    doc.append_training(1, rows, ())
    doc.set_epoch(3)
    assert panel.click_at(0.25, 0.75, RIGHT)
    assert len(said) == 1
    assert "the data changed" in said[0]


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("big", [1e308, 1e200, 1e40])
def test_inputs_near_the_float_limit_are_drawn_clamped_without_errors(make_panel, big):
    # Reported: inputs of ±1e308 made the panel raise (an infinite range).
    X = np.array([[big, -big], [0.0, 1.0], [-big, big], [1.0, 0.0]])
    data = Dataset(
        "binary", X, np.array([[0.0], [1.0], [1.0], [0.0]]), np.zeros((0, 2)), np.zeros((0, 1))
    )
    doc, panel = make_panel(Document(Network.create([2, 2, 1], seed=0), data))
    doc.frames.flush()
    panel.grab()
    assert all(np.isfinite(panel.bounds))
    assert panel.contains(0.5, 0.5)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("big", [1e200, 1e39])
def test_regression_targets_beyond_float32_are_coloured_without_errors(make_panel, big):
    # Reported: targets of 1e200 made the panel raise (negative lengths, overflow).
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[big], [0.0], [0.0], [-big]])
    data = Dataset("regression", X, T, np.zeros((0, 2)), np.zeros((0, 1)))
    net = Network.create([2, 2, 1], seed=0, output_activation="linear")
    doc, panel = make_panel(Document(net, data))
    doc.frames.flush()
    panel.grab()
    values = panel.image.image
    assert np.isfinite(values).all()
