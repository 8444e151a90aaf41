"""Safe file reading and writing: only regular files, a size cap, recognisable temporaries.

The hostile files here are the ones a fuzzing pass fed bpdesk: links to endless
devices, named pipes, folders. Reading one must be refused at once (a pipe
would block forever, a device would fill the memory), which each test checks by
running the read in a thread that must finish within seconds.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_files import SPECIAL, SPECIAL_IDS, finishes, posix_only

from bpdesk.core import safe_files
from bpdesk.core.safe_files import (
    FileTooLargeError,
    NotAFileError,
    open_regular,
    read_regular,
    remove_stale_temporaries,
    replace_atomically,
    temporary_prefix,
)


@posix_only
@pytest.mark.parametrize(("kind", "message"), SPECIAL, ids=SPECIAL_IDS)
def test_anything_but_a_regular_file_is_refused_at_once(special, kind, message):
    path = special(kind)
    for read in (lambda: read_regular(path, 2**20), lambda: open_regular(path).close()):
        error = finishes(read)
        assert isinstance(error, NotAFileError)
        assert error.strerror == message


def test_a_regular_file_and_a_link_to_one_are_read(tmp_path):
    path = tmp_path / "a.bpnet"
    path.write_bytes(b"hello")
    link = tmp_path / "link.bpnet"
    link.symlink_to(path)
    assert read_regular(path, 5) == b"hello"
    assert read_regular(link, 5) == b"hello"
    with open_regular(link, 5) as f:
        assert f.read() == b"hello"


def test_a_file_over_the_cap_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.bpnet"
    path.write_bytes(b"x" * (3 * 2**20 + 1))
    with pytest.raises(FileTooLargeError) as info:
        read_regular(path, 3 * 2**20)
    assert (info.value.size, info.value.limit) == (3 * 2**20 + 1, 3 * 2**20)
    assert info.value.strerror == "it is 3.0 MB; the limit is 3 MB"
    assert read_regular(path, 3 * 2**20 + 1) == b"x" * (3 * 2**20 + 1)


def test_a_file_that_grows_after_the_check_is_still_read_only_up_to_the_cap(tmp_path, monkeypatch):
    path = tmp_path / "growing.bpnet"
    path.write_bytes(b"x" * 100)
    real_fstat = os.fstat

    def stale_fstat(fd):  # the size as it was when checked: 10 bytes
        s = real_fstat(fd)
        fields = (s.st_mode, s.st_ino, s.st_dev, s.st_nlink, s.st_uid, s.st_gid, 10)
        return os.stat_result((*fields, s.st_atime, s.st_mtime, s.st_ctime))

    monkeypatch.setattr(safe_files.os, "fstat", stale_fstat)
    with pytest.raises(FileTooLargeError, match="limit"):
        read_regular(path, 50)


def test_a_missing_file_is_an_ordinary_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "nope", 10)


# -- writing and temporaries ---------------------------------------------------------------


def test_an_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "a.bpnet"
    path.write_text("old")
    path.chmod(0o640)
    replace_atomically(path, "new")
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == 0o640
    replace_atomically(path, "private", mode=0o600)
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bpnet"]


def test_a_new_file_gets_what_the_umask_gives(tmp_path):
    old = os.umask(0o027)
    try:
        replace_atomically(tmp_path / "new.bpnet", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.bpnet").stat().st_mode & 0o777 == 0o640


def test_the_temporary_is_named_as_ours(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(safe_files.os, "replace", replace)
    replace_atomically(tmp_path / "work.bpnet", "x")
    (name,) = seen
    assert name.startswith(temporary_prefix("work.bpnet"))
    assert name.startswith(f".work.bpnet.bpdesk-{safe_files._HOST}-{os.getpid()}-")
    assert name.endswith(".tmp")
    assert safe_files._TEMPORARY.match(name)["name"] == "work.bpnet"


def dead_pid() -> int:
    """The id of a process that has ended (and not been reused yet, almost surely)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def temporary(folder: Path, target: str, pid: int, host: str | None = None) -> Path:
    path = folder / f".{target}.bpdesk-{host or safe_files._HOST}-{pid}-a1b2_c3d.tmp"
    path.write_text("half a file")
    return path


