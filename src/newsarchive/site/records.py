"""What makes a page, as a key, and what the previous build made: the render's cache.

A page's key (`PageKeys.key`) hashes every input of the page: the code, the
templates and the settings (`page_base`), its path and template, and every value
of its own context. Equal keys mean equal bytes, so the output keeps the
previous build's file for a page whose key it recorded (see `output.OutputTree`),
without rendering it.

Most pages of a rebuild are not even planned: a `PageGroup` names in its
identity everything its pages show, so the group's key (`PageKeys.group`) stands
for all their keys. `PageRecord` keeps, per group key, the paths and keys of the
group's pages; when the next build plans a group with a recorded key and the
site still holds those files with those keys, it keeps them as they are.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, TemplateNotFound, meta

from ..cache import dump_marshal, load_marshal
from ..model import Article, Issue
from .archive import Archive, Entry, Term
from .plan import Lazy, Page, PageGroup
from .settings import Settings


def page_base(settings: Settings, template_dirs: list[Path], extra: str = "") -> str:
    """What every page's key starts from: the package's code, the templates and the settings."""
    h = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):  # any code change may change any page
        h.update(path.read_bytes())
    for folder in template_dirs:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                h.update(path.relative_to(folder).as_posix().encode())
                h.update(path.read_bytes())
    h.update(repr(settings).encode())
    h.update(extra.encode())
    return h.hexdigest()


class PageRecord:
    """What the previous build rendered, by group key (`PageKeys.group`): the group's
    [path, page key, path, page key, …]; and which templates read `archive` (found by
    parsing every template, which a rebuild need not do again). Trusted only where the
    site's manifest still holds the same page keys, so a stale record costs a re-render,
    never a stale page."""

    FILE = "pages.marshal"  # marshal: the paths of every page of the site load at once

    def __init__(self, base: str = "", wide: dict[str, bool] | None = None, groups: dict[str, list[str]] | None = None):
        self.base = base
        self.wide = wide or {}
        self.groups = groups or {}

    @classmethod
    def load(cls, cache_dir: Path | None, base: str) -> "PageRecord":
        if cache_dir is None:
            return cls(base)
        data = load_marshal(cache_dir / cls.FILE, "pages/1")
        if not isinstance(data, dict) or data.get("base") != base:
            return cls(base)
        return cls(base, data.get("wide"), data.get("groups"))

    def save(self, cache_dir: Path | None) -> None:
        if cache_dir is None:
            return
        dump_marshal(cache_dir / self.FILE, "pages/1", {"base": self.base, "wide": self.wide, "groups": self.groups})

    def kept(self, group_key: str, output) -> list[str] | None:
        """The group's [path, key, …] when this record has the group key and every one
        of its files is still in the site with that key (the output then keeps them)."""
        recorded = self.groups.get(group_key) if group_key else None
        if recorded is None or not output.unchanged_all(recorded):
            return None
        return recorded


class PageKeys:
    """Page and group keys of one build's archive (see the module's docstring).

    A context value is hashed by what it stands for, not by walking it: an issue by
    its fingerprint (which covers everything a page may show of it), an entry by its
    issue's fingerprint and the article's number, a `Lazy` list by its key. Pages
    whose template (or one it extends, includes or imports) reads the `archive`
    global also hash the whole archive's key.
    """

    def __init__(self, env: Environment, archive: Archive, base: str, record: PageRecord | None = None):
        self.env, self.archive = env, archive
        self.base = base  # see `page_base`
        self.record = record or PageRecord(base)
        self._archive_wide: dict[str, bool] = dict(self.record.wide)
        by_id = archive.by_id
        #: id(entry) -> its part of a key
        self._entries: dict[int, str] = {id(e): f"e{by_id[id(e.issue)]}{e.article.number}" for e in archive.entries}

    def group(self, group: PageGroup) -> str:
        """A whole group's key ('' for pages keyed one by one): it hashes what every page
        key of the group hashes (code, templates, settings, the archive's key where a
        template reads it, the group's identity), so equal group keys mean equal page keys."""
        wide = any([self.archive_wide(t) for t in group.templates])  # (every template asked: the answers are recorded)
        if not group.kind:
            return ""
        parts = [self.base, "group", group.kind, *group.templates]
        if wide:
            parts.append(self.archive.key)
        self._digest(group.identity, parts)
        return _hash(parts)

    def key(self, page: Page) -> str:
        parts = [self.base, page.path, page.template]
        if self.archive_wide(page.template):
            parts.append(self.archive.key)
        self._digest(page.context, parts)
        return _hash(parts)

    def entry_key(self, entry: Entry) -> str:
        """An entry's part of a key: what its list item is a function of (see `SnippetStore`)."""
        key = self._entries.get(id(entry))
        if key is None:  # not one of the archive's entries
            key = f"e{self.archive.by_id[id(entry.issue)]}{entry.article.number}"
        return key

    def known_wide(self) -> dict[str, bool]:
        """Which templates read `archive`, for the next build's record."""
        return dict(self._archive_wide)

    def archive_wide(self, name: str) -> bool:
        """Does the template, or one it extends, includes or imports, read `archive`?"""
        known = self._archive_wide.get(name)
        if known is None:
            self._archive_wide[name] = False  # a template that includes itself stops here
            try:
                source = self.env.loader.get_source(self.env, name)[0]
            except TemplateNotFound:
                return False
            ast = self.env.parse(source)
            known = "archive" in meta.find_undeclared_variables(ast) or any(
                self.archive_wide(t) for t in meta.find_referenced_templates(ast) if t)
            self._archive_wide[name] = known
        return known

    def _digest(self, value, parts: list[str]) -> None:
        """Append to `parts` what stands for `value` in a key, each kind of value with
        its own prefix (`s` a string, `i` an issue, `e` an entry, `[`…`]` a sequence…)."""
        kind = type(value)
        if kind is str:
            parts.append("s" + value)
        elif kind is Entry:
            parts.append(self.entry_key(value))
        elif kind is list or kind is tuple:
            self._sequence(value, parts)
        elif kind is dict:
            parts.append("{")
            for k, v in value.items():
                parts.append(str(k))
                self._digest(v, parts)
            parts.append("}")
        elif value is None or kind is int or kind is bool or kind is float:
            parts.append(repr(value))
        elif kind is Issue:
            parts.append("i" + self.archive.by_id[id(value)])
        elif kind is Article:
            parts.append("a" + value.id)  # its issue's fingerprint is in the same context
        elif kind is Term:
            parts.append(f"t{value.kind}|{value.name}|{len(value.entries)}")  # its entries are in the context
        elif kind is Lazy:
            if value.key is not None:
                parts.append("l" + value.key)
            else:
                self._digest(list(value), parts)
        elif isinstance(value, str):
            parts.append("s" + str(value))
        elif callable(value):
            parts.append("f" + getattr(value, "__qualname__", type(value).__name__))
        else:
            parts.append(repr(value))

    def _sequence(self, value: list | tuple, parts: list[str]) -> None:
        parts.append("[")
        entries = self._entries
        # lists of the archive's entries are most of what is hashed: one look-up each
        keyed = [entries.get(id(v)) for v in value]
        if None in keyed:
            for v in value:
                if type(v) is Entry:
                    parts.append(self.entry_key(v))
                else:
                    self._digest(v, parts)
        else:
            parts += keyed
        parts.append("]")


def _hash(parts: list[str]) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
