"""The polite client: spacing, back-off, Retry-After, rate-limit windows, conditional requests, the budget.

Waits are recorded through `Fetcher.sleep` instead of slept, so these tests take no time and assert the
waits exactly; the requests go to a local server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from api_server import API, Answer, Seen, serve

from site_src.importers.http import Fetcher, FetchError, FetchOptions, prune_cache


@pytest.fixture
def api() -> Iterator[API]:
    with serve() as server:
        yield server


def fetcher(**options: object) -> tuple[Fetcher, list[float]]:
    waits: list[float] = []
    return Fetcher(FetchOptions(**options), sleep=waits.append), waits  # type: ignore[arg-type]


def test_requests_to_one_host_are_spaced(api: API) -> None:
    api.route("/a", Answer({"ok": 1}))
    client, waits = fetcher(delay=5.0)
    with client:
        client.get_json(f"{api.base}/a")
        client.get_json(f"{api.base}/a")
    assert len(waits) == 1 and 4.0 < waits[0] <= 5.0


def test_backoff_doubles_then_success(api: API) -> None:
    api.route("/a", [Answer({}, 500), Answer({}, 502), Answer({}, 504), Answer({"ok": 1})])
    client, waits = fetcher(delay=0.0, retries=3)
    with client:
        assert client.get_json(f"{api.base}/a") == {"ok": 1}
    assert waits == [1.0, 2.0, 4.0] and client.requests == 4


def test_retry_after_seconds_and_http_date(api: API) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    api.route("/a", [Answer({}, 503, {"Retry-After": "7"}), Answer({}, 429, {"Retry-After": when}), Answer({"ok": 1})])
    client, waits = fetcher(delay=0.0)
    with client:
        assert client.get_json(f"{api.base}/a") == {"ok": 1}
    assert waits[0] == 7.0 and 25 < waits[1] <= 30


def test_spent_rate_limit_window_holds_the_host(api: API) -> None:
    api.route("/a", Answer({"ok": 1}, 200, {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "9"}))
    client, waits = fetcher(delay=0.0)
    with client:
        client.get_json(f"{api.base}/a")
        client.get_json(f"{api.base}/a")
    assert len(waits) == 1 and 8 < waits[0] <= 9


def test_conditional_request_reuses_the_kept_body(api: API, tmp_path: Path) -> None:
    def answer(seen: Seen) -> Answer:
        if seen.headers.get("If-None-Match") == '"v1"':
            return Answer(b"", 304)
        return Answer({"version": 1}, 200, {"ETag": '"v1"'})

    api.route("/a", answer)
    for _ in range(2):
        client, _waits = fetcher(delay=0.0, cache_dir=tmp_path)
        with client:
            assert client.get_json(f"{api.base}/a") == {"version": 1}
    assert [s.headers.get("If-None-Match") for s in api.seen] == [None, '"v1"']


def _entries(folder: Path, sizes: dict[str, int], ages: dict[str, float], now: float) -> None:
    for name, size in sizes.items():
        path = folder / f"{name}.json"
        path.write_bytes(b"x" * size)
        os.utime(path, (now - ages[name], now - ages[name]))


def test_cache_is_pruned_by_age_then_by_size_least_recently_used_first(tmp_path: Path) -> None:
    now = 1_000_000_000.0
    day = 86400.0
    _entries(tmp_path, {"old": 10, "a": 400, "b": 300, "c": 200}, {"old": 40 * day, "a": 3, "b": 2, "c": 1}, now)
    (tmp_path / "notes.txt").write_text("not an entry")
    removed = prune_cache(tmp_path, max_bytes=600, max_age=30 * day, now=now)
    assert [p.name for p in removed] == ["old.json", "a.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json", "c.json", "notes.txt"]
    assert prune_cache(tmp_path, max_bytes=600, max_age=30 * day, now=now) == []


def test_fetcher_bounds_its_cache_and_keeps_what_it_used(api: API, tmp_path: Path) -> None:
    """A run that reuses an entry (304) marks it used: the entries it did not touch go first when the folder
    is over its size."""

    def answer(seen: Seen) -> Answer:
        if seen.headers.get("If-None-Match") == '"v1"':
            return Answer(b"", 304)
        return Answer({"body": "y" * 1000}, 200, {"ETag": '"v1"'})

    api.route("/a", answer)
    api.route("/b", answer)
    for path in ("/a", "/b"):
        client, _waits = fetcher(delay=0.0, cache_dir=tmp_path)
        with client:
            client.get_json(f"{api.base}{path}")
    kept = sorted(tmp_path.iterdir())
    assert len(kept) == 2
    for entry in kept:  # both look a day old
        os.utime(entry, (entry.stat().st_mtime - 86400, entry.stat().st_mtime - 86400))
    size = max(entry.stat().st_size for entry in kept)
    client, _waits = fetcher(delay=0.0, cache_dir=tmp_path, cache_max_bytes=size + 10)
    with client:
        client.get_json(f"{api.base}/a")  # a 304: /a's entry is used again
    [left] = list(tmp_path.iterdir())
    assert "/a" in left.read_text()


def test_budget_is_a_clear_error(api: API) -> None:
    api.route("/a", Answer({"ok": 1}))
    client, _waits = fetcher(delay=0.0, max_requests=1)
    with client:
        client.get_json(f"{api.base}/a")
        with pytest.raises(FetchError, match=r"request budget spent \(1 requests\)"):
            client.get_json(f"{api.base}/a")


def test_not_json_is_a_clear_error(api: API) -> None:
    api.route("/a", Answer(b"<html>a forum page</html>"))
    client, _waits = fetcher(delay=0.0)
    with client, pytest.raises(FetchError, match="the answer is not JSON"):
        client.get_json(f"{api.base}/a")
