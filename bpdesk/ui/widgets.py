"""Small widget helpers shared by the window and the panels."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

# The learning rate's box, the same in the toolbar and the Data panel: with
# different ranges one would show (and, edited, write) a rate the other cannot.
LEARNING_RATE_RANGE = (0.0001, 100.0)
LEARNING_RATE_DECIMALS = 4


class ElidingComboBox(QComboBox):
    """A combo box that shortens a current text too long for it in the middle, so
    that both ends stay readable (an example's number and its target); the open
    list shows every entry whole."""

    def paintEvent(self, _event) -> None:
        """Paint as QComboBox does, with the text elided to the field."""
        painter = QStylePainter(self)
        painter.setPen(self.palette().color(self.palette().ColorRole.Text))
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideMiddle, field.width() - 2
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip shows it, character for character: Qt takes a tooltip
    that looks like HTML for rich text (an ``<img>`` in a name would load a file)."""
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


class ElidedLabel(QLabel):
    """One line of plain text that fits the room it is given: a text too long is
    shown with "…" (``mode``), and its tooltip then holds the whole text.

    ``text()`` is always the whole text; ``shown_text()`` what is painted. The
    label asks for room for the whole text, but makes do with little: it never
    widens the window it is in.
    """

    MIN_WIDTH = 60  # pixels: room for a few characters and "…"

    def __init__(
        self,
        description: str = "",
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._description = description  # the tooltip when the whole text shows
        self._mode = mode
        self._update_tooltip()

    def setText(self, text: str) -> None:
        """Show ``text`` (plain) on one line, shortened if need be: a line break (a
        title from a file may hold one) is shown as a space."""
        text = " ".join(text.splitlines()) if text else ""
        if text != self.text():
            super().setText(text)
            self._update_tooltip()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.MIN_WIDTH), hint.height())

    def shown_text(self) -> str:
        """What is painted: the text, elided to the label's width."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), self._mode, max(width, 0))

    def is_elided(self) -> bool:
        """True when the text does not fit and "…" stands for part of it."""
        return self.shown_text() != self.text()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        flags = int(self.alignment()) | int(Qt.TextFlag.TextSingleLine)
        painter.drawText(self.contentsRect(), flags, self.shown_text())

    def _update_tooltip(self) -> None:
        text = self.text()
        if self.is_elided():
            whole = f"{text}\n\n{self._description}" if self._description else text
            self.setToolTip(plain_tooltip(whole))
        else:
            self.setToolTip(plain_tooltip(self._description))


def learning_rate_box(tip: str) -> QDoubleSpinBox:
    """A spin box for the learning rate η, its range and decimals the same everywhere."""
    box = QDoubleSpinBox()
    box.setDecimals(LEARNING_RATE_DECIMALS)
    box.setRange(*LEARNING_RATE_RANGE)
    box.setSingleStep(0.05)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    return box


def spin_moved(box: QDoubleSpinBox, old: float) -> bool:
    """True when ``box`` holds something other than what it showed for ``old``.

    A box rounds to its decimals and clamps to its range, so comparing its value
    with ``old`` itself would report a change (and write it) when the user only
    tabbed through: 0.00025 shows as 0.0003, 250 as 100.
    """
    shown = min(max(box.valueFromText(box.textFromValue(old)), box.minimum()), box.maximum())
    # Half a step of the last decimal: float noise is no change, one step is.
    return abs(box.value() - shown) > 0.5 * 10 ** -box.decimals()


def fit_text(label: QLabel, max_width: int) -> None:
    """Size a word-wrapping ``label`` to its text: one line if that fits in
    ``max_width``, otherwise exactly ``max_width`` wide and as tall as the wrapped text.

    ``adjustSize`` will not do: for a word-wrapping label Qt guesses a narrow,
    tall shape whatever room there is. The one-line width is the label's own
    size hint without wrapping, so a style sheet's font and padding count too.
    """
    label.setWordWrap(False)
    natural = label.sizeHint().width()
    label.setWordWrap(True)
    width = max(1, min(natural, max_width))
    label.resize(width, label.heightForWidth(width))


def fix_size(label: QLabel, widest: str) -> None:
    """Give a label whose text changes often a fixed size, room enough for ``widest``.

    With both width and height fixed, Qt skips re-laying out the label's
    parent on every change of text: during training that relayout (and the
    repaint of every toolbar button or panel it moves) would cost more than
    the label itself.
    """
    metrics = label.fontMetrics()
    margins = label.contentsMargins()
    width = metrics.horizontalAdvance(widest) + margins.left() + margins.right() + 16
    height = max(label.sizeHint().height(), metrics.height() + margins.top() + margins.bottom())
    label.setFixedSize(width, height)


class Deferred(QWidget):
    """A place for a panel that is built only when its dock's tab is first opened.

    Panels behind a tab cost start-up time (a plot alone is some 20 ms) for
    something the user may never open. Qt keeps the docks of hidden tabs
    "visible" (moved off screen), so a show event would come at once: the
    dock's ``visibilityChanged``, which follows the tabs, decides instead.
    """

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._widget: QWidget | None = None
        self._dock: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        """True once the panel exists."""
        return self._widget is not None

    def widget(self) -> QWidget:
        """The panel, built now if it was not yet."""
        if self._widget is None:
            self._widget = self._factory()
            self.layout().addWidget(self._widget)
            if self.isVisible():
                # Shown and laid out now, not on the next turn of the event loop: the
                # caller (a tour step, an export) may scroll to it or measure it at once.
                self._widget.show()
                self.layout().activate()
        return self._widget

    def build_when_shown(self, dock) -> None:
        """Build the panel the first time ``dock`` (a QDockWidget) comes into view."""
        self._dock = dock
        dock.visibilityChanged.connect(self._look_again)
        # Floated out of its tab, a dock reports itself hidden (and then nothing).
        dock.topLevelChanged.connect(self._look_again)

    def _look_again(self, *_) -> None:
        # While the window lays its docks out it reports tabs visible for a moment;
        # look once that has settled.
        if self._widget is None:
            # With ``self`` as context the call is dropped if the window closes first.
            QTimer.singleShot(0, self, self._build_if_in_view)

    def _build_if_in_view(self) -> None:
        if self._widget is None and not self.visibleRegion().isEmpty():
            self.widget()
