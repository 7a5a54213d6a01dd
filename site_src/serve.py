"""[serve] The live preview: a warm build served from memory, rebuilt on save, the browser told over SSE.

Shape (after MkDocs' livereload, with Hugo's serve-from-memory):

- `WarmSite` (incremental.py) builds the site into a dict of bytes; pages are
  served from that dict only, never from disk, so no request can reach a file
  outside the site, and nothing is ever injected into files in `public/`;
- a watchdog observer (or `--poll`) feeds changed paths to a `Rebuilder`
  thread that waits for a quiet moment (`SETTLED_S` after a finished save,
  `QUIET_S` while a write is under way), so a burst of events makes one
  rebuild; requests made while a build is pending wait for it;
- each finished build that changed something bumps an epoch and is published
  on `/__digest__/events` (Server-Sent Events) with the files it changed, the
  current errors and timing marks; the script injected into HTML responses
  (`/__digest__/live.js`), when its own file changed, fetches the page again
  and swaps its body and head in place (same document, same scroll position;
  a full reload when the page has scripts of its own, its stylesheets changed
  or anything fails), swaps changed stylesheets, shows errors as an overlay
  and reloads when the server restarted (another instance id). It fires
  `digest:event` (each event) and `digest:updated` (a swap done) on `window`.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import logging
import mimetypes
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, unquote, urlsplit

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from .config import CONFIG_NAME, SiteConfig
from .guard import crash_problem
from .incremental import Rebuild, WarmSite
from .themes import load_theme

log = logging.getLogger(__name__)

PREFIX = "/__digest__/"
"""Server-only paths (never part of the site): the event stream and the reload script."""
EVENTS_PATH = PREFIX + "events"
SCRIPT_PATH = PREFIX + "live.js"
QUIET_S = 0.05
"""Rebuild once no event came for this long..."""
SETTLED_S = 0.015
"""...or this long, when the last event finished a save: a file written and closed, or renamed into place
(an atomic save). A write still in progress (modified, not closed yet) waits `QUIET_S`."""
MAX_WAIT_S = 1.0
"""...or this long after the first event of a burst, whichever comes first."""
HOLD_S = 60.0
"""Longest a page request waits for a running build."""
KEEPALIVE_S = 15.0
"""An idle event stream sends a comment this often (finds closed tabs)."""
IDLE_S = 20.0
"""A connection that sends no complete request, or takes no data, for this long is closed (a tab that opened
a connection and never used it held a thread for good: issue 20)."""
MAX_CONNECTIONS = 64
"""Connections served at once (each holds a thread; an open tab holds one for its event stream); more are
closed at once."""
HISTORY = 64
"""Build events kept for streams that reconnect (`?since=epoch`)."""
REFREEZE_OBJECTS = 100_000
"""Objects the cyclic GC may track outside the frozen warm state before it is collected and frozen again."""
PORT_TRIES = 20
"""Ports tried after the default one when it is taken."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

_NOISE_SUFFIXES = (".swp", ".swx", ".swo", "~", ".tmp", ".part", ".crdownload", ".kate-swp")
_NOISE_PREFIXES = (".#", ".goutputstream-", "#")
_NOISE_NAMES = frozenset({"4913", ".DS_Store"})


def is_editor_noise(path: str) -> bool:
    """Temporary files editors make while saving (vim's `.swp`, `4913`, Emacs' `.#x`, `x~`, gedit's ...)."""
    name = os.path.basename(path)
    return name in _NOISE_NAMES or name.endswith(_NOISE_SUFFIXES) or name.startswith(_NOISE_PREFIXES)


# --------------------------------------------------------------------------- shared state


