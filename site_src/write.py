"""[write] {output file: bytes} -> the output folder, atomically.

The new site is filled into a temporary folder beside the output, then the
two folders are swapped in one step (Linux `renameat2(RENAME_EXCHANGE)`;
elsewhere two renames, with recovery at the next build). A killed or failed
build therefore leaves the previous complete site. Files whose bytes did not
change are hard links to the old files: same inode, same modification time,
so sync tools and static hosts upload only what changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

MARKER = ".thread-digest"
"""File in every output folder we write; a non-empty folder without it is never replaced."""
_MARKER_TEXT = b"thread-digest output folder; replaced whole by each build\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """The output folder cannot be written; the previous site is untouched."""


@dataclass(frozen=True, slots=True)
class WriteStats:
    written: int
    """Files whose bytes are new or changed."""
    unchanged: int
    """Files kept as they were (hard-linked)."""
    removed: int
    """Files of the previous site that the new one no longer has."""


def write_site(files: dict[str, bytes], out: Path) -> WriteStats:
    """Replace `out` with exactly `files`, atomically."""
    out = Path(os.path.abspath(out))
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {exc.strerror}") from exc
    with _exclusive(parent):
        recover_interrupted(out)
        _refuse_foreign(out)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
        except OSError as exc:
            raise OutputError(f"cannot write beside {out}: {exc.strerror}") from exc
        try:
            written, unchanged = _fill(staging, files, out)
            removed = _count_removed(out, files) if out.is_dir() else 0
            _swap_in(staging, out)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise OutputError(f"cannot write {out}: {exc.strerror or exc}; the previous site is unchanged") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return WriteStats(written=written, unchanged=unchanged, removed=removed)


@contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """One writer at a time per parent folder: a second build waits instead of removing the first one's files.

    An advisory `flock` on the folder itself (no lock file is left anywhere); the OS releases it when a process
    dies, so a killed build never leaves a stale lock. Where `fcntl` does not exist (Windows), builds are not
    serialised.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def safe_relative(name: str) -> PurePosixPath:
    """An output file name that stays inside the output folder, or ValueError."""
    rel = PurePosixPath(name)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts) or "\x00" in name:
        raise ValueError(f"unsafe output path {name!r}")
    return rel


def _fill(staging: Path, files: dict[str, bytes], out: Path) -> tuple[int, int]:
    written = unchanged = 0
    made: set[Path] = {staging}
    for name in sorted(files):
        rel = safe_relative(name)
        target = staging.joinpath(*rel.parts)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        data = files[name]
        old = out.joinpath(*rel.parts)
        if _same_bytes(old, data):
            try:
                os.link(old, target)
                unchanged += 1
                continue
            except OSError:
                pass
        target.write_bytes(data)
        written += 1
    marker, old_marker = staging / MARKER, out / MARKER
    if _same_bytes(old_marker, _MARKER_TEXT):
        try:
            os.link(old_marker, marker)
            return written, unchanged
        except OSError:
            pass
    marker.write_bytes(_MARKER_TEXT)
    return written, unchanged


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _count_removed(out: Path, files: dict[str, bytes]) -> int:
    keep = set(files) | {MARKER}
    return sum(1 for p in out.rglob("*") if p.is_file() and p.relative_to(out).as_posix() not in keep)


def _refuse_foreign(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(
            f"refusing to replace {out}: it is not empty and was not written by thread-digest (no {MARKER} file); "
            "empty it or choose another output folder"
        )


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step where the OS can (Linux renameat2)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def recover_interrupted(out: Path) -> None:
    """Undo what a killed build left: put a moved-away site back, drop temporary folders."""
    parent = out.parent
    if not parent.is_dir():
        return
    leftovers = sorted(parent.glob(f".{out.name}.old-*")) + sorted(parent.glob(f".{out.name}.tmp-*"))
    for folder in leftovers:
        if folder.name.startswith(f".{out.name}.old-") and not out.exists():
            os.rename(folder, out)
            log.info("restored the previous site from %s", folder)
            continue
        shutil.rmtree(folder, ignore_errors=True)
