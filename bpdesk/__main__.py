"""``python -m bpdesk`` runs the same command as ``bpdesk``."""

import sys

from bpdesk.cli import main

# Guarded: the training process starts by importing the main module again ("spawn"),
# and run as a file (python bpdesk/__main__.py) this is that module.
if __name__ == "__main__":
    sys.exit(main())
