"""The palette: "Neuron" and "Hidden layer" tiles to drag onto the network, and a
hidden layer's size set as a number (nobody drags 128 neurons)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core.architecture import EDITOR_MAX_NEURONS
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.editor.scene import PALETTE_MIME


class PaletteTile(QToolButton):
    """A tile that starts a drag carrying ``kind`` (``neuron`` or ``layer``)."""

    def __init__(self, kind: str, text: str, tooltip: str, parent=None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setText(text)
        self.setToolTip(tooltip)
        self.setMinimumHeight(40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        # Not focusable: a focused button would take the Space key (train/pause) for itself.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._press: QPoint | None = None

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._press is None:
            return
        if (
            event.position().toPoint() - self._press
        ).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        self.setDown(False)
        mime = QMimeData()
        mime.setData(PALETTE_MIME, self.kind.encode())
        mime.setText(self.text())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(self.grab())
        drag.exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event) -> None:
        self._press = None
        super().mouseReleaseEvent(event)


class LayerSizeBox(QWidget):
    """A hidden layer's size as a number: choose the layer, type its size, Set. The
    change is one undoable edit (:func:`bpdesk.ui.editing.set_layer_size`)."""

    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.layer = QComboBox()
        self.layer.setToolTip("The hidden layer to resize")
        # Narrow at rest: the row must not widen the dock (and shrink the diagram).
        self.layer.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.layer.setMinimumContentsLength(2)
        self.size = QSpinBox()
        self.size.setRange(1, EDITOR_MAX_NEURONS)
        self.size.setToolTip(
            f"How many neurons it has (1 to {EDITOR_MAX_NEURONS}); its first neurons keep "
            "their weights, new ones start from the initialiser"
        )
        self.apply = QToolButton()
        self.apply.setText("Set")
        self.apply.setToolTip("Resize the layer (Ctrl+Z undoes it)")
        # Never wider than the dock already is: the diagram keeps its room.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Size"))
        row.addWidget(self.layer, 1)
        row.addWidget(self.size)
        row.addWidget(self.apply)
        self.layer.currentIndexChanged.connect(self._show_size)
        self.apply.clicked.connect(self.set_size)
        self.size.editingFinished.connect(lambda: self.size.hasFocus() and self.set_size())
        doc.networkChanged.connect(self._on_network_changed)
        self._on_network_changed()

    def _on_network_changed(self) -> None:
        sizes = self.doc.network.layer_sizes
        chosen = max(self.layer.currentIndex(), 0)
        self.layer.blockSignals(True)
        self.layer.clear()
        for layer in range(1, len(sizes) - 1):
            self.layer.addItem(f"Hidden {layer}", layer)
        self.layer.setCurrentIndex(min(chosen, self.layer.count() - 1))
        self.layer.blockSignals(False)
        has_hidden = self.layer.count() > 0
        for widget in (self.layer, self.size, self.apply):
            widget.setEnabled(has_hidden)
        self._show_size()

    def _show_size(self) -> None:
        layer = self.layer.currentData()
        if layer is not None:
            self.size.setValue(self.doc.network.layer_sizes[layer])

    def set_size(self) -> bool:
        """Give the chosen layer the typed size (an undoable edit); False if unchanged."""
        layer = self.layer.currentData()
        if layer is None:
            return False
        return editing.set_layer_size(self.doc, layer, self.size.value())


class Palette(QWidget):
    """The "Build" dock: what can be dragged onto the network, how to remove things,
    and (given the document) a hidden layer's size as a number."""

    def __init__(self, doc: Document | None = None, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(
            PaletteTile(
                "neuron",
                "●  Neuron",
                "Drag onto a hidden layer to add a neuron there",
                self,
            )
        )
        layout.addWidget(
            PaletteTile(
                "layer",
                "▮  Hidden layer",
                "Drag between two layers to insert a hidden layer",
                self,
            )
        )
        help_text = QLabel("Drag a tile onto the network. Drag a neuron off it to remove it.")
        help_text.setWordWrap(True)
        help_text.setStyleSheet("color: #6b7080;")
        help_text.setToolTip(
            "Drag a hidden neuron up or down to reorder it; drag it off the network (or onto "
            "the bin that appears) to remove it. The + − × buttons above each layer and "
            "right-click menus do the same. Click a layer's activation to change it."
        )
        layout.addWidget(help_text)
        self.layer_size = LayerSizeBox(doc, self) if doc is not None else None
        if self.layer_size is not None:
            layout.addWidget(self.layer_size)
        layout.addStretch(1)
