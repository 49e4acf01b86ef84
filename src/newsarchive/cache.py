"""Every file in the cache folder is written and read back through this module.

The rule: a cache file is `MAGIC`, its kind (what wrote it, with that format's
version), the length and CRC-32 of the payload, then the payload; it is written
under a temporary name and renamed over the old one (a reader, or the next build
after one killed halfway, finds the old file or the new, never half). `read`
gives back the payload only when all of that checks out: a file that is
truncated, garbled or written by something else is dropped, with one warning
line, and the caller rebuilds it as if it had never been there. Nothing in the
cache is trusted blindly (issue 21): before, each of ~14 formats had its own
partial check, and a flipped byte could break every later build or silently
change the site.

The parse cache (`ParseCache`) itself: a key is the hash of the file's bytes,
its path (ids and URLs derive from it) and the code of every stage that produced
the entry (so an upgraded parser never serves stale results). Entries are
pickled Issues named by key (pickle: a build reads back every full issue it
renders, and JSON cost 10x more); an unchanged archive rebuilds without
re-reading a single issue through the parser.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import struct
import sys
import zlib
from functools import lru_cache
from pathlib import Path

from .model import Issue

_PACKAGE = Path(__file__).resolve().parent

MAGIC = b"NAcache1"
#: magic, length of the kind, length of the payload, CRC-32 of kind and payload
_HEAD = struct.Struct("<8sHQI")


def pack(kind: str, payload: bytes) -> bytes:
    """`payload` framed for `unpack`: the header, the kind, the payload."""
    return _head(kind, payload) + payload


def _head(kind: str, payload: bytes) -> bytes:
    tag = kind.encode("utf-8")
    return _HEAD.pack(MAGIC, len(tag), len(payload), zlib.crc32(payload, zlib.crc32(tag))) + tag


def unpack(kind: str, blob: bytes) -> "memoryview | None | bool":
    """The payload of a `pack(kind, …)` blob; False when the blob is damaged or not
    ours, None when it is ours but of another kind or version (dropped quietly: an
    upgrade makes those)."""
    if len(blob) < _HEAD.size:
        return False
    magic, tag_len, size, crc = _HEAD.unpack_from(blob)
    if magic != MAGIC or _HEAD.size + tag_len + size != len(blob):
        return False
    view = memoryview(blob)
    tag = view[_HEAD.size : _HEAD.size + tag_len]
    payload = view[_HEAD.size + tag_len :]
    if zlib.crc32(payload, zlib.crc32(tag)) != crc:
        return False
    return payload if tag == kind.encode("utf-8") else None


def read(path: Path | str, kind: str) -> "memoryview | None":
    """The payload kept in `path` by `write(path, kind, …)`, or None: missing, of
    another version, or damaged (then dropped, with a warning line)."""
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    payload = unpack(kind, blob)
    if payload is False:
        drop(path, "damaged or not written by this version of newsarchive")
        return None
    return payload


def write(path: Path | str, kind: str, payload: bytes) -> None:
    """Keep `payload` in `path` for `read(path, kind)`, atomically."""
    head = _head(kind, payload)  # (written apart: no copy of a large payload)
    replace_atomically(Path(path), lambda fh: (fh.write(head), fh.write(payload)))


def drop(path: Path | str, why: str) -> None:
    """Remove a cache file found unusable, saying so in one line (the build goes on
    and makes it again)."""
    try:
        os.unlink(path)
    except OSError:
        pass
    warn(f"cache file {path} {why}: dropped, it is rebuilt")


def warn(message: str) -> None:
    sys.stderr.write(f"newsarchive: warning: {message}\n")
    sys.stderr.flush()


def load_pickle(path: Path | str, kind: str):
    """An object kept by `dump_pickle(path, kind, …)`, or None."""
    payload = read(path, kind)
    if payload is None:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # a checksummed payload our code cannot load (a class since renamed)
        drop(path, "cannot be loaded by this version of newsarchive")
        return None


def dump_pickle(path: Path | str, kind: str, obj) -> None:
    write(path, kind, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def load_marshal(path: Path | str, kind: str):
    """A value kept by `dump_marshal(path, kind, …)`, or None."""
    payload = read(path, kind)
    if payload is None:
        return None
    try:
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        drop(path, "cannot be loaded by this version of newsarchive")
        return None


def dump_marshal(path: Path | str, kind: str, value) -> None:
    """Raises ValueError for a value marshal does not take."""
    write(path, kind, marshal.dumps(value))


def write_table(path: Path, kind: str, data: bytes) -> None:
    """`write(path, kind, data)` as the one table of its kind in its folder (the same name
    up to its first "-"): tables made from other data or by other code go."""
    for old in path.parent.glob(path.name.split("-", 1)[0] + "-*"):
        if old != path:
            try:
                old.unlink()
            except OSError:
                pass
    write(path, kind, data)


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


#: the kind (and format version) of a parse cache entry (see `read`)
PARSE_KIND = "parse/2"


class ParseCache:
    def __init__(self, directory: Path | None, salt: str = ""):
        self.root = directory
        self.directory = directory / "parse" if directory else None
        self.salt = salt  # versions of the data the parser also depends on
        self.source_root: Path | None = None  # what source paths are relative to (see `pipeline.reparse`)
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
        """The entry, or None when it is missing or was found damaged (and dropped)."""
        if self.directory is None:
            return None
        issue = load_pickle(self.path(key), PARSE_KIND)
        if not isinstance(issue, Issue):
            self.misses += 1
            if self._names is not None:
                self._names.discard(f"{key}.pickle")
            return None
        self.hits += 1
        issue.content_key = key
        return issue

    def put(self, key: str, issue: Issue) -> None:
        if self.directory is None:
            return
        dump_pickle(self.path(key), PARSE_KIND, issue)
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
