"""Which pages the site has: every page's path, template and own data, in groups.

`plan_groups` yields the site's pages as `PageGroup`s: an issue's pages, a
month's, a term's head page and its older pages… A group names, in its
`identity`, everything its pages show, so the renderer can tell from the group
alone that the previous build made the very same pages (see `records`) and skip
planning them. Only the pages of groups that changed are planned, one group at
a time (`PageGroup.plan`), so no process holds the whole plan.

Long lists (a term's articles, the issue list) are cut by `stable_pages` into
pages that do not move as the list grows: a new issue rewrites the head pages,
not every page of every list it joins.
"""
from __future__ import annotations

import functools
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

from jinja2 import Environment, TemplateNotFound
from markupsafe import Markup

from ..model import Article, Issue
from . import urls
from .archive import (CHART_KINDS, TAXONOMIES, Archive, Entry, Term, month_calendar, month_counts, page_order,
                      place_chains, related)
from .data import data_files, data_parts
from .env import absolute_links, page_label, render_markdown
from .settings import Settings


class Lazy:
    """A list computed when a template first looks at it: planning stays cheap,
    and in a parallel render each worker computes only its own pages' lists."""

    __slots__ = ("_fn", "_args", "_value", "key")

    def __init__(self, fn, *args, key: str | None = None):
        self._fn, self._args, self._value = fn, args, None
        self.key = key  # stands for the value in page keys, so they need not compute it

    def _get(self) -> list:
        if self._value is None:
            self._value = self._fn(*self._args)
        return self._value

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __bool__(self) -> bool:
        return bool(self._get())


@dataclass
class Page:
    """One file to write: its root-relative path, template and page-specific context.

    `full` names the (summary) issue whose full text the page shows: it is
    loaded only when the page is rendered. `key` hashes every input of the page.
    """

    path: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    full: Issue | None = None
    key: str = ""
    #: its list items are kept for the next build (see `SnippetStore`)
    reuse_items: bool = False


@dataclass
class PageGroup:
    """Pages planned together because one `identity` determines all their keys: an
    issue's pages, a month's, a term's. When the previous build recorded the same
    group key, the group is kept without planning or keying a page of it; on a
    one-issue rebuild that leaves a few dozen of ~20,000 pages to plan.

    `kind` is empty for pages planned and keyed every time (home, feed, lists of
    everything): few, and most of them change with every new issue anyway.
    """

    kind: str
    identity: tuple  # with code, templates and settings: every input of the pages (see `PageKeys.group`)
    templates: tuple[str, ...]
    size: int  # pages `plan()` yields
    plan: Callable[[], Iterable[Page]]


def single(page: Page) -> PageGroup:
    return PageGroup("", (), (page.template,), 1, lambda: (page,))


def plan_groups(archive: Archive, settings: Settings, env: Environment, extra_pages: dict | None) -> Iterator[PageGroup]:
    """Every HTML/XML page of the site with its own data, in groups (see `PageGroup`);
    shared data comes from `site_context`."""
    per_page = settings.items_per_page
    yield single(Page("index.html", "index.html", {"latest": archive.issues[: settings.latest_issues]}))
    for path, chunk, pages_nav in stable_pages("issues/index.html", archive.issues, per_page, _issue_year):
        yield single(Page(path, "issues.html", {"issues": chunk, "pager": pages_nav}))
    yield from _issue_groups(archive)
    yield single(Page("archive.html", "archive.html", {}))
    yield from _date_groups(archive)
    districts = districts_key(archive)
    for kind, _attr, label in TAXONOMIES:
        yield single(Page(urls.taxonomy_url(kind), "taxonomy.html",
                          {"kind": kind, "label": label, "terms": archive.terms[kind]}))
        for term in archive.terms[kind]:
            if term.paged:
                yield from _term_groups(archive, term, label, per_page, districts)

    about = settings.about_path
    about_text = about.read_text(encoding="utf-8") if about.is_file() else None
    facts = about_facts(archive, settings)
    yield PageGroup("about", (about_text, facts), ("about.html",), 1, functools.partial(_about_page, about_text, facts))
    yield single(Page("404.html", "404.html", {}))
    search_template = "search.html" if _has_template(env, "search.html") else "search_unavailable.html"
    yield single(Page("search.html", search_template, {}))
    if settings.base_url:  # a feed and a sitemap need absolute URLs: without a base URL there are none
        yield single(Page("feed.xml", "feed.xml", {
            "entries": archive.entries[: settings.feed_entries],
            "updated": _feed_updated(archive),
            "entry_id": entry_id,
        }))
        yield from _sitemap_groups(archive, settings)
    for path, spec in (extra_pages or {}).items():
        template, context = (spec, {}) if isinstance(spec, str) else spec
        yield single(Page(path, template, dict(context)))


