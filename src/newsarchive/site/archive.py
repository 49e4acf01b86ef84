"""The archive as the site sees it: issues sorted, articles indexed by term and date.

Built once from the pipeline's Issues and read by every page; holds no HTML.
Everything here is ordered deterministically so a rebuild writes the same bytes.
"""
from __future__ import annotations

import bisect
import calendar
import functools
import hashlib
import heapq
import json
import marshal
import re
from dataclasses import dataclass, field

from ..model import Article, Issue
from . import urls

#: (url folder, field on Article, Chinese label) for every term index.
TAXONOMIES: tuple[tuple[str, str, str], ...] = (
    ("district", "districts", "地区"),
    ("street", "streets", "街道"),
    ("topic", "topics", "主题"),
    ("keyword", "keywords", "关键词"),
    ("person", "people", "人物"),  # bylines (authors) and the names in the text (persons)
)
#: term kinds whose head page shows a chart of articles per month
CHART_KINDS = ("district", "topic", "person")
KIND_LABELS = {"article": "消息", "photo": "图片", "notice": "公告"}
#: a keyword of fewer articles gets no page of its own: its links go to a search for it
#: (`Term.href`); on a small archive most keywords are used once, and a page of one
#: article says no more than the article
TERM_PAGE_MIN = {"keyword": 2}


@dataclass(frozen=True)
class Entry:
    """One article together with its issue and page URL."""

    issue: Issue
    article: Article
    url: str


@dataclass
class Term:
    kind: str
    name: str
    url: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def paged(self) -> bool:
        """Whether the term has pages (`url`) of its own."""
        return len(self.entries) >= TERM_PAGE_MIN.get(self.kind, 1)

    @property
    def href(self) -> str:
        """Where links to the term go: its page, or a search for it."""
        return self.url if self.paged else urls.search_url(self.kind, self.name)


@dataclass
class Archive:
    issues: list[Issue]  # newest first
    entries: list[Entry]  # newest issue first, then page order
    by_issue: dict[str, list[Entry]]  # issue url -> entries in page order
    terms: dict[str, list[Term]]  # kind -> terms, most used first
    years: dict[str, dict[str, dict[str, list[Issue]]]]  # year -> month -> day -> issues
    undated: list[Issue]
    term_index: dict[tuple[str, str], Term] = field(default_factory=dict)
    position: dict[str, int] = field(default_factory=dict)  # article url -> rank, newest first
    postings: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # term -> entry ranks
    #: issue url -> rank of the first entry of the next older issue
    older_from: dict[str, int] = field(default_factory=dict)
    #: issue url -> hash of everything shown about it (see `issue_fingerprint`)
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: issue url -> hash of the fingerprints of every older issue (what `related` can see)
    older_keys: dict[str, str] = field(default_factory=dict)
    key: str = ""  # hash of the whole archive
    by_id: dict[int, str] = field(default_factory=dict)  # id(issue) -> fingerprint (no URL to compute)
    chars: int | None = None  # `total_chars`, when known (summed once, or kept by `ArchiveRecord`)
    #: issue url -> its edition: every file of one date and publication, in page order
    editions: dict[str, "Edition"] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.term_index = {(t.kind, t.name): t for ts in self.terms.values() for t in ts}
        self.position = {e.url: i for i, e in enumerate(self.entries)}
        if not self.postings:  # `build_archive` counts them as it goes
            self.postings = {key: [self.position[e.url] for e in t.entries] for key, t in self.term_index.items()}
        rank = 0
        known = self.by_id  # fingerprints `build_archive` made already
        self.by_id = {}
        for issue in self.issues:
            url = urls.issue_url(issue)
            rank += len(self.by_issue[url])
            self.older_from[url] = rank
            self.fingerprints[url] = self.by_id[id(issue)] = known.get(id(issue)) or issue_fingerprint(issue)
        running = hashlib.blake2b(digest_size=16)
        for issue in reversed(self.issues):  # oldest first
            url = urls.issue_url(issue)
            self.older_keys[url] = running.hexdigest()
            running.update(self.fingerprints[url].encode())
        self.key = running.hexdigest()
        self.editions = editions_of(self.issues, self.fingerprints)

    @property
    def total_chars(self) -> int:
        if self.chars is None:
            self.chars = sum(e.article.chars for e in self.entries)
        return self.chars

    @property
    def date_range(self) -> tuple[str, str] | None:
        """(oldest, newest) date; the issues are sorted by date, newest first (and an
        ISO date sorts as its day does), so only the ends are looked at."""
        newest = next((i.date for i in self.issues if urls.date_parts(i.date)), None)
        oldest = next((i.date for i in reversed(self.issues) if urls.date_parts(i.date)), None)
        return (oldest, newest) if newest else None

    def issues_in_year(self, year: str) -> int:
        return sum(len(issues) for days in self.years.get(year, {}).values() for issues in days.values())

    def term(self, kind: str, name: str) -> Term | None:
        return self.term_index.get((kind, name))

    def page_of(self, kind: str, name: str) -> Term | None:
        """The term when it has a page of its own."""
        term = self.term_index.get((kind, name))
        return term if term is not None and term.paged else None

    def unpaged(self, issue: Issue) -> tuple:
        """The issue's terms without a page of their own, (kind, name) sorted: what its
        article pages link to a search instead (it changes as later issues use a term)."""
        index, found = self.term_index, set()
        for article in issue.articles:
            for kind, attr, _label in TAXONOMIES:
                for name in getattr(article, attr):
                    term = index.get((kind, name))
                    if term is not None and not term.paged:
                        found.add((kind, name))
        return tuple(sorted(found))


