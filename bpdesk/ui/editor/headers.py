"""The headings above the network's columns: each layer's name and size, its
activation chooser, and the buttons that add, remove and insert layers and neurons.

They hang from anchors placed in the scene and keep their size on screen while
the network zooms (the scene shows the longest texts that fit, see
``NetworkScene.set_view_scale``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from bpdesk.core.activations import ACTIVATIONS
from bpdesk.ui import editing
from bpdesk.ui.editor.items import HEADER_FONT, NODE_RADIUS, ButtonRow, RoundButton, TextItem

if TYPE_CHECKING:
    from bpdesk.ui.editor.scene import NetworkScene


def build_headers(
    scene: NetworkScene, top: float
) -> tuple[list[TextItem], list[TextItem], list[ButtonRow]]:
    """Add every column's heading, chooser and buttons to ``scene``, just above ``top``
    (the highest neuron or block's top); returns the headings, the choosers and the
    rows of buttons (which hide when the columns are too close for them)."""
    headers: list[TextItem] = []
    choosers: list[TextItem] = []
    rows: list[ButtonRow] = []
    net = scene.doc.network
    sizes = net.layer_sizes
    last = len(sizes) - 1
    # Each column's heading, activation and buttons hang from one anchor just
    # above its top neuron, stacked in pixels: they keep their size on screen,
    # so their spacing must not shrink with the zoom either.
    anchor_y = top - NODE_RADIUS - 6
    prefs = scene.prefs
    font = QFont(HEADER_FONT)
    font.setPointSize(10)
    font.setBold(True)
    for layer, n in enumerate(sizes):
        x = layer * scene.column
        if layer == 0:
            title = "Input"
        elif layer == last:
            title = "Output"
        else:
            title = f"Hidden {layer}" if last > 2 else "Hidden"
        anchor = ButtonRow()
        anchor.setPos(x, anchor_y)
        scene.addItem(anchor)
        header = TextItem(
            f"{title} · {n}", font, Qt.AlignmentFlag.AlignHCenter, fixed=True, prefs=prefs
        )
        short = {"Input": "In", "Output": "Out", "Hidden": "H"}.get(title, f"H{layer}")
        # Longest first: set_view_scale shows the longest that fits the column.
        header.texts = (f"{title} · {n}", f"{short} · {n}", short, "")
        header.setParentItem(anchor)
        header.setPos(0, -64)
        header.setToolTip(f"{title} layer: {n} neuron{'s' if n != 1 else ''}")
        headers.append(header)
        if layer > 0:
            act = net.activations[layer - 1]
            chooser = TextItem(
                f"{act} ▾", align=Qt.AlignmentFlag.AlignHCenter, fixed=True, prefs=prefs
            )
            # Narrow columns: the symbol the math dock uses ("σ"), then only the arrow.
            symbol = ACTIVATIONS[act].symbol or act
            chooser.texts = tuple(dict.fromkeys((f"{act} ▾", f"{symbol} ▾", symbol, "▾")))
            chooser.box = prefs.color("grid")
            chooser.setParentItem(anchor)
            chooser.setPos(0, -43)
            chooser.setCursor(Qt.CursorShape.PointingHandCursor)
            chooser.setToolTip(f"Activation of this layer: {act}. Click to change it")
            chooser.clicked.connect(
                lambda item, l=layer - 1: scene.gestures.activation_menu(l, item)
            )
            choosers.append(chooser)
        if 0 < layer < last:
            row = ButtonRow()
            row.setParentItem(anchor)
            row.setPos(0, -18)
            rows.append(row)
            for symbol, tip, slot in (
                (
                    "−",
                    "Remove this layer's last neuron",
                    lambda l=layer: scene.gestures.remove_last(l),
                ),
                (
                    "+",
                    "Add a neuron to this layer",
                    lambda l=layer: editing.add_neuron(scene.doc, l),
                ),
                (
                    "×",
                    "Remove this hidden layer",
                    lambda l=layer: editing.remove_layer(scene.doc, l),
                ),
            ):
                row.add(RoundButton(symbol, tip, prefs=prefs)).clicked.connect(slot)
        if layer < last:
            gap = ButtonRow()
            gap.setPos(x + scene.column / 2, anchor_y)
            scene.addItem(gap)
            row = ButtonRow()
            row.setParentItem(gap)
            row.setPos(0, -18)
            rows.append(row)
            insert = row.add(RoundButton("+", "Insert a hidden layer here", radius=8, prefs=prefs))
            insert.setOpacity(0.75)
            insert.clicked.connect(lambda p=layer + 1: editing.insert_layer(scene.doc, p))
    return headers, choosers, rows
