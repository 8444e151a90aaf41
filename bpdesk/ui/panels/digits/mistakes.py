"""The "Mistakes" dock: the test images the network gets wrong, as a gallery of thumbnails.

Each shows the true digit and the network's answer; a click shows that image in
the network views (``doc.outside``), and so on the digit pad too. The gallery
is brought up to date when training pauses or ends, not every epoch: a mistake
that flickers in and out 20 times a second cannot be clicked.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from bpdesk.core.metrics import predicted_labels
from bpdesk.ui.digit_images import digit_pixmap
from bpdesk.ui.document import Document
from bpdesk.ui.frames import TABLE
from bpdesk.ui.panels.digits.fit import (
    digit_data,
    digit_network_problem,
    labels_of,
    message_label,
    peak_of,
)
from bpdesk.ui.predicted import pending, predicted, ready_signal
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.shown_refresh import RefreshesWhenShown

MAX_SHOWN = 100  # thumbnails at most: the count says how many there are in all
THUMB = 48  # pixels a side
ROW_ROLE = Qt.ItemDataRole.UserRole  # an item's test row


class MistakesPanel(RefreshesWhenShown, QWidget):
    """The test images the network gets wrong, with their true and predicted digits.

    For tests and the window: ``wrong`` (every misclassified test row, in order),
    ``predicted`` (the network's digit for every test row), ``gallery`` (the
    ``QListWidget`` of the first :data:`MAX_SHOWN`), ``summary`` (the label
    saying how many), ``message`` (why the panel cannot work here, "" when it
    can), ``stale`` (an update waits for training to pause or the panel to show).
    """

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.wrong = np.zeros(0, dtype=np.intp)
        self.predicted = np.zeros(0, dtype=np.intp)
        self.message = ""
        self.stale = True
        self._shown_key: tuple | None = None

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("mistakesSummary")
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMB, THUMB))
        self.gallery.setGridSize(QSize(THUMB + 22, THUMB + 26))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setUniformItemSizes(True)
        self.gallery.setWordWrap(False)
        self.gallery.setToolTip(
            "Test images the network gets wrong: true digit → the network's answer. "
            "Click one to show it in the network and on the digit pad."
        )
        self.gallery.itemClicked.connect(self._on_item_clicked)
        self.message_label = message_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.message_label)
        layout.addWidget(self.summary)
        layout.addWidget(self.gallery, 1)

        for signal in (doc.parametersChanged, doc.networkChanged, doc.datasetChanged):
            signal.connect(self._on_changed)
        doc.frames.liveChanged.connect(self._catch_up_after_training)
        ready_signal(doc).connect(self._on_changed)
        self.refresh()

    # -- when to update -----------------------------------------------------------------

    def _on_changed(self) -> None:
        self.stale = True
        if not self.doc.training_active:
            self.doc.frames.request(self._on_frame, TABLE)

    # -- the gallery ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Find the misclassified test images and show the first :data:`MAX_SHOWN`."""
        self.stale = False
        doc = self.doc
        net, data = doc.network, doc.dataset
        self.message = digit_network_problem(net)
        if not self.message and not digit_data(data, net):
            self.message = "The training data are not digit images this network reads."
        elif not self.message and not data.n_test:
            self.message = "This dataset has no test set: there are no unseen images to get wrong."
        self.message_label.setText(self.message)
        self.message_label.setVisible(bool(self.message))
        self.summary.setVisible(not self.message)
        self.gallery.setVisible(not self.message)
        if self.message:
            self.wrong = self.predicted = np.zeros(0, dtype=np.intp)
            self._shown_key = None
            self.gallery.clear()
            return
        shared = predicted(doc)
        if shared is None and pending(doc):
            self.stale = True  # its pass runs on the job runner: ready_signal brings it
            return
        assert shared is not None  # a digit network on its digit data fits it
        outputs = shared.test
        true = labels_of(data.T_test)
        self.predicted = predicted_labels(outputs, "multiclass")
        self.wrong = np.flatnonzero(self.predicted != true)
        self._update_summary(len(true))
        shown = self.wrong[:MAX_SHOWN]
        key = (data, shown.tobytes(), self.predicted[shown].tobytes())
        if key != self._shown_key:
            self._shown_key = key
            self._fill(shown, true, outputs)

    def _update_summary(self, n_test: int) -> None:
        n = len(self.wrong)
        if not n:
            self.summary.setText(
                f"No mistakes: the network reads all {n_test:,} test images right."
            )
            return
        text = f"{n:,} of {n_test:,} test images wrong"
        if n > MAX_SHOWN:
            text += f" (the first {MAX_SHOWN} shown)"
        self.summary.setText(text + ": true digit → the network's answer.")

    def _fill(self, rows: np.ndarray, true: np.ndarray, outputs: np.ndarray) -> None:
        data = self.doc.dataset
        peak = peak_of(data, self.doc.network)
        self.gallery.setUpdatesEnabled(False)
        try:
            self.gallery.clear()
            for row in rows:
                row = int(row)
                said, truth = int(self.predicted[row]), int(true[row])
                item = QListWidgetItem(
                    QIcon(digit_pixmap(data.X_test[row], THUMB, peak)), f"{truth} → {said}"
                )
                item.setData(ROW_ROLE, row)
                item.setToolTip(
                    f"Test example {row + 1}: a {truth} the network reads as {said} "
                    f"(output {outputs[row, said]:.2f} for {said}, {outputs[row, truth]:.2f} "
                    f"for {truth}). Click to show it in the network."
                )
                self.gallery.addItem(item)
        finally:
            self.gallery.setUpdatesEnabled(True)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        self.show_example(int(item.data(ROW_ROLE)))

    def show_example(self, row: int) -> None:
        """Show test image ``row`` in the network views (and on the pad)."""
        data = self.doc.dataset
        self.doc.outside.show(data.X_test[row], data.T_test[row], f"test example {row + 1}")
