"""How the index codes numbers and posting lists: LEB128, and the Rice-coded segments
(see `layout`), made with numpy for many segments at once.

A segment is built as a sequence of *words*, (value, bit count) pairs in two int64
arrays, which `pack_bits` concatenates MSB first: every part of a segment's code
is one word (or a few, where they would not fit 63 bits together).
"""
from __future__ import annotations

import numpy as np

from .layout import KMAX, QMAX

# --- LEB128 -------------------------------------------------------------------


def leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_leb(data: bytes, i: int) -> tuple[int, int]:
    """The number at byte `i` of `data`, and the index after it."""
    v = shift = 0
    while True:
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def leb_len(v):
    """Byte length of the LEB128 code of every value of an int64 array (≥ 0)."""
    n = np.ones(len(v), dtype=np.int64)
    t = v >> 7
    while True:
        nz = t > 0
        if not nz.any():
            return n
        n += nz
        t >>= 7


def put_leb(buf, pos, v) -> None:
    """Write the LEB128 code of every value `v` at byte `pos` of `buf`."""
    v = np.asarray(v, dtype=np.int64)
    pos = np.asarray(pos, dtype=np.int64)
    while len(v):
        more = v >= 128
        buf[pos] = (v & 0x7F) | (more.astype(np.int64) << 7)
        sel = np.flatnonzero(more)
        v, pos = v[sel] >> 7, pos[sel] + 1


# --- array helpers ------------------------------------------------------------


def excl_cumsum(a):
    """``[0, a[0], a[0] + a[1], …, sum(a)]`` as int64."""
    out = np.zeros(len(a) + 1, dtype=np.int64)
    np.cumsum(a, out=out[1:])
    return out


