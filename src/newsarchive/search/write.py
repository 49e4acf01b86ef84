"""Writing the index: the docs numbered and cut into ranges, each range built (or taken
from the cache), the ranges merged into the two layers of bucket files, then the
manifest and the fixed scripts.

Two layers of bucket files: the head (``p/``, every range but the newest, with ``c/``
chunk files for the big lists of all but its last range) is kept as it is while its
ranges are; the tail (``n/``, the newest range, up to ``RANGE`` docs) is all a new
issue of the latest date rewrites.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..model import Article, Issue
from ..runtime import Clock, Workers
from . import build, layout
from .build import Payload, RangePosts
from .cache import RangeInfo, SearchCache, digest, range_key
from .docs import Docs, date_span, date_table, doc_idents, doc_ids, facet_counts
from .emit import Emitter, FolderOutput
from .merge import head_files, write_layer
from .text import CODE, ONE, SEED, T2S, TABLE, blob, fnv, js_size, t2s_script


def write_search_index(
    issues: list[Issue],
    output,
    article_url: Callable[[Issue, Article], str],
    *,
    load_full: Callable[[Issue], Issue] | None = None,
    cache_dir: Path | None = None,
    jobs: int = 1,
    clock: Clock | None = None,
) -> dict:
    """Write the index under ``search/``; return stats {docs, text_bytes, index_bytes, shards, …}.

    `output`: the site folder (a Path: files whose bytes changed are written,
    stale ones under ``search/`` deleted), or an object with ``write(relpath,
    data)`` and ``keep(relpath) -> bool`` (every file is either written or,
    when known to be byte-identical to the previous build, kept).
    Documents are numbered by (issue date, source, article number) and cut into
    ranges of ``RANGE`` docs; each range is built on its own (on `jobs` processes)
    and, with `cache_dir`, reused when none of its articles changed: its key comes
    from each issue's ``content_key`` (or, when empty, the text), the article
    number and everything else the index stores, so a warm rebuild reads no text:
    `load_full(issue)` (default: the issue itself) is called only for issues in
    ranges to build.  With a cache, a file whose content digest did not change
    since the previous build is kept, not made again.  `clock` gets a lap per step.
    Output is deterministic.
    """
    out = output if hasattr(output, "write") and hasattr(output, "keep") else FolderOutput(Path(output))
    return _IndexWriter(out, Docs(issues, article_url, load_full), SearchCache(cache_dir), clock or Clock()).write(jobs)


@dataclass
class RangeWork:
    """What building a range needs, inherited by the workers: the docs, the (salted)
    range keys and doc ids, the text dictionary and its digest, the cache, the range
    keys of the previous build, and range 0's payloads when the dictionary read them."""

    docs: Docs
    rkeys: list[str]
    ids: list
    zdict: bytes
    zd: str
    cache: SearchCache
    previous_rkeys: list[str]
    first: list[Payload] | None


@dataclass
class BuiltRange:
    r: int
    posts: RangePosts
    files: dict[str, bytes]
    facets: dict[str, int]


def build_task(work: RangeWork, r: int) -> BuiltRange:
    """Range `r` built, and kept in the cache (a worker's task)."""
    payloads = work.first if r == 0 and work.first is not None else work.docs.payloads(r)
    start = r * layout.RANGE
    ids = work.ids[start : start + layout.RANGE]
    old = work.previous_rkeys[r] if r < len(work.previous_rkeys) else None
    made = work.cache.made_files(old, work.rkeys[r], start, ids, work.zd)
    posts, files = build.build_range(r, payloads, work.zdict, made)  # (looked up here: the tests swap in the reference)
    work.cache.save_range(work.rkeys[r], posts, files, ids, work.zd)
    return BuiltRange(r, posts, files, facet_counts(payloads))