@dataclass(slots=True)
class LiveSite:
    """What is served now, and the build events: shared by the builder thread and the request threads."""

    base_path: str
    """The site's path under the server root (`/` or `/digest/`)."""
    site_dir: Path | None = None
    """The site folder problem paths are relative to (shown from the current folder); None: shown as they are."""
    navigate: bool = False
    """Send browsers to the page of the thread just edited."""
    instance: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    """Changes on every start of the server: browsers reload when it differs."""
    files: dict[str, bytes] = field(default_factory=dict)
    epoch: int = 0
    errors: list[str] = field(default_factory=list)
    """Current errors, formatted `path:line: error: message`."""
    history: dict[int, dict[str, Any]] = field(default_factory=dict)
    pending: bool = True
    """A build is running or about to: page requests wait."""
    closing: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)

    def expect_build(self) -> None:
        with self.cond:
            self.pending = True

    def publish(self, result: Rebuild, timing: dict[str, float] | None = None) -> dict[str, Any] | None:
        """Serve the result; returns the event sent to browsers (None when nothing they show changed).

        `timing` (wall-clock milliseconds: `event`, the first file event of the burst; `start`, the build's
        start) goes out with the event, with `published` added: where the time of a save went.
        """
        errors = [p.format(self.site_dir) for p in result.errors]
        with self.cond:
            self.files = result.files
            self.pending = False
            event = None
            if result.changed or errors != self.errors:
                self.epoch += 1
                self.errors = errors
                event = self._event(result)
                event["timing"] = {**(timing or {}), "published": round(time.time() * 1000, 1)}
                self.history[self.epoch] = event
                self.history.pop(self.epoch - HISTORY, None)
            self.cond.notify_all()
            return event

    def _event(self, result: Rebuild) -> dict[str, Any]:
        changed = result.changed
        css = [n for n in changed if n.endswith(".css")]
        assets = [n for n in changed if n.startswith("static/") and not n.endswith(".css")]
        navigate = ""
        if self.navigate and len(result.threads_changed) == 1:
            navigate = self.base_path + quote(result.threads_changed[0].lstrip("/"), safe="/-_.~")
        return {
            "type": "build",
            "instance": self.instance,
            "epoch": self.epoch,
            "changed": changed if len(changed) <= 2000 else [],
            "reload": bool(assets) or len(changed) > 2000,
            "css": css if len(css) == len(changed) else [],
            "navigate": navigate,
            "errors": self.errors,
        }

    def hello(self) -> dict[str, Any]:
        return {"type": "hello", "instance": self.instance, "epoch": self.epoch, "errors": self.errors}

    def events_since(self, since: int) -> list[dict[str, Any]]:
        """Build events after `since`; a reload order when some are no longer kept."""
        if since >= self.epoch:
            return []
        if since < 0 or any(e not in self.history for e in range(since + 1, self.epoch + 1)):
            return [{**self.hello(), "type": "build", "reload": True, "changed": [], "css": [], "navigate": ""}]
        return [self.history[e] for e in range(since + 1, self.epoch + 1)]

    def wait_ready(self, timeout: float = HOLD_S) -> None:
        """Hold a request while a build runs: up to `timeout`, or for as long as the first build takes."""
        with self.cond:
            while self.pending and not self.closing:
                if not self.cond.wait(timeout=timeout) and self.epoch > 0:
                    return

    def close(self) -> None:
        with self.cond:
            self.closing = True
            self.cond.notify_all()


# --------------------------------------------------------------------------- HTTP


