"""The build cache runs no code that this user's builds did not write.

Before: `.digest-cache/` (in the site folder: `digest new` writes no `.gitignore`, so it can be committed, changed
in a pull request, or come with a downloaded site) held plain pickles and Jinja bytecode, loaded by every build:
a `manifest.pickle` whose `__reduce__` calls `os.mkdir` ran it on `digest build`. Now every cache file is sealed
with a key kept outside the site (`seal.py`); a file that is not is never unpickled or loaded, and the build is
a cold one with the same output.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2.bccache import bc_magic
from support import make_project

from site_src import seal
from site_src.cli import main


class _Payload:
    """Unpickling it makes the folder `path`: proof that code from the file ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (os.mkdir, (str(self.path),))


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A key folder of the test's own (and no key remembered from another test)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    seal._key.cache_clear()
    yield tmp_path / "user-cache" / "thread-digest" / "cache.key"
    seal._key.cache_clear()


def _site(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "site",
        {"content/a.md": "---\ntitle: A\ntags: [x]\n---\n\nThe post.\n", "content/b.md": "---\ntitle: B\n---\n\nB.\n"},
        'base_url = "https://example.org/"\n',
    )


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _output(site: Path) -> dict[str, bytes]:
    return _files(site / "public")


def test_planted_pickles_and_bytecode_never_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path)
    assert main(["build", str(site), "-q"]) == 0
    cache = site / ".digest-cache"
    planted = sorted(p for p in cache.rglob("*") if p.is_file())
    assert any(p.name == "manifest.pickle" for p in planted) and any(
        p.parent.name.startswith("templates-") for p in planted
    )
    marks = []
    for number, path in enumerate(planted):
        mark = tmp_path / f"ran-{number}"
        marks.append(mark)
        payload = pickle.dumps(_Payload(mark))
        # Jinja's bytecode files start with its magic, then a pickled checksum
        path.write_bytes(bc_magic + payload if path.parent.name.startswith("templates-") else payload)
    (site / "content" / "b.md").write_text("---\ntitle: B\n---\n\nB, edited.\n", encoding="utf-8")
    assert main(["build", str(site), "-q"]) == 0
    assert [m.name for m in marks if m.exists()] == []
    assert main(["build", str(site), "-q", "--no-cache", "-o", str(tmp_path / "cold")]) == 0
    assert _output(site) == _files(tmp_path / "cold")  # the same site as a cold build
    assert "Traceback" not in capsys.readouterr().err


def test_the_sealed_cache_is_used(tmp_path: Path, own_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path)
    assert main(["build", str(site)]) == 0
    assert own_key.is_file() and own_key.stat().st_size == seal.KEY_SIZE
    assert oct(own_key.stat().st_mode & 0o777) == "0o600"
    assert all(p.read_bytes().startswith(seal.MAGIC) for p in (site / ".digest-cache").rglob("*") if p.is_file())
    capsys.readouterr()
    (site / "content" / "b.md").write_text("---\ntitle: B\n---\n\nB, edited.\n", encoding="utf-8")
    assert main(["build", str(site)]) == 0
    assert "1 thread read" in capsys.readouterr().err  # the other thread came from the cache


def test_another_key_means_a_cold_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache sealed by someone else (another user's key, or one copied with the site) is not read."""
    site = _site(tmp_path)
    assert main(["build", str(site), "-q"]) == 0
    first = _output(site)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    seal._key.cache_clear()
    state = (site / ".digest-cache" / "state.pickle").read_bytes()
    assert seal.unseal(state) is None
    assert main(["build", str(site), "-q"]) == 0
    assert _output(site) == first


def test_without_a_key_no_cache_is_read_or_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    seal._key.cache_clear()
    site = _site(tmp_path)
    assert main(["build", str(site), "-q"]) == 0
    assert main(["build", str(site), "-q"]) == 0
    assert [p for p in (site / ".digest-cache").rglob("*") if p.is_file()] == []
    assert "t/a/index.html" in _output(site)
