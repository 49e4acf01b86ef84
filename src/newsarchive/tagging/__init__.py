"""Tag stage: places (gazetteer), topics (taxonomy), keywords and persons for every article.

    tagger = Tagger.load()            # dictionaries once per process
    tagger.tag_issues(issues)         # fills the tag fields in place
    tagger.version                    # part of the build cache key

Segmentation goes through `segment.Segmenter` (rjieba) with every place name
and topic term as a user word; keyword IDF blends jieba's table with the
document frequencies of the archive's oldest articles (`KeywordTable`), so
keywords need the whole archive (`assign_keywords`), the rest one issue.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..model import Article, Issue
from .china import China
from .gazetteer import Gazetteer, Home, PlaceNames, Places
from .keywords import ArchiveIDF, JiebaIDF, KeywordTable, load_jieba_idf, is_candidate, reference_size, tfidf, term_counts, top_keywords
from .persons import join_names, persons
from .segment import Segmenter, Token
from .topics import Taxonomy

TAGGER_VERSION = "1"
PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
DATA_FILES = ("gazetteer.yaml", "topics.yaml", "stopwords.txt")
#: the national layer (see china.py), packaged only
CHINA_FILE = PACKAGE_DATA / "china-divisions.tsv"

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
    """One article cut into tokens once, shared by every tagger; with the texts cut (the
    segmenter keeps every character, so each is its tokens' words joined)."""

    article: Article
    head: list[Token]
    body: list[Token]
    head_text: str | None = None
    body_text: str | None = None

    @property
    def tokens(self) -> list[Token]:
        return self.head + self.body


class Tagger:
    """Loaded dictionaries (segmenter, gazetteer, taxonomy, stop words, jieba IDF) and the tag stage.

    Load once per process with `Tagger.load()`; `version` changes whenever a
    data file or this package's code does, so it belongs in the cache key.
    """

    def __init__(self, segmenter: Segmenter, gazetteer: Gazetteer, taxonomy: Taxonomy,
                 stopwords: frozenset[str], jieba_idf: JiebaIDF, version: str, homes: dict | None = None):
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
        #: publication (or "" for every one) → home code, from site.yaml's `home`
        self.homes: dict[str, str] = {}
        self.home_errors: list[str] = []
        self._homes: dict[str, Home | None] = {}  # source → the home its tagging used
        for publication, text in (homes or {}).items():
            code = gazetteer.resolve_home(text)
            if code is None:
                self.home_errors.append(f"site.yaml: home {text!r} names no one place of the gazetteer")
            else:
                self.homes[publication] = code

    @classmethod
    def load(cls, data_dir: Path | None = None, cache_dir: Path | None = None) -> "Tagger":
        """Package data, with `data_dir`'s gazetteer.yaml / topics.yaml / stopwords.txt merged on top;
        with `cache_dir`, jieba's IDF table (see `keywords.SortedIDF`) and the parsed data files
        (see `yamlfile.read_yaml`) come from there once kept."""
        files = _data_files(data_dir)
        version = data_version(data_dir)
        gazetteer = Gazetteer.load(files["gazetteer.yaml"], cache_dir).attach(China.load(CHINA_FILE))
        taxonomy = Taxonomy.load(files["topics.yaml"], cache_dir)
        return cls(_full_segmenter(gazetteer, taxonomy), gazetteer, taxonomy, _read_stopwords(files["stopwords.txt"]),
                   load_jieba_idf(cache_dir), version, site_homes(data_dir))

    def place_names(self) -> "PlaceNames":
        """Every name the gazetteer knows (districts, short names, streets, aliases, and the
        national layer's divisions), with `PlaceNames.knows`: for `check`."""
        return self.gazetteer.place_names()

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
            counts = term_counts(p.head, p.body, self._keep, p.head_text, p.body_text)
            # topics by general (jieba) weight: a topic most articles share is still theirs
            p.article.topics = self.taxonomy.choose(tfidf(counts, self.jieba_idf, only=seeds))
            p.article.persons = persons(p.tokens, self._not_names, self.jieba_idf)
            p.article.term_counts = dict(sorted(counts.items()))

    def reference(self, issues: list[Issue]) -> tuple[str, list[Article]]:
        """The articles whose document frequencies weigh keywords, and an id for that set.

        The oldest `reference_size(n)` articles (by issue date, then file):
        adding the newest issue leaves them, and everyone's keywords, alone.
        The id hashes the issues' `content_key`s (their term counts when unset).
        """
        return keyword_reference(issues, self.version)

    def keyword_table(self, issues: list[Issue], counts=None) -> KeywordTable:
        """Count the reference articles' terms; `counts(article)` gives an article's
        term counts when they are not on the article (summaries)."""
        table_id, reference = self.reference(issues)
        counts = counts or (lambda a: a.term_counts)
        return KeywordTable.count(table_id, (counts(a) for a in reference))

    def assign_keywords(self, issues: list[Issue], table: KeywordTable | None = None, counts=None) -> KeywordTable:
        """Keywords by archive weight (what sets an article apart). Without a `table`
        one is counted from `issues`; the table used is returned for reuse."""
        counts = counts or (lambda a: a.term_counts)
        table = table or self.keyword_table(issues, counts)
        return assign_keywords(issues, table, counts, self.keyword_weights([]))

    def keyword_weights(self, term_counts: list[dict]) -> "KeywordWeights":
        """What ranking articles with these term counts needs from the dictionaries
        (see `KeywordWeights`); with no counts, all of jieba's IDF table."""
        idf = self.jieba_idf if not term_counts else {w: self.jieba_idf[w] for counts in term_counts for w in counts}
        return KeywordWeights(idf, self._district_names)

    def _keep(self, tok) -> bool:
        """Keyword candidate? Decided once per (word, flag): words repeat across articles."""
        verdict = self._verdicts.get(tok)
        if verdict is None:
            verdict = self._verdicts[tok] = is_candidate(tok, self.stopwords, self.segmenter.has_word)
        return verdict

    def _parse(self, article: Article) -> _Parsed:
        head = "\n".join(x for x in (article.kicker, article.title, article.subtitle) if x)
        body = "\n".join([b.text for b in article.blocks] + list(article.captions))
        return _Parsed(article, join_names(self.segmenter.tag(head)), join_names(self.segmenter.tag(body)), head, body)

    def stated_home(self, issue: Issue) -> Home | None:
        """The home front matter (`district:`) or site.yaml (`home:`) states for this issue."""
        if issue.district:
            code = self.gazetteer.code_of(issue.district) or self.gazetteer.resolve_home(issue.district)
            if code:
                return Home(code, "front-matter")
        code = self.homes.get(issue.publication or "") or self.homes.get("")
        return Home(code, "site.yaml") if code else None

    def home_of(self, issue: Issue, found: "list[Places] | None" = None) -> Home | None:
        """Where the issue's paper is: as stated, else inferred from the text (`check` reports it);
        for an issue this tagger tagged, what it used then (tagging fills in `issue.district`)."""
        if issue.source in self._homes:
            return self._homes[issue.source]
        given = self._given_home(issue)
        if given is not None:
            return given
        if found is None:
            found = [self.gazetteer.find(p.tokens, issue.date) for p in map(self._parse, issue.articles)]
        return self._infer_home(found)

    def _given_home(self, issue: Issue) -> Home | None:
        """The home stated for the issue, else the county the paper's own name names (宝安日报 →
        宝安区): a paper is where its name says, whatever other counties its pages report on
        (合川日报 on 武胜县's towns). None leaves the home to be inferred from the text."""
        stated = self.stated_home(issue)
        if stated is not None:
            return stated
        code = self.gazetteer.home_of_paper(issue.publication)
        return Home(code, "publication", 0.9, f"the paper's name {issue.publication}") if code else None

    def _infer_home(self, found: list[Places]) -> Home | None:
        """The district most articles name (as `_main_district`), with how sure: the share of
        place-naming articles that name it, self-references of its kind (我区 for a 区) counting
        as naming it."""
        best = self._main_district(found)
        if best is None:
            return None
        code = self.gazetteer.code_of(best)
        if code is None:
            return None
        kind = best[-1]
        naming = [p for p in found if p.districts or p.self_kinds]
        support = sum(1 for p in naming if best in p.districts or kind in p.self_kinds)
        named = sum(1 for p in found if best in p.districts)
        selfs = sum(1 for p in found if kind in p.self_kinds and best not in p.districts)
        confidence = round(support / len(naming), 2) if naming else 0.0
        return Home(code, "inferred", confidence,
                    f"named in {named} of {len(found)} articles, self-references (我{kind}/全{kind}/{kind}委…) in {selfs} more")

    def _places(self, issue: Issue, parsed: list[_Parsed]) -> None:
        gazetteer = self.gazetteer
        scans = [gazetteer.scan(p.head, p.body, text=None if p.head_text is None else p.head_text + p.body_text)
                 for p in parsed]
        home = self._given_home(issue)
        found: list[Places] = [gazetteer.resolve(s, issue.date, home) for s in scans]
        if home is None:
            home = self._infer_home(found)
            if home is not None:  # a second look, for the names only the home tells apart
                found = [gazetteer.resolve(s, issue.date, home) for s in scans]
        self._homes[issue.source] = home
        # tags are plain names (通州区); the keys (北京市通州区 where two share a name) stay the
        # identity, kept on each article as the chain above each place (`Article.place_chains`)
        plain = gazetteer.plain
        district = issue.district
        if district is None:
            district = (gazetteer.key(home.code) if home is not None and home.source in ("site.yaml", "publication") and home.county
                        else self._main_district(found))
            issue.district = plain(district) if district else None
        elif home is not None and home.source == "front-matter" and home.county:
            district = gazetteer.key(home.code)  # 杭州市萧山区 or 萧山区 as written: its key
        own = gazetteer.district_on(district, issue.date) if district else None
        parents = gazetteer.parents
        for p, places in zip(parsed, found):
            keys = list(places.districts)
            if own and own not in keys and own[-1:] in places.self_kinds:
                keys.append(own)
            chains = {}
            districts = []
            for key in keys:
                name = plain(key)
                if name not in chains:
                    districts.append(name)
                    chains[name] = parents(key)
            streets = list(places.streets)
            for street in streets:
                where = places.street_districts.get(street)
                if where and street not in chains:
                    chains[street] = parents(where, street)
            p.article.districts = districts
            p.article.streets = streets
            p.article.place_chains = chains

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


@dataclass
class KeywordWeights:
    """The dictionaries' share in ranking keywords: jieba's IDF of the candidate words
    (a mapping; for a few articles just their words) and the names never chosen
    (county-level districts: `districts` says them). A process that parsed a few
    articles hands these over with them, so another can rank their keywords without
    loading any dictionary."""

    idf: object  # word -> jieba IDF
    exclude: frozenset[str]


def assign_keywords(issues: list[Issue], table: KeywordTable, counts, weights: KeywordWeights) -> KeywordTable:
    """Keywords by archive weight: see `Tagger.assign_keywords`; `counts(article)` gives its term counts."""
    idf = ArchiveIDF(weights.idf, table)
    exclude = weights.exclude
    for issue in issues:
        for article in issue.articles:
            article.keywords = top_keywords(tfidf(counts(article), idf), exclude=[*article.persons, *exclude])
    return table


def keyword_reference(issues: list[Issue], version: str) -> tuple[str, list[Article]]:
    """See `Tagger.reference`; needs no dictionaries, so a build can tell whether
    keywords must be re-ranked before loading any."""
    ordered = sorted(issues, key=lambda i: (i.date or "9999-99-99", i.source))
    articles = [(i, a) for i in ordered for a in sorted(i.articles, key=lambda a: a.number)]
    size = reference_size(len(articles))
    digest = hashlib.sha256(f"{version}|{size}".encode())
    for issue, article in articles[:size]:
        identity = issue.content_key or hashlib.sha256(repr(sorted(article.term_counts.items())).encode()).hexdigest()
        digest.update(f"|{identity}:{article.number}".encode())
    return digest.hexdigest()[:24], [a for _, a in articles[:size]]


def _full_segmenter(gazetteer: Gazetteer, taxonomy: Taxonomy) -> Segmenter:
    """jieba's dictionary with every place name and topic term added (see `Gazetteer.user_words`)."""
    segmenter = Segmenter()
    segmenter.add_words(gazetteer.user_words(segmenter.has_word))
    segmenter.add_words((t, "n") for t in taxonomy.seed_terms() if len(t) >= 2 and not segmenter.has_word(t))
    return segmenter


def site_homes(data_dir: Path | None) -> dict[str, str]:
    """`home` of the archive's site.yaml (next to its data/ folder): one place for every
    publication (`home: 杭州市萧山区`) or one per publication (`home: {萧山日报: 杭州市萧山区}`)."""
    text = _site_home_text(data_dir)
    if not text:
        return {}
    import yaml

    value = (yaml.safe_load(text) or {}).get("home")
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v}
    return {"": str(value)} if value else {}


