"""The "Confusion matrix" dock: for every true class, how often the network answers each class.

The predictions panel keeps a small matrix as a table for a few classes; ten
digits need a square of their own: one ``ImageItem`` (each cell tinted green on
the diagonal and red off it, deeper as it holds more of its row) with the counts
written on it. It is made once and updated in place, at the pace of tables and
only while on screen.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from bpdesk.core.metrics import predicted_labels, target_labels
from bpdesk.ui import theme
from bpdesk.ui.document import Document
from bpdesk.ui.format import format_percent
from bpdesk.ui.frames import TABLE
from bpdesk.ui.plane import rgb
from bpdesk.ui.plots import plot_widget
from bpdesk.ui.predicted import Outputs, pending, predicted, ready_signal
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.shown_refresh import RefreshesWhenShown

SETS = (("Test examples", "test"), ("Training examples", "train"), ("All examples", "all"))


def confusion_counts(true: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """``counts[t, p]``: how many examples of class ``t`` the network puts in class ``p``."""
    return np.bincount(true * k + predicted, minlength=k * k).reshape(k, k)


def tints(counts: np.ndarray, palette: theme.Palette) -> np.ndarray:
    """``(k, k, 3)`` uint8 colours: the background where a cell is empty, green on the
    diagonal and red off it, deeper as the cell holds more of its row."""
    right, wrong = (rgb(c) for c in theme.verdict_colors(palette))
    background = rgb(QColor(palette.background))
    k = counts.shape[0]
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    toward_background = np.clip(0.85 - 0.55 * share, 0.0, 1.0)[..., None]
    tint = np.where(np.eye(k, dtype=bool)[..., None], right, wrong)
    colours = tint + (background - tint) * toward_background
    colours[counts == 0] = background
    return np.round(colours).astype(np.uint8)


class ConfusionPanel(RefreshesWhenShown, QWidget):
    """A k×k confusion matrix of the classification the network makes.

    For tests: ``counts`` (the matrix shown, ``counts[true, predicted]``),
    ``image`` (its ``ImageItem``), ``labels`` (the count ``TextItem`` of each
    cell, row-major), ``which`` (the examples counted), ``summary``.
    """

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.labels: list[pg.TextItem] = []
        self._label_state: dict[int, tuple[str, str]] = {}  # what each label shows now
        self.stale = True

        self.which = QComboBox()
        for text, key in SETS:
            self.which.addItem(text, key)
        self.which.setToolTip("Which examples the matrix counts")
        self.which.currentIndexChanged.connect(self.refresh)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        # Asks for little: a dock under the editor is short, and the square keeps its shape.
        self.plot = plot_widget(prefs=self.prefs, size_hint=QSize(220, 160))
        self.plot.setMinimumSize(120, 120)
        item = self.plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.invertY(True)  # true class 0 at the top, as a table reads
        item.setAspectLocked(True)
        item.setLabel("left", "true class")
        item.setLabel("bottom", "the network's answer")
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        self.plot.setToolTip(
            "Each row is a true class, each column the class the network answers: the "
            "diagonal counts right answers, everything off it is a mistake"
        )
        top = QHBoxLayout()
        top.addWidget(QLabel("Count"))
        top.addWidget(self.which)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot, 1)

        for signal in (doc.parametersChanged, doc.networkChanged, doc.datasetChanged):
            signal.connect(self._on_changed)
        doc.frames.liveChanged.connect(self._catch_up_after_training)
        ready_signal(doc).connect(self._on_changed)
        self.prefs.changed.connect(self.refresh)
        self.refresh()

    def _on_changed(self) -> None:
        self.stale = True
        self.doc.frames.request(self._on_frame, TABLE)

    def _rows(self, outputs: Outputs) -> tuple[np.ndarray, np.ndarray]:
        """The targets and outputs of the examples counted."""
        data = self.doc.dataset
        which = self.which.currentData()
        if which == "test" and data.n_test:
            return data.T_test, outputs.test
        if which == "all":
            return np.concatenate([data.T_train, data.T_test]), outputs.all
        return data.T_train, outputs.train

    def refresh(self) -> None:
        """Recount the matrix and redraw it in place."""
        self.stale = False
        data = self.doc.dataset
        outputs = predicted(self.doc)
        if outputs is None and pending(self.doc):
            self.stale = True  # its pass runs on the job runner: ready_signal brings it
            return
        if data.kind == "regression" or outputs is None:
            self.summary.setText(
                "A regression has no classes to confuse."
                if data.kind == "regression"
                else "The network's inputs or outputs do not fit this dataset."
            )
            self._show(np.zeros((0, 0), dtype=np.int64))
            return
        T, Y = self._rows(outputs)
        k = 2 if data.kind == "binary" else data.n_outputs
        true = target_labels(T, data.kind)
        counts = confusion_counts(true, predicted_labels(Y, data.kind), k)
        right = int(np.trace(counts))
        total = int(counts.sum())
        share = format_percent(right / total) if total else "—"
        self.summary.setText(f"{right:,} of {total:,} right ({share}); off the diagonal: mistakes.")
        self._show(counts)

    def _show(self, counts: np.ndarray) -> None:
        k = counts.shape[0]
        if counts.shape != self.counts.shape:
            self._make_labels(k)
        self.counts = counts
        if not k:
            self.image.clear()
            return
        self.image.setImage(tints(counts, self.prefs.palette), autoLevels=False, levels=(0, 255))
        text = self.prefs.palette.text
        for (t, p), label in zip(np.ndindex(k, k), self.labels, strict=True):
            count = int(counts[t, p])
            words = str(count) if count else ""
            # Late in training few counts move: a label is laid out again only if it did.
            if (words, text) != self._label_state.get(id(label)):
                self._label_state[id(label)] = (words, text)
                label.setText(words, color=text)

    def _make_labels(self, k: int) -> None:
        item = self.plot.getPlotItem()
        for label in self.labels:
            item.removeItem(label)
        self.labels = []
        self._label_state = {}
        for t, p in np.ndindex(k, k):
            label = pg.TextItem("", anchor=(0.5, 0.5))
            label.setPos(p + 0.5, t + 0.5)
            item.addItem(label)
            self.labels.append(label)
        ticks = [[(c + 0.5, str(c)) for c in range(k)]]
        item.getAxis("bottom").setTicks(ticks)
        item.getAxis("left").setTicks(ticks)
        item.setXRange(0, max(k, 1), padding=0.02)
        item.setYRange(0, max(k, 1), padding=0.02)
