"""What the search index keeps in its cache folder between builds, and when it may be reused.

Per range, under its *range key* (a hash of every article's id and of everything
else the index holds of it, see `range_key`): ``<key>.post.pickle``, its posting
segments (`build.RangePosts`), and ``<key>.files.pickle``, its text and meta files.
``state.pickle`` says what the previous build wrote: every file's content digest
and size, the range keys and `RangeInfo` of its ranges, its head layer and chunk
signatures. ``zdict.pickle`` is the text dictionary, with the ids of the articles
it was trained on. Every file goes through `..cache` (checksummed, written
atomically): a damaged one reads as missing and is made again.
"""
from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import cache as files_cache
from . import layout
from .build import Payload, RangePosts, unpack_texts
from .text import encode_text, train_dictionary

#: the layout of the cached ranges and state, and the code of this package: a changed builder never reuses old ranges
CACHE_FORMAT = "np4:" + hashlib.blake2b(
    b"".join(p.read_bytes() for p in sorted(Path(__file__).resolve().parent.glob("*.py"))), digest_size=8).hexdigest()

#: the kind of the search cache's files (see `..cache.read`)
KIND = "search/1"


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def range_key(r: int, ids: list, idents: list) -> str:
    """Stable id of everything the index holds for the docs of range `r` (no text needed
    when the issues have a content_key)."""
    L = layout
    h = hashlib.sha1(f"{L.VERSION}:{CACHE_FORMAT}:{L.RANGE}:{L.PART}:{L.OVERLAP}:{L.TEXT_FILE}:{L.META}:{L.QMAX}:{L.KMAX}:{r}".encode())
    h.update(marshal.dumps([ids, idents], 2))  # (version 2: no back-references, so the same values give the same bytes)
    return h.hexdigest()


@dataclass
class RangeInfo:
    """What the state keeps of a range the index holds: its files' (digest, size) by
    name, its text's UTF-8 bytes, its facet counts (for the manifest)."""

    digests: dict[str, tuple[bytes, int]]
    text_bytes: int
    facets: dict[str, int]


class SearchCache:
    """The search cache in `root`; with `root` None, a cache that holds nothing."""

    def __init__(self, root: Path | None):
        self.root = Path(root) if root else None
        state = self._load("state.pickle")
        if not isinstance(state, dict) or state.get("v") != CACHE_FORMAT:
            state = {"files": {}}
        #: the previous build's state (`save_state`)
        self.state: dict = state

    def _load(self, name: str):
        return files_cache.load_pickle(self.root / name, KIND) if self.root else None

    def _save(self, name: str, obj) -> None:
        if self.root:
            files_cache.dump_pickle(self.root / name, KIND, obj)

    def posts(self, rk: str) -> RangePosts | None:
        post = self._load(f"{rk}.post.pickle")
        return post if isinstance(post, RangePosts) else None

    def has_posts(self, rk: str) -> bool:
        return self.root is not None and (self.root / f"{rk}.post.pickle").is_file()

    def files(self, rk: str) -> dict[str, bytes] | None:
        stored = self._load(f"{rk}.files.pickle")
        files = stored.get("files") if isinstance(stored, dict) else None
        return files if isinstance(files, dict) else None

    def save_range(self, rk: str, posts: RangePosts, files: dict[str, bytes], ids: list, zd: str) -> None:
        self._save(f"{rk}.files.pickle", {"files": files, "ids": ids, "zd": zd})
        self._save(f"{rk}.post.pickle", posts)

    def made_files(self, old_rk: str | None, rk: str, start: int, ids: list, zd: str) -> dict[str, bytes]:
        """The text files of the range starting at doc `start` (now keyed `rk`, its docs
        `ids`) that the previous build made as this one would, under `old_rk`: the same
        article at the same number, the same dictionary (`zd`). A new issue rebuilds the
        newest range, whose other articles need not be deflated again."""
        stored = self._load(f"{old_rk}.files.pickle") if old_rk is not None and old_rk != rk else None
        if not isinstance(stored, dict) or stored.get("zd") != zd or not isinstance(stored.get("files"), dict):
            return {}
        same = {start + i for i, (was, now) in enumerate(zip(stored["ids"], ids)) if was == now}
        return {name: data for name, data in unpack_texts(stored["files"]).items() if int(name[2:].partition("-")[0]) in same}

    def save_state(self, state: dict) -> None:
        self._save("state.pickle", {"v": CACHE_FORMAT, **state})

    def text_dictionary(self, first_range: Callable[[], list[Payload]], ids: list) -> bytes:
        """The deflate dictionary of the text parts, trained on the oldest articles (the first
        ``ZSAMPLE`` bytes of text code): a new issue does not change it, so the text files of
        unchanged articles stay byte-identical.  Kept with the ids of the articles it was
        trained on; only a change to one of those trains it again. `ids`: the first range's."""
        if not ids:
            return b""
        version = (layout.ZDICT, layout.ZSAMPLE, CACHE_FORMAT)
        got = self._load("zdict.pickle")
        if isinstance(got, dict) and got.get("v") == version:
            k = got["docs"]  # a sample that took every doc of range 0 holds only while no doc joins it
            if k <= len(ids) and (got["full"] or k == min(len(ids), layout.RANGE)) and got["ids"] == digest(repr(ids[:k]).encode()):
                return got["zdict"]
        samples, size = [], 0
        for p in first_range():
            if size >= layout.ZSAMPLE:
                break
            code = encode_text(p.text[: layout.ZSAMPLE - size]).encode("utf-8", "surrogatepass")
            samples.append(code)
            size += len(code)
        zdict = train_dictionary(samples, layout.ZDICT)
        k = len(samples)
        self._save("zdict.pickle", {"v": version, "docs": k, "full": size >= layout.ZSAMPLE,
                                    "ids": digest(repr(ids[:k]).encode()), "zdict": zdict})
        return zdict