@dataclass
class Edition:
    """One publication on one date as printed: its files (版) in page order. `url` is its
    table of contents: a page of its own when it has several files, else its one file's page."""

    date: str
    publication: str | None
    issues: list[Issue]
    url: str
    key: tuple  # the fingerprints of its files: all its pages show of each other


def page_order(page: str | None) -> tuple:
    """`A02` → ('A', 2), `3` → ('', 3); unknown pages last."""
    m = re.match(r"\s*([A-Za-z]?)\s*0*(\d+)", page or "")
    return (0, m.group(1).upper(), int(m.group(2))) if m else (1, "", 0)


def editions_of(issues: list[Issue], fingerprints: dict[str, str]) -> dict[str, Edition]:
    """Files of one date and publication grouped into editions (undated files stand alone)."""
    groups: dict[tuple, list[Issue]] = {}
    for issue in issues:
        if urls.date_parts(issue.date):
            groups.setdefault((issue.date, issue.publication or ""), []).append(issue)
    out: dict[str, Edition] = {}
    for (date, publication), members in groups.items():
        members = sorted(members, key=lambda i: (page_order(i.page), urls.issue_slug(i)))
        first = urls.issue_url(members[0])
        url = urls.edition_url(date, publication) if len(members) > 1 else first
        edition = Edition(date, publication or None, members, url,
                          tuple(fingerprints[urls.issue_url(i)] for i in members))
        for issue in members:
            out[urls.issue_url(issue)] = edition
    return out


def month_counts(entries: list[Entry]) -> tuple[tuple[str, int], ...]:
    """Articles per month (`YYYY-MM`), oldest first, every month between the first and the
    last (zeros included); undated articles are left out."""
    counts: dict[str, int] = {}
    for e in entries:
        date = e.issue.date
        if date and len(date) == 10:
            ym = date[:7]
            counts[ym] = counts.get(ym, 0) + 1
    if not counts:
        return ()
    first, last = min(counts), max(counts)
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while True:
        ym = f"{y:04d}-{m:02d}"
        out.append((ym, counts.get(ym, 0)))
        if ym >= last:
            break
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


#: term kinds whose pages show where the place is (省 › 市 › 区 › 街道)
PLACE_KINDS = ("district", "street")


def place_chains(archive: "Archive", term: Term) -> tuple:
    """The chains (省 › 市 › 区 (› 街道)) a district or street term stands for: one per place
    the articles mean (two, say, for a 通州区 of 北京 and one of 南通), most articles first; each
    a tuple of (name, url or None), linked where the archive has that district's page. Read
    from the articles' `place_chains`, once per term (not per article page)."""
    if term.kind not in PLACE_KINDS:
        return ()
    counts: dict[str, int] = {}
    name = term.name
    for e in term.entries:
        parents = e.article.place_chains.get(name)
        if parents is not None:
            counts[parents] = counts.get(parents, 0) + 1
    out = []
    for parents in sorted(counts, key=lambda p: (-counts[p], p)):
        names = [n for n in parents.split("/") if n] if parents else []
        chain = []
        for n, part in enumerate(names):
            # a street's district (the last parent) has a page; provinces and cities have none
            page = archive.page_of("district", part) if term.kind == "street" and n == len(names) - 1 else None
            chain.append((part, page.url if page is not None else None))
        chain.append((name, None))
        out.append(tuple(chain))
    return tuple(out)