def _issue_groups(archive: Archive) -> Iterator[PageGroup]:
    """An issue's page and its articles' pages; an edition's table of contents."""
    for issue in archive.issues:
        url = urls.issue_url(issue)
        edition = archive.editions.get(url)
        # the issue's fingerprint covers its pages' paths and content; `related` sees older issues only;
        # its edition's files' fingerprints cover the 版 links, prev/next across 版 and continuations;
        # its terms without a page, the tags that link to a search
        unpaged = archive.unpaged(issue)
        yield PageGroup("issue", (issue, archive.older_keys[url], edition.key if edition else (), unpaged),
                        ("issue.html", "article.html"),
                        1 + len(archive.by_issue[url]), functools.partial(_issue_pages, archive, issue, unpaged))
        if edition is not None and edition.url != url and edition.issues[0] is issue:
            yield PageGroup("edition", (edition.date, edition.publication, edition.key), ("edition.html",), 1,
                            functools.partial(_edition_page, archive, edition))


def _date_groups(archive: Archive) -> Iterator[PageGroup]:
    """A year's page; a month's page with its days' pages, which link the months around it."""
    known_months = [(y, m) for y, months in archive.years.items() for m in months]  # newest first
    neighbour_months = {ym: (known_months[i + 1] if i + 1 < len(known_months) else None,
                             known_months[i - 1] if i > 0 else None) for i, ym in enumerate(known_months)}
    for year, months in archive.years.items():
        yield single(Page(urls.year_url(year), "year.html", {"year": year, "months": months, "calendars": {
            m: month_calendar(year, m, days) for m, days in months.items()}}))
        for month, days in months.items():
            around = neighbour_months.get((year, month), (None, None))
            yield PageGroup("month", (year, month, days, around), ("month.html", "day.html"), 1 + len(days),
                            functools.partial(_month_pages, archive, year, month, days, around))


def _term_groups(archive: Archive, term: Term, label: str, per_page: int, districts: str) -> Iterator[PageGroup]:
    """A term's pages in two groups: the head page (the newest entries and the count)
    changes with every new article of the term, the older pages (fixed runs counted
    from the oldest entry, see `stable_pages`) only with one of theirs, so a one-issue
    rebuild neither keys nor renders them.

    What the pages show beyond their entries is a function of all the term's entries
    (the head page's chart of articles per month, a place's chains 省 › 市 › 区 ›
    街道) and, for a street, of which districts have a page (`districts`, a key of
    their names): the identities name those, and the pages of a group to do compute
    them when planned."""
    kind, n = term.kind, len(term.entries)
    older = stable_page_count(n, per_page) - 1
    newest = n - older * per_page
    # the older entries, named without hashing them all (tens of thousands in a large
    # archive): the oldest `n - newest` of the term's among the issues up to the first
    # one's, which its fingerprint and the running hash of every older issue's
    # fingerprint name
    named = ()
    if older:
        first = term.entries[newest].issue
        named = (n - newest, archive.by_id[id(first)], archive.older_keys[urls.issue_url(first)])
    places = districts if kind == "street" else ""
    yield PageGroup("term", (kind, label, term.name, term.entries[:newest], n, named, places), ("term.html",), 1,
                    functools.partial(_term_pages, archive, term, label, per_page, True))
    if older:
        yield PageGroup("term-older", (kind, label, term.name, *named, places), ("term.html",),
                        older, functools.partial(_term_pages, archive, term, label, per_page, False))


def districts_key(archive: Archive) -> str:
    """A key of the names of the districts that have a page (a street's chain links them)."""
    names = "\x1f".join(sorted(t.name for t in archive.terms.get("district", ()) if t.paged))
    return hashlib.blake2b(names.encode(), digest_size=16).hexdigest()