class _IndexWriter:
    """One run of `write_search_index` over `docs`, into the emitter's output."""

    def __init__(self, out, docs: Docs, cache: SearchCache, clock: Clock):
        self.out, self.docs, self.cache, self.clock = out, docs, cache, clock
        self.em = Emitter(out, cache.state)
        self.posts: list[RangePosts | None] = [None] * docs.ranges
        self.infos: dict[str, RangeInfo] = {}  # of this build's ranges, by range key
        self.work: RangeWork | None = None

    def write(self, jobs: int) -> dict:
        self.clock.lap("docs")
        self.work = work = self._range_work()
        todo = self._reuse_cached()
        self.clock.lap("cached")
        with Workers(jobs, work) as pool:
            for start in range(0, len(todo), pool.jobs):  # as many ranges in memory as there are workers
                for built in pool.map(build_task, todo[start : start + pool.jobs], chunks_per_worker=1):
                    self._take(built)
        work.first = None
        self.clock.lap("ranges")
        nb, cbuckets, ntb, head = self._write_layers()
        self._write_fixed(nb, cbuckets, ntb, work.zdict)
        if isinstance(self.out, FolderOutput):
            self.out.finish()
        self.cache.save_state({"files": self.em.state, "chunks": self.em.chunks, "infos": self.infos,
                               "head": head, "rkeys": work.rkeys})
        self.clock.lap("end")
        return self._stats(len(todo))

    def _range_work(self) -> RangeWork:
        """The range keys (salted with the text dictionary: the text files depend on it) and the dictionary."""
        docs = self.docs
        idents = doc_idents(docs.docs)
        self.clock.lap("lites")
        ids = doc_ids(docs.docs)
        R = layout.RANGE
        rkeys = [range_key(r, ids[r * R : (r + 1) * R], idents[r * R : (r + 1) * R]) for r in range(docs.ranges)]
        del idents
        self.clock.lap("rkeys")
        first: list[list[Payload]] = []

        def first_range() -> list[Payload]:
            first.append(docs.payloads(0))
            return first[0]

        # (a folder output trusts the cached ranges, not a cached dictionary)
        source = self.cache if not isinstance(self.out, FolderOutput) else SearchCache(None)
        zdict = source.text_dictionary(first_range, ids[:R])
        zd = digest(zdict).hex()
        rkeys = [hashlib.sha1(f"{rk}:{zd}".encode()).hexdigest() for rk in rkeys]
        self.clock.lap("keys")
        return RangeWork(docs, rkeys, ids, zdict, zd, self.cache, self.cache.state.get("rkeys") or [], first[0] if first else None)

    def _reuse_cached(self) -> list[int]:
        """Keep (or write again from the cache) the text and meta files of every range the
        cache holds; the ranges to build. A range's posting lists are read from the cache
        only when a layer of bucket files is made again (`_posts`)."""
        em, cache = self.em, self.cache
        infos: dict[str, RangeInfo] = cache.state.get("infos", {})
        todo = []
        for r, rk in enumerate(self.work.rkeys):
            info = infos.get(rk)
            if not isinstance(info, RangeInfo) or not cache.has_posts(rk):
                todo.append(r)
                continue
            digests = info.digests
            if em.keep_every([(f"search/{name}.js", dg[0]) for name, dg in digests.items()]):
                pending = []
            else:
                pending = [name for name, dg in digests.items() if not em.keeps(f"search/{name}.js", dg[0])]
            if pending:
                files = cache.files(rk)
                if files is None or any(name not in files for name in pending):  # the cache lost half a range: build it again
                    todo.append(r)
                    continue
                em.blobs([(f"search/{name}.js", digests[name][0], files[name]) for name in pending])
            self.infos[rk] = info
        return todo

    def _take(self, built: BuiltRange) -> None:
        """A range just built: its files written, its posting lists kept for the merge."""
        digests = {name: (digest(p), js_size(len(p))) for name, p in built.files.items()}
        self.posts[built.r] = built.posts
        self.infos[self.work.rkeys[built.r]] = RangeInfo(digests, built.posts.text_bytes, built.facets)
        self.em.blobs([(f"search/{name}.js", digests[name][0], p) for name, p in built.files.items()])

    def _posts(self, r: int) -> RangePosts:
        if self.posts[r] is None:
            posts = self.cache.posts(self.work.rkeys[r])
            if posts is not None:
                self.posts[r] = posts
            else:  # dropped as damaged (or removed meanwhile): the range is built again
                self._take(build_task(self.work, r))
        return self.posts[r]

    def _write_layers(self) -> tuple[int, list[int], int, dict]:
        """The head layer (kept when its ranges and their bucket counts are the previous
        build's), then the tail: (head buckets, chunk buckets per range, tail buckets, the
        head's record for the state)."""
        em, rkeys, nranges = self.em, self.work.rkeys, self.docs.ranges
        tail = max(0, nranges - 1)
        inl = max(0, tail - 1)
        head_key = hashlib.sha1(f"{inl}:".encode() + "".join(rkeys[:tail]).encode()).hexdigest()
        held = self.cache.state.get("head")
        if tail and held and held["key"] == head_key and em.keep_all(head_files(held["nb"], held["cbuckets"])):
            nb, cbuckets = held["nb"], held["cbuckets"]
            em.chunks.update({r: sig for r, sig in em.prev_chunks.items() if r < tail})
            self.clock.lap("p-kept")
        elif tail:
            nb, cbuckets = write_layer([self._posts(r) for r in range(tail)], rkeys[:tail], em, self.clock, inl)
        else:
            nb, cbuckets = 0, []
        for r in range(tail):  # the head's ranges are merged: free them before the tail's
            self.posts[r] = None
        ntb, _ = write_layer([self._posts(r) for r in range(tail, nranges)], rkeys[tail:], em, self.clock, tail, r0=tail, layer="n")
        return nb, cbuckets, ntb, {"key": head_key, "nb": nb, "cbuckets": cbuckets}

    def _write_fixed(self, nb: int, cbuckets: list[int], ntb: int, zdict: bytes) -> None:
        """The dictionary, the fixed scripts and the manifest."""
        em = self.em
        zblob = blob(zdict)
        em.blobs([("search/z.js", digest(zblob), zblob)])
        em.data("search/inflate.js", _inflater_script())
        em.data("search/t2s.js", t2s_script())
        dates = self.docs.dates()
        em.data("search/dates.js", ("__na(" + json.dumps(date_table(dates), separators=(",", ":")) + ")\n").encode("utf-8"))
        table = "".join(TABLE)
        em.data("search/chars.js", ("\ufeff__na(" + json.dumps(table, ensure_ascii=False) + ")\n").encode("utf-16-le"))
        facets = self._facets()
        tail = max(0, self.docs.ranges - 1)
        manifest = {
            "v": layout.VERSION,
            "docs": len(self.docs),
            "range": layout.RANGE,
            "part": layout.PART,
            "meta": layout.meta_per_file(),
            "buckets": nb,
            "cbuckets": cbuckets,
            "inline": max(0, tail - 1),
            "tail": tail,
            "tbuckets": ntb,
            "one": ONE,
            "seed": SEED,
            "tablefnv": fnv(table),
            "tablelen": len(TABLE),
            "zdict": len(zdict),
            "facets": {k: sorted(v.items(), key=lambda kv: (-kv[1], kv[0])) for k, v in facets.items()},
            "people": len(facets["person"]),
            "tsin": "".join(k for k in sorted(T2S) if k in CODE),  # keys the GB2312 table holds: they need t2s.js too
            "dated": date_span(dates),
        }
        manifest["facets"]["year"] = sorted(facets["year"].items(), reverse=True)
        # the person filter offers the names of more than one article (any name can be typed)
        manifest["facets"]["person"] = [kv for kv in manifest["facets"]["person"] if kv[1] > 1][: layout.PERSONS]
        em.data("search/manifest.js", ("__na(" + json.dumps(manifest, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + ")\n").encode("utf-8"))

    def _facets(self) -> dict[str, dict[str, int]]:
        """Articles per facet value, by kind, over every range."""
        facets: dict[str, dict[str, int]] = {"district": {}, "street": {}, "topic": {}, "year": {}, "person": {}}
        names = {"d": "district", "s": "street", "t": "topic", "y": "year", "p": "person"}
        for rk in self.work.rkeys:
            for f, n in self.infos[rk].facets.items():
                kind = facets[names[f[1]]]
                kind[f[2:]] = kind.get(f[2:], 0) + n
        return facets

    def _stats(self, rebuilt: int) -> dict:
        em = self.em
        text_bytes = sum(self.infos[rk].text_bytes for rk in self.work.rkeys)
        index_bytes = sum(size for _, size in em.state.values())
        return {
            "docs": len(self.docs),
            "text_bytes": text_bytes,
            "index_bytes": index_bytes,
            "shards": len(em.state),
            "written": self.out.written if isinstance(self.out, FolderOutput) else em.written,
            "kept": len(em.kept),
            "ratio": round(index_bytes / text_bytes, 3) if text_bytes else 0.0,
            "ranges": self.docs.ranges,
            "ranges_rebuilt": rebuilt,
        }


def _inflater_script() -> bytes:
    """``search/inflate.js``: fflate's inflate (vendored), registered as the index file ``inflate``."""
    code = (Path(__file__).resolve().parent.parent / "vendor" / "fflate-inflate.min.js").read_text(encoding="utf-8")
    return ("(function(){" + code.strip() + "\n__na(fflate);})();\n").encode("utf-8")
