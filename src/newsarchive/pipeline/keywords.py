"""Tag stage, the archive-wide half: keywords, ranked against the whole archive.

The per-issue half (places, topics, persons, term counts) runs in the parse
stage. Keywords need every issue's term counts: while the keyword table stays
the same (see `tagging.keyword_reference`), only the issues parsed now are
ranked; when it changes, every issue is, with the term counts of unchanged
issues read back from their full parse.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..model import Article, Issue
from ..runtime import Workers
from .catalog import Catalog
from .parsing import Dictionaries, FullIssues, pack_counts, unpack_counts

#: articles from which ranking keywords is worth forking workers for
PARALLEL_KEYWORDS = 3000


@dataclass
class _RankState:
    """What every ranking worker inherits."""

    tagger: object
    table: object
    counts: Callable[[Article], dict]
    issues: list[Issue]


def _rank_range(state: _RankState, bounds: tuple[int, int]) -> list[list[list[str]]]:
    chunk = state.issues[bounds[0] : bounds[1]]
    state.tagger.assign_keywords(chunk, table=state.table, counts=state.counts)
    return [[a.keywords for a in issue.articles] for issue in chunk]


def rank_keywords(issues: list[Issue], counts_now: dict[str, list[bytes]], catalog: Catalog,
                  full_issues: FullIssues, dictionaries: Dictionaries, version: str,
                  jobs: int = 1) -> tuple[object, list[Issue]]:
    """Give keywords to the issues that need them; returns the keyword table and the issues ranked."""
    from ..tagging import keyword_reference

    table_id, _ = keyword_reference(issues, version)
    table = catalog.table if getattr(catalog.table, "id", None) == table_id else None
    todo = [i for i in issues if i.content_key in counts_now] if table is not None else issues
    if not todo:
        return table, todo
    counts_of: dict[int, bytes] = {}
    for issue in issues if table is None else todo:
        packed = counts_now.get(issue.content_key)
        if packed is None:
            packed = [pack_counts(a.term_counts) for a in full_issues.read(issue).articles]
        for article, counts in zip(issue.articles, packed):
            counts_of[id(article)] = counts

    def counts(article: Article) -> dict:
        return unpack_counts(counts_of.get(id(article), b""))

    tagger = dictionaries.get().tagger
    table = table or tagger.keyword_table(issues, counts)
    if jobs < 2 or sum(len(i.articles) for i in todo) < PARALLEL_KEYWORDS:
        return tagger.assign_keywords(todo, table=table, counts=counts), todo
    step = -(-len(todo) // (jobs * 2))
    bounds = [(i, i + step) for i in range(0, len(todo), step)]
    with Workers(jobs, _RankState(tagger, table, counts, todo)) as workers:
        ranked = workers.map(_rank_range, bounds, chunks_per_worker=1)
    for (start, _end), chunk in zip(bounds, ranked):
        for issue, keywords in zip(todo[start:], chunk):
            for article, words in zip(issue.articles, keywords):
                article.keywords = words
    return table, todo
