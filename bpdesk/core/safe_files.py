"""The user's files, read and written safely.

Reading. Only a regular file is opened: a folder, a device (``/dev/zero``,
``/dev/urandom``, also through a link) or a named pipe is refused at once,
never read without end or waited on. The kind is checked before opening (so
that a pipe is never opened) and again on what was opened (the name may have
changed in between); opening does not block (``O_NONBLOCK``), and a size cap
is checked before a byte is read.

Writing. A file is written to a temporary file next to it, flushed to disk
and renamed over it, so that a crash or a kill never leaves half a file. The
temporary's name says it is bpdesk's, and whose: ``.NAME.bpdesk-HOST-PID-XXXXXXXX.tmp``
(HOST a short hash of the machine's name, PID the writing process). One left
behind by a killed bpdesk is *stale* once its process is gone; the next save
of NAME removes it (and start-up does, in the autosave folder). Nothing else
is ever removed: only regular files of this user with exactly that form of
name, whose process is gone or that nothing has written to for a day.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

TEMPORARY_TAG = "bpdesk"
# A temporary nothing has written to for a day is stale, whatever its process.
STALE_SECONDS = 24 * 3600
_TEMPORARY = re.compile(
    rf"^\.(?P<name>.+)\.{TEMPORARY_TAG}-(?P<host>[0-9a-f]{{8}})-(?P<pid>[0-9]+)-[a-z0-9_]+\.tmp$"
)
# Opening a named pipe for reading waits for a writer unless it is non-blocking
# (there is no O_NONBLOCK on Windows: the check before opening stands alone there).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class NotAFileError(OSError):
    """The path names a folder, a device, a named pipe or a socket: never read."""


class FileTooLargeError(OSError):
    """The file is larger than the reader's cap (``size`` and ``limit`` in bytes)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(errno.EFBIG, f"it is {_megabytes(size)}; the limit is {_megabytes(limit)}")


def open_regular(path: str | os.PathLike[str], limit: int | None = None) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file of at most ``limit`` bytes.

    Raises :class:`NotAFileError` for anything but a regular file,
    :class:`FileTooLargeError` beyond ``limit``, and :class:`OSError` as
    opening does (no such file, no permission). The caller closes the file.
    """
    _check_kind(os.stat(path).st_mode)  # before opening: a pipe is never opened
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        _check_kind(info.st_mode)  # what was opened, should the name have changed since
        if limit is not None and info.st_size > limit:
            raise FileTooLargeError(info.st_size, limit)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (see :func:`open_regular`)."""
    with open_regular(path, limit) as f:
        data = f.read(limit + 1)  # a file that grew after the check still stops here
    if len(data) > limit:
        raise FileTooLargeError(len(data), limit)
    return data


def _check_kind(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise NotAFileError(errno.EISDIR, "it is a folder, not a file")
    if stat.S_ISFIFO(mode):
        what = "a named pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    else:
        what = "something other than a file"
    raise NotAFileError(errno.EINVAL, f"it is {what}, not a regular file")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size % 2**20 else f"{size // 2**20:,} MB"


# -- writing ---------------------------------------------------------------------------


def replace_atomically(
    path: str | os.PathLike[str], text: str, mode: int | None = None, encoding: str = "utf-8"
) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it.

    ``mode``: the permissions of the file written; by default those of the file
    it replaces, or what the umask gives a new file. Stale temporaries of an
    earlier save of ``path`` are removed first (see the module docstring).
    """
    with atomic_writer(path, mode, encoding) as f:
        f.write(text)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that wants a file name (an image
    library, say): what is written there replaces ``path`` when the block ends, and
    ``path`` is left as it was if the block raises. The temporary is empty and private
    (0600) when handed over; ``mode`` as for :func:`replace_atomically`.
    """
    path = Path(path)
    remove_stale_temporaries(path.parent, path.name)
    if mode is None:
        mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(path.name), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:  # on the disk before it takes the name
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_writer(
    path: str | os.PathLike[str],
    mode: int | None = None,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[TextIO]:
    """A text file to write ``path`` with: it replaces ``path`` when the block ends, and
    ``path`` is left as it was if the block raises (an unencodable text half-way, a full
    disk). ``mode`` as for :func:`replace_atomically`; ``newline`` as for :func:`open`
    (``""`` for the csv module).
    """
    with atomic_path(path, mode) as tmp, open(tmp, "w", encoding=encoding, newline=newline) as f:
        yield f


def temporary_prefix(name: str) -> str:
    """The start of the name of a temporary file this process writes on its way to ``name``."""
    return f".{name}.{TEMPORARY_TAG}-{_HOST}-{os.getpid()}-"


def remove_stale_temporaries(folder: str | os.PathLike[str], name: str | None = None) -> list[Path]:
    """Remove stale temporaries of bpdesk in ``folder`` (only those on the way to ``name``
    if given); returns those removed. Best effort: what cannot be removed stays."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or (name is not None and match["name"] != name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if _is_stale(info, match["host"], int(match["pid"])):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _is_stale(info: os.stat_result, host: str, pid: int) -> bool:
    if not stat.S_ISREG(info.st_mode):
        return False  # a link or a folder of that name is not a temporary we wrote
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False  # another user's
    # No save takes a day: one that old is stale whoever wrote it (a process of another
    # machine cannot be asked whether it lives, nor can one be asked safely on Windows).
    if time.time() - info.st_mtime > STALE_SECONDS:
        return True
    return host == _HOST and os.name == "posix" and not _process_alive(pid)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # a save of this process is under way
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


_HOST = _host_tag()
