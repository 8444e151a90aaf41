"""Small widget helpers shared by the window and the panels."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


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


class Deferred(QWidget):
    """A place for a panel that is built only when its dock's tab is first opened.

    Panels behind a tab cost start-up time (a plot alone is some 20 ms) for
    something the user may never open. Qt keeps the docks of hidden tabs
    "visible" (moved off screen), so a show event would come at once: the
    dock's ``visibilityChanged``, which follows the tabs, decides instead.
    """

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._widget: QWidget | None = None
        self._dock: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        """True once the panel exists."""
        return self._widget is not None

    def widget(self) -> QWidget:
        """The panel, built now if it was not yet."""
        if self._widget is None:
            self._widget = self._factory()
            self.layout().addWidget(self._widget)
        return self._widget

    def build_when_shown(self, dock) -> None:
        """Build the panel the first time ``dock`` (a QDockWidget) comes into view."""
        self._dock = dock
        dock.visibilityChanged.connect(self._look_again)
        # Floated out of its tab, a dock reports itself hidden (and then nothing).
        dock.topLevelChanged.connect(self._look_again)

    def _look_again(self, *_) -> None:
        # While the window lays its docks out it reports tabs visible for a moment;
        # look once that has settled.
        if self._widget is None:
            # With ``self`` as context the call is dropped if the window closes first.
            QTimer.singleShot(0, self, self._build_if_in_view)

    def _build_if_in_view(self) -> None:
        if self._widget is None and not self.visibleRegion().isEmpty():
            self.widget()
