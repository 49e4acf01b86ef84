"""Site stage: Issues → static HTML pages, feeds and assets (see render.py, the stage).

The names below load on first use: `site.urls` alone (what the search index needs)
does not import jinja2 and the renderer.
"""
from importlib import import_module

__all__ = ["render_site", "load_settings", "Settings", "SettingsError", "article_url"]
_HOME = {"render_site": ".render", "load_settings": ".settings", "Settings": ".settings",
         "SettingsError": ".settings", "article_url": ".urls"}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(_HOME[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
