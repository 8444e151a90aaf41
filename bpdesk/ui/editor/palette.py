"""The palette: "Neuron" and "Hidden layer" tiles to drag onto the network."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

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


class Palette(QWidget):
    """The "Build" dock: what can be dragged onto the network, and how to remove things."""

    def __init__(self, parent=None) -> None:
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
        layout.addStretch(1)
