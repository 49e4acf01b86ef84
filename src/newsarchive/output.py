"""The site folder as a transaction: files are staged, then moved in all at once.

A manifest in the site (`.newsarchive-manifest`) records, per file, a
hash of its bytes and the *page key* it was rendered from (a hash of every
input of the page). With it a rebuild can

- skip rendering a page whose key did not change (`unchanged`),
- skip writing a file whose bytes did not change (`write`),
- delete the files the new build no longer makes (`commit`),

so adding one issue rewrites only the files that really change and the rest
keep their inodes and mtimes (deploys and `rsync` see only the change).

Nothing touches the live site before `commit`: a build that fails leaves the
previous site as it was. Without a manifest (first build, or a folder made by
something else) the whole site is built in a temporary folder and swapped in
(one `renameat2(RENAME_EXCHANGE)` where Linux has it).

An incremental commit is undone when it fails (a read-only folder, a full disk):
every file it replaces or removes is first moved aside into the staging folder
and moved back on failure, so the previous site stays byte-identical. The build
record (what the no-op check trusts, see `pipeline.BUILD_RECORD`) and the manifest
go aside first and come back last: a commit killed halfway leaves neither, so the
next build is a full one and repairs the site, never "up to date" on a mixed one.
Staging folders of killed builds (`.<out>.build-<pid>-…`) go at the next build.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Sequence

MANIFEST = ".newsarchive-manifest"  # marshal: an entry per file of the site, loaded by every rebuild
MANIFEST_VERSION = 3  # entries [bytes digest, page key, size]
#: the file the no-op check reads (`pipeline.BUILD_RECORD`): the last file a commit puts in place
RECORD = ".newsarchive-build.json"
_RECORDS = frozenset([MANIFEST, RECORD])


class OutputError(Exception):
    """The site folder cannot be written: one line for the user, `newsarchive: error: …`."""


def refuse_unsafe_out(out: Path, src: Path, root: Path, cache_dir: Path | None = None) -> None:
    """A build replaces `out` whole: refuse a folder whose loss would lose what is not
    the site (the sources, the project, `/`): `--out articles` or `--out .` once would."""
    target = Path(os.path.realpath(out))
    guarded = [Path(os.path.realpath(p)) for p in (src, root, *( [cache_dir] if cache_dir else []))]
    if target == Path(target.anchor) or any(target == p or target in p.parents for p in guarded):
        raise OutputError(f"refusing to use {_folder(out)} as the output folder: a build replaces it whole, and it is "
                          f"(or holds) the source folder, the project or the cache; give another --out, e.g. _site")


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


class _EveryFile:
    """A folder listing that holds every name: the folder is as the manifest left it."""

    def __contains__(self, name: str) -> bool:
        return True


_EVERY_LISTED_FILE = _EveryFile()


class _Recorded:
    """What a build made: path -> [bytes digest, page key, size], and the paths it changed."""

    files: dict[str, list[str]]
    changed: list[str]

    def size(self) -> tuple[int, int]:
        """(bytes, files) of the site this build makes, its own records aside."""
        sizes = [entry[2] for path, entry in self.files.items() if path not in _RECORDS]
        return sum(sizes), len(sizes)

    def record(self, path: str, entry: list[str], changed: bool) -> None:
        """What a render worker did for `path` to its copy of this output (see `site.render`)."""
        self.files[path] = entry
        if changed:
            self.changed.append(path)


class OutputTree(_Recorded):
    """Collects a build's files; `commit()` makes them the site at `out`."""

    def __init__(self, out: Path, incremental: bool = True):
        self.out = Path(out).resolve()
        self._written_ns = 0  # when the previous build's manifest was written (see `_on_disk`)
        self.previous: dict[str, list[str]] = self._read_manifest() if incremental else {}
        self.incremental = bool(self.previous)
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            _remove_dead_staging(self.out)
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.build-{os.getpid()}-", dir=self.out.parent))
            os.chmod(self.staging, 0o777 & ~_umask())  # (mkdtemp's 0700 would become the site's mode)
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None
        self.files: dict[str, list] = {}  # path -> [bytes digest, page key, size in bytes]
        self.changed: list[str] = []  # paths whose bytes are new in this build
        self._made: set[str] = set()
        self._listings: dict[str, frozenset[str]] = {}  # folder of the live site -> its entries (see `_on_disk`)

    # -- reading the previous build ---------------------------------------
    def _read_manifest(self) -> dict[str, list[str]]:
        try:
            with open(self.out / MANIFEST, "rb") as fh:
                written = os.fstat(fh.fileno()).st_mtime_ns
                data = marshal.loads(fh.read())
            # a manifest from the future (a clock set back): trust no folder (see `_on_disk`)
            self._written_ns = written if written <= time.time_ns() else 0
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            return {}
        files = data.get("files")
        return files if isinstance(files, dict) else {}

    def _on_disk(self, path: str) -> bool:
        """A file of the previous build (`path` is one) deleted by hand is written again,
        not trusted. Checked only for files this build would keep, per folder: a folder
        whose entries last changed before the manifest was written holds every file the
        manifest lists in it (`commit` made them, and removing one changes the folder's
        ctime); any other folder is listed. A rebuild keeps most of the site's files, a
        few dozen to a folder: a stat per folder is much cheaper than a listing per folder.
        Like git's "racily clean" entries, a folder changed in the same clock tick as the
        manifest is not trusted (strictly older only)."""
        folder, _, name = path.rpartition("/")
        names = self._listings.get(folder)
        if names is None:
            where = os.path.join(self.out, folder) if folder else str(self.out)
            try:
                if os.stat(where).st_ctime_ns < self._written_ns:
                    names = _EVERY_LISTED_FILE
                else:
                    names = frozenset(os.listdir(where))
            except OSError:
                names = frozenset()
            self._listings[folder] = names
        return name in names

    # -- producing this build ---------------------------------------------
    def unchanged(self, path: str, key: str) -> bool:
        """True (and the file is kept) when the previous build made `path` from the same key."""
        return self.unchanged_all((path, key))

    def unchanged_all(self, recorded: "Sequence[str]") -> bool:
        """`unchanged(path, key)` of every [path, key, path, key, …] of a group the previous
        build recorded, stopping at the first that is not (most of a rebuild's ~20,000
        pages are checked here: one loop instead of a call per page)."""
        previous, files, listings = self.previous, self.files, self._listings
        pairs = iter(recorded)
        for path, key in zip(pairs, pairs):
            entry = previous.get(path)
            if not key or entry is None or entry[1] != key:
                return False
            folder, _, name = path.rpartition("/")
            names = listings.get(folder)
            if names is None or (names is not _EVERY_LISTED_FILE and name not in names):
                if not self._on_disk(path):
                    return False
            files[path] = entry
        return True

    def keep(self, path: str) -> bool:
        """Keep the previous build's file as it is; False when there is none to keep."""
        entry = self.previous.get(path)
        if entry is None or not self._on_disk(path):
            return False
        self.files[path] = entry
        return True

    def write(self, path: str, data: bytes | str, key: str = "") -> bool:
        """Stage `data` for `path` unless the previous build has the same bytes there.
        Returns whether the file changes."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        sha = digest(data)
        self.files[path] = [sha, key, len(data)]
        entry = self.previous.get(path)
        if entry is not None and entry[0] == sha and self._on_disk(path):
            return False
        dest = os.path.join(self.staging, path)
        parent = os.path.dirname(dest)
        try:
            if parent not in self._made:
                os.makedirs(parent, exist_ok=True)
                self._made.add(parent)
            with open(dest, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None
        self.changed.append(path)
        return True

    # -- finishing ----------------------------------------------------------
    def removed(self) -> list[str]:
        return sorted(p for p in self.previous if p not in self.files and self._on_disk(p))

    def commit(self) -> None:
        """Make the staged build the site: swapped in whole (no manifest before), or the
        changed files moved in and the ones no longer made removed, undone on failure."""
        manifest = marshal.dumps({"version": MANIFEST_VERSION, "files": self.files})
        try:
            (self.staging / MANIFEST).write_bytes(manifest)  # (a full disk fails here, before the site is touched)
            if not self.incremental:
                _swap_in(self.staging, self.out)
                return
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None
        removed = self.removed()
        journal = _Journal(self.out, self.staging / ".previous")
        try:
            journal.retire(RECORD)
            journal.retire(MANIFEST)
            for path in self.changed:
                if path != RECORD:
                    journal.place(path, os.path.join(self.staging, path))
            for path in removed:
                journal.retire(path)
            journal.place(MANIFEST, str(self.staging / MANIFEST))
            if RECORD in self.changed:
                journal.place(RECORD, str(self.staging / RECORD))
            else:
                journal.restore(RECORD)
        except BaseException as exc:
            journal.undo()
            if isinstance(exc, OSError):
                raise _cannot_write(self.out, exc) from None
            raise
        _prune_empty_dirs(self.out, removed)
        shutil.rmtree(self.staging, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


class DirectoryOutput(_Recorded):
    """Plain writes into a folder, for callers (tests, tools) that need no transaction."""

    incremental = False

    def __init__(self, out: Path):
        self.out = Path(out)
        self.files: dict[str, list[str]] = {}
        self.changed: list[str] = []

    def unchanged(self, path: str, key: str) -> bool:
        return False

    def unchanged_all(self, recorded: list[str]) -> bool:
        return False

    def keep(self, path: str) -> bool:
        return False

    def write(self, path: str, data: bytes | str, key: str = "") -> bool:
        if isinstance(data, str):
            data = data.encode("utf-8")
        dest = self.out / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        self.files[path] = [digest(data), key, len(data)]
        self.changed.append(path)
        return True



def as_output(out) -> "OutputTree | DirectoryOutput":
    return out if hasattr(out, "write") else DirectoryOutput(Path(out))


def _prune_empty_dirs(root: Path, removed: list[str]) -> None:
    """Folders left empty by removed files go too (deepest first)."""
    folders = {p.rsplit("/", 1)[0] for p in removed if "/" in p}
    candidates = set()
    for folder in folders:
        while folder:
            candidates.add(folder)
            folder = folder.rpartition("/")[0]
    for folder in sorted(candidates, key=lambda f: -f.count("/")):
        try:
            os.rmdir(os.path.join(root, folder))
        except OSError:
            pass  # not empty


def _swap_in(tmp_out: Path, out: Path) -> None:
    """Replace `out` by a completed build: a failed build leaves the old site alone.
    Exchanged in one step where the system can (no moment without a site), else
    the old one renamed aside first."""
    if not os.path.lexists(out):
        os.replace(tmp_out, out)
        return
    if _exchange(tmp_out, out):
        shutil.rmtree(tmp_out, ignore_errors=True)  # (now the old site)
        return
    backup = out.with_name(f".{out.name}.build-{os.getpid()}-old")
    os.replace(out, backup)
    try:
        os.replace(tmp_out, out)
    except OSError:
        os.replace(backup, out)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`); False where unsupported."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


class _Journal:
    """The moves of an incremental commit, to be undone in reverse order on failure.
    A file of the old site is moved aside into `aside`, never deleted, until the
    commit is through."""

    def __init__(self, out: Path, aside: Path):
        self.out, self.aside = str(out), str(aside)
        self.moves: list[tuple[str, bool]] = []  # (path, whether an old file went aside)
        self.made: list[str] = []  # folders this commit created in the site
        self._aside_made: set[str] = set()

    def retire(self, path: str) -> bool:
        """Move the site's `path` aside (if there is one)."""
        dest = os.path.join(self.out, path)
        if not os.path.lexists(dest):
            return False
        kept = os.path.join(self.aside, path)
        parent = os.path.dirname(kept)
        if parent not in self._aside_made:
            os.makedirs(parent, exist_ok=True)
            self._aside_made.add(parent)
        os.replace(dest, kept)
        self.moves.append((path, True))
        return True

    def place(self, path: str, new: str) -> None:
        """Put `new` at `path`, the old file (if any) aside."""
        had = self.retire(path)
        if had:
            self.moves.pop()
        dest = os.path.join(self.out, path)
        self._make_parent(os.path.dirname(dest))
        self.moves.append((path, had))
        os.replace(new, dest)

    def restore(self, path: str) -> None:
        """Put back the file `retire` moved aside."""
        kept = os.path.join(self.aside, path)
        if os.path.lexists(kept):
            os.replace(kept, os.path.join(self.out, path))
            self.moves = [m for m in self.moves if m[0] != path]

    def undo(self) -> None:
        for path, had in reversed(self.moves):
            dest, kept = os.path.join(self.out, path), os.path.join(self.aside, path)
            try:
                if had:
                    os.replace(kept, dest)
                elif os.path.lexists(dest) and not os.path.lexists(kept):
                    os.unlink(dest)
            except OSError:
                pass
        for folder in reversed(self.made):
            try:
                os.rmdir(folder)
            except OSError:
                pass

    def _make_parent(self, folder: str) -> None:
        if os.path.isdir(folder):
            return
        self._make_parent(os.path.dirname(folder))
        os.mkdir(folder)
        self.made.append(folder)


def _cannot_write(out: Path, exc: OSError) -> OutputError:
    where = f" ({exc.filename})" if exc.filename else ""
    return OutputError(f"cannot write the site to {_folder(out)}: {exc.strerror or exc}{where}; "
                       "the previous site is kept as it was")


def _folder(path: Path) -> str:
    return str(path).rstrip("/") + "/"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_dead_staging(out: Path) -> None:
    """Staging folders of builds killed before they could clean up (`.<out>.build-<pid>-…`):
    removed once their process is gone (a build running beside keeps its own)."""
    prefixes = (f".{out.name}.build-", f".{out.name}.old-")  # (.old-<pid>: made by older versions)
    try:
        with os.scandir(out.parent) as listing:  # (not `listdir`: tests count the site's listings)
            names = [entry.name for entry in listing if entry.name.startswith(".")]
    except OSError:
        return
    for name in names:
        prefix = next((p for p in prefixes if name.startswith(p)), None)
        if prefix is not None:
            pid = name[len(prefix):].partition("-")[0]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(out.parent / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # (someone else's: alive)
        return True
    return True
