"""The items of the network editor: neurons, weights, their labels and the layer headers.

Items only draw and report what the user did to them; the scene decides what
that means for the document.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsObject,
    QStyleOptionGraphicsItem,
)

from bpdesk.ui import theme
from bpdesk.ui.editor.live_tip import LiveTip
from bpdesk.ui.preferences import ViewPreferences

if TYPE_CHECKING:
    from bpdesk.ui.editor.bundle import EdgeBundle

NODE_RADIUS = 24.0
LABEL_FONT = QFont("DejaVu Sans", 8)
VALUE_FONT = QFont("DejaVu Sans", 9)
HEADER_FONT = QFont("DejaVu Sans", 9)
# Below this zoom factor text would be too small to read: it is not drawn.
TEXT_MIN_LOD = 0.55
# A weight's number is drawn from this zoom on (its font is smaller than the others'):
# zoomed further out, the scene draws it larger (see label_layout.scale_labels).
LABEL_MIN_LOD = TEXT_MIN_LOD * 1.4
MIN_TEXT_PIXELS = 6.5
# A neuron's number shrinks to fit its circle, but never below this size on
# screen: a number that is still too wide is drawn whole on a plate instead.
MIN_VALUE_PIXELS = 6
# Inside the thickest ring (the selected weight's target, 3 px wide).
VALUE_ROOM = NODE_RADIUS - 1.5
# Room around a number on a plate (pixels of the value font).
PLATE_PAD_X, PLATE_PAD_Y = 2.0, 1.0
# Room around a weight's number inside its plate.
LABEL_PAD = 4.0
# Whole and unclipped, however wide the rectangle it is centred in.
CENTRED_WHOLE = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextDontClip
# A neuron's number stands out at least this much from what it is painted on
# (WCAG's contrast ratio for text; 1 is none, 21 black on white).
MIN_CONTRAST = 4.5
# An out-of-date value's tint fades this far towards the plain neuron: still
# orange or blue, plainly not current, and the grey number on it stays readable.
STALE_FADE = 0.6
# The plate under a number drawn over a heat map or out over the circle's edge.
PLATE_ALPHA = 200


# Looked up once: an enum member's lookup costs as much as the drawing of a thin line.
_ANTIALIASING = QPainter.RenderHint.Antialiasing
_SOLID = Qt.PenStyle.SolidLine
_ROUND = Qt.PenCapStyle.RoundCap
_FLAT = Qt.PenCapStyle.FlatCap


def _lod(painter: QPainter, option: QStyleOptionGraphicsItem) -> float:
    return option.levelOfDetailFromTransform(painter.worldTransform())


# Fonts and their metrics are made once per size: the diagram repaints while
# training, and a long number is measured once, not at every paint.


@lru_cache(maxsize=64)
def _value_font(pixels: int, italic: bool) -> QFont:
    font = QFont(VALUE_FONT)
    font.setPixelSize(pixels)
    font.setItalic(italic)
    return font


@lru_cache(maxsize=64)
def _value_metrics(pixels: int, italic: bool) -> QFontMetricsF:
    return QFontMetricsF(_value_font(pixels, italic))


@lru_cache(maxsize=4)
def _label_font(italic: bool) -> QFont:
    font = QFont(LABEL_FONT)
    font.setItalic(italic)
    return font


@lru_cache(maxsize=4)
def _label_metrics(italic: bool) -> QFontMetricsF:
    return QFontMetricsF(_label_font(italic))


@lru_cache(maxsize=4096)
def _value_extent(text: str, pixels: int, italic: bool) -> tuple[float, float]:
    """Half width and half height of ``text``'s ink, centred as ``CENTRED_WHOLE`` draws it."""
    metrics = _value_metrics(pixels, italic)
    advance = metrics.horizontalAdvance(text)
    ink = metrics.tightBoundingRect(text)  # relative to the start of the baseline
    left = -advance / 2
    baseline = metrics.ascent() - metrics.height() / 2
    half_width = max(-(left + ink.left()), left + ink.right(), 0.0)
    half_height = max(-(baseline + ink.top()), baseline + ink.bottom(), 0.0)
    return half_width, half_height


def _plate_extent(text: str, pixels: int, italic: bool) -> tuple[float, float]:
    half_width, half_height = _value_extent(text, pixels, italic)
    return half_width + PLATE_PAD_X, half_height + PLATE_PAD_Y


@lru_cache(maxsize=4096)
def _fitted_value_size(text: str, pixels: int, italic: bool, plate: bool, room: float) -> int:
    """The biggest pixel size up to ``pixels`` at which ``text`` (on its plate, if
    ``plate``) lies inside a circle of radius ``room`` pixels; at least ``MIN_VALUE_PIXELS``."""
    extent = _plate_extent if plate else _value_extent
    size = pixels
    while size > MIN_VALUE_PIXELS:
        reach = math.hypot(*extent(text, size, italic))
        if reach <= room:
            break
        # Text grows about in proportion with its size: jump close, then step down.
        size = max(MIN_VALUE_PIXELS, min(size - 1, math.floor(size * room / reach)))
    return size


# A neuron's number is drawn only from this zoom factor on (see NeuronNode.paint).
_MIN_VALUE_LOD = MIN_TEXT_PIXELS / (NODE_RADIUS * 0.5)


