"""Site stage: Issues → static HTML pages, feeds and assets (see render.py)."""
from .render import render_site
from .settings import Settings, SettingsError, load_settings
from .urls import article_url

__all__ = ["render_site", "load_settings", "Settings", "SettingsError", "article_url"]
