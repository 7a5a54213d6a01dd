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
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

MARKER = ".thread-digest"
"""File in every output folder we write; a non-empty folder without it is never replaced."""
_MARKER_TEXT = b"thread-digest output folder; replaced whole by each build\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


IN_PLACE_MAX = 200
"""Changed files up to which a cached build updates the output folder in place (see `OutputFolder`)..."""
IN_PLACE_FROM = 2000
"""...when the site has at least this many files (a smaller one is swapped whole in a few milliseconds)."""


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
    """Replace `out` with exactly `files`, atomically (the whole site in memory: tests and small tools;
    a build streams its pages through an `OutputFolder` itself)."""
    folder = OutputFolder(out, update=False)
    try:
        for name in sorted(files):
            folder.put(name, files[name])
    except BaseException:
        folder.abort()
        raise
    return folder.commit(files)


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


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _count_removed(out: Path, files: Iterable[str]) -> int:
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


class OutputFolder:
    """The output folder as a build's `Output` (see incremental.py): pages go to disk as they are rendered.

    Rendered files whose bytes differ from the published ones are written into a staging folder beside
    `out`, so memory does not grow with the site; nothing in `out` changes before `commit()`, and `abort()`
    leaves it exactly as it was. Two ways to commit:

    - `update=False` (a build without a trusted cache): the staging folder becomes the whole new site, the
      files that did not change hard-linked from the old one, and the two folders are swapped in one step;
    - `update=True` (a build whose cache vouches for every file in `out`), a large site (`IN_PLACE_FROM`)
      and few changes (at most `IN_PLACE_MAX` files or 5% of the site): only the changed files are moved
      into `out`, one atomic rename each, and the removed ones deleted; files not rendered again are never
      touched. Linking a whole site again would cost more than the edit (about 1 s per 25,000 files). A
      build killed during those few renames leaves every file whole, and the cache already dropped, so the
      next build redoes the site by swapping.

    One writer per parent folder at a time (an advisory lock held from opening to commit or abort).
    """

    def __init__(self, out: Path, *, update: bool) -> None:
        self.out = Path(os.path.abspath(out))
        self.update = update and self.out.is_dir()
        self.written: set[str] = set()
        """Output files put with new bytes (in the staging folder until commit)."""
        self.updated_in_place = False
        """How `commit()` published: True when it moved the changed files into `out` one by one."""
        self._removed: set[str] = set()
        self._locks = ExitStack()
        parent = self.out.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {parent}: {exc.strerror}") from exc
        self._locks.enter_context(_exclusive(parent))
        try:
            recover_interrupted(self.out)
            _refuse_foreign(self.out)
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-", dir=parent))
        except OSError as exc:
            self._locks.close()
            raise OutputError(f"cannot write beside {self.out}: {exc.strerror}") from exc
        except BaseException:
            self._locks.close()
            raise
        self._made: set[str] = {str(self.staging)}
        """Folders known to exist in the staging folder."""
        self._had_site = self.out.is_dir()
        """Whether there are published files to compare with (not on a first build)."""

    @contextmanager
    def spool(self) -> Iterator[str]:
        """A scratch folder for the build's own use, inside the staging folder (so a killed build leaves one
        folder for the next to clear), removed before the commit."""
        folder = tempfile.mkdtemp(prefix=".thread-digest-spool-", dir=self.staging)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def put(self, name: str, data: bytes) -> bool:
        rel = os.path.join(*safe_relative(name).parts)
        self._removed.discard(name)
        if self._had_site and _same_bytes(self.out / rel, data):
            if name in self.written:
                self.written.discard(name)
                os.unlink(os.path.join(self.staging, rel))
            return False
        try:
            _write_new(self._folder_for(os.path.join(self.staging, rel)), data)
        except OSError as exc:
            raise OutputError(
                f"cannot write {self.out}: {exc.strerror or exc}; the previous site is unchanged"
            ) from exc
        self.written.add(name)
        return True

    def _folder_for(self, target: str) -> str:
        """`target`, once its folder in the staging folder exists (os calls, not pathlib: 25,000 files a build)."""
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        return target

    def remove(self, name: str) -> None:
        self._removed.add(name)

    def read(self, name: str) -> bytes:
        rel = safe_relative(name)
        folder = self.staging if name in self.written else self.out
        return folder.joinpath(*rel.parts).read_bytes()

    def commit(self, outputs: Iterable[str]) -> WriteStats:
        """Publish: `outputs` is every output file of the new site."""
        try:
            keep = set(outputs)
            few = len(self.written) + len(self._removed) <= max(IN_PLACE_MAX, len(keep) // 20)
            self.updated_in_place = self.update and few and len(keep) >= IN_PLACE_FROM
            removed = self._commit_update(keep) if self.updated_in_place else self._commit_swap(keep)
        except OSError as exc:
            raise OutputError(
                f"cannot write {self.out}: {exc.strerror or exc}; the previous site is unchanged"
            ) from exc
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            self._locks.close()
        return WriteStats(written=len(self.written), unchanged=len(keep) - len(self.written), removed=removed)

    def abort(self) -> None:
        """Leave `out` as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self._locks.close()

    def _commit_swap(self, keep: set[str]) -> int:
        for name in sorted(keep - self.written):
            rel = os.path.join(*safe_relative(name).parts)
            target, old = self._folder_for(os.path.join(self.staging, rel)), os.path.join(self.out, rel)
            try:
                os.link(old, target)
            except OSError:
                shutil.copyfile(old, target)
        marker, old_marker = self.staging / MARKER, self.out / MARKER
        if not (_same_bytes(old_marker, _MARKER_TEXT) and _try_link(old_marker, marker)):
            marker.write_bytes(_MARKER_TEXT)
        removed = _count_removed(self.out, keep) if self.out.is_dir() else 0
        _swap_in(self.staging, self.out)
        return removed

    def _commit_update(self, keep: set[str]) -> int:
        made: set[Path] = set()
        for name in sorted(self.written):
            rel = safe_relative(name)
            target = self.out.joinpath(*rel.parts)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(self.staging.joinpath(*rel.parts), target)
        removed = 0
        for name in sorted(self._removed - keep):
            path = self.out.joinpath(*safe_relative(name).parts)
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                continue
            folder = path.parent
            while folder != self.out and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        return removed


def _write_new(path: str, data: bytes) -> None:
    """Write a file that does not exist yet (the staging folder is new), with plain os calls."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def _try_link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
        return True
    except OSError:
        return False
