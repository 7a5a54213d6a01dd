"""The live preview without a browser: path resolution and its security, the injected script, the warm
incremental build (bytes identical to a cold build after edits), the event protocol over a real loopback socket."""

from __future__ import annotations

import gc
import http.client
import io
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from watchdog.events import FileClosedEvent, FileModifiedEvent, FileMovedEvent

from site_src.config import load_config
from site_src.diagnostics import Problem
from site_src.incremental import Rebuild, WarmSite
from site_src.pipeline import build
from site_src.serve import (
    EVENTS_PATH,
    DevHTTPServer,
    LiveSite,
    Rebuilder,
    _Console,
    _Events,
    _host_allowed,
    inject_script,
    is_editor_noise,
    resolve,
)

REPO = Path(__file__).resolve().parents[1]


def thread_md(title: str, body: str = "The post.", date: str = "2024-05-01", tags: str = "[alpha]") -> str:
    return (
        f"---\ntitle: {title}\nauthor: ann\ndate: {date}\ntags: {tags}\n---\n\n{body}\n\n"
        "--- comment id=c1 author=bob date=2024-05-02T10:00:00Z\nA first comment.\n\n"
        "--- comment id=c2 parent=c1 author=ann\nA reply.\n"
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "site.toml").write_text('title = "T"\nbase_url = "https://example.org/digest/"\nper_page = 2\n')
    for n, (title, date, tags) in enumerate(
        [("Bikes", "2024-01-03", "[cycling]"), ("Bread", "2024-02-04", "[baking, food]"), ("Maps", "2023-12-01", "[]")]
    ):
        (tmp_path / "content" / f"t{n}.md").write_text(thread_md(title, date=date, tags=tags))
    return tmp_path


def cold(site: Path) -> dict[str, bytes]:
    result = build(load_config(site), write=False, jobs=1)
    return result.files


def warm_site(site: Path) -> WarmSite:
    return WarmSite(lambda: load_config(site))


# --------------------------------------------------------------------------- the warm build


def test_warm_build_equals_cold_build_after_each_kind_of_change(site: Path) -> None:
    warm = warm_site(site)
    first = warm.rebuild()
    assert not first.errors
    assert first.files == cold(site)
    content = site / "content"
    steps = [
        (
            "append to a comment",
            lambda: (content / "t0.md").write_text(thread_md("Bikes", "More words.", "2024-01-03")),
        ),
        ("retitle", lambda: (content / "t1.md").write_text(thread_md("Sourdough", date="2024-02-04"))),
        ("new thread", lambda: (content / "t3.md").write_text(thread_md("Rivers", date="2025-01-01", tags="[maps]"))),
        ("delete", lambda: (content / "t2.md").unlink()),
        ("rename", lambda: (content / "t3.md").rename(content / "rivers.md")),
        ("new date reorders", lambda: (content / "t0.md").write_text(thread_md("Bikes", date="2026-01-01"))),
        ("site.toml", lambda: (site / "site.toml").write_text('title = "Other"\nper_page = 1\n')),
    ]
    for label, change in steps:
        change()
        result = warm.rebuild()
        assert not result.errors, label
        assert result.files == cold(site), label


def test_move_between_formats(site: Path) -> None:
    warm = warm_site(site)
    warm.rebuild()
    shutil.copy(REPO / "content" / "carvers-mill-iron-bridge.json", site / "content" / "bridge.json")
    warm.rebuild([site / "content" / "bridge.json"])
    (site / "content" / "bridge.json").unlink()
    shutil.copy(REPO / "content" / "community-garden-waitlist.txt", site / "content" / "bridge.txt")
    result = warm.rebuild([site / "content" / "bridge.json", site / "content" / "bridge.txt"])
    assert result.files == cold(site)
    assert "t/bridge/index.html" in result.files


def test_one_thread_edit_renders_only_its_pages(site: Path) -> None:
    warm = warm_site(site)
    before = warm.rebuild().files
    path = site / "content" / "t0.md"
    path.write_text(path.read_text() + "\nAn added line in the last comment.\n")
    result = warm.rebuild([path])
    after = cold(site)
    assert result.parsed == 1
    assert result.threads_changed == ["/t/t0/"]
    assert result.changed == sorted(n for n in after if before.get(n) != after[n])
    assert result.rendered <= len(result.changed) + 6  # and the pages that show its card as related
    assert result.files == after