@lru_cache(maxsize=4096)
def _value_reach(text: str, italic: bool) -> tuple[float, float]:
    """How far a number can reach out of its neuron's centre, in scene units.

    At most this far when it is drawn at ``MIN_VALUE_PIXELS`` on a plate at the
    smallest zoom that still shows it: a number that fits is drawn nearer.
    """
    # Measured loosely (the advance and the line's height, one more pixel for a
    # slanted glyph's overhang): every neuron asks whenever its number changes.
    metrics = _value_metrics(MIN_VALUE_PIXELS, italic)
    half_width = metrics.horizontalAdvance(text) / 2 + PLATE_PAD_X + 1
    half_height = metrics.height() / 2 + PLATE_PAD_Y + 1
    return half_width / _MIN_VALUE_LOD, half_height / _MIN_VALUE_LOD


@lru_cache(maxsize=4096)
def _label_half_width(text: str, italic: bool) -> float:
    metrics = _label_metrics(italic)
    width = max(metrics.horizontalAdvance(text), metrics.boundingRect(text).width())
    return max(EdgeLabel.RECT.width() / 2, width / 2 + LABEL_PAD)


def _luminance(color: QColor) -> float:
    """WCAG's relative luminance of an opaque colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(color.redF())
        + 0.7152 * linear(color.greenF())
        + 0.0722 * linear(color.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG's contrast ratio of two opaque colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _readable(color: QColor, backdrops: list[QColor]) -> QColor:
    """``color``, or the nearest shade of it towards black or white that stands out
    from each of ``backdrops`` by ``MIN_CONTRAST``."""

    def worst(c: QColor) -> float:
        return min(contrast_ratio(c, backdrop) for backdrop in backdrops)

    if worst(color) >= MIN_CONTRAST:
        return color
    end = max(QColor(Qt.GlobalColor.black), QColor(Qt.GlobalColor.white), key=worst)
    for step in range(1, 20):
        shade = theme.mix(color, end, step / 20)
        if worst(shade) >= MIN_CONTRAST:
            return shade
    return end


@lru_cache(maxsize=1024)
def _value_colors(fill_rgba: int, stale: bool, palette: theme.Palette) -> tuple[QColor, QColor]:
    """The fill a neuron paints for ``fill_rgba``, and the colour of its number.

    An out-of-date value's fill fades towards the plain neuron, and its number is
    the palette's grey for stale values, darkened (or lightened) as far as it
    must be to read on that fill, and on a plate over the fill, over a heat map
    or over the lines (the plate over the palette's strongest colours).
    """
    blank = QColor(palette.node_fill)
    fill = QColor.fromRgba(fill_rgba)
    if stale:
        fill = theme.mix(fill, blank, STALE_FADE)
    unders = [fill, blank, QColor(palette.positive), QColor(palette.negative)]
    backdrops = [fill] + [theme.mix(under, blank, PLATE_ALPHA / 255) for under in unders]
    text = _readable(QColor(palette.stale if stale else palette.text), backdrops)
    return fill, text


@lru_cache(maxsize=256)
def _text_color(color_rgba: int, boxed: bool, palette: theme.Palette) -> QColor:
    """A label's text colour made readable: on its plate (``boxed``, over the
    background or the lines), or on the background."""
    background = QColor(palette.background)
    if boxed:
        blank = QColor(palette.node_fill)
        unders = [background, QColor(palette.positive), QColor(palette.negative)]
        backdrops = [theme.mix(under, blank, theme.plate(palette).alphaF()) for under in unders]
    else:
        backdrops = [background]
    return _readable(QColor.fromRgba(color_rgba), backdrops)


@lru_cache(maxsize=1)
def _disc_coverage(side: int) -> np.ndarray:
    """How much of each pixel of a ``side``-pixel square its inscribed circle covers,
    0-256 (antialiased: each pixel sampled 4×4 times)."""
    sub = (np.arange(side * 4) + 0.5) / 4 - side / 2
    inside = (sub[:, None] ** 2 + sub[None, :] ** 2) <= (side / 2) ** 2
    share = inside.reshape(side, 4, side, 4).mean(axis=(1, 3))
    return np.rint(share * 256).astype(np.uint16)


def heat_map_discs(rgb: np.ndarray) -> list[QImage]:
    """Neurons' maps, ``(neurons, height, width, 3)`` bytes, each cut to a neuron's
    circle: made once when the maps change, all in one pass in integers (~1.5 ms for
    32 neurons; clipping to a circle at every paint cost more than drawing the rest
    of a big diagram)."""
    side = int(2 * NODE_RADIUS)
    _, height, width, _ = rgb.shape
    # Nearest pixel: a neuron's map is coarse data, its pixels stay square.
    if side % height == 0 and side % width == 0:
        big = rgb.repeat(side // height, axis=1).repeat(side // width, axis=2)
    else:
        big = rgb[:, np.arange(side) * height // side][:, :, np.arange(side) * width // side]
    coverage = _disc_coverage(side)  # 0-256
    discs = np.empty((len(rgb), side, side, 4), np.uint8)  # premultiplied ARGB32, little-endian
    discs[..., :3] = (big[..., ::-1].astype(np.uint16) * coverage[None, :, :, None]) >> 8
    discs[..., 3] = np.minimum(coverage, 255)
    fmt = QImage.Format.Format_ARGB32_Premultiplied
    # copy: each image gets its own memory, the array goes away
    return [QImage(disc.data, side, side, side * 4, fmt).copy() for disc in discs]


def _disc_of(image: QImage) -> QImage:
    """One ``image`` cut to the neuron's circle (see :func:`heat_map_discs`)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    pixels = pixels[:, : rgb.width() * 3].reshape(1, rgb.height(), rgb.width(), 3)
    return heat_map_discs(pixels)[0]


