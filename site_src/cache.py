"""[cache] `.digest-cache/`: what the last build knew, so the next one redoes only what changed.

Its files are safe to delete (the folder as a whole too: the next build is then a cold one):

- `manifest.pickle` (small): the code version, the output folder, a quick fingerprint of every input
  (`quick_key`: the config, the stamp of every thread file, template and static file) and the stamp of every
  output file as the build left it. When the code, the inputs and the output folder are all as recorded,
  a build has nothing to do and stops there, without reading anything else;
- `state.pickle`: the `BuildState` (what each page was made from, what the site-wide enrichment shares across
  threads), loaded when something did change, with `sources-NN-*.pickle`: what each thread file gave and what
  the enrichment keeps about each thread, in `SHARDS` files by a hash of the file's path and of the thread's
  slug, so a build that changed a few threads writes again only the few shards that hold them (plus
  `state.pickle`). `state.pickle` names the shard files it goes with; a build writes new shard files before
  the `state.pickle` that names them, then removes those no longer named;
- `templates-<version>/`: compiled templates (Jinja's bytecode cache), one folder per code version.

The cache is trusted only as far as it is checked: a different code version (any source file of
thread-digest, or a library that shapes output) discards it, and an output file whose stamp (modification
time, size, inode) differs from the recorded one is made again. It is written after a build has published
its site, and removed before a build starts changing the output in place, so a killed build never leaves a
cache that vouches for files it did not write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import io
import logging
import os
import pickle
import shutil
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from .config import CACHE_DIR, SiteConfig
from .diagnostics import Problem
from .incremental import BuildState, SourceEntry, template_files
from .load import Stamp as ThreadStamp
from .load import file_stamp
from .pickling import dump
from .seal import read_sealed, write_sealed
from .themes import Theme

log = logging.getLogger(__name__)

MANIFEST = "manifest.pickle"
STATE = "state.pickle"
FORMAT = 3
"""Bump when the layout of the cache files changes."""
SHARDS = 64
"""Shard files: each holds the thread files' entries whose path, and the enrichment records whose slug, hash to
it."""
LIBRARIES = (
    "jinja2",
    "markupsafe",
    "markdown-it-py",
    "markdown-it-pyrs",
    "pagefind",
    "pyyaml",
    "stopwordsiso",  # its lists decide which words are keywords
)
"""Libraries whose version can change the output."""

Stamp = tuple[int, int, int]
"""(mtime_ns, size, inode) of an output file."""


@dataclass(slots=True)
class Manifest:
    """The small file: enough to tell that nothing changed."""

    code: str
    """`code_version()` of the build that wrote it."""
    output: str
    """Absolute output folder it describes."""
    quick: str
    """`quick_key` of the inputs it was built from."""
    outputs: dict[str, Stamp]
    """Every output file -> its stamp after the build."""
    threads: int = 0
    problems: list[Problem] = field(default_factory=list)
    """Warnings (and, with --keep-going, errors) of that build: a build with nothing to do reports them again."""


@cache
def code_version() -> str:
    """Fingerprint of this thread-digest: its own source files, Python and the libraries that shape output."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}\0{sys.version}\0".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-\0".encode())
    return h.hexdigest()


def cache_dir(config: SiteConfig) -> Path:
    return config.site_dir / CACHE_DIR


def refused(config: SiteConfig) -> Problem | None:
    """Why `.digest-cache` must not be used, if it must not: it is a symbolic link (pickles would be written,
    and other folders removed, wherever it points: issue 20), or not a folder. Such a build is a cold one
    and writes no cache; nothing is ever removed through the link."""
    folder = cache_dir(config)
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Problem(CACHE_DIR, 0, "warning", f"cannot be read ({exc.strerror}): the build is a cold one")
    if stat.S_ISLNK(mode):
        why = "is a symbolic link"
    elif not stat.S_ISDIR(mode):
        why = "is not a folder"
    elif folder.resolve().parent != config.site_dir.resolve():
        why = "resolves outside the site folder"
    else:
        return None
    return Problem(
        CACHE_DIR,
        0,
        "warning",
        f"{why}: not used (the build is a cold one and writes no cache)",
        "delete it; the next build makes a real folder",
    )