def _sitemap_groups(archive: Archive, settings: Settings) -> Iterator[PageGroup]:
    """A sitemap index over one sitemap per month (its issues and articles), one for the
    undated issues and one for the other pages: a new issue rewrites its month's and the
    index, and no file nears the protocol's 50,000 URLs (10,000 issues: ~70,000)."""
    listed: list[tuple[str, str]] = []
    for year, months in archive.years.items():
        for month, days in months.items():
            path = urls.sitemap_url(year, month)
            listed.append((path, f"{year}-{month}-{max(days)}"))
            yield PageGroup("sitemap", (year, month, days), ("sitemap_urls.xml",), 1, functools.partial(
                _sitemap_page, archive, settings, path, [i for d in days.values() for i in d]))
    if archive.undated:
        path = urls.sitemap_url(urls.UNDATED)
        listed.append((path, ""))
        yield single(next(_sitemap_page(archive, settings, path, archive.undated)))
    # sorted: the terms' own order (most used first) moves with every new issue
    pages = ["index.html", "archive.html", "about.html"] + sorted(
        u for kind, _attr, _label in TAXONOMIES for u in [urls.taxonomy_url(kind)] + [t.url for t in archive.terms[kind] if t.paged])
    listed.append((urls.sitemap_url(), ""))
    located = absolute_links(settings, urls.sitemap_url())  # (made here: a call from a template costs far more)
    yield single(Page(urls.sitemap_url(), "sitemap_urls.xml", {"urls": [(located(p), "") for p in pages]}))
    yield single(Page("sitemap.xml", "sitemap.xml", {"sitemaps": listed}))


def _sitemap_page(archive: Archive, settings: Settings, path: str, issues: list[Issue]) -> Iterator[Page]:
    """The `<loc>`s made here, not by the template: a sitemap lists thousands, and a call
    from a template costs many times a Python call."""
    located = absolute_links(settings, path)
    listed = []
    for issue in issues:
        url = urls.issue_url(issue)
        listed.append((located(url), issue.date if urls.date_parts(issue.date) else ""))
        listed += [(located(e.url), "") for e in archive.by_issue[url]]
    yield Page(path, "sitemap_urls.xml", {"urls": listed})


def _issue_year(issue: Issue) -> str | None:
    return _year(issue.date)


def _entry_year(entry: Entry) -> str | None:
    return _year(entry.issue.date)


@functools.lru_cache(maxsize=None)
def _year(date: str | None) -> str | None:
    """(remembered: a term's pages ask it of every entry of the term, and there are
    far fewer dates than entries)"""
    parts = urls.date_parts(date)
    return parts[0] if parts else None


def _page_number(text: str | None) -> tuple | None:
    """`1版`, `第A02版`, `2` → its `page_order`; None when no page number is in it."""
    order = page_order(re.sub(r"^第", "", text or ""))
    return order if order[0] == 0 else None


def _same_page(a: tuple | None, b: tuple | None) -> bool:
    """`2版` is `A02` (a marker often leaves the section letter out)."""
    return a is not None and b is not None and a[0] == b[0] == 0 and a[2] == b[2] and (a[1] == b[1] or not a[1] or not b[1])


def continuation(archive: Archive, edition, issue: Issue, article: Article, where: str | None, back: bool) -> Entry | None:
    """The other part of a continued article: on the 版 `where` (`1版`) of the same edition, the
    article continued to (`back`: from) this one's 版; None when the page or the part is not found."""
    target = _page_number(where)
    if edition is None or target is None:
        return None
    here = _page_number(issue.page)
    for other in edition.issues:
        if other is issue or not _same_page(page_order(other.page), target):
            continue
        found = []
        for e in archive.by_issue[urls.issue_url(other)]:
            mark = e.article.continued_to if back else e.article.continued_from
            if mark and (here is None or _same_page(_page_number(mark), here)):
                found.append(e)
        if len(found) == 1 or (found and here is not None):
            return found[0]
    return None


