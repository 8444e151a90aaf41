"""The network editor's scene: builds items from the document and keeps them up to date.

It rebuilds its items only when the architecture changes; every other
change (values, the view, the selection, the sample) restyles the items in
place. User gestures on the items become edits in :mod:`bpdesk.ui.editor.gestures`;
which numbers have room to show is decided in :mod:`bpdesk.ui.editor.label_layout`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsScene

from bpdesk.core.chainrule import neuron_name
from bpdesk.core.datasets import Dataset
from bpdesk.ui import theme
from bpdesk.ui.document import Document
from bpdesk.ui.editor.blocks import is_compact
from bpdesk.ui.editor.bundle import EdgeBundle
from bpdesk.ui.editor.compact import (
    COMPACT_COLUMN,
    CompactLayers,
    class_note,
    half_height,
    has_blocks,
)
from bpdesk.ui.editor.gestures import SceneGestures
from bpdesk.ui.editor.headers import build_headers
from bpdesk.ui.editor.heat_maps import clear_heat_maps, show_heat_maps
from bpdesk.ui.editor.items import (
    HEADER_FONT,
    NODE_RADIUS,
    TEXT_MIN_LOD,
    BiasLabel,
    ButtonRow,
    EdgeLabel,
    InsertionMarker,
    NeuronNode,
    RoundButton,
    TextItem,
    TrashTarget,
    WeightEdge,
)
from bpdesk.ui.editor.label_layout import hide_crowded_labels, scale_labels
from bpdesk.ui.format import fmt, fmt_target
from bpdesk.ui.frames import NUMBERS, READING
from bpdesk.ui.plane import diverging_lut, neutral
from bpdesk.ui.preferences import ViewPreferences

COLUMN = 220.0  # distance between layers of a small network (see column_spacing)
LABEL_AT = 0.3  # labels sit this far along an edge from its source
PALETTE_MIME = "application/x-bpdesk-palette"
# While training, a big diagram's lines change width and colour at most this often.
LIVE_RESTYLE_S = 1.0
SMOOTH_EDGES_LIMIT = 600  # above this many edges, lines are drawn without antialiasing (speed)
MAX_PATH_EDGES = 80  # beyond this, highlighting every path would light up the whole network
HEADER_GAP = 8.0  # pixels at least between the headings (and the choosers) of two columns


def row_spacing(max_neurons: int) -> float:
    """Vertical distance between neurons: roomy for small layers, tighter for big ones."""
    return 80.0 if max_neurons <= 6 else 62.0 if max_neurons <= 12 else 56.0


def column_spacing(n_layers: int) -> float:
    """Horizontal distance between layers: deep networks pack closer to fit the view."""
    return COLUMN if n_layers <= 5 else 170.0 if n_layers <= 7 else 140.0


class NetworkScene(QGraphicsScene):
    """Neurons, weights and headers for the document's network."""

    editRequested = Signal(object, QPointF)  # (parameter, scene position) to type a value
    revealFinished = Signal(str)

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.gestures = SceneGestures(self)
        self.compact = CompactLayers(self)  # the layers too big to draw neuron by neuron
        self.nodes: list[list[NeuronNode]] = []
        self.edges: list[WeightEdge] = []
        self.labels: list[EdgeLabel] = []
        self.bias_labels: dict[tuple[int, int], BiasLabel] = {}
        self._edges_by_layer: list[list[WeightEdge]] = []
        self._bundles: list[EdgeBundle] = []  # one per layer of weights, painting its lines
        self._restyled_at = (
            -math.inf
        )  # when the lines last took new widths (see _restyle_lines_now)
        self._button_rows: list[ButtonRow] = []
        self._view_scale = 1.0
        self.headers: list[TextItem] = []
        self.choosers: list[TextItem] = []
        self.output_notes: list[TextItem] = []
        self.loss_note: TextItem | None = None
        self.trash = TrashTarget(prefs=self.prefs)
        self.landing = InsertionMarker(prefs=self.prefs)
        self.column = COLUMN
        self._reveal: tuple[str, int] | None = None
        self.heat_maps = True  # each hidden neuron's output over the input plane (2-D data)
        self._heat_lut = self._heat_table()
        self._reveal_timer = QTimer(self)
        self._reveal_timer.timeout.connect(self._reveal_step)
        self.setBackgroundBrush(self.prefs.color("background"))
        doc.networkChanged.connect(self.rebuild)
        # Every change of values ends with computedChanged (parameters, data, the
        # passes): listening to that alone redraws once per change, not twice.
        # While training streams values the network is redrawn a few times a second
        # (a glance, not an animation), in step with the labels that show numbers:
        # redrawing it holds the interpreter, which the training thread needs too.
        doc.computedChanged.connect(self._request_values)
        # Training stopped: the lines take the widths they may have waited for.
        doc.frames.liveChanged.connect(lambda live: live or self._request_values())
        doc.modeChanged.connect(self._on_mode_changed)
        doc.selectionChanged.connect(self._on_selection_changed)
        self.prefs.changed.connect(self._on_preferences_changed)
        self.rebuild()

    def _request_values(self) -> None:
        self.doc.frames.request(self._on_values_changed, NUMBERS)

    # -- building ---------------------------------------------------------------

    def rebuild(self) -> None:
        """Recreate every item for the current architecture."""
        self._reveal_timer.stop()
        self._reveal = None
        self.clear()
        prefs, gestures = self.prefs, self.gestures
        self.trash = TrashTarget(prefs=prefs)
        self.addItem(self.trash)
        self.landing = InsertionMarker(prefs=prefs)
        self.addItem(self.landing)
        net = self.doc.network
        sizes = net.layer_sizes
        last = len(sizes) - 1
        blocks = has_blocks(sizes)
        self.column = COMPACT_COLUMN if blocks else column_spacing(len(sizes))
        row = row_spacing(max([n for n in sizes if not is_compact(n)], default=1))
        reach = max(half_height(layer, n, row) for layer, n in enumerate(sizes)) - NODE_RADIUS
        top = -reach
        self.nodes, self.edges, self.labels, self.headers, self.choosers = [], [], [], [], []
        self.bias_labels, self.output_notes, self.loss_note = {}, [], None
        for layer, n in enumerate(sizes):
            column = []
            for k in range(0 if is_compact(n) else n):  # a big layer is a block
                node = NeuronNode(
                    layer, k, neuron_name(net, layer, k), movable=0 < layer < last, prefs=prefs
                )
                node.home = QPointF(layer * self.column, (k - (n - 1) / 2) * row)
                node.setPos(node.home)
                node.dragMoved.connect(gestures.on_node_drag_moved)
                node.dragFinished.connect(gestures.on_node_dropped)
                node.setToolTip(self._node_tooltip(layer, k))
                self.addItem(node)
                column.append(node)
            self.nodes.append(column)
        self._edges_by_layer = [[] for _ in range(net.n_layers)]
        self._bundles = []
        lines = [a * b for a, b in zip(sizes, sizes[1:]) if not (is_compact(a) or is_compact(b))]
        smooth = sum(lines) <= SMOOTH_EDGES_LIMIT
        for layer in range(net.n_layers):
            for i, source in enumerate(self.nodes[layer]):
                for j, target in enumerate(self.nodes[layer + 1]):
                    edge = WeightEdge(layer, i, j, source, target, prefs=prefs)
                    edge.setToolTip(
                        f"{net.parameter_name(layer, i, j)}: click for its chain rule, "
                        "double-click to type a value"
                    )
                    edge.smooth = smooth
                    edge.clicked.connect(gestures.on_edge_clicked)
                    edge.doubleClicked.connect(gestures.on_edge_double_clicked)
                    self.addItem(edge)
                    self.edges.append(edge)
                    self._edges_by_layer[layer].append(edge)
                    label = EdgeLabel(edge, LABEL_AT, prefs=prefs)
                    self.addItem(label)
                    self.labels.append(label)
            bundle = EdgeBundle(self._edges_by_layer[layer], smooth)
            self.addItem(bundle)
            self._bundles.append(bundle)
            if not net.has_bias:
                continue  # the explainer's ŷ = w·x: no bias to show
            for j, node in enumerate(self.nodes[layer + 1]):
                bias = BiasLabel(node, (layer, None, j))  # a child: it moves with its neuron
                name = neuron_name(self.doc.network, layer + 1, j)
                bias.setToolTip(
                    f"b({name}), the bias of {name}: click to explain its gradient, "
                    "double-click to edit"
                )
                bias.clicked.connect(lambda _, p=(layer, None, j): self.doc.select(p))
                bias.doubleClicked.connect(
                    lambda item, p=(layer, None, j): gestures.edit_bias(p, item)
                )
                self.bias_labels[(layer, j)] = bias
        self.compact.build(self.column)
        self.compact.pick_neurons(self.nodes)
        self.headers, self.choosers, self._button_rows = build_headers(self, top)
        self.set_view_scale(self._view_scale)
        self._build_notes()
        bottom = reach
        self.trash.setPos(last * self.column / 2, bottom + NODE_RADIUS + 90)
        self._on_values_changed()
        self.layout_labels()  # after the values: the biggest ones get the room
        self._on_selection_changed()
        # Generous: the view must be free to centre the network wherever margins need.
        self.setSceneRect(self.content_rect().adjusted(-3000, -3000, 3000, 3000))

    @contextmanager
    def without_editing_controls(self) -> Iterator[None]:
        """Hide the editing controls (the − + × buttons, the insert marks, the drop
        marker) while a picture of the network is taken; shown again after."""
        hidden = [
            item
            for item in self.items()
            if isinstance(item, RoundButton | InsertionMarker) and item.isVisible()
        ]
        for item in hidden:
            item.setVisible(False)
        try:
            yield
        finally:
            for item in hidden:
                item.setVisible(True)

    def content_rect(self) -> QRectF:
        """The neurons' area. Headings and notes keep their size on screen, so the
        view adds room for them in pixels (see ``NetworkView.fit_network``)."""
        rect = self.compact.rect()
        for column in self.nodes:
            for node in column:
                rect = rect.united(node.sceneBoundingRect())
        return rect

    def _build_notes(self) -> None:
        last = len(self.nodes) - 1
        prefs = self.prefs
        for node in self.nodes[last]:
            note = TextItem(
                "", HEADER_FONT, align=Qt.AlignmentFlag.AlignLeft, fixed=True, prefs=prefs
            )
            note.setPos(node.home + QPointF(NODE_RADIUS + 10, 0))
            self.addItem(note)
            self.output_notes.append(note)
        for node in self.nodes[0]:
            text = _input_label(self.doc.dataset, node.index, node.name)
            name = TextItem(text, align=Qt.AlignmentFlag.AlignRight, prefs=prefs)
            name.setPos(node.home - QPointF(NODE_RADIUS + 8, 0))
            name.color = prefs.color("faint_text")
            self.addItem(name)
        font = QFont(HEADER_FONT)
        font.setBold(True)
        self.loss_note = TextItem("", font, Qt.AlignmentFlag.AlignLeft, fixed=True, prefs=prefs)
        self.loss_note.box = prefs.color("grid")
        self.addItem(self.loss_note)
        self._place_loss_note()

    def _place_loss_note(self) -> None:
        """Put the loss under the lowest output, clear of its note and bias value.

        The notes keep their size on screen while the network zooms: the gap is
        reckoned in pixels, at the view's scale.
        """
        if self.loss_note is None:
            return
        scale = self._view_scale
        if not self.nodes[-1]:  # a big output layer: under its block
            block = self.compact.blocks[len(self.nodes) - 1]
            half = self.loss_note.boundingRect().height() / 2
            under = block.mapToScene(block.rect.bottomLeft())
            self.loss_note.setPos(under.x(), under.y() + (12 + half) / scale)
            return
        node = self.nodes[-1][-1]
        note = self.output_notes[-1]
        half = self.loss_note.boundingRect().height() / 2
        # As the loss sat in a roomy network, but never over "target", or the bias when drawn.
        note_bottom = note.height_of("ŷ\ntarget") / 2 + 6
        top = max((NODE_RADIUS + 44) * scale - half, note_bottom)
        bias = node.bias_label
        if bias is not None and bias.isVisible() and scale >= TEXT_MIN_LOD:
            top = max(top, (bias.scene_rect().bottom() - node.home.y()) * scale + 3)
        self.loss_note.setPos(
            self.nodes[-1][0].home.x() - NODE_RADIUS, node.home.y() + (top + half) / scale
        )

    def layout_labels(self) -> None:
        """Hide the numbers that would overlap a neuron or a more important number."""
        hide_crowded_labels(self.nodes, self.bias_labels.values(), self.labels)

    def set_view_scale(self, scale: float) -> None:
        """The view's zoom: header buttons hide when columns get too close to fit them."""
        self._view_scale = scale
        # A row of three buttons and the insert button between columns need ~100 px.
        width = self.column * scale  # from one column to the next, on screen
        room = width >= 100
        for row in self._button_rows:
            row.setVisible(room)
        if self.compact.blocks:
            self.compact.thin_notes(self.output_notes, self.nodes[-1], scale)
        # Headings and choosers are centred on their columns: each may be as wide
        # as the distance between two columns, less a gap.
        for item in self.headers + self.choosers:
            fits = [text for text in item.texts if item.width_of(text) <= width - HEADER_GAP]
            item.set_text(fits[0] if fits else item.texts[-1], item.color)
        self._place_loss_note()
        # Zoomed out, the weights' numbers are drawn larger (or none could be read).
        if scale_labels(self.labels, scale):
            self.layout_labels()

    # -- showing values -------------------------------------------------------------

    def _visible(self, layer: int) -> bool:
        if self._reveal is None:
            return True
        direction, count = self._reveal
        if direction == "forward":
            return layer < count
        return layer >= len(self.nodes) - count

    def _on_values_changed(self) -> None:
        if not self.nodes:
            return
        doc = self.doc
        net = doc.network
        backward = doc.mode == "backward"
        fwd = doc.forward_state
        bwd = doc.backward_state
        fwd_stale = not doc.is_fresh("forward")
        bwd_stale = not doc.is_fresh("backward")
        weights = net.weights
        biases = net.biases
        if backward and bwd is not None:
            edge_values = bwd.weight_grads
            bias_values = bwd.bias_grads
            stale = bwd_stale
        elif backward:
            edge_values = bias_values = None
            stale = True
        else:
            edge_values, bias_values, stale = weights, biases, False
        scale = 1e-12
        if edge_values is not None:
            scale = max(scale, max(float(np.abs(w).max()) for w in edge_values))
        prefs = self.prefs
        restyle = self._restyle_lines_now()
        for l, bundle in enumerate(self._bundles):
            if not bundle.edges:
                continue  # a weight band's (see CompactLayers)
            if edge_values is None or not self._visible(l + 1):
                count = len(bundle.edges)
                blank = prefs.edge_color(0.0, faded=True)
                bundle.show([0.0] * count, [1.0] * count, [blank] * count)
                _set_labels_active(bundle.edges, False, False)
                continue
            values = np.asarray(edge_values[l], dtype=float).ravel()  # row-major: (i, j) order
            # Widths in quarter pixels: tiny changes do not repaint every line.
            with np.errstate(invalid="ignore", over="ignore"):  # ∞/∞, or a NaN scale
                share = np.abs(values) / scale
            share = np.nan_to_num(share, nan=1.0)  # drawn at full width, its text says ∞
            widths = np.round((0.8 + 5.5 * np.minimum(share, 1.0)) * 4) / 4
            # One colour object per sign (NaN has none: as zero), looked up once per layer.
            by_sign = {s: prefs.edge_color(float(s), stale) for s in (-1, 0, 1)}
            signs = np.sign(np.nan_to_num(values, nan=0.0)).astype(int).tolist()
            bundle.show(values.tolist(), widths.tolist(), [by_sign[s] for s in signs], restyle)
            _set_labels_active(bundle.edges, True, stale)
        for (layer, j), item in self.bias_labels.items():
            if bias_values is None or not self._visible(layer + 1):
                item.set_text("")
                continue
            value = float(bias_values[layer][j])
            prefix = "∂L/∂b " if backward else "b "
            item.set_text(
                prefix + prefs.fmt(value), prefs.color("stale" if stale else "faint_text"), stale
            )
        self._show_nodes(fwd, bwd, backward, fwd_stale, bwd_stale)
        self.compact.show_values(self._visible, restyle)
        # The maps are pictures, not numbers: at the reading pace while training (a
        # forward pass over the whole plane, the costliest part of this refresh), and
        # on a big diagram only as often as its lines change.
        if restyle:
            self.doc.frames.request(self._show_heat_maps, READING)
        self._show_output_notes(fwd, bwd, backward, fwd_stale, bwd_stale)

    def _restyle_lines_now(self) -> bool:
        """Whether the weights' lines take their new widths and colours (and the
        neurons their heat maps) in this refresh.

        While training streams, a big diagram's lines are drawn again at most every
        :data:`LIVE_RESTYLE_S` (their numbers follow at every refresh): drawing 2,144
        lines again took ~15 ms of the GUI thread's ~20 ms a refresh, at every one.
        """
        edges = len(self.edges) + self.compact.weight_count
        if not self.doc.frames.live or edges <= SMOOTH_EDGES_LIMIT:
            return True
        now = time.monotonic()
        if now - self._restyled_at < LIVE_RESTYLE_S:
            return False
        self._restyled_at = now
        return True

    def _show_nodes(self, fwd, bwd, backward, fwd_stale, bwd_stale) -> None:
        prefs = self.prefs
        white = prefs.color("node_fill")
        delta_scale = 1e-12
        if backward and bwd is not None:
            delta_scale = max(delta_scale, max(float(np.abs(d).max()) for d in bwd.deltas))
        for layer, column in enumerate(self.nodes):
            for k, node in enumerate(column):
                if not self._visible(layer):
                    node.set_display("", white, False)
                    continue
                if backward and layer > 0:
                    if bwd is None:
                        node.set_display("δ ?", white, True)
                        continue
                    value = float(bwd.deltas[layer - 1][k])
                    stale = bwd_stale
                    strength = min(abs(value) / delta_scale, 1.0)
                else:
                    if fwd is None:
                        node.set_display("", white, True)
                        continue
                    value = float(fwd.activations[layer][k])
                    stale = fwd_stale
                    strength = min(abs(value), 1.0)
                if not math.isfinite(strength):
                    strength = 0.0  # NaN (or ∞/∞): no colour to give it; the text says it
                fill = theme.mix(white, theme.signed_color(prefs.palette, value), 0.6 * strength)
                node.set_display(prefs.fmt(value), fill, stale)

    def _heat_table(self) -> np.ndarray:
        prefs = self.prefs
        return diverging_lut(
            prefs.color("negative"), prefs.color("positive"), neutral(prefs.palette), tint=0.35
        )

    def _on_preferences_changed(self) -> None:
        """New colour tables, then every item made again in the new palette and decimals."""
        self._heat_lut = self._heat_table()
        self.setBackgroundBrush(self.prefs.color("background"))
        self.rebuild()

    @property
    def reveal_ms(self) -> int:
        """How long each layer takes to appear when a pass is animated (a preference)."""
        return self.prefs.animation_ms

    def set_heat_maps(self, on: bool) -> None:
        """Show (or hide) each hidden neuron's output over the input plane."""
        self.heat_maps = on
        self._on_values_changed()

    def _show_heat_maps(self) -> None:
        if not self.nodes:
            return
        net, data = self.doc.network, self.doc.dataset
        backward = self.doc.mode == "backward"
        wanted = (
            self.heat_maps
            and not backward
            and data.plane.n_inputs == 2
            and net.layer_sizes[0] == data.n_inputs
        )
        if wanted and self._reveal is None:
            show_heat_maps(self.nodes, net, data, self._heat_lut)
        else:
            clear_heat_maps(self.nodes)

    def _show_output_notes(self, fwd, bwd, backward, fwd_stale, bwd_stale) -> None:
        doc = self.doc
        last = len(self.nodes) - 1
        # The rows of the pass on screen: () for an example from outside the training set.
        rows = doc.rows if fwd is None else fwd.rows
        shown = None if fwd is None else fwd.example
        many = len(rows) > 1
        prefs = self.prefs
        for k, note in enumerate(self.output_notes):
            if fwd is None or not self._visible(last):
                note.set_text("")
                continue
            t = float(fwd.targets[k])
            y = float(fwd.activations[-1][k])
            if self.compact.blocks and doc.dataset.kind == "multiclass":
                delta = float(bwd.deltas[-1][k]) if backward and bwd is not None else None
                text = class_note(k, y, t, many, None if delta is None else prefs.fmt(delta))
            elif backward and bwd is not None:
                text = f"δ = ∂L/∂z\ntarget {fmt_target(t)}"
            else:
                text = f"{'mean ' if many else ''}ŷ = {prefs.fmt(y)}\ntarget {fmt_target(t)}"
            note.set_text(text, prefs.color("stale" if fwd_stale else "text"), fwd_stale)
        if self.loss_note is not None:
            if fwd is None or not self._visible(last):
                self.loss_note.set_text("")
            else:
                loss = fmt(fwd.loss, 4)
                if many:
                    # On two lines: on one it is wider than the room the view leaves.
                    text = f"Loss {loss}\n(mean of {len(rows)} examples)"
                else:
                    which = shown.name if shown is not None else f"example {rows[0] + 1}"
                    text = f"Loss {loss}  ({which})"
                    text += f"\nall examples: {fmt(fwd.total_loss, 4)}"
                self.loss_note.set_text(
                    text, prefs.color("stale" if fwd_stale else "text"), fwd_stale
                )
            self._place_loss_note()  # its height may have changed

    def _on_mode_changed(self, mode: str) -> None:
        self._on_values_changed()
        self.layout_labels()  # gradients, not weights, now decide which labels show

    # -- selection ---------------------------------------------------------------------

    def _on_selection_changed(self) -> None:
        selected = self.doc.selected
        path_layers: dict[int, set[int] | None] = {}
        if selected is not None:
            layer, _, j = selected
            # Every path from the weight's target neuron to the outputs: out of
            # neuron j, then through everything in the layers after it. In a
            # big network that is nearly every edge, which says nothing: then
            # only the first hop is marked.
            path_layers[layer + 1] = {j}
            sizes = self.doc.network.layer_sizes
            beyond = sum(a * b for a, b in zip(sizes[layer + 2 :], sizes[layer + 3 :]))
            if beyond <= MAX_PATH_EDGES:
                for later in range(layer + 2, len(self.nodes)):
                    path_layers[later] = None
        for edge in self.edges:
            is_selected = selected is not None and edge.parameter == selected
            sources = path_layers.get(edge.layer)
            on_path = edge.layer in path_layers and (sources is None or edge.i in sources)
            edge.set_selected(is_selected, on_path and not is_selected)
            if edge.label is not None:
                edge.label.set_forced(is_selected or edge.hovered)
        target = (selected[0] + 1, selected[2]) if selected is not None else None
        for layer, column in enumerate(self.nodes):
            for k, node in enumerate(column):
                if (layer, k) == target:
                    node.set_highlight("target")
                elif layer in path_layers and (
                    path_layers[layer] is None or k in path_layers[layer]
                ):
                    node.set_highlight("path")
                else:
                    node.set_highlight("")
        for bias in self.bias_labels.values():
            bias.set_selected(selected == bias.parameter)
        self.compact.show_selection(selected)

    # -- animation ------------------------------------------------------------------------

    def reveal(self, direction: str) -> None:
        """Show the values layer by layer: left to right (forward) or right to left (backward)."""
        self._reveal = (direction, 1)
        self._on_values_changed()
        if self.reveal_ms <= 0:
            self._finish_reveal()
            return
        self._reveal_timer.start(self.reveal_ms)

    def _reveal_step(self) -> None:
        direction, count = self._reveal
        if count >= len(self.nodes):
            self._finish_reveal()
            return
        self._reveal = (direction, count + 1)
        self._on_values_changed()

    def _finish_reveal(self) -> None:
        direction = self._reveal[0] if self._reveal else ""
        self._reveal_timer.stop()
        self._reveal = None
        self._on_values_changed()
        self.revealFinished.emit(direction)

    @property
    def revealing(self) -> bool:
        """True while a pass is being animated."""
        return self._reveal is not None

    # -- gestures -----------------------------------------------------------------------------

    def drop_palette_item(self, kind: str, pos: QPointF) -> bool:
        """A palette item (``neuron`` or ``layer``) was dropped at ``pos``."""
        return self.gestures.drop_palette_item(kind, pos)

    def contextMenuEvent(self, event) -> None:
        self.gestures.context_menu(event)

    def _node_tooltip(self, layer: int, k: int) -> str:
        last = len(self.doc.network.layer_sizes) - 1
        name = neuron_name(self.doc.network, layer, k)
        if layer == 0:
            label = _input_label(self.doc.dataset, k, name)
            if label != name:
                return f"{name} = {label}: an input feature, computed from the point (x₁, x₂)"
            return f"{name}: an input"
        role = "output" if layer == last else "hidden neuron"
        hint = (
            "" if layer == last else " · drag up/down to reorder, anywhere off its layer to remove"
        )
        return f"{name}: {role}{hint}"


def _input_label(data: Dataset, k: int, name: str) -> str:
    """The text beside input ``k``: its input feature (x₁², sin x₁, …), else its name."""
    return data.feature_names[k] if data.features and k < data.n_inputs else name


def _set_labels_active(edges: list[WeightEdge], active: bool, stale: bool) -> None:
    """Give one layer's labels a value to show (or none), greyed when ``stale``.

    All labels of a layer change together: when the first is as asked, so are the
    others, and the thousands of a big layer are not visited on every frame.
    """
    if edges and (edges[0].label.active, edges[0].label.stale) == (active, stale):
        return
    for edge in edges:
        edge.label.set_active(active, stale)
