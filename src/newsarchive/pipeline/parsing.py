"""Parse stage: the one driver that turns issue files into issues, for `build`,
`parse` and `check` alike.

Each file is read, parsed, dated and analysed (the per-issue half of tagging:
places, topics, persons, term counts). The full issue goes into the parse
cache; `build` keeps only its summary (`Issue.summary`) and its packed term
counts, so the main process never holds every body at once.
"""
from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import ParseCache
from ..model import Issue, SourceError
from ..runtime import Workers
from .sources import FileError, SourceEntry

if TYPE_CHECKING:
    from ..parse import Lexicon


@dataclass
class Toolkit:
    """The word knowledge shared by parser and tagger: one dictionary per process.

    The parser segments with the tagger's segmenter, place names included (so
    `天生港镇` ⏎ `街道` is seen as one word cut by a break); that makes parse
    results depend on the data files too, hence `version` salts the cache.
    """

    tagger: "object"
    lexicon: "Lexicon"

    @classmethod
    def load(cls, data_dir: Path | None = None, cache_dir: Path | None = None) -> "Toolkit":
        from ..parse import Lexicon
        from ..tagging import Tagger

        tagger = Tagger.load(data_dir, cache_dir)
        return cls(tagger, Lexicon(tagger.segmenter))

    @property
    def version(self) -> str:
        return self.tagger.version


class Dictionaries:
    """A `Toolkit` loaded on first use: a rebuild after a template change needs none.

    `serve` keeps one for its whole run, so its rebuilds never load the dictionaries again.
    """

    def __init__(self, data_dir: Path | None, cache_dir: Path | None = None):
        self.data_dir = data_dir
        self.cache_dir = cache_dir  # derived tables kept between builds (see `tagging.keywords.SortedIDF`)
        self._toolkit: Toolkit | None = None

    @classmethod
    def of(cls, toolkit: Toolkit) -> "Dictionaries":
        """Dictionaries already loaded (by `check`, which needs the tagger itself)."""
        loaded = cls(None)
        loaded._toolkit = toolkit
        return loaded

    def get(self) -> Toolkit:
        if self._toolkit is None:
            self._toolkit = Toolkit.load(self.data_dir, self.cache_dir)
        return self._toolkit

    #: archives from this many sources keep jieba's IDF table sorted in the cache folder:
    #: sorting it costs a cold build more than reading the text table saves a small one
    KEEP_TABLES_FROM = 200

    def keep_tables(self, sources: int) -> None:
        """After a build that loaded the dictionaries, keep the tables derived from them that
        the next build of a large archive reads instead of building (`SortedIDF`)."""
        from ..tagging.keywords import SortedIDF

        if self._toolkit is not None and self.cache_dir is not None and sources >= self.KEEP_TABLES_FROM:
            SortedIDF.store(self.cache_dir, self._toolkit.tagger.jieba_idf)

    def serves(self, data_dir: Path | None, cache_dir: Path | None) -> bool:
        return (self.data_dir, self.cache_dir) == (data_dir, cache_dir)


def parse_and_date(source, lexicon: "Lexicon | None" = None) -> Issue:
    from ..dates import date_issue
    from ..parse import parse_source

    issue = parse_source(source, lexicon)
    date_issue(issue, source)
    return issue


def parse_bytes(data: bytes, shown: str, toolkit: Toolkit) -> Issue | FileError:
    """Read, parse, date and analyse one file."""
    from ..source import source_from_bytes

    try:
        issue = parse_and_date(source_from_bytes(data, shown), toolkit.lexicon)
    except SourceError as exc:
        return FileError(exc.path, exc.message, exc.line)
    toolkit.tagger.analyse_issue(issue)
    return issue


def pack_counts(counts: dict) -> bytes:
    """An article's term counts as one bytes object: marshal reads back ~20× faster than
    text, and a dict per article would hold ~1 GB at 10,000 issues."""
    return marshal.dumps(counts)


def unpack_counts(packed: bytes) -> dict[str, int]:
    return marshal.loads(packed) if packed else {}


@dataclass
class Parsed:
    """What the parse stage hands on, in source order."""

    issues: list[Issue]  # summaries for `build`, full issues for `parse` and `check`
    errors: list[FileError]
    #: content key -> packed term counts of each article, for the issues parsed now
    counts: dict[str, list[bytes]] = field(default_factory=dict)


@dataclass
class _ParseState:
    """What every parse worker inherits."""

    toolkit: Toolkit
    cache: ParseCache
    summaries: bool


def _parse_entry(state: _ParseState, entry: SourceEntry):
    """One file: a FileError, or (issue or its summary, packed term counts)."""
    try:
        data = entry.read()
    except SourceError as exc:
        return FileError(entry.shown, exc.message, exc.line)
    except OSError as exc:
        return FileError(entry.shown, f"cannot read: {exc.strerror}")
    issue = parse_bytes(data, entry.shown, state.toolkit)
    if isinstance(issue, FileError):
        return issue
    issue.content_key = state.cache.key(entry.shown, data)  # of the bytes parsed, which may be newer than the scan's
    state.cache.put(issue.content_key, issue)
    packed = [pack_counts(a.term_counts) for a in issue.articles]
    return (issue.summary() if state.summaries else issue), packed


