"""The search index's range builder in plain Python: what `newsarchive.search.build`
does with numpy arrays, one document and one number at a time.

`build_range` has the signature of `newsarchive.search.build.build_range` and must
give the same segments and files; the tests swap it in (`reference_builder`) and
compare every file written. `Bits`, `best_k` and `to_units` are the references of
the vectorised pieces (`postings.pack_bits`, `postings.best_k`, `text.units_many`).
"""
from __future__ import annotations

import math

import numpy as np

from newsarchive.search import build, layout
from newsarchive.search.build import Payload, RangePosts
from newsarchive.search.layout import CP, GROUP_BITS, KMAX, QMAX, RADIX, UNI, UNIT0
from newsarchive.search.text import blob, encode_text, normalize, unit_count, word_mask


def rice_len(v: int, k: int) -> int:
    q = v >> k
    return q + 1 + k if q < QMAX else QMAX + 2 * (v + 1).bit_length() - 1


def best_k(values: list[int]) -> int:
    """The Rice parameter that codes `values` in the fewest bits (the smallest on ties)."""
    if not values:
        return 0
    best, best_at = None, 0
    for k in range(KMAX + 1):
        c = sum(rice_len(v, k) for v in values)
        if best is None or c < best:
            best, best_at = c, k
    return best_at


class Bits:
    """MSB-first bit string."""

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


def to_units(data: bytes) -> str:
    """`text.to_units` with Python integers."""
    ngroups = unit_count(len(data)) // 3
    v = int.from_bytes(data, "big") << (ngroups * GROUP_BITS - 8 * len(data))
    out = []
    for g in range(ngroups - 1, -1, -1):
        x = (v >> (g * GROUP_BITS)) & ((1 << GROUP_BITS) - 1)
        out += [chr(UNIT0 + x // (RADIX * RADIX)), chr(UNIT0 + x // RADIX % RADIX), chr(UNIT0 + x % RADIX)]
    return "".join(out)


def seg_positional(entries: list[tuple[int, list[int]]]) -> bytes:
    """One segment: `entries` = [(doc local to the range, positions)], docs ascending."""
    gaps, prev = [], -1
    for d, _ in entries:
        gaps.append(d - prev - 1)
        prev = d
    firsts = [ps[0] for _, ps in entries]
    rest = [b - a - 1 for _, ps in entries for a, b in zip(ps, ps[1:])]
    multi = any(len(ps) > 1 for _, ps in entries)
    kd, kp, kg = best_k(gaps), best_k(firsts), best_k(rest)
    b = Bits()
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


def seg_docs(docs: list[int]) -> bytes:
    """A segment of docs only (local to the range, ascending)."""
    gaps, prev = [], -1
    for d in docs:
        gaps.append(d - prev - 1)
        prev = d
    kd = best_k(gaps)
    b = Bits()
    b.gamma(len(docs))
    b.put(kd, 4)
    for g in gaps:
        b.rice(g, kd)
    return b.to_bytes()


def postings(masked: str) -> dict[str, list[int]]:
    """bigram -> positions, for a text from `word_mask` (bigrams with a NUL are dropped)."""
    pos: dict[str, list[int]] = {}
    for i, g in enumerate(map(str.__add__, masked, masked[1:])):
        if "\x00" not in g:
            pos.setdefault(g, []).append(i)
    return pos


def unigrams(masked: str) -> dict[str, list[int]]:
    """single character -> positions, for a text from `word_mask` (separators dropped)."""
    pos: dict[str, list[int]] = {}
    for i, c in enumerate(masked):
        if c != "\x00":
            pos.setdefault(c, []).append(i)
    return pos


def text_files(doc: int, raw: str, zdict: bytes) -> dict[str, bytes]:
    files = {}
    size = len(raw)
    for part in range(max(1, math.ceil(size / layout.PART))):
        a, b = min(part * layout.PART, size), min((part + 1) * layout.PART + layout.OVERLAP, size)
        files[f"d/{doc}-{part}"] = blob(encode_text(raw[a:b]).encode("utf-8", "surrogatepass"), zdict)
    return files


def build_range(r: int, payloads: list[Payload], zdict: bytes, made: dict[str, bytes]) -> tuple[RangePosts, dict[str, bytes]]:
    """`build.build_range`, one document at a time (`made` is not needed: every file is made)."""
    body: dict[str, list] = {}
    uni: dict[str, list[int]] = {}  # single characters: docs only (no positions)
    title: dict[str, list] = {}
    facets: dict[str, list[int]] = {}
    files: dict[str, bytes] = {}
    text_bytes = 0
    for i, p in enumerate(payloads):
        text_bytes += len(p.text.encode("utf-8", "surrogatepass"))
        masked = word_mask(normalize(p.text))
        for key, ps in postings(masked).items():
            body.setdefault(key, []).append((i, ps))
        for c in unigrams(masked):
            uni.setdefault(UNI + c, []).append(i)
        if p.tlen:
            for key, ps in postings(masked[: p.tlen]).items():
                title.setdefault(key, []).append((i, ps))
            for c, ps in unigrams(masked[: p.tlen]).items():
                title.setdefault(UNI + c, []).append((i, ps))
        for key in p.facets:
            facets.setdefault(key, []).append(i)
        files.update(text_files(r * layout.RANGE + i, p.text, zdict))
    files, at = build.pack_texts(r * layout.RANGE, len(payloads), files)
    files.update(build.meta_files(r, [p.meta for p in payloads], at))
    # the numpy builder's order: bigrams (by key, as the merge sorts them), single characters, facets
    segs = [seg_positional(v) for v in body.values()] + [seg_docs(v) for v in uni.values()] + [seg_docs(v) for v in facets.values()]
    code = lambda k: ord(k[0]) * CP + ord(k[1])  # noqa: E731
    posts = RangePosts(
        codes=np.array([code(k) for k in [*body, *uni]], dtype=np.int64),
        fkeys=list(facets),
        lens=np.array([len(s) for s in segs], dtype=np.int64),
        df=np.array([len(v) for v in [*body.values(), *uni.values(), *facets.values()]], dtype=np.int64),
        blob=np.frombuffer(b"".join(segs), dtype=np.uint8),
        tcodes=np.array([code(k) for k in title], dtype=np.int64),
        tlens=np.array([len(seg_positional(v)) for v in title.values()], dtype=np.int64),
        tblob=np.frombuffer(b"".join(seg_positional(v) for v in title.values()), dtype=np.uint8),
        text_bytes=text_bytes,
    )
    return posts, files


def written(out) -> dict[str, bytes]:
    """Every index file under the site folder `out`, by path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.js"))}


def reference_builder(monkeypatch) -> None:
    """Build every range with `build_range` here until the test ends."""
    monkeypatch.setattr(build, "build_range", build_range)
