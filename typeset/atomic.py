"""Write output files atomically: a reader (or the printing house's hot folder) sees either the
previous file or the complete new one, never a partial file, even if the process is killed.

On Linux the bytes go to an anonymous O_TMPFILE (no name, so a kill leaves nothing behind),
which is given a unique temporary name only once it is complete and then renamed over the
target. Elsewhere a named temporary file in the same folder is used and removed on failure.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flag = getattr(os, "O_TMPFILE", None)
    fd = None
    if flag is not None:
        try:
            fd = os.open(folder, flag | os.O_WRONLY, 0o644)
        except OSError:
            fd = None
    if fd is not None:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            linked = _link_fd(fd, tmp)
        finally:
            os.close(fd)
        if not linked:
            fd = None
    if fd is None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _link_fd(fd: int, name: Path) -> bool:
    """Give an O_TMPFILE a name: linkat(…, AT_SYMLINK_FOLLOW) on its /proc path. os.link makes
    that call when given a source folder (here /proc/self/fd itself; without one it calls
    link(), which does not follow the /proc link), so no ctypes is loaded (≈ 2 ms a run)."""
    try:
        folder = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        os.link(str(fd), name, src_dir_fd=folder, follow_symlinks=True)
        return True
    except (OSError, NotImplementedError):
        return False
    finally:
        os.close(folder)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