def test_template_change_rerenders_with_the_site_template(site: Path) -> None:
    warm = warm_site(site)
    warm.rebuild()
    (site / "templates").mkdir()
    (site / "templates" / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    result = warm.rebuild([site / "templates" / "robots.txt"])
    assert result.files["robots.txt"] == b"User-agent: *\nDisallow: /\n"
    assert result.files == cold(site)


def test_a_new_site_override_of_a_thread_template_reaches_thread_pages(site: Path) -> None:
    """Thread pages are rendered by a Jinja environment kept between rebuilds: a site template added later that
    overrides the theme's must be looked up, not the theme's template the environment had already loaded."""
    warm = warm_site(site)
    assert b"OVERRIDE" not in warm.rebuild().files["t/t1/index.html"]
    (site / "templates").mkdir()
    (site / "templates" / "thread.html").write_text(
        '{% extends "!default/thread.html" %}{% block main %}<p>OVERRIDE</p>{{ super() }}{% endblock %}'
    )
    result = warm.rebuild([site / "templates" / "thread.html"])
    assert b"<p>OVERRIDE</p>" in result.files["t/t1/index.html"]
    assert result.files == cold(site)


def test_broken_file_keeps_last_good_thread_and_fixing_clears(site: Path) -> None:
    warm = warm_site(site)
    good = warm.rebuild().files["t/t1/index.html"]
    path = site / "content" / "t1.md"
    text = path.read_text()
    path.write_text("---\ntitle: [unclosed\n---\nbody\n")
    broken = warm.rebuild([path])
    assert [p.path for p in broken.errors] == ["content/t1.md"]
    assert broken.errors[0].line == 2
    assert broken.files["t/t1/index.html"] == good
    path.write_text(text + "\nFixed now.\n")
    fixed = warm.rebuild([path])
    assert not fixed.errors
    assert b"Fixed now." in fixed.files["t/t1/index.html"]
    assert fixed.files == cold(site)


def test_bad_site_toml_keeps_the_site(site: Path) -> None:
    warm = warm_site(site)
    files = warm.rebuild().files
    (site / "site.toml").write_text('tittle = "x"\n')
    result = warm.rebuild([site / "site.toml"])
    assert result.files is files
    assert [p.message for p in result.errors] == ["unknown key 'tittle'"]


# --------------------------------------------------------------------------- resolving request paths

FILES = {"index.html": b"home", "t/a/index.html": b"a", "static/style.css": b"css", "404.html": b"404"}


@pytest.mark.parametrize(
    ("path", "name", "redirect"),
    [
        ("/digest/", "index.html", ""),
        ("/digest/t/a/", "t/a/index.html", ""),
        ("/digest/t/a", "", "/digest/t/a/"),
        ("/digest/static/style.css", "static/style.css", ""),
        ("/", "", "/digest/"),
        ("/digest", "", "/digest/"),
        ("/other/", "", ""),
        ("/digest/missing/", "", ""),
    ],
)
def test_resolve(path: str, name: str, redirect: str) -> None:
    found = resolve(path, "/digest/", FILES)
    assert (found.name, found.redirect) == (name, redirect)


@pytest.mark.parametrize(
    "path",
    [
        "/digest/../etc/passwd",
        "/digest/t/../../etc/passwd",
        "/digest/%2e%2e/%2e%2e/etc/passwd",
        "/digest/%2E%2E%2f%2E%2E%2fetc%2fpasswd",
        "/digest/t/a/..%5c..%5cindex.html",
        "/digest/..\\..\\etc\\passwd",
        "/digest/./index.html",
        "/digest/index.html%00.css",
        "/digest//etc/passwd",
    ],
)
def test_traversal_is_refused(path: str) -> None:
    assert resolve(path, "/digest/", FILES).name == ""


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("LOCALHOST", True),
        ("evil.example:8000", False),
        ("127.0.0.1.evil.example", False),
        (None, True),
    ],
)
def test_host_check(host: str | None, allowed: bool) -> None:
    assert _host_allowed(host) is allowed


@pytest.mark.parametrize(
    ("name", "noise"),
    [("x.md", False), (".x.md.swp", True), ("4913", True), (".#x.md", True), ("x.md~", True), ("x.css", False)],
)
def test_editor_noise(name: str, noise: bool) -> None:
    assert is_editor_noise(f"/s/content/{name}") is noise


def test_script_is_injected_before_the_last_body_end() -> None:
    live = LiveSite(base_path="/")
    body = b"<html><body><p>&lt;/body&gt;</p></body></html>"
    out = inject_script(body, live, 3, ["index.html"])
    assert out.endswith(b"</script>\n</body></html>")
    assert b'data-epoch="3"' in out
    assert inject_script(b"<p>no body", live, 1, []).startswith(b"<p>no body<script")


