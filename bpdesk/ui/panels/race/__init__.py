"""The "Race" dock: random search and nudging each weight against backprop, on one budget
of forward passes, live.

One job per module: :mod:`.job` (the race on the job runner), :mod:`.curves` (the loss
curves against passes and against seconds), :mod:`.panel` (the dock's view: the fields,
the buttons, the verdict).
"""

from bpdesk.ui.panels.race.curves import RaceCurves
from bpdesk.ui.panels.race.job import RaceJob, RaceOutcome
from bpdesk.ui.panels.race.panel import RacePanel

__all__ = ["RaceCurves", "RaceJob", "RaceOutcome", "RacePanel"]
