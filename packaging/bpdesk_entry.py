"""The frozen executable's entry point: the same command as ``bpdesk``."""

import sys

from bpdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
