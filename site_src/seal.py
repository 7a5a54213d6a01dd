"""[cache] Seal what a build keeps for the next one, so that it loads only what this user's builds wrote.

`.digest-cache/` holds pickles and Jinja's compiled templates, and loading either runs code. The site folder is
not trusted that far: a `.digest-cache/` committed to a site's repository (`digest new` writes no `.gitignore`),
changed in a pull request, or shipped in a downloaded site would run its code on `digest build`. So each such file
starts with a keyed BLAKE2b MAC of the rest under a key kept outside every site, in the user's cache folder
(`$XDG_CACHE_HOME/thread-digest/cache.key`, else `~/.cache/thread-digest/cache.key`; 32 random bytes, mode 0600,
made on first use). `unseal` gives back the bytes only when the MAC matches: anything else is a file the build
did not write, and is not loaded (the build is a cold one). When no key can be read or made, nothing is sealed
(the cache is not written) and nothing unsealed (not read).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
from functools import cache

log = logging.getLogger(__name__)

MAGIC = b"thread-digest sealed 1\n"
MAC_SIZE = 32
KEY_SIZE = 32


def key_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "thread-digest", "cache.key")


@cache
def _key() -> bytes | None:
    """This user's key: read, or made (atomically: two builds starting at once agree on one); None when it
    cannot be either."""
    path = key_path()
    for _attempt in range(2):
        try:
            with open(path, "rb") as handle:
                key = handle.read(KEY_SIZE + 1)
            if len(key) == KEY_SIZE:
                return key
            log.info("the cache key %s is damaged: the build cache is not used", path)
            return None
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.info("cannot read the cache key %s (%s): the build cache is not used", path, exc.strerror)
            return None
        try:
            _make_key(path)
        except FileExistsError:
            continue  # another build made it first: read that one
        except OSError as exc:
            log.info("cannot make the cache key %s (%s): the build cache is not used", path, exc.strerror)
            return None
    return None


def _make_key(path: str) -> None:
    """Write a new key beside `path`, then link it into place: FileExistsError when one is already there."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with open(descriptor, "wb") as handle:
            handle.write(os.urandom(KEY_SIZE))
        os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _mac(key: bytes, payload: bytes | memoryview) -> bytes:
    return hashlib.blake2b(payload, key=key, digest_size=MAC_SIZE).digest()


def seal(payload: bytes | memoryview) -> bytes | None:
    """What to write in front of `payload` (the magic and its MAC: the file is then the two together); None
    when there is no key (then write nothing)."""
    key = _key()
    if key is None:
        return None
    return MAGIC + _mac(key, payload)


def unseal(data: bytes) -> memoryview | None:
    """The payload of a sealed file, or None when `data` was not sealed with this user's key."""
    key = _key()
    start = len(MAGIC) + MAC_SIZE
    if key is None or len(data) < start or not data.startswith(MAGIC):
        return None
    payload = memoryview(data)[start:]
    if not hmac.compare_digest(data[len(MAGIC) : start], _mac(key, payload)):
        return None
    return payload


def read_sealed(path: str | os.PathLike[str]) -> memoryview | None:
    """The payload of the file at `path`, or None when it was not sealed with this user's key (`OSError` when it
    cannot be read)."""
    with open(path, "rb") as handle:
        return unseal(handle.read())


def write_sealed(path: str | os.PathLike[str], payload: bytes | memoryview, temporary: str | os.PathLike[str]) -> bool:
    """Write `payload`, sealed, to `path` atomically: into `temporary`, a new file (never through a link left in its
    place), then renamed over `path`; `temporary` is removed when anything fails, and the error raised. False, and
    nothing written, when there is no key to seal with."""
    header = seal(payload)
    if header is None:
        return False
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        with open(os.open(temporary, flags, 0o644), "wb") as handle:
            handle.write(header)
            handle.write(payload)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True
