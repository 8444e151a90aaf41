"""The palette sets a hidden layer's size as a number, as one undoable edit."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bpdesk.core import Network
from bpdesk.ui.document import Document
from bpdesk.ui.editor.palette import Palette


def test_the_palette_sets_a_layers_size_and_undo_takes_it_back(qtbot):
    doc = Document(Network.create([2, 3, 4, 1], seed=0))
    palette = Palette(doc)
    qtbot.addWidget(palette)
    box = palette.layer_size
    assert [box.layer.itemText(k) for k in range(box.layer.count())] == ["Hidden 1", "Hidden 2"]
    assert box.size.value() == 3
    box.layer.setCurrentIndex(1)
    assert box.size.value() == 4  # the chosen layer's own size
    before = doc.network.copy()
    box.size.setValue(128)
    QTest.mouseClick(box.apply, Qt.MouseButton.LeftButton)
    assert doc.network.layer_sizes == (2, 3, 128, 1)
    assert np.array_equal(doc.network.weights[1][:, :4], before.weights[1])
    assert doc.undo_stack.undoText() == "Set layer size to 128"
    assert box.layer.currentIndex() == 1  # still the layer just resized
    doc.undo_stack.undo()
    assert doc.network.layer_sizes == (2, 3, 4, 1)
    assert np.array_equal(doc.network.parameters, before.parameters)
    assert box.size.value() == 4
    doc.undo_stack.redo()
    assert doc.network.layer_sizes == (2, 3, 128, 1)


def test_the_same_size_is_no_edit_and_no_hidden_layer_disables_it(qtbot):
    doc = Document(Network.create([2, 3, 1], seed=0))
    palette = Palette(doc)
    qtbot.addWidget(palette)
    box = palette.layer_size
    assert not box.set_size()  # 3 already
    assert doc.undo_stack.count() == 0
    doc2 = Document(Network.create([2, 1], seed=0))
    bare = Palette(doc2)
    qtbot.addWidget(bare)
    assert not bare.layer_size.apply.isEnabled()
    assert not bare.layer_size.set_size()
