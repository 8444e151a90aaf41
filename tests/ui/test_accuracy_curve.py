"""A classifier's accuracy per epoch is drawn beside its loss, on a right-hand axis."""

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from bpdesk.core.history import FIELDS
from bpdesk.ui.document import Document
from bpdesk.ui.panels.loss import LossPanel


def panel_for(qtbot, doc: Document) -> LossPanel:
    panel = LossPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def history(doc: Document, epochs: int, accuracy: bool, test: bool) -> np.ndarray:
    rows = np.full((len(FIELDS), epochs), np.nan)
    rows[0] = np.exp(-np.arange(epochs) / 50)
    if test:
        rows[1] = rows[0] * 1.1
    if accuracy:
        rows[2] = np.linspace(0.5, 1.0, epochs)
        if test:
            rows[3] = np.linspace(0.4, 0.9, epochs)
    doc.append_training(1, rows, ())
    doc.set_epoch(epochs)
    doc.frames.flush()
    return rows


def test_the_accuracy_curves_follow_the_history(qtbot):
    doc = Document()
    panel = panel_for(qtbot, doc)
    item = panel.plot.getPlotItem()
    assert not item.getAxis("right").isVisible()  # nothing trained yet
    rows = history(doc, 120, accuracy=True, test=True)
    curves = panel.accuracy
    np.testing.assert_array_equal(curves.train_curve.yData, rows[2])
    np.testing.assert_array_equal(curves.test_curve.yData, rows[3])
    np.testing.assert_array_equal(curves.train_curve.xData, np.arange(1, 121))
    assert curves.train_curve.isVisible()
    assert curves.test_curve.isVisible()
    assert item.getAxis("right").isVisible()
    assert "accuracy" in item.getAxis("right").labelText
    assert curves.view.viewRange()[1][0] <= 0.0
    assert curves.view.viewRange()[1][1] >= 1.0
    # The legend keeps to the loss curves.
    assert [label.text for _, label in panel.legend.items] == ["training", "test"]


def test_a_regression_draws_no_accuracy(qtbot):
    doc = Document()
    panel = panel_for(qtbot, doc)
    history(doc, 50, accuracy=False, test=False)
    assert not panel.accuracy.train_curve.isVisible()
    assert not panel.plot.getPlotItem().getAxis("right").isVisible()


def drag(widget, start: QPointF, end: QPointF) -> None:
    """A left-button drag as the mouse makes it (press, moves with the button held, release)."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    steps = [start + (end - start) * (k / 5) for k in range(6)]
    events = [(QEvent.Type.MouseButtonPress, steps[0], left, left)]
    events += [(QEvent.Type.MouseMove, p, none, left) for p in steps[1:]]
    events.append((QEvent.Type.MouseButtonRelease, steps[-1], left, none))
    for kind, pos, button, buttons in events:
        event = QMouseEvent(
            kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(widget, event)


def test_a_drag_still_pans_the_loss_plot(qtbot):
    doc = Document()
    panel = panel_for(qtbot, doc)
    history(doc, 100, accuracy=True, test=False)
    vb = panel.plot.getPlotItem().vb
    before = vb.viewRange()[0]
    start = QPointF(panel.plot.mapFromScene(vb.mapViewToScene(QPointF(60, 0.5))))
    drag(panel.plot.viewport(), start, start + QPointF(80, 0))
    assert vb.viewRange()[0][0] < before[0]  # the epochs moved right: the view panned
    np.testing.assert_allclose(panel.accuracy.view.viewRange()[0], vb.viewRange()[0])


def test_clicks_still_reach_the_loss_plot(qtbot):
    # The accuracy's view box lies over the loss's: a click must still rewind.
    doc = Document()
    panel = panel_for(qtbot, doc)
    history(doc, 100, accuracy=True, test=False)
    vb = panel.plot.getPlotItem().vb
    scene_pos = vb.mapViewToScene(QPointF(40, 0.5))
    epochs = []
    panel.rewind = lambda epoch: epochs.append(epoch) or True
    view_pos = panel.plot.mapFromScene(scene_pos)
    qtbot.mouseClick(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    assert epochs == [40]
