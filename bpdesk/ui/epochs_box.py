"""The epochs box: the epoch at which training stops (empty: until paused).

It shows and edits the training settings' ``epochs`` (saved in the ``.bpnet``
file as ``training.epochs``) through an undoable settings change; the
training controller stops the run exactly there.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit, QWidget

from bpdesk.ui.commands import SetConfigCommand
from bpdesk.ui.document import Document

MAX_EPOCHS_TYPED = 1_000_000_000  # what the box takes (a file may say more; it shows it)
EPOCHS_TIP = (
    "Stop training at this epoch (counted from the start of the run); empty: train until "
    "paused. Saved with the network; bpdesk train calls it --epochs."
)


class EpochsBox(QLineEdit):
    """A whole number of epochs, or nothing; it follows the document's settings."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setObjectName("epochsBox")
        self.setPlaceholderText("∞")
        self.setToolTip(EPOCHS_TIP)
        self.setClearButtonEnabled(False)
        # Digits or nothing: an empty box is a setting too (a QIntValidator would hold it
        # back as unfinished, and clearing the box would change nothing).
        digits = QRegularExpression(f"[0-9]{{0,{len(str(MAX_EPOCHS_TYPED))}}}")
        self.setValidator(QRegularExpressionValidator(digits, self))
        self.editingFinished.connect(self._on_edited)
        doc.settingsChanged.connect(self._show)
        self._show()

    def value(self) -> int | None:
        """The epochs typed, None when the box is empty (or says 0)."""
        text = self.text().strip()
        epochs = int(text) if text.isdigit() else 0
        return min(epochs, MAX_EPOCHS_TYPED) if epochs > 0 else None

    def _show(self) -> None:
        epochs = self.doc.config.epochs
        text = "" if epochs is None else str(epochs)
        if self.text() != text:
            self.setText(text)

    def _on_edited(self) -> None:
        epochs = self.value()
        config = self.doc.config
        if epochs == config.epochs:
            self._show()  # "0100" reads as 100 again
            return
        text = "Train until paused" if epochs is None else f"Stop at epoch {epochs:,}"
        self.doc.push(SetConfigCommand(self.doc, replace(config, epochs=epochs), text))
