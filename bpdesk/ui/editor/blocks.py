"""A layer too big to draw neuron by neuron, drawn as one item: a compact block.

A layer of more than :data:`COMPACT_NEURONS` neurons is a :class:`LayerBlock`: an
input layer whose size is a square (64, 784, …) is the picture of the example the
views show, any other a grid of small cells. Each cell is coloured as its neuron
would be (activation in the forward view, δ in the backward view, on the neurons'
colour scale; in the backward view the input's picture shows each pixel's ∂L/∂x, the
blame, on the weights' signed scale), from one small image made with NumPy and drawn
scaled up without smoothing: one pixel per neuron. Painting costs one ``drawImage`` however big the
layer; the image is made again only when the colours change.

The block reports what the mouse does to its cells (a click, the cell under the
pointer, a drag of the whole block); the scene decides what that means.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QApplication, QGraphicsObject

from bpdesk.ui.plane import diverging_lut, neutral
from bpdesk.ui.preferences import ViewPreferences

# Layers bigger than this are drawn as blocks: beyond it the circles are too small to
# read and their weights too many to draw as lines (33 × 33 is already 1,089 lines).
COMPACT_NEURONS = 32
BLOCK_HEIGHT = 256.0  # scene units: the picture of an input, and the tallest grid of cells
MAX_CELL = 16.0  # a cell's side at most: a short layer stays a narrow column
# A neuron's tint is at most this much of its sign's colour (as NeuronNode fills it).
NEURON_TINT = 0.6
# An out-of-date block fades this far towards plain cells (as a neuron's value does).
STALE_FADE = 0.6
GRID_MIN_PIXELS = 6.0  # cells at least this big on screen are outlined
# What an input picture's pixels show in the backward view: the blame, ∂L/∂x.
BLAME_PREFIX = "∂L/∂x = "


def is_compact(n: int) -> bool:
    """True if a layer of ``n`` neurons is drawn as a block."""
    return n > COMPACT_NEURONS


def image_side(n: int) -> int | None:
    """The side of the square picture a layer of ``n`` inputs makes (8 for 64, 28 for
    784), or None when ``n`` is not a square or the layer is drawn neuron by neuron."""
    side = math.isqrt(n)
    return side if side * side == n and is_compact(n) else None


def grid_shape(n: int) -> tuple[int, int]:
    """``(rows, columns)`` of the cells of a ``n``-neuron layer: about twice as tall as
    wide, a power of two across (128 is 16 × 8, 64 is 8 × 8, 1,024 is 32 × 32)."""
    columns = 2 ** max(0, math.ceil(math.log2(math.sqrt(n / 2))))
    return math.ceil(n / columns), columns


def block_height(n: int, picture: bool) -> float:
    """How tall the block of a ``n``-neuron layer is (``picture``: an input shown as one)."""
    if picture and image_side(n):
        return BLOCK_HEIGHT
    rows, _ = grid_shape(n)
    return rows * min(MAX_CELL, BLOCK_HEIGHT / rows)


def neuron_lut(prefs: ViewPreferences) -> np.ndarray:
    """256 RGB rows from −1 to 1: a neuron's fill for a value of that strength and sign,
    the same blend :class:`~bpdesk.ui.editor.items.NeuronNode` is filled with."""
    return diverging_lut(
        prefs.color("negative"), prefs.color("positive"), neutral(prefs.palette), 1 - NEURON_TINT
    )


def colour_indices(values: np.ndarray, scale: float) -> np.ndarray:
    """Each value as a row of a 256-entry diverging table: 0 at −``scale`` or below,
    255 at ``scale`` or above, the middle for 0 (and for NaN, which has no colour)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        share = np.clip(np.asarray(values, dtype=np.float64) / scale, -1.0, 1.0)
    share = np.nan_to_num(share, nan=0.0)
    return np.rint((share + 1.0) * 127.5).astype(np.intp)