class DevHTTPServer(ThreadingHTTPServer):
    """Threads per request (event streams stay open); daemon threads, so stopping never waits for a tab."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], live: LiveSite, check_host: bool) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.live = live
        self.check_host = check_host
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, DevRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):  # `MAX_CONNECTIONS` busy: this one is closed unanswered
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class DevRequestHandler(BaseHTTPRequestHandler):
    """GET and HEAD from the in-memory site; the event stream; the reload script."""

    server: DevHTTPServer
    server_version = "thread-digest"
    sys_version = ""
    timeout = IDLE_S
    """Seconds any read or write on the connection may wait (`socketserver.StreamRequestHandler`)."""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._respond(head=True)

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._respond(head=False)

    def _respond(self, head: bool) -> None:
        live = self.server.live
        if self.server.check_host and not _host_allowed(self.headers.get("Host")):
            self._send(HTTPStatus.FORBIDDEN, b"forbidden host\n", "text/plain; charset=utf-8", head)
            return
        parts = urlsplit(self.path)
        if parts.path == EVENTS_PATH:
            self._stream(parts.query, head)
            return
        if parts.path == SCRIPT_PATH:
            self._send(HTTPStatus.OK, LIVE_JS.encode(), "text/javascript; charset=utf-8", head)
            return
        live.wait_ready()
        with live.cond:
            files, epoch = live.files, live.epoch
        found = resolve(parts.path, live.base_path, files)
        if found.redirect:
            location = found.redirect + (f"?{parts.query}" if parts.query else "")
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        name = found.name or "404.html"
        body = files.get(name)
        if body is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", head)
            return
        kind = content_type(name)
        if kind.startswith("text/html"):
            watch = [found.name or found.wanted, *(["404.html"] if not found.name else [])]
            body = inject_script(body, live, epoch, watch)
        self._send(HTTPStatus.OK if found.name else HTTPStatus.NOT_FOUND, body, kind, head)

    def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _stream(self, query: str, head: bool) -> None:
        """Server-Sent Events: hello, missed builds since `?since=N`, then each build as it happens."""
        live = self.server.live
        since = _int_param(query, "since", -1)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if head:
            return
        try:
            with live.cond:
                pending = [live.hello(), *live.events_since(since)] if since >= 0 else [live.hello()]
                last = live.epoch
            self.wfile.write(b"retry: 500\n\n")
            while True:
                for event in pending:
                    self.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
                self.wfile.flush()
                with live.cond:
                    live.cond.wait_for(partial(_moved_on, live, last), timeout=KEEPALIVE_S)
                    if live.closing:
                        return
                    pending = live.events_since(last)
                    last = live.epoch
                if not pending:
                    self.wfile.write(b": keepalive\n\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return


@dataclass(frozen=True, slots=True)
class Resolved:
    """Where a request path leads in the in-memory site."""

    name: str = ""
    """Output file to serve; "" when there is none (serve 404.html)."""
    redirect: str = ""
    """Send the browser here instead (the base path, or a folder with its `/`)."""
    wanted: str = ""
    """The file the path asked for (even when missing): a 404 page reloads when it appears."""


def resolve(path: str, base_path: str, files: dict[str, bytes]) -> Resolved:
    """Request path -> output file name; looks only at `files`, so nothing outside the site can be named.

    `..`, `.`, backslashes and NUL (also percent-encoded) are refused outright, not normalised.
    """
    decoded = unquote(path)
    if "\\" in decoded or "\x00" in decoded:
        return Resolved()
    if not decoded.startswith(base_path):
        if decoded in ("/", base_path.rstrip("/")):
            return Resolved(redirect=base_path)
        return Resolved()
    rel = decoded[len(base_path) :]
    if any(part in (".", "..") for part in rel.split("/")):
        return Resolved()
    name = rel + "index.html" if rel == "" or rel.endswith("/") else rel
    if name in files:
        return Resolved(name=name, wanted=name)
    if f"{name}/index.html" in files:
        return Resolved(redirect=path + "/")
    return Resolved(wanted=name if rel.endswith("/") or "." in rel.rsplit("/", 1)[-1] else f"{name}/index.html")


def content_type(name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
        kind += "; charset=utf-8"
    if name.endswith(".xml"):
        kind = "application/xml; charset=utf-8"
    return kind


def inject_script(body: bytes, live: LiveSite, epoch: int, watch: list[str]) -> bytes:
    """The reload script tag, before the last `</body>` (or at the end): in the response only."""
    attrs = {
        "instance": live.instance,
        "epoch": str(epoch),
        "base": live.base_path,
        "files": " ".join(watch),
        "events": EVENTS_PATH,
    }
    data = "".join(f' data-{k}="{_attr(v)}"' for k, v in attrs.items())
    tag = f'<script src="{SCRIPT_PATH}"{data}></script>\n'.encode()
    at = body.lower().rfind(b"</body>")
    return body + tag if at < 0 else body[:at] + tag + body[at:]


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _moved_on(live: LiveSite, epoch: int) -> bool:
    return live.epoch > epoch or live.closing


def _host_allowed(host: str | None) -> bool:
    """DNS rebinding guard for a loopback server: the Host header must name the loopback."""
    if host is None:
        return True
    host = host.strip().lower()
    if host.startswith("["):
        name = host[: host.find("]") + 1]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in LOOPBACK_HOSTS


def _int_param(query: str, key: str, default: int) -> int:
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name == key:
            try:
                return int(value)
            except ValueError:
                return default
    return default


# --------------------------------------------------------------------------- watching and rebuilding


class _Events(FileSystemEventHandler):
    """Watchdog events -> paths for the rebuilder; opened events and editor temp files are ignored.

    A file closed after writing, or renamed onto a name the site reads, tells the rebuilder the save is done
    (`settled`): it then waits `SETTLED_S` for more, not `QUIET_S`.
    """

    def __init__(self, notify: Callable[[list[str], bool], None], wanted: Callable[[str, bool], bool]) -> None:
        self.notify = notify
        self.wanted = wanted

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind not in ("created", "modified", "deleted", "moved", "closed"):
            return
        if event.is_directory and kind == "modified":
            return
        paths = [_text(event.src_path)]
        dest = getattr(event, "dest_path", "")
        if kind == "moved" and dest:
            paths.append(_text(dest))
        keep = [p for p in paths if not is_editor_noise(p) and self.wanted(p, event.is_directory)]
        if keep:
            settled = kind == "closed" or (kind == "moved" and bool(dest) and keep[-1] == paths[-1])
            self.notify(keep, settled)


def _text(path: str | bytes) -> str:
    return os.fsdecode(path)


class Rebuilder:
    """Collects changed paths; after a quiet moment rebuilds once and publishes the result."""

    def __init__(self, warm: WarmSite, live: LiveSite, report: Callable[[Rebuild], None]) -> None:
        self.warm, self.live, self.report = warm, live, report
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._paths: set[str] = set()
        self._first = self._last = 0.0
        self._quiet = QUIET_S
        """How long the last event asks to wait for more."""
        self._first_wall = 0.0
        """Wall-clock time of the burst's first event (for the timing marks sent with the build)."""
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="digest-rebuild", daemon=True)
        self.after_build: Callable[[], None] = lambda: None

    def start(self) -> None:
        self._thread.start()

    def notify(self, paths: Iterable[str], settled: bool = False) -> None:
        """Files changed; `settled`: the event finished a save (rebuild sooner unless more come)."""
        now = time.monotonic()
        with self._lock:
            if not self._paths:
                self._first, self._first_wall = now, time.time()
            self._paths.update(paths)
            self._last = now
            self._quiet = SETTLED_S if settled else QUIET_S
        self.live.expect_build()
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=5)

    def build_now(self, paths: Iterable[Path] | None = None, first_event: float = 0.0) -> Rebuild:
        """Rebuild and publish; `first_event` is the wall-clock time of the event that asked for it."""
        self.live.expect_build()
        timing = {"start": round(time.time() * 1000, 1)}
        if first_event:
            timing["event"] = round(first_event * 1000, 1)
        try:
            result = self.warm.rebuild(paths)
        except Exception as exc:  # a bug must not kill the preview: keep serving, say what broke (terminal and overlay)
            log.exception("rebuild failed")
            problem = crash_problem("digest serve", 0, "the rebuild failed", exc)
            self.live.publish(Rebuild(changed=[], problems=[problem], files=self.live.files))
            raise
        event = self.live.publish(result, timing)
        if event is not None:
            log.debug("build %d timing (wall ms): %s", event["epoch"], event["timing"])
        self.report(result)
        self.after_build()
        if paths is None or len(gc.get_objects(generation=2)) > REFREEZE_OBJECTS:
            freeze_warm_state()
        return result

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait()
            self._wake.clear()
            while not self._stopping:
                with self._lock:
                    if not self._paths:
                        break
                    now = time.monotonic()
                    left = min(self._last + self._quiet - now, self._first + MAX_WAIT_S - now)
                    if left <= 0:
                        paths, self._paths, first = self._paths, set(), self._first_wall
                if left > 0:
                    self._wake.wait(left)
                    self._wake.clear()
                    continue
                with contextlib.suppress(Exception):  # logged by build_now; the next save tries again
                    self.build_now([Path(p) for p in paths], first)


