"""Where the index's files go: every file passes through an `Emitter`, which keeps it
when the previous build made it from the same content and the output still has it,
and otherwise makes the script and writes it."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .cache import digest
from .text import units_many

_JS_HEAD = "\ufeff__na(".encode("utf-16-le")
_JS_UNITS = '\ufeff__na("'.encode("utf-16-le")
_JS_TAIL = '")\n'.encode("utf-16-le")

_BATCH_BYTES = 1 << 22  # payload bytes converted to units at once (bounds the memory it takes)


def page_key(dg: bytes) -> str:
    """A file's content digest as the output's page key (short: the site's manifest holds one per file)."""
    return dg[:8].hex()


def _write_if_changed(path: str, data: bytes, made: set[str]) -> bool:
    """Write `data` unless the file already holds it; `made`: directories known to exist."""
    try:
        if os.stat(path).st_size == len(data):
            with open(path, "rb") as f:
                if f.read() == data:
                    return False
    except OSError:
        pass
    parent = os.path.dirname(path)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    with open(path, "wb") as f:
        f.write(data)
    return True


class FolderOutput:
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


class Emitter:
    """Every index file goes through here: kept when the previous build made it from
    the same content digest (and the output still has it), else made and written.

    `prev`: the previous build's state (see `cache.SearchCache.state`)."""

    def __init__(self, out, prev: dict):
        self.out, self.prev = out, prev["files"]
        self.folder = isinstance(out, FolderOutput)
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
        return self.out.unchanged(rel, page_key(dg)) if self.keyed else self.out.keep(rel)

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
        thousands of text and meta files a one-issue rebuild keeps."""
        prev = self.prev
        if self.folder or any(prev.get(rel, (None,))[0] != dg for rel, dg in items):
            return False
        every = getattr(self.out, "unchanged_all", None) if self.keyed else None
        if every is not None:
            if not every([x for rel, dg in items for x in (rel, page_key(dg))]):
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
            self.out.write(rel, data, page_key(dg))
        else:
            self.out.write(rel, data)
        self.written += 1

    def data(self, rel: str, data: bytes) -> None:
        dg = digest(data)
        if not self.keeps(rel, dg):
            self.put(rel, dg, data)

    def blobs(self, items: list[tuple[str, bytes, bytes]]) -> None:
        """Text and meta files: (rel, digest, payload) each, written as ``__na("units")``."""
        todo = [it for it in items if not self.keeps(it[0], it[1])]
        for batch in _batches(todo, lambda it: len(it[2])):
            ub, spans = units_many([p for _, _, p in batch])
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
            dg = digest(keys.encode("utf-8", "surrogatepass") + b"\xff" + data[boff[i] : boff[i + 1]])
            if not self.keeps(rel, dg):
                todo.append((i, rel, dg, keys))
        for batch in _batches(todo, lambda it: boff[it[0] + 1] - boff[it[0]]):
            ub, spans = units_many([data[boff[i] : boff[i + 1]] for i, _, _, _ in batch])
            for (_, rel, dg, keys), (a, b) in zip(batch, spans):
                head = (json.dumps(keys, ensure_ascii=False) + ',"').encode("utf-16-le", "surrogatepass")
                self.put(rel, dg, _JS_HEAD + head + ub[a:b] + _JS_TAIL)


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
