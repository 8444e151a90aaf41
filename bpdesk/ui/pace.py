"""The pace of training in the window: the speeds offered, and the one a run starts at.

At full speed the explainer's XOR network runs tens of thousands of epochs a
second and the lesson is over before a learner has looked: its loss sits on
a plateau for about 1,000 epochs, falls until about 3,000, then drops to
nearly nothing between 4,000 and 5,000 (2-2-1 sigmoid, η 0.5, full batch).
At the default pace of 1,000 epochs a second that takes a few seconds to
watch; at 100 it takes close to a minute.

The pace belongs to the document (a file saves it as ``training.speed``) but
is not an edit: changing it is not undone.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Signal

# Epochs per second the toolbar's speed box and Train → Speed offer; None: as fast
# as possible.
SPEEDS: tuple[float | None, ...] = (1, 10, 100, 1000, None)
# The pace of a new document, and of a file that does not say (see module docstring).
DEFAULT_SPEED = 1000


def offered_speed(speed: float | None) -> float | None:
    """The speed the window offers nearest to ``speed`` (epochs per second, None for as
    fast as possible): a file may ask for any pace, the window runs at one of its own."""
    if speed is None:
        return None
    paced = [s for s in SPEEDS if s is not None]
    return min(paced, key=lambda s: abs(math.log(s / speed)))


class Pace(QObject):
    """How fast training runs: epochs per second, None for as fast as possible."""

    changed = Signal(object)  # the new speed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._speed: float | None = DEFAULT_SPEED

    @property
    def speed(self) -> float | None:
        """Epochs per second (one of :data:`SPEEDS`), None for as fast as possible."""
        return self._speed

    def set(self, speed: float | None) -> None:
        """Train at ``speed`` epochs per second, the nearest the window offers (None: as
        fast as possible)."""
        speed = offered_speed(speed)
        if speed != self._speed:
            self._speed = speed
            self.changed.emit(speed)