def freeze_warm_state() -> None:
    """Collect once, then take what is left (mostly the warm site's state) out of the cyclic GC's sight.

    A rebuild allocates enough to set off full collections, and a full collection walks every object of the
    warm state: at 10,000 threads about 460,000 objects, pauses of up to 0.7 s in the middle of a rebuild.
    Frozen objects are still freed when nothing refers to them; cycles among them wait for the next freeze.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def watch_roots(config: SiteConfig, config_path: Path | None) -> tuple[list[Path], Path]:
    """Folders to watch recursively (content, templates, static, every theme in the chain) and the config file."""
    site = Path(os.path.abspath(config.site_dir))
    roots = [Path(os.path.abspath(config.content_path())), site / "templates", site / "static"]
    with contextlib.suppress(Exception):  # an unknown theme is reported by the build
        roots.extend(Path(os.path.abspath(p)) for p in load_theme(config.theme, config.site_dir).chain)
    config_file = Path(os.path.abspath(config_path or config.site_dir / CONFIG_NAME))
    return [r for r in dict.fromkeys(roots) if r.is_dir()], config_file


class Watcher:
    """The watchdog observer over the site's folders; follows a theme change in site.toml."""

    def __init__(self, rebuilder: Rebuilder, config_path: Path | None, poll: bool) -> None:
        self.rebuilder = rebuilder
        self.config_path = config_path
        self.observer: BaseObserver = PollingObserver(timeout=0.25) if poll else Observer()
        self._watches: dict[Path, ObservedWatch] = {}
        self._roots: list[Path] = []
        self._config_file = Path()
        self._handler = _Events(rebuilder.notify, self._wanted)

    def start(self, config: SiteConfig) -> None:
        self.sync(config)
        self.observer.start()

    def sync(self, config: SiteConfig | None) -> None:
        """Watch what `config` needs: called after each build (site.toml may have changed the theme)."""
        if config is None:
            return
        roots, self._config_file = watch_roots(config, self.config_path)
        wanted = {*roots, self._config_file.parent}
        for root in list(self._watches):
            if root not in wanted:
                self.observer.unschedule(self._watches.pop(root))
        for root in wanted:
            if root not in self._watches and root.is_dir():
                recursive = root != self._config_file.parent or root in roots
                self._watches[root] = self.observer.schedule(self._handler, str(root), recursive=recursive)
        self._roots = roots

    def _wanted(self, path: str, is_dir: bool) -> bool:
        target = Path(path)
        if target == self._config_file:
            return True
        if any(target == r or r in target.parents for r in self._roots):
            return True
        # the site folder itself is watched flat: a new templates/ or static/ folder matters
        return is_dir and target.parent == self._config_file.parent

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)


