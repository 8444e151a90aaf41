"""The drawing surface of the digit pad: a grey QImage drawn on with a thick round pen."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

CANVAS_SIDE = 256  # pixels of the drawing kept (the reductions resample it)
PEN_WIDTH = 22  # a pen stroke about as thick as a pen line on the 32×32 form
SHOWN_SIDE = 168  # the canvas on screen


class DrawingCanvas(QWidget):
    """Draw with the left mouse button; the ink is :meth:`ink`, ``(256, 256)`` 0–1.

    ``strokeMoved`` is emitted as a stroke grows, ``strokeFinished`` when the
    button is released (and after :meth:`clear` and :meth:`set_ink`).
    """

    strokeMoved = Signal()
    strokeFinished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # White page, black ink, one byte a pixel: the ink is 1 − value / 255.
        self._image = QImage(CANVAS_SIDE, CANVAS_SIDE, QImage.Format.Format_Grayscale8)
        self._image.fill(QColor("white"))
        self._last: QPointF | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(SHOWN_SIDE, SHOWN_SIDE)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the mouse (left button); Clear starts again")

    def sizeHint(self) -> QSize:
        """As shown: a square of :data:`SHOWN_SIDE` pixels."""
        return QSize(SHOWN_SIDE, SHOWN_SIDE)

    # -- the drawing ---------------------------------------------------------------

    def ink(self) -> np.ndarray:
        """The drawing as ink 0 (page) to 1 (full ink), ``(rows, cols)``, row 0 at the top."""
        image = self._image
        stride = image.bytesPerLine()
        raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * image.height())
        levels = raw.reshape(image.height(), stride)[:, : image.width()]
        return 1.0 - levels.astype(np.float64) / 255.0

    def is_blank(self) -> bool:
        """True when nothing is drawn."""
        return not np.any(self.ink() > 0)

    def clear(self) -> None:
        """A blank page."""
        self._image.fill(QColor("white"))
        self._last = None
        self.update()
        self.strokeFinished.emit()

    def set_ink(self, ink: np.ndarray) -> None:
        """Show a picture (ink 0–1, any square size) on the page, scaled up to fill it,
        its pixels kept sharp: a test image loaded to be looked at or drawn over."""
        ink = np.clip(np.asarray(ink, dtype=np.float64), 0.0, 1.0)
        levels = np.ascontiguousarray(np.round(255 * (1.0 - ink)), dtype=np.uint8)
        rows, cols = levels.shape
        small = QImage(levels.data, cols, rows, cols, QImage.Format.Format_Grayscale8).copy()
        self._image = small.scaled(
            CANVAS_SIDE,
            CANVAS_SIDE,
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.FastTransformation,
        ).convertToFormat(QImage.Format.Format_Grayscale8)
        self.update()
        self.strokeFinished.emit()

    def stroke(self, points: Sequence[tuple[float, float]], finish: bool = True) -> None:
        """Draw a stroke through ``points`` (canvas pixels, 0–256 each way), as the mouse does."""
        previous: QPointF | None = None
        for x, y in points:
            point = QPointF(x, y)
            self._draw(previous, point)
            previous = point
        self.strokeMoved.emit()
        if finish:
            self.strokeFinished.emit()

    def _draw(self, start: QPointF | None, end: QPointF) -> None:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor("black"), PEN_WIDTH)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawLine(start if start is not None else end, end)
        painter.end()
        self.update()

    # -- the mouse -----------------------------------------------------------------

    def _canvas_point(self, event: QMouseEvent) -> QPointF:
        position = event.position()
        return QPointF(
            position.x() * CANVAS_SIDE / max(self.width(), 1),
            position.y() * CANVAS_SIDE / max(self.height(), 1),
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start a stroke."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._last = self._canvas_point(event)
        self._draw(None, self._last)
        self.strokeMoved.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Extend the stroke."""
        if self._last is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        point = self._canvas_point(event)
        self._draw(self._last, point)
        self._last = point
        self.strokeMoved.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """End the stroke."""
        if self._last is not None and event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self.strokeFinished.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        """The page, scaled to the widget, with a thin frame."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.rect(), self._image)
        painter.setPen(QPen(QColor("#888888"), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()