def issue_fingerprint(issue: Issue) -> str:
    """A hash of everything a page may show about an issue: its parsed content
    (`content_key`, or the content itself when unset) and what later stages
    added (slug, district, tags). Equal fingerprints, equal pages."""
    content = issue.content_key or json.dumps(issue.to_dict(with_source_lines=True), ensure_ascii=False, sort_keys=True)
    added = [content, issue.slug, issue.district, issue.date, issue.date_source]
    added += [(a.id, a.number, a.districts, a.streets, a.place_chains, a.topics, a.keywords, a.persons)
              for a in issue.articles]
    # marshal format 0: no back-references nor interning flags, so equal values give equal
    # bytes whatever their identity; cheaper than repr (asked for every issue of every build)
    try:
        data = marshal.dumps(added, 0)
    except ValueError:  # a value marshal does not take (a str subclass, say)
        data = repr(added).encode()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def issue_order(issue: Issue) -> tuple:
    return (issue.date or "", urls.issue_slug(issue))


def build_archive(issues: list[Issue], record: "ArchiveRecord | None" = None) -> Archive:
    """Index issues by date and term; newest first everywhere a reader browses.
    With a `record` of an archive of the very same issues, its rank lists are
    taken instead of walking every article's terms again."""
    ordered = sorted(issues, key=issue_order, reverse=True)
    entries, by_issue = _entries(ordered)
    prints: dict[int, str] = {}
    if record is not None:
        prints = {id(issue): issue_fingerprint(issue) for issue in ordered}
        known = record.load(chain_key(prints[id(issue)] for issue in reversed(ordered)), len(entries))
        if known is not None:
            return _from_rank_lists(ordered, entries, by_issue, known, prints)

    # one pass over the entries for every taxonomy, counting each term's ranks (`Archive.postings`) too
    found: dict[str, dict[str, tuple[Term, list[int]]]] = {kind: {} for kind, _attr, _label in TAXONOMIES}
    fields = [(kind, attr, found[kind]) for kind, attr, _label in TAXONOMIES]
    for rank, entry in enumerate(entries):
        article = entry.article
        for kind, attr, terms in fields:
            names = getattr(article, attr)
            if not names:
                continue
            for name in dict.fromkeys(names) if len(names) > 1 else names:
                if name:
                    known = terms.get(name)
                    if known is None:
                        known = terms[name] = (Term(kind, name, urls.term_url(kind, name)), [])
                    known[0].entries.append(entry)
                    known[1].append(rank)
    terms = {kind: sorted((t for t, _ in found[kind].values()), key=lambda t: (-len(t.entries), t.name))
             for kind, _attr, _label in TAXONOMIES}
    postings = {(kind, t.name): found[kind][t.name][1] for kind, ts in terms.items() for t in ts}

    years, undated = _by_date(ordered)
    return Archive(ordered, entries, by_issue, terms, years, undated, postings=postings, by_id=prints)


def _entries(ordered: list[Issue]) -> tuple[list[Entry], dict[str, list[Entry]]]:
    """Every issue's entries in page order, newest issue first, and by issue URL."""
    entries: list[Entry] = []
    by_issue: dict[str, list[Entry]] = {}
    for issue in ordered:
        folder = urls.issue_dir(issue)  # `urls.article_url`, once per issue
        items = [Entry(issue, a, f"{folder}/{a.number}.html") for a in sorted(issue.articles, key=_number)]
        by_issue[f"{folder}/index.html"] = items
        entries.extend(items)
    return entries, by_issue


def chain_key(prints_oldest_first) -> str:
    """`Archive.key`: a hash of every issue's fingerprint, oldest first."""
    running = hashlib.blake2b(digest_size=16)
    for fingerprint in prints_oldest_first:
        running.update(fingerprint.encode())
    return running.hexdigest()


def _from_rank_lists(ordered: list[Issue], entries: list[Entry], by_issue: dict[str, list[Entry]],
                     known: dict, prints: dict[int, str]) -> Archive:
    terms: dict[str, list[Term]] = {}
    postings: dict[tuple[str, str], list[int]] = {}
    for kind, rows in known["terms"].items():
        kept = terms[kind] = []
        for name, url, ranks in rows:
            kept.append(Term(kind, name, url, [entries[r] for r in ranks]))
            postings[(kind, name)] = ranks
    years, undated = _by_date(ordered)
    return Archive(ordered, entries, by_issue, terms, years, undated, postings=postings, by_id=prints,
                   chars=known.get("chars"))


