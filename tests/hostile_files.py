"""Hostile files for the tests: paths that are not regular files, and a read that must end.

The fuzzing pass of issue 13 fed bpdesk links to endless devices, named pipes
and folders as ``.bpnet`` and CSV files. :func:`make_special` makes each kind;
:func:`finishes` runs a read in a thread and fails the test (rather than hang
it) if the read is still going after a few seconds.
"""

import os
import socket
import threading
import time
from pathlib import Path

import pytest

posix_only = pytest.mark.skipif(os.name != "posix", reason="named pipes and /dev are POSIX")

# (kind, what the refusal says)
SPECIAL = [
    ("fifo", "it is a named pipe, not a regular file"),
    ("dev-zero", "it is a device, not a regular file"),
    ("dev-urandom", "it is a device, not a regular file"),
    ("dev-null", "it is a device, not a regular file"),
    ("folder", "it is a folder, not a file"),
    ("folder-link", "it is a folder, not a file"),
    ("socket", "it is a socket, not a regular file"),
]
SPECIAL_IDS = [kind for kind, _ in SPECIAL]


def make_special(kind: str, folder: Path, suffix: str, sockets: list) -> Path:
    """A path in ``folder`` (a socket: in /tmp, short) that is not a regular file."""
    path = folder / f"{kind}{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "folder-link":
        (folder / "real-folder").mkdir()
        path.symlink_to(folder / "real-folder")
    elif kind == "socket":
        # A socket's path must be short (about 100 bytes): not in pytest's deep tmp_path.
        path = Path(f"/tmp/bpdesk-test-{os.getpid()}-{time.monotonic_ns()}{suffix}")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        sockets.append((server, path))
    else:
        path.symlink_to(f"/dev/{kind.removeprefix('dev-')}")
    return path


def finishes(call, seconds: float = 10.0):
    """Run ``call()``; return what it raised (None if nothing), failing the test if it is
    still running after ``seconds`` (its thread is left behind; the test does not hang)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = call()
            outcome["error"] = None
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still reading after {seconds} s"
    return outcome["error"]
