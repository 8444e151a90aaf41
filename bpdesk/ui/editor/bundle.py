"""The lines of one layer's weights, painted by one item.

A 2-32-32-32-1 diagram has 2,144 weights. Painted one item each, a repaint
called into Python 2,144 times (``paint`` and ``boundingRect`` each), took
~50 ms with nothing else running and more than 70 ms while training held the
interpreter: the key presses and clicks of a learner waited that long. An
:class:`EdgeBundle` paints all lines between two layers with one call into
Python and one ``drawLines`` per pen (a handful: three colours, quarter-pixel
widths).

The :class:`~bpdesk.ui.editor.items.WeightEdge` items stay, without contents:
they still take the clicks, hovers and tooltips of their weights, and draw
themselves only while emphasised (selected, on the selected weight's path,
under the mouse), over the bundle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

if TYPE_CHECKING:
    from bpdesk.ui.editor.items import WeightEdge

_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
# Room around the lines: the widest line (6.3 px) and antialiasing.
_MARGIN = 5.0


class EdgeBundle(QGraphicsItem):
    """Paints the plain lines of ``edges`` (one layer's weights), grouped by pen."""

    def __init__(self, edges: Iterable[WeightEdge], smooth: bool) -> None:
        super().__init__()
        self.edges = list(edges)
        self.smooth = smooth  # antialiased (the scene turns it off for very big networks)
        self._groups: list[tuple[QPen, list[QLineF]]] | None = None
        self._bounds: QRectF | None = None
        self.setZValue(0.9)  # under the emphasised edges (1) and the neurons
        # Kept as a picture between restyles: the neurons' numbers change on every
        # frame of training, and each of their repaints covers the lines.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        for edge in self.edges:
            edge.bundle = self
            edge.setFlag(_NO_CONTENTS, True)
            edge.update()

    def show(
        self, values: list[float], widths: list[float], colors: list[QColor], restyle: bool = True
    ) -> None:
        """Show each edge's value with its line's width and colour (shared colour
        objects: compared by identity), in one pass over the layer.

        The same as ``edge.set_style`` for each edge, without a call per edge: this
        runs several times a second on thousands of edges while training. Without
        ``restyle`` the lines keep their widths and colours (the numbers follow).
        """
        restyled = False
        for edge, value, width, color in zip(self.edges, values, widths, colors):
            if restyle and (width != edge.width or color is not edge.pen_color):
                edge.width, edge.pen_color, edge._pen = width, color, None
                restyled = True
            if value != edge.value:
                edge.value = value
                edge.follow_value()  # a hovered line's tooltip says the new value
                label = edge.label
                if label is not None and label.isVisible():
                    label.refresh()  # a shown number: the new one
        if restyled:
            self.restyled()

    def restyled(self) -> None:
        """An edge's width, colour or emphasis changed: group again at the next paint."""
        if self._groups is not None:
            self._groups = None
            self.update()

    def moved(self) -> None:
        """An edge's line moved (a neuron was dragged)."""
        self.prepareGeometryChange()
        self._bounds = None
        self._groups = None

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            rect = QRectF()
            for edge in self.edges:
                line = edge._line
                rect = rect.united(QRectF(line.p1(), line.p2()).normalized())
            self._bounds = rect.adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN)
        return self._bounds

    def _grouped(self) -> list[tuple[QPen, list[QLineF]]]:
        """What to draw, in order: every line, then the emphasised ones' glows, then
        the emphasised lines again over their glows; each as few pens as there are."""
        # Flat ends: a line ends at its neurons' circles, which are drawn over it and
        # hide its ends. Round ends cost many times more to draw antialiased (2-8-8-1
        # zoomed to fit 1600 px: 17 ms a repaint with round ends).
        cap = Qt.PenCapStyle.FlatCap
        # Without antialiasing, Qt draws a line 1 px wide or less by its slow path for
        # thin lines: 2-3x the time of a wider one (measured: 2,144 long lines took
        # 25-40 ms at 0.8-1 px, 12-15 ms at 1.2-4 px). They look the same on screen.
        thinnest = 0.0 if self.smooth else 1.2
        lines, glows, on_top = _Groups(cap), _Groups(cap), _Groups(cap)
        for edge in self.edges:
            lines.add(edge._line, edge.pen_color, max(edge.width, thinnest))
        for edge in self.edges:
            if edge.emphasised:
                glow = edge.glow_pen()
                glows.add(edge._line, glow.color(), glow.widthF())
                on_top.add(edge._line, edge.pen_color, max(edge.width, thinnest))
        return lines.drawn + glows.drawn + on_top.drawn

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self._groups is None:
            self._groups = self._grouped()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.smooth)
        for pen, lines in self._groups:
            painter.setPen(pen)
            painter.drawLines(lines)


class _Groups:
    """Lines gathered by pen, in the order their pens first came."""

    def __init__(self, cap: Qt.PenCapStyle) -> None:
        self._cap = cap
        self._by_pen: dict[tuple[int, float], list[QLineF]] = {}
        self.drawn: list[tuple[QPen, list[QLineF]]] = []

    def add(self, line: QLineF, color: QColor, width: float) -> None:
        """Draw ``line`` with a pen of this colour and width."""
        key = (color.rgba(), width)
        lines = self._by_pen.get(key)
        if lines is None:
            lines = self._by_pen[key] = []
            self.drawn.append((QPen(color, width, Qt.PenStyle.SolidLine, self._cap), lines))
        lines.append(line)
