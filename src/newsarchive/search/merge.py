"""Merging the segments of many ranges into one layer's bucket files (and its chunk files).

All of it is array work over every (key, range) segment of the layer at once: the
segments are sorted by key, each key's entry is laid out (`layout`: header numbers,
then per range a gap and a segment), and the entries are cut into the bucket files
their keys hash to. The files themselves go through the `Emitter` handed in.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import layout
from .build import RangePosts, groups
from .cache import digest
from .layout import CP, SEP
from .postings import distinct, excl_cumsum, leb_len, put_leb
from .text import fnv


@dataclass
class _Segments:
    """Every (key, range) segment of a layer, by key then range: its key code, byte
    length, range, where it starts in `blob`; the first segment of every key and the
    segments per key; `df` per segment (body segments only)."""

    codes: np.ndarray
    lens: np.ndarray
    rr: np.ndarray
    src: np.ndarray
    blob: np.ndarray
    df: np.ndarray | None
    first: np.ndarray
    counts: np.ndarray


@dataclass
class _Keys:
    """The keys of a layer in key order (facet keys first, see `_fnv_codes`), and of
    every body and title segment its key's index (`kid`, `tkid`)."""

    kcode: np.ndarray
    fkeys: list[str]
    kid: np.ndarray
    tkid: np.ndarray
    nbody: np.ndarray
    ntitle: np.ndarray
    dfs: np.ndarray
    big: np.ndarray  # the body list is cut into range segments (its older ones in chunk files)
    tbig: np.ndarray  # the title list is decoded a range at a time
    klen: np.ndarray  # code units of the key in a bucket file's key string
    hashes: np.ndarray
    ktext: list[str]


def write_layer(posts: list[RangePosts], rkeys: list[str], em, clock, inl: int,
                r0: int = 0, layer: str = "p") -> tuple[int, list[int]]:
    """The bucket files of one layer (``p/``: ranges before the tail, ``n/``: the tail) and
    its c/ chunk files, from the segments of ranges ``r0 …``; returns (buckets, cbuckets).

    An entry holds a key's body list (its segments; for a big list only those
    of ranges ≥ `inl`, the rest going to the c/ chunk files) and its title list."""
    fkeys = sorted(set().union(*(p.fkeys for p in posts)))
    fcode = {k: i - len(fkeys) for i, k in enumerate(fkeys)}  # facet keys sort before every bigram
    body = _sorted_segments([np.concatenate([p.codes, np.array([fcode[k] for k in p.fkeys], dtype=np.int64)]) for p in posts],
                            [p.lens for p in posts], [p.blob for p in posts], r0, [p.df for p in posts])
    title = _sorted_segments([p.tcodes for p in posts], [p.tlens for p in posts], [p.tblob for p in posts], r0)
    keys = _key_lists(body, title, fkeys)
    nb, buf, boff, perm, kb = _bucket_payloads(body, title, keys, inl)
    clock.lap(f"{layer}-merge")
    em.buckets([f"search/{layer}/{b}.js" for b in range(nb)], buf, boff, keys.ktext, perm, kb)
    del buf
    clock.lap(f"{layer}-write")
    cbuckets = _write_chunks(body, keys, rkeys, em, inl, len(posts))
    if cbuckets is None:
        return nb, [0] * len(posts)
    assert r0 == 0, "chunk files are made for the head layer only"
    clock.lap("c")
    return nb, cbuckets


def _cat(arrays: list, dtype):
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)


def _sorted_segments(codes: list, lens: list, blobs: list, r0: int, dfs: list | None = None) -> _Segments:
    """The segments of every range end to end, sorted by key (stable: by range within a key)."""
    per = [len(x) for x in lens]
    codes = _cat(codes, np.int64)
    seg_lens = _cat(lens, np.int64)
    rr = np.repeat(np.arange(len(lens), dtype=np.int64), per) + r0
    src = _cat([excl_cumsum(x)[:-1] for x in lens], np.int64) + np.repeat(excl_cumsum([len(b) for b in blobs])[:-1], per)
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    first, counts = groups(codes)
    df = _cat(dfs, np.int64)[order] if dfs is not None else None
    return _Segments(codes, seg_lens[order], rr[order], src[order], _cat(blobs, np.uint8), df, first, counts)


