"""thread-digest: discussion threads in, a static digest site out."""


def version() -> str:
    """The installed distribution's version (pyproject.toml's `version`). Read when asked: importlib.metadata
    costs ~40 ms to import, which every build's processes would pay."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("thread-digest")
    except PackageNotFoundError:  # imported from a checkout that was never installed
        return "0+unknown"
