"""`digest import URL` reads a server's answer with a bound, as it reads a file.

Before: every answer was read whole into memory (`httpx.Client.get`), decompressed as it came: a forum (or
whatever a redirect leads to) answering with a gzip bomb or an endless body made the import hold all of it, so a
few kilobytes on the wire could take the machine's memory. Now the body is read in pieces and refused once it
holds more than `MAX_WHOLE` (1 GiB, the bound of a file read whole) decompressed: `URL: error: ...`, exit 1.
"""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from support import loopback_server

from site_src.importers import http
from site_src.importers.http import Fetcher, FetchError, FetchOptions

BOMB = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
"""64 MiB of zeros in about 64 KB."""


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        try:
            if self.path.startswith("/bomb"):
                self.send_response(200 if self.path == "/bomb" else 500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(BOMB)))
                self.end_headers()
                self.wfile.write(BOMB)
            elif self.path == "/endless":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()  # no length: the body ends when the connection does
                chunk = b" " * (1 << 20)
                for _ in range(1100):  # 1.1 GiB, more than the bound
                    self.wfile.write(chunk)
            else:
                self.send_response(302)
                self.send_header("Location", "/bomb")
                self.send_header("Content-Length", "0")
                self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what it should do

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    with loopback_server(_Hostile) as origin:
        yield origin


def _fetch(url: str) -> tuple[FetchError, int]:
    """The error of one fetch of `url`, and the most memory it held (traced)."""
    tracemalloc.start()
    try:
        with Fetcher(FetchOptions(delay=0.0, retries=0)) as fetcher, pytest.raises(FetchError) as info:
            fetcher.get_json(url)
        return info.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("path", ["/bomb", "/redirect", "/bomb-error"])
def test_a_gzip_bomb_is_refused_past_the_bound(server: str, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "MAX_ANSWER", 1 << 20, raising=False)
    error, peak = _fetch(server + path)
    assert str(error).startswith(f"{server}/bomb") or str(error).startswith(server + path)
    assert "the answer holds more than 1,048,576 bytes" in str(error)
    assert peak < 200 << 20  # one decompressed piece at most, not the whole answer


@pytest.mark.slow
def test_an_endless_answer_is_refused_at_1_gib(server: str) -> None:
    error, peak = _fetch(server + "/endless")
    assert "the answer holds more than 1,073,741,824 bytes" in str(error)
    assert peak < (1 << 30) + (256 << 20)
