"""The predictions panel with digits: a thumbnail per example, the big matrix elsewhere."""

import numpy as np
from PySide6.QtCore import Qt

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.panels.predictions import IMAGE, TARGET, THUMBNAIL, PredictionsPanel


def make(qtbot, doc: Document) -> PredictionsPanel:
    panel = PredictionsPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(600, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_digits_show_one_column_of_thumbnails(qtbot):
    doc = Document(Network.create([64, 8, 10], loss="ce"), make_dataset("digits"))
    panel = make(qtbot, doc)
    model = panel.model
    assert model.columns[:2] == [IMAGE, TARGET]  # not 64 columns of numbers
    column = model.column(IMAGE)
    picture = model.data(model.index(0, column), Qt.ItemDataRole.DecorationRole)
    assert picture is not None
    assert (picture.width(), picture.height()) == (THUMBNAIL, THUMBNAIL)
    # The picture is the example: its darkest pixel is where its largest input is.
    image = picture.toImage()
    row = doc.dataset.X_train[0]
    darkest = int(np.argmax(row))
    scale = THUMBNAIL // 8
    y, x = divmod(darkest, 8)
    assert image.pixelColor(x * scale, y * scale).lightness() < 40
    blank = int(np.flatnonzero(row == 0)[0])
    y, x = divmod(blank, 8)
    assert image.pixelColor(x * scale, y * scale).lightness() > 240
    assert model.data(model.index(0, column), Qt.ItemDataRole.DisplayRole) == ""
    assert panel.table.verticalHeader().defaultSectionSize() >= THUMBNAIL
    # Ten classes: the matrix has its own dock, the table says where.
    assert not panel.confusion_box.isVisible()
    assert panel.confusion_note.isVisible()


def test_two_inputs_stay_numbers(qtbot):
    panel = make(qtbot, Document())
    assert IMAGE not in panel.model.columns
    assert panel.model.columns[:2] == ["input:0", "input:1"]
    assert panel.confusion_box.isVisible()
    assert not panel.confusion_note.isVisible()


def test_784_inputs_are_28x28_thumbnails(qtbot):
    from test_digit_pad_panel import mnist_shaped_doc

    panel = make(qtbot, mnist_shaped_doc())
    model = panel.model
    assert model.columns[0] == IMAGE
    picture = model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)
    assert picture is not None
    assert (picture.width(), picture.height()) == (28, 28)  # one pixel a pixel
    assert panel.table.iconSize().width() == 28
