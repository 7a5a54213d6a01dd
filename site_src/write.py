"""[write] {output file: bytes} -> the output folder, atomically.

The new site is filled into a folder beside the output, then the two folders are swapped in one step (Linux
`renameat2(RENAME_EXCHANGE)`; elsewhere two renames, with recovery at the next build). A killed or failed
build therefore leaves the previous complete site, or the new complete one: never a mix. Files whose bytes
did not change are hard links to the old files: same inode, same modification time, so sync tools and
static hosts upload only what changed.

The folder swapped out is kept beside the output as its spare (`.public.prev/site`, with a record of which
files differ between the two): the next build whose cache vouches for the output brings the spare up to
date with the files that changed since (moves and hard links, a few per edited thread) and swaps it in.
So a small edit of a large site costs what it changes, not a link per file of the site.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

MARKER = ".thread-digest"
"""File in every output folder we write; a non-empty folder without it is never replaced."""
_MARKER_TEXT = b"thread-digest output folder; replaced whole by each build\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


SPARE = ".prev"
"""Suffix of the spare folder beside the output (`.public.prev/`): `site/` in it, and `state.json` saying what
`site/` is."""
_SPARE_STATE = "state.json"

_HELD_LOCKS: set[int] = set()
"""Descriptors of the output locks this process holds: closed in every child forked while they are held."""


def _drop_inherited_locks() -> None:
    """In a forked child (a worker process): close the lock descriptors it got from its parent, so the lock goes
    when the parent goes, whatever happens to the child."""
    for descriptor in _HELD_LOCKS:
        with suppress(OSError):
            os.close(descriptor)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


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
    dies, so a killed build never leaves a stale lock. The descriptor is close-on-exec and is closed in every
    process forked while it is held (`_drop_inherited_locks`): worker processes never hold the lock. Where
    `fcntl` does not exist (Windows), builds are not serialised.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    _HELD_LOCKS.add(descriptor)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        _HELD_LOCKS.discard(descriptor)
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


def _removed_names(out: Path, keep: set[str]) -> list[str]:
    """Files of the published site that the new one does not have."""
    found: list[str] = []
    for root, _dirs, files in os.walk(out):
        prefix = os.path.relpath(root, out).replace(os.sep, "/")
        for name in files:
            full = name if prefix == "." else f"{prefix}/{name}"
            if full not in keep and full != MARKER:
                found.append(full)
    return sorted(found)


def _refuse_foreign(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(
            f"refusing to replace {out}: it is not empty and was not written by thread-digest (no {MARKER} file); "
            "empty it or choose another output folder"
        )


def _swap(new: Path, out: Path) -> Path | None:
    """Put the folder `new` at `out` in one step; return where the previous site is now (None: there was none)."""
    if not os.path.lexists(out):
        os.rename(new, out)
        return None
    if _exchange(new, out):
        return new  # `new` now holds the previous site
    aside = _fresh_name(out.parent, f".{out.name}.old-")
    os.rename(out, aside)  # a kill between these two renames is undone by `recover_interrupted`
    os.rename(new, out)
    return aside


def _fresh_name(folder: Path, prefix: str) -> Path:
    name = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    os.rmdir(name)
    return name


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
        if folder.name.startswith(f".{out.name}.old-") and not os.path.lexists(out) and not folder.is_symlink():
            os.rename(folder, out)
            log.info("restored the previous site from %s", folder)
            continue
        _remove(folder)


def _remove(path: Path | str) -> None:
    """Remove a file, a link or a folder tree; never follows a link (a link to a folder is unlinked, its
    target kept)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            os.unlink(path)


# --------------------------------------------------------------------------- the spare copy of the previous site


def spare_folder(out: Path) -> Path:
    """`.public.prev/` beside `out`: `site/` (the previous site, hard links to the files it shares with the
    published one) and `state.json` (which published folder it goes with, which files differ)."""
    return out.parent / f".{out.name}{SPARE}"


