"""The frozen executable's entry point: the same command as ``bpdesk``."""

import multiprocessing
import sys

from bpdesk.cli import main

if __name__ == "__main__":
    # The window trains in a process of its own, started from this executable: here
    # that process is told apart from the command and sent to its work.
    multiprocessing.freeze_support()
    sys.exit(main())