def distinct(a):
    """The distinct values of `a`, sorted: `np.unique` without the import of numpy.ma
    it makes on first use."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


_BITLEN16 = None  # bit length of every value below 2**16


def bitlen(v):
    """Bit length of every value of an int array (values < 2**53), as int64."""
    global _BITLEN16
    if len(v) and 0 <= v.min() and v.max() < 2**16:
        if _BITLEN16 is None:
            _BITLEN16 = np.frexp(np.arange(2**16, dtype=np.float64))[1].astype(np.int64)
        return _BITLEN16[v]
    return np.frexp(v.astype(np.float64))[1].astype(np.int64)


# --- words ----------------------------------------------------------------------


def best_k(values, counts):
    """Per group of `values` (consecutive groups of `counts` values each), the Rice
    parameter coding it in the fewest bits (the smallest on ties; 0 for no values).

    Exact: every k up to the bit length of the largest value is tried (a larger k
    codes every value in ``1 + k`` bits: more)."""
    best_ks = np.zeros(len(counts), dtype=np.int64)
    if not len(values):
        return best_ks
    present = np.flatnonzero(counts)
    starts = excl_cumsum(counts)[present]
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
                esc = (QMAX + 2 * bitlen(values + 1) - 2).astype(dt)  # its bits, minus 1
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
    best_ks[present] = kb
    return best_ks


def rice(v, k):
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
        nb[esc] = QMAX + 2 * bitlen(e) - 1
    return val, nb


def gamma_bits(v):
    return 2 * bitlen(v) - 1


def pack_bits(val, nb):
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


def join3(v1, b1, v2, b2, v3, b3):
    """Three words as one where they fit 63 bits: (fits, value, bits)."""
    tot = b1 + b2 + b3
    fit = tot <= 63
    val = np.where(fit, (((v1 << b2) | v2) << b3) | v3, 0)
    return fit, val, tot


def pad_segments(nb, pad_w):
    """Set the pad words' bit counts so that every segment (ending with its pad word) fills whole bytes; return the segments' byte lengths."""
    nb[pad_w] = 0
    end = np.cumsum(nb, dtype=np.int64)[pad_w]
    bits = np.diff(end, prepend=0)
    pad = -bits % 8
    nb[pad_w] = pad
    return (bits + pad) >> 3


# --- positional segments --------------------------------------------------------


def positional_segments(key, doc, pos):
    """Positional segments of postings sorted by (key, doc, pos); `doc` local to the range.

    Returns (the key of each segment, df of each segment, segment byte lengths, the bytes of all segments)."""
    if not len(key):
        z = np.zeros(0, dtype=np.int64)
        return z, z, z, np.zeros(0, dtype=np.uint8)
    e_row, tf, seg_first, n_e, gap, rest_rows = _doc_entries(key, doc)
    seg_e = np.repeat(np.arange(len(seg_first)), n_e)  # the segment of every entry
    multi = np.maximum.reduceat(tf, seg_first) > 1
    firsts = pos[e_row].astype(np.int64)
    rest = (pos[rest_rows] - pos[rest_rows - 1] - 1).astype(np.int64)
    kd, kp = best_k(gap, n_e), best_k(firsts, n_e)
    kg = best_k(rest, np.add.reduceat(tf - 1, seg_first))
    efit, ev, eb, split = _entry_words(rice(gap, kd[seg_e]), tf, multi[seg_e], rice(firsts, kp[seg_e]))
    del gap, firsts
    heads = _head_words(n_e, kd, kp, kg, multi)
    s_start, e_w = _word_slots(heads[0], efit, tf, seg_first, n_e, seg_e)
    val = np.zeros(int(s_start[-1]), dtype=np.int64)
    nb = np.zeros(len(val), dtype=np.int16)
    _put_heads(val, nb, s_start[:-1], heads)
    val[e_w], nb[e_w] = ev, eb
    del ev, eb
    sel, *words = split
    if len(sel):  # the entries of three words
        w = e_w[sel]
        for j in range(3):
            val[w + j], nb[w + j] = words[2 * j], words[2 * j + 1]
    if len(rest_rows):  # the other positions of every entry, after its first
        e_of = np.searchsorted(e_row, rest_rows, side="right") - 1
        rw = e_w[e_of] + np.where(efit[e_of], 1, 3) + (rest_rows - e_row[e_of] - 1)
        val[rw], nb[rw] = rice(rest, kg[seg_e[e_of]])
    del rest_rows, rest, e_w, seg_e, tf
    lens = pad_segments(nb, s_start[1:] - 1)
    return key[e_row[seg_first]], n_e, lens, pack_bits(val, nb)


def _doc_entries(key, doc):
    """The doc entries of sorted postings: (first row of every entry, its postings (tf),
    first entry of every segment, entries per segment, doc gap of every entry, the rows
    that are not the first of an entry)."""
    n = len(key)
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
    seg_first = np.flatnonzero(ek)
    n_e = np.diff(seg_first, append=ne)
    e_doc = doc[e_row]
    prev = np.empty(ne, dtype=e_doc.dtype)
    prev[0] = -1
    prev[1:] = e_doc[:-1]
    prev[ek] = -1
    gap = (e_doc - prev - 1).astype(np.int64)
    return e_row, tf, seg_first, n_e, gap, np.flatnonzero(~es)


def _entry_words(gaps, tf, multi_e, firsts):
    """Per entry: its doc gap, "tf > 1" and gamma(tf - 1) (where its segment is `multi`),
    its first position, as one word where they fit: (fits, value, bits, the parts of
    those that do not: (entries, gap value, bits, tf value, bits, first value, bits))."""
    gv, gb = gaps
    fv, fb = firsts
    tv = np.zeros(len(tf), dtype=np.int64)
    tb = multi_e.astype(np.int64)  # the "tf > 1" bit, 0 ...
    more = np.flatnonzero(tf > 1)
    if len(more):  # ... or 1 and gamma(tf - 1)
        t1 = (tf[more] - 1).astype(np.int64)
        g = gamma_bits(t1)
        tv[more] = (np.int64(1) << g) | t1
        tb[more] = g + 1
    efit, ev, eb = join3(gv, gb, tv, tb, fv, fb)
    sel = np.flatnonzero(~efit)
    return efit, ev, eb, (sel, gv[sel], gb[sel], tv[sel], tb[sel], fv[sel], fb[sel])


def _head_words(n_e, kd, kp, kg, multi):
    """Per segment: gamma(n) and its parameters, one word where they fit (fits, value,
    bits), else two (n, its bits, parameters, their bits)."""
    zero = np.zeros(len(n_e), dtype=np.int64)
    pv = np.where(multi, (kd << 9) | (kp << 5) | 16 | kg, (kd << 5) | (kp << 1))
    pb = np.where(multi, 13, 9)
    nbits = gamma_bits(n_e)
    hfit, hv, hb = join3(n_e, nbits, pv, pb, zero, zero)
    return hfit, hv, hb, n_e, nbits, pv, pb


def _word_slots(hfit, efit, tf, seg_first, n_e, seg_e):
    """Where the words go: the first word of every segment (and the end), the first of every entry.

    A segment is its head (one or two words), its entries (one or three words, then
    one per further position) and a pad word."""
    e_words = np.where(efit, 1, 3) + (tf - 1)
    h_words = np.where(hfit, 1, 2)
    e_cs = excl_cumsum(e_words)
    s_words = h_words + (e_cs[seg_first + n_e] - e_cs[seg_first]) + 1
    s_start = excl_cumsum(s_words)
    e_w = (s_start[:-1] + h_words - e_cs[seg_first])[seg_e] + e_cs[:-1]
    return s_start, e_w


def _put_heads(val, nb, head, heads) -> None:
    hfit, hv, hb, n_e, nbits, pv, pb = heads
    val[head], nb[head] = hv, hb
    sel = np.flatnonzero(~hfit)
    if len(sel):
        val[head[sel]], nb[head[sel]] = n_e[sel], nbits[sel]
        val[head[sel] + 1], nb[head[sel] + 1] = pv[sel], pb[sel]


def doc_segments(n_e, docs):
    """Segments of docs only (facets, single characters): `docs` (local to the range) of
    consecutive groups of `n_e` docs each, ascending.  Returns (byte lengths, bytes)."""
    nseg = len(n_e)
    if not nseg:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    docs = np.asarray(docs, dtype=np.int64)
    first = excl_cumsum(n_e)[:-1]
    prev = np.empty(len(docs), dtype=np.int64)
    prev[0] = -1
    prev[1:] = docs[:-1]
    prev[first] = -1
    gap = docs - prev - 1
    kd = best_k(gap, n_e)
    seg = np.repeat(np.arange(nseg), n_e)
    # words: gamma(n), kd, the gaps, a pad
    head = 3 * np.arange(nseg) + first
    W = 3 * nseg + len(docs)
    val = np.zeros(W, dtype=np.int64)
    nb = np.zeros(W, dtype=np.int64)
    val[head], nb[head] = n_e, gamma_bits(n_e)
    val[head + 1], nb[head + 1] = kd, 4
    gw = 3 * seg + 2 + np.arange(len(docs))
    val[gw], nb[gw] = rice(gap, kd[seg])
    lens = pad_segments(nb, head + 2 + n_e)
    return lens, pack_bits(val, nb)
