"""How each dock's panel is built, for the main window to assemble (:mod:`~bpdesk.ui.docks`
says where each goes, and builds the panels behind a tab only when first shown: their
modules are imported then too, which keeps start-up quick).

With the main window, the one module that imports the panels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from bpdesk.ui.editor.palette import Palette
from bpdesk.ui.panels.boundary import DecisionBoundaryPanel
from bpdesk.ui.panels.chain_rule import ChainRulePanel
from bpdesk.ui.panels.data import DataPanel
from bpdesk.ui.panels.loss import LossPanel
from bpdesk.ui.panels.predictions import PredictionsPanel
from bpdesk.ui.tour import TourPanel

if TYPE_CHECKING:
    from bpdesk.ui.main_window import MainWindow


def panel_factories(window: MainWindow) -> dict[str, Callable[[], QWidget]]:
    """How to build each dock's panel (docks.py says where it goes, and builds the
    panels behind a tab only when first shown: their modules are imported then too)."""
    doc, trainer, prefs = window.doc, window.trainer, window.preferences

    def landscape() -> QWidget:
        from bpdesk.ui.panels.landscape import LandscapePanel

        panel = LandscapePanel(doc, prefs=prefs)
        panel.gestureStarted.connect(trainer.hold)
        panel.gestureFinished.connect(trainer.release)
        return panel

    def gradient_flow() -> QWidget:
        from bpdesk.ui.panels.gradient_flow import GradientFlowPanel

        return GradientFlowPanel(doc, prefs=prefs)

    def gradcheck() -> QWidget:
        from bpdesk.ui.panels.gradcheck import GradCheckPanel

        return GradCheckPanel(doc, jobs=window.jobs, prefs=prefs)

    def sweep() -> QWidget:
        from bpdesk.ui.panels.sweep import SweepPanel

        return SweepPanel(
            doc,
            jobs=window.jobs,
            prefs=prefs,
            ask_save_file=lambda *args: window.files.ask_save_file(*args),
            show_error=lambda *args: window.files.show_error(*args),
        )

    def pad() -> QWidget:
        from bpdesk.ui.panels.digits import DigitPadPanel

        return DigitPadPanel(doc, prefs=prefs)

    def mistakes() -> QWidget:
        from bpdesk.ui.panels.digits import MistakesPanel

        return MistakesPanel(doc, prefs=prefs)

    def confusion() -> QWidget:
        from bpdesk.ui.panels.confusion import ConfusionPanel

        return ConfusionPanel(doc, prefs=prefs)

    def race() -> QWidget:
        from bpdesk.ui.panels.race import RacePanel

        return RacePanel(doc, jobs=window.jobs, prefs=prefs)

    def math() -> QWidget:
        from bpdesk.ui.panels.math import MathPanel

        return MathPanel(doc, prefs=prefs)

    return {
        "build": lambda: Palette(doc),
        "learn": lambda: TourPanel(window.settings, prefs=prefs),
        "data": lambda: DataPanel(doc, prefs=prefs),
        "boundary": lambda: DecisionBoundaryPanel(doc, prefs=prefs),
        "chain_rule": lambda: ChainRulePanel(doc, prefs=prefs),
        "landscape": landscape,
        "math": math,
        "loss": lambda: LossPanel(doc, prefs=prefs),
        "gradient_flow": gradient_flow,
        "gradcheck": gradcheck,
        "sweep": sweep,
        "race": race,
        "predictions": lambda: PredictionsPanel(doc, prefs=prefs),
        "pad": pad,
        "mistakes": mistakes,
        "confusion": confusion,
    }
