"""The list items of pages (an article in a term's list, a day's, a related list), rendered once.

An entry's list item is a function of the entry and of the folder of the page
showing it (its links are relative): `Snippets` renders each (folder, entry)
once per build, and `SnippetStore` keeps the items of pages rendered again and
again with mostly the same entries for the next build.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment
from markupsafe import Markup

from ..cache import dump_marshal, load_marshal
from .archive import Archive, Entry
from .env import site_context
from .plan import Page
from .settings import Settings


class Snippets:
    """Rendered list items, shared by every page of one folder: the same entries recur
    on many term, day and related lists. With a `store`, the items of a page that asks
    for it (`Page.reuse_items`) come from, and go to, the previous and next build."""

    def __init__(self, env: Environment, archive: Archive, settings: Settings,
                 store: "SnippetStore | None" = None, entry_key: Callable[[Entry], str] | None = None):
        self.env, self.archive, self.settings = env, archive, settings
        self.modules: dict[str, Any] = {}
        self.items: dict[tuple[str, str, bool], Markup] = {}
        self.folder: str | None = None
        self.store, self.entry_key = store, entry_key
        self.stored: dict[str, str] | None = None  # the page's items from the previous build, by item key
        self.shown: dict[str, str] | None = None  # the page's items in this build, by item key

    def begin(self, page: "Page") -> None:
        if self.store is not None and page.reuse_items:
            self.stored, self.shown = self.store.load(page.path), {}
        else:
            self.stored = self.shown = None

    def end(self, page: "Page") -> None:
        if self.shown is not None:
            self.store.save(page.path, self.shown, self.stored)
        self.stored = self.shown = None

    def entry_item(self, page_path: str, entry, show_issue: bool = True) -> Markup:
        folder = page_path.rpartition("/")[0]
        if folder != self.folder:
            # pages come folder by folder (an issue's pages, then each term kind's):
            # keeping other folders' items would only grow memory with the archive
            self.folder = folder
            self.items.clear()
            self.modules.clear()
        key = (folder, entry.url, show_issue)
        html = self.items.get(key)
        stored_key = None
        if self.shown is not None:
            stored_key = f"{self.entry_key(entry)}|{int(show_issue)}"
            if html is None:
                html = self.stored.get(stored_key)
                if html is not None:
                    html = self.items[key] = Markup(html)
        if html is None:
            module = self.modules.get(folder)
            if module is None:
                context = site_context(self.archive, self.settings, page_path)
                module = self.modules[folder] = self.env.get_template("_macros.html").make_module(context)
            html = self.items[key] = Markup(module.entry_item(entry, show_issue))
        if stored_key is not None:
            self.shown[stored_key] = str(html)
        return html


class SnippetStore:
    """The list items of pages rendered again and again with mostly the same entries
    (a term's head page, a month's page), kept between builds: one small file per
    page in `directory`, its items by entry key (the issue's fingerprint and the
    article's number) and whether the issue is shown. An item is a function of its
    entry, of the page's folder (one file per page: one folder) and of `base` (code,
    templates, settings), so items stored under another base are never used; nor is
    a store made when the macros read `archive` (see `render_site`). On a one-issue
    rebuild the term head pages the new issue joins then render only its items."""

    def __init__(self, directory: Path, base: str):
        self.directory, self.base = directory, base
        self._made = False

    def _file(self, page_path: str) -> Path:
        return self.directory / (hashlib.blake2b(page_path.encode(), digest_size=10).hexdigest() + ".marshal")

    def load(self, page_path: str) -> dict[str, str]:
        data = load_marshal(self._file(page_path), "snippets/1")
        if not isinstance(data, dict) or data.get("base") != self.base or data.get("page") != page_path:
            return {}
        items = data.get("items")
        return items if isinstance(items, dict) else {}

    def save(self, page_path: str, items: dict[str, str], stored: dict[str, str] | None) -> None:
        if items == stored:
            return
        if not self._made:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._made = True
        dump_marshal(self._file(page_path), "snippets/1", {"base": self.base, "page": page_path, "items": items})
