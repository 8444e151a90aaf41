"""Input features in the window: the Data panel's toggles, the editor's input labels and the
maps, which stay on the (x₁, x₂) plane while the network sees the feature columns."""

import numpy as np
import pytest

from bpdesk.core import make_dataset
from bpdesk.core.features import feature_columns
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.editor.scene import NetworkScene
from bpdesk.ui.panels.boundary import GRID, DecisionBoundaryPanel
from bpdesk.ui.panels.data import DataPanel

PIXELS = [(0, 0), (0, GRID - 1), (GRID - 1, 0), (37, 81), (GRID // 2, GRID // 2)]


@pytest.fixture
def circle_doc(qtbot):
    """A document on the circle data, with the Data panel over it."""
    doc = Document()
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    assert editing.change_dataset(doc, make_dataset("circle", n_samples=60))
    return doc, panel


def test_ticking_features_changes_the_input_layer_undoably(circle_doc):
    doc, panel = circle_doc
    before = doc.network.copy()
    boxes = panel.features.boxes
    assert [n for n, b in boxes.items() if b.isChecked()] == ["x1", "x2"]
    assert panel.features.isEnabled()
    boxes["x1sq"].setChecked(True)
    assert doc.dataset.features == ("x1", "x2", "x1sq")
    assert doc.network.layer_sizes[0] == 3
    # The inputs kept keep their weights; the new one has its own.
    assert np.array_equal(doc.network.weights[0][:2], before.weights[0])
    assert np.array_equal(doc.dataset.plane.X_train, make_dataset("circle", 60).X_train)
    boxes["x1"].setChecked(False)
    boxes["x2"].setChecked(False)
    boxes["x2sq"].setChecked(True)
    assert doc.dataset.features == ("x1sq", "x2sq")
    assert doc.undo_stack.text(doc.undo_stack.index() - 1) == "Use the inputs x₁², x₂²"
    for _ in range(4):
        doc.undo()
    assert doc.dataset.features == ()
    assert np.array_equal(doc.network.parameters, before.parameters)
    assert [n for n, b in boxes.items() if b.isChecked()] == ["x1", "x2"]


def test_the_last_input_cannot_be_unticked(circle_doc):
    doc, panel = circle_doc
    boxes = panel.features.boxes
    boxes["x1"].setChecked(False)
    assert doc.dataset.features == ("x2",)
    boxes["x2"].setChecked(False)
    assert doc.dataset.features == ("x2",)
    assert boxes["x2"].isChecked()


def test_new_data_keep_the_features_and_csv_like_data_refuse_them(circle_doc):
    doc, panel = circle_doc
    assert editing.set_features(doc, ("x1sq", "x2sq"))
    panel.regenerate.click()
    assert doc.dataset.spec.seed == 1
    assert doc.dataset.features == ("x1sq", "x2sq")
    index = panel.dataset_box.findData("digits")
    panel.dataset_box.setCurrentIndex(index)
    panel.dataset_box.activated.emit(index)
    assert doc.dataset.name == "digits"
    assert not panel.features.isEnabled()
    assert "64" in panel.features.toolTip()
    assert not editing.set_features(doc, ("x1sq",))


def test_the_map_is_drawn_over_the_plane_through_the_features(qtbot):
    doc = Document()
    panel = DecisionBoundaryPanel(doc)
    qtbot.addWidget(panel)
    assert editing.change_dataset(doc, make_dataset("circle", n_samples=60))
    plain_bounds = panel.bounds
    assert editing.set_features(doc, ("x1sq", "x2sq", "sinx1"))
    assert panel.bounds == plain_bounds  # the same plane
    assert panel.showing_plot
    panel.redraw()
    points = np.array([[panel.grid_x[j], panel.grid_y[i]] for i, j in PIXELS])
    expected = doc.network.predict(feature_columns(doc.dataset.features, points))[:, 0]
    shown = np.array([panel.image.image[i, j] for i, j in PIXELS])
    assert shown == pytest.approx(expected, rel=1e-6)
    x, y = panel.train_points.getData()
    assert np.column_stack([x, y]) == pytest.approx(doc.dataset.plane.X_train)
    assert panel.output_at(0.3, -0.2) == pytest.approx(
        doc.network.predict(feature_columns(doc.dataset.features, np.array([[0.3, -0.2]])))[0]
    )
    # While training the map is evaluated in blocks: through the features too.
    coarse = panel._evaluate(doc.network, 4)
    assert np.all(np.isfinite(coarse))
    # A single input feature still draws a map over the plane, not a curve.
    assert editing.set_features(doc, ("x1x2",))
    assert panel.showing_plot


def test_a_point_clicked_on_the_plane_gets_its_features(qtbot):
    doc = Document()
    panel = DecisionBoundaryPanel(doc)
    qtbot.addWidget(panel)
    assert editing.change_dataset(doc, make_dataset("circle", n_samples=60))
    assert editing.set_features(doc, ("x1x2",))
    panel.add_point(0.5, -0.4, 1)
    assert doc.dataset.features == ("x1x2",)
    assert doc.dataset.plane.X_train[-1] == pytest.approx([0.5, -0.4])
    assert doc.dataset.X_train[-1, 0] == pytest.approx(-0.2)


def test_input_neurons_are_labelled_and_hidden_maps_follow_the_features(qtbot):
    doc = Document()
    scene = NetworkScene(doc)
    assert editing.change_dataset(doc, make_dataset("circle", n_samples=60))
    assert editing.set_features(doc, ("x1", "x1sq", "x2sq"))
    texts = {
        item.text for item in scene.items() if hasattr(item, "text") and isinstance(item.text, str)
    }
    assert {"x₁", "x₁²", "x₂²"} <= texts
    assert "x₁²" in scene.nodes[0][1].toolTip()
    scene._show_heat_maps()
    assert scene.nodes[1][0].heat_map is not None
