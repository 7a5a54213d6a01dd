"""`python -m site_src ARGS` is `digest ARGS`."""

from .cli import run

run()