def _key_lists(body: _Segments, title: _Segments, fkeys: list[str]) -> _Keys:
    # (a title's keys are its body's: the union is for safety)
    kcode = distinct(np.concatenate([body.codes[body.first], title.codes[title.first]]))
    nk = len(kcode)
    bk = np.searchsorted(kcode, body.codes[body.first])
    tk = np.searchsorted(kcode, title.codes[title.first])
    nbody = np.zeros(nk, dtype=np.int64)
    nbody[bk] = body.counts
    ntitle = np.zeros(nk, dtype=np.int64)
    ntitle[tk] = title.counts
    size = np.zeros(nk, dtype=np.int64)
    dfs = np.zeros(nk, dtype=np.int64)
    if len(body.first):
        size[bk] = np.add.reduceat(body.lens, body.first)
        dfs[bk] = np.add.reduceat(body.df, body.first)
    tsize = np.zeros(nk, dtype=np.int64)
    if len(title.first):
        tsize[tk] = np.add.reduceat(title.lens, title.first)
    nf = len(fkeys)
    klen = np.full(nk, 2, dtype=np.int64)
    for i in np.flatnonzero(kcode < 0).tolist():
        klen[i] = len(fkeys[int(kcode[i]) + nf])
    return _Keys(kcode, fkeys, np.repeat(bk, body.counts), np.repeat(tk, title.counts), nbody, ntitle, dfs,
                 size > layout.BIG, tsize > layout.TITLE_BIG, klen, _fnv_codes(kcode, fkeys), _key_text(kcode, fkeys))


def _bucket_payloads(body: _Segments, title: _Segments, keys: _Keys, inl: int):
    """The bucket files' payloads: (bucket count, then as `_assemble`)."""
    nk = len(keys.kcode)
    big, kid, tkid = keys.big, keys.kid, keys.tkid
    hastitle = keys.ntitle > 0
    # per key: LEB(4·nr + 2·title + big) [LEB(df)] [LEB(2·nt + tbig)], then the body items, then the title items
    h1 = 4 * keys.nbody + 2 * hastitle + big
    h3 = 2 * keys.ntitle + keys.tbig
    keep = ~big[kid] | (body.rr >= inl)  # body segments that stay in the entry
    # one blob of every inline segment (body, then title), and one sequence of items by key, body first;
    # a big list's inline segments carry their byte length: the client decodes a range only when it reads it
    ib, isrc, ilens_kept = _gather_prefixed(body.blob, body.src[keep], body.lens[keep], big[kid][keep])
    jb, jsrc, tl = _gather_prefixed(title.blob, title.src, title.lens, keys.tbig[tkid])  # a tbig title list's segments too
    ilens = np.zeros(len(body.lens), dtype=np.int64)
    ilens[keep] = ilens_kept
    isrc_all = np.zeros(len(body.lens), dtype=np.int64)
    isrc_all[keep] = isrc
    item_key = np.concatenate([kid, tkid])
    item_len = np.concatenate([ilens, tl])
    item_src = np.concatenate([isrc_all, jsrc + len(ib)])
    item_gap = np.concatenate([_range_gaps(body.rr, body.first), _range_gaps(title.rr, title.first)])
    order = np.argsort(item_key, kind="stable")
    iblob = np.concatenate([ib, jb])
    del ib, jb
    ilen_all = leb_len(item_gap) + item_len
    elen = (leb_len(h1) + np.where(big, leb_len(keys.dfs), 0) + np.where(hastitle, leb_len(h3), 0)
            + np.bincount(item_key, weights=ilen_all, minlength=nk).astype(np.int64))
    nb = _pow2_buckets(int((elen + keys.klen + 2).sum()), layout.BUCKET_TARGET)
    heads = [(h1, None), (keys.dfs, big), (h3, hastitle)]
    return (nb, *_assemble((keys.hashes % np.uint64(nb)).astype(np.int64), nb, heads, keys.nbody + keys.ntitle,
                           item_gap[order], item_len[order], item_src[order], iblob))