def parse_sources(entries: list[SourceEntry], cache: ParseCache, dictionaries: Dictionaries, *,
                  known: dict[str, Issue] | None = None, summaries: bool = True, jobs: int = 1,
                  progress=None) -> Parsed:
    """Every entry as an issue: from `known` (content key -> summary, the previous build's
    catalog) while its cache entry is there, else from the parse cache (full issues only),
    else parsed, on `jobs` processes when there are several files."""
    slots: list = [entry.error for entry in entries]
    todo: list[int] = []
    for index, entry in enumerate(entries):
        if entry.error is not None:
            continue
        if known is not None:
            hit = known.get(entry.key)
            hit = hit if hit is not None and cache.has(entry.key) else None
        else:
            hit = None if summaries else cache.get(entry.key)
        if hit is not None:
            slots[index] = hit
        else:
            todo.append(index)
    counts: dict[str, list[bytes]] = {}
    if todo:
        state = _ParseState(dictionaries.get(), cache, summaries)
        with Workers(jobs, state) as workers, _progress_bar(progress, len(todo)) as tick:
            outcomes = workers.map(_parse_entry, [entries[i] for i in todo], progress=tick)
        for index, outcome in zip(todo, outcomes):
            if isinstance(outcome, tuple):
                slots[index], counts[outcome[0].content_key] = outcome
            else:
                slots[index] = outcome
    cache.prune({entry.key for entry in entries if entry.key})
    return Parsed([s for s in slots if isinstance(s, Issue)], [s for s in slots if isinstance(s, FileError)], counts)


class _progress_bar:
    """`progress(length=, label=)` (a click progress bar) as a `tick(n)` callback, or None."""

    def __init__(self, progress, total: int):
        self.bar = progress(length=total, label="parsing") if progress is not None else None

    def __enter__(self):
        if self.bar is None:
            return None
        bar = self.bar.__enter__()
        return bar.update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


class FullIssues:
    """`full_issues(summary)`: the full issue behind a summary, with what later stages set
    on the summary (slug, tags, keywords). A cache entry found damaged (and dropped, see
    `cache.read`) or gone is parsed again from its source, as a clean build would."""

    def __init__(self, cache: ParseCache, dictionaries: Dictionaries, root: Path):
        self.cache = cache
        self.dictionaries = dictionaries
        self.root = root

    def __call__(self, summary: Issue) -> Issue:
        full = self.read(summary)
        full.slug, full.district = summary.slug, summary.district
        for article, short in zip(full.articles, summary.articles):
            article.id = short.id
            article.districts, article.streets, article.topics = short.districts, short.streets, short.topics
            article.keywords, article.persons = short.keywords, short.persons
            article.term_counts = {}
        return full

    def read(self, summary: Issue) -> Issue:
        """The cached full issue as parsed."""
        full = self.cache.get(summary.content_key)
        return full if full is not None else self.reparse(summary)

    def reparse(self, summary: Issue) -> Issue:
        from ..source import read_limited

        data = read_limited(self.root / summary.source, summary.source)
        key = self.cache.key(summary.source, data)
        if key != summary.content_key:
            raise SourceError(summary.source, "changed while the site was built: build again")
        issue = parse_bytes(data, summary.source, self.dictionaries.get())
        if isinstance(issue, FileError):
            raise SourceError(issue.path, issue.message, issue.line)
        issue.content_key = key
        self.cache.put(key, issue)
        return issue


def dedupe_slugs(issues: list[Issue]) -> list[tuple[Issue, str, list[str]]]:
    """Two files may share a stem in different folders; keep URLs apart. Returns
    (issue, slug, article ids) as they were, for each issue renamed."""
    seen: dict[str, int] = {}
    renamed = []
    for issue in sorted(issues, key=lambda i: i.source):
        n = seen.get(issue.slug, 0)
        seen[issue.slug] = n + 1
        if n:
            old = issue.slug
            renamed.append((issue, old, [a.id for a in issue.articles]))
            issue.slug = f"{old}-{n + 1}"
            for article in issue.articles:
                article.id = issue.slug + article.id[len(old):]
    return renamed


def rename(issue: Issue, slug: str, ids: list[str]) -> None:
    issue.slug = slug
    for article, article_id in zip(issue.articles, ids):
        article.id = article_id


@dataclass
class ParseResult:
    issues: list[Issue] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def parse_files(paths: list[Path], root: Path | None = None, toolkit: Toolkit | None = None,
                cache: ParseCache | None = None, jobs: int = 1, progress=None,
                data_dir: Path | None = None) -> ParseResult:
    """Full issues of many files, for `parse` and `check`: the build's driver without
    its catalog. Keywords (which need the whole archive) are left to `Tagger.assign_keywords`."""
    from .sources import scan_sources

    cache = cache or ParseCache(None)
    dictionaries = Dictionaries.of(toolkit) if toolkit is not None else Dictionaries(data_dir)
    entries = scan_sources(paths, root, cache)
    parsed = parse_sources(entries, cache, dictionaries, summaries=False, jobs=jobs, progress=progress)
    dedupe_slugs(parsed.issues)
    return ParseResult(parsed.issues, parsed.errors)


def parse_file(path: Path, root: Path | None = None, lexicon: "Lexicon | None" = None) -> Issue:
    """Read, parse and date one file; raises SourceError for unreadable input."""
    from ..source import read_source
    from .sources import display_path

    return parse_and_date(read_source(path, display_path(path, root)), lexicon)
