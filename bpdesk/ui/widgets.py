"""Small widget helpers shared by the window and the panels."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def fix_size(label: QLabel, widest: str) -> None:
    """Give a label whose text changes often a fixed size, room enough for ``widest``.

    With both width and height fixed, Qt skips re-laying out the label's
    parent on every change of text: during training that relayout (and the
    repaint of every toolbar button or panel it moves) would cost more than
    the label itself.
    """
    metrics = label.fontMetrics()
    margins = label.contentsMargins()
    width = metrics.horizontalAdvance(widest) + margins.left() + margins.right() + 16
    height = max(label.sizeHint().height(), metrics.height() + margins.top() + margins.bottom())
    label.setFixedSize(width, height)
