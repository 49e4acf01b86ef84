"""The archive as the site sees it: issues sorted, articles indexed by term and date.

Built once from the pipeline's Issues and read by every page; holds no HTML.
Everything here is ordered deterministically so a rebuild writes the same bytes.
"""
from __future__ import annotations

import calendar
import heapq
from collections import Counter
from dataclasses import dataclass, field

from ..model import Article, Issue
from . import urls

#: (url folder, field on Article, Chinese label) for every term index.
TAXONOMIES: tuple[tuple[str, str, str], ...] = (
    ("district", "districts", "地区"),
    ("street", "streets", "街道"),
    ("topic", "topics", "主题"),
    ("keyword", "keywords", "关键词"),
)
KIND_LABELS = {"article": "消息", "photo": "图片", "notice": "公告"}


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

    def __post_init__(self) -> None:
        self.term_index = {(t.kind, t.name): t for ts in self.terms.values() for t in ts}
        self.position = {e.url: i for i, e in enumerate(self.entries)}
        self.postings = {key: [self.position[e.url] for e in t.entries] for key, t in self.term_index.items()}

    @property
    def total_chars(self) -> int:
        return sum(len(e.article.body_text) for e in self.entries)

    @property
    def date_range(self) -> tuple[str, str] | None:
        dated = [i.date for i in self.issues if urls.date_parts(i.date)]
        return (min(dated), max(dated)) if dated else None

    def issues_in_year(self, year: str) -> int:
        return sum(len(issues) for days in self.years.get(year, {}).values() for issues in days.values())

    def term(self, kind: str, name: str) -> Term | None:
        return self.term_index.get((kind, name))


def issue_order(issue: Issue) -> tuple:
    return (issue.date or "", urls.issue_slug(issue))


def build_archive(issues: list[Issue]) -> Archive:
    """Index issues by date and term; newest first everywhere a reader browses."""
    ordered = sorted(issues, key=issue_order, reverse=True)
    entries: list[Entry] = []
    by_issue: dict[str, list[Entry]] = {}
    for issue in ordered:
        items = [Entry(issue, a, urls.article_url(issue, a)) for a in sorted(issue.articles, key=lambda a: a.number)]
        by_issue[urls.issue_url(issue)] = items
        entries.extend(items)

    terms: dict[str, list[Term]] = {}
    for kind, attr, _label in TAXONOMIES:
        found: dict[str, Term] = {}
        for entry in entries:
            for name in dict.fromkeys(getattr(entry.article, attr) or []):
                if name:
                    found.setdefault(name, Term(kind, name, urls.term_url(kind, name))).entries.append(entry)
        terms[kind] = sorted(found.values(), key=lambda t: (-len(t.entries), t.name))

    years: dict[str, dict[str, dict[str, list[Issue]]]] = {}
    undated: list[Issue] = []
    for issue in ordered:
        parts = urls.date_parts(issue.date)
        if not parts:
            undated.append(issue)
            continue
        y, m, d = parts
        years.setdefault(y, {}).setdefault(m, {}).setdefault(d, []).append(issue)
    return Archive(ordered, entries, by_issue, terms, years, undated)


RELATED_WEIGHTS = {"district": 1, "street": 3, "topic": 1, "keyword": 2}


def related(archive: Archive, entry: Entry, limit: int = 5, max_postings: int = 100) -> list[Entry]:
    """Articles sharing places (weighted up) and keywords/topics with this one.

    Terms shared by more than `max_postings` articles say little and would make
    a large archive quadratic, so they are skipped. Ties go to the newer article.
    """
    me = archive.position[entry.url]
    scores: dict[int, int] = {}
    for kind, attr, _label in TAXONOMIES:
        weight = RELATED_WEIGHTS[kind]
        for name in set(getattr(entry.article, attr) or []):
            ranks = archive.postings.get((kind, name))
            if ranks is None or len(ranks) > max_postings:
                continue
            for rank in ranks:
                scores[rank] = scores.get(rank, 0) + weight
    scores.pop(me, None)
    best = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [archive.entries[rank] for rank, _ in best]


def month_calendar(year: str, month: str, days: dict[str, list[Issue]]) -> list[list[tuple[int, str | None]]]:
    """Weeks (Monday first) of (day, day-page URL or None); day 0 pads the grid."""
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(int(year), int(month))
    return [
        [(d, urls.day_url(year, month, f"{d:02d}") if d and f"{d:02d}" in days else None) for d in week]
        for week in weeks
    ]

