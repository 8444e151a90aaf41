"""The "Sweep" dock: many networks of one architecture trained at once, from many seeds
and/or learning rates, and what became of each.

One job per module: :mod:`.job` (the sweep on the job runner), :mod:`.fan` (every
run's loss curve), :mod:`.summary` (the histogram and the learning-rate plot),
:mod:`.panel` (the dock's view: the fields, the buttons, the wiring).
"""

from bpdesk.ui.panels.sweep.fan import FanPlot
from bpdesk.ui.panels.sweep.job import SweepJob, SweepOutcome
from bpdesk.ui.panels.sweep.panel import SweepPanel
from bpdesk.ui.panels.sweep.summary import HistogramPlot, RatePlot

__all__ = ["FanPlot", "HistogramPlot", "RatePlot", "SweepJob", "SweepOutcome", "SweepPanel"]
