"""The main toolbar: the step-through and training commands, the training speed,
the example that drives the views, the learning rate and the loss."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QToolBar, QToolButton, QWidget

from bpdesk.ui.actions import WindowActions
from bpdesk.ui.commands import SetConfigCommand
from bpdesk.ui.document import Document
from bpdesk.ui.format import fmt, fmt_target
from bpdesk.ui.frames import NUMBERS
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.training import SPEEDS, TrainingController
from bpdesk.ui.widgets import ElidingComboBox, fix_size, learning_rate_box, spin_moved

SAMPLE_TIP = "Which training example drives the views (or the mean over all)"
LR_TIP = "Learning rate η: how big a step Apply gradients (and training) takes"
# The Example box's entry for an example from outside the training set, while shown.
OUTSIDE = "outside"
SHOWN_TIP = "Shown in the network views instead of the training examples"
SAMPLES_LISTED = 500  # the Example box lists the first examples only
EXAMPLE_VALUES_LISTED = 8  # an example with more inputs is listed by their number


def _label(text: str, tip: str) -> QLabel:
    label = QLabel(text)
    label.setToolTip(tip)
    return label


class MainToolBar(QToolBar):
    """The toolbar under the menus; its boxes edit the document (undoably) and follow it."""

    def __init__(
        self,
        actions: WindowActions,
        doc: Document,
        trainer: TrainingController,
        parent: QWidget | None = None,
        *,
        prefs: ViewPreferences | None = None,
    ) -> None:
        super().__init__("Main", parent)
        self.doc = doc
        self.trainer = trainer
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.setObjectName("toolbar_main")  # the saved layout knows it by this name
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addAction(actions.forward_view)
        self.addAction(actions.backward_view)
        self.addSeparator()
        self.addAction(actions.forward_pass)
        self.addAction(actions.backward_pass)
        self.addAction(actions.apply)
        self.addSeparator()
        self.addAction(actions.train)
        self.speed_box = self._speed_box(actions)
        self.addWidget(self.speed_box)
        self.addAction(actions.step)
        self.addAction(actions.reset)
        # The other starts a reset offers, on the button's arrow (the width of one arrow
        # is what a 1,280-pixel window has left for it).
        reset = self.widgetForAction(actions.reset)
        menu = QMenu(reset)
        menu.addActions([actions.reset, actions.reset_same, actions.reset_new])
        reset.setMenu(menu)
        reset.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        # The example, η, the loss, undo and fit: a toolbar of their own, beside this one
        # on a wide window and on a second row on a narrow one (see wrap_toolbars).
        bar = self.data_bar = QToolBar("Example and loss", parent)
        bar.setObjectName("toolbar_data")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for each in (self, bar):
            each.setMovable(False)  # no handles: two bars fit where one did (1,280 px)
        bar.addWidget(_label("Example", SAMPLE_TIP))
        self.sample_box = self._sample_box()
        bar.addWidget(self.sample_box)
        bar.addWidget(_label(" η ", LR_TIP))
        self.lr_box = learning_rate_box(LR_TIP)
        self.lr_box.editingFinished.connect(self._on_lr_edited)
        bar.addWidget(self.lr_box)
        bar.addSeparator()
        self.loss_label = self._loss_label()
        bar.addWidget(self.loss_label)
        bar.addSeparator()
        bar.addAction(actions.undo_short)
        bar.addAction(actions.redo_short)
        for action in (actions.undo_short, actions.redo_short):
            button = bar.widgetForAction(action)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.3)  # the arrows are small glyphs
            button.setFont(font)
        bar.addAction(actions.fit)
        self._connect()

    def all_actions(self) -> list:
        """The actions of both bars, in order."""
        return [*self.actions(), *self.data_bar.actions()]

    def wrap_toolbars(self, window) -> None:
        """Put the second bar on a row of its own when the two do not fit side by side
        (at 1024 pixels the learning rate and the loss went into the » menu)."""
        bar = self.data_bar
        fits = self.sizeHint().width() + bar.sizeHint().width() + 8 <= window.width()
        if fits == window.toolBarBreak(bar):
            if fits:
                window.removeToolBarBreak(bar)
            else:
                window.insertToolBarBreak(bar)

    def _speed_box(self, actions: WindowActions) -> QComboBox:
        """The training speed beside Train: the same choice as Train → Speed."""
        box = QComboBox()
        box.setObjectName("speedBox")
        box.setToolTip(
            "Training speed: epochs per second, or as fast as possible (also Train → Speed)"
        )
        for speed in SPEEDS:
            box.addItem("max" if speed is None else f"{speed:,}/s")
            box.setItemData(
                box.count() - 1, actions.speeds[speed].text(), Qt.ItemDataRole.ToolTipRole
            )
        box.setCurrentIndex(SPEEDS.index(self.trainer.speed))
        box.activated.connect(lambda index: self.trainer.set_speed(SPEEDS[index]))
        return box

    def _sample_box(self) -> ElidingComboBox:
        box = ElidingComboBox()
        box.setToolTip(SAMPLE_TIP)
        # A steady width, whatever data the window starts with (XOR's examples fit
        # whole; longer ones are shortened in the middle, and the list opens wider).
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(14)
        box.currentIndexChanged.connect(self._on_sample_chosen)
        return box

    def _loss_label(self) -> QLabel:
        label = QLabel()
        label.setObjectName("lossLabel")
        label.setToolTip("Loss over all training examples")
        self.prefs.style(label, "font-weight: bold; padding: 0 8px;")
        # Room for a loss below a thousand, and for the short scientific form from a
        # million on (1.50e306); one in between is shortened, the tooltip has it whole.
        fix_size(label, "Loss 000.0000")
        return label

    def _connect(self) -> None:
        doc = self.doc
        # The loss follows training at the pace of numbers, in step with the diagram:
        # each repaint of a label costs the GUI thread (and so the training thread)
        # more than it shows.
        doc.computedChanged.connect(self._request_loss)
        doc.networkChanged.connect(self.show_loss)
        doc.datasetChanged.connect(self._fill_samples)
        doc.sampleChanged.connect(self._on_sample_changed)
        doc.outside.changed.connect(self._on_sample_changed)
        doc.settingsChanged.connect(self._on_settings_changed)
        self.trainer.speedChanged.connect(self._on_speed_changed)
        self._fill_samples()
        self._on_settings_changed()
        self.show_loss()

    # -- document → widgets ------------------------------------------------------------

    def _request_loss(self) -> None:
        self.doc.frames.request(self.show_loss, NUMBERS)

    def show_loss(self) -> None:
        """Show the loss of the forward pass on screen now (it follows at most
        five times a second while training)."""
        fwd = self.doc.forward_state
        label = self.loss_label
        if fwd is None:
            # A new architecture: the old loss belongs to another network.
            label.setText("Loss —")
            label.setToolTip("Run the forward pass (F5) to see the loss")
            label.setEnabled(False)
            return
        # The toolbar keeps to the loss that training and Apply gradients bring down,
        # the mean over all examples (room at 1280 pixels wide); one example's loss
        # is beside the output in the network, and in the tooltip.
        text = f"Loss {fmt(fwd.total_loss, 4)}"
        room = label.contentsRect().width()
        label.setText(label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room))
        tip = f"{text}: over all {self.doc.dataset.n_train} training examples (their mean)"
        if fwd.example is not None:
            tip += f"; {fwd.example.name} alone: {fmt(fwd.loss, 4)}"
        elif len(fwd.rows) == 1:
            tip += f"; example {fwd.rows[0] + 1} alone: {fmt(fwd.loss, 4)}"
        fresh = self.doc.is_fresh("forward")
        if not fresh:
            tip += ".\nOut of date (greyed): the network changed; run the forward pass (F5)"
        label.setToolTip(tip)
        label.setEnabled(fresh)

    def _on_speed_changed(self, speed: float | None) -> None:
        self.speed_box.setCurrentIndex(SPEEDS.index(speed))

    def _fill_samples(self) -> None:
        data = self.doc.dataset
        box = self.sample_box
        box.blockSignals(True)
        box.clear()
        box.addItem(f"All {data.n_train} (mean)", None)
        shown = min(data.n_train, SAMPLES_LISTED)
        if data.kind == "multiclass":
            # One-hot targets read as the class, as the Predictions table names them.
            targets = [f"class {k}" for k in data.labels(data.T_train[:shown])]
        else:
            target = fmt_target if data.kind == "binary" else lambda v: fmt(v, 2)
            targets = [", ".join(target(v) for v in row) for row in data.T_train[:shown]]
        points = data.plane.X_train
        for n in range(shown):
            # The point itself, also when the network's inputs are features computed from it;
            # an image's pixels would make a line of 784 numbers (500 of them: 1.2 s).
            if points.shape[1] <= EXAMPLE_VALUES_LISTED:
                x = "(" + ", ".join(fmt(v, 2) for v in points[n]) + ")"
            else:
                x = f"{points.shape[1]} inputs"
            box.addItem(f"{n + 1}: {x} → {targets[n]}", n)
        # The list opens as wide as its longest entry; the box itself keeps its width.
        view = box.view()
        view.setMinimumWidth(
            view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width()
        )
        box.blockSignals(False)
        self._on_sample_changed()

    def _on_sample_changed(self) -> None:
        sample, shown = self.doc.sample, self.doc.outside.example
        box = self.sample_box
        box.blockSignals(True)
        # An example from outside the training set (a test image, a drawing) has an
        # entry of its own, last, while the views show it: the training rows keep theirs.
        last = box.count() - 1
        if box.itemData(last) == OUTSIDE:
            box.removeItem(last)
        if shown is not None:
            box.addItem(shown.name[:1].upper() + shown.name[1:], OUTSIDE)
            box.setItemData(
                box.count() - 1,
                f"{SHOWN_TIP}: choose a training example to go back to them",
                Qt.ItemDataRole.ToolTipRole,
            )
            index = box.count() - 1
        else:
            index = 0 if sample is None else sample + 1
        if index < box.count() and box.currentIndex() != index:
            box.setCurrentIndex(index)
        box.blockSignals(False)

    def _on_settings_changed(self) -> None:
        self.lr_box.blockSignals(True)
        self.lr_box.setValue(self.doc.config.learning_rate)
        self.lr_box.blockSignals(False)

    # -- widgets → document ----------------------------------------------------------------

    def _on_sample_chosen(self, index: int) -> None:
        chosen = self.sample_box.itemData(index)
        if chosen != OUTSIDE:  # the example shown already
            self.doc.set_sample(chosen)

    def _on_lr_edited(self) -> None:
        # Tabbing through the box must not round the rate to the box's decimals.
        if not spin_moved(self.lr_box, self.doc.config.learning_rate):
            return
        value = round(self.lr_box.value(), 6)
        config = replace(self.doc.config, learning_rate=value)
        self.doc.push(SetConfigCommand(self.doc, config, f"Learning rate {value:g}"))