# --------------------------------------------------------------------------- the command


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    """Interface to bind; anything but loopback exposes the preview to the network."""
    port: int = 8000
    """0 lets the system choose."""
    port_given: bool = False
    """When the port was asked for, a taken port is an error instead of a reason to try the next one."""
    navigate: bool = False
    """Send the browser to the thread just edited."""
    poll: bool = False
    """Poll the file system instead of native events (network mounts, some containers)."""


def bind(options: ServeOptions, live: LiveSite) -> DevHTTPServer:
    """The server on the asked port, or (default port taken) the next free one."""
    loopback = options.host in LOOPBACK_HOSTS
    tries = 1 if options.port_given or options.port == 0 else PORT_TRIES
    for offset in range(tries):
        try:
            return DevHTTPServer((options.host, options.port + offset), live, check_host=loopback)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or offset == tries - 1:
                raise
    raise AssertionError("unreachable")


def server_url(server: DevHTTPServer, host: str, base_path: str) -> str:
    port = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    return f"http://{shown}:{port}{base_path}"


def serve(
    load: Callable[[], SiteConfig],
    options: ServeOptions,
    *,
    config_path: Path | None = None,
    out: TextIO,
    err: TextIO,
    ready: Callable[[str], None] | None = None,
) -> int:
    """Run the preview until Ctrl-C (or SIGTERM). `out` gets the URL (its first line), `err` problems and builds."""
    first = load()
    live = LiveSite(base_path=first.base_path, site_dir=first.site_dir, navigate=options.navigate)
    warm = WarmSite(load)
    console = _Console(err, first.site_dir)
    rebuilder = Rebuilder(warm, live, console.report)
    watcher = Watcher(rebuilder, config_path, options.poll)
    rebuilder.after_build = lambda: watcher.sync(warm.config)
    server = bind(options, live)
    url = server_url(server, options.host, live.base_path)
    print(f"serving {url}", file=out, flush=True)
    if options.host not in LOOPBACK_HOSTS:
        print(f"warning: serving on {options.host}: other machines can read this preview", file=err, flush=True)
    http_thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    http_thread.start()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even when started in background
    try:
        watcher.start(first)
        rebuilder.start()
        rebuilder.build_now(None)
        if ready is not None:
            ready(url)
        print("watching for changes; Ctrl-C stops", file=err, flush=True)
        while http_thread.is_alive():
            http_thread.join(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, interrupt)
        live.close()
        watcher.stop()
        rebuilder.stop()
        server.shutdown()
        server.server_close()
        print("stopped", file=err, flush=True)
    return 0


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class _Console:
    """Terminal output of the preview: each problem once, one line per rebuild."""

    def __init__(self, err: TextIO, site_dir: Path) -> None:
        self.err = err
        self.site_dir = site_dir
        self.shown: set[str] = set()

    def report(self, result: Rebuild) -> None:
        current = [p.format(self.site_dir) for p in result.problems]
        for text in current:
            if text not in self.shown:
                print(text, file=self.err)
        had_errors = any(": error: " in t for t in self.shown)
        if had_errors and not result.errors:
            print("errors fixed", file=self.err)
        self.shown = set(current)
        pages = f"{len(result.changed)} file{'s' * (len(result.changed) != 1)} changed"
        print(
            f"built in {result.seconds * 1000:.0f} ms: {pages}, {result.rendered} rendered, {result.parsed} parsed",
            file=self.err,
            flush=True,
        )


