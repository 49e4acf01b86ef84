"""Scan stage: which issue files there are, and the cache key of each.

A file's key is the hash of its bytes and path (see `cache.ParseCache.key`).
A rebuild knows most keys without reading the files: `SourceStats` keeps each
file's stat signature from the last build, and a file whose size, inode, mtime
and ctime are unchanged keeps its key.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import cache as cachefile
from ..cache import ParseCache
from ..model import SourceError

SOURCE_SUFFIXES = (".txt", ".md", ".text")

#: the project's own templates/ and static/, used when the archive has none
PROJECT_DIR = Path(__file__).resolve().parents[3]


@dataclass
class FileError:
    """A file the build could not use, with where and why: printed as `path:line: error: …`."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        from ..source import shown_path

        where = f"{shown_path(self.path)}:{self.line}" if self.line else shown_path(self.path)
        return f"{where}: error: {self.message}"


@dataclass
class SourceEntry:
    """One issue file as the scan found it. Its bytes are read again only if it must
    be parsed: at 10,000 issues, keeping them would hold 160 MB for the whole build."""

    shown: str
    key: str
    error: FileError | None = None
    path: Path | None = None
    hashed: bool = False  # read and hashed in this scan (not known by its stat)

    def read(self) -> bytes:
        from ..source import read_limited

        return read_limited(self.path, self.shown) if self.path is not None else b""


def discover_sources(src: Path, errors: "list[FileError] | None" = None, root: Path | None = None) -> list[Path]:
    """Issue files below `src`, in a stable order (see `source.discover`); a file refused
    (a symlink out of `src`, a loop) is an error appended to `errors`."""
    from ..source import discover

    paths, refused = discover(src, SOURCE_SUFFIXES)
    if errors is not None:
        errors.extend(FileError(_link_path(path, root), why) for path, why in refused)
    return paths


def _link_path(path: Path, root: Path | None) -> str:
    """Where a refused symlink is, below `root` (not where it leads: it may lead nowhere)."""
    full = os.path.abspath(path)
    base = str((root or Path.cwd()).resolve())
    return os.path.relpath(full, base) if full.startswith(base + os.sep) else path.as_posix()


def display_path(path: Path, root: Path | None) -> str:
    try:
        return path.resolve().relative_to((root or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def display_paths(paths: list[Path], root: Path | None) -> list[str]:
    """`display_path` of many files, resolving each folder once instead of every file."""
    if os.sep != "/":
        return [display_path(p, root) for p in paths]
    base = str((root or Path.cwd()).resolve()).rstrip("/") + "/"
    folders: dict[Path, str] = {}
    shown = []
    for path in paths:
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = str(path.parent.resolve()).rstrip("/") + "/"
        full = folder + path.name
        if os.path.islink(path) or not full.startswith(base):  # resolved elsewhere, or outside the root
            shown.append(display_path(path, root))
        else:
            shown.append(full[len(base):])
    return shown


def scan_sources(paths: list[Path], root: Path | None, cache: ParseCache, known: dict | None = None) -> list[SourceEntry]:
    """Cache keys of every source. With `known` (shown path -> stat signature and key,
    from the previous build), an unchanged file is not read; `known` is updated."""
    from ..source import read_limited

    entries = []
    for path, shown in zip(paths, display_paths(paths, root)):
        try:
            if known is not None:
                st = path.stat()
                signature = [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
                hit = known.get(shown)
                if hit is not None and hit[:4] == signature:
                    entries.append(SourceEntry(shown, hit[4], path=path))
                    continue
            data = read_limited(path, shown)
        except OSError as exc:
            entries.append(SourceEntry(shown, "", FileError(shown, f"cannot read: {exc.strerror}")))
            continue
        except SourceError as exc:
            entries.append(SourceEntry(shown, "", FileError(shown, exc.message, exc.line)))
            continue
        entries.append(SourceEntry(shown, cache.key(shown, data), path=path, hashed=True))
        if known is not None:
            known[shown] = signature + [entries[-1].key]
    return entries


class SourceStats:
    """Stat signatures and cache keys of the sources at the last build (see `scan_sources`)."""

    FILE = "sources.marshal"
    KIND = "sources/1"

    @classmethod
    def load(cls, directory: Path | None, version: str) -> dict | None:
        if directory is None:
            return None
        data = cachefile.load_marshal(directory / cls.FILE, cls.KIND)
        if not isinstance(data, dict) or data.get("version") != version:
            return {}
        return data.get("files", {})

    @classmethod
    def save(cls, directory: Path | None, version: str, files: dict | None, entries: list[SourceEntry]) -> None:
        if directory is None or files is None:
            return
        current = {e.shown for e in entries}
        kept = {k: v for k, v in files.items() if k in current}
        cachefile.dump_marshal(directory / cls.FILE, cls.KIND, {"version": version, "files": kept})


def archive_data_dir(root: Path) -> Path:
    """An archive's own data/ (gazetteer and topic additions; it need not exist): the tagger
    also reads `home` from the site.yaml next to it (see `tagging.site_homes`)."""
    return root / "data"


def template_layers(root: Path) -> list[Path]:
    """The archive's own `templates/` over the packaged ones, file by file: a folder
    copied from an older release still finds the templates added since."""
    layers: list[Path] = []
    for folder in (root / "templates", PROJECT_DIR / "templates"):
        if folder.is_dir() and all(folder.resolve() != known.resolve() for known in layers):
            layers.append(folder)
    return layers


def static_layers(root: Path) -> list[Path]:
    """The archive's own `static/`, else the project's."""
    return [p for p in (root / "static", PROJECT_DIR / "static") if p.is_dir()][:1]
