"""The "Draw a digit" dock: draw, see what the network sees and what it answers, and
where the blame for a chosen digit lies.

The drawing is reduced as the data were made (:mod:`bpdesk.core.digit_pad`);
the ten outputs are redrawn in place while the pen moves, at most once a frame;
when the pen lifts, the drawing becomes the example the network views show
(``doc.outside``), so the editor's forward and backward views follow it. An
example shown from elsewhere (a mistake clicked in the gallery) comes onto the
pad, to be looked at or drawn over.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core.datasets import handed_over
from bpdesk.core.digit_pad import network_input
from bpdesk.core.input_gradient import class_target, input_gradient
from bpdesk.ui.commands import ReplaceDatasetCommand
from bpdesk.ui.digit_images import digit_pixmap, image_side, signed_pixmap
from bpdesk.ui.document import Document
from bpdesk.ui.frames import PLOT
from bpdesk.ui.outside_example import OutsideExample
from bpdesk.ui.panels.digits.canvas import DrawingCanvas
from bpdesk.ui.panels.digits.fit import (
    N_DIGITS,
    digit_data,
    digit_network_problem,
    message_label,
    peak_of,
)
from bpdesk.ui.plots import plot_widget
from bpdesk.ui.preferences import ViewPreferences

DRAWING_NAME = "your drawing"
SEEN_SIZE = 72  # pixels of "what the network sees" and of the blame map
# At least this wide (pixels), the pad is three columns; narrower, the answer goes under.
WIDE_PAD = 600
LIVE_MS = 16  # the outputs follow the pen at most once a frame


def add_training_example(doc: Document, x: np.ndarray, label: int) -> bool:
    """Add the input row ``x`` to the training set as digit ``label``: one undoable edit.
    False (and nothing done) when the data are not digits this network reads."""
    data = doc.dataset
    if not digit_data(data, doc.network):
        return False
    doc.prepare_edit(ReplaceDatasetCommand)
    data = doc.dataset
    # Frozen arrays of the data's own type, handed over: 60,000 float32 pixels rows
    # stay float32 and are not copied a second time.
    X = np.vstack([data.X_train, np.asarray(x, dtype=data.X_train.dtype)[None, :]])
    T = np.vstack([data.T_train, class_target(doc.network, label)[None, :]])
    X.flags.writeable = T.flags.writeable = False
    with handed_over():
        grown = data.with_points(X, T)
    doc.push(ReplaceDatasetCommand(doc, grown, None, f"Add a drawn {label} to the training set"))
    return True


def _caption(text: str) -> QLabel:
    """A picture's caption, wrapped to the picture's width (the pad fits narrow docks)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setMaximumWidth(SEEN_SIZE + 24)
    return label


