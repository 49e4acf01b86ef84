"""What the previous build knew: the catalog of issue summaries and their keywords."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import cache as cachefile
from ..model import Issue
from .parsing import rename

#: (issues added, keys removed) since a catalog's whole file (see `Catalog.changes_since`)
CatalogChanges = tuple[dict[str, Issue], list[str]]


@dataclass
class Catalog:
    """Issue summaries by content key, with the keywords they were given, and the keyword
    table those came from. A rebuild takes unchanged issues from here without touching
    their parse cache entries.

    Stored as a whole (`FILE`) plus the few issues added and removed since (`MORE`, tied
    to the whole by a token): a one-issue rebuild writes a few KB, not every summary again.
    """

    issues: dict[str, Issue] = field(default_factory=dict)
    table: object = None  # tagging.keywords.KeywordTable
    #: the token and keys of the whole file this was loaded from (what `MORE` counts against)
    token: str | None = field(default=None, compare=False)
    whole_keys: frozenset = field(default=frozenset(), compare=False)

    FILE = "catalog.pickle"
    MORE = "catalog-more.pickle"
    KIND = "catalog/1"
    #: changes kept apart from the whole file: at most this many, or 2 % of the issues
    MORE_MAX = 64

    @classmethod
    def load(cls, directory: Path | None, version: str) -> "Catalog":
        if directory is None:
            return cls()
        whole = cachefile.load_pickle(directory / cls.FILE, cls.KIND)
        if not (isinstance(whole, tuple) and len(whole) == 4):
            return cls()
        stored_version, token, issues, table = whole
        if stored_version != version or not isinstance(issues, dict):
            return cls()
        catalog = cls(issues, table, token, frozenset(issues))
        more = cachefile.load_pickle(directory / cls.MORE, cls.KIND)
        if isinstance(more, tuple) and len(more) == 4 and more[:2] == (version, token):
            added, removed = more[2], more[3]
            for key in removed:
                issues.pop(key, None)
            issues.update(added)
        return catalog

    def save(self, directory: Path | None, version: str, since: "Catalog | None" = None) -> None:
        """Only what changed since the whole file `since` was loaded from, when that is little."""
        if directory is None:
            return
        changes = self.changes_since(since) if since is not None else None
        if changes is not None:
            cachefile.dump_pickle(directory / self.MORE, self.KIND, (version, since.token, *changes))
            return
        token = os.urandom(8).hex()
        cachefile.dump_pickle(directory / self.FILE, self.KIND, (version, token, self.issues, self.table))
        (directory / self.MORE).unlink(missing_ok=True)  # (its token is the old one's anyway)

    def changes_since(self, base: "Catalog") -> "CatalogChanges | None":
        """(issues added, keys removed) against the whole file `base` was loaded from; None when
        the whole must be written (no such file, another keyword table, or too many changes).
        Equal keys hold equal summaries: a content key names the parse, and with the same
        keyword table an unchanged issue keeps its keywords."""
        if base.token is None or self.table is not base.table:
            return None
        added = {key: issue for key, issue in self.issues.items() if key not in base.whole_keys}
        removed = [key for key in base.whole_keys if key not in self.issues]
        if len(added) + len(removed) > max(self.MORE_MAX, len(self.issues) // 50):
            return None
        return added, removed


def save_catalog(catalog: Catalog, renamed: list[tuple[Issue, str, list[str]]], directory: Path, version: str,
                 since: Catalog | None = None) -> None:
    """Save `catalog` with the slugs and ids `dedupe_slugs` changed put back (and renamed
    again afterwards). The catalog holds issues as parsed: every build dedupes afresh, so
    a rename goes when its clash does."""
    now = [(issue, issue.slug, [a.id for a in issue.articles]) for issue, _slug, _ids in renamed]
    try:
        for issue, slug, ids in renamed:
            rename(issue, slug, ids)
        catalog.save(directory, version, since)
    finally:
        for issue, slug, ids in now:
            rename(issue, slug, ids)
