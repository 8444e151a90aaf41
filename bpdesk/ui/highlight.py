"""A pulsing frame drawn over part of the window: "look here" for the guided tour."""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QEvent, QRect, Qt, QVariantAnimation
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QWidget

from bpdesk.ui.preferences import ViewPreferences


class Highlighter(QWidget):
    """An overlay on the main window that frames a widget for a few seconds."""

    def __init__(self, window: QWidget, prefs: ViewPreferences | None = None) -> None:
        super().__init__(window)
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.target: QWidget | None = None
        self._alpha = 0
        self._animation = QVariantAnimation(self)
        self._animation.setDuration(3200)
        self._animation.setKeyValueAt(0.0, 255)
        for k, value in ((0.25, 90), (0.5, 255), (0.75, 90), (1.0, 0)):
            self._animation.setKeyValueAt(k, value)
        self._animation.setEasingCurve(QEasingCurve.Type.InOutSine)
        self._animation.valueChanged.connect(self._on_value)
        self._animation.finished.connect(self.hide)
        self.hide()

    def flash(self, target: QWidget) -> None:
        """Frame ``target`` (which must be inside the window) and fade out."""
        if self.target is not None:
            self.target.removeEventFilter(self)
        self.target = target
        # The frame follows the target while it shows (a dock given more room moves).
        target.installEventFilter(self)
        self._place()
        self.raise_()
        self.show()
        self._animation.stop()
        self._animation.start()

    def _place(self) -> None:
        target, window = self.target, self.parentWidget()
        top_left = target.mapTo(window, target.rect().topLeft())
        self.setGeometry(QRect(top_left, target.size()).adjusted(-4, -4, 4, 4))

    def eventFilter(self, watched, event) -> bool:
        """Keep the frame on its target as the target moves or changes size."""
        if (
            watched is self.target
            and self.isVisible()
            and event.type() in (QEvent.Type.Move, QEvent.Type.Resize)
        ):
            self._place()
        return False

    @property
    def active(self) -> bool:
        """True while a frame is showing."""
        return self.isVisible()

    def _on_value(self, value) -> None:
        self._alpha = int(value)
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = self.prefs.color("selected")
        color.setAlpha(self._alpha)
        painter.setPen(QPen(color, 4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 8, 8)
