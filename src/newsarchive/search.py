"""Full-text search index for Chinese text that works from ``file://``.

The browser side (``static/search.js``) cannot ``fetch()`` local files, so every
piece of the index is a small JavaScript file that calls a global registration
function when loaded with a ``<script>`` tag::

    window.__naSearch.add("p/12", {...})

Layout of ``out_dir/search/`` (all paths deterministic; identical input gives
byte-identical files, so a pipeline may skip rewriting unchanged ones):

``manifest.js``
    counts, bucket counts, facet values (districts, streets, topics, years).
``p/<b>.js``
    body posting lists, hashed into ``buckets`` files by key.  A key is a
    character bigram (both characters letters or digits, after a 1:1
    normalisation: NFKC where it maps one char to one char, lower case) or a
    facet key (``#d港闸区``, ``#s…``, ``#t…``, ``#y2020``).  A value is either
    the whole list as a string, or — for a *big* list — ``[df, r1, r2, …]``:
    the list is cut by doc range (``range`` docs each) into
``c/<r>/<k>.js``
    the chunks of big lists for doc range ``r`` (hashed into ``cbuckets[r]``
    files).  A query reads the newest range first and stops once it has enough
    results, so common words cost a bounded number of bytes.
``t/<b>.js``
    title index: the same lists over kicker + title + subtitle (the prefix of
    ``Article.body_text``), for the whole archive; title matches rank first.
``m/<doc // META>.js``
    url, title, kicker, date and district of ``META`` consecutive articles:
    loaded for the results listed.
``d/<doc>-<part>.js``
    the article text in parts of ``PART`` characters (plus an overlap): loaded
    only for results shown with a snippet, only the part holding the first
    match.  Text is stored in a compact code
    (``chars.js``: the frequent characters get one or two ASCII bytes).

A posting list is a string of numbers in a base-46 variable-length code
(46 "more digits follow" symbols, 46 "last digit" symbols, all printable ASCII
minus ``"`` and ``\\``): per document the doc-id gap, the number of
occurrences, and the position gaps; the doc gap is doubled and its low bit
set when a number of occurrences follows (absent: one occurrence).  Positions count characters of the
normalised ``body_text``, so the client checks that the bigrams of a query sit
next to each other (区委 … 书记 apart does not match 区委书记).
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import math
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Callable

from .model import Article, Issue

try:  # the vectorised builder; without numpy the pure-Python reference is used
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

VERSION = 1
RANGE = 1024  # documents per range (big lists are cut at range boundaries)
META = 4  # articles per meta file (url, title, date, district)
PART = 1000  # characters per stored text part
OVERLAP = 40  # extra characters at the end of each part, for snippets
BIG = 3072  # a list longer than this (in bytes) is cut into range chunks
BUCKET_TARGET = 4096  # aimed-for bytes per posting file
TITLE_TARGET = 2048

ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')  # 92 symbols
assert len(ALPHABET) == 92
LAST = ALPHABET[:46]
MORE = ALPHABET[46:]
ONE = 40  # single-symbol char codes: ALPHABET[:40]; prefixes ALPHABET[40:] × ALPHABET

# --- numbers ---------------------------------------------------------------

_SMALL = [LAST[n] for n in range(46)] + [MORE[n // 46] + LAST[n % 46] for n in range(46, 46 * 46)]


def enc_num(n: int) -> str:
    if n < 2116:
        return _SMALL[n]
    digits = [LAST[n % 46]]
    n //= 46
    while n:
        digits.append(MORE[n % 46])
        n //= 46
    return "".join(reversed(digits))


def dec_nums(s: str) -> list[int]:
    out, v = [], 0
    for ch in s:
        i = ALPHABET.index(ch)
        if i >= 46:
            v = v * 46 + (i - 46)
        else:
            out.append(v * 46 + i)
            v = 0
    return out


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


# --- building --------------------------------------------------------------


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


_CODES: list[str] = list(_SMALL)


def _codes(n: int) -> list[str]:
    """Encoded numbers 0..n-1 as a list (grown on demand)."""
    if len(_CODES) < n:
        _CODES.extend(enc_num(i) for i in range(len(_CODES), n))
    return _CODES


class _ListBuilder:
    """Appends doc entries to per-key encoded lists (doc gap, tf, position gaps)."""

    __slots__ = ("base", "parts", "last", "df")

    def __init__(self, base: int = -1):
        self.base = base
        self.parts: dict[str, list[str]] = {}
        self.last: dict[str, int] = {}
        self.df: dict[str, int] = {}

    def add_doc(self, doc: int, postings: dict[str, list[int]], length: int):
        parts, last, df, base = self.parts, self.last, self.df, self.base
        S = _codes(max(length + 2, 2 * RANGE + 2))
        for key, ps in postings.items():
            gap = doc - last.get(key, base) - 1
            last[key] = doc
            if len(ps) == 1:  # most entries: no tf number, the gap's low bit says so
                g = gap * 2
                entry = (S[g] if g < len(S) else enc_num(g)) + S[ps[0]]
            else:
                g = gap * 2 + 1
                deltas = [ps[0]] + [b - a for a, b in zip(ps, ps[1:])]
                entry = (S[g] if g < len(S) else enc_num(g)) + S[len(ps)] + "".join([S[d] for d in deltas])
            lst = parts.get(key)
            if lst is None:
                parts[key] = [entry]
                df[key] = 1
            else:
                lst.append(entry)
                df[key] += 1

    def add_facet(self, doc: int, key: str):
        gap = doc - self.last.get(key, self.base) - 1
        self.last[key] = doc
        self.df[key] = self.df.get(key, 0) + 1
        self.parts.setdefault(key, []).append(enc_num(gap))


def _js(call: str, name: str, data) -> str:
    if type(data) is str:  # what json.dumps(data, ensure_ascii=False) returns, without its overhead
        return f"window.__naSearch.{call}({json.dumps(name)},{_json_str(data)});\n"
    return f"window.__naSearch.{call}({json.dumps(name)},{json.dumps(data, ensure_ascii=False, separators=(',', ':'), sort_keys=True)});\n"


_json_str = json.encoder.encode_basestring


def _pow2_buckets(total: int, target: int) -> int:
    n = 1
    while n * target < total:
        n *= 2
    return n


def _doc_payload(issue: Issue, article: Article, article_url) -> tuple:
    """Everything the index needs from one article: plain, picklable, hashable."""
    year = (issue.date or "")[:4]
    districts = list(dict.fromkeys(article.districts or ([issue.district] if issue.district else [])))
    facets = [("#d" + v) for v in districts]
    facets += ["#s" + v for v in dict.fromkeys(article.streets)]
    facets += ["#t" + v for v in dict.fromkeys(article.topics)]
    if year:
        facets.append("#y" + year)
    meta = {"u": article_url(issue, article), "t": article.display_title, "d": issue.date or "", "a": " ".join(districts)}
    if article.kicker:
        meta["k"] = article.kicker
    return (article.body_text, len(title_prefix(article)), facets, meta)


def _build_range_py(job: tuple[int, list[tuple]]) -> dict:
    """Posting lists, title lists and text/meta files for the docs of one range.

    The pure-Python reference; `_build_range_np` returns the same result."""
    r, payloads = job
    body = _ListBuilder(r * RANGE - 1)
    title = _ListBuilder(r * RANGE - 1)
    files: dict[str, str] = {}
    metas: list[dict] = []
    text_bytes = 0
    for i, (raw, tlen, facets, meta) in enumerate(payloads):
        doc = r * RANGE + i
        text_bytes += len(raw.encode("utf-8"))
        masked = word_mask(normalize(raw))
        body.add_doc(doc, _postings(masked), len(masked))
        if tlen:
            title.add_doc(doc, _postings(masked[:tlen]), tlen)
        for key in facets:
            body.add_facet(doc, key)
        metas.append(meta)
        for part in range(max(1, math.ceil(len(raw) / PART))):
            files[f"d/{doc}-{part}"] = _js("add", f"d/{doc}-{part}", encode_text(raw[part * PART : (part + 1) * PART + OVERLAP]))
    per = math.gcd(META, RANGE)  # meta files never straddle ranges
    for i in range(0, len(metas), per):
        block = (r * RANGE + i) // per
        files[f"m/{block}"] = _js("add", f"m/{block}", metas[i : i + per])
    return {
        "body": ({k: "".join(v) for k, v in body.parts.items()}, body.df, body.last),
        "title": ({k: "".join(v) for k, v in title.parts.items()}, title.last),
        "files": files,
        "text_bytes": text_bytes,
    }


# --- vectorised building (numpy) ---------------------------------------------
#
# `_build_range_np` gives exactly the result of `_build_range_py`, but works on
# the whole range at once: the docs are joined with NUL separators, mapped to
# small ids of their masked normalised characters by table look-up (0 for a
# separator), every bigram becomes one integer (id1 * ids + id2), and sorting
# bigram * n + row (row: the bigram's index in text order) gives (key, doc,
# position) order with one fast unstable sort.  The numbers of all lists
# (flagged doc gap, tf, position gaps) are laid out in one array, encoded digit
# by digit into one uint8 array of ALPHABET symbols and cut per key by offsets.
# Stored text is encoded the same way: one table look-up for the whole range,
# cut per part by character offsets.  Requires numpy >= 1.26.

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


def _enc_nums(nums):
    """The base-46 code of every number in `nums` (int64 ≥ 0): (symbols uint8, end offset per number)."""
    nd = np.ones(len(nums), dtype=np.int64)
    top = int(nums.max()) if len(nums) else 0
    t = 46
    while t <= top:
        nd += nums >= t
        t *= 46
    end = np.cumsum(nd)
    out = np.empty(int(end[-1]) if len(end) else 0, dtype=np.uint8)
    out[end - 1] = _ALPHA_U8[nums % 46]  # last digit
    sel = np.flatnonzero(nd > 1)
    rest, j = nums[sel] // 46, 1
    while len(sel):  # digit j (from the end) of the numbers with more than j digits
        out[end[sel] - 1 - j] = _ALPHA_U8[46 + rest % 46]
        rest //= 46
        keep = nd[sel] > j + 1
        sel, rest, j = sel[keep], rest[keep], j + 1
    return out, end


def _lists_np(key, doc, pos, r: int, ids: int):
    """Encoded lists for postings sorted by (key, doc, pos); `doc` local to range `r`, key = id1 * ids + id2.

    Returns (keys, lists, df, last) as Python lists, in key order."""
    n = len(key)
    if not n:
        return [], [], [], []
    ks = np.empty(n, dtype=bool)
    ks[0] = True
    np.not_equal(key[1:], key[:-1], out=ks[1:])
    es = ks.copy()
    es[1:] |= doc[1:] != doc[:-1]
    e_row = np.flatnonzero(es)  # first posting of every doc entry
    tf = np.diff(np.append(e_row, n))
    e_doc = doc[e_row]
    e_first_of_key = ks[e_row]
    prev = np.empty(len(e_row), dtype=np.int64)
    prev[0] = -1
    prev[1:] = e_doc[:-1]
    prev[e_first_of_key] = -1
    multi = tf > 1
    # numbers per posting: its position gap, preceded at a doc entry by the flagged gap (and tf)
    slots = np.ones(n, dtype=np.int64)
    slots[e_row] += 1 + multi
    slot_end = np.cumsum(slots)
    nums = np.empty(int(slot_end[-1]), dtype=np.int64)
    pgap = np.empty(n, dtype=np.int64)
    pgap[0] = pos[0]
    np.subtract(pos[1:], pos[:-1], out=pgap[1:])
    pgap[e_row] = pos[e_row]
    nums[slot_end - 1] = pgap
    e_slot = slot_end[e_row] - slots[e_row]
    nums[e_slot] = (e_doc - prev - 1) * 2 + multi
    nums[e_slot[multi] + 1] = tf[multi]
    sym, sym_end = _enc_nums(nums)
    k_row = np.flatnonzero(ks)
    k_slot = slot_end[k_row] - slots[k_row]
    k_start = np.zeros(len(k_row) + 1, dtype=np.int64)
    k_start[1:-1] = sym_end[k_slot[1:] - 1]
    k_start[-1] = len(sym)
    text = sym.tobytes().decode("ascii")
    b = k_start.tolist()
    lists = [text[b[i] : b[i + 1]] for i in range(len(k_row))]
    kk = key[k_row]
    pair = np.empty(2 * len(kk), dtype="<u4")
    pair[0::2] = _ID_CP[kk // ids]
    pair[1::2] = _ID_CP[kk % ids]
    ktext = pair.tobytes().decode("utf-32-le", "surrogatepass")
    keys = [ktext[i : i + 2] for i in range(0, len(ktext), 2)]
    k_ent = np.flatnonzero(e_first_of_key)
    df = np.diff(np.append(k_ent, len(e_row)))
    last = e_doc[np.append(k_ent[1:], len(e_row)) - 1] + r * RANGE
    return keys, lists, df.tolist(), last.tolist()


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
    tlen = np.array([p[1] for p in payloads], dtype=np.int64)
    in_title = pos < tlen[doc] - 1  # the bigram lies inside masked[:tlen]

    keys, lists, df, last = _lists_np(key, doc, pos, r, ids)
    body_parts = dict(zip(keys, lists))
    body_df = dict(zip(keys, df))
    body_last = dict(zip(keys, last))
    keys, lists, _, last = _lists_np(key[in_title], doc[in_title], pos[in_title], r, ids)
    title_parts = dict(zip(keys, lists))
    title_last = dict(zip(keys, last))

    f_parts: dict[str, list[str]] = {}  # facet lists, as `_ListBuilder.add_facet`
    f_last: dict[str, int] = {}
    f_df: dict[str, int] = {}
    f_base = r * RANGE - 1
    codes = _codes(RANGE + 1)
    files: dict[str, str] = {}
    metas: list[dict] = []
    enc, off = _encode_texts(text, cps) if len(cps) else ("", [0])
    text_bytes = len(text.encode("utf-8")) - max(len(raws) - 1, 0)  # minus the NUL separators
    for i, (raw, _, fs, meta) in enumerate(payloads):
        doc_id = r * RANGE + i
        for key_ in fs:
            gap = doc_id - f_last.get(key_, f_base) - 1
            f_last[key_] = doc_id
            lst = f_parts.get(key_)
            code = codes[gap] if 0 <= gap < len(codes) else enc_num(gap)
            if lst is None:
                f_parts[key_] = [code]
                f_df[key_] = 1
            else:
                lst.append(code)
                f_df[key_] += 1
        metas.append(meta)
        s, size = int(starts[i]), len(raw)
        for part in range(max(1, math.ceil(size / PART))):
            a, b = s + min(part * PART, size), s + min((part + 1) * PART + OVERLAP, size)
            files[f"d/{doc_id}-{part}"] = _js("add", f"d/{doc_id}-{part}", enc[off[a] : off[b]])
    body_parts.update((k, "".join(v)) for k, v in f_parts.items())
    body_df.update(f_df)
    body_last.update(f_last)
    per = math.gcd(META, RANGE)
    for i in range(0, len(metas), per):
        block = (r * RANGE + i) // per
        files[f"m/{block}"] = _js("add", f"m/{block}", metas[i : i + per])
    return {
        "body": (body_parts, body_df, body_last),
        "title": (title_parts, title_last),
        "files": files,
        "text_bytes": text_bytes,
    }


_build_range = _build_range_np if np is not None else _build_range_py


def _range_key(r: int, payloads: list[tuple]) -> str:
    h = hashlib.sha1(f"{VERSION}:{RANGE}:{PART}:{OVERLAP}:{META}:{r}".encode())
    h.update(json.dumps(payloads, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


def _build_ranges(
    jobs: list[tuple[int, list[tuple]]], cache_dir: Path | None, workers: int, build: Callable[[tuple], dict] | None = None
) -> tuple[list[dict], int]:
    """Build every range, reusing cached ones; returns (results, how many were rebuilt)."""
    build = build or _build_range
    results: list[dict | None] = [None] * len(jobs)
    keys = [_range_key(r, p) for r, p in jobs] if cache_dir else [""] * len(jobs)
    todo = []
    for i, key in enumerate(keys):
        if cache_dir:
            try:
                with open(cache_dir / f"{key}.pickle", "rb") as f:
                    results[i] = pickle.load(f)
                continue
            except (OSError, pickle.UnpicklingError, EOFError):
                pass
        todo.append(i)
    if workers > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(workers, len(todo))) as pool:
            built = list(pool.map(build, [jobs[i] for i in todo]))
    else:
        built = [build(jobs[i]) for i in todo]
    for i, res in zip(todo, built):
        results[i] = res
        if cache_dir:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = cache_dir / f"{keys[i]}.tmp{os.getpid()}"
            with open(tmp, "wb") as f:
                pickle.dump(res, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache_dir / f"{keys[i]}.pickle")
    return results, len(todo)  # type: ignore[return-value]


def write_search_index(
    issues: list[Issue],
    out_dir: Path,
    article_url: Callable[[Issue, Article], str],
    cache_dir: Path | None = None,
    workers: int | None = None,
    *,
    _reference: bool = False,
) -> dict:
    """Write ``out_dir/search/…js``; return stats {docs, text_bytes, index_bytes, shards, …}.

    Documents are numbered by (issue date, source, article number) and cut into
    ranges of ``RANGE`` docs; each range is built on its own (in parallel when
    ``workers`` > 1; default 1, or the CPU count for big archives without
    numpy) and, with ``cache_dir``, reused when none of its articles changed —
    adding the newest issue rebuilds one range.  Output is deterministic, and files whose bytes
    are already in place are not rewritten.  ``_reference`` builds with the
    pure-Python reference code instead of numpy (for tests: same bytes).
    """
    out = Path(out_dir) / "search"
    files: dict[str, str] = {}

    docs: list[tuple[Issue, Article]] = []
    for issue in sorted(issues, key=lambda i: (i.date or "", i.source)):
        for article in sorted(issue.articles, key=lambda a: a.number):
            docs.append((issue, article))
    payloads = [_doc_payload(i, a, article_url) for i, a in docs]
    jobs = [(r, payloads[r * RANGE : (r + 1) * RANGE]) for r in range((len(docs) + RANGE - 1) // RANGE)]
    build = _build_range_py if _reference else _build_range
    if workers is None:  # with numpy a range takes ~0.3 s: shipping it to a process pool costs more
        workers = min(os.cpu_count() or 1, len(jobs)) if len(docs) > RANGE and build is _build_range_py else 1
    built, rebuilt = _build_ranges(jobs, Path(cache_dir) if cache_dir else None, workers, build)

    facets: dict[str, dict[str, int]] = {"district": {}, "street": {}, "topic": {}, "year": {}}
    names = {"d": "district", "s": "street", "t": "topic", "y": "year"}
    for _, _, fs, _ in payloads:
        for f in fs:
            kind = names[f[1]]
            facets[kind][f[2:]] = facets[kind].get(f[2:], 0) + 1
    text_bytes = 0
    for res in built:
        files.update(res["files"])
        text_bytes += res["text_bytes"]

    # body lists: merge ranges per key; lists longer than BIG are cut by range
    keys: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for r, res in enumerate(built):
        lists, df, _ = res["body"]
        for key, lst in lists.items():
            keys[key].append((r, lst, df[key]))
    small: dict[str, object] = {}
    chunks: list[dict[str, str]] = [dict() for _ in built]
    hashes = _fnv_many(keys)
    for key, per_range in keys.items():
        if (len(per_range[0][1]) if len(per_range) == 1 else sum(len(lst) for _, lst, _ in per_range)) <= BIG:
            small[key] = _join_ranges([(r, lst, built[r]["body"][2][key]) for r, lst, _ in per_range], not key.startswith("#"))
        else:
            small[key] = [sum(df for _, _, df in per_range)] + [r for r, _, _ in per_range]
            for r, lst, _ in per_range:
                chunks[r][key] = lst
    nb = _pow2_buckets(sum(len(k) * 3 + 6 + (len(v) if isinstance(v, str) else 20) for k, v in small.items()), BUCKET_TARGET)
    buckets: list[dict] = [dict() for _ in range(nb)]
    for key, v in small.items():
        buckets[hashes[key] % nb][key] = v
    for b, d in enumerate(buckets):
        files[f"p/{b}"] = _js("add", f"p/{b}", d)
    cbuckets = []
    for r, ch in enumerate(chunks):
        n = _pow2_buckets(sum(len(v) + len(k) * 3 + 6 for k, v in ch.items()), BUCKET_TARGET * 2) if ch else 0  # 8 KB chunk files
        cbuckets.append(n)
        cb: list[dict] = [dict() for _ in range(n)]
        for key, v in ch.items():
            cb[hashes[key] % n][key] = v
        for k, d in enumerate(cb):
            files[f"c/{r}/{k}"] = _js("add", f"c/{r}/{k}", d)

    tparts: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for r, res in enumerate(built):
        lists, last = res["title"]
        for key, lst in lists.items():
            tparts[key].append((r, lst, last[key]))
    tlists = {k: _join_ranges(v) for k, v in tparts.items()}
    hashes = _fnv_many(tlists)
    ntb = _pow2_buckets(sum(len(k) * 3 + 6 + len(v) for k, v in tlists.items()), TITLE_TARGET)
    tb: list[dict] = [dict() for _ in range(ntb)]
    for key, v in tlists.items():
        tb[hashes[key] % ntb][key] = v
    for b, d in enumerate(tb):
        files[f"t/{b}"] = _js("add", f"t/{b}", d)

    files["chars"] = _js("add", "chars", "".join(_TABLE))
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
        "tablefnv": fnv("".join(_TABLE)),
        "tablelen": len(_TABLE),
        "facets": {k: sorted(v.items(), key=lambda kv: (-kv[1], kv[0])) for k, v in facets.items()},
    }
    manifest["facets"]["year"] = sorted(facets["year"].items(), reverse=True)
    files["manifest"] = _js("add", "manifest", manifest)

    index_bytes = 0
    written = 0
    made: set[str] = set()
    base = str(out)
    for name, content in files.items():
        data = content.encode("utf-8")
        index_bytes += len(data)
        if _write_if_changed(os.path.join(base, name + ".js"), data, made):
            written += 1
    return {
        "docs": len(docs),
        "text_bytes": text_bytes,
        "index_bytes": index_bytes,
        "shards": len(files),
        "written": written,
        "ratio": round(index_bytes / text_bytes, 3) if text_bytes else 0.0,
        "ranges": len(jobs),
        "ranges_rebuilt": rebuilt,
    }


def _join_ranges(per_range: list[tuple[int, str, int]], flagged: bool = True) -> str:
    """One list over all docs from per-range lists (whose first doc gap counts from the range start).

    In positional lists the first number of an entry is ``gap * 2 + (tf > 1)``."""
    pieces, last, sym = [], -1, _SYM
    for r, lst, range_last in per_range:
        v = i = 0  # the first number and where it ends (as `_first_num`)
        for ch in lst:
            k = sym[ch]
            i += 1
            if k < 46:
                v = v * 46 + k
                break
            v = v * 46 + (k - 46)
        else:
            raise ValueError("empty list")
        gap, flag = (v >> 1, v & 1) if flagged else (v, 0)
        first_doc = r * RANGE + gap
        new = first_doc - last - 1
        v_new = new * 2 + flag if flagged else new
        pieces.append(lst if v_new == v else enc_num(v_new) + lst[i:])  # as `_reset_gap`; codes are canonical
        last = range_last
    return "".join(pieces)


_SYM = {ch: i for i, ch in enumerate(ALPHABET)}


def _first_num(s: str) -> int:
    v = 0
    for ch in s:
        i = ALPHABET.index(ch)
        if i >= 46:
            v = v * 46 + (i - 46)
        else:
            return v * 46 + i
    raise ValueError("empty list")


def _reset_gap(part: str, gap: int) -> str:
    """Replace the first number of an encoded doc entry by `gap`."""
    i = 0
    while ALPHABET.index(part[i]) >= 46:
        i += 1
    return enc_num(gap) + part[i + 1 :]


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


__all__ = ["write_search_index", "normalize", "encode_text", "decode_text", "enc_num", "dec_nums", "fnv"]
