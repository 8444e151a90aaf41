"""A panel whose refresh runs the network over the data: behind a tab it only notes that
it is out of date, and catches up when it is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bpdesk.ui.frames import TABLE

if TYPE_CHECKING:
    from bpdesk.ui.document import Document

# While training streams, a panel over every example of a dataset with more rows than
# this waits for the pause: a forward pass of 70,000 MNIST images takes ~0.3 s of the
# window's thread, and input would wait that long at every refresh.
LIVE_ROWS = 10_000


class RefreshesWhenShown:
    """Mix into a panel (before ``QWidget``) with ``doc``, ``stale`` and ``refresh()``;
    the frame clock's requests go to :meth:`_on_frame`, and the panel connects
    ``doc.frames.liveChanged`` to :meth:`_catch_up_after_training`."""

    stale: bool
    doc: Document

    def refresh(self) -> None:
        raise NotImplementedError

    def waits_for_pause(self) -> bool:
        """True while training streams over a dataset too large to follow live
        (:data:`LIVE_ROWS`): the panel then updates as training pauses."""
        doc = self.doc
        data = doc.dataset
        return doc.training_active and data.n_train + data.n_test > LIVE_ROWS

    def _on_frame(self) -> None:
        # A dock tabbed behind another is not visible: with a large dataset a forward
        # pass over every row is the costly part, so it waits for showEvent.
        if self.isVisible() and not self.waits_for_pause():  # type: ignore[attr-defined]
            self.refresh()

    def _catch_up_after_training(self, live: bool) -> None:
        """As training stops streaming: the update that waited for it."""
        if not live and self.stale:
            self.doc.frames.request(self._on_frame, TABLE)

    def showEvent(self, event) -> None:
        """Catch up with changes made while the panel was hidden."""
        super().showEvent(event)  # type: ignore[misc]
        if self.stale:
            self.refresh()
