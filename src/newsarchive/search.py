"""Full-text search index for Chinese text that works from ``file://``.

The browser side (``static/search.js``) cannot ``fetch()`` local files, so every
piece of the index is a small JavaScript file that calls a global function when
loaded with a ``<script>`` tag; the page knows which file it asked for.

Compact binary in a script: every index file but the manifest is UTF-16LE with
a byte-order mark (which a browser honours over any HTTP charset), holding
``__na("keys","units")`` or ``__na("units")``: *units* is binary data, 15 bits
per UTF-16 code unit (``0x3000 + v``, never a quote, backslash, line break or
surrogate): 94 % of the file's bits are payload.  Inside, byte strings:
LEB128 numbers, bit-coded posting lists, and deflate (``deflate-raw``, which
the browser inflates with ``DecompressionStream``, in memory).

Layout of ``search/`` (all paths deterministic; identical input gives
byte-identical files):

``manifest.js``
    (UTF-8 JSON) counts, bucket counts, facet values (districts, streets,
    topics, years), the text-code table check.
``p/<b>.js``
    body posting lists, hashed into ``buckets`` files by key (FNV-1a of the
    key's UTF-16 units).  A key is a character bigram (both characters letters
    or digits, after a 1:1 normalisation: NFKC where it maps one char to one
    char, lower case) or a facet key (``#d港闸区``, ``#s…``, ``#t…``,
    ``#y2020``).  Per key: ``LEB(2·nr + big)`` then, for a small list,
    ``nr`` × (``LEB(range gap)`` segment); for a *big* list ``LEB(df)`` and the ``nr``
    range gaps: its segments are in
``c/<r>/<k>.js``
    the segments of big lists for doc range ``r`` (``range`` docs each), hashed
    into ``cbuckets[r]`` files.  A query reads the newest range first and stops
    once it has enough results, so common words cost a bounded number of bytes.
``t/<b>.js``
    title index: the same lists over kicker + title + subtitle (the prefix of
    ``Article.body_text``), for the whole archive: ``LEB(nr)`` then ``nr`` ×
    (``LEB(range gap)`` segment); title matches rank first.
``m/<doc // meta>.js``
    ``LEB(n)`` + deflate of the UTF-8 JSON list of (url, title, kicker, date,
    districts) of ``meta`` consecutive articles: loaded for the results listed.
``d/<doc>-<part>.js``
    ``LEB(n)`` + deflate of the article text in parts of ``PART`` characters
    (plus an overlap), in a compact code (``encode_text``: the frequent
    characters get one ASCII byte, the GB2312 hanzi two): loaded only for
    results shown with a snippet, only the part holding the first match.

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
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import unicodedata
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Callable

from .model import Article, Issue

try:  # the vectorised builder; without numpy the pure-Python reference is used
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

VERSION = 2
RANGE = 1024  # documents per range (big lists are cut at range boundaries)
META = 16  # articles per meta file (url, title, date, district)
PART = 2000  # characters per stored text part
OVERLAP = 60  # extra characters at the end of each part, for snippets
BIG = 2048  # a list longer than this (in bytes) is cut into range segments
BUCKET_TARGET = 3072  # aimed-for payload bytes per posting file
CHUNK_TARGET = 6144
TITLE_TARGET = 2048
QMAX = 20  # rice codes: this many zeros start an escape (gamma of v + 1)
KMAX = 15
SEP = "\uffff"  # between the keys of a bucket file
UNIT0 = 0x3000  # code unit of 15-bit value 0

ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')  # 92 symbols
assert len(ALPHABET) == 92
ONE = 40  # single-symbol char codes: ALPHABET[:40]; prefixes ALPHABET[40:] × ALPHABET

# --- text ------------------------------------------------------------------

_norm_cache: dict[str, str] = {}


def norm_char(c: str) -> str:
    r = _norm_cache.get(c)
    if r is None:
        n = unicodedata.normalize("NFKC", c)
        r = n.lower() if len(n) == 1 else c.lower()
        if len(r) != 1:
            r = c
        _norm_cache[c] = r
    return r


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


def char_table() -> list[str]:
    """Fixed, corpus-independent table: stable codes keep unchanged docs byte-identical.

    SEED, then the GB2312 hanzi rows (0xB0A1…0xF7FE) in code order; the browser
    rebuilds it with TextDecoder('gb2312') and checks it against ``tablefnv``
    (falling back to ``chars.js``)."""
    seen: dict[str, None] = {}
    for c in SEED:
        seen.setdefault(c, None)
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                seen.setdefault(bytes([hi, lo]).decode("gb2312"), None)
            except UnicodeDecodeError:
                pass
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


def to_units(data: bytes) -> str:
    """Bytes as a string of 15-bit code units ``UNIT0 + v`` (MSB first, zero-padded)."""
    if not data:
        return ""
    if np is None:  # pragma: no cover
        s = "".join(format(b, "08b") for b in data)
        s += "0" * (-len(s) % 15)
        return "".join(chr(UNIT0 + int(s[i : i + 15], 2)) for i in range(0, len(s), 15))
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    pad = -len(bits) % 15
    if pad:
        bits = np.concatenate([bits, np.zeros(pad, dtype=np.uint8)])
    groups = bits.reshape(-1, 15).astype(np.uint16)
    v = groups @ (1 << np.arange(14, -1, -1, dtype=np.uint16))
    return (v.astype("<u2") + UNIT0).astype("<u2").tobytes().decode("utf-16-le")


def from_units(s: str) -> bytes:
    """Inverse of `to_units` (plus up to one zero byte of padding)."""
    bits = "".join(format(ord(c) - UNIT0, "015b") for c in s)
    n = len(bits) // 8
    return int(bits[: n * 8], 2).to_bytes(n, "big") if n else b""


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return c.compress(data) + c.flush()


def _blob(data: bytes) -> bytes:
    """A compressed payload: its byte length, then raw deflate."""
    z = _deflate(data)
    return _leb(len(z)) + z


def _unblob(data: bytes) -> bytes:
    n, i = _read_leb(data, 0)
    return zlib.decompress(data[i : i + n], -15)


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


def _bucket_payload(items: list[tuple[str, bytes]]) -> bytes:
    return b"".join(_leb(len(b)) + b for _, b in items)


# --- documents -----------------------------------------------------------------


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


def _doc_lite(issue: Issue, article: Article, article_url) -> tuple[list[str], list, int]:
    """What the index needs of an article besides its text: (facets, meta, title length)."""
    year = (issue.date or "")[:4]
    districts = list(dict.fromkeys(article.districts or ([issue.district] if issue.district else [])))
    facets = [("#d" + v) for v in districts]  # (SEP never occurs in a key: see join_keys)
    facets += ["#s" + v for v in dict.fromkeys(article.streets)]
    facets += ["#t" + v for v in dict.fromkeys(article.topics)]
    if year:
        facets.append("#y" + year)
    meta = [article_url(issue, article), article.display_title, issue.date or "", " ".join(districts), article.kicker or ""]
    return facets, meta, len(title_prefix(article))


def _doc_key(issue: Issue, article: Article, lite: tuple) -> str:
    """Stable id of everything the index holds for this article (no text needed when the issue has a content_key)."""
    ck = getattr(issue, "content_key", "") or ""
    h = hashlib.sha1()
    if ck:
        h.update(f"k{ck}\x00{article.number}\x00".encode())
    else:
        h.update(b"t" + article.body_text.encode("utf-8", "surrogatepass") + b"\x00")
    h.update(json.dumps(lite, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _text_files(doc: int, raw: str, enc: Callable[[int, int], str]) -> dict[str, bytes]:
    """The compressed text parts of one article (`enc(a, b)`: the text code of ``raw[a:b]``)."""
    files = {}
    size = len(raw)
    for part in range(max(1, math.ceil(size / PART))):
        a, b = min(part * PART, size), min((part + 1) * PART + OVERLAP, size)
        files[f"d/{doc}-{part}"] = _blob(enc(a, b).encode("utf-8", "surrogatepass"))
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


def _build_range_py(job: tuple[int, list[tuple]]) -> dict:
    """Posting segments, title segments and text/meta files for the docs of one range.

    The pure-Python reference; `_build_range_np` returns the same result.
    A payload is (text, title length, facets, meta)."""
    r, payloads = job
    body: dict[str, list] = {}
    title: dict[str, list] = {}
    files: dict[str, bytes] = {}
    text_bytes = 0
    for i, (raw, tlen, _facets, _meta) in enumerate(payloads):
        doc = r * RANGE + i
        text_bytes += len(raw.encode("utf-8", "surrogatepass"))
        masked = word_mask(normalize(raw))
        for key, ps in _postings(masked).items():
            body.setdefault(key, []).append((i, ps))
        if tlen:
            for key, ps in _postings(masked[:tlen]).items():
                title.setdefault(key, []).append((i, ps))
        files.update(_text_files(doc, raw, lambda a, b: encode_text(raw[a:b])))
    files.update(_meta_files(r, [p[3] for p in payloads]))
    segs = {k: _seg_positional(v) for k, v in body.items()}
    df = {k: len(v) for k, v in body.items()}
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


def _np_tables():
    global _ALPHA_U8, _MTAB, _ENC_TAB, _ID_CP, _KNOWN
    if _ALPHA_U8 is None:
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


def _code_points(text: str):
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _code_points_str(cps) -> str:
    return np.asarray(cps, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")


def _masked_ids(cps):
    """For the code points `cps` of a text, the char ids of ``word_mask(normalize(text))``.

    0 for a separator (NUL), else a small id (`_ID_CP[id]`: the masked char), so
    a bigram and a row number fit one int64.  New chars are learned as `normalize` does."""
    global _ID_CP
    unknown = cps[~_KNOWN[cps]]
    new = set(_code_points_str(np.unique(unknown))) if len(unknown) else ()
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
    return out.tobytes().decode("utf-32-le", "surrogatepass"), off.tolist()




def _bitlen(v):
    """Bit length of every value of an int64 array (values < 2**53)."""
    return np.frexp(v.astype(np.float64))[1].astype(np.int64)


def _rice_words(v, k):
    """Rice codes of `v` with parameters `k` as two words each: (val1, nb1, val2, nb2)."""
    q = v >> k
    esc = q >= QMAX
    one = np.int64(1)
    val1 = np.where(esc, 0, (one << k) | (v & ((one << k) - 1)))
    nb1 = np.where(esc, QMAX, q + 1 + k)
    val2 = np.where(esc, v + 1, 0)
    nb2 = np.where(esc, 2 * _bitlen(v + 1) - 1, 0)
    return val1, nb1, val2, nb2


def _best_k_np(values, seg, nseg: int):
    """Per segment, the Rice parameter coding its `values` in the fewest bits (smallest on ties)."""
    if not len(values):
        return np.zeros(nseg, dtype=np.int64)
    bl1 = 2 * _bitlen(values + 1) - 1
    costs = np.empty((KMAX + 1, nseg), dtype=np.float64)
    for k in range(KMAX + 1):
        q = values >> k
        c = np.where(q < QMAX, q + 1 + k, QMAX + bl1)
        costs[k] = np.bincount(seg, weights=c, minlength=nseg)
    return np.argmin(costs, axis=0).astype(np.int64)


def _pack_words(val, nb) -> bytes:
    """Concatenate the bit words (`val` of `nb` bits each, ≤ 63) MSB first; the total is a whole number of bytes."""
    nb = nb.astype(np.int64)
    end = np.cumsum(nb)
    total = int(end[-1]) if len(end) else 0
    bits = np.zeros(total, dtype=np.uint8)
    start = end - nb
    sel = np.flatnonzero(nb > 0)
    val = val.astype(np.uint64)
    j = 0
    while len(sel):
        bits[start[sel] + j] = ((val[sel] >> (nb[sel] - 1 - j).astype(np.uint64)) & np.uint64(1)).astype(np.uint8)
        j += 1
        sel = sel[nb[sel] > j]
    return np.packbits(bits).tobytes()


def _segments_np(key, doc, pos):
    """Positional segments of postings sorted by (key, doc, pos); `doc` local to the range.

    Returns (segment key ids, segment bytes, df) in key order."""
    n = len(key)
    if not n:
        return np.zeros(0, dtype=np.int64), [], []
    ks = np.empty(n, dtype=bool)
    ks[0] = True
    np.not_equal(key[1:], key[:-1], out=ks[1:])
    es = ks.copy()
    es[1:] |= doc[1:] != doc[:-1]
    e_row = np.flatnonzero(es)  # first posting of every doc entry
    ne = len(e_row)
    tf = np.diff(np.append(e_row, n))
    e_doc = doc[e_row]
    k_row = np.flatnonzero(ks)
    nseg = len(k_row)
    seg_of_row = np.cumsum(ks) - 1
    seg_e = seg_of_row[e_row]
    e_first = ks[e_row]
    prev = np.empty(ne, dtype=np.int64)
    prev[0] = -1
    prev[1:] = e_doc[:-1]
    prev[e_first] = -1
    gap = e_doc - prev - 1
    multi_e = tf > 1
    n_e = np.bincount(seg_e, minlength=nseg)
    multi = np.bincount(seg_e, weights=multi_e, minlength=nseg) > 0
    firsts = pos[e_row]
    rest_rows = np.flatnonzero(~es)
    rest = pos[rest_rows] - pos[rest_rows - 1] - 1
    kd = _best_k_np(gap, seg_e, nseg)
    kp = _best_k_np(firsts, seg_e, nseg)
    kg = _best_k_np(rest, seg_of_row[rest_rows], nseg)

    # words: per segment 5 header + 4 per entry + 2 per posting + 1 pad
    n_p = np.diff(np.append(k_row, n))
    seg_words = 6 + 4 * n_e + 2 * n_p
    seg_start = np.zeros(nseg, dtype=np.int64)
    np.cumsum(seg_words[:-1], out=seg_start[1:])
    W = int(seg_start[-1] + seg_words[-1])
    val = np.zeros(W, dtype=np.int64)
    nb = np.zeros(W, dtype=np.int64)
    # header
    val[seg_start] = n_e
    nb[seg_start] = 2 * _bitlen(n_e) - 1
    val[seg_start + 1], nb[seg_start + 1] = kd, 4
    val[seg_start + 2], nb[seg_start + 2] = kp, 4
    val[seg_start + 3], nb[seg_start + 3] = multi, 1
    val[seg_start + 4], nb[seg_start + 4] = kg, np.where(multi, 4, 0)
    # entries
    first_e = np.zeros(nseg, dtype=np.int64)
    np.cumsum(n_e[:-1], out=first_e[1:])
    e_idx = np.arange(ne, dtype=np.int64)
    e_w = seg_start[seg_e] + 5 + 4 * (e_idx - first_e[seg_e]) + 2 * (e_row - k_row[seg_e])
    v1, b1, v2, b2 = _rice_words(gap, kd[seg_e])
    val[e_w], nb[e_w], val[e_w + 1], nb[e_w + 1] = v1, b1, v2, b2
    m = multi[seg_e]
    val[e_w + 2], nb[e_w + 2] = multi_e, np.where(m, 1, 0)
    val[e_w + 3] = tf - 1
    nb[e_w + 3] = np.where(multi_e, 2 * _bitlen(tf - 1) - 1, 0)
    # positions
    v1, b1, v2, b2 = _rice_words(firsts, kp[seg_e])
    p_w = e_w + 4
    val[p_w], nb[p_w], val[p_w + 1], nb[p_w + 1] = v1, b1, v2, b2
    if len(rest_rows):
        e_of_row = np.cumsum(es) - 1
        er = e_of_row[rest_rows]
        p_w = e_w[er] + 4 + 2 * (rest_rows - e_row[er])
        v1, b1, v2, b2 = _rice_words(rest, kg[seg_of_row[rest_rows]])
        val[p_w], nb[p_w], val[p_w + 1], nb[p_w + 1] = v1, b1, v2, b2
    bits = np.add.reduceat(nb, seg_start)
    pad_w = seg_start + seg_words - 1
    nb[pad_w] = -bits % 8
    data = _pack_words(val, nb)
    ends = np.cumsum((bits + nb[pad_w]) // 8).tolist()
    starts = [0] + ends[:-1]
    segs = [data[a:b] for a, b in zip(starts, ends)]
    return key[k_row], segs, n_e.tolist()


def _key_strings(kk, ids: int) -> list[str]:
    pair = np.empty(2 * len(kk), dtype="<u4")
    pair[0::2] = _ID_CP[kk // ids]
    pair[1::2] = _ID_CP[kk % ids]
    ktext = pair.tobytes().decode("utf-32-le", "surrogatepass")
    return [ktext[i : i + 2] for i in range(0, len(ktext), 2)]


def _build_range_np(job: tuple[int, list[tuple]]) -> dict:
    """`_build_range_py`, vectorised with numpy (same result)."""
    _np_tables()
    r, payloads = job
    raws = [p[0] for p in payloads]
    text = "\x00".join(raws)
    cps = _code_points(text)
    lens = np.array([len(x) for x in raws], dtype=np.int64)
    starts = np.zeros(len(raws), dtype=np.int64)
    if len(raws) > 1:
        np.cumsum(lens[:-1] + 1, out=starts[1:])

    # body and title postings of all docs: (bigram, doc, position), sorted
    m = _masked_ids(cps) if len(cps) else np.zeros(0, dtype=np.uint32)
    at = np.flatnonzero((m[:-1] != 0) & (m[1:] != 0)) if len(m) > 1 else np.zeros(0, dtype=np.int64)
    n, ids = len(at), len(_ID_CP)
    key = m[at].astype(np.int64) * ids + m[at + 1]
    doc = np.searchsorted(starts, at, side="right") - 1
    pos = at - starts[doc]
    if ids * ids * max(n, 1) < _PACK_LIMIT:  # sort (bigram, row) pairs: rows are in (doc, pos) order
        v = np.sort(key * n + np.arange(n, dtype=np.int64))
        key, row = (v // n, v % n) if n else (v, v)
    else:  # a huge range of a huge alphabet
        row = np.argsort(key, kind="stable")
        key = key[row]
    doc, pos = doc[row], pos[row]
    del row
    tlen = np.array([p[1] for p in payloads], dtype=np.int64)
    in_title = pos < tlen[doc] - 1  # the bigram lies inside masked[:tlen]

    kk, segs, df = _segments_np(key, doc, pos)
    names = _key_strings(kk, ids)
    body = dict(zip(names, segs))
    body_df = dict(zip(names, df))
    kk, segs, _ = _segments_np(key[in_title], doc[in_title], pos[in_title])
    title = dict(zip(_key_strings(kk, ids), segs))
    del key, doc, pos, in_title

    fsegs, fdf = _facet_segments(r, payloads)
    body.update(fsegs)
    body_df.update(fdf)
    files: dict[str, bytes] = {}
    enc, off = _encode_texts(text, cps) if len(cps) else ("", [0])
    text_bytes = len(text.encode("utf-8", "surrogatepass")) - max(len(raws) - 1, 0)  # minus the NUL separators
    st = starts.tolist()
    for i, raw in enumerate(raws):
        s = st[i]
        files.update(_text_files(r * RANGE + i, raw, lambda a, b: enc[off[s + a] : off[s + b]]))
    files.update(_meta_files(r, [p[3] for p in payloads]))
    return {"body": body, "df": body_df, "title": title, "files": files, "text_bytes": text_bytes}


_build_range = _build_range_np if np is not None else _build_range_py


# --- writing ---------------------------------------------------------------


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


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _range_key(r: int, doc_keys: list[str]) -> str:
    h = hashlib.sha1(f"{VERSION}:{RANGE}:{PART}:{OVERLAP}:{META}:{QMAX}:{r}".encode())
    for k in doc_keys:
        h.update(k.encode())
    return h.hexdigest()


def _load(path: Path):
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None


def _save(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


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
    is called only for issues in ranges to rebuild.  Output is deterministic.
    ``_reference`` builds with the pure-Python reference code instead of numpy
    (for tests: same bytes).
    """
    out = output if hasattr(output, "write") and hasattr(output, "keep") else _DirOutput(Path(output))
    folder = isinstance(out, _DirOutput)
    cache = Path(cache_dir) if cache_dir else None
    build = _build_range_py if _reference else _build_range

    docs: list[tuple[Issue, Article]] = []
    for issue in sorted(issues, key=lambda i: (i.date or "", i.source)):
        for article in sorted(issue.articles, key=lambda a: a.number):
            docs.append((issue, article))
    lites = [_doc_lite(i, a, article_url) for i, a in docs]
    nranges = (len(docs) + RANGE - 1) // RANGE
    rkeys = [_range_key(r, [_doc_key(i, a, lites[d]) for d, (i, a) in enumerate(docs[r * RANGE : (r + 1) * RANGE], r * RANGE)]) for r in range(nranges)]
    prev = (_load(cache / "state.pickle") if cache and not folder else None) or {"files": {}, "ranges": []}
    prev_files: dict[str, bytes] = prev["files"]
    state: dict[str, bytes] = {}
    stats = {"written": 0, "kept": 0, "index_bytes": 0}

    def emit(rel: str, payload: bytes, keys: list[str] | None = None, data: bytes | None = None, digest: tuple | None = None):
        if digest is None:
            data = data if data is not None else _js_units(payload, keys)
            digest = (_digest(data), len(data))
        state[rel] = digest
        if not folder and prev_files.get(rel) == digest and out.keep(rel):
            stats["kept"] += 1
            return
        out.write(rel, data if data is not None else _js_units(payload, keys))
        stats["written"] += 1

    def payloads_of(r: int) -> list[tuple]:
        full: dict[int, Issue] = {}
        out_p = []
        for d in range(r * RANGE, min((r + 1) * RANGE, len(docs))):
            issue, article = docs[d]
            if load_full is not None:
                fi = full.get(id(issue))
                if fi is None:
                    fi = full[id(issue)] = load_full(issue)
                article = next((a for a in fi.articles if a.number == article.number), article)
            facets, meta, tlen = lites[d]
            out_p.append((article.body_text, tlen, facets, meta))
        return out_p

    posts: list[dict | None] = [None] * nranges
    todo = []
    for r, rk in enumerate(rkeys):
        post = _load(cache / f"{rk}.post.pickle") if cache else None
        if post is None:
            todo.append(r)
            continue
        posts[r] = post
        same = not folder and r < len(prev["ranges"]) and prev["ranges"][r] == rk
        files = None
        for name, dg in post["digests"].items():
            rel = f"search/{name}.js"
            if same and prev_files.get(rel) == dg and out.keep(rel):
                state[rel] = dg
                stats["kept"] += 1
                continue
            if files is None:
                files = _load(cache / f"{rk}.files.pickle")
                if files is None:  # the cache lost half a range: build it again
                    break
            emit(rel, files[name], digest=dg)
        else:
            continue
        posts[r] = None
        todo.append(r)

    def finish(r: int, res: dict) -> None:
        files = res.pop("files")
        res["digests"] = {name: (_digest(p), _js_size(p)) for name, p in files.items()}
        posts[r] = res
        if cache:
            _save(cache / f"{rkeys[r]}.files.pickle", files)
            _save(cache / f"{rkeys[r]}.post.pickle", res)
        for name, p in files.items():
            emit(f"search/{name}.js", p, digest=res["digests"][name])

    if workers is None:
        workers = 1
    if workers > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(workers, len(todo))) as pool:
            for r, res in zip(todo, pool.map(build, [(r, payloads_of(r)) for r in todo])):
                finish(r, res)
    else:
        for r in todo:
            finish(r, build((r, payloads_of(r))))

    # body lists: merge ranges per key; lists longer than BIG are cut by range
    where: dict[str, list[int]] = defaultdict(list)
    size: dict[str, int] = defaultdict(int)
    for r, post in enumerate(posts):
        for k, seg in post["body"].items():
            where[k].append(r)
            size[k] += len(seg)
    entries: dict[str, bytes] = {}
    chunks: list[list[tuple[str, bytes]]] = [[] for _ in range(nranges)]
    for k, rs in where.items():
        gaps = [r - p - 1 for p, r in zip([-1] + rs, rs)]
        if size[k] <= BIG:
            entries[k] = _leb(2 * len(rs)) + b"".join(_leb(g) + posts[r]["body"][k] for g, r in zip(gaps, rs))
        else:
            df = sum(posts[r]["df"][k] for r in rs)
            entries[k] = _leb(2 * len(rs) + 1) + _leb(df) + b"".join(_leb(g) for g in gaps)
            for r in rs:
                chunks[r].append((k, posts[r]["body"][k]))
    hashes = _fnv_many(where)
    nb = _pow2_buckets(sum(len(v) + len(k) + 2 for k, v in entries.items()), BUCKET_TARGET)
    _emit_buckets(emit, "search/p/", entries, hashes, nb)
    cbuckets = []
    for r, ch in enumerate(chunks):
        n = _pow2_buckets(sum(len(v) + len(k) + 2 for k, v in ch), CHUNK_TARGET) if ch else 0
        cbuckets.append(n)
        _emit_buckets(emit, f"search/c/{r}/", dict(ch), hashes, n)

    tw: dict[str, list[int]] = defaultdict(list)
    for r, post in enumerate(posts):
        for k in post["title"]:
            tw[k].append(r)
    tlists = {}
    for k, rs in tw.items():
        gaps = [r - p - 1 for p, r in zip([-1] + rs, rs)]
        tlists[k] = _leb(len(rs)) + b"".join(_leb(g) + posts[r]["title"][k] for g, r in zip(gaps, rs))
    ntb = _pow2_buckets(sum(len(v) + len(k) + 2 for k, v in tlists.items()), TITLE_TARGET)
    _emit_buckets(emit, "search/t/", tlists, _fnv_many(tlists), ntb)

    facets: dict[str, dict[str, int]] = {"district": {}, "street": {}, "topic": {}, "year": {}}
    names = {"d": "district", "s": "street", "t": "topic", "y": "year"}
    for fs, _, _ in lites:
        for f in fs:
            kind = names[f[1]]
            facets[kind][f[2:]] = facets[kind].get(f[2:], 0) + 1
    table = "".join(_TABLE)
    chars = ("\ufeff__na(" + json.dumps(table, ensure_ascii=False) + ")\n").encode("utf-16-le")
    emit("search/chars.js", b"", data=chars)
    manifest = {
        "v": VERSION,
        "docs": len(docs),
        "range": RANGE,
        "part": PART,
        "meta": math.gcd(META, RANGE),
        "buckets": nb,
        "cbuckets": cbuckets,
        "tbuckets": ntb,
        "one": ONE,
        "seed": SEED,
        "tablefnv": fnv(table),
        "tablelen": len(_TABLE),
        "facets": {k: sorted(v.items(), key=lambda kv: (-kv[1], kv[0])) for k, v in facets.items()},
    }
    manifest["facets"]["year"] = sorted(facets["year"].items(), reverse=True)
    data = ("__na(" + json.dumps(manifest, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + ")\n").encode("utf-8")
    emit("search/manifest.js", b"", data=data)

    if folder:
        out.finish()
    elif cache:
        _save(cache / "state.pickle", {"files": state, "ranges": rkeys})
    text_bytes = sum(p["text_bytes"] for p in posts)
    index_bytes = sum(size for _, size in state.values())
    return {
        "docs": len(docs),
        "text_bytes": text_bytes,
        "index_bytes": index_bytes,
        "shards": len(state),
        "written": out.written if folder else stats["written"],
        "kept": stats["kept"],
        "ratio": round(index_bytes / text_bytes, 3) if text_bytes else 0.0,
        "ranges": nranges,
        "ranges_rebuilt": len(todo),
    }


def _js_size(payload: bytes) -> int:
    """len(_js_units(payload))."""
    return 2 * (len('\ufeff__na("")\n') + (len(payload) * 8 + 14) // 15)


def _emit_buckets(emit, prefix: str, entries: dict[str, bytes], hashes: dict[str, int], n: int) -> None:
    buckets: list[list[str]] = [[] for _ in range(n)]
    for k in entries:
        buckets[hashes[k] % n].append(k)
    for b, keys in enumerate(buckets):
        keys.sort()
        emit(f"{prefix}{b}.js", _bucket_payload([(k, entries[k]) for k in keys]), keys)


__all__ = ["write_search_index", "normalize", "encode_text", "decode_text", "fnv", "to_units", "from_units"]
