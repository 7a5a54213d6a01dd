"""A local stand-in for the sources' APIs: a threaded HTTP server on 127.0.0.1 answering from a route table.

Each route is a path (with its query string, or without to match any query) -> an answer: an `Answer`,
a list of them (given in turn, the last one repeated) or a function of the request. Every request is
recorded. The server lives for one test (`serve()` as a context manager) and never leaves loopback.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    body: bytes | str | Any = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (a slow server)."""
    hold: threading.Event | None = None
    """Answer only once this is set (a server that does not answer, however long the client waits: a timeout
    that does not depend on how fast the machine is); the test sets it when done."""

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Route = Answer | list[Answer] | Callable[[Seen], Answer]


class API:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self._turns: dict[str, int] = {}
        self._lock = threading.Lock()
        self.base = ""

    def route(self, path: str, answer: Route) -> None:
        self.routes[path] = answer

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def wait_for_calls(self, path: str, count: int, timeout: float = 30.0) -> list[Seen]:
        """The calls to `path` once there are `count` (a request the client sent may reach the server's handler
        later than the client gave up on it, on a loaded machine); fewer if `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        while len(self.calls(path)) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.calls(path)

    def answer(self, raw_path: str, headers: dict[str, str]) -> Answer:
        parts = urlsplit(raw_path)
        seen = Seen(parts.path, parse_qs(parts.query), headers)
        with self._lock:
            self.seen.append(seen)
            key = raw_path if raw_path in self.routes else parts.path
            route = self.routes.get(key)
            if route is None:
                return Answer({"message": "Not Found", "error": 404}, 404)
            if isinstance(route, list):
                turn = self._turns.get(key, 0)
                self._turns[key] = turn + 1
                return route[min(turn, len(route) - 1)]
        if isinstance(route, Answer):
            return route
        return route(seen)


class _Handler(BaseHTTPRequestHandler):
    api: API

    def do_GET(self) -> None:
        answer = self.api.answer(self.path, {k: v for k, v in self.headers.items()})
        if answer.delay:
            time.sleep(answer.delay)
        if answer.hold is not None:
            answer.hold.wait(timeout=60)
        body = answer.encoded()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@contextmanager
def serve() -> Iterator[API]:
    """An API on 127.0.0.1 at a free port (`api.base`), stopped when the block ends."""
    api = API()
    handler = type("Handler", (_Handler,), {"api": api})
    server = _Server(("127.0.0.1", 0), handler)
    api.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