class DigitPadPanel(QWidget):
    """Draw a digit and watch the network read it.

    For tests and the window: ``canvas`` (:class:`DrawingCanvas`), ``target_box``
    (the digit the blame and a new training example are for), ``bars`` (the ten
    outputs, a ``BarGraphItem``), ``probabilities`` (the last outputs shown, or
    None), ``seen_label``, ``blame_label``, ``blame`` (the last ∂L/∂input shown),
    ``message`` (why the panel cannot work with this network, "" when it can),
    ``add_button``, ``clear_button``, ``redraws`` (how many times the outputs were
    recomputed).
    """

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.probabilities: np.ndarray | None = None
        self.blame: np.ndarray | None = None
        self.message = ""
        self.redraws = 0
        self._loaded: OutsideExample | None = None  # an example shown on the pad as it is
        self._own: OutsideExample | None = None  # the drawing as last shown in the views
        self._showing = False
        self._loaded_row: int | None = None  # the training row loaded, if it is one
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_MS)
        self._live.timeout.connect(self.refresh)

        self.message_label = message_label()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message_label)
        self.stack.addWidget(self._build_pad())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack)

        doc.networkChanged.connect(self._on_network_changed)
        doc.datasetChanged.connect(self._on_network_changed)
        doc.parametersChanged.connect(self._on_parameters_changed)
        doc.outside.changed.connect(self._on_outside_changed)
        doc.sampleChanged.connect(self._on_sample_changed)
        self.prefs.changed.connect(self._on_preferences_changed)
        self._on_network_changed()
        # Built when its tab first shows: an example shown before (a mistake clicked while
        # the pad was behind a tab) comes onto the pad now.
        self._on_outside_changed()

    def _build_pad(self) -> QWidget:
        self.canvas = DrawingCanvas()
        self.canvas.strokeMoved.connect(self._on_stroke_moved)
        self.canvas.strokeFinished.connect(self._on_stroke_finished)
        self.seen_label = QLabel()
        self.seen_label.setFixedSize(SEEN_SIZE, SEEN_SIZE)
        self.seen_label.setToolTip(
            "What the network sees: the drawing reduced as the data were made (the shipped "
            "digits: a 32×32 bitmap counted in 4×4 blocks, 0–16; MNIST: fitted in 20×20 and "
            "centred by mass in 28×28)"
        )
        self.blame_label = QLabel()
        self.blame_label.setFixedSize(SEEN_SIZE, SEEN_SIZE)
        self.target_box = QSpinBox()
        self.target_box.setRange(0, N_DIGITS - 1)
        self.target_box.setPrefix("digit ")
        self.target_box.setToolTip(
            "The digit this drawing should be: the blame map and a new training example use it"
        )
        self.target_box.valueChanged.connect(self._on_target_changed)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Start a new drawing")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.add_to_training)
        self.answer_label = QLabel()
        self.answer_label.setWordWrap(True)
        self.answer_label.setObjectName("padAnswer")
        self.prefs.style(self.answer_label, "font-weight: bold;")
        self.blame_text = QLabel()
        self.blame_text.setWordWrap(True)
        self.prefs.style(self.blame_text, "color: {faint_text};")

        self.plot = plot_widget(prefs=self.prefs, size_hint=QSize(240, 100))
        self.plot.setMinimumHeight(80)
        item = self.plot.getPlotItem()
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setXRange(-0.6, N_DIGITS - 0.4, padding=0)
        item.setYRange(0, 1, padding=0.02)
        item.getAxis("bottom").setTicks([[(k, str(k)) for k in range(N_DIGITS)]])
        self.bars = pg.BarGraphItem(
            x=np.arange(N_DIGITS), height=np.zeros(N_DIGITS), width=0.7, brushes=self._brushes(-1)
        )
        item.addItem(self.bars)
        self.plot.setToolTip("The network's ten outputs for the drawing, one bar per digit")

        # Three columns in the short, wide docks under the editor: the page and its
        # buttons; what the network sees and the blame; the answer and the ten outputs.
        # In a narrow dock (the right column, where a digits network puts the pad) the
        # answer goes under the other two (see _arrange).
        drawing = QGridLayout()
        drawing.addWidget(self.canvas, 0, 0, 1, 2)
        drawing.addWidget(self.clear_button, 1, 0)
        drawing.addWidget(self.target_box, 1, 1)
        drawing.setRowStretch(2, 1)
        pictures = QVBoxLayout()
        pictures.addWidget(_caption("The network sees"))
        pictures.addWidget(self.seen_label)
        pictures.addWidget(_caption("Where is the blame?"))
        pictures.addWidget(self.blame_label)
        pictures.addStretch(1)
        answer = QVBoxLayout()
        answer.addWidget(self.answer_label)
        answer.addWidget(self.plot, 1)
        adding = QHBoxLayout()
        adding.addWidget(self.add_button)
        adding.addStretch(1)
        answer.addLayout(adding)
        answer.addWidget(self.blame_text)
        pad = QWidget()
        self._grid = QGridLayout(pad)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.addLayout(drawing, 0, 0)
        self._grid.addLayout(pictures, 0, 1)
        self._answer = answer
        self.wide: bool | None = None  # the answer beside the pictures (else under them)
        self._arrange(True)
        return pad

    def _arrange(self, wide: bool) -> None:
        """The answer and the outputs beside the pictures (``wide``) or under them."""
        if wide == self.wide:
            return
        grid, answer = self._grid, self._answer
        if self.wide is not None:
            grid.removeItem(answer)
        self.wide = wide
        # The third column takes the width to spare: the page and pictures keep theirs.
        grid.setColumnStretch(2, 1)
        if wide:
            grid.addLayout(answer, 0, 2)
        else:
            grid.addLayout(answer, 1, 0, 1, 3)

    def resizeEvent(self, event) -> None:
        """Lay the pad out for the dock's width: three columns, or two and a row."""
        super().resizeEvent(event)
        self._arrange(event.size().width() >= WIDE_PAD)

    # -- what is drawn ------------------------------------------------------------------

    def current_input(self) -> np.ndarray | None:
        """The row the network reads: the drawing reduced, or the example loaded onto the
        pad as it is; None for a blank page (or a network the pad cannot serve)."""
        if self.message:
            return None
        if self._loaded is not None:
            return self._loaded.x
        if self.canvas.is_blank():
            return None
        net = self.doc.network
        return network_input(self.canvas.ink(), net.layer_sizes[0], peak_of(self.doc.dataset, net))

    def _peak(self) -> float:
        return peak_of(self.doc.dataset, self.doc.network)

    # -- reactions ------------------------------------------------------------------------

    def _on_stroke_moved(self) -> None:
        if self._loaded is not None:
            # Drawn over: the page is reduced as a whole from now on, a new example.
            self._loaded, self._loaded_row = None, None
            self._update_add_button()
        if not self._live.isActive():
            self._live.start()

    def _on_stroke_finished(self) -> None:
        self._loaded, self._loaded_row = None, None
        self._update_add_button()
        self._live.stop()
        self.refresh()
        self.show_in_views()

    def _on_target_changed(self) -> None:
        self._update_add_button()
        self.refresh()
        if self._own is not None and self.doc.outside.example is self._own:
            self.show_in_views()  # the shown drawing's target is the chosen digit

    def _on_network_changed(self) -> None:
        self.message = digit_network_problem(self.doc.network)
        if self._loaded is not None and not self._loaded.fits(self.doc.network):
            # An image of another size: the page starts blank for the new network.
            self._loaded = self._loaded_row = None
            self.canvas.blockSignals(True)
            self.canvas.clear()
            self.canvas.blockSignals(False)
        self.message_label.setText(self.message)
        self.stack.setCurrentIndex(0 if self.message else 1)
        if not self.message:
            self._update_add_button()
            self.refresh()

    def _on_parameters_changed(self) -> None:
        if not self.message:
            # Training changes the weights many times a second: the outputs follow at
            # the pace of plots, and only while the pad is on screen.
            self.doc.frames.request(self._on_frame, PLOT)

    def _on_frame(self) -> None:
        if self.isVisible():
            self.refresh()

    def _on_outside_changed(self) -> None:
        example = self.doc.outside.example
        if example is None or self._showing or example is self._own or self.message:
            return
        # An example shown from elsewhere (a test image the network gets wrong) comes
        # onto the pad as it is: its own pixels, not a reduction of them.
        self.load(example)

    def _on_sample_changed(self) -> None:
        doc, sample = self.doc, self.doc.sample
        if sample is None or self.message or not digit_data(doc.dataset, doc.network):
            return
        # A training example chosen (in the predictions table, the toolbar) comes onto
        # the pad too: its blame, for its own digit.
        data = doc.dataset
        example = OutsideExample(
            data.X_train[sample], data.T_train[sample], f"example {sample + 1}"
        )
        self.load(example, row=sample)

    def load(self, example: OutsideExample, row: int | None = None) -> None:
        """Put an example on the pad as it is (to look at its blame, or draw over it);
        ``row`` when it is that training row."""
        self._loaded, self._loaded_row = example, row
        side = image_side(example.x.size)
        assert side is not None  # it fits the network, which takes images
        self.canvas.blockSignals(True)
        try:
            self.canvas.set_ink((example.x / self._peak()).reshape(side, side))
        finally:
            self.canvas.blockSignals(False)
        self.target_box.blockSignals(True)
        self.target_box.setValue(int(np.argmax(example.t)))
        self.target_box.blockSignals(False)
        self._update_add_button()
        self.refresh()

    def _on_preferences_changed(self) -> None:
        self.refresh()

    def showEvent(self, event) -> None:
        """Catch up with training done while the pad was hidden."""
        super().showEvent(event)
        if not self.message:
            self.refresh()

    # -- actions ------------------------------------------------------------------------------

    def show_in_views(self) -> None:
        """Make the drawing the example the network views show (a blank page: stop)."""
        x = self.current_input()
        outside = self.doc.outside
        if x is None:
            if self._own is not None and outside.example is self._own:
                outside.clear()
            self._own = None
            return
        if self._loaded is not None:
            return  # an example from elsewhere, already shown
        target = class_target(self.doc.network, self.target_box.value())
        self._showing = True  # the change this makes is the pad's own, not one to load
        try:
            self._own = outside.show(x, target, DRAWING_NAME)
        finally:
            self._showing = False

    def add_to_training(self) -> bool:
        """Add the drawing to the training set as the chosen digit (undo takes it back)."""
        x = self.current_input()
        if x is None or self._loaded is not None:
            self.doc.notify(
                "Draw a digit first: the page is blank."
                if x is None
                else f"{self._loaded.name.capitalize()} is already in the data: draw a new one."
            )
            return False
        label = self.target_box.value()
        if not add_training_example(self.doc, x, label):
            self.doc.notify(
                "The drawing was not added: the training data are not digits this network "
                "reads (choose the digits dataset in the Data panel)."
            )
            return False
        return True

    def _update_add_button(self) -> None:
        label = self.target_box.value()
        self.add_button.setText(f"Use as a training example of {label}")
        if self._loaded is not None:
            # Already in the data: a test image added to training would no longer test.
            self.add_button.setToolTip(
                f"{self._loaded.name.capitalize()} is already in the data (test images stay "
                "held out): draw on the page to make a new example"
            )
        else:
            self.add_button.setToolTip(
                f"Add the drawing to the training set with the label {label} "
                "(one edit: Ctrl+Z takes it back)"
            )
        fits = digit_data(self.doc.dataset, self.doc.network)
        self.add_button.setEnabled(fits and self._loaded is None)

    # -- drawing the answer --------------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute the ten outputs and the blame for the drawing, and redraw them in place."""
        if self.message:
            return
        self.redraws += 1
        x = self.current_input()
        palette = self.prefs.palette
        net = self.doc.network
        if x is None:
            self.probabilities = self.blame = None
            self.bars.setOpts(height=np.zeros(N_DIGITS), brushes=self._brushes(-1))
            self.seen_label.clear()
            self.blame_label.clear()
            self.answer_label.setText("Draw a digit on the page.")
            self.blame_text.setText("")
            return
        with np.errstate(all="ignore"):
            outputs = net.predict(x[None, :])[0]
            label = self.target_box.value()
            blame = input_gradient(net, x, label)
        winner = int(np.argmax(outputs)) if np.all(np.isfinite(outputs)) else -1
        self.probabilities, self.blame = outputs, blame
        self.bars.setOpts(height=np.nan_to_num(outputs), brushes=self._brushes(winner))
        self.seen_label.setPixmap(digit_pixmap(x, SEEN_SIZE, self._peak()))
        self.blame_label.setPixmap(signed_pixmap(blame, SEEN_SIZE, palette))
        name = self._loaded.name if self._loaded is not None else "the drawing"
        if winner < 0:
            self.answer_label.setText(
                f"The network's outputs for {name} are not numbers: it has diverged "
                "(Reset starts it again)."
            )
        else:
            softmax = net.activations[-1] == "softmax"
            said = f"p = {outputs[winner]:.2f}" if softmax else f"ŷ = {outputs[winner]:.2f}"
            shown = " (shown in the network)" if self._in_views() else ""
            self.answer_label.setText(f"The network reads {name} as {winner} ({said}){shown}")
        self.blame_text.setText(
            f"∂L/∂pixel for “this is a {label}”: ink on blue pixels would make the network "
            f"surer it is a {label}, ink on orange ones less sure (backprop carried one step "
            "past the first layer)."
        )

    def _in_views(self) -> bool:
        """True when the network views show what the pad shows."""
        shown, doc = self.doc.outside.example, self.doc
        if self._loaded is None:
            return shown is not None and shown is self._own
        if shown is not None:
            return shown is self._loaded
        return self._loaded_row is not None and self._loaded_row == doc.sample

    def _brushes(self, winner: int) -> list:
        palette = self.prefs.palette
        return [
            pg.mkBrush(palette.positive if k == winner else palette.stale) for k in range(N_DIGITS)
        ]
