"""What the mouse does to the network in the editor, turned into edits.

Clicking or double-clicking a weight or a bias, dragging a neuron along its layer (to
reorder it) or anywhere off it (to remove it), dropping a palette item, and the context
and activation menus. :class:`SceneGestures` makes each an editing intent
(:mod:`bpdesk.ui.editing`) or a selection; beyond the drag's own feedback (the band its
layer reorders in, the insertion line, the bin, the neuron marked for removal, a word
in the status bar) it changes no item: the scene redraws when the document says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QStatusTipEvent, QTransform
from PySide6.QtWidgets import QApplication, QMenu

from bpdesk.core.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from bpdesk.core.losses import check_output
from bpdesk.ui import editing
from bpdesk.ui.document import Parameter
from bpdesk.ui.editor.blocks import LayerBlock
from bpdesk.ui.editor.items import (
    NODE_RADIUS,
    BiasLabel,
    EdgeLabel,
    LayerBand,
    NeuronNode,
    TextItem,
    WeightEdge,
)

if TYPE_CHECKING:
    from bpdesk.ui.editor.scene import NetworkScene

DRAGGED_OPACITY = 0.8  # a dragged neuron lets the insertion line and its neighbours show through
# Half the width of the band a dragged neuron reorders in, in columns: clear of the
# neighbouring layers' neurons, so that a drop on another layer removes.
REORDER_WIDTH = 0.35


class SceneGestures:
    """The gestures on one :class:`~bpdesk.ui.editor.scene.NetworkScene`: the scene
    connects its items' signals here and hands over its context-menu events."""

    def __init__(self, scene: NetworkScene) -> None:
        self.scene = scene
        self.doc = scene.doc
        self._band: LayerBand | None = None  # shown while a neuron is dragged
        self.drag_hint = ""  # what a drop would do now, as the status bar says it

    # -- clicks -------------------------------------------------------------------------

    def on_edge_clicked(self, edge: WeightEdge) -> None:
        """A weight was clicked: it is explained (selected)."""
        self.doc.select(edge.parameter)

    def on_edge_double_clicked(self, edge: WeightEdge) -> None:
        """A weight was double-clicked: select it and ask for its value to be typed."""
        self.doc.select(edge.parameter)
        self.scene.editRequested.emit(edge.parameter, edge.label.scenePos())

    def edit_bias(self, parameter: Parameter, item: TextItem) -> None:
        """Select a bias and ask for its value to be typed where ``item`` shows it."""
        self.doc.select(parameter)
        self.scene.editRequested.emit(parameter, item.scenePos())

    def remove_last(self, layer: int) -> None:
        """The layer's "−" button: its last neuron goes."""
        editing.remove_neuron(self.doc, layer, self.doc.network.layer_sizes[layer] - 1)

    # -- dragging a neuron ------------------------------------------------------------------

    def reorder_area(self, node: NeuronNode) -> QRectF:
        """Where a dragged neuron stays in its layer (a drop reorders it): its column,
        from half a row above its first neuron to half a row below its last. A drop
        anywhere else removes it."""
        column = self.scene.nodes[node.layer]
        first, last = column[0].home, column[-1].home
        step = (last.y() - first.y()) / (len(column) - 1) if len(column) > 1 else 0.0
        half_height = max(step / 2, NODE_RADIUS * 1.5)
        half_width = max(self.scene.column * REORDER_WIDTH, NODE_RADIUS * 2)
        return QRectF(
            first.x() - half_width,
            first.y() - half_height,
            2 * half_width,
            last.y() - first.y() + 2 * half_height,
        )

    def _drop_target(self, node: NeuronNode, pointer: QPointF) -> str:
        """Where a dragged neuron would land: ``column`` (reordered in its layer) or
        ``away`` (removed: anywhere outside its layer, the bin included).

        Judged by the pointer: held to its column, the neuron itself stays behind.
        """
        return "column" if self.reorder_area(node).contains(pointer) else "away"

    def _removable(self, node: NeuronNode) -> bool:
        return len(self.scene.nodes[node.layer]) > 1  # a hidden layer keeps one neuron

    def _landing_index(self, node: NeuronNode) -> int:
        """The place in its layer a neuron dragged along it would take: the nearest home."""
        homes = [n.home.y() for n in self.scene.nodes[node.layer]]
        return int(np.argmin([abs(node.pos().y() - y) for y in homes]))

    def _say(self, text: str) -> None:
        """Say in the status bar what a drop would do now (once per change)."""
        if text == self.drag_hint:
            return
        self.drag_hint = text
        # A status tip goes up the widgets to the main window, which shows it.
        for view in self.scene.views():
            QApplication.sendEvent(view, QStatusTipEvent(text))

    def _hint(self, node: NeuronNode, target: str, new: int) -> str:
        name = node.name
        if target == "away":
            if not self._removable(node):
                return (
                    f"{name} is its layer's only neuron: it stays. "
                    "Remove the layer with its × button"
                )
            return f"Release to remove {name} (Ctrl+Z brings it back)"
        if new != node.index:
            return f"Release to move {name} to place {new + 1} of its layer"
        return f"Drag {name} up or down to reorder it, or off its layer to remove it"

    def on_node_drag_moved(self, node: NeuronNode, pointer: QPointF) -> None:
        """Show where the dragged neuron would go: a line between two others in its
        layer (lit), or out of it to be removed (the neuron and the bin say so)."""
        scene = self.scene
        target = self._drop_target(node, pointer)
        if self._band is None:  # the drag's first move
            # Its numbers were placed for its lines at rest: on the move they would
            # land on others. See-through: what it passes over still shows.
            for edge in node.edges:
                edge.label.shown = False
            node.setOpacity(DRAGGED_OPACITY)
            self._band = LayerBand(self.reorder_area(node), prefs=scene.prefs)
            scene.addItem(self._band)
        removing = target == "away" and self._removable(node)
        scene.trash.setVisible(True)
        scene.trash.set_active(removing)
        self._band.set_inside(target == "column")
        node.set_doomed(removing)
        # Along its layer the neuron keeps to its column; taken off it, it follows
        # the pointer, so that it can be seen going.
        if target == "column":
            node.held_x = node.home.x()
            if node.pos().x() != node.held_x:
                node.setPos(node.held_x, node.pos().y())
        else:
            node.held_x = None
        new = self._landing_index(node) if target == "column" else node.index
        scene.landing.setVisible(new != node.index)
        if new != node.index:
            # It takes the place of neuron ``new``, which moves aside towards the
            # dragged one's old place: the line goes on that neuron's far side.
            column = scene.nodes[node.layer]
            step = column[1].home.y() - column[0].home.y()
            side = 1 if new > node.index else -1
            scene.landing.setPos(node.home.x(), column[new].home.y() + side * step / 2)
        self._say(self._hint(node, target, new))

    def on_node_dropped(self, node: NeuronNode, pointer: QPointF) -> None:
        """The drag ended: move the neuron to its new place, or remove it."""
        scene = self.scene
        target = self._drop_target(node, pointer)
        scene.trash.setVisible(False)
        scene.trash.set_active(False)
        scene.landing.setVisible(False)
        if self._band is not None:
            scene.removeItem(self._band)
            self._band = None
        self._say("")
        layer, index = node.layer, node.index
        new_index = self._landing_index(node)
        node.setPos(node.home)
        node.setOpacity(1.0)
        node.set_doomed(False)
        if target == "away":
            changed = editing.remove_neuron(self.doc, layer, index)
        else:
            changed = editing.move_neuron(self.doc, layer, index, new_index)
        if not changed:  # no rebuild: the numbers hidden for the drag come back
            scene.layout_labels()

    def drop_palette_item(self, kind: str, pos: QPointF) -> bool:
        """A palette item (``neuron`` or ``layer``) was dropped at ``pos``."""
        nodes = self.scene.nodes
        last = len(nodes) - 1
        position = pos.x() / self.scene.column
        if kind == "neuron":
            layer = round(position)
            if not 0 <= layer <= last or abs(position - layer) > 0.4:
                self.doc.notify("Drop a neuron onto a hidden layer's column")
                return False
            column = nodes[layer]
            index = sum(1 for n in column if n.home.y() < pos.y())
            return editing.add_neuron(self.doc, layer, index)
        if kind == "layer":
            gap = int(np.floor(position)) + 1  # dropping between layers k and k+1 inserts at k+1
            if not 1 <= gap <= last:
                self.doc.notify("Drop a hidden layer between two layers")
                return False
            return editing.insert_layer(self.doc, gap)
        return False

    # -- menus ----------------------------------------------------------------------------

    def activation_menu(self, weight_layer: int, item: TextItem) -> None:
        """The activations a layer may take, under its chooser ``item``."""
        net = self.doc.network
        output = weight_layer == net.n_layers - 1
        menu = QMenu()
        menu.setToolTipsVisible(True)  # a greyed-out choice says why in its tooltip
        names = list(ACTIVATIONS) if output else list(HIDDEN_ACTIVATIONS)
        for name in names:
            action = QAction(name, menu)
            action.setCheckable(True)
            action.setChecked(net.activations[weight_layer] == name)
            if output:
                try:
                    check_output(net.loss, name, net.layer_sizes[-1])
                except ValueError as exc:
                    action.setEnabled(False)
                    action.setToolTip(str(exc))
            action.triggered.connect(
                lambda _=False, n=name: editing.set_activation(self.doc, weight_layer, n)
            )
            menu.addAction(action)
        self._popup(menu, item)

    def _popup(self, menu: QMenu, item) -> None:
        views = self.scene.views()
        if not views:
            return
        view = views[0]
        point = view.mapToGlobal(view.mapFromScene(item.scenePos()))
        menu.exec(point)

    def _owner_at(self, pos: QPointF):
        """The neuron, weight or bias under ``pos``; a weight's number stands for its weight."""
        views = self.scene.views()
        transform = views[0].transform() if views else QTransform()
        for item in self.scene.items(
            pos, Qt.ItemSelectionMode.IntersectsItemShape, Qt.SortOrder.DescendingOrder, transform
        ):
            if isinstance(item, EdgeLabel):
                if item.visible_now:  # a hidden number is not there for the user
                    return item.edge
            elif isinstance(item, (NeuronNode, WeightEdge, BiasLabel, LayerBlock)):
                return item
            elif isinstance(item, TextItem) and item.text:
                return None  # a heading or a note covers what lies beneath it
        return None

    def context_menu(self, event) -> None:
        """The right-click menu for what lies under the pointer (the scene's event)."""
        item = self._owner_at(event.scenePos())
        menu = QMenu()
        menu.setToolTipsVisible(True)
        doc = self.doc
        nodes = self.scene.nodes
        last = len(nodes) - 1
        if isinstance(item, NeuronNode) and 0 < item.layer < last:
            layer, k = item.layer, item.index
            menu.addAction("Remove neuron", lambda: editing.remove_neuron(doc, layer, k))
            up = menu.addAction("Move up", lambda: editing.move_neuron(doc, layer, k, k - 1))
            up.setEnabled(k > 0)
            down = menu.addAction("Move down", lambda: editing.move_neuron(doc, layer, k, k + 1))
            down.setEnabled(k < len(nodes[layer]) - 1)
            menu.addAction("Add neuron below", lambda: editing.add_neuron(doc, layer, k + 1))
            menu.addSeparator()
            menu.addAction("Remove this layer", lambda: editing.remove_layer(doc, layer))
        elif isinstance(item, LayerBlock) and 0 < item.layer < last:
            layer, n = item.layer, item.n
            menu.addAction("Add a neuron", lambda: editing.add_neuron(doc, layer))
            menu.addAction("Remove the last neuron", lambda: self.remove_last(layer))
            menu.addSeparator()
            menu.addAction("Remove this layer", lambda: editing.remove_layer(doc, layer))
            menu.addAction(f"Size: {n} (set it in the Build dock)").setEnabled(False)
        elif isinstance(item, WeightEdge):
            p = item.parameter
            menu.addAction("Explain this gradient (chain rule)", lambda: doc.select(p))
            menu.addAction(
                "Edit value…", lambda: self.scene.editRequested.emit(p, item.label.scenePos())
            )
        elif isinstance(item, BiasLabel):
            p = item.parameter
            menu.addAction("Explain this gradient (chain rule)", lambda: doc.select(p))
            menu.addAction("Edit value…", lambda: self.edit_bias(p, item))
        else:
            gap = int(np.clip(np.floor(event.scenePos().x() / self.scene.column) + 1, 1, last))
            menu.addAction("Insert a hidden layer here", lambda: editing.insert_layer(doc, gap))
        menu.exec(event.screenPos())
        event.accept()