def test_build_output_never_contains_the_script(site: Path) -> None:
    out = site / "public"
    build(load_config(site), jobs=1)
    assert all(b"__digest__" not in p.read_bytes() for p in out.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- the server over a loopback socket


@pytest.fixture
def server(site: Path) -> Iterator[tuple[DevHTTPServer, WarmSite, LiveSite]]:
    warm = warm_site(site)
    live = LiveSite(base_path="/digest/")
    live.publish(warm.rebuild())
    httpd = DevHTTPServer(("127.0.0.1", 0), live, check_host=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd, warm, live
    live.close()
    httpd.shutdown()
    httpd.server_close()


def get(httpd: DevHTTPServer, path: str, host: str = "127.0.0.1") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=5)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    return conn.getresponse()


def test_serves_pages_with_the_script_and_404s(server: tuple[DevHTTPServer, WarmSite, LiveSite]) -> None:
    httpd, _, live = server
    page = get(httpd, "/digest/t/t0/")
    body = page.read()
    assert page.status == 200 and page.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b'<script src="/__digest__/live.js"' in body
    assert live.files["t/t0/index.html"] in body.replace(
        body[body.index(b"<script src=") : body.index(b"</body>")], b""
    )
    css = get(httpd, "/digest/static/style.css")
    assert css.status == 200 and b"__digest__" not in css.read()
    missing = get(httpd, "/digest/nothing/here/")
    assert missing.status == 404 and b"__digest__" in missing.read()
    assert get(httpd, "/").getheader("Location") == "/digest/"
    assert get(httpd, "/digest/%2e%2e/%2e%2e/etc/passwd").status == 404
    assert get(httpd, "/digest/", host="attacker.example").status == 403


def test_event_stream_sends_hello_then_builds(server: tuple[DevHTTPServer, WarmSite, LiveSite], site: Path) -> None:
    httpd, warm, live = server
    conn = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=5)
    conn.request("GET", f"{EVENTS_PATH}?since={live.epoch}")
    stream = conn.getresponse()
    assert stream.getheader("Content-Type") == "text/event-stream"

    def next_event() -> dict[str, object]:
        while True:
            line = stream.readline()
            if line.startswith(b"data: "):
                return json.loads(line[6:])  # type: ignore[no-any-return]

    hello = next_event()
    assert hello["type"] == "hello" and hello["instance"] == live.instance
    path = site / "content" / "t0.md"
    path.write_text(path.read_text() + "\nNew words.\n")
    live.publish(warm.rebuild([path]))
    event = next_event()
    assert event["epoch"] == hello["epoch"] + 1  # type: ignore[operator]
    assert "t/t0/index.html" in event["changed"]  # type: ignore[operator]
    (site / "static").mkdir()
    (site / "static" / "style.css").write_text("body { color: red }\n")
    live.publish(warm.rebuild([site / "static" / "style.css"]))
    assert next_event()["css"] == ["static/style.css"]
    conn.close()


def test_reconnecting_stream_gets_missed_builds_or_a_reload(site: Path) -> None:
    live = LiveSite(base_path="/")
    for n in range(3):
        live.publish(Rebuild(files={}, changed=[f"f{n}"], problems=[]))
    assert [e["changed"] for e in live.events_since(1)] == [["f1"], ["f2"]]
    live.history.pop(2)
    assert live.events_since(1)[0]["reload"] is True


def test_console_prints_each_problem_once() -> None:
    err = io.StringIO()
    console = _Console(err, Path("sites/a"))
    problem = Problem("content/x.md", 2, "error", "invalid YAML")
    console.report(Rebuild(files={}, changed=[], problems=[problem]))
    console.report(Rebuild(files={}, changed=[], problems=[problem]))
    console.report(Rebuild(files={}, changed=[], problems=[]))
    console.report(Rebuild(files={}, changed=[], problems=[]))
    text = err.getvalue()
    assert text.count("sites/a/content/x.md:2: error: invalid YAML") == 1  # from the current folder
    assert text.count("errors fixed") == 1


def test_editing_a_file_counts_as_one_change_when_paths_are_relative(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site.parent)
    warm = WarmSite(lambda: load_config(Path(site.name)))
    warm.rebuild()
    path = site / "content" / "t2.md"
    path.write_text(path.read_text() + "\nmore\n")
    result = warm.rebuild([path])
    assert result.parsed == 1 and result.threads_changed == ["/t/t2/"]


