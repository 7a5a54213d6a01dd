"""Polite HTTP for `digest import URL` and `digest refresh`: one kept client (httpx), rules of a good citizen.

In: URLs to GET (JSON APIs). Out: response bytes, or a `FetchError` a person can act on.

- A User-Agent naming thread-digest and its version; redirects followed (at most 5).
- Requests to one host are spaced (`delay` seconds apart, counted from the end of the last one); a spent
  rate-limit window (`X-Ratelimit-Remaining: 0`) or an API's `backoff` holds the host until it ends.
- `429` and `5xx` answers and network failures are retried (`retries` times) after the `Retry-After`
  the server asked for (seconds or an HTTP date) or an exponential back-off (1, 2, 4, ... s); a server
  that asks for longer than `max_wait` is not waited for: the error says when to try again.
- Every request has a timeout. `max_requests` bounds the requests of one run (retries count): the caller
  asks `budget_left()` before optional work.
- Conditional requests: with a `cache_dir`, each response's `ETag` / `Last-Modified` is kept beside its
  body, sent back as `If-None-Match` / `If-Modified-Since` next time, and a `304` reuses the kept body.
  The folder is bounded (`prune_cache`, when the fetcher closes): entries unused for `cache_max_age`
  seconds go, then the least recently used until it holds at most `cache_max_bytes`.
- A progress line on a terminal (`progress`), cleared when done.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from .. import version
from .common import MAX_WHOLE


def user_agent() -> str:
    """`thread-digest/<version> (...)`: who is asking, as APIs ask clients to say."""
    return f"thread-digest/{version()} (static digests of public discussions; python-httpx)"


_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_ANSWER = MAX_WHOLE
"""Bytes one answer may hold once decompressed, as a file read whole: past it the answer is refused."""


class FetchError(Exception):
    """A download that failed for good: `message` says what happened, `hint` what to try."""

    def __init__(self, url: str, message: str, hint: str = "", status: int | None = None) -> None:
        super().__init__(f"{url}: error: {message}" + (f" ({hint})" if hint else ""))
        self.url = url
        self.message = message
        self.hint = hint
        self.status = status
        """The HTTP status of the last answer, None when there was none."""


@dataclass(slots=True)
class FetchOptions:
    """How politely and how long to fetch."""

    delay: float | None = None
    """Seconds between two requests to one host; None: the source's own default (`Fetcher.get(delay=...)`)."""
    timeout: float = 30.0
    """Seconds to wait for a connection or for data."""
    retries: int = 4
    """Retries of one request after a 429, a 5xx or a network failure."""
    max_wait: float = 120.0
    """The longest `Retry-After` (or back-off) waited for; beyond it the request fails."""
    max_requests: int = 200
    """Requests one run may make (retries count)."""
    cache_dir: Path | None = None
    """Where validators and bodies are kept for conditional requests (None: none are made)."""
    cache_max_bytes: int = 64 << 20
    """The most the cache folder may hold once a run ends (least recently used entries go first)."""
    cache_max_age: float = 30 * 86400.0
    """Seconds an entry may go unused before it goes."""
    progress: TextIO | None = None
    """A terminal to show a progress line on (None: quiet)."""


