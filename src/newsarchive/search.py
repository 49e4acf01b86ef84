"""Full-text search index for Chinese text that works from ``file://``.

The browser side (``static/search.js``) cannot ``fetch()`` local files, so every
piece of the index is a small JavaScript file that calls a global function when
loaded with a ``<script>`` tag; the page knows which file it asked for.

Compact binary in a script: every index file but the manifest and the inflater
is UTF-16LE with a byte-order mark (which a browser honours over any HTTP
charset), holding ``__na("keys","units")`` or ``__na("units")``: *units* is
binary data, 47 bits per three UTF-16 code units (three base-``RADIX`` digits
``UNIT0 + q``, U+0100–U+CC2F: never a quote, backslash, line break or
surrogate): 98 % of the file's bits are payload.  Inside, byte strings: LEB128
numbers, bit-coded posting lists, and raw deflate (inflated in the browser by
``inflate.js``, fflate's inflate, which takes the preset dictionary of the
text parts: ``DecompressionStream`` cannot).

Layout of ``search/`` (all paths deterministic; identical input gives
byte-identical files):

``manifest.js``
    (UTF-8 JSON) counts, bucket counts, facet values (districts, streets,
    topics, years), the text-code table check.
``p/<b>.js``, ``n/<b>.js``
    posting lists, hashed into ``buckets`` (p/) and ``tbuckets`` (n/) files by
    key (FNV-1a of the key's UTF-16 units): a query needs one file of each
    layer per key, all in one round.  The *head* layer ``p/`` holds the lists
    of every range before ``tail`` (the newest range), the *tail* layer ``n/``
    those of range ``tail``: a new issue rewrites the small tail and leaves
    the head as it is until the newest range is full.  A key is a
    character bigram (both characters letters or digits, after a 1:1
    normalisation: NFKC where it maps one char to one char, lower case) or a
    facet key (``#d港闸区``, ``#s…``, ``#t…``, ``#y2020``).  Per key and layer:
    ``LEB(4·nr + 2·title + big)``, for a *big* list ``LEB(df)`` (in that
    layer), if ``title`` ``LEB(2·nt + tbig)``; then the body list: ``nr`` ×
    (``LEB(range gap)`` segment; the first gap counts from range -1), where a
    big list has a segment only for the ranges from ``inline`` (in the
    manifest: the last range of the head; every range of the tail) on, as
    ``LEB(byte length)`` segment (decoded when read), its older segments being
    in the chunk files; then the title list: ``nt`` × (``LEB(range gap)``
    segment) over kicker + title + subtitle (the prefix of
    ``Article.body_text``), for the whole layer: title matches rank first.
    A *tbig* title list (more than ``TITLE_BIG`` bytes in the layer) has
    ``LEB(byte length)`` before each segment: the client decodes it a range
    at a time, as it reads the body lists (a word in thousands of titles
    took ~25 ms to decode whole, the largest part of a first answer at
    10,000 issues); a smaller one is decoded whole, so its title matches
    rank first over the whole archive.
``c/<r>/<k>.js``
    the segments of big lists for an older doc range ``r`` (``range`` docs
    each), hashed into ``cbuckets[r]`` files.  A query reads the newest ranges
    first (in the bucket files) and stops once it has enough results, so
    common words cost a bounded number of bytes.
``m/<doc // meta>.js``
    ``LEB(n)`` + deflate of the UTF-8 JSON list of (url, title, kicker, date,
    districts) of ``meta`` consecutive articles: loaded for the results listed.
``d/<doc>-<part>.js``
    ``LEB(n)`` + deflate of the article text in parts of ``PART`` characters
    (plus an overlap), in a compact code (``encode_text``: the frequent
    characters get one ASCII byte, the GB2312 hanzi two), deflated with the
    preset dictionary ``z.js``: loaded only for results shown with a snippet,
    only the part holding the first match.
``z.js``
    ``LEB(n)`` + deflate of that dictionary (``ZDICT`` bytes of text code,
    trained on the oldest articles by `train_dictionary`; 40–45 % smaller text
    parts on the synthetic archive, ~11 % on the five real pages).
``inflate.js``
    (UTF-8) the vendored inflater, registering itself as ``__na(fflate)``.

A bucket file's keys are its first argument, joined by U+FFFF, in code point
order; its units are, per key, ``LEB(len) bytes``.

A *segment* is the list of one key in one doc range, bit-coded (MSB first)
and padded to a byte: ``gamma(n)``, ``k_d`` (4 bits); for a positional list
also ``k_p`` (4), ``multi`` (1) and, if ``multi``, ``k_g`` (4); then per doc
entry ``rice(doc gap, k_d)`` (gap from the previous doc of the list, or from
the range start), and for a positional list: if ``multi``, one bit "tf > 1"
and then ``gamma(tf - 1)``; ``rice(first position, k_p)``, and
``rice(position gap - 1, k_g)`` for the others.  ``rice(v, k)``: ``v >> k``
zeros, a one, the low ``k`` bits of ``v``; from ``QMAX`` zeros on (no one
after them): ``gamma(v + 1)``.  ``gamma(v ≥ 1)``: bit length - 1 zeros, then
``v``.  The builder picks each ``k`` to minimise the segment.  Positions count
characters of the normalised ``body_text``, so the client checks that the
bigrams of a query sit next to each other (区委 … 书记 apart does not match
区委书记).

Building: each range is tokenised and bit-coded with numpy, whole arrays at a
time (`_build_range_py` is the plain reference: same bytes), two ranges at once
in threads; the lists of all ranges are then merged and laid out into the
bucket files with numpy too.  With a cache a range whose articles did not
change is reused, and a file whose content digest did not change since the
previous build is kept (``output.keep``), neither made nor written again.
"""
from __future__ import annotations

import gc
import hashlib
import json
import marshal
import math
import os
import sys
import threading
import unicodedata
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Callable

from .cache import dump_pickle, load_pickle
from .model import Article, Issue


def _numpy_when_used():
    """numpy, imported on first use (importlib's LazyLoader): its ~0.13 s import is
    spent by whichever process builds the index, not by the parent of the search
    child of a one-issue rebuild, which imports this module before that child forks."""
    import importlib.util

    if "numpy" in sys.modules:
        return sys.modules["numpy"]
    # no BLAS here: OpenBLAS would start a thread per core on import (~0.1 s of CPU
    # taken from the processes working beside this one)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    spec = importlib.util.find_spec("numpy")
    if spec is None:  # pragma: no cover (numpy is a dependency)
        return None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["numpy"] = module
    spec.loader.exec_module(module)
    return module


np = _numpy_when_used()  # the vectorised builder; without numpy the pure-Python reference is used

VERSION = 5
RANGE = 1024  # documents per range (big lists are cut at range boundaries)
META = 32  # articles per meta file (url, title, date, district): results ranked over the whole archive need one each
PART = 2000  # characters per stored text part
OVERLAP = 60  # extra characters at the end of each part, for snippets
THREADS = 2  # ranges built at once (threads) when `workers` is not given
BIG = 2048  # a list longer than this (in bytes) is cut into range segments
BUCKET_TARGET = 3072  # aimed-for payload bytes per posting file
CHUNK_TARGET = 6144
TITLE_BIG = 2048  # a title list longer than this (in bytes, in a layer) is decoded a range at a time
QMAX = 20  # rice codes: this many zeros start an escape (gamma of v + 1)
KMAX = 15
SEP = "\uffff"  # between the keys of a bucket file
GROUP_BITS = 47  # bits carried by three code units
RADIX = 52016  # ⌈2 ** (47 / 3)⌉: three digits of this base hold 47 bits
UNIT0 = 0x0100  # code unit of digit 0 (digits end at U+CC2F: no quote, backslash, line break or surrogate)
ZDICT = 16384  # bytes of the shared deflate dictionary of the text parts (``z.js``)
ZSAMPLE = 1 << 20  # text-code bytes of the oldest articles it is trained on

ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')  # 92 symbols
assert len(ALPHABET) == 92
ONE = 40  # single-symbol char codes: ALPHABET[:40]; prefixes ALPHABET[40:] × ALPHABET

# --- text ------------------------------------------------------------------

_norm_cache: dict[str, str] = {}

T2S_FILE = Path(__file__).resolve().parent / "data" / "t2s.txt"


def _read_t2s() -> dict[str, str]:
    """OpenCC's traditional → simplified characters, one for one (``data/t2s.txt``, made by
    ``scripts/make_t2s.py``): the index and the query are folded with it, so 會議 finds 会议."""
    lines = T2S_FILE.read_text(encoding="utf-8").splitlines()
    pairs = lines[1] if len(lines) > 1 else ""
    return dict(zip(pairs[0::2], pairs[1::2]))


T2S = _read_t2s()


def norm_char(c: str) -> str:
    """One character for one: NFKC (where it gives one character), lower case, traditional → simplified."""
    r = _norm_cache.get(c)
    if r is None:
        n = unicodedata.normalize("NFKC", c)
        r = n.lower() if len(n) == 1 else c.lower()
        if len(r) != 1:
            r = c
        r = T2S.get(r, r)
        _norm_cache[c] = r
    return r


def t2s_script() -> bytes:
    """``search/t2s.js``: the folding table for the browser, ``__na("traditional", "simplified")``
    (loaded only for a query or a text with a character outside GB2312's simplified set,
    or one of the few GB2312 characters that are keys: the manifest's ``tsin``)."""
    keys = "".join(sorted(T2S))
    text = "\ufeff__na(" + json.dumps(keys, ensure_ascii=False) + "," + json.dumps("".join(T2S[k] for k in keys), ensure_ascii=False) + ")\n"
    return text.encode("utf-16-le")  # (UTF-16 with a BOM, as the other index files: 2 bytes a hanzi)


_word_cache: dict[str, bool] = {}


def is_word(c: str) -> bool:
    r = _word_cache.get(c)
    if r is None:
        r = unicodedata.category(c)[0] in "LN"
        _word_cache[c] = r
    return r


_NORM: dict[int, str] = {}  # str.translate table: char -> normalised char
_MASK: dict[int, str] = {}  # normalised char -> itself, or "\x00" for separators


def _learn(text: str) -> None:
    for c in set(text):
        o = ord(c)
        if o not in _NORM:
            n = norm_char(c)
            _NORM[o] = n
            _MASK.setdefault(ord(n), n if is_word(n) else "\x00")
            _MASK.setdefault(o, c if is_word(c) else "\x00")


def normalize(text: str) -> str:
    _learn(text)
    return text.translate(_NORM)


def word_mask(norm: str) -> str:
    """`norm` with every non-letter, non-digit replaced by NUL (same length)."""
    return norm.translate(_MASK)


# Frequent characters first: they get one-byte codes.
HOT = "，。的、一是在了和不有中人国为“”区上大发年作工会以们到地时生对出要进行于\n"


SEED = HOT + "：；？！（）《》—…·●▲①②③④⑤⑥⑦⑧⑨⑩　\t" + "".join(chr(c) for c in range(0x20, 0x7F))


def _gb2312_or_nothing(code: bytes) -> str:
    try:
        return code.decode("gb2312")
    except UnicodeDecodeError:
        return ""


def char_table() -> list[str]:
    """Fixed, corpus-independent table: stable codes keep unchanged docs byte-identical.

    SEED, then the GB2312 hanzi rows (0xB0A1…0xF7FE) in code order; the browser
    rebuilds it with TextDecoder('gb2312') and checks it against ``tablefnv``
    (falling back to ``chars.js``)."""
    seen: dict[str, None] = {}
    for c in SEED:
        seen.setdefault(c, None)
    for hi in range(0xB0, 0xF8):
        row = [bytes([hi, lo]) for lo in range(0xA1, 0xFF)]
        try:  # a row at once (this runs on every import: per character it took ~0.03 s)
            chars = b"".join(row).decode("gb2312")
        except UnicodeDecodeError:  # a row with holes (0xD7FA…)
            chars = "".join(_gb2312_or_nothing(code) for code in row)
        for c in chars:
            seen.setdefault(c, None)
    table = list(seen)
    return table[: ONE + (92 - ONE) * 92]


