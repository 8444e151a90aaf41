"""A panel whose refresh runs the network over the data: behind a tab it only notes that
it is out of date, and catches up when it is shown."""

from __future__ import annotations


class RefreshesWhenShown:
    """Mix into a panel (before ``QWidget``) with ``stale`` and ``refresh()``; the frame
    clock's requests go to :meth:`_on_frame`."""

    stale: bool

    def refresh(self) -> None:
        raise NotImplementedError

    def _on_frame(self) -> None:
        # A dock tabbed behind another is not visible: with a large dataset a forward
        # pass over every row is the costly part, so it waits for showEvent.
        if self.isVisible():  # type: ignore[attr-defined]  # the QWidget after this mixin
            self.refresh()

    def showEvent(self, event) -> None:
        """Catch up with changes made while the panel was hidden."""
        super().showEvent(event)  # type: ignore[misc]
        if self.stale:
            self.refresh()