# --------------------------------------------------------------------------- the browser side

LIVE_JS = r"""
(() => {
  "use strict";
  const me = document.currentScript;
  if (!me || window.__digestLive) return;
  window.__digestLive = true;
  const instance = me.dataset.instance;
  const base = me.dataset.base;
  const files = new Set((me.dataset.files || "").split(" ").filter(Boolean));
  let epoch = Number(me.dataset.epoch);
  let source = null;
  let errorsShown = [];
  let updating = false;
  let again = false;

  function fileOf(path) {
    let p;
    try { p = decodeURIComponent(path); } catch (e) { return ""; }
    if (!p.startsWith(base)) return "";
    p = p.slice(base.length);
    return p === "" || p.endsWith("/") ? p + "index.html" : p;
  }

  // The overlay lives in a shadow root with its own complete styles: nothing of the page's CSS reaches it
  // (`all: initial` on the host stops inheritance), and it reads at WCAG AA in light and dark schemes.
  const OVERLAY_CSS = `
    :host { all: initial; position: fixed; inset: auto 0 0 0; z-index: 2147483647; display: block; }
    .box { max-height: 60vh; overflow: auto; box-sizing: border-box; margin: 0; padding: 12px 16px;
      background: #fff5f5; color: #3b0d0d; border-top: 4px solid #c62828;
      box-shadow: 0 -4px 16px rgba(0, 0, 0, .25); font: 14px/1.45 ui-monospace, Menlo, Consolas, monospace;
      text-align: left; }
    .head { display: flex; justify-content: space-between; align-items: center; gap: 12px;
      font: bold 14px/1.45 system-ui, sans-serif; color: inherit; }
    pre { margin: 8px 0 0; padding: 0; white-space: pre-wrap; background: transparent; color: inherit;
      font: inherit; border: 0; }
    button { all: unset; cursor: pointer; font: 20px/1 system-ui, sans-serif; color: inherit; padding: 2px 8px;
      border-radius: 4px; }
    button:focus-visible { outline: 3px solid currentColor; outline-offset: 1px; }
    @media (prefers-color-scheme: dark) {
      .box { background: #2b0b0b; color: #ffe1e1; border-top-color: #ff6b6b;
        box-shadow: 0 -4px 16px rgba(0, 0, 0, .6); }
    }`;

  function overlay(errors) {
    errorsShown = errors;
    let host = document.getElementById("__digest_errors");
    if (!errors.length) { if (host) host.remove(); return; }
    if (!host) {
      host = document.createElement("div");
      host.id = "__digest_errors";
      host.setAttribute("role", "alert");
      host.style.cssText = "all:initial;position:fixed;inset:auto 0 0 0;z-index:2147483647;display:block";
      const root = host.attachShadow({mode: "open"});
      const style = document.createElement("style");
      style.textContent = OVERLAY_CSS;
      root.append(style);
      document.body.appendChild(host);
    }
    const root = host.shadowRoot;
    for (const old of root.querySelectorAll(".box")) old.remove();
    const box = document.createElement("div");
    box.className = "box";
    const head = document.createElement("div");
    head.className = "head";
    const title = document.createElement("span");
    title.textContent = `Build failed (${errors.length} error${errors.length === 1 ? "" : "s"}); ` +
      "showing the last good version. Fix and save to clear this.";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Hide build errors");
    close.onclick = () => host.remove();
    head.append(title, close);
    const pre = document.createElement("pre");
    pre.textContent = errors.join("\n");
    box.append(head, pre);
    root.append(box);
  }

  function swapCss(changed) {
    const wanted = new Set(changed);
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin || !wanted.has(fileOf(url.pathname))) continue;
      url.searchParams.set("__digest", String(epoch));
      const fresh = link.cloneNode();
      fresh.href = url.pathname + url.search;
      fresh.onload = fresh.onerror = () => link.remove();
      link.after(fresh);
    }
  }

  // ---- updating the page in place: the new body and head, same scroll position, no new document

  function runs(script) {  // would the browser run this script element?
    const type = (script.getAttribute("type") || "").trim().toLowerCase();
    return type === "" || type === "module" || /(java|ecma|j)script/.test(type);
  }

  function ownScripts(doc) {  // what would need to run again: scripts (but this one) and inline handlers
    const scripts = [...doc.scripts].filter((s) => runs(s) && s.getAttribute("src") !== me.getAttribute("src"));
    const handlers = [doc.documentElement, doc.body].some(
      (el) => el && [...el.attributes].some((a) => a.name.startsWith("on")));
    return scripts.length > 0 || handlers;
  }

  function kept(node) {  // head elements left in place: styles (swapCss updates them)
    return node.nodeType === 1 && (node.matches('link[rel~="stylesheet"], style, base'));
  }

  function styleKey(doc) {  // the head's styles, as they would load (the reload marker of swapCss left out)
    const keys = [];
    for (const node of doc.head.children) {
      if (!kept(node)) continue;
      let key = node.outerHTML;
      if (node.matches("link")) {
        const url = new URL(node.getAttribute("href") || "", location.href);
        url.searchParams.delete("__digest");
        key = `${url.href} ${node.media} ${node.getAttribute("rel")}`;
      }
      if (keys[keys.length - 1] !== key) keys.push(key);  // an old and a fresh link while swapCss works
    }
    return keys.join("\n");
  }

  function swapIn(doc) {  // false: the page needs a real reload
    if (!doc.body || !doc.head || ownScripts(document) || ownScripts(doc)) return false;
    if (styleKey(doc) !== styleKey(document)) return false;
    const body = document.importNode(doc.body, true);
    for (const script of body.querySelectorAll("script")) {
      if (script.getAttribute("src") === me.getAttribute("src")) script.remove();
    }
    const fresh = [...doc.head.childNodes].filter((n) => !kept(n));
    const stale = [...document.head.childNodes].filter((n) => !kept(n));
    const html = (nodes) => nodes.map((n) => n.nodeType === 1 ? n.outerHTML : n.textContent).join("");
    if (html(fresh) !== html(stale)) {
      for (const node of stale) node.remove();
      document.head.append(...fresh.map((n) => document.importNode(n, true)));
    }
    const root = document.documentElement;
    for (const attr of [...root.attributes]) {
      if (!doc.documentElement.hasAttribute(attr.name)) root.removeAttribute(attr.name);
    }
    for (const attr of doc.documentElement.attributes) root.setAttribute(attr.name, attr.value);
    const x = scrollX, y = scrollY;
    document.body.replaceWith(body);
    if (scrollX !== x || scrollY !== y) scrollTo(x, y);
    overlay(errorsShown);
    return true;
  }

  async function update() {
    // fetch this page again and swap it in; reload on anything unexpected
    if (updating) { again = true; return; }
    updating = true;
    const timing = {asked: Date.now()};
    try {
      do {
        again = false;
        const res = await fetch(location.href, {cache: "no-store", credentials: "same-origin"});
        const kind = res.headers.get("Content-Type") || "";
        if (!res.ok || res.redirected || !kind.startsWith("text/html")) throw new Error("not a page");
        const text = await res.text();
        timing.fetched = Date.now();
        if (!swapIn(new DOMParser().parseFromString(text, "text/html"))) throw new Error("needs a reload");
      } while (again);
      updating = false;
      timing.swapped = Date.now();
      window.dispatchEvent(new CustomEvent("digest:updated", {detail: {epoch, timing}}));
    } catch (e) {
      location.reload();
    }
  }

  function handle(event) {
    window.dispatchEvent(new CustomEvent("digest:event", {detail: event}));
    if (event.instance !== instance) { location.reload(); return; }
    overlay(event.errors || []);
    if (event.type === "hello") return;
    if (event.epoch <= epoch) return;
    epoch = event.epoch;
    if (event.reload) { location.reload(); return; }
    if (event.navigate && event.navigate !== location.pathname) { location.assign(event.navigate); return; }
    const changed = event.changed || [];
    const css = changed.filter((name) => name.endsWith(".css"));
    if (css.length) swapCss(css);
    if (changed.some((name) => files.has(name))) update();
  }

  function connect() {
    if (source) return;
    source = new EventSource(`${me.dataset.events}?since=${epoch}`);
    source.onmessage = (message) => handle(JSON.parse(message.data));
  }
  function disconnect() { if (source) { source.close(); source = null; } }
  // a hidden tab gives its connection back (browsers allow six per host)
  document.addEventListener("visibilitychange", () => document.hidden ? disconnect() : connect());
  window.addEventListener("pagehide", disconnect);
  connect();
})();
"""