# --------------------------------------------------------------------------- watching and debouncing


def test_events_say_when_a_save_is_finished() -> None:
    seen: list[tuple[list[str], bool]] = []
    handler = _Events(lambda paths, settled: seen.append((paths, settled)), lambda path, is_dir: True)
    handler.on_any_event(FileModifiedEvent("/s/content/one.md"))  # still being written
    handler.on_any_event(FileClosedEvent("/s/content/one.md"))  # written and closed
    handler.on_any_event(FileMovedEvent("/s/content/.one.md.tmp1", "/s/content/one.md"))  # atomic save
    handler.on_any_event(FileMovedEvent("/s/content/one.md", "/s/content/one.md~"))  # vim's backup: not done
    handler.on_any_event(FileClosedEvent("/s/content/.one.md.swp"))  # editor noise
    assert seen == [
        (["/s/content/one.md"], False),
        (["/s/content/one.md"], True),
        (["/s/content/.one.md.tmp1", "/s/content/one.md"], True),
        (["/s/content/one.md"], False),
    ]


class _CountingSite:
    """Stands in for `WarmSite`: records what each rebuild was asked to read."""

    def __init__(self) -> None:
        self.calls: list[set[Path]] = []
        self.done = threading.Event()

    def rebuild(self, touched: list[Path] | None = None) -> Rebuild:
        self.calls.append(set(touched or []))
        self.done.set()
        return Rebuild(files={}, changed=["t/one/index.html"], problems=[])


def test_a_burst_of_events_makes_one_rebuild_with_timing_marks() -> None:
    warm = _CountingSite()
    live = LiveSite(base_path="/")
    rebuilder = Rebuilder(warm, live, lambda result: None)  # type: ignore[arg-type]
    for n in range(30):  # before the thread starts: however slow the machine, this is one burst
        rebuilder.notify([f"/s/content/t{n % 3}.md"], settled=n % 2 == 1)
    rebuilder.start()
    try:
        assert warm.done.wait(5)
        with live.cond:
            assert live.cond.wait_for(lambda: live.epoch == 1, timeout=5)
    finally:
        rebuilder.stop()
    assert warm.calls == [{Path(f"/s/content/t{n}.md") for n in range(3)}]
    timing = live.history[1]["timing"]
    assert timing["event"] <= timing["start"] <= timing["published"]


def test_a_full_build_freezes_the_warm_state_out_of_the_cyclic_gc() -> None:
    rebuilder = Rebuilder(_CountingSite(), LiveSite(base_path="/"), lambda result: None)  # type: ignore[arg-type]
    try:
        rebuilder.build_now(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_issue_20_idle_connections_are_closed(
    server: tuple[DevHTTPServer, WarmSite, LiveSite], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import time

    from site_src.serve import DevRequestHandler

    assert DevRequestHandler.timeout is not None and 0 < DevRequestHandler.timeout <= 60
    monkeypatch.setattr(DevRequestHandler, "timeout", 0.3)
    httpd, _, _ = server
    idle = [socket.create_connection(("127.0.0.1", httpd.server_address[1]), timeout=5) for _ in range(3)]
    idle[1].sendall(b"GET /digest/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
    started = time.monotonic()
    for sock in idle:
        with sock:
            while sock.recv(4096):  # the server closes it (a 408 first, at most)
                pass
    assert time.monotonic() - started < 4
    assert get(httpd, "/digest/").status == 200


def test_issue_20_connections_past_the_cap_are_closed(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from site_src import serve as serve_module

    monkeypatch.setattr(serve_module, "MAX_CONNECTIONS", 2)
    live = LiveSite(base_path="/digest/")
    live.publish(warm_site(site).rebuild())
    httpd = DevHTTPServer(("127.0.0.1", 0), live, check_host=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        held = [socket.create_connection(("127.0.0.1", httpd.server_address[1]), timeout=5) for _ in range(2)]
        extra = socket.create_connection(("127.0.0.1", httpd.server_address[1]), timeout=5)
        with extra:
            assert extra.recv(4096) == b""  # closed at once, long before the idle timeout
        for sock in held:
            sock.close()
        for _ in range(100):  # the two threads end as their connections close
            try:
                if get(httpd, "/digest/").status == 200:
                    break
            except (ConnectionError, http.client.HTTPException):
                threading.Event().wait(0.05)
        else:
            raise AssertionError("the server never answered again")
    finally:
        live.close()
        httpd.shutdown()
        httpd.server_close()