class ArchiveRecord:
    """The term rank lists of the last archive built, under its `Archive.key` (a hash of
    every issue's fingerprint, which holds all `build_archive` reads of an issue). The
    next build, of the very same issues, takes them instead of walking every article's
    terms again."""

    FILE = "archive.marshal"  # marshal: lists of ints and strings, the fastest format to load
    KIND = "archive/1"  # (checksummed, see `cache.read`)

    def __init__(self, cache_dir):
        self.path = cache_dir / self.FILE
        self.code = _record_code()
        self.saved_key: str | None = None

    def load(self, key: str, entries: int) -> dict | None:
        """{"terms": the rank lists by kind, [(name, url, ranks)] most used first, "chars":
        `Archive.total_chars`}; None unless saved under `key`."""
        from ..cache import load_marshal

        data = load_marshal(self.path, self.KIND)
        if not isinstance(data, dict) or data.get("code") != self.code:
            return None
        self.saved_key = data.get("key")
        if self.saved_key != key or data.get("entries") != entries:
            return None
        return data

    def save(self, archive: Archive) -> None:
        if archive.key == self.saved_key:
            return
        from ..cache import dump_marshal

        terms = {kind: [(t.name, t.url, archive.postings[(kind, t.name)]) for t in ts] for kind, ts in archive.terms.items()}
        dump_marshal(self.path, self.KIND, {"code": self.code, "key": archive.key, "entries": len(archive.entries),
                                            "terms": terms, "chars": archive.total_chars})
        self.saved_key = archive.key


@functools.lru_cache(maxsize=1)
def _record_code() -> str:
    """A hash of the code that makes the rank lists and URLs: another version, another record
    (read once per process: a one-issue rebuild makes two records)."""
    code = hashlib.blake2b(digest_size=8)
    for module in (__file__, urls.__file__):
        with open(module, "rb") as fh:
            code.update(fh.read())
    return code.hexdigest()


def _by_date(ordered: list[Issue]) -> tuple[dict[str, dict[str, dict[str, list[Issue]]]], list[Issue]]:
    """Issues by year, month and day (in the order given), and those without a date."""
    years: dict[str, dict[str, dict[str, list[Issue]]]] = {}
    undated: list[Issue] = []
    for issue in ordered:
        parts = urls.date_parts(issue.date)
        if not parts:
            undated.append(issue)
            continue
        y, m, d = parts
        years.setdefault(y, {}).setdefault(m, {}).setdefault(d, []).append(issue)
    return years, undated


def _number(article: Article) -> int:
    return article.number


RELATED_WEIGHTS = {"district": 1, "street": 3, "topic": 1, "keyword": 2, "person": 0}


def related(archive: Archive, entry: Entry, limit: int = 5, max_postings: int = 100) -> list[Entry]:
    """Earlier articles (from older issues) sharing places (weighted up) and keywords/topics.

    Only older issues count, so the list is a function of the article and the
    archive before it: adding a new issue leaves every older page as it was
    (readers find newer coverage on the tag pages). Terms with more than
    `max_postings` older articles say little and would make a large archive
    quadratic, so they are skipped. Ties go to the newer article.
    """
    first = archive.older_from[urls.issue_url(entry.issue)]
    scores: dict[int, int] = {}
    for kind, attr, _label in TAXONOMIES:
        weight = RELATED_WEIGHTS[kind]
        if not weight:
            continue
        for name in set(getattr(entry.article, attr) or []):
            ranks = archive.postings.get((kind, name))
            if ranks is None:
                continue
            start = bisect.bisect_left(ranks, first)
            if len(ranks) - start > max_postings:
                continue
            for rank in ranks[start:]:
                scores[rank] = scores.get(rank, 0) + weight
    best = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [archive.entries[rank] for rank, _ in best]


def month_calendar(year: str, month: str, days: dict[str, list[Issue]]) -> list[list[tuple[int, str | None]]]:
    """Weeks (Monday first) of (day, day-page URL or None); day 0 pads the grid."""
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(int(year), int(month))
    return [
        [(d, urls.day_url(year, month, f"{d:02d}") if d and f"{d:02d}" in days else None) for d in week]
        for week in weeks
    ]

