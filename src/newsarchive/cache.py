"""Per-source cache of parse results.

A key is the hash of the file's bytes, its path (ids and URLs derive from it)
and the code of every stage that produced the entry (so an upgraded parser
never serves stale results). Entries are pickled Issues named by key (pickle:
a build reads back every full issue it renders, and JSON cost 10x more); an
unchanged archive rebuilds without re-reading a single issue through the parser.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path

from .model import Issue

_PACKAGE = Path(__file__).resolve().parent


def map_table(path: Path, head):
    """(the file mapped read-only, its header unpacked with the `struct.Struct` `head`), or
    None for a file missing, empty or shorter than the header: the tables kept in the cache
    (`tagging.keywords.SortedIDF`, `tagging.segment.LexiconTable`) are mapped, not read, as
    a small rebuild looks up a few thousand of their entries."""
    import mmap

    try:
        with open(path, "rb") as fh:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # (an empty file cannot be mapped)
        return None
    if len(mapped) < head.size:
        return None
    return mapped, head.unpack_from(mapped)


def replace_table(path: Path, data: bytes) -> None:
    """Keep `data` as `path`, the one table of its kind in its folder (the same name up to
    its first "-"): tables made from other data or by other code go."""
    for old in path.parent.glob(path.name.split("-", 1)[0] + "-*"):
        if old != path:
            try:
                old.unlink()
            except OSError:
                pass
    replace_atomically(path, lambda fh: fh.write(data))


def replace_atomically(path: Path, write) -> None:
    """`write(file)` under a temporary name beside `path`, then renamed over it: a reader,
    or the next build after one killed halfway, finds the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        write(fh)
    os.replace(tmp, path)
_STAGE_FILES = ("model.py", "source.py", "dates.py", "parse")


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the reading/parsing/dating code: it changes whenever their output may."""
    digest = hashlib.sha256()
    for name in _STAGE_FILES:
        path = _PACKAGE / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            digest.update(f.relative_to(_PACKAGE).as_posix().encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


class ParseCache:
    def __init__(self, directory: Path | None, salt: str = ""):
        self.root = directory
        self.directory = directory / "parse" if directory else None
        self.salt = salt  # versions of the data the parser also depends on
        self.hits = 0
        self.misses = 0
        self._names: set[str] | None = None  # file names in `directory`, listed once (see `has`)

    def key(self, display_path: str, data: bytes) -> str:
        digest = hashlib.sha256()
        digest.update(code_version().encode())
        digest.update(self.salt.encode())
        digest.update(display_path.encode("utf-8"))
        digest.update(hashlib.sha256(data).digest())
        return digest.hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.pickle"

    def has(self, key: str) -> bool:
        """Is there an entry for `key`? The folder is listed on the first question (a build
        asks for every source: one listing instead of ~1,000 stats) and the listing follows
        this object's `put` and `prune`, not other processes' writes."""
        if self.directory is None:
            return False
        if self._names is None:
            try:
                self._names = set(os.listdir(self.directory))
            except OSError:
                self._names = set()
        return f"{key}.pickle" in self._names

    def get(self, key: str) -> Issue | None:
        if self.directory is None:
            return None
        try:
            with open(self.path(key), "rb") as fh:
                issue = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.misses += 1
            return None
        if not isinstance(issue, Issue):
            self.misses += 1
            return None
        self.hits += 1
        issue.content_key = key
        return issue

    def put(self, key: str, issue: Issue) -> None:
        if self.directory is None:
            return
        replace_atomically(self.path(key), lambda fh: pickle.dump(issue, fh, protocol=pickle.HIGHEST_PROTOCOL))
        if self._names is not None:
            self._names.add(f"{key}.pickle")

    def prune(self, keep: set[str]) -> None:
        """Drop entries of files that are gone or changed, so the cache does not grow forever."""
        if self.directory is None:
            return
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            stem, _, suffix = name.rpartition(".")
            if suffix in ("pickle", "json") and stem and stem not in keep:
                try:
                    os.unlink(os.path.join(self.directory, name))
                except FileNotFoundError:
                    pass
                if self._names is not None:
                    self._names.discard(name)
