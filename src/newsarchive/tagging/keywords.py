"""Keywords and person names by TF-IDF over the archive itself.

jieba's IDF table (`jieba/analyse/idf.txt`, from a general news corpus) knows
which words are rare in Chinese at large; the archive's own document
frequencies know which words every bulletin uses (工作, 疫情防控). The blend of
the two ranks an article's own subject first. The table is read straight from
jieba's package directory: importing `jieba.analyse` would build jieba's
global default extractor (and its tokenizer) as a side effect.
"""
from __future__ import annotations

import importlib.util
import math
import re
import struct
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .segment import Token

#: POS tags a keyword may have: nouns, names of places/orgs, other proper nouns, verb-nouns,
#: abbreviations (人大, 政协) and Latin-script terms (CSO); never numbers, time words, punctuation
KEYWORD_FLAGS = frozenset({"n", "nz", "nt", "ns", "nl", "vn", "j", "eng"})
MIN_KEYWORDS, MAX_KEYWORDS = 5, 8
#: headline words say what the article is about more than body words do
HEADLINE_WEIGHT = 3
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Z]{2,}|[A-Za-z]{3,}")  # CSO, APP; not OCR crumbs like Ax
_DIGIT = re.compile(r"\d")


def jieba_idf_path() -> Path:
    """Where jieba keeps its IDF table, found without importing jieba."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed: its IDF table (jieba/analyse/idf.txt) is needed")
    return Path(next(iter(spec.submodule_search_locations))) / "analyse" / "idf.txt"


class JiebaIDF:
    """jieba's IDF table; unknown words get the median, as jieba's own TF-IDF does.

    Kept as bytes → bytes and converted per lookup: splitting the 6 MB file
    without decoding it is the cheapest way in (this load is a large share of a
    cold build). The median is taken over every MEDIAN_STRIDE-th value: IDF
    values are discrete (log N/df), so on jieba's table this equals the exact
    median (checked in tests) at a fraction of the cost.
    """

    MEDIAN_STRIDE = 16

    def __init__(self, path: Path | None = None):
        parts = (path or jieba_idf_path()).read_bytes().split()
        self._raw: dict[bytes, bytes] = dict(zip(parts[0::2], parts[1::2]))
        sample = sorted(map(float, parts[1 :: 2 * self.MEDIAN_STRIDE]))
        self.median = sample[len(sample) // 2] if sample else 0.0

    def __contains__(self, word: str) -> bool:
        return word.encode("utf-8") in self._raw

    def __getitem__(self, word: str) -> float:
        raw = self._raw.get(word.encode("utf-8"))
        return float(raw) if raw is not None else self.median

    def exact_median(self) -> float:
        values = sorted(map(float, self._raw.values()))
        return values[len(values) // 2]


class SortedIDF:
    """jieba's IDF table as the JiebaIDF built from it, read from the cache folder:
    words sorted in one bytes blob, found by binary search. Reading it is one
    checked cache file (see `cache.read`), where building JiebaIDF's dict parses
    every line of idf.txt; a rebuild looks up only a few thousand of its words."""

    FORMAT = 3
    #: the cache kind names the byte order of the arrays
    KIND = f"idf/{FORMAT}/{sys.byteorder}"
    #: median, word count, blob size; then the word offsets (count + 1 native uint64),
    #: the values (count native doubles), the blob
    HEAD = struct.Struct("<dQQ")

    def __init__(self, median: float, blob, offsets, values, base: int = 0):
        """`blob[base + offsets[i] : base + offsets[i + 1]]` is the i-th word (UTF-8), `values[i]`
        its IDF: bytes and arrays, or the file's bytes and views of them (`load`)."""
        self.median = median
        self._blob, self._base = blob, base
        self._off = offsets
        self._values = values
        self._n = len(values)
        self._found: dict[str, int] = {}

    @classmethod
    def of(cls, idf: JiebaIDF) -> "SortedIDF":
        from array import array

        from itertools import accumulate

        raw = idf._raw
        words = sorted(raw)
        offsets = array("Q", accumulate(map(len, words), initial=0))
        values = array("d", map(float, map(raw.__getitem__, words)))
        return cls(idf.median, b"".join(words), offsets, values)

    @classmethod
    def file(cls, cache_dir: Path, path: Path | None = None) -> Path:
        """Where the table for this idf.txt (same path, size and mtime) is kept in `cache_dir`."""
        import hashlib

        path = path or jieba_idf_path()
        st = path.stat()
        tag = hashlib.blake2b(f"{cls.FORMAT}|{path}|{st.st_size}|{st.st_mtime_ns}".encode(), digest_size=8).hexdigest()
        return Path(cache_dir) / "dictionaries" / f"idf-{tag}.bin"

    @classmethod
    def load(cls, cache_dir: Path) -> "SortedIDF | None":
        from ..cache import read

        payload = read(cls.file(cache_dir), cls.KIND)
        if payload is None or len(payload) < cls.HEAD.size:
            return None
        data = payload.tobytes()  # (bytes compare in order; a memoryview does not)
        median, n, size = cls.HEAD.unpack_from(data)
        offsets_end = cls.HEAD.size + 8 * (n + 1)
        values_end = offsets_end + 8 * n
        if len(data) != values_end + size:
            return None
        view = memoryview(data)
        return cls(median, data, view[cls.HEAD.size : offsets_end].cast("Q"), view[offsets_end:values_end].cast("d"),
                   base=values_end)

    @classmethod
    def store(cls, cache_dir: Path, idf: "JiebaIDF | None" = None) -> None:
        """Build the table (from `idf`, when it was read already) and keep it in `cache_dir`,
        unless it is there already."""
        from ..cache import write_table

        target = cls.file(cache_dir)
        if target.is_file() or isinstance(idf, cls):
            return
        table = cls.of(idf if idf is not None else JiebaIDF())
        head = cls.HEAD.pack(table.median, table._n, len(table._blob))
        write_table(target, cls.KIND, head + table._off.tobytes() + table._values.tobytes() + table._blob)

    def _index(self, word: str) -> int:
        """The word's position in the table, or -1."""
        found = self._found.get(word)
        if found is None:
            key = word.encode("utf-8")
            blob, off, base = self._blob, self._off, self._base
            lo, hi = 0, self._n
            while lo < hi:
                mid = (lo + hi) // 2
                if blob[base + off[mid] : base + off[mid + 1]] < key:
                    lo = mid + 1
                else:
                    hi = mid
            found = lo if lo < self._n and blob[base + off[lo] : base + off[lo + 1]] == key else -1
            self._found[word] = found
        return found

    def __contains__(self, word: str) -> bool:
        return self._index(word) >= 0

    def __getitem__(self, word: str) -> float:
        i = self._index(word)
        return self._values[i] if i >= 0 else self.median

    def exact_median(self) -> float:
        values = sorted(self._values)
        return values[len(values) // 2]


def load_jieba_idf(cache_dir: Path | None = None):
    """jieba's IDF table: the `SortedIDF` kept in `cache_dir` when there is one (see
    `SortedIDF.store`), else a `JiebaIDF` read now."""
    return (SortedIDF.load(cache_dir) if cache_dir is not None else None) or JiebaIDF()


def is_candidate(token: Token, stopwords: frozenset[str], known=None) -> bool:
    """A word that could name what an article is about.

    `known(word)`: in the segmenter's dictionary. Two-character words it only
    guessed (HMM) are mostly fragments (获区, 一企, 建春), so they need to be known.
    """
    word, flag = token
    if flag not in KEYWORD_FLAGS or word in stopwords or _DIGIT.search(word):
        return False
    if _HAS_HAN.search(word):
        return len(word) > 2 or (len(word) == 2 and (known is None or known(word)))
    return flag == "eng" and bool(_LATIN.fullmatch(word))


#: the archive's own document frequencies come from its oldest articles, as many as the
#: largest step of this series at or below the archive's size (all of them up to the base)
REFERENCE_BASE, REFERENCE_GROWTH = 200, 1.1


def reference_size(n: int) -> int:
    """How many of the oldest articles the archive's document frequencies count.

    Growing in ~10 % steps instead of with every article keeps keywords stable
    while an archive grows: adding an issue re-ranks nobody else's keywords
    until the archive has grown by a tenth (then all are re-ranked once). It is
    a function of the archive alone, so a cold build and an incremental one agree.
    """
    if n <= REFERENCE_BASE:
        return n
    size = REFERENCE_BASE
    while True:
        bigger = max(size + 1, int(size * REFERENCE_GROWTH))
        if bigger > n:
            return size
        size = bigger


@dataclass
class KeywordTable:
    """Document frequencies over the reference articles; `id` says which articles they were."""

    id: str
    n: int
    df: dict[str, int]

    @classmethod
    def count(cls, table_id: str, documents: Iterable[Iterable[str]]) -> "KeywordTable":
        df: Counter = Counter()
        n = 0
        for terms in documents:
            n += 1
            df.update(set(terms))
        return cls(table_id, n, dict(df))


class ArchiveIDF:
    """jieba's IDF times the archive's own: words every article uses sink.

    idf(w) = jieba_idf(w) * (log((N + 1) / (df(w) + 1)) + FLOOR), df counted
    over the reference articles (`KeywordTable`). For one article this ranks
    exactly as jieba's TF-IDF; across an archive a word in every article
    (工作, 疫情防控) keeps only the floor, a few percent of the weight of a word of its own.
    """

    FLOOR = 0.05

    def __init__(self, jieba_idf: JiebaIDF, table: KeywordTable):
        self.jieba = jieba_idf
        self.df = table.df
        self.n = table.n
        self._cache: dict[str, float] = {}

    def local(self, word: str) -> float:
        return math.log((self.n + 1) / (self.df.get(word, 0) + 1)) + self.FLOOR

    def __getitem__(self, word: str) -> float:
        value = self._cache.get(word)
        if value is None:
            value = self._cache[word] = self.jieba[word] * self.local(word)
        return value


#: the names the segmenter cannot know (see `entity_names`) weigh more than common nouns
#: (the counts also choose topics: words the segmenter knows keep their weight)
ENTITY_WEIGHT = 1
#: a name in quotes or title marks, as programmes, campaigns and brands are written (“红领创客”)
_QUOTED = re.compile(r"[“「『《]([\u4e00-\u9fffA-Za-z·]{3,10})[”」』》]")
#: what ends a company's name; the name is the tokens before it (at most NAME_MAX characters)
COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团")
NAME_MAX = 12
_NAME_PART_FLAGS = frozenset({"ns", "nz", "nt", "n", "nr", "nrt", "nrfg", "j", "eng", "vn", "an", "x"})
_NOT_NAME_PART = frozenset("的和与及、，。；：！？“”（）《》 \n\t")


def entity_names(tokens: list[Token], text: str | None = None) -> list[str]:
    """Names the segmenter has no word for: quoted names (“红领创客”, 《…》) and company
    names (南通大兴面粉有限公司: the tokens before the suffix, back to a punctuation or a
    function word), in the order met; repeats kept (each is an occurrence). `text`: the
    tokens' words joined, when known."""
    if text is None:
        text = "".join(w for w, _ in tokens)
    names = [m.group(1) for m in _QUOTED.finditer(text) if not _DIGIT.search(m.group(1))]
    for i, (word, _flag) in enumerate(tokens):
        if word not in COMPANY_SUFFIXES:
            continue
        j, size = i, len(word)
        while j > 0:
            prev, flag = tokens[j - 1]
            if prev in _NOT_NAME_PART or any(c in _NOT_NAME_PART for c in prev) or flag not in _NAME_PART_FLAGS:
                break
            if size + len(prev) > NAME_MAX:
                break
            size += len(prev)
            j -= 1
        name = "".join(w for w, _ in tokens[j : i + 1])
        if len(name) - len(word) >= 2 and _HAS_HAN.search(name) and not _DIGIT.search(name):
            names.append(name)
    return names


def term_counts(head: list[Token], body: list[Token], keep, head_text: str | None = None,
                body_text: str | None = None) -> Counter:
    """Term frequencies of one article, headline words weighted up; `keep` decides once per word.

    Counts are doubled so that a two-character common noun (flag n) said once in the body
    only can count half: such words (突击, 双肩, 壁垒) are more often in passing than the
    subject. The names of `entity_names` count ENTITY_WEIGHT times (wherever the article
    says them). `head_text`, `body_text`: the words of `head` and `body` joined, when known."""
    counts: Counter = Counter(tok for tok in body if tok[1] in KEYWORD_FLAGS)
    in_head: Counter = Counter(tok for tok in head if tok[1] in KEYWORD_FLAGS)
    for tok, n in in_head.items():
        counts[tok] += HEADLINE_WEIGHT * n
    out: Counter = Counter()
    for tok, n in counts.items():
        if keep(tok):
            word, flag = tok
            if n == 1 and flag == "n" and len(word) == 2 and tok not in in_head:
                weight = 1
            else:
                weight = 2
            out[word] += n * weight
    if head_text is None:
        head_text = "".join(w for w, _ in head)
    if body_text is None:
        body_text = "".join(w for w, _ in body)
    for name in dict.fromkeys(entity_names(head, head_text) + entity_names(body, body_text)):
        if name in out or not keep((name, "nz")):
            continue
        n = body_text.count(name) + HEADLINE_WEIGHT * head_text.count(name)
        out[name] = 2 * ENTITY_WEIGHT * max(n, 1)
    return out


def tfidf(counts: Counter, idf, only: frozenset[str] | None = None) -> dict[str, float]:
    """Term frequency times `idf[word]` (an ArchiveIDF, or a JiebaIDF for general weight),
    for all words or `only` those given (topic seed terms)."""
    total = sum(counts.values()) or 1
    items = counts.items() if only is None else ((w, c) for w, c in counts.items() if w in only)
    return {w: c / total * idf[w] for w, c in items}


def top_keywords(weights: dict[str, float], exclude: Iterable[str] = ()) -> list[str]:
    """5–8 best words; a word inside a better one (雨污 in 雨污分流) adds nothing."""
    excluded = set(exclude)
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen: list[str] = []
    best = ranked[0][1] if ranked else 0.0
    for word, weight in ranked:
        if word in excluded or any(word in c or c in word for c in chosen):
            continue
        if len(chosen) >= MIN_KEYWORDS and weight < best * 0.25:
            break
        chosen.append(word)
        if len(chosen) == MAX_KEYWORDS:
            break
    return chosen
