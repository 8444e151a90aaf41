"""The Help menu's dialogs: the keyboard shortcuts and what the mouse does, and About."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from bpdesk import __version__
from bpdesk.ui.actions import SHORTCUT_NAME

MOUSE_ACTIONS = (
    ("Click a line", "select that weight: its chain rule, landscape and equation"),
    ("Click a b value", "select that bias"),
    ("Double-click a line or b value", "type a new value"),
    ("Drag Neuron or Hidden layer", "from the Build panel onto the network: add it"),
    ("Drag a neuron", "up or down: reorder its layer; off the network: remove it"),
    ("Right-click", "a hidden neuron, a line or the space between layers: what can be done there"),
    ("Wheel, drag the background", "zoom and pan the network"),
    ("Click the loss curve", "go back to that epoch"),
    ("Click the decision boundary", "add a point (left: class 1, right: class 0)"),
)


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every action of ``window`` with a shortcut."""
    rows = []
    for action in window.actions():
        keys = ", ".join(
            k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
        )
        if keys:
            rows.append((keys, action.property(SHORTCUT_NAME) or action.text().replace("&", "")))
    return rows


def show_shortcuts(window: QWidget) -> None:
    """A table of the keyboard shortcuts, and of what the mouse does."""

    def table(pairs) -> str:
        cells = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in pairs)
        return f"<table cellspacing='6'>{cells}</table>"

    QMessageBox.information(
        window,
        "Keyboard shortcuts",
        table(shortcut_rows(window)) + "<p><b>With the mouse</b></p>" + table(MOUSE_ACTIONS),
    )


def show_about(parent: QWidget) -> None:
    """Version and licences."""
    import numpy
    import pyqtgraph
    import PySide6

    QMessageBox.about(
        parent,
        "About bpdesk",
        f"<h3>bpdesk {__version__}</h3>"
        "<p>See and touch backpropagation. After <i>Learning representations by "
        "back-propagating errors</i>, Rumelhart, Hinton &amp; Williams, Nature 323, 1986.</p>"
        f"<p>Qt for Python (PySide6) {PySide6.__version__} — LGPLv3<br>"
        f"pyqtgraph {pyqtgraph.__version__} — MIT<br>NumPy {numpy.__version__} — BSD</p>"
        "<p>Digits data: E. Alpaydin &amp; C. Kaynak, Optical Recognition of Handwritten Digits, UCI Machine Learning Repository, 1998 — CC BY 4.0 (resources/datasets/digits-LICENSE.txt)</p>",
    )
