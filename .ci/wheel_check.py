"""The distribution as a user gets it: build the sdist and (from it) the wheel, check what the wheel holds,
install it into a fresh venv outside the repository, and from an empty folder run `digest new`, `build`,
`check`, `import` (a real Reddit export from ../shared/corpus) and `serve` answering one request.

Run with the repository's venv (it needs `build` and `setuptools>=77`, both in the `test` extra):

    .venv/bin/python .ci/wheel_check.py [--shared PATH] [--keep]

Prints each command and the tail of its output; exits 1 at the first failure. `tests/test_wheel.py` runs it
in the test suite, so `bash .ci/test` (what CI runs) proves it on every push. The fresh venv installs the
wheel's dependencies from the package index (pip's cache makes a second run quick).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REDDIT_EXPORT = Path("corpus") / "reddit-json" / "praw_54hhwl_redditdev_deep_chain.json"
"""A whole Reddit thread as its `.json` URL returns it (~20 KB)."""
TIMEOUT = 300
"""Seconds any one step may take (the venv's `pip install` fetches the dependencies)."""


class CheckFailed(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (default: ../shared)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    options = parser.parse_args(argv)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="digest-wheel-check-")).resolve()
    try:
        if tmp.is_relative_to(REPO):
            raise CheckFailed(f"temporary folder {tmp} is inside the repository")
        wheel = build_distributions(tmp / "dist")
        check_wheel_contents(wheel)
        digest = install_fresh(wheel, tmp / "venv")
        use_installed(digest, tmp / "work", options.shared)
    except CheckFailed as exc:
        print(f"wheel check: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if options.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"wheel check: passed in {time.monotonic() - started:.1f} s")
    return 0


def run(cmd: list[str | Path], cwd: Path, *, env: dict[str, str] | None = None, show: int = 6) -> str:
    """Run one step, print it and the last `show` lines of its output; raise CheckFailed when it fails."""
    words = [str(c) for c in cmd]
    print(f"$ {' '.join(_short(w) for w in words)}    (in {_short(str(cwd))})", flush=True)
    try:
        done = subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CheckFailed(f"{words[0]} took more than {TIMEOUT} s") from exc
    output = (done.stdout + done.stderr).strip()
    lines = [line for line in output.splitlines() if not _PIP_NOISE.match(line)]
    for line in lines[-show:] if done.returncode == 0 else lines:
        print(f"    {line}")
    if done.returncode != 0:
        raise CheckFailed(f"exit status {done.returncode}: {' '.join(words)}")
    return output


_PIP_NOISE = re.compile(r"WARNING: Location '\S+' is ignored")
"""pip's note about a configured local index folder that does not exist on this machine."""


def _short(text: str) -> str:
    return text.replace(tempfile.gettempdir(), "$TMP").replace(str(REPO), "$REPO")


def build_distributions(dist: Path) -> Path:
    """`python -m build`: the sdist, then the wheel built from the unpacked sdist (so the sdist must hold
    everything the wheel needs). Built from a copy of the files git would commit, so neither leftovers (a
    `build/` or `*.egg-info` folder) count nor the build leaves any in the repository; run outside it, as its
    `build.py` would shadow the `build` module."""
    source = dist.parent / "source"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    )
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        if (REPO / name).is_file():  # a deleted file is still listed until the deletion is committed
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    cmd: list[str | Path] = [sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source]
    run(cmd, cwd=dist.parent, show=1)
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise CheckFailed(f"expected one wheel and one sdist in {dist}, found {[p.name for p in dist.iterdir()]}")
    return wheels[0]


