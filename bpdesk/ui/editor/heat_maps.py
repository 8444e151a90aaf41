"""Each hidden neuron's output over the input plane, drawn inside its circle (2-D data).

The maps of a whole layer are computed in one forward pass over a coarse grid
and cut to their circles at once (:func:`~bpdesk.ui.editor.items.heat_map_discs`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from bpdesk.core import Dataset, Network
from bpdesk.ui.editor.items import NeuronNode, heat_map_discs
from bpdesk.ui.plane import grid_points, plane_bounds

HEAT_MAP_PIXELS = 24  # per side: enough to see a neuron's line or bump inside a circle


def show_heat_maps(
    columns: list[list[NeuronNode]], net: Network, data: Dataset, lut: np.ndarray
) -> None:
    """Give each hidden neuron of ``columns`` (the diagram's neurons, layer by layer)
    its output over the plane of ``data``, coloured by ``lut`` (256 RGB rows)."""
    points = grid_points(plane_bounds(data), HEAT_MAP_PIXELS)
    with np.errstate(all="ignore"):
        result = net.evaluate(data.network_inputs(points))  # input features of the plane
    side = HEAT_MAP_PIXELS
    for layer in range(1, len(columns) - 1):
        values = result.activations[layer].T  # (neurons, pixels)
        act = net.activations[layer - 1]
        # Map each activation's natural range onto the blue–white–orange table.
        if act == "sigmoid":
            scaled = values * 2 - 1
        elif act in ("relu", "leaky_relu", "linear"):
            top = max(float(np.nanmax(np.abs(values))), 1e-9)
            scaled = values / top
        else:
            scaled = values
        index = np.clip(np.nan_to_num((scaled + 1) * 127.5, nan=127.5), 0, 255).astype(np.intp)
        rgb = np.ascontiguousarray(lut[index].reshape(-1, side, side, 3))
        for node, pixels, disc in zip(columns[layer], rgb, heat_map_discs(rgb)):
            image = QImage(pixels.data, side, side, 3 * side, QImage.Format.Format_RGB888)
            node.set_heat_map(image.copy(), disc)  # copy: the array's memory goes away


def clear_heat_maps(columns: list[list[NeuronNode]]) -> None:
    """No maps in any hidden neuron (backward view, maps off, data not 2-D)."""
    for column in columns[1:-1]:
        for node in column:
            node.set_heat_map(None)