def _issue_pages(archive: Archive, issue: Issue, unpaged: tuple = ()) -> Iterator[Page]:
    url = urls.issue_url(issue)
    entries = archive.by_issue[url]
    edition = archive.editions.get(url)
    sheets = edition.issues if edition is not None else [issue]
    at = next(i for i, s in enumerate(sheets) if s is issue)
    # prev/next run across the edition's 版: the last article of 第1版 leads to the first of 第2版
    before = archive.by_issue[urls.issue_url(sheets[at - 1])][-1:] if at > 0 else []
    after = archive.by_issue[urls.issue_url(sheets[at + 1])][:1] if at + 1 < len(sheets) else []
    run = before + entries + after
    pages_nav = {
        "edition": edition.url if edition is not None and edition.url != url else None,
        "sheets": [(page_label(s), urls.issue_url(s)) for s in sheets] if len(sheets) > 1 else [],
        "prev": urls.issue_url(sheets[at - 1]) if at > 0 else None,
        "next": urls.issue_url(sheets[at + 1]) if at + 1 < len(sheets) else None,
    }
    yield Page(url, "issue.html", {"issue": issue, "entries": entries, "sheet": pages_nav})
    for i, entry in enumerate(entries):
        j = i + len(before)
        a = entry.article
        yield Page(entry.url, "article.html", {
            "issue": issue,
            "article": a,
            "entry": entry,
            "sheet": pages_nav,
            "prev": run[j - 1] if j > 0 else None,
            "next": run[j + 1] if j + 1 < len(run) else None,
            "from_part": continuation(archive, edition, issue, a, a.continued_from, True) if a.continued_from else None,
            "to_part": continuation(archive, edition, issue, a, a.continued_to, False) if a.continued_to else None,
            "unpaged": unpaged,
            # related articles come from older issues only: their hash stands for the list
            "related": Lazy(related, archive, entry, key=archive.older_keys[url]),
        }, full=issue)


def _edition_page(archive: Archive, edition) -> Iterator[Page]:
    sheets = [(s, page_label(s), archive.by_issue[urls.issue_url(s)]) for s in edition.issues]
    yield Page(edition.url, "edition.html", {"edition": edition, "sheets": sheets})


def _month_pages(archive: Archive, year: str, month: str, days: dict[str, list[Issue]], around=(None, None)) -> Iterator[Page]:
    yield Page(urls.month_url(year, month), "month.html", {
        "year": year, "month": month, "days": days, "weeks": month_calendar(year, month, days),
        "prev_month": around[0], "next_month": around[1],
        "by_issue": {urls.issue_url(i): archive.by_issue[urls.issue_url(i)] for d in days.values() for i in d}},
        reuse_items=True)
    for day, issues in days.items():
        yield Page(urls.day_url(year, month, day), "day.html", {
            "year": year, "month": month, "day": day, "issues": issues,
            "by_issue": {urls.issue_url(i): archive.by_issue[urls.issue_url(i)] for i in issues}})


def _term_pages(archive: Archive, term: Term, label: str, per_page: int, head: bool | None = None) -> Iterator[Page]:
    """The term's pages: all, or (`head`) only the head page or only the older ones; a place's
    pages show its chains (see `archive.place_chains`), the head page a chart of articles per month."""
    chains = place_chains(archive, term)
    chart = month_counts(term.entries) if head is not False and term.kind in CHART_KINDS else ()
    for path, chunk, pages_nav in stable_pages(term.url, term.entries, per_page, _entry_year):
        if head is not None and pages_nav["head"] != head:
            continue
        yield Page(path, "term.html", {
            "kind": term.kind, "label": label, "term": term if pages_nav["head"] else None,
            "name": term.name, "entries": chunk, "pager": pages_nav, "chains": chains,
            "chart": chart if pages_nav["head"] else ()}, reuse_items=pages_nav["head"])


def about_facts(archive: Archive, settings: Settings) -> dict:
    """What the about page says of the archive: its papers (issues, dates), the dates it
    covers, how the dates were found, whether the paper's name is the placeholder."""
    papers: dict[str, list] = {}
    sources: dict[str, int] = {}
    unnamed = 0
    for issue in archive.issues:
        name = issue.publication or ""
        if not issue.publication:
            unnamed += 1
        row = papers.setdefault(name, [0, None, None])
        row[0] += 1
        if urls.date_parts(issue.date):
            row[1] = issue.date if row[1] is None or issue.date < row[1] else row[1]
            row[2] = issue.date if row[2] is None or issue.date > row[2] else row[2]
        sources[issue.date_source] = sources.get(issue.date_source, 0) + 1
    return {
        "papers": [(name or settings.publication, bool(name), *papers[name]) for name in sorted(papers, key=lambda n: (n == "", n))],
        "range": archive.date_range,
        "issues": len(archive.issues), "articles": len(archive.entries),
        "date_sources": sorted(sources.items()),
        "unnamed": unnamed,
        "placeholder": unnamed > 0 and settings.publication == Settings().publication,
        # the data download's files: (year or "undated", articles, JSON-lines file, CSV file)
        "data": [(part, n, *data_files(part)) for part, n in data_parts(archive)],
    }


def _about_page(text: str | None, facts: dict | None = None) -> Iterator[Page]:
    yield Page("about.html", "about.html", {"about_html": render_markdown(text) if text is not None else Markup(""),
                                            "facts": facts or {}})


