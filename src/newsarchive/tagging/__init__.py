"""Tag stage: places (gazetteer), topics (taxonomy), keywords and persons for every article.

    tagger = Tagger.load()            # dictionaries once per process
    tagger.tag_issues(issues)         # fills the tag fields in place
    tagger.version                    # part of the build cache key

Segmentation goes through `segment.Segmenter` (rjieba) with every place name
and topic term as a user word; keyword IDF blends jieba's table with the
document frequencies of the articles given, so tag the whole archive at once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..model import Article, Issue
from .gazetteer import Gazetteer, Places
from .keywords import ArchiveIDF, JiebaIDF, is_candidate, tfidf, term_counts, top_keywords
from .persons import join_names, persons
from .segment import Segmenter, Token
from .topics import Taxonomy

TAGGER_VERSION = "1"
PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
DATA_FILES = ("gazetteer.yaml", "topics.yaml", "stopwords.txt")

__all__ = ["Tagger", "TAGGER_VERSION", "Segmenter", "Gazetteer", "Taxonomy"]


def _layers(data_dir: Path | None) -> list[Path]:
    """Package data first, then an archive's own data/ directory on top of it."""
    dirs = [PACKAGE_DATA]
    if data_dir is not None and Path(data_dir).resolve() != PACKAGE_DATA:
        dirs.append(Path(data_dir))
    return dirs


def _read_stopwords(paths: list[Path]) -> frozenset[str]:
    words: set[str] = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                words.add(line)
    return frozenset(words)


@dataclass
class _Parsed:
    """One article cut into tokens once, shared by every tagger."""

    article: Article
    head: list[Token]
    body: list[Token]

    @property
    def tokens(self) -> list[Token]:
        return self.head + self.body


class Tagger:
    """Loaded dictionaries (segmenter, gazetteer, taxonomy, stop words, jieba IDF) and the tag stage.

    Load once per process with `Tagger.load()`; `version` changes whenever a
    data file or this package's code does, so it belongs in the cache key.
    """

    def __init__(self, segmenter: Segmenter, gazetteer: Gazetteer, taxonomy: Taxonomy,
                 stopwords: frozenset[str], jieba_idf: JiebaIDF, version: str):
        self.segmenter = segmenter
        self.gazetteer = gazetteer
        self.taxonomy = taxonomy
        self.stopwords = stopwords
        self.jieba_idf = jieba_idf
        self.version = version
        self._not_names = frozenset(gazetteer.stems()) | frozenset(gazetteer.names())
        self._seed_terms = frozenset(taxonomy.seed_terms())
        self._district_names = gazetteer.district_names()
        self._verdicts: dict = {}  # (word, flag) → keyword candidate?

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Tagger":
        """Package data, with `data_dir`'s gazetteer.yaml / topics.yaml / stopwords.txt merged on top."""
        dirs = _layers(data_dir)
        files = {name: [d / name for d in dirs if (d / name).is_file()] for name in DATA_FILES}
        gazetteer = Gazetteer.load(files["gazetteer.yaml"])
        taxonomy = Taxonomy.load(files["topics.yaml"])
        segmenter = Segmenter()
        segmenter.add_words(gazetteer.user_words(segmenter.has_word))
        segmenter.add_words((t, "n") for t in taxonomy.seed_terms() if len(t) >= 2 and not segmenter.has_word(t))
        return cls(segmenter, gazetteer, taxonomy, _read_stopwords(files["stopwords.txt"]), JiebaIDF(),
                   _version([p for ps in files.values() for p in ps]))

    def place_names(self) -> frozenset[str]:
        """Every name the gazetteer knows (districts, short names, streets, aliases): for `check`."""
        return frozenset(self.gazetteer.names())

    # -- the stage ------------------------------------------------------------
    def tag_issues(self, issues: list[Issue]) -> None:
        """Fill districts, streets, topics, keywords, persons of every article (and issue.district)."""
        for issue in issues:
            self.analyse_issue(issue)
        self.assign_keywords(issues)

    def analyse_issue(self, issue: Issue) -> None:
        """Everything that depends on one issue alone: places, topics, persons and the
        article's term counts. Runs in parse workers and is cached with the parse."""
        parsed = [self._parse(a) for a in issue.articles]
        self._places(issue, parsed)
        seeds = self._seed_terms
        for p in parsed:
            counts = term_counts(p.head, p.body, self._keep)
            # topics by general (jieba) weight: a topic most articles share is still theirs
            p.article.topics = self.taxonomy.choose(tfidf(counts, self.jieba_idf, only=seeds))
            p.article.persons = persons(p.tokens, self._not_names, self.jieba_idf)
            p.article.term_counts = dict(sorted(counts.items()))

    def assign_keywords(self, issues: list[Issue]) -> None:
        """Keywords by archive weight (what sets an article apart): needs every article's counts."""
        articles = [a for issue in issues for a in issue.articles]
        idf = ArchiveIDF(self.jieba_idf, [a.term_counts for a in articles])
        for article in articles:
            article.keywords = top_keywords(tfidf(article.term_counts, idf), exclude=[*article.persons, *self._district_names])

    def _keep(self, tok) -> bool:
        """Keyword candidate? Decided once per (word, flag): words repeat across articles."""
        verdict = self._verdicts.get(tok)
        if verdict is None:
            verdict = self._verdicts[tok] = is_candidate(tok, self.stopwords, self.segmenter.has_word)
        return verdict

    def _parse(self, article: Article) -> _Parsed:
        head = "\n".join(x for x in (article.kicker, article.title, article.subtitle) if x)
        body = "\n".join([b.text for b in article.blocks] + list(article.captions))
        return _Parsed(article, join_names(self.segmenter.tag(head)), join_names(self.segmenter.tag(body)))

    def _places(self, issue: Issue, parsed: list[_Parsed]) -> None:
        found: list[Places] = [self.gazetteer.find(p.tokens, issue.date) for p in parsed]
        if issue.district is None:
            issue.district = self._main_district(found)
        own = self.gazetteer.district_on(issue.district, issue.date) if issue.district else None
        for p, places in zip(parsed, found):
            districts = list(places.districts)
            if places.self_reference and own and own not in districts:
                districts.append(own)
            p.article.districts = districts
            p.article.streets = list(places.streets)

    @staticmethod
    def _main_district(found: list[Places]) -> str | None:
        """The district the issue is most about: in most articles, then most mentions, then earliest."""
        articles: dict[str, int] = {}
        mentions: dict[str, int] = {}
        first: dict[str, int] = {}
        for n, places in enumerate(found):
            for name in places.districts:
                articles[name] = articles.get(name, 0) + 1
                mentions[name] = mentions.get(name, 0) + places.counts[name]
                first.setdefault(name, n)
        if not articles:
            return None
        return min(articles, key=lambda d: (-articles[d], -mentions[d], first[d], d))


def _version(data_files: list[Path]) -> str:
    """Hash of the data files, this package's code and the segmenter/IDF versions."""
    h = hashlib.sha256(TAGGER_VERSION.encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")) + data_files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for dist in ("rjieba", "jieba"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(dist.encode())
    return h.hexdigest()[:16]