@dataclass(slots=True)
class Fetcher:
    """One client for a run: spacing per host, retries, a request budget. Use as a context manager."""

    options: FetchOptions = field(default_factory=FetchOptions)
    requests: int = 0
    """Requests made so far."""
    sleep: Callable[[float], None] = time.sleep
    _client: httpx.Client | None = None
    _last: dict[str, float] = field(default_factory=dict)
    _hold: dict[str, float] = field(default_factory=dict)
    _label: str = ""
    _shown: bool = False

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.done()
        if self._client is not None:
            self._client.close()
            self._client = None
            if self.options.cache_dir is not None:
                prune_cache(self.options.cache_dir, self.options.cache_max_bytes, self.options.cache_max_age)
            self._client = None

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                headers={"User-Agent": user_agent(), "Accept": "application/json"},
                timeout=httpx.Timeout(self.options.timeout),
                follow_redirects=True,
                max_redirects=5,
            )
        return self._client

    def budget_left(self) -> int:
        return max(0, self.options.max_requests - self.requests)

    def status(self, label: str) -> None:
        """What the progress line says (the thread being fetched)."""
        self._label = label

    def done(self) -> None:
        """Clear the progress line."""
        if self._shown and self.options.progress is not None:
            self.options.progress.write("\r\033[K")
            self.options.progress.flush()
            self._shown = False

    def _show(self, url: str) -> None:
        stream = self.options.progress
        if stream is None:
            return
        line = f"{self._label or urlsplit(url).netloc}: request {self.requests}"
        stream.write("\r\033[K" + line[:100])
        stream.flush()
        self._shown = True

    def location(self, url: str, *, delay: float = 1.0) -> str | None:
        """Where `url` redirects to (one GET, not followed: a share link's thread), None when it does not."""
        request = httpx.Request("GET", url)
        if self.requests >= self.options.max_requests:
            raise FetchError(
                url, f"request budget spent ({self.options.max_requests} requests)", "raise --max-requests"
            )
        spacing = self.options.delay if self.options.delay is not None else delay
        self._wait_turn(request.url.host, spacing)
        self.requests += 1
        try:
            response, body = self._request(url, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise FetchError(url, f"cannot connect ({_reason(exc)})", "check the network and the address") from exc
        finally:
            self._last[request.url.host] = time.monotonic()
        if response.is_redirect:
            return str(response.url.join(response.headers.get("Location", "")))
        if response.status_code >= 400:
            raise _status_error(url, response, body)
        return None

    def _request(self, url: str, **options: Any) -> tuple[httpx.Response, bytes]:
        """One GET and its body, read (and decompressed) piece by piece: FetchError once it holds more than
        `MAX_ANSWER` bytes, before any more is read (a gzip bomb, an answer that never ends)."""
        with self.client().stream("GET", url, **options) as response:
            pieces: list[bytes] = []
            size = 0
            for piece in response.iter_bytes():
                size += len(piece)
                if size > MAX_ANSWER:
                    raise FetchError(
                        str(response.url),
                        f"the answer holds more than {MAX_ANSWER:,} bytes (decompressed)",
                        "is this the address of a thread?",
                        response.status_code,
                    )
                pieces.append(piece)
        return response, b"".join(pieces)

    def get_json(self, url: str, *, delay: float = 1.0, params: list[tuple[str, str]] | None = None) -> Any:
        """GET `url` and decode its JSON; FetchError when the answer is not JSON."""
        data = self.get(url, delay=delay, params=params)
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise FetchError(url, "the answer is not JSON", "is this the address of a thread?") from exc

    def get(self, url: str, *, delay: float = 1.0, params: list[tuple[str, str]] | None = None) -> bytes:
        """The body of a GET of `url`, retried and spaced as the module says. `delay`: the source's spacing."""
        request = httpx.Request("GET", url, params=list(params or []))
        shown = str(request.url)
        cached = self._cached(shown)
        headers: dict[str, str] = {}
        if cached is not None:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        spacing = self.options.delay if self.options.delay is not None else delay
        attempt = 0
        while True:
            if self.requests >= self.options.max_requests:
                raise FetchError(
                    shown, f"request budget spent ({self.options.max_requests} requests)", "raise --max-requests"
                )
            self._wait_turn(request.url.host, spacing)
            self.requests += 1
            self._show(shown)
            try:
                response, body = self._request(shown, headers=headers)
            except httpx.TimeoutException as exc:
                failure: FetchError = FetchError(
                    shown, f"no answer within {self.options.timeout:g} s", "the site may be slow or down; try later"
                )
                wait = self._backoff(attempt)
                cause: BaseException = exc
            except httpx.TooManyRedirects as exc:
                raise FetchError(
                    shown, "too many redirects", "open the address in a browser to see where it leads"
                ) from exc
            except httpx.HTTPError as exc:
                failure = FetchError(shown, f"cannot connect ({_reason(exc)})", "check the network and the address")
                wait = self._backoff(attempt)
                cause = exc
            else:
                self._last[request.url.host] = time.monotonic()
                self._note_limits(request.url.host, response)
                if response.status_code == 304 and cached is not None:
                    self._touch(shown)
                    return bytes.fromhex(cached["body"])
                if response.status_code < 300:
                    self._keep(shown, response, body)
                    return body
                if response.status_code not in _RETRY_STATUS:
                    raise _status_error(shown, response, body)
                failure = _status_error(shown, response, body)
                asked = _retry_after(response.headers.get("Retry-After"))
                if asked is None and response.status_code == 429:
                    asked = _number(response.headers.get("X-Ratelimit-Reset"))
                wait = asked if asked is not None else self._backoff(attempt)
                cause = failure
                if wait > self.options.max_wait:
                    raise FetchError(
                        shown,
                        f"{failure.message}; the server asks to wait {wait:.0f} s",
                        "try again later",
                        response.status_code,
                    )
            self._last[request.url.host] = time.monotonic()
            attempt += 1
            if attempt > self.options.retries:
                failure.message += f" (after {attempt} attempts)"
                raise FetchError(shown, failure.message, failure.hint, failure.status) from cause
            self.sleep(min(wait, self.options.max_wait))

    def _backoff(self, attempt: int) -> float:
        return float(min(2**attempt, self.options.max_wait))

    def hold(self, host: str, seconds: float) -> None:
        """Send nothing more to `host` for `seconds` (an API's `backoff`, a spent rate-limit window)."""
        until = time.monotonic() + min(seconds, self.options.max_wait)
        self._hold[host] = max(self._hold.get(host, 0.0), until)

    def _wait_turn(self, host: str, spacing: float) -> None:
        now = time.monotonic()
        last = self._last.get(host)
        ready = max(last + spacing if last is not None and spacing > 0 else now, self._hold.get(host, now))
        if ready > now:
            self.sleep(ready - now)

    def _note_limits(self, host: str, response: httpx.Response) -> None:
        """Reddit-style `X-Ratelimit-Remaining` / `-Reset`: when the window is spent, wait for the next one."""
        remaining = _number(response.headers.get("X-Ratelimit-Remaining"))
        reset = _number(response.headers.get("X-Ratelimit-Reset"))
        if remaining is not None and reset is not None and remaining < 1:
            self.hold(host, reset)

    def _cache_file(self, url: str) -> Path | None:
        folder = self.options.cache_dir
        return folder / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json") if folder is not None else None

    def _cached(self, url: str) -> dict[str, str] | None:
        path = self._cache_file(url)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("url") == url and "body" in data else None

    def _keep(self, url: str, response: httpx.Response, body: bytes) -> None:
        path = self._cache_file(url)
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if path is None or not (etag or modified):
            return
        record = {"url": url, "etag": etag or "", "last_modified": modified or "", "body": body.hex()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record), encoding="utf-8")
        except OSError:
            pass  # a cache that cannot be written only costs a full download next time

    def _touch(self, url: str) -> None:
        """Mark a kept entry as just used (`prune_cache` lets the least recently used go first)."""
        path = self._cache_file(url)
        try:
            if path is not None:
                path.touch()
        except OSError:
            pass