def stable_page_count(n: int, per_page: int) -> int:
    """How many pages `stable_pages` cuts `n` items into."""
    return 1 + max(n // per_page - 1, 0)


def stable_pages(head: str, items: list, per_page: int, year_of: Callable | None = None) -> list[tuple[str, list, dict]]:
    """Split a newest-first list into pages that do not move as the list grows.

    Older pages are fixed groups of `per_page` counted from the oldest item
    (`x-1.html` holds the oldest ones), shown newest first; the head page
    (`head`) shows everything newer than the groups: between `per_page` and
    `2 * per_page - 1` items. Adding an item rewrites the head (and, every
    `per_page` items, adds one page) instead of re-cutting every page of a
    long list, as numbering from the newest would.

    Each page's `nav` holds its neighbours, numbered links and a jump to each
    year. A page links only to pages that never go away or change (the head, its
    own newer neighbour, the older ones), so adding an item leaves every older
    page as it was.
    """
    n = len(items)
    groups = max(n // per_page - 1, 0)
    stem, ext = head.rsplit(".", 1)

    def group_path(g: int) -> str:
        return f"{stem}-{g}.{ext}"

    pages = [(head, items[: n - groups * per_page],
              {"head": True, "group": None, "newer": None, "older": group_path(groups) if groups else None})]
    for g in range(groups, 0, -1):
        pages.append((group_path(g), items[n - g * per_page : n - (g - 1) * per_page], {
            "head": False, "group": g,
            "newer": group_path(g + 1) if g < groups else head,
            "older": group_path(g - 1) if g > 1 else None}))
    if groups:
        page_years, firsts = _years_of_pages(pages, year_of)
        for index, (_path, _chunk, nav) in enumerate(pages):
            nav["numbers"] = _numbered_links(nav["group"], groups, head, group_path)
            nav["years"] = _year_links(pages, index, nav["group"], page_years, firsts)
    return pages


def _years_of_pages(pages: list, year_of: Callable | None) -> tuple[list[set], list[tuple[str, int]]]:
    """The years each page's items are of, and (year, index of the page) of each
    year's newest item, newest first."""
    page_years: list[set] = []
    firsts: list[tuple[str, int]] = []
    if year_of is not None:
        seen: set = set()
        for index, (_path, chunk, _nav) in enumerate(pages):
            here = {y for y in map(year_of, chunk) if y}
            page_years.append(here)
            for year in sorted(here - seen, reverse=True):
                seen.add(year)
                firsts.append((year, index))
    return page_years, firsts


def _numbered_links(g: int | None, groups: int, head: str, group_path: Callable[[int], str]) -> list:
    """(label, path or None for this page) of `最新`, the first and last few group numbers
    around this page (`g`; None: the head), with `…` for the gaps."""
    top = groups if g is None else min(g + 1, groups)
    wanted = sorted({1, top, top - 1, top - 2} | ({g, g - 1, g - 2} if g else set()), reverse=True)
    numbers: list = [("最新", None if g is None else head)]
    last = None
    for k in wanted:
        if k < 1 or k > top:
            continue
        if last is not None and last - k > 1:
            numbers.append(("…", None))
        numbers.append((str(k), None if k == g else group_path(k)))
        last = k
    return numbers


def _year_links(pages: list, index: int, g: int | None, page_years: list[set],
                firsts: list[tuple[str, int]]) -> list[tuple[str, str | None]]:
    """(year, path of its newest page, or None for this page). From an older page, the
    newest among the pages it may link to: never the head (it changes) nor a newer
    page than its neighbour."""
    years = []
    for year, first in firsts:
        if g is not None and first < max(index - 1, 1):
            first = next((i for i in range(max(index - 1, 1), len(pages)) if year in page_years[i]), None)
            if first is None:
                continue
        years.append((year, pages[first][0] if first != index else None))
    return years


def entry_id(url: str) -> str:
    """A stable Atom id that does not change when the site moves to a new host."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "newsarchive:" + url))


def _feed_updated(archive: Archive) -> str:
    """Newest issue date, not the clock: rebuilding unchanged input gives the same feed."""
    for issue in archive.issues:
        if urls.date_parts(issue.date):
            return f"{issue.date}T00:00:00Z"
    return datetime(1970, 1, 1, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _has_template(env: Environment, name: str) -> bool:
    try:
        env.get_template(name)
    except TemplateNotFound:
        return False
    return True