def rgb_image(rgb: np.ndarray) -> QImage:
    """A QImage of an ``(rows, columns, 3)`` uint8 array (its own copy of the pixels)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    rows, columns = rgb.shape[:2]
    image = QImage(rgb.data, columns, rows, 3 * columns, QImage.Format.Format_RGB888)
    return image.copy()  # the array's memory goes away


class LayerBlock(QGraphicsObject):
    """A big layer: the input's picture, or a grid of cells, one per neuron.

    ``names(k)`` is neuron ``k``'s name for its tooltip, and ``bias(k)`` its bias (None
    for the input, or a network without biases). A hidden layer's block can be dragged
    off its column (to remove the layer), as a neuron can.
    """

    cellClicked = Signal(int, int)  # (layer, neuron)
    cellHovered = Signal(int, int)  # (layer, neuron); neuron −1 when the pointer leaves
    dragMoved = Signal(object, QPointF)  # (block, pointer in the scene)
    dragFinished = Signal(object, QPointF)

    def __init__(
        self,
        layer: int,
        n: int,
        names: Callable[[int], str],
        *,
        picture: bool,
        movable: bool,
        prefs: ViewPreferences,
        bias: Callable[[int], float] | None = None,
    ) -> None:
        super().__init__()
        self.layer, self.n, self.names, self.prefs = layer, n, names, prefs
        self.bias = bias  # neuron k's bias now, for its tooltip (None: no biases)
        side = image_side(n) if picture else None
        self.picture = side is not None  # the input's picture (else a grid of cells)
        self.rows, self.columns = (side, side) if side else grid_shape(n)
        self.cell = block_height(n, picture) / self.rows
        width, height = self.columns * self.cell, self.rows * self.cell
        self.rect = QRectF(-width / 2, -height / 2, width, height)
        self.home = QPointF()
        self.values: np.ndarray | None = None  # what the cells show, one per neuron
        self.value_prefix = ""  # "δ = " in the backward view
        self.image: QImage | None = None  # one pixel per cell
        self._key: bytes | None = None  # what the image was made from
        self.highlights: dict[int, str] = {}  # neuron → "target", "source" or "pending"
        self.hovered_cell = -1
        self.movable = movable
        self._press: QPointF | None = None
        self.dragging = False
        self.setAcceptHoverEvents(True)
        self.setZValue(10)  # with the neurons, over the bands' edges
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self._tooltip())

    # -- geometry --------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-4, -4, 4, 4)

    def cell_rect(self, k: int) -> QRectF:
        """Neuron ``k``'s cell, in the block's coordinates."""
        row, column = divmod(k, self.columns)
        return QRectF(
            self.rect.left() + column * self.cell,
            self.rect.top() + row * self.cell,
            self.cell,
            self.cell,
        )

    def cell_point(self, k: int) -> QPointF:
        """The centre of neuron ``k``'s cell in the scene (where a click picks it)."""
        return self.mapToScene(self.cell_rect(k).center())

    def cell_at(self, pos: QPointF) -> int | None:
        """The neuron whose cell is at ``pos`` (block coordinates), or None."""
        x = (pos.x() - self.rect.left()) / self.cell
        y = (pos.y() - self.rect.top()) / self.cell
        if not (0 <= x < self.columns and 0 <= y < self.rows):
            return None
        k = int(y) * self.columns + int(x)
        return k if k < self.n else None

    # -- values ----------------------------------------------------------------------------

    def show(
        self,
        values: np.ndarray | None,
        scale: float,
        stale: bool,
        lut: np.ndarray,
        prefix: str = "",
    ) -> None:
        """Colour each cell by its neuron's value (None: blank), ``scale`` being full
        colour, faded when ``stale``; ``lut`` is :func:`neuron_lut`. The picture is made
        again only when a cell's colour changes."""
        self.values = None if values is None else np.asarray(values, dtype=np.float64)
        self.value_prefix = prefix
        if values is None:
            index = np.full(self.n, 128, dtype=np.intp)
        else:
            index = colour_indices(self.values, scale)
        key = index.astype(np.uint8).tobytes() + bytes([stale])
        if key != self._key:
            self._key = key
            rgb = lut[index].astype(np.float64)
            if stale:
                rgb += (lut[128] - rgb) * STALE_FADE
            cells = np.empty((self.rows * self.columns, 3))
            cells[:] = lut[128]
            cells[: self.n] = rgb
            self.image = rgb_image(np.rint(cells).reshape(self.rows, self.columns, 3))
            self.update()
        self.setToolTip(self._tooltip(self.hovered_cell))

    def set_highlights(self, highlights: dict[int, str]) -> None:
        """Ring these cells: the selected weight's ``source`` and ``target``, or the
        first cell of a pair being picked (``pending``)."""
        if highlights != self.highlights:
            self.highlights = dict(highlights)
            self.update()

    def _tooltip(self, k: int | None = None) -> str:
        if k is None or k < 0:
            if self.picture and self.value_prefix == BLAME_PREFIX:
                return (
                    f"{self.n} inputs, each pixel's ∂L/∂x: how the loss for the example's own "
                    "target would change with more ink there (positive: it would rise, "
                    "negative: it would fall). Backprop carried one step past the first layer"
                )
            what = "the example's picture" if self.picture else "one cell per neuron"
            hint = (
                ""
                if self.picture or not self.movable
                else "; drag it off its column to remove the layer"
            )
            return f"{self.n} neurons, {what}: click a cell, then a cell of the next layer, to select their weight{hint}"
        name = self.names(k)
        where = ""
        if self.picture:
            row, column = divmod(k, self.columns)
            where = f" (row {row + 1}, column {column + 1})"
        # The bias is written under a neuron; a cell has no room for it: the tooltip says it.
        bias = "" if self.bias is None else f", bias b = {self.prefs.fmt(self.bias(k))}"
        if self.values is None:
            return f"{name}{where}{bias}"
        value = self.prefs.fmt(float(self.values[k]))
        return f"{name}{where}: {self.value_prefix}{value}{bias}"

    # -- painting --------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        prefs = self.prefs
        lod = option.levelOfDetailFromTransform(painter.worldTransform()) or 1.0
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        if self.image is not None:
            painter.drawImage(self.rect, self.image)  # nearest neighbour: crisp cells
        if not self.picture and self.cell * lod >= GRID_MIN_PIXELS:
            painter.setPen(QPen(prefs.color("grid"), 0))
            painter.drawLines(self._grid_lines())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(prefs.color("node_border"), 1.6))
        painter.drawRect(self.rect)
        for k, level in self.highlights.items():
            if not 0 <= k < self.n:
                continue
            color = prefs.color("path" if level == "pending" else "selected")
            pen = QPen(color, 2.5 / lod)
            if level == "pending":
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            # At least 8 px on screen: one of 784 pixels must still be found.
            rect = self.cell_rect(k)
            grow = max(0.0, (8.0 / lod - rect.width()) / 2)
            painter.drawRect(rect.adjusted(-grow, -grow, grow, grow))

    def _grid_lines(self) -> list[QLineF]:
        r = self.rect
        lines = [
            QLineF(r.left() + c * self.cell, r.top(), r.left() + c * self.cell, r.bottom())
            for c in range(1, self.columns)
        ]
        lines += [
            QLineF(r.left(), r.top() + k * self.cell, r.right(), r.top() + k * self.cell)
            for k in range(1, self.rows)
        ]
        return lines

    # -- the mouse -------------------------------------------------------------------------

    def hoverMoveEvent(self, event) -> None:
        k = self.cell_at(event.pos())
        k = -1 if k is None else k
        if k != self.hovered_cell:
            self.hovered_cell = k
            self.setToolTip(self._tooltip(k))
            self.cellHovered.emit(self.layer, k)
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        if self.hovered_cell >= 0:
            self.hovered_cell = -1
            self.setToolTip(self._tooltip())
            self.cellHovered.emit(self.layer, -1)
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._press = event.scenePos()
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._press is None or not self.movable:
            return
        moved = event.scenePos() - self._press
        if not self.dragging and moved.manhattanLength() < QApplication.startDragDistance():
            return
        if not self.dragging:
            self.dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.setZValue(20)
            self.setOpacity(0.8)
        self.setPos(self.home + moved)
        self.dragMoved.emit(self, event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        if self._press is None:
            super().mouseReleaseEvent(event)
            return
        self._press = None
        if self.dragging:
            self.dragging = False
            self.setPos(self.home)
            self.setZValue(10)
            self.setOpacity(1.0)
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.dragFinished.emit(self, event.scenePos())
            return
        k = self.cell_at(event.pos())
        if k is not None:
            self.cellClicked.emit(self.layer, k)
