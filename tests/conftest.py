"""Test set-up shared by every test: Qt runs offscreen (no screen needed)."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def special(tmp_path):
    """``special(kind, suffix)``: a hostile path of that kind (see hostile_files.SPECIAL)."""
    from hostile_files import make_special

    sockets = []
    yield lambda kind, suffix=".bpnet": make_special(kind, tmp_path, suffix, sockets)
    for server, path in sockets:
        server.close()
        path.unlink(missing_ok=True)
