"""Thin entry point: `python build.py ARGS` is `digest ARGS`; `python build.py` alone builds the bundled site."""

from site_src.cli import run

run()