def template_cache(config: SiteConfig) -> str | None:
    """The folder for compiled templates of this code version (made if needed; None when it cannot be, or is
    not a real folder)."""
    folder = cache_dir(config) / _templates_name()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return None
    except OSError:
        return None
    return str(folder)


def quick_key(config: SiteConfig, theme: Theme, threads: dict[Path, ThreadStamp]) -> str:
    """Fingerprint of every input by stamp: the config, thread files (`discover`'s list with `stamp_files`'
    stamps), templates, static files, the theme."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(config).encode("utf-8"))
    h.update(repr((theme.name, [str(p) for p in theme.chain])).encode())
    h.update("\n".join(f"{path}\0{stamp}" for path, stamp in threads.items()).encode())
    files = template_files(theme, config.site_dir)
    for folder in [*(f / "static" for f in theme.chain), config.site_dir / "static"]:
        if folder.is_dir():
            files.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    for path in files:
        try:
            h.update(f"{path}\0{file_stamp(path.stat())}\n".encode())
        except OSError:
            h.update(f"{path}\0-\n".encode())
    return h.hexdigest()


def output_stamps(out: Path, names: list[str]) -> dict[str, Stamp]:
    """The stamp of each output file that exists (looked up relative to the folder: a third faster)."""
    stamps: dict[str, Stamp] = {}
    if os.stat not in os.supports_dir_fd or os.stat not in os.supports_follow_symlinks:  # Windows
        for name in names:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(out, name))
                stamps[name] = (st.st_mtime_ns, st.st_size, st.st_ino)
        return stamps
    try:
        folder = os.open(out, os.O_RDONLY)
    except OSError:
        return stamps
    stat = os.stat
    try:
        for name in names:
            try:
                st = stat(name, dir_fd=folder, follow_symlinks=False)
            except OSError:
                continue
            stamps[name] = (st.st_mtime_ns, st.st_size, st.st_ino)
    finally:
        os.close(folder)
    return stamps


def changed_outputs(out: Path, recorded: dict[str, Stamp]) -> list[str]:
    """Output files that are no longer as the cache recorded them (changed, replaced or gone)."""
    now = output_stamps(out, list(recorded))
    return sorted(name for name, stamp in recorded.items() if now.get(name) != stamp)


def load_manifest(config: SiteConfig) -> Manifest | None:
    """The manifest, if there is one written by this code for this output folder."""
    manifest = _load(cache_dir(config) / MANIFEST)
    if not isinstance(manifest, Manifest):
        return None
    if manifest.code != code_version() or manifest.output != str(config.output_path().resolve()):
        return None
    return manifest


def load_state(config: SiteConfig, listing: list[Path]) -> BuildState | None:
    """The state of the last build, its `sources` gathered from the shard files `state.pickle` names and keyed
    by the paths of `listing` (the thread files now: making a path object again for each costs more)."""
    folder = cache_dir(config)
    state = _load(folder / STATE)
    if not isinstance(state, BuildState) or len(state.stored) != SHARDS:
        return None
    listed = {str(path): path for path in listing}
    sources: dict[Path, SourceEntry] = {}
    for name in state.stored:
        shard = _load(folder / name)
        if not isinstance(shard, tuple):
            return None
        entries, records = shard
        for key, entry in entries.items():
            sources[listed.get(key) or Path(key)] = entry
        state.enrichment.restore(records)
    state.sources = sources
    state.paths = list(sources)  # the order of discovery comes back with the next listing
    state.changed = set()
    return state


def save(config: SiteConfig, manifest: Manifest, state: BuildState) -> None:
    """Write the shards that changed, `state.pickle`, then the manifest (each file atomically); a cache that
    cannot be written (a full disk) only costs the next build time, and leaves no partial file and no shard
    that `state.pickle` does not name."""
    folder = cache_dir(config)
    written: list[str] = []
    named = False
    try:
        folder.mkdir(exist_ok=True)
        for path in folder.glob("*.tmp"):  # what a killed build was writing
            _remove(path)
        stored = _save_shards(folder, state, written)
        shell = state.enrichment.shell()
        core = dataclasses.replace(state, paths=[], sources={}, changed=set(), stored=stored, enrichment=shell)
        _dump(folder / STATE, core)
        named = True
        state.stored, state.changed = stored, set()
        state.enrichment.clear_touched()
        for path in folder.glob("sources-*.pickle"):
            if path.name not in stored:
                path.unlink()
        for path in folder.glob("templates-*"):
            if path.name != _templates_name():
                _remove(path)
        _dump(folder / MANIFEST, manifest)
    except OSError as exc:
        if not named:
            for name in written:
                _remove(folder / name)
        log.warning("cannot write the build cache in %s: %s", folder, exc.strerror)


def _remove(path: Path) -> None:
    """Remove a file, a link or a folder tree, never through a link."""
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()


def _save_shards(folder: Path, state: BuildState, written: list[str]) -> list[str]:
    """Write the shards holding a changed entry or enrichment record (all when none are stored, or when the
    enrichment started again); return the file of every shard."""
    enrichment = state.enrichment
    fresh = len(state.stored) != SHARDS or enrichment.reset
    if fresh:
        dirty = set(range(SHARDS))
    else:
        dirty = {_shard(str(path)) for path in state.changed}
        dirty.update(_shard(slug) for slug in enrichment.changed_slugs())
    if not dirty:
        return state.stored
    entries: list[dict[str, SourceEntry]] = [{} for _ in range(SHARDS)]
    for path, entry in state.sources.items():
        key = str(path)
        number = _shard(key)
        if number in dirty:
            entries[number][key] = entry
    records: list[dict[str, tuple[object, ...]]] = [{} for _ in range(SHARDS)]
    for slug in enrichment.slugs():
        number = _shard(slug)
        if number in dirty:
            record = enrichment.record(slug)
            if record is not None:
                records[number][slug] = record
    generation = os.urandom(6).hex()
    stored = list(state.stored) if not fresh else [""] * SHARDS
    for number in sorted(dirty):
        stored[number] = f"sources-{number:02d}-{generation}.pickle"
        written.append(stored[number])
        _dump(folder / stored[number], (entries[number], records[number]))
    return stored


def _templates_name() -> str:
    """Compiled templates are kept per code version: how templates compile is part of it."""
    return f"templates-{code_version()[:16]}"


def _shard(path: str) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % SHARDS


def invalidate(config: SiteConfig) -> None:
    """Before the output changes in place: no manifest vouches for it until the build has finished."""
    with contextlib.suppress(OSError):
        (cache_dir(config) / MANIFEST).unlink()


def _load(path: Path) -> object:
    """Unpickle with the cyclic garbage collector paused, then freeze what was loaded: the state is hundreds of
    thousands of objects that live until the build ends, and scanning them again and again made loading
    three times slower (and every later collection slower too)."""
    try:
        payload = read_sealed(path)
        if payload is None:  # not written by this user's builds (seal.py): never unpickled
            log.info("ignoring the build cache %s: not sealed by this user's builds", path)
            return None
        with _no_gc():
            value = pickle.loads(payload)
        gc.freeze()
        return value
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged file: the build is simply a cold one
        log.info("ignoring the build cache %s: %s", path, exc)
        return None


def _dump(path: Path, value: object) -> None:
    """Write `value` to `path`, sealed (seal.py), atomically: into a new temporary file (never through a link
    left in its place), removed if the write fails. Nothing is written when there is no key to seal with."""
    buffer = io.BytesIO()
    with _no_gc():
        dump(value, buffer)
    temporary = path.with_name(path.name + ".tmp")
    _remove(temporary)
    write_sealed(path, buffer.getbuffer(), temporary)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


__all__ = [
    "CACHE_DIR",
    "Manifest",
    "cache_dir",
    "changed_outputs",
    "code_version",
    "invalidate",
    "load_manifest",
    "load_state",
    "output_stamps",
    "quick_key",
    "refused",
    "save",
]
