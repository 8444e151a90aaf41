"""The weights between two layers when either is a block: one weight band.

Between a 64-cell and a 128-cell layer lie 8,192 weights: as lines they cover one
another and took seconds to draw. A :class:`WeightBand` draws the weight matrix as a
heat map instead, one pixel per weight: row ``j`` is the weights into neuron ``j`` of
the next layer, column ``i`` the weights out of neuron ``i`` (``W[layer].T``), orange
for positive and blue for negative as the lines are. In the backward view it shows
``∂L/∂W`` the same way.

After an input drawn as a picture, the band also shows one hidden neuron's incoming
weights as a picture of the same shape, its *receptive field*: what that neuron
looks for in the image. It follows the cell under the mouse (or the selected weight).

A click on a pixel of either selects exactly that weight; the selected weight is
ringed. Like the blocks, a band's image is made again only when its colours change.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsObject

from bpdesk.ui.editor.blocks import colour_indices, rgb_image
from bpdesk.ui.preferences import ViewPreferences

FIELD_GAP = 24.0  # between the matrix and the receptive field
FIELD_SIDE = 150.0  # the receptive field's side, at most
CAPTION_FONT = QFont("DejaVu Sans", 8)
MIN_RING_PIXELS = 9.0  # a ringed weight is at least this big on screen

Weight = tuple[int, int, int]  # (layer, i, j)


class WeightBand(QGraphicsObject):
    """Weight layer ``layer`` (``n_in`` → ``n_out``) as a heat map inside ``rect``;
    ``field_side`` > 0 adds the receptive field of one neuron of the next layer (a
    ``field_side`` × ``field_side`` picture of its ``n_in`` incoming weights).

    ``names(i, j)`` names a weight and ``target_names(j)`` a neuron of the next layer,
    for the tooltips and the receptive field's caption."""

    weightClicked = Signal(object)  # (layer, i, j)
    weightDoubleClicked = Signal(object, QPointF)  # (layer, i, j), scene position

    def __init__(
        self,
        layer: int,
        n_in: int,
        n_out: int,
        rect: QRectF,
        names: Callable[[int, int], str],
        target_names: Callable[[int], str],
        *,
        field_side: int = 0,
        prefs: ViewPreferences,
    ) -> None:
        super().__init__()
        self.layer, self.n_in, self.n_out = layer, n_in, n_out
        self.names, self.target_names, self.prefs = names, target_names, prefs
        self.matrix_rect = QRectF(rect)
        self.field_side = field_side
        self.field_rect = QRectF()
        if field_side:
            side = min(FIELD_SIDE, rect.width())
            self.field_rect = QRectF(
                rect.center().x() - side / 2, rect.bottom() + FIELD_GAP, side, side
            )
        self.values: np.ndarray | None = None  # (n_in, n_out), as the network keeps W
        self.what = "w"  # "∂L/∂w" in the backward view
        self.scale = 1.0
        self.image: QImage | None = None  # n_out rows × n_in columns
        self.field_image: QImage | None = None
        self.focus = 0  # the neuron of the next layer whose receptive field is shown
        self.selected: tuple[int, int] | None = None  # (i, j) of the selected weight
        self._key: bytes | None = None
        self._field_key: bytes | None = None
        self._lut: np.ndarray | None = None
        # Room for the caption under the field, drawn at its font's size on screen: in
        # the scene it grows as the view zooms out (to 2.5× at a zoom of 0.4).
        self._bounds = self.matrix_rect.united(self.field_rect).adjusted(-200, -6, 200, 60)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self._help())

    # -- geometry --------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._bounds

    def matrix_point(self, i: int, j: int) -> QPointF:
        """The scene position of weight ``(i, j)``'s pixel in the matrix (its centre)."""
        r = self.matrix_rect
        x = r.left() + (i + 0.5) * r.width() / self.n_in
        y = r.top() + (j + 0.5) * r.height() / self.n_out
        return self.mapToScene(QPointF(x, y))

    def field_point(self, i: int) -> QPointF:
        """The scene position of input ``i``'s pixel in the receptive field."""
        r, side = self.field_rect, self.field_side
        row, column = divmod(i, side)
        pixel = r.width() / side
        return self.mapToScene(
            QPointF(r.left() + (column + 0.5) * pixel, r.top() + (row + 0.5) * pixel)
        )

    def weight_at(self, pos: QPointF) -> Weight | None:
        """The weight whose pixel is at ``pos`` (the band's coordinates), or None."""
        r = self.matrix_rect
        if r.contains(pos):
            i = int((pos.x() - r.left()) / r.width() * self.n_in)
            j = int((pos.y() - r.top()) / r.height() * self.n_out)
            return (self.layer, min(i, self.n_in - 1), min(j, self.n_out - 1))
        r = self.field_rect
        if self.field_side and r.contains(pos):
            side = self.field_side
            column = min(int((pos.x() - r.left()) / r.width() * side), side - 1)
            row = min(int((pos.y() - r.top()) / r.height() * side), side - 1)
            return (self.layer, row * side + column, self.focus)
        return None

    # -- values ----------------------------------------------------------------------------

    def show(self, values: np.ndarray | None, what: str, lut: np.ndarray) -> None:
        """Show ``values`` (``n_in`` × ``n_out``: the weights, or their gradients in the
        backward view, called ``what``); None leaves the band blank. ``lut`` is a
        256-row diverging table; each band is coloured to its own largest value."""
        self.what, self._lut = what, lut
        if values is None:
            self.values = None
            index = np.full((self.n_out, self.n_in), 128, dtype=np.intp)
        else:
            self.values = np.asarray(values)
            top = float(np.nanmax(np.abs(self.values), initial=0.0))
            self.scale = top if np.isfinite(top) and top > 0 else 1.0
            index = colour_indices(self.values.T, self.scale)
        key = index.astype(np.uint8).tobytes()
        if key != self._key:
            self._key = key
            self.image = rgb_image(lut[index])
            self.update()
        self._show_field()

    def set_focus(self, j: int) -> None:
        """Show the receptive field of neuron ``j`` of the next layer."""
        if self.field_side and 0 <= j < self.n_out and j != self.focus:
            self.focus = j
            self._show_field()

    def _show_field(self) -> None:
        if not self.field_side or self._lut is None:
            return
        side = self.field_side
        if self.values is None:
            index = np.full((side, side), 128, dtype=np.intp)
        else:
            index = colour_indices(self.values[:, self.focus], self.scale).reshape(side, side)
        key = index.astype(np.uint8).tobytes() + self.focus.to_bytes(4, "little")
        if key != self._field_key:
            self._field_key = key
            self.field_image = rgb_image(self._lut[index])
            self.update()

    def set_selected(self, weight: Weight | None) -> None:
        """Ring the selected weight if it is one of this band's (and show its target's
        receptive field)."""
        selected = None
        if weight is not None and weight[0] == self.layer and weight[1] is not None:
            selected = (weight[1], weight[2])
            self.set_focus(weight[2])
        if selected != self.selected:
            self.selected = selected
            self.update()

    # -- painting --------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        prefs = self.prefs
        lod = option.levelOfDetailFromTransform(painter.worldTransform()) or 1.0
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        border = QPen(prefs.color("node_border"), 1.0)
        for rect, image in ((self.matrix_rect, self.image), (self.field_rect, self.field_image)):
            if image is None or rect.isEmpty():
                continue
            painter.drawImage(rect, image)
            painter.setPen(border)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        if self.field_side:
            self._paint_caption(painter, lod)
        if self.selected is not None:
            self._paint_ring(painter, lod)

    def _paint_caption(self, painter: QPainter, lod: float) -> None:
        """Whose receptive field this is, under it, at a legible size on screen."""
        painter.save()
        anchor = QPointF(self.field_rect.center().x(), self.field_rect.bottom() + 4)
        painter.translate(anchor)
        painter.scale(1 / lod, 1 / lod)  # the font's own size, whatever the zoom
        painter.setPen(self.prefs.color("faint_text"))
        painter.setFont(CAPTION_FONT)
        text = f"{self.what} into {self.target_names(self.focus)}"
        painter.drawText(
            QRectF(-80, 0, 160, 20),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            text,
        )
        painter.restore()

    def _paint_ring(self, painter: QPainter, lod: float) -> None:
        i, j = self.selected
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(self.prefs.color("selected"), 2.5 / lod))
        r = self.matrix_rect
        points = [
            (
                self.mapFromScene(self.matrix_point(i, j)),
                r.width() / self.n_in,
                r.height() / self.n_out,
            )
        ]
        if self.field_side and j == self.focus:
            pixel = self.field_rect.width() / self.field_side
            points.append((self.mapFromScene(self.field_point(i)), pixel, pixel))
        least = MIN_RING_PIXELS / lod
        for centre, w, h in points:
            w, h = max(w, least), max(h, least)
            painter.drawRect(QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h))

    # -- the mouse -------------------------------------------------------------------------

    def _help(self) -> str:
        rows = f"row j: the weights into neuron j of the next layer ({self.n_out} rows)"
        field = (
            "; below, the weights into the hovered hidden neuron drawn as a picture "
            "(its receptive field)"
            if self.field_side
            else ""
        )
        return (
            f"{self.n_in * self.n_out:,} weights as a heat map, {rows}, column i: the weights "
            f"out of neuron i{field}. Click a pixel to select that weight"
        )

    def hoverMoveEvent(self, event) -> None:
        weight = self.weight_at(event.pos())
        if weight is None:
            self.setToolTip(self._help())
        else:
            _, i, j = weight
            text = self.names(i, j)
            if self.values is not None:
                value = self.prefs.fmt(float(self.values[i, j]))
                text = f"∂L/∂{text} = {value}" if self.what != "w" else f"{text} = {value}"
            self.setToolTip(f"{text}: click to select it, double-click to type a value")
        super().hoverMoveEvent(event)

    def mousePressEvent(self, event) -> None:
        weight = self.weight_at(event.pos())
        if event.button() == Qt.MouseButton.LeftButton and weight is not None:
            self.weightClicked.emit(weight)
            event.accept()
            return
        event.ignore()

    def mouseDoubleClickEvent(self, event) -> None:
        weight = self.weight_at(event.pos())
        if weight is not None:
            self.weightDoubleClicked.emit(weight, event.scenePos())
            event.accept()
