"""bpdesk: see and touch backpropagation.

The learning engine lives in :mod:`bpdesk.core` (NumPy only); the Qt
application in :mod:`bpdesk.ui`; the ``bpdesk`` command in :mod:`bpdesk.cli`.
"""

__version__ = "0.1.0"
