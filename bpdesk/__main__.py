"""``python -m bpdesk`` runs the same command as ``bpdesk``."""

import sys

from bpdesk.cli import main

sys.exit(main())