def _prepare_geometry_change(item: QGraphicsItem) -> None:
    """``item.prepareGeometryChange()``, and repaint on every view where the item is drawn now.

    Qt repaints an item's old area from where it last recorded painting it. A
    repaint of another part of the view that comes first (the banner over the
    view changes with the backward pass) records the item's *new*, smaller area
    instead: items that ignore the view's zoom are recorded at every repaint.
    What lay outside the new area stayed on screen ("…840" beside "δ = ∂L/∂z").
    """
    scene = item.scene()
    if scene is not None and item.isVisible():
        for view in scene.views():
            drawn = item.deviceTransform(view.viewportTransform()).mapRect(item.boundingRect())
            # Two pixels more, as Qt allows for antialiasing.
            view.viewport().update(drawn.toAlignedRect().adjusted(-2, -2, 2, 2))
    item.prepareGeometryChange()


class NeuronNode(QGraphicsObject):
    """A neuron: a circle with its value inside (activation, or δ in the backward view)."""

    dragFinished = Signal(object, QPointF)  # (node, scene position where it was dropped)
    dragMoved = Signal(object, QPointF)
    clicked = Signal(object)  # a click that moved nothing, on a neuron that is ``pickable``

    def __init__(
        self, layer: int, index: int, name: str, movable: bool, *, prefs: ViewPreferences
    ) -> None:
        super().__init__()
        self.prefs = prefs
        self.layer = layer
        self.index = index
        self.name = name
        self.text = ""
        self.fill = prefs.color("node_fill")
        self.stale = False
        self.highlight = ""  # "", "path" (on the selected weight's way out) or "target"
        self.doomed = False  # dragged off its layer: a drop now removes it
        self.heat_map: QImage | None = None
        self._disc: QImage | None = None  # the map cut to the circle (see _disc_of)
        self.home = QPointF()
        self.edges: list[WeightEdge] = []  # its lines in and out, which follow it when it moves
        self.bias_label: BiasLabel | None = None
        # While it is dragged along its layer: the column's x, which it keeps (the scene decides).
        self.held_x: float | None = None
        self.hovered = False
        self.tip = LiveTip(self)  # its tooltip says the value inside, live
        self._bounds = self._bounds_for("")
        self.setAcceptHoverEvents(True)
        self.setZValue(10)
        self.setCursor(Qt.CursorShape.OpenHandCursor if movable else Qt.CursorShape.ArrowCursor)
        if movable:
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
            # Told of every move, so that its lines can follow it while it is dragged.
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self._dragging = False
        # Beside a block a neuron is one end of a cell pair: a click on it is reported
        # (elsewhere a press on a fixed neuron is left to the view, which pans).
        self.pickable = False
        self._pressed_at: QPointF | None = None

    def _bounds_for(self, text: str) -> QRectF:
        # The circle and its ring, or wider: a number too long for the circle
        # may be drawn out over its edge when zoomed out.
        rx = ry = NODE_RADIUS + 4
        if text:
            reach_x, reach_y = _value_reach(text, self.stale)
            rx, ry = max(rx, reach_x), max(ry, reach_y)
        return QRectF(-rx, -ry, 2 * rx, 2 * ry)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(), NODE_RADIUS, NODE_RADIUS)
        return path

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        prefs = self.prefs
        if self.highlight == "target":
            pen = QPen(prefs.color("selected"), 3.0)
        elif self.highlight == "path":
            pen = QPen(prefs.color("path"), 2.2)
        else:
            pen = QPen(prefs.color("node_border"), 1.6)
        fill, text_color = _value_colors(self.fill.rgba(), self.stale, prefs.palette)
        painter.setBrush(QBrush(fill))
        if self._disc is not None:
            # The neuron's own output over the input plane, inside its circle.
            r = NODE_RADIUS
            painter.drawImage(QRectF(-r, -r, 2 * r, 2 * r), self._disc)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(pen)
        painter.drawEllipse(QPointF(), NODE_RADIUS, NODE_RADIUS)
        if self.doomed:
            self._paint_doomed(painter)
            return
        if not self.text:
            return
        # The value is drawn at a size that fits the circle *on screen*, so a
        # zoomed-out big network still shows numbers while they are legible.
        lod = _lod(painter, option)
        pixels = min(22.0, NODE_RADIUS * lod * 0.5)
        if pixels < MIN_TEXT_PIXELS:
            return
        # A long number is drawn smaller to fit: clipped, "−0.123456" would lose
        # its sign. Room in quarter pixels keeps the cache small while zooming.
        plate = self.heat_map is not None
        room = math.floor(VALUE_ROOM * lod * 4) / 4
        size = _fitted_value_size(self.text, round(pixels), self.stale, plate, room)
        half_width, half_height = _plate_extent(self.text, size, self.stale)
        # Still too wide at the smallest legible size: whole, on a plate, over the edge.
        plate = plate or math.hypot(*_value_extent(self.text, size, self.stale)) > room
        painter.save()
        painter.scale(1 / lod, 1 / lod)
        painter.setFont(_value_font(size, self.stale))
        if plate:
            # A pale plate under the number keeps it legible over the map or the lines.
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.plate(prefs.palette, PLATE_ALPHA))
            painter.drawRoundedRect(
                QRectF(-half_width, -half_height, 2 * half_width, 2 * half_height), 3, 3
            )
        painter.setPen(text_color)
        r = NODE_RADIUS * lod
        painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), CENTRED_WHOLE, self.text)
        painter.restore()

    def _paint_doomed(self, painter: QPainter) -> None:
        """Tinted, ringed and holding a bin instead of its number: a drop removes it."""
        color = self.prefs.color("selected")
        tint = QColor(color)
        tint.setAlpha(60)
        painter.setBrush(tint)
        painter.setPen(QPen(color, 3.0, Qt.PenStyle.DashLine))
        painter.drawEllipse(QPointF(), NODE_RADIUS, NODE_RADIUS)
        size = NODE_RADIUS * 0.9
        draw_bin(painter, QRectF(-size * 0.4, -size / 2, size * 0.8, size), color)

    def set_doomed(self, doomed: bool) -> None:
        """Show (or stop showing) that dropping the dragged neuron now removes it."""
        if doomed != self.doomed:
            self.doomed = doomed
            self.update()

    def set_display(self, text: str, fill: QColor, stale: bool) -> None:
        """Show ``text`` inside on ``fill``; ``stale`` greys it out."""
        self.tip.set_value(text, self.hovered)
        if (text, fill.rgb(), stale) != (self.text, self.fill.rgb(), self.stale):
            self.text, self.fill, self.stale = text, fill, stale
            bounds = self._bounds_for(text)
            if bounds != self._bounds:
                _prepare_geometry_change(self)
                self._bounds = bounds
            self.update()

    def set_heat_map(self, image: QImage | None, disc: QImage | None = None) -> None:
        """Show ``image`` (the neuron's output over the input plane) inside the circle;
        ``disc`` is the image already cut to it (:func:`heat_map_discs`), if made."""
        if image is not self.heat_map:
            self.heat_map = image
            if image is None:
                self._disc = None
            else:
                self._disc = disc if disc is not None else _disc_of(image)
            self.update()

    def set_highlight(self, level: str) -> None:
        """Ring the neuron: ``target`` of the selected weight, on its ``path`` out, or not ("")."""
        if level != self.highlight:
            self.highlight = level
            self.update()

    def restack(self) -> None:
        """Above its neighbours while dragged, hovered or its bias is selected: its
        bias label (a child) may then be shown over the next neuron down."""
        raised = self.hovered or (self.bias_label is not None and self.bias_label.selected)
        self.setZValue(20 if self._dragging else 11 if raised else 10)

    def itemChange(self, change, value):
        change_type = QGraphicsItem.GraphicsItemChange
        if change == change_type.ItemPositionChange and self._dragging and self.held_x is not None:
            # Dragged along its layer, a neuron slides only up and down its own column.
            return QPointF(self.held_x, value.y())
        if change == change_type.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_geometry()
        return super().itemChange(change, value)

    def setToolTip(self, text: str) -> None:
        """The hint under the live value (see :class:`LiveTip`)."""
        self.tip.set_hint(text)

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.tip.follow()
        self.restack()
        if self.bias_label is not None:
            self.bias_label.set_hovered(True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.restack()
        if self.bias_label is not None:
            self.bias_label.set_hovered(False)
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event) -> None:
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.flags() & QGraphicsItem.GraphicsItemFlag.ItemIsMovable
        ):
            self._dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.restack()
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self.pickable:
            self._pressed_at = event.scenePos()
            event.accept()  # the release comes here, to tell a click

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self._dragging:
            # The pointer, not the neuron: held to its column, the neuron lags sideways.
            self.dragMoved.emit(self, event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        pressed, self._pressed_at = self._pressed_at, None
        if self._dragging:
            self._dragging = False
            self.held_x = None
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            self.restack()
            self.dragFinished.emit(self, event.scenePos())
        if pressed is not None:
            moved = (event.scenePos() - pressed).manhattanLength()
            if moved < QApplication.startDragDistance():
                self.clicked.emit(self)


class WeightEdge(QGraphicsObject):
    """A weight: a line whose width grows with |value| and whose colour shows its sign."""

    clicked = Signal(object)
    doubleClicked = Signal(object)

    def __init__(
        self,
        layer: int,
        i: int,
        j: int,
        source: NeuronNode,
        target: NeuronNode,
        *,
        prefs: ViewPreferences,
    ) -> None:
        super().__init__()
        self.prefs = prefs
        self.layer, self.i, self.j = layer, i, j
        self.source, self.target = source, target
        self.value = 0.0
        self.width = 1.0
        self.pen_color = prefs.color("faint_text")
        self.selected = False
        self.on_path = False
        self.hovered = False
        self.tip = LiveTip(self)  # its tooltip says the weight's value, live
        self.label: EdgeLabel | None = None
        self.smooth = True  # antialiased; the scene turns it off for very big networks
        self._pen: QPen | None = None  # made from width and pen_color when painted
        # The item that paints this edge's line with its layer's others (set by it);
        # this item then paints nothing, and only takes clicks and hovers.
        self.bundle: EdgeBundle | None = None
        source.edges.append(self)
        target.edges.append(self)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.update_geometry()

    @property
    def parameter(self) -> tuple[int, int, int]:
        """``(layer, i, j)`` of the weight this edge draws."""
        return (self.layer, self.i, self.j)

    def line(self) -> QLineF:
        """The visible segment, from circle edge to circle edge."""
        a, b = self.source.pos(), self.target.pos()
        line = QLineF(a, b)
        length = line.length()
        if length <= 2 * NODE_RADIUS:
            return line
        t = NODE_RADIUS / length
        return QLineF(line.pointAt(t), line.pointAt(1 - t))

    def update_geometry(self) -> None:
        """Call when a neuron at either end moved."""
        self.prepareGeometryChange()
        if self.bundle is not None:
            self.bundle.moved()
        self._line = self.line()
        path = QPainterPath(self._line.p1())
        path.lineTo(self._line.p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(12)  # easy to hit, however thin the line looks
        self._shape = stroker.createStroke(path)
        self._bounds = self._shape.boundingRect().adjusted(-6, -6, 6, 6)
        if self.label is not None:
            self.label.place()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    @property
    def emphasised(self) -> bool:
        """Selected, on the selected weight's path, or under the mouse: drawn with a glow."""
        return self.selected or self.on_path or self.hovered

    def glow_pen(self) -> QPen:
        """The wide, translucent pen under an emphasised line."""
        glow = self.prefs.color("selected" if self.selected else "path")
        glow.setAlpha(110 if self.selected else 80)
        return QPen(glow, self.width + 7, _SOLID, _ROUND if self.smooth else _FLAT)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # Only an edge without a bundle paints itself (see EdgeBundle).
        if not self.smooth:
            painter.setRenderHint(_ANTIALIASING, False)
        if self.emphasised:
            painter.setPen(self.glow_pen())
            painter.drawLine(self._line)
        if self._pen is None:
            self._pen = QPen(self.pen_color, self.width, _SOLID, _ROUND if self.smooth else _FLAT)
        painter.setPen(self._pen)
        painter.drawLine(self._line)

    def set_style(self, value: float, width: float, color: QColor) -> None:
        """Show ``value`` with this line width and colour (colours come from a cache)."""
        if width != self.width or color is not self.pen_color:
            self.width, self.pen_color = width, color
            self._pen = None  # made again at the next paint
            self._repaint()
        if value != self.value:
            self.value = value
            self.follow_value()
            # Most labels are hidden: those are fitted to their number when they show.
            if self.label is not None and self.label.visible_now:
                self.label.refresh()

    def set_selected(self, selected: bool, on_path: bool) -> None:
        """Mark the edge as the selected weight, or as lying on its path."""
        if (selected, on_path) != (self.selected, self.on_path):
            self.selected, self.on_path = selected, on_path
            self._repaint()
            if self.label is not None:
                self.label.refresh()

    def _repaint(self) -> None:
        """Repaint the line, with its layer's others when it has a bundle."""
        if self.bundle is not None:
            self.bundle.restyled()
        else:
            self.update()

    def setToolTip(self, text: str) -> None:
        """The hint under the live value (see :class:`LiveTip`)."""
        self.tip.set_hint(text)

    def follow_value(self) -> None:
        """:attr:`value` changed: the tooltip of the line under the pointer follows it
        (formatted for that one line only: this runs for every weight on every frame)."""
        if self.hovered:
            self.tip.set_value(self.prefs.fmt(self.value), True)

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.tip.set_value(self.prefs.fmt(self.value), False)
        self.tip.follow()
        self._repaint()
        if self.label is not None:
            self.label.set_forced(True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self._repaint()
        if self.label is not None:
            self.label.set_forced(False)
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        self.doubleClicked.emit(self)
        event.accept()


class EdgeLabel(QGraphicsItem):
    """The number on a weight, in a small box part-way along the line.

    The scene hides labels that would overlap others (``shown``); hovering
    the edge, or selecting it, shows its label anyway (``forced``). The box
    widens to a number longer than "−0.000".
    """

    RECT = QRectF(-27, -8, 54, 16)  # the smallest box: room for "−0.000"

    def __init__(self, edge: WeightEdge, position: float, *, prefs: ViewPreferences) -> None:
        super().__init__()
        self.prefs = prefs
        self.edge = edge
        self.position = position  # 0 at the source, 1 at the target
        self.active = False  # whether there is a value to show
        self.stale = False
        self._shown = True
        self.forced = False
        self._text_key: tuple | None = None
        self._text = ""
        self._half_width = self.RECT.right()
        self._rect = QRectF(self.RECT)
        self._bounds = self._rect.adjusted(-1, -1, 1, 1)
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        # Hidden from Qt while not drawn: the scene has thousands, and a hidden item
        # costs a repaint nothing (no call into Python for it).
        self.setVisible(False)
        edge.label = self
        self.place()

    def place(self) -> None:
        """Follow the edge: ``position`` along it, or nearer its middle when the label,
        drawn larger in a zoomed-out view (its scale), would reach over the neuron the
        line starts from."""
        line = self.edge._line
        along = self.position
        scale = self.scale()
        if scale > 1 and line.dx() > 0:
            # The narrowest box, clear of the square the layout keeps around the source.
            clear = self.edge.source.pos().x() + NODE_RADIUS + 5 + self.RECT.right() * scale
            if line.x1() + along * line.dx() < clear:
                along = min(0.5, (clear - line.x1()) / line.dx())
        self.setPos(line.pointAt(along))

    @property
    def text(self) -> str:
        """The number shown (formatted when asked: most labels are never painted)."""
        if not self.active:
            return ""
        key = (self.edge.value, self.prefs.decimals)
        if key != self._text_key:
            self._text_key, self._text = key, self.prefs.fmt(self.edge.value)
        return self._text

    @property
    def shown(self) -> bool:
        """Whether there is room for the label (the scene decides)."""
        return self._shown

    @shown.setter
    def shown(self, shown: bool) -> None:
        self._shown = shown
        self.refresh()

    def refresh(self) -> None:
        """Fit the box to the number and repaint, if the label is drawn at all.

        Labels not drawn are hidden from Qt and left as they are (the scene has
        thousands); they are fitted when they appear.
        """
        drawn = self.visible_now
        if drawn:
            self._fit()
            self.update()
        if drawn != self.isVisible():
            self.setVisible(drawn)

    def _fit(self) -> QRectF:
        half = _label_half_width(self.text, self.stale)
        if half != self._half_width:
            _prepare_geometry_change(self)
            self._half_width = half
            self._rect = QRectF(-half, self.RECT.top(), 2 * half, self.RECT.height())
            self._bounds = self._rect.adjusted(-1, -1, 1, 1)
        return self._rect

    def scene_rect(self) -> QRectF:
        """Where the box sits in the scene (for overlap tests), at the label's scale."""
        rect, s = self._fit(), self.scale()
        return QRectF(rect.x() * s, rect.y() * s, rect.width() * s, rect.height() * s).translated(
            self.pos()
        )

    def boundingRect(self) -> QRectF:
        # Kept, not made: Qt asks several times per label and repaint.
        return self._bounds

    def set_active(self, active: bool, stale: bool) -> None:
        """Show the edge's value (greyed when ``stale``), or nothing."""
        if (active, stale) != (self.active, self.stale):
            self.active, self.stale = active, stale
            self.refresh()

    def set_forced(self, forced: bool) -> None:
        """Show even if crowded (while hovered or selected)."""
        if forced != self.forced:
            self.forced = forced
            self.setZValue(8 if forced else 5)
            self.refresh()

    @property
    def visible_now(self) -> bool:
        """Whether the label is drawn at all (zoom aside)."""
        return self.active and (self._shown or self.forced or self.edge.selected)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.visible_now:
            return
        emphasised = self.forced or self.edge.selected
        if not emphasised and _lod(painter, option) < LABEL_MIN_LOD:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self._rect
        prefs = self.prefs
        border = prefs.color("selected") if self.edge.selected else QColor(self.edge.pen_color)
        painter.setPen(QPen(border, 1.0))
        painter.setBrush(theme.plate(prefs.palette))
        painter.drawRoundedRect(rect, 4, 4)
        painter.setFont(_label_font(self.stale))
        color = prefs.color("stale" if self.stale else "text")
        painter.setPen(_text_color(color.rgba(), True, prefs.palette))
        painter.drawText(rect, CENTRED_WHOLE, self.text)


class TextItem(QGraphicsObject):
    """A line of text in the scene (bias values, targets, the loss, notices)."""

    clicked = Signal(object)
    doubleClicked = Signal(object)

    def __init__(
        self,
        text: str = "",
        font: QFont | None = None,
        align=Qt.AlignmentFlag.AlignLeft,
        fixed: bool = False,
        *,
        prefs: ViewPreferences,
    ):
        super().__init__()
        self.prefs = prefs
        self.text = text
        self.font = QFont(font or LABEL_FONT)
        self.color = prefs.color("text")
        self.align = align
        self.box: QColor | None = None
        self.fixed = fixed
        self._rect_key = None
        self._rect_cache = QRectF()
        if fixed:
            # Headings and notes keep their size on screen however far one zooms out.
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(12)

    def _rect(self) -> QRectF:
        # Measured once per text: Qt asks for the bounding rect at every repaint.
        key = (self.text, self.font.italic())
        if self._rect_key != key:
            self._rect_key, self._rect_cache = key, self._measure(self.text, self.font)
        return self._rect_cache

    def _measure(self, text: str, font: QFont) -> QRectF:
        metrics = QFontMetricsF(font)
        lines = text.split("\n") or [""]
        width = max(metrics.horizontalAdvance(line) for line in lines) + 8
        height = metrics.height() * len(lines) + 4
        if self.align & Qt.AlignmentFlag.AlignHCenter:
            return QRectF(-width / 2, -height / 2, width, height)
        if self.align & Qt.AlignmentFlag.AlignRight:
            return QRectF(-width, -height / 2, width, height)
        return QRectF(0, -height / 2, width, height)

    def width_of(self, text: str) -> float:
        """How wide the item would be showing ``text`` (pixels, for a ``fixed`` item)."""
        return self._measure(text, self.font).width() if text else 0.0

    def height_of(self, text: str) -> float:
        """How tall the item would be showing ``text``."""
        return self._measure(text, self.font).height()

    def boundingRect(self) -> QRectF:
        return self._rect().adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.text or (not self.fixed and _lod(painter, option) < TEXT_MIN_LOD):
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self._rect()
        if self.box is not None:
            painter.setPen(QPen(self.box, 1.0))
            painter.setBrush(theme.plate(self.prefs.palette))
            painter.drawRoundedRect(rect, 4, 4)
        painter.setFont(self.font)
        painter.setPen(_text_color(self.color.rgba(), self.box is not None, self.prefs.palette))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)

    def set_text(self, text: str, color: QColor | None = None, italic: bool = False) -> None:
        """Change the text (and colour)."""
        color = color or self.prefs.color("text")
        if (text, color.rgba(), italic) == (self.text, self.color.rgba(), self.font.italic()):
            return
        if (text, italic) != (self.text, self.font.italic()):
            font = QFont(self.font)
            font.setItalic(italic)
            rect = self._measure(text, font)
            if rect != self._rect():
                _prepare_geometry_change(self)
            self.font, self._rect_key, self._rect_cache = font, (text, italic), rect
        self.text, self.color = text, color
        self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        self.doubleClicked.emit(self)
        event.accept()


class BiasLabel(TextItem):
    """A neuron's bias (or its gradient) just under its circle, moving with the neuron.

    Where it would run into the next neuron down the scene marks it ``crowded``
    and it is hidden; hovering the neuron or selecting the bias shows it anyway,
    on a plate over whatever lies below.
    """

    STAND_IN = "b −0.000"  # measured for the crowding test while there is no value yet

    def __init__(self, node: NeuronNode, parameter: tuple[int, None, int]) -> None:
        super().__init__("", align=Qt.AlignmentFlag.AlignHCenter, prefs=node.prefs)
        self.parameter = parameter
        self.crowded = False
        self.selected = False
        self.hovered = False
        self.setParentItem(node)
        self.setPos(0, NODE_RADIUS + 10)
        # Hovering a child keeps its parent hovered: the pointer can go from the
        # circle onto a crowded label, shown while the circle is hovered, to click it.
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        node.bias_label = self

    def scene_rect(self) -> QRectF:
        """Where the label sits in the scene (for the crowding test)."""
        rect = self._rect() if self.text else self._measure(self.STAND_IN, self.font)
        return self.mapRectToScene(rect)

    def set_crowded(self, crowded: bool) -> None:
        """Hide the label (unless hovered or selected): it would overlap something."""
        if crowded != self.crowded:
            self.crowded = crowded
            self._restyle()

    def set_selected(self, selected: bool) -> None:
        """Mark the bias as the selected parameter (shown even when crowded)."""
        if selected != self.selected:
            self.selected = selected
            self._restyle()
            self.parentItem().restack()

    def set_hovered(self, hovered: bool) -> None:
        """Its neuron is hovered: show the label even when crowded."""
        if hovered != self.hovered:
            self.hovered = hovered
            self._restyle()

    def _restyle(self) -> None:
        forced = self.selected or self.hovered
        self.setVisible(forced or not self.crowded)
        # A crowded label shown anyway lies over the next circle: on a plate.
        self.box = (
            self.prefs.color("selected")
            if self.selected
            else self.prefs.color("grid")
            if self.crowded
            else None
        )
        self.update()


class RoundButton(QGraphicsObject):
    """A small round button in the scene (+, −, ×) with a tooltip."""

    clicked = Signal()

    def __init__(
        self, symbol: str, tooltip: str, radius: float = 9.0, *, prefs: ViewPreferences
    ) -> None:
        super().__init__()
        self.prefs = prefs
        self.symbol = symbol
        self.radius = radius
        self.hovered = False
        self.setToolTip(tooltip)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(15)

    def boundingRect(self) -> QRectF:
        r = self.radius + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        prefs = self.prefs
        fill = prefs.color("node_border") if self.hovered else prefs.color("grid")
        painter.setPen(QPen(prefs.color("node_border"), 1.0))
        painter.setBrush(fill)
        painter.drawEllipse(QPointF(), self.radius, self.radius)
        painter.setPen(QPen(prefs.color("background" if self.hovered else "text"), 1.8))
        s = self.radius * 0.45
        if self.symbol in ("+", "−"):
            painter.drawLine(QPointF(-s, 0), QPointF(s, 0))
        if self.symbol == "+":
            painter.drawLine(QPointF(0, -s), QPointF(0, s))
        if self.symbol == "×":
            painter.drawLine(QPointF(-s, -s), QPointF(s, s))
            painter.drawLine(QPointF(-s, s), QPointF(s, -s))

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.contains(event.pos()):
            self.clicked.emit()


class ButtonRow(QGraphicsObject):
    """Buttons side by side at a fixed size on screen, whatever the zoom."""

    def __init__(self, spacing: float = 24.0) -> None:
        super().__init__()
        self.spacing = spacing
        self.buttons: list[RoundButton] = []
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(15)

    def add(self, button: RoundButton) -> RoundButton:
        """Append a button; the row stays centred on its position."""
        button.setParentItem(self)
        self.buttons.append(button)
        n = len(self.buttons)
        for k, b in enumerate(self.buttons):
            b.setPos((k - (n - 1) / 2) * self.spacing, 0)
        return button

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        pass


class TrashTarget(QGraphicsObject):
    """Where a dragged neuron is dropped to delete it; shown only during a drag."""

    def __init__(self, *, prefs: ViewPreferences) -> None:
        super().__init__()
        self.prefs = prefs
        self.active = False
        self.setZValue(3)
        self.setVisible(False)
        self.setToolTip("Drop a neuron here to remove it")

    def boundingRect(self) -> QRectF:
        return QRectF(-90, -24, 180, 48)

    TEXT = "drop here to remove"
    ICON = 14.0  # the bin's height; its text follows after a gap as wide as half of it

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = self.prefs.color("selected" if self.active else "faint_text")
        pen = QPen(color, 2.0, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        tint = QColor(color)
        tint.setAlpha(40 if self.active else 16)
        painter.setBrush(tint)
        painter.drawRoundedRect(self.boundingRect().adjusted(1, 1, -1, -1), 10, 10)
        # The bin and its text, centred together.
        painter.setFont(HEADER_FONT)
        text_width = QFontMetricsF(HEADER_FONT).horizontalAdvance(self.TEXT)
        icon = self.ICON
        left = -(icon * 0.8 + icon / 2 + text_width) / 2
        draw_bin(painter, QRectF(left, -icon / 2, icon * 0.8, icon), color)
        painter.setPen(color)
        text_left = left + icon * 0.8 + icon / 2
        painter.drawText(
            QRectF(text_left, -12, text_width + 4, 24),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.TEXT,
        )

    def set_active(self, active: bool) -> None:
        """Light up while a neuron hovers over it."""
        if active != self.active:
            self.active = active
            self.update()


def draw_bin(painter: QPainter, rect: QRectF, color: QColor) -> None:
    """A waste bin drawn in ``rect``: drawn, not an emoji, which many fonts lack."""
    painter.save()
    pen = QPen(color, 1.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    x0, x1, y0, y1 = rect.left(), rect.right(), rect.top(), rect.bottom()
    w, h = rect.width(), rect.height()
    lid = y0 + h * 0.2
    # The handle on the lid, the lid, then the body narrowing towards its foot.
    painter.drawPolyline(
        [
            QPointF(x0 + w * 0.35, lid),
            QPointF(x0 + w * 0.35, y0),
            QPointF(x0 + w * 0.65, y0),
            QPointF(x0 + w * 0.65, lid),
        ]
    )
    painter.drawLine(QPointF(x0, lid), QPointF(x1, lid))
    top, foot = lid + h * 0.08, y1
    painter.drawPolygon(
        [
            QPointF(x0 + w * 0.1, top),
            QPointF(x1 - w * 0.1, top),
            QPointF(x1 - w * 0.2, foot),
            QPointF(x0 + w * 0.2, foot),
        ]
    )
    for f in (0.38, 0.62):
        painter.drawLine(QPointF(x0 + w * f, top + h * 0.15), QPointF(x0 + w * f, foot - h * 0.12))
    painter.restore()


class InsertionMarker(QGraphicsItem):
    """Where a neuron dragged along its layer will land: a line across the column."""

    HALF = NODE_RADIUS + 20  # out past the dragged circle on both sides

    def __init__(self, *, prefs: ViewPreferences) -> None:
        super().__init__()
        self.prefs = prefs
        self.setZValue(19)  # under the dragged neuron (20), over its neighbours
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)

    def boundingRect(self) -> QRectF:
        return QRectF(-self.HALF - 5, -7, 2 * self.HALF + 10, 14)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = self.prefs.color("selected")
        painter.setPen(QPen(color, 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(-self.HALF, 0), QPointF(self.HALF, 0))
        # Arrowheads at the ends, pointing in: "between these two".
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        for side in (-1, 1):
            tip = QPointF(side * (self.HALF - 7), 0)
            back = side * (self.HALF + 2)
            painter.drawPolygon([tip, QPointF(back, -5), QPointF(back, 5)])


class LayerBand(QGraphicsItem):
    """While a neuron is dragged: the part of its layer where a drop reorders it. A drop
    anywhere outside removes the neuron; the band says which side the pointer is on."""

    def __init__(self, rect: QRectF, *, prefs: ViewPreferences) -> None:
        super().__init__()
        self.prefs = prefs
        self.rect = QRectF(rect)
        self.inside = True
        self.setZValue(2)  # under the lines and the neurons
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = self.prefs.color("path" if self.inside else "faint_text")
        painter.setPen(QPen(color, 1.5, Qt.PenStyle.DashLine))
        tint = QColor(color)
        tint.setAlpha(36 if self.inside else 12)
        painter.setBrush(tint)
        painter.drawRoundedRect(self.rect, 14, 14)

    def set_inside(self, inside: bool) -> None:
        """Lit while the pointer is in it (a drop reorders), faint when out (a drop removes)."""
        if inside != self.inside:
            self.inside = inside
            self.update()
