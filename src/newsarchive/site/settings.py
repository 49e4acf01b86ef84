"""Site settings from `site.yaml`, with defaults so a bare archive still builds.

Settings are plain data handed to the renderer; nothing reads the YAML file
again after `load_settings`, so a build is a function of its inputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """What the renderer needs to know about the site as a whole."""

    title: str = "区报新闻档案"
    description: str = "区级报纸新闻的可检索档案"
    publication: str = "区报"  # used in citations when an issue names none
    base_url: str = ""  # e.g. https://user.github.io/repo ; empty = relative only
    language: str = "zh-CN"
    items_per_page: int = 20
    latest_issues: int = 10
    feed_entries: int = 50
    author: str = ""
    about: str = "content/about.md"  # Markdown source of the about page, relative to root
    #: a build warns as its output nears this size: GitHub Pages publishes sites of at most 1 GB
    output_limit_mb: int = 1000
    root: Path = field(default=Path("."), compare=False)

    @property
    def about_path(self) -> Path:
        return self.root / self.about


class SettingsError(ValueError):
    """site.yaml exists but cannot be used; raised so the build fails loudly."""


def load_settings(root: Path, base_url: str | None = None, cache_dir: Path | None = None) -> Settings:
    """Read `root/site.yaml` if present; a `base_url` argument overrides the file.
    With `cache_dir` the parsed file is kept there (see `yamlfile.read_yaml`)."""
    from ..yamlfile import read_yaml

    root = Path(root)
    data: dict = {}
    path = root / "site.yaml"
    if path.is_file():
        try:
            loaded = read_yaml(path, cache_dir)
        except UnicodeDecodeError as exc:
            raise SettingsError(f"{path}: not UTF-8 text: {exc}") from exc
        except Exception as exc:
            import yaml

            if isinstance(exc, yaml.YAMLError):
                raise SettingsError(f"{path}: invalid YAML: {exc}") from exc
            raise
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise SettingsError(f"{path}: expected a mapping of settings")
        data = loaded
    known = {f.name: f for f in fields(Settings) if f.name != "root"}
    kwargs: dict = {}
    for key, value in data.items():
        key = str(key).replace("-", "_")
        if key not in known or value is None:
            continue  # unknown keys are ignored so newer site.yaml files still load
        if key in ("items_per_page", "latest_issues", "feed_entries", "output_limit_mb"):
            try:
                value = int(value)
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"{path}: {key} must be a whole number") from exc
            if value < 1:
                raise SettingsError(f"{path}: {key} must be at least 1")
        else:
            value = str(value)
        kwargs[key] = value
    where = f"{path}: base_url"
    if base_url is not None:
        kwargs["base_url"], where = base_url, "--base-url"
    kwargs["base_url"] = checked_base_url(kwargs.get("base_url", "").strip().rstrip("/"), where)
    return Settings(root=root, **kwargs)


def checked_base_url(url: str, where: str) -> str:
    """`url` if it is empty or an absolute http(s) URL: it ends in every canonical link, the
    feed and the sitemap, so `javascript:…` or a stray quote would reach every reader."""
    from urllib.parse import urlsplit

    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in " \t\n\r\"'<>`\\"):
        raise SettingsError(f"{where} must be an absolute http:// or https:// URL (like https://user.github.io/repo), "
                            f"not {url[:80]!r}")
    return url