_TABLE = char_table()
_CODE = {c: (ALPHABET[i] if i < ONE else ALPHABET[ONE + (i - ONE) // 92] + ALPHABET[(i - ONE) % 92]) for i, c in enumerate(_TABLE)}


def encode_text(text: str) -> str:
    code = _CODE
    # ASCII outside the table (control chars) would collide with codes: make them spaces.
    return "".join([code.get(c) or (c if ord(c) > 0x7F else " ") for c in text])


def decode_text(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        k = ALPHABET.find(ch)
        if k < 0:
            out.append(ch)
        elif k < ONE:
            out.append(_TABLE[k])
        else:
            i += 1
            out.append(_TABLE[ONE + (k - ONE) * 92 + ALPHABET.index(s[i])])
        i += 1
    return "".join(out)


def fnv(key: str) -> int:
    h = 0x811C9DC5
    data = key.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def _fnv_many(keys) -> dict[str, int]:
    """``{key: fnv(key)}``; two-unit keys (most: bigrams) hashed with numpy at once."""
    keys = list(keys)
    if np is None:
        return {k: fnv(k) for k in keys}
    two = [k for k in keys if len(k) == 2]
    units = np.frombuffer("".join(two).encode("utf-16-le"), dtype="<u2").astype(np.uint64)
    if len(units) != 2 * len(two):  # a non-BMP char: surrogate pairs, hash those one by one
        two = [k for k in two if len(k.encode("utf-16-le")) == 4]
        units = np.frombuffer("".join(two).encode("utf-16-le"), dtype="<u2").astype(np.uint64)
    prime, mask = np.uint64(0x01000193), np.uint64(0xFFFFFFFF)
    h = np.full(len(two), 0x811C9DC5, dtype=np.uint64)
    for j in (0, 1):
        h = ((h ^ units[j::2]) * prime) & mask
    out = dict(zip(two, h.tolist()))
    for k in keys:
        if k not in out:
            out[k] = fnv(k)
    return out




# --- bits --------------------------------------------------------------------


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _rice_len(v: int, k: int) -> int:
    q = v >> k
    return q + 1 + k if q < QMAX else QMAX + 2 * (v + 1).bit_length() - 1


def _best_k(values: list[int]) -> int:
    """The Rice parameter that codes `values` in the fewest bits (the smallest on ties)."""
    if not values:
        return 0
    best, best_k = None, 0
    for k in range(KMAX + 1):
        c = sum(_rice_len(v, k) for v in values)
        if best is None or c < best:
            best, best_k = c, k
    return best_k


class _Bits:
    """MSB-first bit string (the pure-Python reference coder)."""

    __slots__ = ("parts",)

    def __init__(self):
        self.parts: list[str] = []

    def put(self, value: int, nbits: int):
        if nbits:
            self.parts.append(format(value, f"0{nbits}b"))

    def gamma(self, v: int):
        self.put(v, 2 * v.bit_length() - 1)

    def rice(self, v: int, k: int):
        q = v >> k
        if q < QMAX:
            self.put((1 << k) | (v & ((1 << k) - 1)), q + 1 + k)
        else:
            self.put(0, QMAX)
            self.gamma(v + 1)

    def to_bytes(self) -> bytes:
        s = "".join(self.parts)
        s += "0" * (-len(s) % 8)
        return int(s, 2).to_bytes(len(s) // 8, "big") if s else b""


def _seg_positional(entries: list[tuple[int, list[int]]]) -> bytes:
    """One segment: `entries` = [(doc local to the range, positions)], docs ascending."""
    gaps, prev = [], -1
    for d, _ in entries:
        gaps.append(d - prev - 1)
        prev = d
    firsts = [ps[0] for _, ps in entries]
    rest = [b - a - 1 for _, ps in entries for a, b in zip(ps, ps[1:])]
    multi = any(len(ps) > 1 for _, ps in entries)
    kd, kp, kg = _best_k(gaps), _best_k(firsts), _best_k(rest)
    b = _Bits()
    b.gamma(len(entries))
    b.put(kd, 4)
    b.put(kp, 4)
    b.put(int(multi), 1)
    if multi:
        b.put(kg, 4)
    for (_, ps), g in zip(entries, gaps):
        b.rice(g, kd)
        if multi:
            b.put(int(len(ps) > 1), 1)
            if len(ps) > 1:
                b.gamma(len(ps) - 1)
        b.rice(ps[0], kp)
        for a, c in zip(ps, ps[1:]):
            b.rice(c - a - 1, kg)
    return b.to_bytes()


def _seg_docs(docs: list[int]) -> bytes:
    """A facet segment: docs (local to the range, ascending) only."""
    gaps, prev = [], -1
    for d in docs:
        gaps.append(d - prev - 1)
        prev = d
    kd = _best_k(gaps)
    b = _Bits()
    b.gamma(len(docs))
    b.put(kd, 4)
    for g in gaps:
        b.rice(g, kd)
    return b.to_bytes()


def unit_count(nbytes: int) -> int:
    """Code units that carry `nbytes` bytes: 3 per 47 bits."""
    return 3 * ((8 * nbytes + GROUP_BITS - 1) // GROUP_BITS)


def to_units(data: bytes) -> str:
    """Bytes as code units: each 47 bits (MSB first, the last group zero-padded) as three
    base-``RADIX`` digits ``UNIT0 + q``, most significant first."""
    if np is not None:
        ub, spans = _units_many([data])
        return ub[spans[0][0] : spans[0][1]].decode("utf-16-le")
    return _to_units_py(data)  # pragma: no cover (numpy is a dependency)


def _to_units_py(data: bytes) -> str:
    """`to_units` with Python integers: the reference for `_units_many`."""
    ngroups = unit_count(len(data)) // 3
    v = int.from_bytes(data, "big") << (ngroups * GROUP_BITS - 8 * len(data))
    out = []
    for g in range(ngroups - 1, -1, -1):
        x = (v >> (g * GROUP_BITS)) & ((1 << GROUP_BITS) - 1)
        out += [chr(UNIT0 + x // (RADIX * RADIX)), chr(UNIT0 + x // RADIX % RADIX), chr(UNIT0 + x % RADIX)]
    return "".join(out)


def from_units(s: str) -> bytes:
    """Inverse of `to_units` (plus up to 5 zero bytes of padding)."""
    v = nbits = 0
    for i in range(0, len(s) - 2, 3):
        x = ((ord(s[i]) - UNIT0) * RADIX + ord(s[i + 1]) - UNIT0) * RADIX + ord(s[i + 2]) - UNIT0
        v, nbits = (v << GROUP_BITS) | x, nbits + GROUP_BITS
    n = nbits // 8
    return (v >> (nbits - 8 * n)).to_bytes(n, "big") if n else b""


def _deflate(data: bytes, zdict: bytes = b"") -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=zdict) if zdict else zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return c.compress(data) + c.flush()


def _blob(data: bytes, zdict: bytes = b"") -> bytes:
    """A compressed payload: its byte length, then raw deflate (with the preset dictionary `zdict`, if any)."""
    z = _deflate(data, zdict)
    return _leb(len(z)) + z


def _unblob(data: bytes, zdict: bytes = b"") -> bytes:
    n, i = _read_leb(data, 0)
    d = zlib.decompressobj(-15, zdict=zdict) if zdict else zlib.decompressobj(-15)
    return d.decompress(data[i : i + n]) + d.flush()


def train_dictionary(samples: list[bytes], size: int = ZDICT, gram: int = 8, seg: int = 64) -> bytes:
    """A preset deflate dictionary for short texts, trained the way zstd trains its own (COVER):
    the ``size // seg`` best ``seg``-byte segments of the samples, one from each stretch of
    them, each scored by how often its ``gram``-byte grams occur anywhere (a gram scores once:
    its count is spent when a segment takes it); the best segments go last, nearest the text.

    Every article of an archive repeats the paper's stock phrases (datelines, bylines,
    offices, places, slogans); a 2,000-character part deflated alone cannot learn them."""
    data = b"".join(samples)
    n = len(data) - gram + 1
    if np is None or n <= seg or size < seg:
        return b""
    a = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(gram):  # a 64-bit hash of each gram (FNV-style, wrapping)
        h = (h * np.uint64(0x100000001B3)) ^ a[j : j + n]
    _, ids, freq = np.unique(h, return_inverse=True, return_counts=True)
    ids = ids.reshape(-1)
    freq = freq.astype(np.int64) - 1  # occurrences beyond the first
    nseg = size // seg
    stretch = max(seg, n // nseg)
    picked = []
    for e in range(nseg):
        lo, hi = e * stretch, min(n, (e + 1) * stretch)
        if hi - lo < seg:
            break
        cum = np.concatenate([[0], np.cumsum(freq[ids[lo:hi]])])
        score = cum[seg:] - cum[:-seg]
        best = int(np.argmax(score))
        if score[best] <= 0:
            continue
        at = lo + best
        picked.append((int(score[best]), at, data[at : at + seg + gram - 1]))
        freq[ids[at : at + seg]] = 0
    picked.sort(key=lambda x: (x[0], x[1]))
    return b"".join(x[2] for x in picked)[-size:]


def _read_leb(data: bytes, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def _js_units(payload: bytes, keys: list[str] | None = None) -> bytes:
    """A UTF-16LE (BOM) script ``__na("keys","units")`` or ``__na("units")``."""
    units = to_units(payload)
    if keys is None:
        text = '\ufeff__na("' + units + '")\n'
    else:
        text = "\ufeff__na(" + json.dumps(join_keys(keys), ensure_ascii=False) + ',"' + units + '")\n'
    return text.encode("utf-16-le", "surrogatepass")


def join_keys(keys: list[str]) -> str:
    """The keys of a bucket as one string: a bigram as its two characters, a facet key (``#…``) followed by SEP."""
    return "".join(k + SEP if k[:1] == "#" else k for k in keys)


def split_keys(s: str) -> list[str]:
    out, i = [], 0
    while i < len(s):
        if s[i] == "#":
            j = s.index(SEP, i)
            out.append(s[i:j])
            i = j + 1
        else:
            out.append(s[i : i + 2])
            i += 2
    return out


# --- documents -----------------------------------------------------------------


def doc_order(issue: Issue) -> tuple[str, str]:
    """Issues are numbered into docs by (date, source): a new issue of the latest date comes last."""
    return issue.date or "", issue.source


def title_prefix(article: Article) -> str:
    parts = [p for p in (article.kicker, article.title, article.subtitle) if p]
    return "\n".join(parts)


def _postings(masked: str) -> dict[str, list[int]]:
    """bigram -> positions, for a text from `word_mask` (bigrams with a NUL are dropped)."""
    pos: dict[str, list[int]] = {}
    get = pos.get
    for i, g in enumerate(map(str.__add__, masked, masked[1:])):
        lst = get(g)
        if lst is None:
            pos[g] = [i]
        else:
            lst.append(i)
    for k in [k for k in pos if "\x00" in k]:
        del pos[k]
    return pos


def people(article: Article) -> list[str]:
    """Everyone an article names, as the person pages count them: its authors, then the tagger's persons."""
    return list(dict.fromkeys([n for n in (*article.authors, *article.persons) if n]))


UNI = "\x00"  # a single character's key: UNI + the character (its list holds docs only)


def _unigrams(masked: str) -> dict[str, list[int]]:
    """single character -> positions, for a text from `word_mask` (separators dropped)."""
    pos: dict[str, list[int]] = {}
    for i, c in enumerate(masked):
        if c != "\x00":
            pos.setdefault(c, []).append(i)
    return pos


def _doc_lite(issue: Issue, article: Article, article_url) -> tuple[list[str], list, int]:
    """What the index needs of an article besides its text: (facets, meta, title length)."""
    year = (issue.date or "")[:4]
    districts = list(dict.fromkeys(article.districts or ([issue.district] if issue.district else [])))
    facets = [("#d" + v) for v in dict.fromkeys(article.districts)]  # (SEP never occurs in a key: see join_keys)
    facets += ["#s" + v for v in dict.fromkeys(article.streets)]
    facets += ["#t" + v for v in dict.fromkeys(article.topics)]
    facets += ["#p" + v for v in people(article)]
    if year:
        facets.append("#y" + year)
    meta = [article_url(issue, article), article.display_title, issue.date or "", " ".join(districts), article.kicker or ""]
    return facets, meta, len(title_prefix(article))


def _doc_lites(docs: list[tuple[Issue, Article]], article_url) -> list[tuple[list[str], list, int]]:
    """`_doc_lite` of every (issue, article), docs of an issue next to each other."""
    out = []
    last = None
    for issue, article in docs:
        if issue is not last:
            last = issue
            date = issue.date or ""
            year = ["#y" + date[:4]] if date[:4] else []
            idist = [issue.district] if issue.district else []
        districts = list(dict.fromkeys(article.districts)) if article.districts else idist
        # a district facet counts what the district's page lists: the article's own places
        facets = ["#d" + v for v in districts] if article.districts else []
        if article.streets:
            facets += ["#s" + v for v in dict.fromkeys(article.streets)]
        if article.topics:
            facets += ["#t" + v for v in dict.fromkeys(article.topics)]
        if article.authors or article.persons:
            facets += ["#p" + v for v in people(article)]
        facets += year
        kicker = article.kicker
        parts = [p for p in (kicker, article.title, article.subtitle) if p]
        tlen = sum(map(len, parts)) + len(parts) - 1 if parts else 0
        out.append((facets, [article_url(issue, article), article.display_title, date, " ".join(districts), kicker or ""], tlen))
    return out


def _doc_idents(docs: list[tuple[Issue, Article]]) -> list[tuple]:
    """Per article, what its `_doc_lite` is made of besides the text `_doc_ids` names (URL
    parts, date, places, streets, topics, title): a range's key hashes these plain values
    instead of building the lites of every article of the archive (~2x the time). An issue
    with a `content_key` (its parse and analysis, source path included) is named by that
    and its slug (which a clash of file names may change): ~5x faster again."""
    out = []
    last = head = None
    for issue, article in docs:
        if issue is not last:
            last = issue
            key = getattr(issue, "content_key", "") or ""
            head = ("k", key, issue.slug) if key else (issue.slug, issue.source, issue.date, issue.district)
        if head[0] == "k":
            out.append(head)  # (the article number is in its `_doc_ids` entry)
        else:
            out.append((head, article.number, article.districts, article.streets, article.topics,
                        article.display_title, article.kicker, article.authors, article.persons))
    return out


def _facet_counts(lites: list[tuple[list[str], list, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for facets, _meta, _tlen in lites:
        for f in facets:
            counts[f] = counts.get(f, 0) + 1
    return counts


def _doc_ids(docs: list[tuple[Issue, Article]]) -> list:
    """Per article, a stable id of its text: the issue's content_key and the article number, or else a hash of the text."""
    out = []
    for issue, article in docs:
        ck = getattr(issue, "content_key", "") or ""
        out.append(["k", ck, article.number] if ck else ["t", hashlib.sha1(article.body_text.encode("utf-8", "surrogatepass")).hexdigest()])
    return out


def _text_files(doc: int, raw: str, enc: Callable[[int, int], str], zdict: bytes) -> dict[str, bytes]:
    """The compressed text parts of one article (`enc(a, b)`: the text code of ``raw[a:b]``)."""
    files = {}
    size = len(raw)
    for part in range(max(1, math.ceil(size / PART))):
        a, b = min(part * PART, size), min((part + 1) * PART + OVERLAP, size)
        files[f"d/{doc}-{part}"] = _blob(enc(a, b).encode("utf-8", "surrogatepass"), zdict)
    return files


def _meta_files(r: int, metas: list[list]) -> dict[str, bytes]:
    files = {}
    per = math.gcd(META, RANGE)  # meta files never straddle ranges
    for i in range(0, len(metas), per):
        block = (r * RANGE + i) // per
        files[f"m/{block}"] = _blob(json.dumps(metas[i : i + per], ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    return files


def _facet_segments(r: int, payloads: list[tuple]) -> tuple[dict[str, bytes], dict[str, int]]:
    docs: dict[str, list[int]] = {}
    for i, p in enumerate(payloads):
        for key in p[2]:
            docs.setdefault(key, []).append(i)
    return {k: _seg_docs(v) for k, v in docs.items()}, {k: len(v) for k, v in docs.items()}


#: (range, payloads, text dictionary, text files of unchanged docs as a previous build made them)
RangeJob = tuple[int, list[tuple], bytes, dict[str, bytes]]


def _build_range_py(job: RangeJob) -> dict:
    """Posting segments, title segments and text/meta files for the docs of one range.

    The pure-Python reference; `_build_range_np` returns the same result.
    A payload is (text, title length, facets, meta); `zdict` compresses the text parts."""
    r, payloads, zdict, _made = job  # (`made`: an optimisation of the numpy builder; this one makes every file)
    body: dict[str, list] = {}
    uni: dict[str, list[int]] = {}  # single characters: docs only (no positions)
    title: dict[str, list] = {}
    files: dict[str, bytes] = {}
    text_bytes = 0
    for i, (raw, tlen, _facets, _meta) in enumerate(payloads):
        doc = r * RANGE + i
        text_bytes += len(raw.encode("utf-8", "surrogatepass"))
        masked = word_mask(normalize(raw))
        for key, ps in _postings(masked).items():
            body.setdefault(key, []).append((i, ps))
        for c in _unigrams(masked):
            uni.setdefault(UNI + c, []).append(i)
        if tlen:
            for key, ps in _postings(masked[:tlen]).items():
                title.setdefault(key, []).append((i, ps))
            for c, ps in _unigrams(masked[:tlen]).items():
                title.setdefault(UNI + c, []).append((i, ps))
        files.update(_text_files(doc, raw, lambda a, b: encode_text(raw[a:b]), zdict))
    files.update(_meta_files(r, [p[3] for p in payloads]))
    segs = {k: _seg_positional(v) for k, v in body.items()}
    df = {k: len(v) for k, v in body.items()}
    segs.update({k: _seg_docs(v) for k, v in uni.items()})
    df.update({k: len(v) for k, v in uni.items()})
    fsegs, fdf = _facet_segments(r, payloads)
    segs.update(fsegs)
    df.update(fdf)
    return {
        "body": segs,
        "df": df,
        "title": {k: _seg_positional(v) for k, v in title.items()},
        "files": files,
        "text_bytes": text_bytes,
    }


# --- vectorised building (numpy) ---------------------------------------------

_ALPHA_U8 = None  # ALPHABET as a uint8 array
_MTAB = None  # code point -> id of its masked normalised char (0: separator)
_KNOWN = None  # code point -> is it in _MTAB yet
_IDS: dict[int, int] = {}  # masked normalised code point -> id (1, 2, … in order met)
_ID_CP = None  # id -> code point
_ENC_TAB = None  # (first, second, length) of the text code, per BMP code point
_PACK_LIMIT = 2**63  # bigram * n + row must stay below this (else: stable argsort)


_TABLES_LOCK = threading.Lock()  # ranges are built in threads: the char tables grow under this lock


def _np_tables():
    global _ALPHA_U8, _MTAB, _ENC_TAB, _ID_CP, _KNOWN
    with _TABLES_LOCK:
        if _ALPHA_U8 is None:
            _init_np_tables()


def _init_np_tables():
    global _ALPHA_U8, _MTAB, _ENC_TAB, _ID_CP, _KNOWN
    _ID_CP = np.zeros(1, dtype=np.uint32)
    _KNOWN = np.zeros(0x110000, dtype=bool)
    _ALPHA_U8 = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8).copy()
    _MTAB = np.zeros(0x110000, dtype=np.uint32)
    first = np.arange(0x10000, dtype=np.uint32)
    first[:0x80] = 0x20  # ASCII outside the table becomes a space
    second = np.zeros(0x10000, dtype=np.uint32)
    length = np.ones(0x10000, dtype=np.int64)
    for c, code in _CODE.items():
        o = ord(c)
        first[o] = ord(code[0])
        if len(code) == 2:
            second[o] = ord(code[1])
            length[o] = 2
    _ENC_TAB = (first, second, length)


def warm_up() -> None:
    """Build the character tables a range build needs (and learn the table's characters)
    now: a process with time to spare (waiting for a child) spares the search child's
    first range ~0.05 s; forked children inherit them."""
    _np_tables()
    _masked_ids(_code_points("".join(_TABLE)))


def _code_points(text: str):
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _code_points_str(cps) -> str:
    return np.asarray(cps, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")


def _masked_ids(cps):
    """For the code points `cps` of a text, the char ids of ``word_mask(normalize(text))``,
    and the table id -> code point (`_ID_CP`) they refer to.

    0 for a separator (NUL), else a small id (`_ID_CP[id]`: the masked char), so
    a bigram and a row number fit one int64.  New chars are learned as `normalize` does."""
    with _TABLES_LOCK:
        return _masked_ids_locked(cps), _ID_CP


def _distinct(a):
    """The distinct values of `a`, sorted: `np.unique` without the import of numpy.ma
    it makes on first use (~0.04 s of a one-issue rebuild's search child)."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def _masked_ids_locked(cps):
    global _ID_CP
    unknown = cps[~_KNOWN[cps]]
    new = set(_code_points_str(_distinct(unknown))) if len(unknown) else ()
    if new:
        _learn("".join(new))
        for c in new:
            m = ord(_MASK[ord(_NORM[ord(c)])])
            if m:
                i = _IDS.get(m)
                if i is None:
                    i = _IDS[m] = len(_IDS) + 1
                _MTAB[ord(c)] = i
        _KNOWN[[ord(c) for c in new]] = True
        _ID_CP = np.zeros(len(_IDS) + 1, dtype=np.uint32)
        _ID_CP[list(_IDS.values())] = list(_IDS)
    return _MTAB[cps]


def _encode_texts(text: str, cps):
    """``encode_text`` of `text` as one string, and the code offset of every character (plus the end)."""
    first, second, length = _ENC_TAB
    bmp = cps < 0x10000
    idx = np.where(bmp, cps, 0)
    ln = np.where(bmp, length[idx], 1)
    off = np.zeros(len(cps) + 1, dtype=np.int64)
    np.cumsum(ln, out=off[1:])
    out = np.empty(int(off[-1]), dtype="<u4")
    out[off[:-1]] = np.where(bmp, first[idx], cps)
    two = np.flatnonzero(ln == 2)
    out[off[two] + 1] = second[cps[two]]
    return out.tobytes().decode("utf-32-le", "surrogatepass"), off


def _text_files_np(doc0: int, sizes, starts, enc: str, off, zdict: bytes, made: dict[str, bytes]) -> dict[str, bytes]:
    """`_text_files` of docs ``doc0 + i`` (`sizes[i]` characters from `starts[i]`): their
    text code is ``enc[off[starts[i] + a] : off[starts[i] + b]]`` for ``raw[a:b]``.
    `made`: files of unchanged docs, as a previous build made them (not deflated again)."""
    nparts = np.maximum(1, (sizes + PART - 1) // PART)
    doc = np.repeat(np.arange(len(sizes)), nparts)
    part = np.arange(len(doc)) - np.repeat(_excl_cumsum(nparts)[:-1], nparts)
    size = sizes[doc]
    a = off[starts[doc] + np.minimum(part * PART, size)].tolist()
    b = off[starts[doc] + np.minimum((part + 1) * PART + OVERLAP, size)].tolist()
    files = {}
    for d, p, x, y in zip((doc + doc0).tolist(), part.tolist(), a, b):
        name = f"d/{d}-{p}"
        files[name] = made.get(name) or _blob(enc[x:y].encode("utf-8", "surrogatepass"), zdict)
    return files




CP = 0x110000  # a bigram's code: first code point * CP + second (its order is the string order)


_BITLEN16 = None  # bit length of every value below 2**16


def _bitlen(v):
    """Bit length of every value of an int array (values < 2**53), as int64."""
    global _BITLEN16
    if len(v) and 0 <= v.min() and v.max() < 2**16:
        if _BITLEN16 is None:
            _BITLEN16 = np.frexp(np.arange(2**16, dtype=np.float64))[1].astype(np.int64)
        return _BITLEN16[v]
    return np.frexp(v.astype(np.float64))[1].astype(np.int64)


def _excl_cumsum(a):
    out = np.zeros(len(a) + 1, dtype=np.int64)
    np.cumsum(a, out=out[1:])
    return out


def _best_k_np(values, counts):
    """Per group of `values` (consecutive groups of `counts` values each), the Rice
    parameter coding it in the fewest bits (the smallest on ties; 0 for no values).

    Exact: every k up to the bit length of the largest value is tried (a larger k
    codes every value in ``1 + k`` bits: more)."""
    best_k = np.zeros(len(counts), dtype=np.int64)
    if not len(values):
        return best_k
    present = np.flatnonzero(counts)
    starts = _excl_cumsum(counts)[present]
    cnt = counts[present].astype(np.int64)
    vmax = int(values.max())
    kmax = min(KMAX, vmax.bit_length())
    dt = np.int16 if vmax < 2**14 else np.int32 if vmax < 2**30 else np.int64
    q = values.astype(dt)
    esc = best = None
    kb = np.zeros(len(present), dtype=np.int64)
    for k in range(kmax + 1):
        if k:
            np.right_shift(q, 1, out=q)
        if (vmax >> k) >= QMAX:  # some value escapes: QMAX zeros and gamma(v + 1)
            if esc is None:
                esc = (QMAX + 2 * _bitlen(values + 1) - 2).astype(dt)  # its bits, minus 1
            s = np.add.reduceat(np.where(q < QMAX, q, esc - dt(k)), starts, dtype=np.int64)
        else:
            s = np.add.reduceat(q, starts, dtype=np.int64)
        s += cnt * (1 + k)  # every code: q zeros ... a one and k bits
        if best is None:
            best = s
        else:
            better = s < best
            np.copyto(best, s, where=better)
            kb[better] = k
    best_k[present] = kb
    return best_k


def _rice_np(v, k):
    """Rice codes of `v` (int64) with parameters `k` as one word each: (value, bits).

    An escape is QMAX zero bits then gamma(v + 1): the word ``v + 1`` of
    ``QMAX + 2·bitlen(v + 1) - 1`` bits (its leading bits are zeros)."""
    q = v >> k
    val = v - ((q - 1) << k)  # (1 << k) | low k bits
    nb = q + 1 + k
    esc = np.flatnonzero(q >= QMAX)
    if len(esc):
        e = v[esc] + 1
        val[esc] = e
        nb[esc] = QMAX + 2 * _bitlen(e) - 1
    return val, nb


def _gamma_bits(v):
    return 2 * _bitlen(v) - 1


def _pack_bits(val, nb):
    """The words (`val` < 2**63 in `nb` ≥ bitlen(val) bits each, int64), concatenated MSB
    first and zero-padded to a byte: a uint8 array.  (`val` is used up.)"""
    last = np.cumsum(nb, dtype=np.int64)
    total = int(last[-1]) if len(last) else 0
    out = np.zeros((total + 63) >> 6, dtype=np.uint64)
    if total:
        v = val.view(np.uint64)
        last -= 1  # bit index of every word's last bit
        r = (last & 63).view(np.uint64)
        w = last
        w >>= 6  # its 64-bit word
        hi = (v >> np.uint64(1)) >> r  # the part in word w - 1 (v < 2**63)
        np.subtract(np.uint64(63), r, out=r)
        v <<= r  # the part in word w
        del r
        first = np.empty(len(w), dtype=bool)
        first[0] = True
        np.not_equal(w[1:], w[:-1], out=first[1:])
        st = np.flatnonzero(first)
        del first
        out[w[st]] = np.add.reduceat(v, st)  # disjoint bits: sum == or
        del st
        sp = np.flatnonzero(hi)
        if len(sp):  # at most one word spills into each word
            out[w[sp] - 1] |= hi[sp]
    return out.astype(">u8").view(np.uint8)[: (total + 7) >> 3]


def _join3(v1, b1, v2, b2, v3, b3):
    """Three words as one where they fit 63 bits: (fits, value, bits)."""
    tot = b1 + b2 + b3
    fit = tot <= 63
    val = np.where(fit, (((v1 << b2) | v2) << b3) | v3, 0)
    return fit, val, tot


def _pad_segments(nb, pad_w):
    """Set the pad words' bit counts so that every segment (ending with its pad word) fills whole bytes; return the segments' byte lengths."""
    nb[pad_w] = 0
    end = np.cumsum(nb, dtype=np.int64)[pad_w]
    bits = np.diff(end, prepend=0)
    pad = -bits % 8
    nb[pad_w] = pad
    return (bits + pad) >> 3


def _segments_np(key, doc, pos):
    """Positional segments of postings sorted by (key, doc, pos); `doc` local to the range.

    Returns (the key of each segment, df of each segment, segment byte lengths, the bytes of all segments)."""
    n = len(key)
    if not n:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, np.zeros(0, dtype=np.uint8)
    es = np.empty(n, dtype=bool)  # first posting of a doc entry
    es[0] = True
    np.not_equal(key[1:], key[:-1], out=es[1:])
    ks_e = es.copy()  # (es is the key change so far)
    es[1:] |= doc[1:] != doc[:-1]
    e_row = np.flatnonzero(es)
    ne = len(e_row)
    tf = np.diff(e_row, append=n)
    ek = ks_e[e_row]  # entry starts a segment
    del ks_e
    seg_first = np.flatnonzero(ek)  # first entry of every segment
    nseg = len(seg_first)
    n_e = np.diff(seg_first, append=ne)
    seg_e = np.repeat(np.arange(nseg), n_e)
    e_doc = doc[e_row]
    prev = np.empty(ne, dtype=e_doc.dtype)
    prev[0] = -1
    prev[1:] = e_doc[:-1]
    prev[ek] = -1
    gap = (e_doc - prev - 1).astype(np.int64)
    del prev, e_doc, ek
    multi = np.maximum.reduceat(tf, seg_first) > 1
    firsts = pos[e_row].astype(np.int64)
    rest_rows = np.flatnonzero(~es)
    del es
    rest = (pos[rest_rows] - pos[rest_rows - 1] - 1).astype(np.int64)
    n_rest = np.add.reduceat(tf - 1, seg_first)
    kd = _best_k_np(gap, n_e)
    kp = _best_k_np(firsts, n_e)
    kg = _best_k_np(rest, n_rest)

    # Words (value, bits), MSB first.  Per segment: gamma(n) and the parameters; per
    # entry: the doc gap, "tf > 1" and gamma(tf - 1), the first position (one word
    # where they fit 63 bits, else three); per other posting: its gap; a pad word.
    gv, gb = _rice_np(gap, kd[seg_e])
    del gap
    tv = np.zeros(ne, dtype=np.int64)
    tb = multi[seg_e].astype(np.int64)  # the "tf > 1" bit, 0 ...
    more = np.flatnonzero(tf > 1)
    if len(more):  # ... or 1 and gamma(tf - 1)
        t1 = (tf[more] - 1).astype(np.int64)
        g = _gamma_bits(t1)
        tv[more] = (np.int64(1) << g) | t1
        tb[more] = g + 1
    fv, fb = _rice_np(firsts, kp[seg_e])
    del firsts
    efit, ev, eb = _join3(gv, gb, tv, tb, fv, fb)
    sel = np.flatnonzero(~efit)
    split = (sel, gv[sel], gb[sel], tv[sel], tb[sel], fv[sel], fb[sel])  # the entries that need three words
    del gv, gb, tv, tb, fv, fb
    zero = np.zeros(nseg, dtype=np.int64)
    pv = np.where(multi, (kd << 9) | (kp << 5) | 16 | kg, (kd << 5) | (kp << 1))
    pb = np.where(multi, 13, 9)
    hfit, hv, hb = _join3(n_e, _gamma_bits(n_e), pv, pb, zero, zero)
    e_words = np.where(efit, 1, 3) + (tf - 1)
    h_words = np.where(hfit, 1, 2)
    e_cs = _excl_cumsum(e_words)
    s_words = h_words + (e_cs[seg_first + n_e] - e_cs[seg_first]) + 1
    s_start = _excl_cumsum(s_words)
    W = int(s_start[-1])
    e_w = (s_start[:-1] + h_words - e_cs[seg_first])[seg_e] + e_cs[:-1]
    del e_cs, e_words
    val = np.zeros(W, dtype=np.int64)
    nb = np.zeros(W, dtype=np.int16)
    head = s_start[:-1]
    val[head], nb[head] = hv, hb
    sel = np.flatnonzero(~hfit)
    if len(sel):
        val[head[sel]], nb[head[sel]] = n_e[sel], _gamma_bits(n_e[sel])
        val[head[sel] + 1], nb[head[sel] + 1] = pv[sel], pb[sel]
    val[e_w], nb[e_w] = ev, eb
    del ev, eb
    sel, gv, gb, tv, tb, fv, fb = split
    if len(sel):
        w = e_w[sel]
        val[w], nb[w] = gv, gb
        val[w + 1], nb[w + 1] = tv, tb
        val[w + 2], nb[w + 2] = fv, fb
    if len(rest_rows):
        e_of = np.searchsorted(e_row, rest_rows, side="right") - 1
        rw = e_w[e_of] + np.where(efit[e_of], 1, 3) + (rest_rows - e_row[e_of] - 1)
        v, b = _rice_np(rest, kg[seg_e[e_of]])
        val[rw], nb[rw] = v, b
    del rest_rows, rest, e_w, seg_e, tf
    lens = _pad_segments(nb, s_start[1:] - 1)
    return key[e_row[seg_first]], n_e, lens, _pack_bits(val, nb)


def _seg_docs_np(n_e, docs):
    """Facet segments: `docs` (local to the range) of consecutive groups of `n_e` docs each, ascending."""
    nseg = len(n_e)
    if not nseg:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    docs = np.asarray(docs, dtype=np.int64)
    first = _excl_cumsum(n_e)[:-1]
    prev = np.empty(len(docs), dtype=np.int64)
    prev[0] = -1
    prev[1:] = docs[:-1]
    prev[first] = -1
    gap = docs - prev - 1
    kd = _best_k_np(gap, n_e)
    seg = np.repeat(np.arange(nseg), n_e)
    # words: gamma(n), kd, the gaps, a pad
    head = 3 * np.arange(nseg) + first
    W = 3 * nseg + len(docs)
    val = np.zeros(W, dtype=np.int64)
    nb = np.zeros(W, dtype=np.int64)
    val[head], nb[head] = n_e, _gamma_bits(n_e)
    val[head + 1], nb[head + 1] = kd, 4
    gw = 3 * seg + 2 + np.arange(len(docs))
    val[gw], nb[gw] = _rice_np(gap, kd[seg])
    lens = _pad_segments(nb, head + 2 + n_e)
    return lens, _pack_bits(val, nb)


def _key_codes(kk, id_cp):
    """Bigram codes (first code point * CP + second) of key ids ``id1 * ids + id2`` (`id_cp`: id -> code point)."""
    ids = len(id_cp)
    return id_cp[kk // ids].astype(np.int64) * CP + id_cp[kk % ids]


def _facets_np(payloads: list[tuple]):
    """Facet keys of a range (in order met) and their segments: (keys, df, byte lengths, bytes)."""
    docs: dict[str, list[int]] = {}
    for i, p in enumerate(payloads):
        for key in p[2]:
            docs.setdefault(key, []).append(i)
    keys = list(docs)
    n_e = np.array([len(docs[k]) for k in keys], dtype=np.int64)
    lens, blob = _seg_docs_np(n_e, [d for k in keys for d in docs[k]])
    return keys, n_e, lens, blob


def _range_arrays(codes, fkeys, lens, df, blob, tcodes, tlens, tblob, files, text_bytes) -> dict:
    """A built range: body segments (bigrams by code, then the facet keys `fkeys`) and title segments, each as
    key codes, byte lengths and one byte array; `df` per body key; the text and meta files."""
    return {
        "codes": np.asarray(codes, dtype=np.int64),
        "fkeys": list(fkeys),
        "lens": np.asarray(lens, dtype=np.int64),
        "df": np.asarray(df, dtype=np.int64),
        "blob": np.asarray(blob, dtype=np.uint8),
        "tcodes": np.asarray(tcodes, dtype=np.int64),
        "tlens": np.asarray(tlens, dtype=np.int64),
        "tblob": np.asarray(tblob, dtype=np.uint8),
        "files": files,
        "text_bytes": text_bytes,
    }


def _range_from_dicts(res: dict) -> dict:
    """`_build_range_py`'s result ({key: segment} dicts) as `_range_arrays`."""
    body, title = res["body"], res["title"]
    bkeys = [k for k in body if k[:1] != "#"]
    fkeys = [k for k in body if k[:1] == "#"]
    segs = [body[k] for k in bkeys + fkeys]
    tkeys = list(title)
    return _range_arrays(
        [ord(k[0]) * CP + ord(k[1]) for k in bkeys], fkeys, [len(s) for s in segs], [res["df"][k] for k in bkeys + fkeys],
        np.frombuffer(b"".join(segs), dtype=np.uint8), [ord(k[0]) * CP + ord(k[1]) for k in tkeys],
        [len(title[k]) for k in tkeys], np.frombuffer(b"".join(title[k] for k in tkeys), dtype=np.uint8),
        res["files"], res["text_bytes"])


def _build_range_np(job: RangeJob) -> dict:
    """`_build_range_py`, vectorised with numpy (the same segments and files, as `_range_arrays`)."""
    _np_tables()
    r, payloads, zdict, made = job
    raws = [p[0] for p in payloads]
    text = "\x00".join(raws)
    cps = _code_points(text)
    lens = np.array([len(x) for x in raws], dtype=np.int64)
    starts = np.zeros(len(raws), dtype=np.int64)
    if len(raws) > 1:
        np.cumsum(lens[:-1] + 1, out=starts[1:])

    # body and title postings of all docs: (bigram, doc, position), sorted
    m, id_cp = _masked_ids(cps)
    tlen = np.array([p[1] for p in payloads], dtype=np.int64)
    ucodes, udf, ulens, ublob, utk, utlens, utblob = _unigram_segments(m, starts, tlen, id_cp)
    at = np.flatnonzero((m[:-1] != 0) & (m[1:] != 0)) if len(m) > 1 else np.zeros(0, dtype=np.int64)
    n, ids = len(at), len(id_cp)
    key = m[at].astype(np.int64) * ids + m[at + 1]
    doc = (np.searchsorted(starts, at, side="right") - 1).astype(np.int32)
    pos = (at - starts[doc]).astype(np.int32)
    del at, m
    bits = max(n - 1, 1).bit_length()
    if (ids * ids) << bits < _PACK_LIMIT:  # sort (bigram, row) pairs: rows are in (doc, pos) order
        v = np.sort((key << bits) | np.arange(n, dtype=np.int64))
        key, row = v >> bits, v & ((1 << bits) - 1)
        del v
    else:  # a huge range of a huge alphabet
        row = np.argsort(key, kind="stable")
        key = key[row]
    doc, pos = doc[row], pos[row]
    del row
    in_title = np.flatnonzero(pos < tlen[doc] - 1)  # the bigram lies inside masked[:tlen]

    kk, df, blens, blob = _segments_np(key, doc, pos)
    tk, _, tlens, tblob = _segments_np(key[in_title], doc[in_title], pos[in_title])
    del key, doc, pos, in_title
    fkeys, fdf, flens, fblob = _facets_np(payloads)

    files: dict[str, bytes] = {}
    enc, off = _encode_texts(text, cps) if len(cps) else ("", np.zeros(1, dtype=np.int64))
    text_bytes = len(text.encode("utf-8", "surrogatepass")) - max(len(raws) - 1, 0)  # minus the NUL separators
    files.update(_text_files_np(r * RANGE, lens, starts, enc, off, zdict, made))
    files.update(_meta_files(r, [p[3] for p in payloads]))
    return _range_arrays(np.concatenate([_key_codes(kk, id_cp), ucodes]), fkeys, np.concatenate([blens, ulens, flens]),
                         np.concatenate([df, udf, fdf]), np.concatenate([blob, ublob, fblob]),
                         np.concatenate([_key_codes(tk, id_cp), utk]), np.concatenate([tlens, utlens]),
                         np.concatenate([tblob, utblob]), files, text_bytes)


def _unigram_segments(m, starts, tlen, id_cp):
    """Single characters of a range: body segments of docs only (codes = the code point, as
    the key UNI + char), and positional title segments. (codes, df, lens, blob, title codes,
    title lens, title blob)."""
    nz = np.flatnonzero(m)
    ndoc = max(len(starts), 1)
    doc = (np.searchsorted(starts, nz, side="right") - 1).astype(np.int64)
    pos = (nz - starts[doc]).astype(np.int64) if len(nz) else np.zeros(0, dtype=np.int64)
    cid = m[nz].astype(np.int64)
    v = _distinct(cid * ndoc + doc)  # (char, doc) pairs, by char then doc
    uid, ud = v // ndoc, v % ndoc
    first, counts = _groups(uid)
    lens, blob = _seg_docs_np(counts, ud)
    codes = id_cp[uid[first]].astype(np.int64)
    t = np.flatnonzero(pos < tlen[doc]) if len(nz) else np.zeros(0, dtype=np.int64)
    order = np.argsort(cid[t], kind="stable")  # rows are in (doc, position) order
    t = t[order]
    tk, _, tlens, tblob = _segments_np(cid[t], doc[t].astype(np.int32), pos[t].astype(np.int32))
    return codes, counts.astype(np.int64), lens, blob, id_cp[tk].astype(np.int64), tlens, tblob


def _build_range_ref(job: RangeJob) -> dict:
    return _range_from_dicts(_build_range_py(job))


_build_range = _build_range_np


# --- merging ranges (numpy) ----------------------------------------------------


def _leb_len(v):
    """Byte length of the LEB128 code of every value of an int64 array (≥ 0)."""
    n = np.ones(len(v), dtype=np.int64)
    t = v >> 7
    while True:
        nz = t > 0
        if not nz.any():
            return n
        n += nz
        t >>= 7


def _put_leb(buf, pos, v) -> None:
    """Write the LEB128 code of every value `v` at byte `pos` of `buf`."""
    v = np.asarray(v, dtype=np.int64)
    pos = np.asarray(pos, dtype=np.int64)
    while len(v):
        more = v >= 128
        buf[pos] = (v & 0x7F) | (more.astype(np.int64) << 7)
        sel = np.flatnonzero(more)
        v, pos = v[sel] >> 7, pos[sel] + 1


def _copy_spans(buf, dst, blob, src, lens) -> None:
    """``buf[dst[i] : dst[i] + lens[i]] = blob[src[i] : src[i] + lens[i]]`` for every i."""
    sel = np.flatnonzero(lens)
    out, mv = memoryview(buf), memoryview(blob)
    for d, a, n in zip(dst[sel].tolist(), src[sel].tolist(), lens[sel].tolist()):
        out[d : d + n] = mv[a : a + n]


def _assemble(bucket, nbuckets: int, heads: list, counts, gaps, seglen, segsrc, blob):
    """The payloads of bucket files, all in one byte array.

    Keys (in key order) go to `bucket`; per key, ``LEB(len(entry)) entry``, where
    entry = the header numbers `heads` ([(values, mask or None)]: LEB each where
    the mask holds) then its `counts` items: ``LEB(gap)`` (when `gaps` is not None)
    and ``seglen`` bytes of `blob` from `segsrc`.  Keys sort by (bucket, key order).
    Returns (bytes, byte offset of every bucket (nbuckets + 1), the keys in file
    order, key offsets of every bucket in that order)."""
    nk = len(bucket)
    if not nk:
        return np.zeros(0, dtype=np.uint8), np.zeros(nbuckets + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(nbuckets + 1, dtype=np.int64)
    glen = _leb_len(gaps) if gaps is not None else 0
    isize = seglen + glen
    ics = _excl_cumsum(isize)
    first = _excl_cumsum(counts)[:-1]
    elen = ics[first + counts] - ics[first]
    hlen = np.zeros(nk, dtype=np.int64)
    for v, mask in heads:
        ln = _leb_len(v)
        hlen += ln if mask is None else np.where(mask, ln, 0)
    elen += hlen
    llen = _leb_len(elen)
    perm = np.argsort(bucket, kind="stable")
    kcs = _excl_cumsum((llen + elen)[perm])
    kpos = np.empty(nk, dtype=np.int64)
    kpos[perm] = kcs[:-1]
    buf = np.zeros(int(kcs[-1]), dtype=np.uint8)
    _put_leb(buf, kpos, elen)
    p = kpos + llen
    for v, mask in heads:
        if mask is None:
            _put_leb(buf, p, v)
            p = p + _leb_len(v)
        else:
            sel = np.flatnonzero(mask)
            _put_leb(buf, p[sel], v[sel])
            p = p + np.where(mask, _leb_len(v), 0)
    ipos = np.repeat(p - ics[first], counts) + ics[:-1]
    if gaps is not None:
        _put_leb(buf, ipos, gaps)
        ipos = ipos + glen
    _copy_spans(buf, ipos, blob, segsrc, seglen)
    kb = np.searchsorted(bucket[perm], np.arange(nbuckets + 1), side="left")
    return buf, kcs[kb], perm, kb


def _fnv_codes(codes, fkeys: list[str]):
    """fnv of every key: a bigram code (≥ 0) or a facet key ``fkeys[code + len(fkeys)]`` (< 0)."""
    h = np.zeros(len(codes), dtype=np.uint64)
    c1, c2 = codes // CP, codes % CP
    bmp = (codes >= 0) & (c1 < 0x10000) & (c2 < 0x10000)
    sel = np.flatnonzero(bmp)
    prime, mask = np.uint64(0x01000193), np.uint64(0xFFFFFFFF)
    x = np.full(len(sel), 0x811C9DC5, dtype=np.uint64)
    for c in (c1, c2):
        x = ((x ^ c[sel].astype(np.uint64)) * prime) & mask
    h[sel] = x
    nf = len(fkeys)
    for i in np.flatnonzero(~bmp).tolist():
        c = int(codes[i])
        h[i] = fnv(fkeys[c + nf] if c < 0 else chr(c // CP) + chr(c % CP))
    return h


def _key_text(codes, fkeys: list[str]) -> list[str]:
    """Per key, its text in `join_keys` form (a facet key followed by SEP)."""
    nf = len(fkeys)
    big = codes >= 0
    pair = np.empty((len(codes), 2), dtype="<u4")
    pair[:, 0] = np.where(big, codes // CP, 0x20)
    pair[:, 1] = np.where(big, codes % CP, 0x20)
    s = pair.tobytes().decode("utf-32-le")
    out = [s[i : i + 2] for i in range(0, len(s), 2)]
    for i in np.flatnonzero(~big).tolist():
        out[i] = fkeys[int(codes[i]) + nf] + SEP
    return out


_JS_HEAD = "\ufeff__na(".encode("utf-16-le")
_JS_UNITS = '\ufeff__na("'.encode("utf-16-le")
_JS_TAIL = '")\n'.encode("utf-16-le")


def _units_many(chunks: list[bytes]) -> tuple[bytes, list[int]]:
    """`to_units` of every chunk, as UTF-16LE: all in one string of bytes, and the (start, end) of each.

    A chunk is cut into rows of 47 bytes (8 groups of 47 bits, 24 units); the units
    of a row past the chunk's own `unit_count` carry only padding and are skipped."""
    lens = [len(c) for c in chunks]
    padded = b"".join([c + bytes(-len(c) % 47) for c in chunks])
    nrow = len(padded) // 47
    rows = np.zeros((nrow, 56), dtype=np.uint8)  # 9 spare bytes: the last group reads 8 bytes from byte 41
    rows[:, :47] = np.frombuffer(padded, dtype=np.uint8).reshape(-1, 47)
    u = np.empty((nrow, 24), dtype=np.uint64)
    mask, r = np.uint64((1 << GROUP_BITS) - 1), np.uint64(RADIX)
    for g in range(8):
        at, skip = divmod(GROUP_BITS * g, 8)
        v = (np.ascontiguousarray(rows[:, at : at + 8]).view(">u8")[:, 0].astype(np.uint64) >> np.uint64(64 - GROUP_BITS - skip)) & mask
        u[:, 3 * g + 2] = v % r
        v //= r
        u[:, 3 * g + 1] = v % r
        u[:, 3 * g] = v // r
    data = (u + np.uint64(UNIT0)).astype("<u2").tobytes()
    spans, at = [], 0
    for n in lens:
        spans.append((at, at + 2 * unit_count(n)))
        at += 48 * ((n + 46) // 47)
    return data, spans


# --- writing ---------------------------------------------------------------

#: the layout of the cached ranges and state, and this module's code: a changed builder never reuses old ranges
CACHE_FORMAT = "np2:" + hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


def _pow2_buckets(total: int, target: int) -> int:
    n = 1
    while n * target < total:
        n *= 2
    return n


def _write_if_changed(path: str | Path, data: bytes, made: set[str] | None = None) -> bool:
    """Write `data` unless the file already holds it; `made`: directories known to exist."""
    try:
        if os.stat(path).st_size == len(data):
            with open(path, "rb") as f:
                if f.read() == data:
                    return False
    except OSError:
        pass
    parent = os.path.dirname(path)
    if made is None or parent not in made:
        os.makedirs(parent, exist_ok=True)
        if made is not None:
            made.add(parent)
    with open(path, "wb") as f:
        f.write(data)
    return True


class _DirOutput:
    """`output` given as the site folder: write changed files, delete stale ones under search/."""

    def __init__(self, root: Path):
        self.root = str(root)
        self.made: set[str] = set()
        self.written = 0
        self.seen: set[str] = set()

    def write(self, rel: str, data: bytes) -> None:
        self.seen.add(rel)
        if _write_if_changed(os.path.join(self.root, rel), data, self.made):
            self.written += 1

    def keep(self, rel: str) -> bool:  # never asked: a folder is always compared byte by byte
        return False

    def finish(self) -> None:
        base = os.path.join(self.root, "search")
        for d, _, names in os.walk(base):
            for n in names:
                rel = os.path.relpath(os.path.join(d, n), self.root).replace(os.sep, "/")
                if rel not in self.seen:
                    os.unlink(os.path.join(d, n))


def _page_key(dg: bytes) -> str:
    """A file's content digest as the output's page key (short: the site's manifest holds one per file)."""
    return dg[:8].hex()


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _range_key(r: int, ids: list, idents: list) -> str:
    """Stable id of everything the index holds for the docs of range `r` (no text needed when the issues have a content_key)."""
    h = hashlib.sha1(f"{VERSION}:{CACHE_FORMAT}:{RANGE}:{PART}:{OVERLAP}:{META}:{QMAX}:{KMAX}:{r}".encode())
    h.update(marshal.dumps([ids, idents], 2))  # (version 2: no back-references, so the same values give the same bytes)
    return h.hexdigest()


def _text_dictionary(first_range: Callable[[], list[tuple]], ids: list, cache: Path | None) -> bytes:
    """The deflate dictionary of the text parts, trained on the oldest articles (the first
    ``ZSAMPLE`` bytes of text code): a new issue does not change it, so the text files of
    unchanged articles stay byte-identical.  Cached with the ids of the articles it was
    trained on; only a change to one of those trains it again."""
    if not ids:
        return b""
    path = cache / "zdict.pickle" if cache else None
    got = _load(path) if path is not None else None
    if isinstance(got, dict) and got.get("v") == (ZDICT, ZSAMPLE, CACHE_FORMAT):
        k = got["docs"]  # a sample that took every doc of range 0 holds only while no doc joins it
        if k <= len(ids) and (got["full"] or k == min(len(ids), RANGE)) and got["ids"] == _digest(repr(ids[:k]).encode()):
            return got["zdict"]
    samples, size = [], 0
    for raw, *_ in first_range():
        if size >= ZSAMPLE:
            break
        code = encode_text(raw[: ZSAMPLE - size]).encode("utf-8", "surrogatepass")
        samples.append(code)
        size += len(code)
    zdict = train_dictionary(samples, ZDICT)
    if path is not None:
        k = len(samples)
        _save(path, {"v": (ZDICT, ZSAMPLE, CACHE_FORMAT), "docs": k, "full": size >= ZSAMPLE, "ids": _digest(repr(ids[:k]).encode()), "zdict": zdict})
    return zdict


#: the kind of the search cache's files (see `cache.read`: checksummed, a damaged one is dropped)
_KIND = "search/1"


def _load(path: Path):
    return load_pickle(path, _KIND)


def _save(path: Path, obj) -> None:
    dump_pickle(path, _KIND, obj)


def _trim_heap() -> None:
    """Give freed heap memory back to the system (glibc keeps it, and threads each get a heap of their own)."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        try:
            import ctypes

            _MALLOC_TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _MALLOC_TRIM = False
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM = None
LAST_TIMINGS: dict[str, float] = {}  # seconds per step of the last `write_search_index` (for benchmarks)


class _Clock:
    def __init__(self):
        import time

        self.now = time.perf_counter
        self.t = self.now()
        LAST_TIMINGS.clear()

    def lap(self, name: str) -> None:
        t = self.now()
        LAST_TIMINGS[name] = round(LAST_TIMINGS.get(name, 0.0) + t - self.t, 4)
        if os.environ.get("NA_SEARCH_MEM"):  # debugging: resident and peak MB after each step
            with open("/proc/self/status") as f:
                mem = {ln.split(":")[0]: int(ln.split()[1]) // 1024 for ln in f if ln.startswith(("VmRSS", "VmHWM"))}
            LAST_TIMINGS[name + ".mem"] = (mem.get("VmRSS"), mem.get("VmHWM"))
        self.t = t


class _Emitter:
    """Every index file goes through here: kept when the previous build made it from
    the same content digest (and the output still has it), else made and written."""

    def __init__(self, out, prev: dict, folder: bool):
        self.out, self.prev, self.folder = out, prev["files"], folder
        self.keyed = hasattr(out, "unchanged")  # the site's output: files carry their digest as page key
        self.prev_chunks: dict[int, bytes] = prev.get("chunks", {})
        self.chunks: dict[int, bytes] = {}  # range -> signature of its chunk files
        self.state: dict[str, tuple[bytes, int]] = {}  # rel -> (content digest, file size)
        self.written = 0
        self.kept: set[str] = set()

    def _holds(self, rel: str, dg: bytes) -> bool:
        """The output keeps the file the last *finished* build made for `rel` from digest `dg`:
        the site's manifest, not this cache, says what is there (a build that failed after
        this stage saved its state must not make the next one trust files it never committed)."""
        return self.out.unchanged(rel, _page_key(dg)) if self.keyed else self.out.keep(rel)

    def keeps(self, rel: str, dg: bytes) -> bool:
        if self.folder:
            return False
        old = self.prev.get(rel)
        if old is not None and old[0] == dg and self._holds(rel, dg):
            self.state[rel] = old
            self.kept.add(rel)
            return True
        return False

    def keep_all(self, rels: list[str]) -> bool:
        """Keep the previous build's files `rels` as they are (when it made them all and the output has them)."""
        if self.folder or not all(rel in self.prev for rel in rels):
            return False
        return self.keep_every([(rel, self.prev[rel][0]) for rel in rels])

    def keep_every(self, items: list[tuple[str, bytes]]) -> bool:
        """`keeps` of every (rel, digest), or of none: one call to the output for the
        ~10,000 text and meta files a one-issue rebuild keeps (a call each took ~0.05 s)."""
        prev = self.prev
        if self.folder or any(prev.get(rel, (None,))[0] != dg for rel, dg in items):
            return False
        every = getattr(self.out, "unchanged_all", None) if self.keyed else None
        if every is not None:
            if not every([x for rel, dg in items for x in (rel, _page_key(dg))]):
                return False
        elif not all(self._holds(rel, dg) for rel, dg in items):
            return False
        for rel, _dg in items:
            self.state[rel] = prev[rel]
        self.kept.update(rel for rel, _dg in items)
        return True

    def put(self, rel: str, dg: bytes, data: bytes) -> None:
        self.state[rel] = (dg, len(data))
        if self.keyed:
            self.out.write(rel, data, _page_key(dg))
        else:
            self.out.write(rel, data)
        self.written += 1

    def data(self, rel: str, data: bytes) -> None:
        dg = _digest(data)
        if not self.keeps(rel, dg):
            self.put(rel, dg, data)

    def blobs(self, items: list[tuple[str, bytes, bytes]]) -> None:
        """Text and meta files: (rel, digest, payload) each, written as ``__na("units")``."""
        todo = [it for it in items if not self.keeps(it[0], it[1])]
        for batch in _batches(todo, lambda it: len(it[2])):
            ub, spans = _units_many([p for _, _, p in batch])
            for (rel, dg, _), (a, b) in zip(batch, spans):
                self.put(rel, dg, _JS_UNITS + ub[a:b] + _JS_TAIL)

    def buckets(self, rels: list[str], buf, boff, ktext: list[str], perm, kb) -> None:
        """Bucket files ``__na("keys","units")``: file i holds the payload ``buf[boff[i] : boff[i + 1]]``
        and the keys ``perm[kb[i] : kb[i + 1]]`` (texts `ktext`, in key order)."""
        data = buf.tobytes()
        ordered = [ktext[i] for i in perm.tolist()]
        boff, kb = boff.tolist(), kb.tolist()
        todo = []
        for i, rel in enumerate(rels):
            keys = "".join(ordered[kb[i] : kb[i + 1]])
            dg = _digest(keys.encode("utf-8", "surrogatepass") + b"\xff" + data[boff[i] : boff[i + 1]])
            if not self.keeps(rel, dg):
                todo.append((i, rel, dg, keys))
        for batch in _batches(todo, lambda it: boff[it[0] + 1] - boff[it[0]]):
            ub, spans = _units_many([data[boff[i] : boff[i + 1]] for i, _, _, _ in batch])
            for (_, rel, dg, keys), (a, b) in zip(batch, spans):
                head = (json.dumps(keys, ensure_ascii=False) + ',"').encode("utf-16-le", "surrogatepass")
                self.put(rel, dg, _JS_HEAD + head + ub[a:b] + _JS_TAIL)


_BATCH_BYTES = 1 << 22  # payload bytes converted to units at once (bounds the memory it takes)


def _batches(items: list, size):
    """`items` in consecutive groups of about _BATCH_BYTES (by `size(item)`)."""
    batch, total = [], 0
    for it in items:
        batch.append(it)
        total += size(it)
        if total >= _BATCH_BYTES:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _cat(arrays: list, dtype):
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)


def _groups(codes):
    """For codes sorted ascending: the first row of every distinct code, and the rows per code."""
    n = len(codes)
    new = np.ones(n, dtype=bool)
    if n:
        np.not_equal(codes[1:], codes[:-1], out=new[1:])
    first = np.flatnonzero(new)
    return first, np.diff(first, append=n)


def _range_gaps(rr, first):
    """Per item, the number of ranges skipped since the key's previous item (from range -1)."""
    prev = np.empty(len(rr), dtype=np.int64)
    if len(rr):
        prev[0] = -1
        prev[1:] = rr[:-1]
        prev[first] = -1
    return rr - prev - 1


def _flatten_segments(posts: list[dict], lens_key: str, blob_key: str):
    """Every range's segments end to end: their lengths, the range of each, one blob,
    and where each segment starts in it."""
    per = [len(p[lens_key]) for p in posts]
    lens = _cat([p[lens_key] for p in posts], np.int64)
    rr = np.repeat(np.arange(len(posts), dtype=np.int64), per)
    blob = _cat([p[blob_key] for p in posts], np.uint8)
    src = _cat([_excl_cumsum(p[lens_key])[:-1] for p in posts], np.int64) + np.repeat(
        _excl_cumsum([len(p[blob_key]) for p in posts])[:-1], per)
    return lens, rr, blob, src


def _gather(blob, src, lens):
    """The spans ``blob[src[i] : src[i] + lens[i]]`` end to end (a new blob), and where each starts in it."""
    starts = _excl_cumsum(lens)
    total = int(starts[-1]) if len(starts) else 0
    idx = np.arange(total, dtype=np.int64) - np.repeat(starts[:-1] - src, lens)
    return blob[idx], starts[:-1]


def _gather_prefixed(blob, src, lens, prefixed):
    """`_gather`, with ``LEB(length)`` before every span where `prefixed`; returns (blob, starts, lengths with prefix)."""
    pl = np.where(prefixed, _leb_len(lens), 0)
    out_lens = lens + pl
    starts = _excl_cumsum(out_lens)
    buf = np.zeros(int(starts[-1]) if len(starts) else 0, dtype=np.uint8)
    sel = np.flatnonzero(prefixed)
    _put_leb(buf, starts[:-1][sel], lens[sel])
    body, _ = _gather(blob, src, lens)
    dst = np.repeat(starts[:-1] + pl, lens) + (np.arange(len(body), dtype=np.int64) - np.repeat(_excl_cumsum(lens)[:-1], lens))
    buf[dst] = body
    return buf, starts[:-1], out_lens


def _write_lists(posts: list[dict], rkeys: list[str], em: _Emitter, clock: _Clock, inl: int,
                 r0: int = 0, layer: str = "p") -> tuple[int, list[int]]:
    """The bucket files of one layer (``p/``: ranges before the tail, ``n/``: the tail) and
    its c/ chunk files, from the segments of ranges ``r0 …``; returns (buckets, cbuckets).

    An entry holds a key's body list (its segments; for a big list only those
    of ranges ≥ `inl`, the rest going to the c/ chunk files) and its title list."""
    R = len(posts)
    fkeys = sorted(set().union(*(p["fkeys"] for p in posts)))
    nf = len(fkeys)
    fcode = {k: i - nf for i, k in enumerate(fkeys)}  # facet keys sort before every bigram

    # body: every (key, range) segment, by key then range
    codes = _cat([np.concatenate([p["codes"], np.array([fcode[k] for k in p["fkeys"]], dtype=np.int64)]) for p in posts], np.int64)
    df = _cat([p["df"] for p in posts], np.int64)
    lens, rr, blob, src = _flatten_segments(posts, "lens", "blob")
    rr += r0
    order = np.argsort(codes, kind="stable")
    codes, lens, df, rr, src = codes[order], lens[order], df[order], rr[order], src[order]
    del order
    # titles: the same, over kicker + title + subtitle
    tcodes = _cat([p["tcodes"] for p in posts], np.int64)
    tl, tr, tblob, tsrc = _flatten_segments(posts, "tlens", "tblob")
    tr += r0
    order = np.argsort(tcodes, kind="stable")
    tcodes, tl, tr, tsrc = tcodes[order], tl[order], tr[order], tsrc[order]
    del order

    first, counts = _groups(codes)
    tfirst, tcounts = _groups(tcodes)
    kcode = _distinct(np.concatenate([codes[first], tcodes[tfirst]]))  # (a title's keys are its body's: the union is for safety)
    nk = len(kcode)
    bk = np.searchsorted(kcode, codes[first])
    nbody = np.zeros(nk, dtype=np.int64)
    nbody[bk] = counts
    size = np.zeros(nk, dtype=np.int64)
    dfs = np.zeros(nk, dtype=np.int64)
    if len(first):
        size[bk] = np.add.reduceat(lens, first)
        dfs[bk] = np.add.reduceat(df, first)
    tk = np.searchsorted(kcode, tcodes[tfirst])
    ntitle = np.zeros(nk, dtype=np.int64)
    ntitle[tk] = tcounts
    big = size > BIG
    kid = np.repeat(bk, counts)
    tkid = np.repeat(tk, tcounts)
    gaps = _range_gaps(rr, first)
    tgaps = _range_gaps(tr, tfirst)
    hastitle = ntitle > 0
    tsize = np.zeros(nk, dtype=np.int64)
    if len(tfirst):
        tsize[tk] = np.add.reduceat(tl, tfirst)
    tbig = tsize > TITLE_BIG
    # per key: LEB(4·nr + 2·title + big) [LEB(df)] [LEB(2·nt + tbig)], then the body items, then the title items
    h1 = 4 * nbody + 2 * hastitle + big
    h3 = 2 * ntitle + tbig
    keep = ~big[kid] | (rr >= inl)  # body segments that stay in the entry
    # one blob of every inline segment (body, then title), and one sequence of items by key, body first
    # a big list's inline segments carry their byte length: the client decodes a range only when it reads it
    ib, isrc, ilens_kept = _gather_prefixed(blob, src[keep], lens[keep], big[kid][keep])
    jb, jsrc, tl = _gather_prefixed(tblob, tsrc, tl, tbig[tkid])  # a tbig title list's segments too
    ilens = np.zeros(len(lens), dtype=np.int64)
    ilens[keep] = ilens_kept
    isrc_all = np.zeros(len(lens), dtype=np.int64)
    isrc_all[keep] = isrc
    item_key = np.concatenate([kid, tkid])
    item_len = np.concatenate([ilens, tl])
    item_src = np.concatenate([isrc_all, jsrc + len(ib)])
    item_gap = np.concatenate([gaps, tgaps])
    order = np.argsort(item_key, kind="stable")
    iblob = np.concatenate([ib, jb])
    del ib, jb
    klen = np.full(nk, 2, dtype=np.int64)
    for i in np.flatnonzero(kcode < 0).tolist():
        klen[i] = len(fkeys[int(kcode[i]) + nf])
    ilen_all = _leb_len(item_gap) + item_len
    elen = _leb_len(h1) + np.where(big, _leb_len(dfs), 0) + np.where(hastitle, _leb_len(h3), 0) + np.bincount(item_key, weights=ilen_all, minlength=nk).astype(np.int64)
    nb = _pow2_buckets(int((elen + klen + 2).sum()), BUCKET_TARGET)
    hashes = _fnv_codes(kcode, fkeys)
    ktext = _key_text(kcode, fkeys)
    buf, boff, perm, kb = _assemble((hashes % np.uint64(nb)).astype(np.int64), nb, [(h1, None), (dfs, big), (h3, hastitle)],
                                    nbody + ntitle, item_gap[order], item_len[order], item_src[order], iblob)
    del iblob, item_key, item_len, item_src, item_gap, order
    clock.lap(f"{layer}-merge")
    em.buckets([f"search/{layer}/{b}.js" for b in range(nb)], buf, boff, ktext, perm, kb)
    del buf
    clock.lap(f"{layer}-write")

    # chunks: the segments of big lists before range `inl`, by range, then bucket, then key
    bi = np.flatnonzero(big[kid] & (rr < inl))
    if not len(bi):
        return nb, [0] * R
    assert r0 == 0, "chunk files are made for the head layer only"
    bi = bi[np.argsort(rr[bi], kind="stable")]
    bk = kid[bi]
    rsize = np.bincount(rr[bi], weights=lens[bi] + klen[bk] + 2, minlength=R) if R else np.zeros(0)
    rcount = np.bincount(rr[bi], minlength=R) if R else np.zeros(0, dtype=np.int64)
    cbuckets = [_pow2_buckets(int(s), CHUNK_TARGET) if c else 0 for s, c in zip(rsize.tolist(), rcount.tolist())]
    # a range's chunk files are its big lists' segments: the same range (key) with the
    # same big keys and bucket count makes the same files as the previous build
    rb = np.searchsorted(rr[bi], np.arange(R + 1)).tolist()
    todo = []
    for r in range(R):
        if not cbuckets[r]:
            continue
        sig = _digest(f"{rkeys[r]}:{cbuckets[r]}:".encode() + kcode[bk[rb[r] : rb[r + 1]]].tobytes())
        em.chunks[r] = sig
        rels = [f"search/c/{r}/{b}.js" for b in range(cbuckets[r])]
        if not (em.prev_chunks.get(r) == sig and em.keep_all(rels)):
            todo.append(r)
    for r in todo:  # one range at a time: a big archive's chunks are most of the index
        ci, ck = bi[rb[r] : rb[r + 1]], bk[rb[r] : rb[r + 1]]
        n = cbuckets[r]
        buf, boff, perm, kb = _assemble((hashes[ck] % np.uint64(n)).astype(np.int64), n, [], np.ones(len(ci), dtype=np.int64), None, lens[ci], src[ci], blob)
        em.buckets([f"search/c/{r}/{b}.js" for b in range(n)], buf, boff, [ktext[i] for i in ck.tolist()], perm, kb)
    clock.lap("c")
    return nb, cbuckets


def _head_files(nb: int, cbuckets: list[int]) -> list[str]:
    """The head layer's files: its bucket files and the chunk files of its ranges."""
    return [f"search/p/{b}.js" for b in range(nb)] + [f"search/c/{r}/{b}.js" for r, n in enumerate(cbuckets) for b in range(n)]


def write_search_index(
    issues: list[Issue],
    output,
    article_url: Callable[[Issue, Article], str],
    cache_dir: Path | None = None,
    load_full: Callable[[Issue], Issue] | None = None,
    workers: int | None = None,
    *,
    _reference: bool = False,
) -> dict:
    """Write the index under ``search/``; return stats {docs, text_bytes, index_bytes, shards, …}.

    `output`: the site folder (a Path: files whose bytes changed are written,
    stale ones under ``search/`` deleted), or an object with ``write(relpath,
    data)`` and ``keep(relpath) -> bool`` (every file is either written or,
    when known to be byte-identical to the previous build, kept).
    Documents are numbered by (issue date, source, article number) and cut into
    ranges of ``RANGE`` docs; each range is built on its own (in parallel when
    ``workers`` > 1) and, with ``cache_dir``, reused when none of its articles
    changed — its key comes from each issue's ``content_key`` (or, when empty,
    the text), the article number and everything else the index stores, so a
    warm rebuild reads no text: `load_full(issue)` (default: the issue itself)
    is called only for issues in ranges to rebuild.  The lists of all ranges are
    then merged (vectorised) into the bucket files; with a cache, a file whose
    content digest did not change since the previous build is kept, not made
    again.  Output is deterministic.
    ``_reference`` builds ranges with the pure-Python reference code instead of
    numpy (for tests: same bytes).
    """
    gc_was_on = gc.isenabled()
    gc.disable()  # a build holds many objects: collecting them now and then costs more than this whole update
    try:
        return _write_search_index(issues, output, article_url, cache_dir, load_full, workers, _reference)
    finally:
        if gc_was_on:
            gc.enable()


def _write_search_index(issues, output, article_url, cache_dir, load_full, workers, _reference) -> dict:
    clock = _Clock()
    out = output if hasattr(output, "write") and hasattr(output, "keep") else _DirOutput(Path(output))
    folder = isinstance(out, _DirOutput)
    cache = Path(cache_dir) if cache_dir else None
    build = _build_range_ref if _reference else _build_range

    docs: list[tuple[Issue, Article]] = []
    for issue in sorted(issues, key=doc_order):
        for article in sorted(issue.articles, key=lambda a: a.number):
            docs.append((issue, article))
    clock.lap("docs")
    idents = _doc_idents(docs)
    clock.lap("lites")
    nranges = (len(docs) + RANGE - 1) // RANGE
    ids = _doc_ids(docs)
    rkeys = [_range_key(r, ids[r * RANGE : (r + 1) * RANGE], idents[r * RANGE : (r + 1) * RANGE]) for r in range(nranges)]
    del idents
    range_lites: dict[int, list] = {}

    def lites_of(r: int) -> list[tuple[list[str], list, int]]:
        """The lites of range `r`'s docs: only ranges built again need them."""
        if r not in range_lites:
            range_lites[r] = _doc_lites(docs[r * RANGE : (r + 1) * RANGE], article_url)
        return range_lites[r]
    first_ids = ids[:RANGE]
    clock.lap("rkeys")
    prev = _load(cache / "state.pickle") if cache else None  # (a folder output trusts its ranges, not its files)
    if not isinstance(prev, dict) or prev.get("v") != CACHE_FORMAT:
        prev = {"files": {}}
    em = _Emitter(out, prev, folder)

    first_payloads: list = []  # range 0's payloads, when the dictionary needed them (built once)

    def payloads_of(r: int) -> list[tuple]:
        if r == 0 and first_payloads:
            return first_payloads.pop()
        full: dict[int, Issue] = {}
        out_p = []
        lites = lites_of(r)
        for d in range(r * RANGE, min((r + 1) * RANGE, len(docs))):
            issue, article = docs[d]
            if load_full is not None:
                fi = full.get(id(issue))
                if fi is None:
                    fi = full[id(issue)] = load_full(issue)
                article = next((a for a in fi.articles if a.number == article.number), article)
            facets, meta, tlen = lites[d - r * RANGE]
            out_p.append((article.body_text, tlen, facets, meta))
        return out_p

    def first_range() -> list[tuple]:
        first_payloads[:] = [payloads_of(0)]
        return first_payloads[0]

    zdict = _text_dictionary(first_range, first_ids, cache if not folder else None)
    zd = _digest(zdict).hex()
    rkeys = [hashlib.sha1(f"{rk}:{zd}".encode()).hexdigest() for rk in rkeys]  # text files depend on the dictionary
    clock.lap("keys")
    # a range's files (text, meta) are kept by their digests, saved in the state: its
    # posting lists are read from the cache only when a layer of bucket files is made again
    infos: dict[str, dict] = prev.get("infos", {})
    new_infos: dict[str, dict] = {}
    posts: list[dict | None] = [None] * nranges
    todo = []
    for r, rk in enumerate(rkeys):
        info = infos.get(rk)
        if info is None or "facets" not in info or not (cache / f"{rk}.post.pickle").is_file():
            todo.append(r)
            continue
        digests = info["digests"]
        if em.keep_every([(f"search/{name}.js", dg[0]) for name, dg in digests.items()]):
            pending = []
        else:
            pending = [name for name, dg in digests.items() if not em.keeps(f"search/{name}.js", dg[0])]
        if pending:
            stored = _load(cache / f"{rk}.files.pickle")
            files = stored.get("files") if isinstance(stored, dict) else None
            if not isinstance(files, dict) or any(name not in files for name in pending):  # the cache lost half a range: build it again
                todo.append(r)
                continue
            em.blobs([(f"search/{name}.js", info["digests"][name][0], files[name]) for name in pending])
        new_infos[rk] = info

    def post_of(r: int) -> dict:
        if posts[r] is None:
            post = _load(cache / f"{rkeys[r]}.post.pickle")
            if isinstance(post, dict) and "lens" in post:
                posts[r] = post
            else:  # dropped as damaged (or removed meanwhile): the range is built again
                finish(r, build((r, payloads_of(r), zdict, made_of(r))))
        return posts[r]

    def finish(r: int, res: dict) -> None:
        _trim_heap()
        files = res.pop("files")
        digests = {name: (_digest(p), _js_size(p)) for name, p in files.items()}
        posts[r] = res
        new_infos[rkeys[r]] = {"digests": digests, "text_bytes": res["text_bytes"], "facets": _facet_counts(lites_of(r))}
        range_lites.pop(r, None)
        if cache:
            _save(cache / f"{rkeys[r]}.files.pickle", {"files": files, "ids": ids[r * RANGE : (r + 1) * RANGE], "zd": zd})
            _save(cache / f"{rkeys[r]}.post.pickle", res)
        em.blobs([(f"search/{name}.js", digests[name][0], p) for name, p in files.items()])

    def made_of(r: int) -> dict[str, bytes]:
        """The text files of range `r`'s docs that the previous build made as this one would:
        the same article (`_doc_ids`) at the same number, the same dictionary (a new issue
        rebuilds the newest range, whose other ~1,000 docs need not be deflated again)."""
        old = previous_rkeys[r] if cache and r < len(previous_rkeys) else None
        stored = _load(cache / f"{old}.files.pickle") if old is not None and old != rkeys[r] else None
        if not isinstance(stored, dict) or stored.get("zd") != zd or not isinstance(stored.get("files"), dict):
            return {}
        start = r * RANGE
        same = {start + i for i, (was, now) in enumerate(zip(stored["ids"], ids[start : start + RANGE])) if was == now}
        return {name: data for name, data in stored["files"].items()
                if name.startswith("d/") and int(name[2:].partition("-")[0]) in same}

    previous_rkeys = prev.get("rkeys") or []
    clock.lap("cached")
    threads = min(THREADS, os.cpu_count() or 1) if workers is None else 1
    if workers is not None and workers > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(workers, len(todo))) as pool:
            for r, res in zip(todo, pool.map(build, [(r, payloads_of(r), zdict, made_of(r)) for r in todo])):
                finish(r, res)
    elif threads > 1 and len(todo) > 1:  # numpy and zlib release the GIL: ranges build side by side
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            running: deque = deque()
            for r in todo:
                running.append((r, pool.submit(build, (r, payloads_of(r), zdict, made_of(r)))))
                if len(running) >= threads:  # at most `threads` ranges in memory
                    r1, fut = running.popleft()
                    finish(r1, fut.result())
            while running:
                r1, fut = running.popleft()
                finish(r1, fut.result())
    else:
        for r in todo:
            finish(r, build((r, payloads_of(r), zdict, made_of(r))))

    clock.lap("ranges")
    # two layers of bucket files: the head (p/, every range but the newest, with c/ chunk
    # files for the big lists of all but its last range) is kept as it is while its ranges
    # are; the tail (n/, the newest range, up to RANGE docs) is all a new issue rewrites
    tail = max(0, nranges - 1)
    inl = max(0, tail - 1)
    head_key = hashlib.sha1(f"{inl}:".encode() + "".join(rkeys[:tail]).encode()).hexdigest()
    held = prev.get("head")
    if tail and held and held["key"] == head_key and em.keep_all(_head_files(held["nb"], held["cbuckets"])):
        nb, cbuckets = held["nb"], held["cbuckets"]
        em.chunks.update({r: sig for r, sig in em.prev_chunks.items() if r < tail})
        clock.lap("p-kept")
    elif tail:
        nb, cbuckets = _write_lists([post_of(r) for r in range(tail)], rkeys[:tail], em, clock, inl)
    else:
        nb, cbuckets = 0, []
    head = {"key": head_key, "nb": nb, "cbuckets": cbuckets}
    for r in range(tail):  # the head's ranges are merged: free them before the tail's
        posts[r] = None
    ntb, _ = _write_lists([post_of(r) for r in range(tail, nranges)], rkeys[tail:], em, clock, tail, r0=tail, layer="n")

    facets: dict[str, dict[str, int]] = {"district": {}, "street": {}, "topic": {}, "year": {}, "person": {}}
    names = {"d": "district", "s": "street", "t": "topic", "y": "year", "p": "person"}
    for rk in rkeys:
        for f, n in new_infos[rk]["facets"].items():
            kind = names[f[1]]
            facets[kind][f[2:]] = facets[kind].get(f[2:], 0) + n
    zblob = _blob(zdict)
    em.blobs([("search/z.js", _digest(zblob), zblob)])
    em.data("search/inflate.js", _inflater_script())
    em.data("search/t2s.js", t2s_script())
    dates = _date_table([issue.date or "" for issue, _ in docs])
    em.data("search/dates.js", ("__na(" + json.dumps(dates, separators=(",", ":")) + ")\n").encode("utf-8"))
    table = "".join(_TABLE)
    em.data("search/chars.js", ("\ufeff__na(" + json.dumps(table, ensure_ascii=False) + ")\n").encode("utf-16-le"))
    manifest = {
        "v": VERSION,
        "docs": len(docs),
        "range": RANGE,
        "part": PART,
        "meta": math.gcd(META, RANGE),
        "buckets": nb,
        "cbuckets": cbuckets,
        "inline": inl,
        "tail": tail,
        "tbuckets": ntb,
        "one": ONE,
        "seed": SEED,
        "tablefnv": fnv(table),
        "tablelen": len(_TABLE),
        "zdict": len(zdict),
        "facets": {k: sorted(v.items(), key=lambda kv: (-kv[1], kv[0])) for k, v in facets.items()},
        "people": len(facets["person"]),
        "tsin": "".join(k for k in sorted(T2S) if k in _CODE),  # keys the GB2312 table holds: they need t2s.js too
        "dated": _date_span(docs),
    }
    manifest["facets"]["year"] = sorted(facets["year"].items(), reverse=True)
    # the person filter offers the names of more than one article (any name can be typed)
    manifest["facets"]["person"] = [kv for kv in manifest["facets"]["person"] if kv[1] > 1][:PERSONS]
    em.data("search/manifest.js", ("__na(" + json.dumps(manifest, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + ")\n").encode("utf-8"))

    if folder:
        out.finish()
    if cache:
        _save(cache / "state.pickle", {"v": CACHE_FORMAT, "files": em.state, "chunks": em.chunks, "infos": new_infos, "head": head,
                                       "rkeys": rkeys})
    clock.lap("end")
    text_bytes = sum(new_infos[rk]["text_bytes"] for rk in rkeys)
    index_bytes = sum(size for _, size in em.state.values())
    return {
        "docs": len(docs),
        "text_bytes": text_bytes,
        "index_bytes": index_bytes,
        "shards": len(em.state),
        "written": out.written if folder else em.written,
        "kept": len(em.kept),
        "ratio": round(index_bytes / text_bytes, 3) if text_bytes else 0.0,
        "ranges": nranges,
        "ranges_rebuilt": len(todo),
    }


PERSONS = 300  # names offered by the person filter (the most used; in the manifest every page loads)


def _date_table(dates: list[str]) -> list[int]:
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


def _date_span(docs) -> list[str]:
    dated = [issue.date for issue, _ in docs if issue.date and len(issue.date) == 10]
    return [dated[0], dated[-1]] if dated else []


def _inflater_script() -> bytes:
    """``search/inflate.js``: fflate's inflate (vendored), registered as the index file ``inflate``."""
    code = (Path(__file__).parent / "vendor" / "fflate-inflate.min.js").read_text(encoding="utf-8")
    return ("(function(){" + code.strip() + "\n__na(fflate);})();\n").encode("utf-8")


def _js_size(payload: bytes) -> int:
    """len(_js_units(payload))."""
    return 2 * (len('\ufeff__na("")\n') + unit_count(len(payload)))


__all__ = ["write_search_index", "normalize", "encode_text", "decode_text", "fnv", "to_units", "from_units"]
