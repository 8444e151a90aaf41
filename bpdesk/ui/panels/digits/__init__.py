"""The digit panels: "Draw a digit" (the pad, with the blame map) and "Mistakes" (the test
images the network gets wrong). They work with a 64- or 784-input, 10-output network."""

from bpdesk.ui.panels.digits.mistakes import MistakesPanel
from bpdesk.ui.panels.digits.pad import DigitPadPanel

__all__ = ["DigitPadPanel", "MistakesPanel"]