def _write_chunks(body: _Segments, keys: _Keys, rkeys: list[str], em, inl: int, R: int) -> list[int] | None:
    """The chunk files of the segments of big lists before range `inl`, by range, then
    bucket, then key; their bucket counts per range (None: there are none).

    A range's chunk files are its big lists' segments: the same range (key) with the
    same big keys and bucket count makes the same files as the previous build."""
    kid, rr = keys.kid, body.rr
    bi = np.flatnonzero(keys.big[kid] & (rr < inl))
    if not len(bi):
        return None
    bi = bi[np.argsort(rr[bi], kind="stable")]
    bk = kid[bi]
    rsize = np.bincount(rr[bi], weights=body.lens[bi] + keys.klen[bk] + 2, minlength=R)
    rcount = np.bincount(rr[bi], minlength=R)
    cbuckets = [_pow2_buckets(int(s), layout.CHUNK_TARGET) if c else 0 for s, c in zip(rsize.tolist(), rcount.tolist())]
    rb = np.searchsorted(rr[bi], np.arange(R + 1)).tolist()
    todo = []
    for r in range(R):
        if not cbuckets[r]:
            continue
        sig = digest(f"{rkeys[r]}:{cbuckets[r]}:".encode() + keys.kcode[bk[rb[r] : rb[r + 1]]].tobytes())
        em.chunks[r] = sig
        rels = [f"search/c/{r}/{b}.js" for b in range(cbuckets[r])]
        if not (em.prev_chunks.get(r) == sig and em.keep_all(rels)):
            todo.append(r)
    for r in todo:  # one range at a time: a big archive's chunks are most of the index
        ci, ck = bi[rb[r] : rb[r + 1]], bk[rb[r] : rb[r + 1]]
        n = cbuckets[r]
        buf, boff, perm, kb = _assemble((keys.hashes[ck] % np.uint64(n)).astype(np.int64), n, [], np.ones(len(ci), dtype=np.int64),
                                        None, body.lens[ci], body.src[ci], body.blob)
        em.buckets([f"search/c/{r}/{b}.js" for b in range(n)], buf, boff, [keys.ktext[i] for i in ck.tolist()], perm, kb)
    return cbuckets


def head_files(nb: int, cbuckets: list[int]) -> list[str]:
    """The head layer's files: its bucket files and the chunk files of its ranges."""
    return [f"search/p/{b}.js" for b in range(nb)] + [f"search/c/{r}/{b}.js" for r, n in enumerate(cbuckets) for b in range(n)]


def _pow2_buckets(total: int, target: int) -> int:
    n = 1
    while n * target < total:
        n *= 2
    return n


def _range_gaps(rr, first):
    """Per item, the number of ranges skipped since the key's previous item (from range -1)."""
    prev = np.empty(len(rr), dtype=np.int64)
    if len(rr):
        prev[0] = -1
        prev[1:] = rr[:-1]
        prev[first] = -1
    return rr - prev - 1


def _gather(blob, src, lens):
    """The spans ``blob[src[i] : src[i] + lens[i]]`` end to end (a new blob), and where each starts in it."""
    starts = excl_cumsum(lens)
    total = int(starts[-1]) if len(starts) else 0
    idx = np.arange(total, dtype=np.int64) - np.repeat(starts[:-1] - src, lens)
    return blob[idx], starts[:-1]


def _gather_prefixed(blob, src, lens, prefixed):
    """`_gather`, with ``LEB(length)`` before every span where `prefixed`; returns (blob, starts, lengths with prefix)."""
    pl = np.where(prefixed, leb_len(lens), 0)
    out_lens = lens + pl
    starts = excl_cumsum(out_lens)
    buf = np.zeros(int(starts[-1]) if len(starts) else 0, dtype=np.uint8)
    sel = np.flatnonzero(prefixed)
    put_leb(buf, starts[:-1][sel], lens[sel])
    spans, _ = _gather(blob, src, lens)
    dst = np.repeat(starts[:-1] + pl, lens) + (np.arange(len(spans), dtype=np.int64) - np.repeat(excl_cumsum(lens)[:-1], lens))
    buf[dst] = spans
    return buf, starts[:-1], out_lens


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
    glen = leb_len(gaps) if gaps is not None else 0
    isize = seglen + glen
    ics = excl_cumsum(isize)
    first = excl_cumsum(counts)[:-1]
    elen = ics[first + counts] - ics[first]
    hlen = np.zeros(nk, dtype=np.int64)
    for v, mask in heads:
        ln = leb_len(v)
        hlen += ln if mask is None else np.where(mask, ln, 0)
    elen += hlen
    llen = leb_len(elen)
    perm = np.argsort(bucket, kind="stable")
    kcs = excl_cumsum((llen + elen)[perm])
    kpos = np.empty(nk, dtype=np.int64)
    kpos[perm] = kcs[:-1]
    buf = np.zeros(int(kcs[-1]), dtype=np.uint8)
    put_leb(buf, kpos, elen)
    p = kpos + llen
    for v, mask in heads:
        if mask is None:
            put_leb(buf, p, v)
            p = p + leb_len(v)
        else:
            sel = np.flatnonzero(mask)
            put_leb(buf, p[sel], v[sel])
            p = p + np.where(mask, leb_len(v), 0)
    ipos = np.repeat(p - ics[first], counts) + ics[:-1]
    if gaps is not None:
        put_leb(buf, ipos, gaps)
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
    """Per key, its text in `text.join_keys` form (a facet key followed by SEP)."""
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
