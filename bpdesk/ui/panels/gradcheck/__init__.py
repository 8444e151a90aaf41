"""The "Gradient check" dock: backprop against central differences, counted and timed.

One job per module: :mod:`.job` (what is checked and what came of it, run on
the job runner), :mod:`.table` (the table of parameters), :mod:`.panel` (the
dock's view).
"""

from bpdesk.ui.panels.gradcheck.job import (
    NETWORK,
    SCALE_UP,
    SYNC_LIMIT,
    SYNC_WORK,
    CheckJob,
    CheckOutcome,
    scale_up_problem,
)
from bpdesk.ui.panels.gradcheck.panel import GradCheckPanel
from bpdesk.ui.panels.gradcheck.table import (
    BACKPROP,
    ERROR,
    NUMERICAL,
    PARAMETER,
    FailingFilter,
    GradCheckModel,
)

__all__ = [
    "BACKPROP",
    "ERROR",
    "NETWORK",
    "NUMERICAL",
    "PARAMETER",
    "SCALE_UP",
    "SYNC_LIMIT",
    "SYNC_WORK",
    "CheckJob",
    "CheckOutcome",
    "FailingFilter",
    "GradCheckModel",
    "GradCheckPanel",
    "scale_up_problem",
]
