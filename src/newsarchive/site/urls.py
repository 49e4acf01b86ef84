"""Stable, ASCII, date-based URLs and the relative links between them.

Every URL here is a root-relative POSIX path naming a file (never a folder),
computed only from an issue's date and slug and an article's number, so URLs
survive rebuilds, reordering and new files. Pages link to each other with
`relative()` so the site works from `file://` and under any sub-path.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache, partial
from pathlib import PurePosixPath
from typing import Callable

from ..model import Article, Issue

UNDATED = "undated"
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def issue_slug(issue: Issue) -> str:
    """The issue's ASCII slug; derived from the source file name when empty."""
    return _slug(issue.slug, issue.source)


@lru_cache(maxsize=None)
def _slug(slug: str, source: str) -> str:
    slug = slug or PurePosixPath(source.replace("\\", "/")).stem
    slug = _UNSAFE.sub("-", slug.lower()).strip("-.")
    if not slug:  # a file name made only of Chinese characters
        slug = "issue-" + hashlib.blake2s(source.encode("utf-8"), digest_size=4).hexdigest()
    return slug


def date_parts(date: str | None) -> tuple[str, str, str] | None:
    m = _ISO.match(date or "")
    return (m.group(1), m.group(2), m.group(3)) if m else None


def issue_dir(issue: Issue) -> str:
    return _issue_dir(issue.date, issue.slug, issue.source)


@lru_cache(maxsize=None)
def _issue_dir(date: str | None, slug: str, source: str) -> str:
    """One per issue, asked for every page and link that names it (a function of these
    strings alone, so remembered: the search index alone asks once per article)."""
    parts = date_parts(date)
    prefix = "/".join(parts) if parts else UNDATED
    return f"{prefix}/{_slug(slug, source)}"


def issue_url(issue: Issue) -> str:
    return f"{issue_dir(issue)}/index.html"


def article_url(issue: Issue, article: Article) -> str:
    """Root-relative path of an article page, e.g. `2020/05/15/gangzha-001/3.html`."""
    return f"{issue_dir(issue)}/{article.number}.html"


def year_url(year: str) -> str:
    return f"{year}/index.html"


def month_url(year: str, month: str) -> str:
    return f"{year}/{month}/index.html"


def day_url(year: str, month: str, day: str) -> str:
    return f"{year}/{month}/{day}/index.html"


def edition_url(date: str, publication: str | None) -> str:
    """The table of contents of one publication's files of one date, e.g. `2020/05/15/paper-1a2b3c4d5e.html`."""
    y, m, d = date_parts(date)
    return f"{y}/{m}/{d}/paper-{term_key(publication or '')}.html"


def sitemap_url(year: str | None = None, month: str | None = None) -> str:
    """A month's sitemap (its issues and articles), the undated issues' (`year` = UNDATED) or,
    without a year, the one of the site's other pages. At the root: a sitemap may list
    only URLs at or below its own folder."""
    if year is None:
        return "sitemap-pages.xml"
    return f"sitemap-{year}-{month}.xml" if month else f"sitemap-{year}.xml"


def term_key(name: str) -> str:
    """An ASCII file name for a Chinese term: a short hash, stable across builds."""
    return hashlib.blake2s(name.encode("utf-8"), digest_size=5).hexdigest()


#: the characters a term's file name may keep besides letters and digits
_NAME_MARKS = frozenset("-_·")
#: names no term may take as they are: a taxonomy's own page, Windows' device names
_RESERVED = frozenset(["index", "con", "prn", "aux", "nul"] + [f"{d}{n}" for d in ("com", "lpt") for n in range(10)])
_OLDER_PAGE = re.compile(r"-\d+$")  # `name-2.html` is the second older page of `name`
#: a file name's bytes stay well below the 255 that file systems allow
_NAME_BYTES = 120


@lru_cache(maxsize=None)
def term_file(name: str) -> str:
    """A term's file name (no extension): the term itself where it is a safe file name
    (`港闸区`, `covid-19`), else the term's safe part, `~` and a short hash (`ABC~1a2b3c`,
    `A/B~…`). Safe: letters and digits (no capital, as case-insensitive file systems
    would merge `ABC` and `abc`) and `-_·`, NFC, no reserved name, not ending like an older
    page (`-2`), not too long. `~` is in no safe name, so no hashed name equals another
    term's, and a name does not depend on which other terms there are."""
    import unicodedata

    safe = (name and len(name.encode("utf-8")) <= _NAME_BYTES and unicodedata.is_normalized("NFC", name)
            and all((c.isalnum() and not c.isupper()) or c in _NAME_MARKS for c in name)
            and name[0] not in _NAME_MARKS and name.lower() not in _RESERVED and not _OLDER_PAGE.search(name))
    if safe:
        return name
    kept = "".join(c for c in unicodedata.normalize("NFC", name) if c.isalnum() or c in _NAME_MARKS)
    kept = kept.encode("utf-8")[:_NAME_BYTES].decode("utf-8", "ignore")
    return f"{kept}~{hashlib.blake2s(name.encode('utf-8'), digest_size=3).hexdigest()}"


def term_url(kind: str, name: str) -> str:
    """A term's page, e.g. `district/港闸区.html` (see `term_file`)."""
    return f"{kind}/{term_file(name)}.html"


#: term kinds that search can filter by (`search.html?district=…`); a keyword is searched as text
SEARCH_FACETS = ("district", "street", "topic", "person")
_QUERY_UNSAFE = re.compile(r"[\x00-\x20\"#%&'+<>?\\^`{|}\x7f]")


def search_url(kind: str, name: str) -> str:
    """Where a term without a page of its own links: a search filtered by it, or for its
    text. Only the characters a query value cannot hold are escaped: the name's own
    characters stay readable (the browser encodes them when it follows the link)."""
    value = _QUERY_UNSAFE.sub(lambda m: "%{:02X}".format(ord(m.group(0))), name)
    return f"search.html?{kind if kind in SEARCH_FACETS else 'q'}={value}"


def taxonomy_url(kind: str) -> str:
    return f"{kind}/index.html"


def relative(from_page: str, to_path: str) -> str:
    """Link from one root-relative page to a root-relative file, e.g. `../../2020/index.html`."""
    return _relative_from_dir(from_page.rpartition("/")[0], to_path)


def links_from(from_page: str) -> Callable[[str], str]:
    """`relative(from_page, target)` as a function of `target`, the page's folder worked out
    once: no Python frame per link (a page asks for dozens, the sitemap for thousands). From
    the root a link is its target: nothing to work out (nor to cache: a sitemap's thousands)."""
    folder = from_page.rpartition("/")[0]
    return partial(_relative_from_dir, folder) if folder else str


@lru_cache(maxsize=65536)
def _relative_from_dir(from_dir: str, to_path: str) -> str:
    """Pages of one folder share their links: computed once per (folder, target)."""
    here = from_dir.split("/") if from_dir else []
    there = to_path.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1  # string work only: posixpath.relpath costs more than rendering a page
    return "../" * (len(here) - common) + "/".join(there[common:])


def root_prefix(from_page: str) -> str:
    """The `../` chain from a page back to the site root ('' at the root)."""
    depth = from_page.count("/")
    return "../" * depth