def check_wheel_contents(wheel: Path) -> None:
    """The wheel holds the package (every module of site_src/) and the bundled themes, and nothing else."""
    names = set(zipfile.ZipFile(wheel).namelist())
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist_info = f"{project['name'].replace('-', '_')}-{project['version']}.dist-info/"
    stray = sorted(n for n in names if not n.startswith(("site_src/", dist_info)))
    if stray:
        raise CheckFailed(f"the wheel holds files outside the package: {stray[:10]}")
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "site_src").rglob("*.py")}
    themes = {
        "site_src/bundled_themes/" + p.relative_to(REPO / "themes").as_posix()
        for p in (REPO / "themes").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    }
    missing = sorted((modules | themes) - names)
    if missing:
        raise CheckFailed(f"the wheel lacks {missing[:10]} (a package missing from pyproject.toml's list?)")
    extra = sorted(n for n in names - modules - themes if not n.startswith(dist_info))
    if extra:
        raise CheckFailed(f"the wheel holds files that are not in site_src/ or themes/: {extra[:10]}")
    print(f"    {wheel.name}: {len(names)} files, {len(modules)} modules and {len(themes)} theme files, nothing else")


def install_fresh(wheel: Path, venv: Path) -> Path:
    """A new venv (no access to the repository's packages) with the wheel installed; returns its `digest`."""
    run([sys.executable, "-m", "venv", venv], cwd=venv.parent)
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", wheel], cwd=venv.parent)
    return venv / "bin" / "digest"


def use_installed(digest: Path, work: Path, shared: Path) -> None:
    """A user's first steps in an empty folder, with only the venv's `bin/` added to PATH."""
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{digest.parent}{os.pathsep}{env.get('PATH', '')}"
    python = digest.parent / "python"
    themes = run([python, "-c", "from site_src.themes import BUNDLED_THEMES as t; print(t)"], cwd=work, env=env)
    if not Path(themes).is_relative_to(digest.parent.parent):
        raise CheckFailed(f"the bundled themes were found in {themes}, not in the fresh venv")
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    if run(["digest", "--version"], cwd=work, env=env) != f"thread-digest {version}":
        raise CheckFailed(f"digest --version does not print {version}")
    run(["digest", "new", "site"], cwd=work, env=env)
    run(["digest", "build", "site"], cwd=work, env=env)
    run(["digest", "check", "site"], cwd=work, env=env)
    export = shared / REDDIT_EXPORT
    if export.is_file():
        run(["digest", "import", "reddit", export, "--out", "site/content"], cwd=work, env=env)
        built = run(["digest", "build", "site"], cwd=work, env=env)
        if not re.search(r"built 2 threads", built):
            raise CheckFailed("the imported thread was not built beside the example")
        run(["digest", "check", "site"], cwd=work, env=env)
    elif os.environ.get("CI") == "true":
        raise CheckFailed(f"{export} is missing in CI")
    else:
        print(f"skipped: digest import (no {export} on this machine; CI requires it)")
    serve_one_request(work, env)


def serve_one_request(work: Path, env: dict[str, str]) -> None:
    """`digest serve` on a free port: the home page answers 200, then the server stops on SIGTERM."""
    print(f"$ digest serve site --port 0    (in {_short(str(work))})", flush=True)
    server = subprocess.Popen(
        ["digest", "serve", "site", "--port", "0"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline().strip()  # "serving http://127.0.0.1:PORT/"
        print(f"    {first}")
        match = re.fullmatch(r"serving (http://127\.0\.0\.1:\d+/)", first)
        if match is None:
            raise CheckFailed(f"digest serve printed {first!r}, not its URL")
        try:
            with urllib.request.urlopen(match.group(1), timeout=60) as answer:
                page = answer.read()
                print(f"    GET {match.group(1)} -> {answer.status}, {len(page)} bytes")
        except urllib.error.URLError as exc:
            raise CheckFailed(f"GET {match.group(1)} failed: {exc}") from exc
        if answer.status != 200 or b"Welcome to your digest" not in page:
            raise CheckFailed("the preview's home page does not list the example thread")
    finally:
        server.terminate()
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise CheckFailed("digest serve did not stop within 30 s of SIGTERM") from None
    print(f"    stopped (exit status {code})")


if __name__ == "__main__":
    raise SystemExit(main())
