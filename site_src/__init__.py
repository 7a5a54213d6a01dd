"""thread-digest: discussion threads in, a static digest site out."""

__version__ = "0.1.0"