_CACHE_ENTRY = ".json"


def prune_cache(folder: Path, max_bytes: int, max_age: float, now: float | None = None) -> list[Path]:
    """Remove the cache entries of `folder` unused (by modification time) for more than `max_age` seconds,
    then the least recently used ones until the rest hold at most `max_bytes`; returns those removed. Only
    entry files (`<hash>.json`) are touched; one that cannot be read or removed is left alone."""
    moment = time.time() if now is None else now
    entries: list[tuple[float, str, int, Path]] = []
    try:
        with os.scandir(folder) as listing:
            for item in listing:
                if not item.name.endswith(_CACHE_ENTRY) or not item.is_file(follow_symlinks=False):
                    continue
                stat = item.stat(follow_symlinks=False)
                entries.append((stat.st_mtime, item.name, stat.st_size, Path(item.path)))
    except OSError:
        return []
    entries.sort()  # oldest first; the name breaks ties, so the same folder is pruned the same way
    total = sum(size for _, _, size, _ in entries)
    removed: list[Path] = []
    for used, _name, size, path in entries:
        if moment - used <= max_age and total <= max_bytes:
            break
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed.append(path)
    return removed


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:160]


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    """`Retry-After`: seconds, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _status_error(url: str, response: httpx.Response, body: bytes) -> FetchError:
    """What an error status means for a person, with what the body says (Reddit: `reason`)."""
    code = response.status_code
    reason = ""
    try:
        said = json.loads(body)
        if isinstance(said, dict):
            reason = str(said.get("reason") or said.get("error_name") or said.get("error") or "")
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    if code == 404:
        return FetchError(url, "not found (HTTP 404)", "the thread was deleted, or the address is not a thread", code)
    if code in (401, 403):
        what = {
            "private": "a private community",
            "quarantined": "a quarantined community",
            "banned": "a banned community",
        }
        told = what.get(reason.lower(), reason or "private, quarantined or login required")
        return FetchError(url, f"access refused (HTTP {code}: {told})", "only public threads can be imported", code)
    if code == 410:
        return FetchError(url, "gone (HTTP 410)", "the thread was deleted", code)
    if code == 429:
        return FetchError(url, "rate limited (HTTP 429)", "wait a while, or raise --delay", code)
    return FetchError(
        url, f"the server answered HTTP {code}" + (f" ({reason})" if reason else ""), "try again later", code
    )


def stderr_progress() -> TextIO | None:
    """stderr when it is a terminal (a progress line there helps), else None."""
    return sys.stderr if sys.stderr.isatty() else None
