"""Which numbers the network diagram has room for: the labels that would overlap a
neuron or a more important label are hidden (they show on hover).

Zoomed out (a deep network fitted into the editor) the weights' numbers keep a
legible size on screen: they grow in the scene, so fewer fit, and the largest stay.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from PySide6.QtCore import QRectF

from bpdesk.ui.editor.items import LABEL_MIN_LOD, NODE_RADIUS, BiasLabel, EdgeLabel, NeuronNode

MAX_LABELS_PER_LAYER = 12  # numbers drawn between two layers; more would hide the lines
CELL = 40.0  # scene units per side of the grid that finds the rectangles near another
# Zoomed out, a weight's number is scaled up in steps of this much: a wheel step does
# not lay the labels out again unless their size changes.
LABEL_SCALE_STEP = 0.05
# At most this much larger: beyond it a number would cover most of its line (and others'),
# and the numbers show only on hover, as when zoomed out further than that.
LABEL_MAX_SCALE = 1.8


class _Occupied:
    """Rectangles already taken, found by the grid cells they cover."""

    def __init__(self) -> None:
        self._grid: dict[tuple[int, int], list[QRectF]] = defaultdict(list)

    @staticmethod
    def _cells(rect: QRectF) -> Iterator[tuple[int, int]]:
        for cx in range(int(rect.left() // CELL), int(rect.right() // CELL) + 1):
            for cy in range(int(rect.top() // CELL), int(rect.bottom() // CELL) + 1):
                yield (cx, cy)

    def add(self, rect: QRectF) -> None:
        for c in self._cells(rect):
            self._grid[c].append(rect)

    def clashes(self, rect: QRectF, own: QRectF | None = None) -> bool:
        return any(
            other is not own and rect.intersects(other)
            for c in self._cells(rect)
            for other in self._grid[c]
        )


def hide_crowded_labels(
    nodes: Iterable[Iterable[NeuronNode]],
    biases: Iterable[BiasLabel],
    labels: Iterable[EdgeLabel],
) -> None:
    """Hide the labels that would overlap a neuron or a label with a higher priority.

    Bias values come first (one per neuron), then the weights' numbers.
    """
    taken = _Occupied()
    circles: dict[NeuronNode, QRectF] = {}
    for column in nodes:
        for node in column:
            r = NODE_RADIUS + 2
            circles[node] = QRectF(node.pos().x() - r, node.pos().y() - r, 2 * r, 2 * r)
            taken.add(circles[node])
    # A bias sits just under its own circle; in a tall layer the next circle
    # down is nearer than the label is tall: there it shows on hover only.
    for bias in biases:
        rect = bias.scene_rect()
        crowded = taken.clashes(rect, circles[bias.parentItem()])
        bias.set_crowded(crowded)
        if not crowded:
            taken.add(rect)
    # Bigger values first: when space is short, the labels that matter most
    # stay. A crowded layer shows only its largest few (the rest on hover).
    shown_in_layer: dict[int, int] = defaultdict(int)
    for label in sorted(labels, key=lambda lb: -abs(lb.edge.value)):
        rect = label.scene_rect().adjusted(-2, -1, 2, 1)
        layer = label.edge.layer
        clash = shown_in_layer[layer] >= MAX_LABELS_PER_LAYER or taken.clashes(rect)
        label.shown = not clash
        if not clash:
            taken.add(rect)
            shown_in_layer[layer] += 1
        label.update()


def label_scale(view_scale: float) -> float:
    """How much larger than at actual size a weight's number is drawn in the scene at the
    view's zoom ``view_scale``: 1 from the zoom its text is legible at, more below it (a
    deep network fitted into the editor), so that on screen it is never smaller; 1 again
    when it would need more than :data:`LABEL_MAX_SCALE` (then it is not drawn)."""
    if view_scale >= LABEL_MIN_LOD:
        return 1.0
    if view_scale * LABEL_MAX_SCALE < LABEL_MIN_LOD:
        return 1.0  # too far out to be read at any size the line has room for
    # Rounded up: at the zoom shown, the number is drawn at least at LABEL_MIN_LOD.
    return math.ceil(LABEL_MIN_LOD / view_scale / LABEL_SCALE_STEP) * LABEL_SCALE_STEP


def scale_labels(labels: Sequence[EdgeLabel], view_scale: float) -> bool:
    """Give every label its size for the zoom ``view_scale``; True if it changed (then
    the labels must be laid out again: a larger number needs more room).

    The labels always share one size (they are made together, at 1): the first one
    says whether they have it, so that a wheel step over a big network costs nothing
    while the size stays.
    """
    factor = label_scale(view_scale)
    if not labels or labels[0].scale() == factor:
        return False
    for label in labels:
        label.setScale(factor)
        label.place()  # larger, it may need to keep further from the neuron
    return True
