"""Tooltips that follow a value: a hovered neuron's or weight's tooltip says its value now.

Qt shows an item's tooltip as it was when the tooltip appeared, and keeps it
so while the pointer rests there: during training the number in it froze.
:class:`LiveTip` keeps the item's tooltip text up to date while it is hovered
and, when the tooltip is on screen, shows it again with the new value, at
most every :data:`TIP_INTERVAL` seconds (the last value always shows).
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QGraphicsItem, QToolTip
from shiboken6 import isValid

TIP_INTERVAL = 0.2  # seconds between two showings of a tooltip that follows a value


class LiveTip:
    """The tooltip of one item: the scene's hint, and the item's value as it is now."""

    def __init__(self, item: QGraphicsItem) -> None:
        self.item = item
        self.hint = ""
        self.value = ""  # the value as shown (formatted); "" before there is one
        self._shown_at = -math.inf
        self._late = False  # a showing is due once the interval has passed

    def text(self) -> str:
        """What the tooltip says: the hint and, when known, the value now."""
        return f"{self.hint}\nNow: {self.value}" if self.value else self.hint

    def set_hint(self, hint: str) -> None:
        """The fixed part (what the item is and what clicking it does)."""
        self.hint = hint
        QGraphicsItem.setToolTip(self.item, self.text())

    def set_value(self, value: str, hovered: bool) -> None:
        """The item shows ``value`` now; a hovered item's tooltip follows it."""
        if value == self.value:
            return
        self.value = value
        if hovered:
            self.follow()

    def follow(self) -> None:
        """Give the item its tooltip as it is now, and show that if a tooltip is up."""
        text = self.text()
        QGraphicsItem.setToolTip(self.item, text)
        if not QToolTip.isVisible():
            return  # Qt shows the new text when the tooltip next appears
        wait = self._shown_at + TIP_INTERVAL - time.monotonic()
        if wait > 0:
            if not self._late:
                self._late = True
                QTimer.singleShot(math.ceil(wait * 1000), self._show_late)
            return
        self._shown_at = time.monotonic()
        QToolTip.showText(QCursor.pos(), text)

    def _show_late(self) -> None:
        self._late = False
        hovered = isValid(self.item) and getattr(self.item, "hovered", False)
        if hovered and QToolTip.isVisible():
            self._shown_at = time.monotonic()
            QToolTip.showText(QCursor.pos(), self.text())
