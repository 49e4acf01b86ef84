"""The index's documents: every article of the archive, numbered, and what the index
holds of each (`build.Payload`), a range of `layout.RANGE` documents at a time."""
from __future__ import annotations

import hashlib
from typing import Callable

from ..model import Article, Issue
from . import layout
from .build import Payload


def doc_order(issue: Issue) -> tuple[str, str]:
    """Issues are numbered into docs by (date, source): a new issue of the latest date comes last."""
    return issue.date or "", issue.source


def title_prefix(article: Article) -> str:
    """Kicker, title and subtitle: the start of ``Article.body_text`` the title lists cover."""
    parts = [p for p in (article.kicker, article.title, article.subtitle) if p]
    return "\n".join(parts)


def people(article: Article) -> list[str]:
    """Everyone an article names, as the person pages count them: its authors, then the tagger's persons."""
    return list(dict.fromkeys([n for n in (*article.authors, *article.persons) if n]))


class Docs:
    """The archive's articles in doc order: by issue (`doc_order`), then article number.

    `load_full(issue)` gives an issue with its articles' text: the issues given may
    be summaries, read in full only for the ranges that are built."""

    def __init__(self, issues: list[Issue], article_url: Callable[[Issue, Article], str],
                 load_full: Callable[[Issue], Issue] | None = None):
        self.docs: list[tuple[Issue, Article]] = []
        for issue in sorted(issues, key=doc_order):
            for article in sorted(issue.articles, key=lambda a: a.number):
                self.docs.append((issue, article))
        self.article_url = article_url
        self.load_full = load_full

    def __len__(self) -> int:
        return len(self.docs)

    @property
    def ranges(self) -> int:
        return (len(self.docs) + layout.RANGE - 1) // layout.RANGE

    def range(self, r: int) -> list[tuple[Issue, Article]]:
        return self.docs[r * layout.RANGE : (r + 1) * layout.RANGE]

    def payloads(self, r: int) -> list[Payload]:
        """What the index holds of range `r`'s articles, their text read in full."""
        docs = self.range(r)
        full: dict[int, Issue] = {}
        out = []
        for (issue, article), (facets, meta, tlen) in zip(docs, doc_lites(docs, self.article_url)):
            if self.load_full is not None:
                whole = full.get(id(issue))
                if whole is None:
                    whole = full[id(issue)] = self.load_full(issue)
                article = next((a for a in whole.articles if a.number == article.number), article)
            out.append(Payload(article.body_text, tlen, facets, meta))
        return out

    def dates(self) -> list[str]:
        return [issue.date or "" for issue, _ in self.docs]


def doc_lites(docs: list[tuple[Issue, Article]], article_url) -> list[tuple[list[str], list, int]]:
    """What the index needs of every (issue, article) besides its text: (facets, meta,
    title length), docs of an issue next to each other."""
    out = []
    last = None
    for issue, article in docs:
        if issue is not last:
            last = issue
            date = issue.date or ""
            year = ["#y" + date[:4]] if date[:4] else []
            idist = [issue.district] if issue.district else []
        districts = list(dict.fromkeys(article.districts)) if article.districts else idist
        # a facet counts what the term's page lists (`site.archive.build_archive`): the
        # article's own places, each named term once, no empty name
        # (SEP never occurs in a key: see `text.join_keys`)
        facets = ["#d" + v for v in districts if v] if article.districts else []
        if article.streets:
            facets += ["#s" + v for v in dict.fromkeys(article.streets) if v]
        if article.topics:
            facets += ["#t" + v for v in dict.fromkeys(article.topics) if v]
        if article.authors or article.persons:
            facets += ["#p" + v for v in people(article)]
        facets += year
        kicker = article.kicker
        parts = [p for p in (kicker, article.title, article.subtitle) if p]
        tlen = sum(map(len, parts)) + len(parts) - 1 if parts else 0
        out.append((facets, [article_url(issue, article), article.display_title, date, " ".join(districts), kicker or ""], tlen))
    return out


def facet_counts(payloads: list[Payload]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in payloads:
        for f in p.facets:
            counts[f] = counts.get(f, 0) + 1
    return counts


def doc_ids(docs: list[tuple[Issue, Article]]) -> list:
    """Per article, a stable id of its text: the issue's content_key and the article number, or else a hash of the text."""
    out = []
    for issue, article in docs:
        ck = getattr(issue, "content_key", "") or ""
        out.append(["k", ck, article.number] if ck else ["t", hashlib.sha1(article.body_text.encode("utf-8", "surrogatepass")).hexdigest()])
    return out


def doc_idents(docs: list[tuple[Issue, Article]]) -> list[tuple]:
    """Per article, what its facets and meta are made of besides the text `doc_ids` names
    (URL parts, date, places, streets, topics, title): a range's key hashes these plain
    values, without making the facets and meta of every article of the archive. An issue
    with a `content_key` (its parse and analysis, source path included) is named by that
    and its slug (which a clash of file names may change)."""
    out = []
    last = head = None
    for issue, article in docs:
        if issue is not last:
            last = issue
            key = getattr(issue, "content_key", "") or ""
            head = ("k", key, issue.slug) if key else (issue.slug, issue.source, issue.date, issue.district)
        if head[0] == "k":
            out.append(head)  # (the article number is in its `doc_ids` entry)
        else:
            out.append((head, article.number, article.districts, article.streets, article.topics,
                        article.display_title, article.kicker, article.authors, article.persons))
    return out


def date_table(dates: list[str]) -> list[int]:
    """``search/dates.js``: where each date's docs start (docs are in date order, undated first),
    as flat integers: the first dated doc's YYYYMMDD and doc, then per further date the
    differences of both (the page adds them up): a date filter is a range of docs."""
    out: list[int] = []
    prev_d = prev_n = 0
    last = None
    for n, date in enumerate(dates):
        if date == last or len(date) != 10:
            continue
        last = date
        d = int(date.replace("-", ""))
        out += [d - prev_d, n - prev_n]
        prev_d, prev_n = d, n
    return out


def date_span(dates: list[str]) -> list[str]:
    dated = [date for date in dates if len(date) == 10]
    return [dated[0], dated[-1]] if dated else []