def test_a_stale_temporary_goes_on_the_next_save_of_its_file_only(tmp_path):
    gone = dead_pid()
    stale = temporary(tmp_path, "work.bpnet", gone)
    other_file = temporary(tmp_path, "other.bpnet", gone)
    replace_atomically(tmp_path / "work.bpnet", "saved")
    assert not stale.exists()
    assert other_file.exists()  # another file's: its own save (or start-up) clears it
    assert remove_stale_temporaries(tmp_path) == [other_file]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work.bpnet"]


def test_what_is_not_a_stale_temporary_of_ours_is_never_removed(tmp_path):
    gone = dead_pid()
    keep = [
        temporary(tmp_path, "work.bpnet", os.getpid()),  # this process, saving
        temporary(tmp_path, "work.bpnet", os.getppid()),  # a live process
        temporary(tmp_path, "work.bpnet", gone, host="0123abcd"),  # another machine's, recent
    ]
    for name in [
        ".work.bpnet.a1b2c3d4.tmp",  # an older bpdesk's, or anyone's
        "work.bpnet",
        f"work.bpnet.bpdesk-{safe_files._HOST}-{gone}-a1b2c3d4.tmp",  # no leading dot
        f".work.bpnet.bpdesk-{safe_files._HOST}-{gone}-a1b2c3d4.tmp.bak",
        f".work.bpnet.bpdesk-nothex!-{gone}-a1b2c3d4.tmp",
        f".work.bpnet.bpdesk-{safe_files._HOST}-x{gone}-a1b2c3d4.tmp",
    ]:
        (tmp_path / name).write_text("not ours")
        keep.append(tmp_path / name)
    # A link and a folder with our kind of name are not temporaries we wrote.
    target = tmp_path / "precious.txt"
    target.write_text("precious")
    link = tmp_path / f".work.bpnet.bpdesk-{safe_files._HOST}-{gone}-aaaaaaaa.tmp"
    link.symlink_to(target)
    folder = tmp_path / f".work.bpnet.bpdesk-{safe_files._HOST}-{gone}-bbbbbbbb.tmp"
    folder.mkdir()
    keep += [target, link, folder]
    replace_atomically(tmp_path / "work.bpnet", "saved")
    assert remove_stale_temporaries(tmp_path) == []
    assert all(p.exists() or p.is_symlink() for p in keep)
    assert target.read_text() == "precious"


def test_a_day_old_temporary_is_stale_whoever_wrote_it(tmp_path):
    old = [
        temporary(tmp_path, "work.bpnet", os.getppid(), host="0123abcd"),
        temporary(tmp_path, "work.bpnet", os.getppid()),  # its pid reused since
    ]
    day_ago = time.time() - safe_files.STALE_SECONDS - 60
    for path in old:
        os.utime(path, (day_ago, day_ago))
    assert sorted(remove_stale_temporaries(tmp_path, "work.bpnet")) == sorted(old)


@posix_only
def test_a_save_killed_half_way_leaves_a_temporary_the_next_save_removes(tmp_path):
    path = tmp_path / "work.bpnet"
    # A save that stops for good just before the rename, then is killed (as in the
    # fuzzing pass: 84 kills left 41 temporaries, 727 MB).
    script = (
        "import os, sys, time\n"
        "from bpdesk.core import safe_files\n"
        "safe_files.os.fsync = lambda fd: time.sleep(120)\n"
        "safe_files.replace_atomically(sys.argv[1], 'x' * 100000)\n"
    )
    saver = subprocess.Popen([sys.executable, "-c", script, str(path)])
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(".work.bpnet.bpdesk-*.tmp")):
            assert time.monotonic() < deadline, "the save never started"
            time.sleep(0.05)
    finally:
        saver.kill()
        saver.wait()
    (left,) = tmp_path.glob(".work.bpnet.bpdesk-*.tmp")
    assert not path.exists()
    replace_atomically(path, "saved")
    assert not left.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work.bpnet"]
