"""Building one doc range: its articles' posting segments, text parts and meta files.

The whole range is one string of its texts joined by NUL, tokenised and bit-coded with
numpy, whole arrays at a time: a range of ~1,000 articles is a few array operations,
not a Python loop per character (`tests/search_reference.py` is that loop, and writes
the same bytes).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import layout
from .layout import CP
from .postings import distinct, doc_segments, excl_cumsum, positional_segments
from .postings import leb, read_leb
from .text import CODE, MASK, NORM, blob, js_size, learn


class Payload(NamedTuple):
    """What the index holds of one article."""

    text: str  # `Article.body_text`
    tlen: int  # characters of kicker, title and subtitle at its start
    facets: list[str]  # its facet keys (``#d港闸区``, …)
    meta: list  # what a result lists: url, title, date, districts, kicker


@dataclass
class RangePosts:
    """The posting segments of one range, as the merge takes them: body segments (the
    bigrams and single characters by key code, then the facet keys `fkeys`) and title
    segments, each as key codes, byte lengths and one byte array; `df` per body key."""

    codes: np.ndarray
    fkeys: list[str]
    lens: np.ndarray
    df: np.ndarray
    blob: np.ndarray
    tcodes: np.ndarray
    tlens: np.ndarray
    tblob: np.ndarray
    text_bytes: int


#: a bigram * n + row must stay below this to be sorted as one int64 (else: a stable argsort)
PACK_LIMIT = 2**63


def build_range(r: int, payloads: list[Payload], zdict: bytes, made: dict[str, bytes]) -> tuple[RangePosts, dict[str, bytes]]:
    """The segments and the files (``d/…``, ``m/…`` payloads by name) of range `r`.

    `zdict` compresses the text parts; `made`: text files of unchanged docs as a
    previous build made them (taken as they are, not deflated again)."""
    raws = [p.text for p in payloads]
    text = "\x00".join(raws)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    lens = np.array([len(x) for x in raws], dtype=np.int64)
    starts = np.zeros(len(raws), dtype=np.int64)
    if len(raws) > 1:
        np.cumsum(lens[:-1] + 1, out=starts[1:])

    m, id_cp = _chars().masked_ids(cps)
    tlen = np.array([p.tlen for p in payloads], dtype=np.int64)
    uni = _unigram_segments(m, starts, tlen, id_cp)
    key, doc, pos = _bigram_postings(m, starts, len(id_cp))
    del m
    in_title = np.flatnonzero(pos < tlen[doc] - 1)  # the bigram lies inside masked[:tlen]
    kk, df, blens, bblob = positional_segments(key, doc, pos)
    tk, _, tlens, tblob = positional_segments(key[in_title], doc[in_title], pos[in_title])
    del key, doc, pos, in_title
    fkeys, fdf, flens, fblob = _facet_segments(payloads)

    enc, off = _encode_texts(text, cps) if len(cps) else ("", np.zeros(1, dtype=np.int64))
    files, at = pack_texts(r * layout.RANGE, len(payloads), text_files(r * layout.RANGE, lens, starts, enc, off, zdict, made))
    files.update(meta_files(r, [p.meta for p in payloads], at))
    text_bytes = len(text.encode("utf-8", "surrogatepass")) - max(len(raws) - 1, 0)  # minus the NUL separators
    ids = len(id_cp)
    posts = RangePosts(
        codes=np.concatenate([_key_codes(kk, id_cp, ids), uni.codes]).astype(np.int64, copy=False),
        fkeys=fkeys,
        lens=np.concatenate([blens, uni.lens, flens]).astype(np.int64, copy=False),
        df=np.concatenate([df, uni.df, fdf]).astype(np.int64, copy=False),
        blob=np.concatenate([bblob, uni.blob, fblob]).astype(np.uint8, copy=False),
        tcodes=np.concatenate([_key_codes(tk, id_cp, ids), uni.tcodes]).astype(np.int64, copy=False),
        tlens=np.concatenate([tlens, uni.tlens]).astype(np.int64, copy=False),
        tblob=np.concatenate([tblob, uni.tblob]).astype(np.uint8, copy=False),
        text_bytes=text_bytes,
    )
    return posts, files


def _bigram_postings(m, starts, ids: int):
    """Every bigram of two word characters in the masked ids `m`: (bigram id
    ``id1 * ids + id2``, doc, position in the doc), sorted by bigram, then doc and position."""
    at = np.flatnonzero((m[:-1] != 0) & (m[1:] != 0)) if len(m) > 1 else np.zeros(0, dtype=np.int64)
    n = len(at)
    key = m[at].astype(np.int64) * ids + m[at + 1]
    doc = (np.searchsorted(starts, at, side="right") - 1).astype(np.int32)
    pos = (at - starts[doc]).astype(np.int32)
    del at
    bits = max(n - 1, 1).bit_length()
    if (ids * ids) << bits < PACK_LIMIT:  # sort (bigram, row) pairs: rows are in (doc, pos) order
        v = np.sort((key << bits) | np.arange(n, dtype=np.int64))
        key, row = v >> bits, v & ((1 << bits) - 1)
        del v
    else:  # a huge range of a huge alphabet
        row = np.argsort(key, kind="stable")
        key = key[row]
    return key, doc[row], pos[row]


class _Unigrams(NamedTuple):
    codes: np.ndarray  # code points (the key UNI + the character)
    df: np.ndarray
    lens: np.ndarray
    blob: np.ndarray
    tcodes: np.ndarray
    tlens: np.ndarray
    tblob: np.ndarray


def _unigram_segments(m, starts, tlen, id_cp) -> _Unigrams:
    """Single characters of a range: body segments of docs only, and positional title segments."""
    nz = np.flatnonzero(m)
    ndoc = max(len(starts), 1)
    doc = (np.searchsorted(starts, nz, side="right") - 1).astype(np.int64)
    pos = (nz - starts[doc]).astype(np.int64) if len(nz) else np.zeros(0, dtype=np.int64)
    cid = m[nz].astype(np.int64)
    v = distinct(cid * ndoc + doc)  # (char, doc) pairs, by char then doc
    uid, ud = v // ndoc, v % ndoc
    first, counts = groups(uid)
    lens, seg_blob = doc_segments(counts, ud)
    codes = id_cp[uid[first]].astype(np.int64)
    t = np.flatnonzero(pos < tlen[doc]) if len(nz) else np.zeros(0, dtype=np.int64)
    order = np.argsort(cid[t], kind="stable")  # rows are in (doc, position) order
    t = t[order]
    tk, _, tlens, tblob = positional_segments(cid[t], doc[t].astype(np.int32), pos[t].astype(np.int32))
    return _Unigrams(codes, counts.astype(np.int64), lens, seg_blob, id_cp[tk].astype(np.int64), tlens, tblob)


def groups(codes):
    """For codes sorted ascending: the first row of every distinct code, and the rows per code."""
    n = len(codes)
    new = np.ones(n, dtype=bool)
    if n:
        np.not_equal(codes[1:], codes[:-1], out=new[1:])
    first = np.flatnonzero(new)
    return first, np.diff(first, append=n)


def _facet_segments(payloads: list[Payload]):
    """Facet keys of a range (in order met) and their segments: (keys, df, byte lengths, bytes)."""
    docs: dict[str, list[int]] = {}
    for i, p in enumerate(payloads):
        for key in p.facets:
            docs.setdefault(key, []).append(i)
    keys = list(docs)
    n_e = np.array([len(docs[k]) for k in keys], dtype=np.int64)
    lens, seg_blob = doc_segments(n_e, [d for k in keys for d in docs[k]])
    return keys, n_e, lens, seg_blob


def _key_codes(kk, id_cp, ids: int):
    """Bigram codes (first code point * CP + second) of bigram ids ``id1 * ids + id2`` (`id_cp`: id -> code point)."""
    return id_cp[kk // ids].astype(np.int64) * CP + id_cp[kk % ids]


# --- files ----------------------------------------------------------------------


def text_files(doc0: int, sizes, starts, enc: str, off, zdict: bytes, made: dict[str, bytes]) -> dict[str, bytes]:
    """The text parts ``d/<doc>-<part>`` of docs ``doc0 + i`` (`sizes[i]` characters from
    `starts[i]`): their text code is ``enc[off[starts[i] + a] : off[starts[i] + b]]`` for
    ``raw[a:b]``."""
    part_len, overlap = layout.PART, layout.OVERLAP
    nparts = np.maximum(1, (sizes + part_len - 1) // part_len)
    doc = np.repeat(np.arange(len(sizes)), nparts)
    part = np.arange(len(doc)) - np.repeat(excl_cumsum(nparts)[:-1], nparts)
    size = sizes[doc]
    a = off[starts[doc] + np.minimum(part * part_len, size)].tolist()
    b = off[starts[doc] + np.minimum((part + 1) * part_len + overlap, size)].tolist()
    files = {}
    for d, p, x, y in zip((doc + doc0).tolist(), part.tolist(), a, b):
        name = f"d/{d}-{p}"
        files[name] = made.get(name) or blob(enc[x:y].encode("utf-8", "surrogatepass"), zdict)
    return files


def pack_texts(doc0: int, n: int, parts: dict[str, bytes]) -> tuple[dict[str, bytes], list[int]]:
    """The text files of docs ``doc0 …`` (`parts`: ``d/<doc>-<part>`` blobs), with every
    first part packed into shards ``d/<first doc>`` of consecutive docs, ``LEB(len) blob``
    each, of at most ``TEXT_FILE`` bytes of script (a doc too big for one has its own): one
    file per file-system block, not per article. Later parts (long articles) keep their own
    files. Also returns, per doc, its place in its shard (the meta row carries it)."""
    files = {k: v for k, v in parts.items() if not k.endswith("-0")}
    at: list[int] = []
    shard: list[bytes] = []
    first = doc0
    size = 0
    for d in range(doc0, doc0 + n):
        b = parts[f"d/{d}-0"]
        item = leb(len(b)) + b
        if shard and js_size(size + len(item)) > layout.TEXT_FILE:
            files[f"d/{first}"] = b"".join(shard)
            shard, first, size = [], d, 0
        at.append(d - first)
        shard.append(item)
        size += len(item)
    if shard:
        files[f"d/{first}"] = b"".join(shard)
    return files, at


def unpack_texts(files: dict[str, bytes]) -> dict[str, bytes]:
    """`pack_texts` undone: the ``d/<doc>-<part>`` blobs of the text files `files`."""
    out = {}
    for name, data in files.items():
        if not name.startswith("d/"):
            continue
        if "-" in name:
            out[name] = data
            continue
        d, i = int(name[2:]), 0
        while i < len(data):
            n, i = read_leb(data, i)
            if not n:  # (the zero bytes that pad a payload read back from units: a part is never empty)
                break
            out[f"d/{d}-0"] = data[i : i + n]
            d, i = d + 1, i + n
    return out


def meta_files(r: int, metas: list[list], at: list[int]) -> dict[str, bytes]:
    """``m/<block>``: per article its meta row and its place in its text shard."""
    files = {}
    per = layout.meta_per_file()
    rows = [[*m, k] for m, k in zip(metas, at)]
    for i in range(0, len(rows), per):
        block = (r * layout.RANGE + i) // per
        files[f"m/{block}"] = blob(json.dumps(rows[i : i + per], ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    return files


# --- characters -------------------------------------------------------------------


class _CharIds:
    """Code point -> a small id of its masked normalised character (0: a separator), so
    that a bigram and a row number fit one int64.  New characters are learned as
    `text.normalize` learns them, so the ids follow the order characters are met in:
    they never reach the files, which hold code points."""

    def __init__(self):
        self.mtab = np.zeros(0x110000, dtype=np.uint32)
        self.known = np.zeros(0x110000, dtype=bool)
        self.ids: dict[int, int] = {}  # masked normalised code point -> id (1, 2, …)
        self.id_cp = np.zeros(1, dtype=np.uint32)  # id -> code point
        first = np.arange(0x10000, dtype=np.uint32)
        first[:0x80] = 0x20  # ASCII outside the table becomes a space
        second = np.zeros(0x10000, dtype=np.uint32)
        length = np.ones(0x10000, dtype=np.int64)
        for c, code in CODE.items():
            o = ord(c)
            first[o] = ord(code[0])
            if len(code) == 2:
                second[o] = ord(code[1])
                length[o] = 2
        #: (first, second, length) of the text code, per BMP code point
        self.code = (first, second, length)

    def masked_ids(self, cps):
        """The char ids of ``word_mask(normalize(text))`` for the code points `cps` of a
        text, and the table id -> code point they refer to."""
        unknown = cps[~self.known[cps]]
        new = set(np.asarray(distinct(unknown), dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")) if len(unknown) else ()
        if new:
            learn("".join(new))
            for c in new:
                masked = ord(MASK[ord(NORM[ord(c)])])
                if masked:
                    i = self.ids.get(masked)
                    if i is None:
                        i = self.ids[masked] = len(self.ids) + 1
                    self.mtab[ord(c)] = i
            self.known[[ord(c) for c in new]] = True
            self.id_cp = np.zeros(len(self.ids) + 1, dtype=np.uint32)
            self.id_cp[list(self.ids.values())] = list(self.ids)
        return self.mtab[cps], self.id_cp


_CHARS: _CharIds | None = None


def _chars() -> _CharIds:
    global _CHARS
    if _CHARS is None:
        _CHARS = _CharIds()
    return _CHARS


def _encode_texts(text: str, cps):
    """``encode_text`` of `text` as one string, and the code offset of every character (plus the end)."""
    first, second, length = _chars().code
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