def _site_home_text(data_dir: Path | None) -> str:
    """The `home:` entry of site.yaml as text (its line and the indented lines under it)."""
    if data_dir is None:
        return ""
    path = Path(data_dir).parent / "site.yaml"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    out: list[str] = []
    for line in lines:
        if out and (line.startswith((" ", "\t")) or not line.strip()):
            out.append(line)
        elif out:
            break
        elif line.startswith("home:"):
            out.append(line)
    return "\n".join(out)


def _data_files(data_dir: Path | None) -> dict[str, list[Path]]:
    dirs = _layers(data_dir)
    return {name: [d / name for d in dirs if (d / name).is_file()] for name in DATA_FILES}


def data_version(data_dir: Path | None = None) -> str:
    """`Tagger.version` without loading anything: cache keys are known before parsing."""
    return _version([p for ps in _data_files(data_dir).values() for p in ps] + [CHINA_FILE], _site_home_text(data_dir))


def _version(data_files: list[Path], home: str = "") -> str:
    """Hash of the data files, site.yaml's `home`, this package's code and the segmenter/IDF versions."""
    h = hashlib.sha256(TAGGER_VERSION.encode())
    h.update(home.encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")) + data_files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for dist in ("rjieba", "jieba"):
        version = _dist_version(dist)
        h.update(f"{dist}={version}".encode() if version else dist.encode())
    return h.hexdigest()[:16]


def _dist_version(dist: str) -> str | None:
    """An installed distribution's version, from the name of its `.dist-info` folder
    next to the package when there is one: importing importlib.metadata would be a
    noticeable part of every build."""
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec(dist)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent.parent
        prefix = f"{dist}-"
        try:
            found = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".dist-info")]
        except OSError:
            found = []
        if len(found) == 1:
            return found[0][len(prefix) : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def home_report(tagger: "Tagger", issues: list[Issue]) -> list[dict]:
    """Per issue, where its paper is and how that is known: for `newsarchive check`.

    Each entry: source, home (省 › 市 › 区), code, source of the home (site.yaml,
    front-matter, publication: the paper's name, inferred: from the text), confidence (0–1) and the evidence; home None when
    nothing tells (then shared names such as 城关镇 get no tag)."""
    out = []
    for message in tagger.home_errors:
        out.append({"source": "site.yaml", "home": None, "code": None, "how": "error", "confidence": 0.0,
                    "evidence": message})
    for issue in issues:
        home = tagger.home_of(issue)
        if home is None:
            out.append({"source": issue.source, "home": None, "code": None, "how": "unknown", "confidence": 0.0,
                        "evidence": "no county named and none stated: add `home:` to site.yaml or `district:` to the front matter"})
            continue
        g = tagger.gazetteer
        chain = [n for _, n in g.china.chain(g._now(home.code))] if g.china else [home.code]
        if len(home.code) == 6:
            chain[-1:] = [g.key(home.code)] if g.key(home.code) != chain[-1] and not g.key(home.code).endswith(chain[-1]) else chain[-1:]
        out.append({"source": issue.source, "home": " › ".join(chain), "code": home.code, "how": home.source,
                    "confidence": home.confidence, "evidence": home.evidence})
    return out


def format_home(entry: dict) -> str:
    """`file: info: home …` for the text output of `check`."""
    if entry["home"] is None:
        return f"{entry['source']}: {'error' if entry['how'] == 'error' else 'info'}: home unknown: {entry['evidence']}"
    sure = "" if entry["how"] not in ("inferred", "publication") else f", sure {entry['confidence']:.2f}: {entry['evidence']}"
    return f"{entry['source']}: info: home {entry['home']} ({entry['how']}{sure})"
