"""The big layers of the diagram: their blocks and the weight bands between them.

:class:`CompactLayers` builds a :class:`~bpdesk.ui.editor.blocks.LayerBlock` for each
layer too big to draw neuron by neuron and a :class:`~bpdesk.ui.editor.band.WeightBand`
for each weight layer touching one, keeps their colours up to date with the document
(the scene calls :meth:`CompactLayers.show_values`) and turns what the mouse does to
them into selections and edits:

- a click on a pixel of a band (or of a receptive field) selects that weight;
- a click on a cell and then on a cell of a neighbouring layer (or a neuron beside the
  block) selects the weight joining them (the first cell stays ringed until the second
  click);
- the cell under the mouse shows its receptive field in the band before it;
- a hidden layer's block dragged off its column removes the layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF

from bpdesk.core.input_gradient import input_gradient_from_delta
from bpdesk.ui import editing
from bpdesk.ui.editor.band import WeightBand
from bpdesk.ui.editor.blocks import (
    BLAME_PREFIX,
    BLOCK_HEIGHT,
    LayerBlock,
    block_height,
    image_side,
    is_compact,
    neuron_lut,
)
from bpdesk.ui.editor.items import NODE_RADIUS, NeuronNode, TextItem
from bpdesk.ui.plane import diverging_lut, neutral

if TYPE_CHECKING:
    from bpdesk.ui.document import Parameter
    from bpdesk.ui.editor.scene import NetworkScene

# Between layers of a diagram with blocks: room for a block, a band and a block.
COMPACT_COLUMN = 420.0
BAND_MARGIN = 18.0  # between a band and the blocks or neurons either side
BAND_MAX_WIDTH = 220.0
# A block dragged further than this from its column (in columns) is removed on release.
REMOVE_DISTANCE = 0.35


def has_blocks(sizes: tuple[int, ...] | list[int]) -> bool:
    """True if a network of these layer sizes is drawn with blocks."""
    return any(is_compact(n) for n in sizes)


def half_height(layer: int, n: int, row: float) -> float:
    """Half the height layer ``layer`` of ``n`` neurons takes (``row`` apart if drawn as
    neurons): the column's reach above and below the middle."""
    if is_compact(n):
        return block_height(n, picture=layer == 0) / 2
    return (n - 1) / 2 * row + NODE_RADIUS


def _value_scale(values: np.ndarray | None) -> float:
    """Full colour at 1, as a neuron's; or at the largest value when beyond (raw pixels
    of 0–255 would all be full orange)."""
    if values is None or len(values) == 0:
        return 1.0
    top = float(np.nanmax(np.abs(values)))
    return top if np.isfinite(top) and top > 1.0 else 1.0


def _blame_scale(values: np.ndarray | None) -> float:
    """Full colour at the largest ``|∂L/∂x|``: the map shows where the blame is, whatever
    its size (an input's gradient is often far below 1)."""
    if values is None or len(values) == 0:
        return 1.0
    top = float(np.nanmax(np.abs(values)))
    return top if np.isfinite(top) and top > 0 else 1.0


def class_note(k: int, probability: float, target: float, many: bool, delta: str | None) -> str:
    """The one-line note beside output ``k`` of a classifier drawn with blocks: its class
    (the digit, for the digits) and probability, or its δ (``delta``, already written)
    in the backward view; and whether it is the example's target."""
    text = f"{k}: δ = {delta}" if delta is not None else f"{k}: {100 * probability:.1f} %"
    if not many and target == 1:
        text += "  ← target"
    return text


