"""The input features toggles of the Data panel: x₁, x₂, x₁², x₂², x₁·x₂, sin x₁, sin x₂.

As in TensorFlow Playground: each toggle adds or removes an input neuron (one
undoable edit, :func:`bpdesk.ui.editing.set_features`), while the points and
the maps stay on the (x₁, x₂) plane.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from bpdesk.core.features import FEATURES, LABELS, PLAIN
from bpdesk.ui import editing
from bpdesk.ui.document import Document

# Where each toggle sits: x₁'s beside x₂'s, in two columns (the panel is a narrow dock).
PLACES = {
    "x1": (0, 0),
    "x2": (0, 1),
    "x1sq": (1, 0),
    "x2sq": (1, 1),
    "x1x2": (2, 0),
    "sinx1": (3, 0),
    "sinx2": (3, 1),
}
TIP = (
    "The network's inputs, computed from each point (x₁, x₂), as in TensorFlow Playground: "
    "with x₁² and x₂² a circle is separable without a hidden layer. Each one is an input "
    "neuron; the map still shows the (x₁, x₂) plane."
)


class FeatureToggles(QWidget):
    """One check box per input feature; they follow the document's data."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._updating = False
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(8)
        self.boxes: dict[str, QCheckBox] = {}
        for name in FEATURES:
            box = QCheckBox(LABELS[name])
            box.setObjectName(f"feature_{name}")
            box.toggled.connect(self._on_toggled)
            layout.addWidget(box, *PLACES[name])
            self.boxes[name] = box
        doc.datasetChanged.connect(self._show)
        self._show()

    def chosen(self) -> tuple[str, ...]:
        """The features ticked now, in the canonical order."""
        return tuple(name for name in FEATURES if self.boxes[name].isChecked())

    def _show(self) -> None:
        data = self.doc.dataset
        refused = data.features_refused()
        current = data.features or PLAIN
        self._updating = True
        for name, box in self.boxes.items():
            box.setChecked(refused is None and name in current)
        self._updating = False
        self.setEnabled(refused is None)
        self.setToolTip(TIP if refused is None else f"Input features: {refused}.")

    def _on_toggled(self, _checked: bool) -> None:
        if self._updating:
            return
        chosen = self.chosen()
        if not chosen:
            self.doc.notify("The network needs at least one input: tick another first")
            self._show()
            return
        if not editing.set_features(self.doc, chosen):
            self._show()
