"""How the index encodes text: the folding of characters, the text code of the stored
parts, bytes as code units of a script, deflate and its preset dictionary, key hashes.

Everything here is mirrored by ``static/search.js``: a change to a code or a table
must be made on both sides.
"""
from __future__ import annotations

import json
import unicodedata
import zlib
from pathlib import Path

import numpy as np

from .layout import GROUP_BITS, RADIX, SEP, UNIT0, ZDICT
from .postings import leb, read_leb

# --- folding: what the index and the query both see ---------------------------

T2S_FILE = Path(__file__).resolve().parent.parent / "data" / "t2s.txt"


def _read_t2s() -> dict[str, str]:
    """OpenCC's traditional → simplified characters, one for one (``data/t2s.txt``, made by
    ``scripts/make_t2s.py``): the index and the query are folded with it, so 會議 finds 会议."""
    lines = T2S_FILE.read_text(encoding="utf-8").splitlines()
    pairs = lines[1] if len(lines) > 1 else ""
    return dict(zip(pairs[0::2], pairs[1::2]))


T2S = _read_t2s()

_norm_cache: dict[str, str] = {}


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


NORM: dict[int, str] = {}  # str.translate table: char -> normalised char
MASK: dict[int, str] = {}  # normalised char -> itself, or "\x00" for separators


def learn(text: str) -> None:
    """Add the characters of `text` to `NORM` and `MASK`."""
    for c in set(text):
        o = ord(c)
        if o not in NORM:
            n = norm_char(c)
            NORM[o] = n
            MASK.setdefault(ord(n), n if is_word(n) else "\x00")
            MASK.setdefault(o, c if is_word(c) else "\x00")


def normalize(text: str) -> str:
    learn(text)
    return text.translate(NORM)


def word_mask(norm: str) -> str:
    """`norm` with every non-letter, non-digit replaced by NUL (same length)."""
    return norm.translate(MASK)


# --- the text code of the stored parts ---------------------------------------

ALPHABET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')  # 92 symbols
assert len(ALPHABET) == 92
ONE = 40  # single-symbol char codes: ALPHABET[:40]; prefixes ALPHABET[40:] × ALPHABET

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
        try:  # a row at once: this runs on every import
            chars = b"".join(row).decode("gb2312")
        except UnicodeDecodeError:  # a row with holes (0xD7FA…)
            chars = "".join(_gb2312_or_nothing(code) for code in row)
        for c in chars:
            seen.setdefault(c, None)
    table = list(seen)
    return table[: ONE + (92 - ONE) * 92]


TABLE = char_table()
CODE = {c: (ALPHABET[i] if i < ONE else ALPHABET[ONE + (i - ONE) // 92] + ALPHABET[(i - ONE) % 92]) for i, c in enumerate(TABLE)}


def encode_text(text: str) -> str:
    code = CODE
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
            out.append(TABLE[k])
        else:
            i += 1
            out.append(TABLE[ONE + (k - ONE) * 92 + ALPHABET.index(s[i])])
        i += 1
    return "".join(out)


def fnv(key: str) -> int:
    """FNV-1a of the key's UTF-16 code units: the bucket a key is hashed into."""
    h = 0x811C9DC5
    data = key.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


# --- bytes as code units -------------------------------------------------------


def unit_count(nbytes: int) -> int:
    """Code units that carry `nbytes` bytes: 3 per 47 bits."""
    return 3 * ((8 * nbytes + GROUP_BITS - 1) // GROUP_BITS)


def js_size(nbytes: int) -> int:
    """The size of the script ``__na("units")`` that carries a payload of `nbytes` bytes."""
    return 2 * (len('\ufeff__na("")\n') + unit_count(nbytes))


def to_units(data: bytes) -> str:
    """Bytes as code units: each 47 bits (MSB first, the last group zero-padded) as three
    base-``RADIX`` digits ``UNIT0 + q``, most significant first."""
    ub, spans = units_many([data])
    return ub[spans[0][0] : spans[0][1]].decode("utf-16-le")


def from_units(s: str) -> bytes:
    """Inverse of `to_units` (plus up to 5 zero bytes of padding)."""
    v = nbits = 0
    for i in range(0, len(s) - 2, 3):
        x = ((ord(s[i]) - UNIT0) * RADIX + ord(s[i + 1]) - UNIT0) * RADIX + ord(s[i + 2]) - UNIT0
        v, nbits = (v << GROUP_BITS) | x, nbits + GROUP_BITS
    n = nbits // 8
    return (v >> (nbits - 8 * n)).to_bytes(n, "big") if n else b""


def units_many(chunks: list[bytes]) -> tuple[bytes, list[tuple[int, int]]]:
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


# --- deflate ---------------------------------------------------------------------


def deflate(data: bytes, zdict: bytes = b"") -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=zdict) if zdict else zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return c.compress(data) + c.flush()


def blob(data: bytes, zdict: bytes = b"") -> bytes:
    """A compressed payload: its byte length, then raw deflate (with the preset dictionary `zdict`, if any)."""
    z = deflate(data, zdict)
    return leb(len(z)) + z


def unblob(data: bytes, zdict: bytes = b"") -> bytes:
    n, i = read_leb(data, 0)
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
    if n <= seg or size < seg:
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