class CompactLayers:
    """The blocks and bands of one :class:`~bpdesk.ui.editor.scene.NetworkScene`."""

    def __init__(self, scene: NetworkScene) -> None:
        self.scene = scene
        self.doc = scene.doc
        self.blocks: dict[int, LayerBlock] = {}
        self.bands: dict[int, WeightBand] = {}
        self.pending: tuple[int, int] | None = None  # (layer, neuron): half a cell pair
        self._lut = neuron_lut(scene.prefs)
        self._band_lut = self._lut

    @property
    def weight_count(self) -> int:
        """How many weights the bands show (for the scene's restyle throttle)."""
        return sum(band.n_in * band.n_out for band in self.bands.values())

    def _half_width(self, layer: int) -> float:
        block = self.blocks.get(layer)
        return block.rect.width() / 2 if block is not None else NODE_RADIUS

    def build(self, column: float) -> None:
        """Add a block for every big layer and a band for every weight layer touching
        one (the scene was cleared; layer ``l`` is centred at ``x = l · column``)."""
        scene, prefs = self.scene, self.scene.prefs
        net = self.doc.network
        sizes = net.layer_sizes
        last = len(sizes) - 1
        self.blocks, self.bands, self.pending = {}, {}, None
        self._lut = neuron_lut(prefs)
        self._band_lut = diverging_lut(
            prefs.color("negative"), prefs.color("positive"), neutral(prefs.palette)
        )
        for layer, n in enumerate(sizes):
            if not is_compact(n):
                continue
            block = LayerBlock(
                layer,
                n,
                lambda k, l=layer: net.neuron_name(l, k),
                picture=layer == 0,
                movable=0 < layer < last,
                prefs=prefs,
                bias=self._bias_of(layer) if layer > 0 and net.has_bias else None,
            )
            block.home = QPointF(layer * column, 0.0)
            block.setPos(block.home)
            block.cellClicked.connect(self.on_cell_clicked)
            block.cellHovered.connect(self.on_cell_hovered)
            block.dragMoved.connect(self._on_block_dragged)
            block.dragFinished.connect(self._on_block_dropped)
            scene.addItem(block)
            self.blocks[layer] = block
        for layer in range(net.n_layers):
            if layer in self.blocks or layer + 1 in self.blocks:
                self._add_band(layer, column)

    def _bias_of(self, layer: int) -> Callable[[int], float]:
        """Neuron ``k`` of ``layer``'s bias as it is now (training changes it in place)."""
        return lambda k: float(self.doc.network.biases[layer - 1][k])

    def _add_band(self, layer: int, column: float) -> None:
        net = self.doc.network
        sizes = net.layer_sizes
        left = layer * column + self._half_width(layer) + BAND_MARGIN
        right = (layer + 1) * column - self._half_width(layer + 1) - BAND_MARGIN
        width = max(min(right - left, BAND_MAX_WIDTH), 20.0)
        centre = (left + right) / 2
        rect = QRectF(centre - width / 2, -BLOCK_HEIGHT / 2, width, BLOCK_HEIGHT)
        first = self.blocks.get(0)
        field = image_side(sizes[0]) if layer == 0 and first is not None and first.picture else 0
        band = WeightBand(
            layer,
            sizes[layer],
            sizes[layer + 1],
            rect,
            lambda i, j: net.parameter_name(layer, i, j),
            lambda j: net.neuron_name(layer + 1, j),
            field_side=field or 0,
            prefs=self.scene.prefs,
        )
        band.weightClicked.connect(self.doc.select)
        band.weightDoubleClicked.connect(self._on_band_double_clicked)
        self.scene.addItem(band)
        self.bands[layer] = band

    @staticmethod
    def thin_notes(notes: list[TextItem], outputs: list[NeuronNode], scale: float) -> None:
        """Zoomed far out (a big network in a small window) the outputs' one-line notes
        would overlap: every second (or third…) shows, from the first."""
        if len(outputs) < 2 or len(notes) != len(outputs):
            return
        gap = (outputs[1].home.y() - outputs[0].home.y()) * scale  # on screen
        step = max(1, math.ceil(notes[0].height_of("0") / max(gap, 1e-9)))
        for k, note in enumerate(notes):
            note.setVisible(k % step == 0)

    def rect(self) -> QRectF:
        """The blocks' and bands' area in the scene (empty if there are none)."""
        rect = QRectF()
        for item in [*self.blocks.values(), *self.bands.values()]:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # -- values --------------------------------------------------------------------------

    def show_values(self, visible: Callable[[int], bool], restyle: bool) -> None:
        """Colour the blocks by the last passes and the bands by the weights (their
        gradients in the backward view). ``visible(layer)`` is False for the layers a
        pass being animated has not reached; without ``restyle`` (a big diagram while
        training, between its restyles) the bands keep their colours."""
        if not self.blocks and not self.bands:
            return
        doc, net = self.doc, self.doc.network
        backward = doc.mode == "backward"
        fwd, bwd = doc.forward_state, doc.backward_state
        delta_scale = 1e-12
        if backward and bwd is not None:
            delta_scale = max(delta_scale, max(float(np.abs(d).max()) for d in bwd.deltas))
        for layer, block in self.blocks.items():
            if not visible(layer):
                block.show(None, 1.0, False, self._lut)
            elif backward and layer > 0:
                values = None if bwd is None else bwd.deltas[layer - 1]
                stale = not doc.is_fresh("backward")
                block.show(values, delta_scale, stale, self._lut, "δ = ")
            elif backward and block.picture:
                # Where is the blame? Backprop carried one step past the first layer:
                # ∂L/∂x of each pixel, for the example shown and its own target.
                values = None if bwd is None else input_gradient_from_delta(net, bwd.deltas[0])
                stale = not doc.is_fresh("backward")
                block.show(values, _blame_scale(values), stale, self._band_lut, BLAME_PREFIX)
            else:
                values = None if fwd is None else fwd.activations[layer]
                block.show(values, _value_scale(values), not doc.is_fresh("forward"), self._lut)
        if not restyle:
            return
        for layer, band in self.bands.items():
            if not visible(layer + 1):
                band.show(None, band.what, self._band_lut)
            elif backward:
                grads = None if bwd is None else bwd.weight_grads[layer]
                band.show(grads, "∂L/∂w", self._band_lut)
            else:
                band.show(doc.network.weights[layer], "w", self._band_lut)

    # -- selection -------------------------------------------------------------------------

    def show_selection(self, selected: Parameter | None) -> None:
        """Ring the selected weight's cells and pixel (and the first cell of a pair)."""
        rings: dict[int, dict[int, str]] = {layer: {} for layer in self.blocks}
        if selected is not None:
            layer, i, j = selected
            if i is not None and layer in rings:
                rings[layer][i] = "source"
            if layer + 1 in rings:
                rings[layer + 1][j] = "target"
        if self.pending is not None and self.pending[0] in rings:
            rings[self.pending[0]][self.pending[1]] = "pending"
        for layer, block in self.blocks.items():
            block.set_highlights(rings[layer])
        for band in self.bands.values():
            band.set_selected(selected)

    def on_cell_clicked(self, layer: int, k: int) -> None:
        """A cell was clicked: the first of a pair is held; a cell of a neighbouring
        layer then selects the weight between the two."""
        pending = self.pending
        if pending is not None and abs(pending[0] - layer) == 1:
            (source, i), (_, j) = sorted([pending, (layer, k)])
            self.pending = None
            self.doc.select((source, i, j))
        else:
            self.pending = (layer, k)
            name = self.doc.network.neuron_name(layer, k)
            self.doc.notify(f"{name}: now click a cell of the layer before or after it")
        self.show_selection(self.doc.selected)

    def pick_neurons(self, nodes: list[list[NeuronNode]]) -> None:
        """Make the neurons beside a block (the ten outputs of the digits network) one end
        of a cell pair: a click on one picks it as a cell (see :meth:`on_cell_clicked`)."""
        for layer, column in enumerate(nodes):
            if layer - 1 in self.blocks or layer + 1 in self.blocks:
                for node in column:
                    node.pickable = True
                    node.clicked.connect(self._on_neuron_clicked)

    def _on_neuron_clicked(self, node: NeuronNode) -> None:
        self.on_cell_clicked(node.layer, node.index)

    def on_cell_hovered(self, layer: int, k: int) -> None:
        """The pointer is over cell ``k`` of ``layer``: its receptive field shows."""
        band = self.bands.get(layer - 1)
        if band is not None and k >= 0:
            band.set_focus(k)

    def _on_band_double_clicked(self, weight, pos: QPointF) -> None:
        self.doc.select(weight)
        self.scene.editRequested.emit(weight, pos)

    # -- dragging a block ------------------------------------------------------------------

    def _away(self, block: LayerBlock, pointer: QPointF) -> bool:
        return abs(pointer.x() - block.home.x()) > self.scene.column * REMOVE_DISTANCE

    def _on_block_dragged(self, block: LayerBlock, pointer: QPointF) -> None:
        trash = self.scene.trash
        trash.setVisible(True)
        trash.set_active(self._away(block, pointer))

    def _on_block_dropped(self, block: LayerBlock, pointer: QPointF) -> None:
        trash = self.scene.trash
        trash.setVisible(False)
        trash.set_active(False)
        if self._away(block, pointer):
            editing.remove_layer(self.doc, block.layer)
