"""The status bar: the epoch and accuracy on the right, the network and dataset
beside them, and the document's messages on the left; each shortened with "…" when
the window is narrow, the whole text in its tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QSizePolicy, QStatusBar, QWidget

from bpdesk.ui.document import Document
from bpdesk.ui.format import whole_percent
from bpdesk.ui.frames import NUMBERS
from bpdesk.ui.training import TrainingController
from bpdesk.ui.widgets import ElidedLabel

MESSAGE_MS = 6000  # how long the document's messages stay
NETWORK_SHARE = 0.4  # of the bar's width at most for the network and dataset: the rest for messages


class MainStatusBar(QStatusBar):
    """The window's status bar; it follows the document and the training controller."""

    def __init__(
        self, doc: Document, trainer: TrainingController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.trainer = trainer
        # The document's messages, in a label of the bar's own: QStatusBar paints a
        # message clipped where the labels begin, and keeps no tooltip for the rest.
        self.message_label = ElidedLabel()
        self.message_label.setObjectName("statusMessage")
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.addPermanentWidget(self.message_label, 1)
        self.messageChanged.connect(self.message_label.setText)
        # Plain text, shortened with "…" when the window is narrow (the whole text in
        # the tooltip). A dataset's title comes from a file: shown as text, never as
        # rich text (an <img> in it loaded a local image, an <h1> resized the window),
        # and never so wide that it widens the window.
        self.training_label = ElidedLabel(
            "Epochs trained, and accuracy on the training (and test) set"
        )
        self.training_label.setObjectName("trainingStatus")
        self.addPermanentWidget(self.training_label)
        self.network_label = ElidedLabel("The network's shape and the dataset")
        self.addPermanentWidget(self.network_label)
        # The labels follow training at the pace of numbers, in step with the diagram:
        # each repaint of a label costs the GUI thread (and so the training thread)
        # more than it shows.
        doc.computedChanged.connect(self._request_network)
        doc.networkChanged.connect(self._show_network)
        doc.datasetChanged.connect(self._show_network)
        doc.message.connect(self._on_message)
        doc.epochChanged.connect(self._request_epoch)
        doc.historyChanged.connect(self._request_epoch)
        trainer.stateChanged.connect(self._on_training_state)
        self._show_epoch()
        self._show_network()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # A long dataset title would otherwise leave a message no room at all.
        self.network_label.setMaximumWidth(
            max(ElidedLabel.MIN_WIDTH, int(self.width() * NETWORK_SHARE))
        )

    def _request_network(self) -> None:
        self.doc.frames.request(self._show_network, NUMBERS)

    def _request_epoch(self, *_args) -> None:
        self.doc.frames.request(self._show_epoch, NUMBERS)

    def _on_message(self, text: str) -> None:
        self.showMessage(text, MESSAGE_MS)

    def _on_training_state(self, state: str) -> None:
        if state == "running":
            self.clearMessage()  # e.g. "Applied gradients …": old news now
        self._show_epoch()

    def _show_epoch(self) -> None:
        doc = self.doc
        record = doc.history
        text = f"epoch {doc.epoch:,}"
        row = record.row_of(doc.epoch) if 0 < doc.epoch <= len(record) else -1
        if row >= 0:
            train_acc = record.train_accuracy[row]
            test_acc = record.test_accuracy[row]
            if train_acc == train_acc:  # not NaN: a classification problem
                text += f"  ·  accuracy {whole_percent(train_acc)}"
                if test_acc == test_acc:
                    text += f" (test {whole_percent(test_acc)})"
        state = self.trainer.state
        if state != "idle":
            text = f"{state} · {text}"
        self.training_label.setText(text)

    def _show_network(self) -> None:
        net, data = self.doc.network, self.doc.dataset
        self.network_label.setText(f"{net.describe()}  ·  {data.title or data.name}")
