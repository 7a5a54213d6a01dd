"""The bundled themes (`default`, `broadsheet`): installed as the package `site_src.bundled_themes`.

Only data lives here; `site_src/themes.py` finds these folders through `importlib.resources`, so an
installed `digest` (wheel, sdist, pipx, or editable) uses the copy that was installed with it.
"""