def _identity(path: Path) -> list[int]:
    st = os.lstat(path)
    return [st.st_dev, st.st_ino]


def _read_spare(out: Path) -> set[str] | None:
    """The names of the files that differ between the spare and the published site (also those only one of
    them has), when the spare is what its record says: both folders the very ones it names, real folders."""
    root = spare_folder(out)
    try:
        if not (stat.S_ISDIR(os.lstat(root).st_mode) and stat.S_ISDIR(os.lstat(root / "site").st_mode)):
            return None
        descriptor = os.open(root / _SPARE_STATE, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with open(descriptor, "rb") as handle:
            record = json.loads(handle.read())
        if record["out"] != _identity(out) or record["spare"] != _identity(root / "site"):
            return None
        delta = record["delta"]
        if not isinstance(delta, list) or not all(isinstance(name, str) for name in delta):
            return None
        for name in delta:
            safe_relative(name)
        return set(delta)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_spare_record(out: Path, delta: Iterable[str]) -> None:
    root = spare_folder(out)
    record = {"out": _identity(out), "spare": _identity(root / "site"), "delta": sorted(delta)}
    temporary = root / (_SPARE_STATE + ".tmp")
    _remove(temporary)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with open(descriptor, "wb") as handle:
        handle.write(json.dumps(record).encode())
    os.replace(temporary, root / _SPARE_STATE)


def _clear_spare(out: Path) -> Path:
    """An empty spare folder (what was there removed, never through a link); returns it."""
    root = spare_folder(out)
    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            os.unlink(root)  # a file or a link where our folder should be: the link goes, never its target
    except FileNotFoundError:
        pass
    os.makedirs(root, exist_ok=True)
    _remove(root / _SPARE_STATE)
    _remove(root / "site")
    return root


class OutputFolder:
    """The output folder as a build's `Output` (see incremental.py): pages go to disk as they are rendered.

    Rendered files whose bytes differ from the published ones are written into a staging folder beside
    `out`, so memory does not grow with the site; nothing in `out` changes before `commit()`, and `abort()`
    leaves it exactly as it was. The commit swaps a whole new folder in, in one step, in one of two ways:

    - `update=True` (a build whose cache vouches for every file in `out`) with a spare whose record holds
      (`.public.prev/`, the previous site): the spare is brought up to date (the changed files moved in
      from the staging folder, the files that differed between the two linked from `out`, the removed ones
      deleted), then swapped in; the site it replaces becomes the spare. Files not rendered again are never
      touched, and the cost follows the change, not the size of the site;
    - otherwise: the staging folder becomes the whole new site, the files that did not change hard-linked
      from the old one (about 1 s per 25,000 files), and is swapped in; the old site becomes the spare (on a
      first build, the new site is linked into a spare).

    One writer per parent folder at a time (an advisory lock held from opening to commit or abort).
    """

    def __init__(self, out: Path, *, update: bool) -> None:
        self.out = Path(os.path.abspath(out))
        self.update = update and self.out.is_dir()
        self.written: set[str] = set()
        """Output files put with new bytes (in the staging folder until commit)."""
        self.from_spare = False
        """How `commit()` published: True when it brought the spare up to date and swapped it in (every file
        not written kept its inode and stamp)."""
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
            self._mode = _folder_mode(self.out, self.staging)
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
            delta = _read_spare(self.out) if self.update else None
            self.from_spare = delta is not None
            removed = self._commit_spare(keep, delta) if delta is not None else self._commit_swap(keep)
        except OSError as exc:
            raise OutputError(
                f"cannot write {self.out}: {exc.strerror or exc}; the previous site is unchanged"
            ) from exc
        finally:
            self._release()
        return WriteStats(written=len(self.written), unchanged=len(keep) - len(self.written), removed=removed)

    def abort(self) -> None:
        """Leave `out` as it was."""
        self._release()

    def _release(self) -> None:
        try:
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:  # even when a signal stops the removal, the lock goes
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
        removed = _removed_names(self.out, keep) if self.out.is_dir() else []
        os.chmod(self.staging, self._mode)
        previous = _swap(self.staging, self.out)
        try:  # the new site is published: what follows only prepares the next build
            root = _clear_spare(self.out)
            if previous is None:
                _link_tree(self.out, root / "site")
                _write_spare_record(self.out, [])
            else:
                os.rename(previous, root / "site")
                _write_spare_record(self.out, self.written | set(removed))
        except OSError as exc:
            log.info("no spare copy of the site beside %s: %s", self.out, exc)
            _remove(spare_folder(self.out))
            if previous is not None:
                _remove(previous)
        return len(removed)

    def _commit_spare(self, keep: set[str], delta: set[str]) -> int:
        root = spare_folder(self.out)
        site = root / "site"
        os.unlink(root / _SPARE_STATE)  # from here until the new record, the spare is not trusted
        gone = self._removed - keep
        removed = sum(1 for name in gone if os.path.lexists(self.out.joinpath(*safe_relative(name).parts)))
        made: set[str] = {str(site)}
        for name in sorted(delta | self.written | gone):
            rel = os.path.join(*safe_relative(name).parts)
            target = os.path.join(site, rel)
            _remove(target)
            if name in self.written:
                os.rename(os.path.join(self.staging, rel), _make_parent(target, site, made))
            elif name in keep:
                source = os.path.join(self.out, rel)
                try:
                    os.link(source, _make_parent(target, site, made))
                except FileNotFoundError:
                    raise
                except OSError:
                    shutil.copyfile(source, target)
            else:
                _prune(os.path.dirname(target), site)
        os.chmod(site, self._mode)
        previous = _swap(site, self.out)
        try:
            if previous is not None and previous != site:
                os.rename(previous, site)  # two renames (no RENAME_EXCHANGE): the old site back to the spare
            _write_spare_record(self.out, self.written | gone)
        except OSError as exc:
            log.info("no spare copy of the site beside %s: %s", self.out, exc)
            _remove(root)
        return removed


def _folder_mode(out: Path, scratch: Path) -> int:
    """Mode of the new output folder: the current one's (a `chmod` by hand stays), or what a new folder gets
    under the umask (0777 minus the umask: a web server running as another user can read it)."""
    with suppress(OSError):
        st = os.lstat(out)
        if stat.S_ISDIR(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    probe = scratch / ".mode"
    os.mkdir(probe, 0o777)
    try:
        return stat.S_IMODE(os.lstat(probe).st_mode)
    finally:
        os.rmdir(probe)


def _make_parent(target: str, top: Path, made: set[str]) -> str:
    """`target`, once its folder exists under `top`; a file left where a folder must be is removed."""
    parent = os.path.dirname(target)
    if parent not in made:
        try:
            os.makedirs(parent, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            path = str(top)
            for part in os.path.relpath(parent, top).split(os.sep):
                path = os.path.join(path, part)
                if os.path.lexists(path) and not stat.S_ISDIR(os.lstat(path).st_mode):
                    os.unlink(path)
            os.makedirs(parent, exist_ok=True)
        made.add(parent)
    return target


def _prune(folder: str, top: Path) -> None:
    """Remove `folder` and its parents up to `top` while they are empty."""
    stop = str(top)
    while folder != stop and folder.startswith(stop):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)


def _link_tree(source: Path, target: Path) -> None:
    """`target`: a new folder of hard links to every file under `source` (OSError when links are not possible:
    a copy would double the disk used)."""
    os.mkdir(target)
    for root, dirs, files in os.walk(source):
        into = os.path.join(target, os.path.relpath(root, source))
        for name in dirs:
            os.mkdir(os.path.join(into, name))
        for name in files:
            os.link(os.path.join(root, name), os.path.join(into, name), follow_symlinks=False)


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
