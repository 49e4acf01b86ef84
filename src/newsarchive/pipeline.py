"""Wire the stages together: read → parse → date → tag → (render, index).

Each stage is a function of the previous stage's output; this module only
calls them in order, collects per-file errors so one bad file never stops the
archive, and swaps a finished site into place atomically.
"""
from __future__ import annotations

import gc
import marshal
import os
import pickle
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING, Callable

from . import cache as cachefile
from .cache import ParseCache, code_version
from .heap import use_huge_pages
from .model import Issue, SourceError

if TYPE_CHECKING:
    from .parse import Lexicon

# the parser, dater and reader are imported where used: a no-op build needs none of them

SOURCE_SUFFIXES = (".txt", ".md", ".text")


@dataclass
class FileError:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        from .source import shown_path

        where = f"{shown_path(self.path)}:{self.line}" if self.line else shown_path(self.path)
        return f"{where}: error: {self.message}"


@dataclass
class ParseResult:
    issues: list[Issue] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def discover_sources(src: Path, errors: "list[FileError] | None" = None, root: Path | None = None) -> list[Path]:
    """Issue files below `src`, in a stable order (see `source.discover`); a file refused
    (a symlink out of `src`, a loop) is an error appended to `errors`."""
    from .source import discover

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


def parse_file(path: Path, root: Path | None = None, lexicon: Lexicon | None = None) -> Issue:
    """Read, parse and date one file; raises SourceError for unreadable input."""
    from .source import read_source

    source = read_source(path, display_path(path, root))
    return parse_and_date(source, lexicon)


def parse_and_date(source, lexicon: Lexicon | None = None) -> Issue:
    from .dates import date_issue
    from .parse import parse_source

    issue = parse_source(source, lexicon)
    date_issue(issue, source)
    return issue


@dataclass
class Toolkit:
    """The word knowledge shared by parser and tagger: one dictionary per process.

    The parser segments with the tagger's segmenter, place names included (so
    `天生港镇` ⏎ `街道` is seen as one word cut by a break); that makes parse
    results depend on the data files too, hence `version` salts the cache.
    """

    tagger: "object"
    lexicon: Lexicon

    @classmethod
    def load(cls, data_dir: Path | None = None, cache_dir: Path | None = None) -> "Toolkit":
        from .parse import Lexicon
        from .tagging import Tagger

        tagger = Tagger.load(data_dir, cache_dir)
        return cls(tagger, Lexicon(tagger.segmenter))

    @property
    def version(self) -> str:
        return self.tagger.version


#: set in pool workers only, by _worker_init: a worker lives to parse with it
_WORKER_TOOLKIT: Toolkit | None = None


def _worker_init(data_dir: Path | None) -> None:
    """Each worker process loads the dictionaries once."""
    global _WORKER_TOOLKIT
    _WORKER_TOOLKIT = Toolkit.load(data_dir)


def _worker_parse(job: tuple[bytes, str]) -> Issue | FileError:
    return parse_bytes(job[0], job[1], _WORKER_TOOLKIT)


def parse_bytes(data: bytes, shown: str, toolkit: Toolkit) -> Issue | FileError:
    """Read, parse, date and analyse (the per-issue half of tagging) one file."""
    from .source import source_from_bytes

    try:
        issue = parse_and_date(source_from_bytes(data, shown), toolkit.lexicon)
    except SourceError as exc:
        return FileError(exc.path, exc.message, exc.line)
    toolkit.tagger.analyse_issue(issue)
    return issue


@dataclass
class SourceEntry:
    """A file's cache key (and bytes, once read): read at most once per build."""

    shown: str
    data: bytes | None
    key: str
    error: FileError | None = None
    path: Path | None = None
    hashed: bool = False  # read and hashed in this scan (not known by its stat)

    def bytes(self) -> bytes:
        if self.data is None and self.path is not None:
            from .source import read_limited

            self.data = read_limited(self.path, self.shown)
        return self.data or b""


def display_paths(paths: list[Path], root: Path | None) -> list[str]:
    """`display_path` of many files, resolving each folder once instead of every file
    (resolving 1,000 paths took ~0.07 s of a one-issue rebuild)."""
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
    """Cache keys of every source. With `known` (path -> stat signature and key, from
    the previous build) a file whose size, inode, mtime and ctime are unchanged is
    not read: hashing 16 MB of issue files took a quarter of a one-issue rebuild."""
    from .source import read_limited

    entries = []
    for path, shown in zip(paths, display_paths(paths, root)):
        try:
            if known is not None:
                st = path.stat()
                signature = [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
                hit = known.get(shown)
                if hit is not None and hit[:4] == signature:
                    entries.append(SourceEntry(shown, None, hit[4], path=path))
                    continue
            data = read_limited(path, shown)
        except OSError as exc:
            entries.append(SourceEntry(shown, None, "", FileError(shown, f"cannot read: {exc.strerror}")))
            continue
        except SourceError as exc:
            entries.append(SourceEntry(shown, None, "", FileError(shown, exc.message, exc.line)))
            continue
        # the bytes are not kept: at 10,000 issues they would be 160 MB for the whole build
        entries.append(SourceEntry(shown, None, cache.key(shown, data), path=path, hashed=True))
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
    def save(cls, directory: Path | None, version: str, files: dict, entries: list[SourceEntry]) -> None:
        if directory is None or files is None:
            return
        current = {e.shown for e in entries}
        kept = {k: v for k, v in files.items() if k in current}
        cachefile.dump_marshal(directory / cls.FILE, cls.KIND, {"version": version, "files": kept})


def parse_files(
    paths: list[Path],
    root: Path | None = None,
    toolkit: Toolkit | None = None,
    cache: ParseCache | None = None,
    jobs: int = 1,
    progress=None,
    entries: list[SourceEntry] | None = None,
    data_dir: Path | None = None,
) -> ParseResult:
    """Parse, date and analyse many files; cached entries are reused, the rest run
    on `jobs` processes. Keywords (which need the whole archive) are left to
    `Tagger.assign_keywords`."""
    cache = cache or ParseCache(None)
    if entries is None:
        entries = scan_sources(paths, root, cache)
    result = ParseResult()
    slots: list[Issue | FileError | None] = [entry.error for entry in entries]
    todo: list[int] = []
    for index, entry in enumerate(entries):
        if entry.error is None:
            cached = cache.get(entry.key)
            if cached is not None:
                slots[index] = cached
            else:
                todo.append(index)
    if todo:
        jobs_input = [(entries[i].bytes(), entries[i].shown) for i in todo]
        if jobs > 1 and len(todo) > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(data_dir,)) as pool:
                outcomes = pool.map(_worker_parse, jobs_input, chunksize=8)
                for index, outcome in zip(todo, _with_progress(outcomes, len(todo), progress)):
                    slots[index] = outcome
        else:
            toolkit = toolkit or Toolkit.load(data_dir)
            for index, (data, shown) in zip(todo, _with_progress(jobs_input, len(todo), progress)):
                slots[index] = parse_bytes(data, shown, toolkit)
        for index in todo:
            if isinstance(slots[index], Issue):
                cache.put(entries[index].key, slots[index])
    cache.prune({entry.key for entry in entries if entry.key})
    for slot in slots:
        if isinstance(slot, Issue):
            result.issues.append(slot)
        elif isinstance(slot, FileError):
            result.errors.append(slot)
    _dedupe_slugs(result.issues)
    return result


def _with_progress(items, total: int, progress):
    if progress is None:
        yield from items
        return
    with progress(length=total, label="parsing") as bar:
        for item in items:
            yield item
            bar.update(1)


def _dedupe_slugs(issues: list[Issue]) -> list[tuple[Issue, str, list[str]]]:
    """Two files may share a stem in different folders; keep URLs apart. Returns
    (issue, slug, article ids) as they were, for each issue renamed."""
    seen: dict[str, int] = {}
    renamed = []
    for issue in sorted(issues, key=lambda i: i.source):
        n = seen.get(issue.slug, 0)
        seen[issue.slug] = n + 1
        if n:
            old = issue.slug
            renamed.append((issue, old, [a.id for a in issue.articles]))
            issue.slug = f"{old}-{n + 1}"
            for article in issue.articles:
                article.id = issue.slug + article.id[len(old):]
    return renamed


def save_catalog(catalog: "Catalog", renamed: list[tuple[Issue, str, list[str]]], directory: Path, version: str,
                 since: "Catalog | None" = None, changes: "CatalogChanges | None" = None) -> None:
    """Save `catalog` with the slugs and ids `_dedupe_slugs` changed put back (and renamed
    again afterwards). The catalog holds issues as parsed: every build dedupes afresh, so
    a rename goes when its clash does."""
    now = [(issue, issue.slug, [a.id for a in issue.articles]) for issue, _slug, _ids in renamed]
    try:
        for issue, slug, ids in renamed:
            _rename(issue, slug, ids)
        catalog.save(directory, version, since, changes)
    finally:
        for issue, slug, ids in now:
            _rename(issue, slug, ids)


def _rename(issue: Issue, slug: str, ids: list[str]) -> None:
    issue.slug = slug
    for article, article_id in zip(issue.articles, ids):
        article.id = article_id


def archive_data_dir(root: Path) -> Path | None:
    """An archive's own data/ (gazetteer and topic additions; it need not exist): the tagger
    also reads `home` from the site.yaml next to it (see `tagging.site_homes`)."""
    return root / "data"


#: the project's own templates/ and static/, used when the archive has none
PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class BuildReport:
    issues: int = 0
    articles: int = 0
    errors: list[FileError] = field(default_factory=list)
    warnings: int = 0
    search: dict = field(default_factory=dict)
    out: Path | None = None
    skipped: bool = False  # nothing changed since the last build
    rewritten: int = 0  # files new or different from the previous build
    parsed: int = 0  # files parsed (the others came from the cache)
    rendered: int = 0  # pages rendered (the others kept their previous file)
    removed: int = 0  # files of the previous build no longer made
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    peak_mb: dict[str, int] = field(default_factory=dict)  # main process peak RSS after each phase


class PhaseClock:
    """Wall seconds per build phase, for `build --timings` and the benchmarks."""

    def __init__(self):
        import time

        self._now = time.perf_counter
        self._last = self._now()
        self.laps: dict[str, float] = {}
        self.peak_mb: dict[str, int] = {}  # the main process's peak RSS after each phase

    def lap(self, name: str) -> None:
        now = self._now()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 4)
        self._last = now
        try:
            import resource

            self.peak_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        except (ImportError, OSError):
            pass


def _first_existing(*candidates: Path) -> list[Path]:
    return [p for p in candidates if p.is_dir()][:1]


def template_layers(root: Path) -> list[Path]:
    """The archive's own `templates/` over the packaged ones, file by file: a folder
    copied from an older release still finds the templates added since."""
    layers: list[Path] = []
    for folder in (root / "templates", PROJECT_DIR / "templates"):
        if folder.is_dir() and all(folder.resolve() != known.resolve() for known in layers):
            layers.append(folder)
    return layers


def pack_counts(counts: dict) -> bytes:
    """An article's term counts as one bytes object (marshal: ~20x faster to read back
    than text, and a dict per article would need ~1 GB at 10,000 issues)."""
    return marshal.dumps(counts)


def unpack_counts(packed: bytes) -> dict[str, int]:
    return marshal.loads(packed) if packed else {}


@dataclass
class Catalog:
    """What the previous build knew, by content key: issue summaries with the
    keywords they were given, and the keyword table those came from. A rebuild
    takes unchanged issues from here without touching their parse cache entries.

    Stored as a whole (`FILE`) plus the few issues added and removed since
    (`MORE`, tied to the whole by a token): a one-issue rebuild writes a few KB,
    not every summary again (~0.2 s at 1,000 issues, ~2 s at 10,000).
    """

    issues: dict[str, Issue] = field(default_factory=dict)
    table: object = None  # tagging.keywords.KeywordTable
    #: the token and keys of the whole file this was loaded from (what `MORE` counts against)
    token: str | None = field(default=None, compare=False)
    whole_keys: frozenset = field(default=frozenset(), compare=False)

    FILE = "catalog.pickle"
    MORE = "catalog-more.pickle"
    KIND = "catalog/1"
    #: changes kept apart from the whole file: at most this many, or 2 % of the issues
    MORE_MAX = 64

    @classmethod
    def load(cls, directory: Path | None, version: str) -> "Catalog":
        if directory is None:
            return cls()
        with collector_paused():  # ~20 objects per article, none of them garbage
            whole = cachefile.load_pickle(directory / cls.FILE, cls.KIND)
            more = cachefile.load_pickle(directory / cls.MORE, cls.KIND) if whole is not None else None
        if not (isinstance(whole, tuple) and len(whole) == 4):
            return cls()
        stored_version, token, issues, table = whole
        if stored_version != version or not isinstance(issues, dict):
            return cls()
        catalog = cls(issues, table, token, frozenset(issues))
        if isinstance(more, tuple) and len(more) == 4 and more[:2] == (version, token):
            added, removed = more[2], more[3]
            for key in removed:
                issues.pop(key, None)
            issues.update(added)
        return catalog

    def save(self, directory: Path | None, version: str, since: "Catalog | None" = None,
             changes: "CatalogChanges | None" = None) -> None:
        """Only what changed since the whole file `since` was loaded from, when that is little
        (`changes`: `changes_since(since)`, when the caller has it already)."""
        if directory is None:
            return
        if changes is None and since is not None:
            changes = self.changes_since(since)
        if changes is not None:
            cachefile.dump_pickle(directory / self.MORE, self.KIND, (version, since.token, *changes))
            return
        token = os.urandom(8).hex()
        cachefile.dump_pickle(directory / self.FILE, self.KIND, (version, token, self.issues, self.table))
        (directory / self.MORE).unlink(missing_ok=True)  # (its token is the old one's anyway)

    def changes_since(self, base: "Catalog") -> "CatalogChanges | None":
        """(issues added, keys removed) against the whole file `base` was loaded from; None when
        the whole must be written (no such file, another keyword table, or too many changes).
        Equal keys hold equal summaries: a content key names the parse, and with the same
        keyword table an unchanged issue keeps its keywords."""
        if base.token is None or self.table is not base.table:
            return None
        added = {key: issue for key, issue in self.issues.items() if key not in base.whole_keys}
        removed = [key for key in base.whole_keys if key not in self.issues]
        if len(added) + len(removed) > max(self.MORE_MAX, len(self.issues) // 50):
            return None
        return added, removed


#: (issues added, keys removed) since a catalog's whole file (see `Catalog.changes_since`)
CatalogChanges = tuple[dict[str, Issue], list[str]]


@contextmanager
def collector_paused():
    """No automatic garbage collection inside: loading a pickle of ~100,000 objects
    made the collector walk the whole heap (~0.1 s) for no garbage at all."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class Forked:
    """`fn(*args)` in a forked child while this process goes on (the second core is
    otherwise idle). `result()` waits for its return value, pickled through a pipe;
    `wait()` for the child to exit. Runs inline where fork is missing."""

    def __init__(self, fn, *args):
        import time

        self.name = getattr(fn, "__qualname__", None) or type(fn).__name__  # not repr(): a bound method's shows its object
        self.seconds = 0.0  # how long `fn` took (for --timings)
        self._pid = None
        self._done = False
        started = time.perf_counter()
        if not hasattr(os, "fork"):
            self._value = fn(*args)
            self.seconds = time.perf_counter() - started
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            # short-lived, and what it allocates it keeps until it exits: the collector's
            # passes only cost (~0.07 s in a one-issue rebuild's search child), and its heap
            # can be faulted in by huge pages (~0.05 s less for the dictionaries, see `heap`)
            gc.disable()
            use_huge_pages()
            status = 1
            try:
                os.close(read)
                with os.fdopen(write, "wb") as pipe:
                    try:
                        value = fn(*args)
                    except BaseException:
                        import traceback

                        pickle.dump((False, traceback.format_exc()), pipe)
                        raise
                    pickle.dump((True, (value, time.perf_counter() - started)), pipe, protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def result(self):
        if self._pid is not None and not self._done:
            try:
                ok, value = pickle.load(self._pipe)
            except EOFError:
                ok, value = False, "it exited without a result"
            finally:
                self._pipe.close()
                self._done = True
            if not ok:
                self._reap()
                raise RuntimeError(f"{self.name} failed in a forked process: {value}")
            self._value, self.seconds = value
        return self._value

    def wait(self) -> None:
        """Wait for the child to exit (reading its result first, so it never blocks on the pipe)."""
        if self._pid is not None:
            self.result()
            if self._reap() != 0:
                raise RuntimeError(f"{self.name} failed in a forked process")

    def kill(self) -> None:
        """Stop the child at once (only while it cannot be writing anything but its result)."""
        if self._pid is not None:
            import signal

            os.kill(self._pid, signal.SIGKILL)
            if not self._done:
                self._pipe.close()
                self._done = True
            self._reap()

    def _reap(self) -> int:
        pid, self._pid = self._pid, None
        return os.waitpid(pid, 0)[1] if pid is not None else 0


def _reap_quietly(child: Forked) -> None:
    """Wait for a child of a build that failed: the build's own error is the one to report."""
    try:
        child.wait()
    except Exception:
        pass


class LazyToolkit:
    """Dictionaries are loaded only when something must be parsed or re-ranked
    (~0.7 s): a rebuild after a template change needs neither."""

    def __init__(self, data_dir: Path | None, cache_dir: Path | None = None):
        self.data_dir = data_dir
        self.cache_dir = cache_dir  # derived dictionary tables (see `tagging.keywords.SortedIDF`)
        self._toolkit: Toolkit | None = None
        self._loading = None

    def prefetch(self) -> None:
        """Load in a thread while this process only waits for parse workers: ranking
        keywords afterwards needs the dictionaries here too."""
        import threading

        if self._toolkit is None and self._loading is None:
            self._loading = threading.Thread(target=self._load, daemon=True)
            self._loading.start()

    def _load(self) -> None:
        self._toolkit = Toolkit.load(self.data_dir, self.cache_dir)

    def settle(self) -> None:
        """Wait for a prefetch: no thread may be importing when this process forks again."""
        if self._loading is not None:
            self._loading.join()
            self._loading = None

    def get(self) -> Toolkit:
        self.settle()
        if self._toolkit is None:
            self._load()
        return self._toolkit


#: set in pool workers only, by _summary_worker_init
_WORKER_CACHE: ParseCache | None = None


def _summary_worker_init(data_dir: Path | None, cache_dir: Path, salt: str) -> None:
    global _WORKER_TOOLKIT, _WORKER_CACHE
    _WORKER_TOOLKIT = Toolkit.load(data_dir, cache_dir)
    _WORKER_CACHE = ParseCache(cache_dir, salt=salt)


def _worker_summarise(job: tuple[str, str]):
    return summarise_file(job[0], job[1], _WORKER_TOOLKIT, _WORKER_CACHE)


def summarise_file(path: str, shown: str, toolkit: Toolkit, cache: ParseCache):
    """Read, parse, store the full issue in the cache and hand back only its summary
    and packed term counts: the main process never holds every body (nor the
    files' bytes). The key is computed from the bytes read here."""
    from .source import read_limited

    try:
        data = read_limited(path, shown)
    except SourceError as exc:
        return FileError(shown, exc.message, exc.line)
    return summarise_bytes(data, shown, cache.key(shown, data), toolkit, cache)


def summarise_bytes(data: bytes, shown: str, key: str, toolkit: Toolkit, cache: ParseCache):
    outcome = parse_bytes(data, shown, toolkit)
    if isinstance(outcome, FileError):
        return outcome
    outcome.content_key = key
    cache.put(key, outcome)
    return outcome.summary(), [pack_counts(a.term_counts) for a in outcome.articles]


#: files to parse from which keywords will likely be re-ranked here: load dictionaries meanwhile
PREFETCH_FROM = 20


@dataclass
class Collected:
    issues: list[Issue]  # summaries, in source order
    errors: list[FileError]
    counts: dict[str, list[bytes]]  # content key -> packed term counts of the issues parsed now
    weights: object = None  # tagging.KeywordWeights of the issues parsed now, when a child handed them over


def known_summaries(entries: list[SourceEntry], cache: ParseCache, catalog: Catalog) -> tuple[list, list[int]]:
    """Per entry its catalog summary (or read error), and the indexes of the entries to parse."""
    slots: list = [entry.error for entry in entries]
    todo = []
    for index, entry in enumerate(entries):
        if entry.error is not None:
            continue
        known = catalog.issues.get(entry.key)
        if known is not None and cache.has(entry.key):
            slots[index] = known
        else:
            todo.append(index)
    return slots, todo


def known_issues(entries: list[SourceEntry], cache: ParseCache, catalog: Catalog) -> list[Issue]:
    """The summaries the catalog holds unchanged, as `collect_summaries` will take them
    (what a small rebuild prepares while its parse child works)."""
    slots, _todo = known_summaries(entries, cache, catalog)
    return [s for s in slots if isinstance(s, Issue) and s.articles]


def read_tail_ahead(known: list[Issue], cache: ParseCache, docs_per_range: int) -> dict[str, Issue]:
    """The full issues of the search index's newest doc range, newest first, read from the
    parse cache (by `SearchAhead`, before it is told the build's issues): a new issue of the
    latest date lands in that range, which the search child then builds again."""
    from .search.docs import doc_order

    ndocs = sum(len(i.articles) for i in known)
    need = ndocs - (ndocs // docs_per_range) * docs_per_range or docs_per_range
    early: dict[str, Issue] = {}
    for issue in reversed(sorted(known, key=doc_order)):
        if need <= 0:
            break
        full = cache.get(issue.content_key)
        if full is not None:
            early[issue.content_key] = full
        need -= len(issue.articles)
    return early


def archive_ahead(known: list[Issue], cache_dir: Path | None):
    """`site.archive.build_archive` of the issues the catalog knows unchanged
    (see `render_site(grown_from=…)`), from the previous build's rank lists
    when they are of the very same issues (see `site.archive.ArchiveRecord`)."""
    from .site.archive import ArchiveRecord, build_archive

    return build_archive(known, ArchiveRecord(cache_dir) if cache_dir is not None else None)


def collect_summaries(entries: list[SourceEntry], cache: ParseCache, catalog: Catalog, toolkit: LazyToolkit,
                      jobs: int = 1, progress=None, parsed: dict | None = None) -> Collected:
    """Summaries of every source: from the catalog when unchanged, from `parsed` (entry
    index -> what `parse_fresh` made of it) when given, else parsed here (in parallel)."""
    slots, todo = known_summaries(entries, cache, catalog)
    parsed = parsed or {}
    todo = sorted(set(todo) | set(parsed))
    weights = []
    for index in parsed:
        outcome = parsed[index]
        if isinstance(outcome, tuple):
            outcome, weights_now = outcome[:2], outcome[2]
            weights.append(weights_now)
        slots[index] = outcome
    rest = [i for i in todo if i not in parsed]
    jobs_input = [(str(entries[i].path), entries[i].shown) for i in rest]
    if jobs > 1 and len(rest) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(rest)), initializer=_summary_worker_init,
                                 initargs=(toolkit.data_dir, cache.root, cache.salt)) as pool:
            outcomes = pool.map(_worker_summarise, jobs_input, chunksize=8)
            # only now, with every worker forked (a fork-context pool starts them all on
            # the first submit): a thread importing while a fork happens deadlocks the child
            if len(rest) >= PREFETCH_FROM:
                toolkit.prefetch()
            for index, outcome in zip(rest, _with_progress(outcomes, len(rest), progress)):
                slots[index] = outcome
    elif rest:
        kit = toolkit.get()
        for index, job in zip(rest, _with_progress(jobs_input, len(rest), progress)):
            slots[index] = summarise_file(*job, kit, cache)
    counts: dict[str, list[str]] = {}
    for index in todo:
        if isinstance(slots[index], tuple):
            summary, packed = slots[index]
            counts[summary.content_key] = packed
            slots[index] = summary
    cache.prune({entry.key for entry in entries if entry.key})
    merged = None
    if weights and not rest:  # every issue parsed now came with its weights
        from .tagging import KeywordWeights

        merged = KeywordWeights({w: v for k in weights for w, v in k.idf.items()}, weights[0].exclude)
    return Collected([s for s in slots if isinstance(s, Issue)], [s for s in slots if isinstance(s, FileError)], counts, merged)


class Ahead:
    """A child forked before what it works on is known: it runs `prepare()` at once (the
    slow start-up: dictionaries, imports, tables) while this process goes on, then waits
    for `submit(message)` and returns `finish(prepared, message)`. A build that turns
    out not to need it calls `stop` (before `submit`), which kills it."""

    def __init__(self, prepare: Callable[[], object], finish: Callable[[object, object], object]):
        read, self._send = os.pipe()
        try:
            self.child = Forked(_when_told, read, self._send, prepare, finish)
        finally:
            os.close(read)

    def submit(self, message) -> Forked:
        with os.fdopen(self._send, "wb") as pipe:
            self._send = None
            pickle.dump(message, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        return self.child

    @property
    def waiting(self) -> bool:
        """Not yet submitted nor stopped."""
        return self._send is not None

    def stop(self) -> None:
        """Before `submit` only: the child has written nothing yet (nothing but its result ever)."""
        if self._send is not None:
            os.close(self._send)
            self._send = None
            self.child.kill()


def _when_told(read: int, write: int, prepare, finish):
    os.close(write)  # else a parent gone before `submit` would leave this child waiting forever
    prepared = prepare()
    with os.fdopen(read, "rb") as pipe:
        try:
            message = pickle.load(pipe)
        except EOFError:  # stopped
            return None
    return finish(prepared, message)


class ParseAhead(Ahead):
    """Forked before the sources are scanned, loading the dictionaries (~0.3 s) meanwhile:
    a rebuild that finds a few new files hands them over (`submit`), any other is rid of
    it (`stop`). Then the child parses them as `parse_fresh` does."""

    def __init__(self, data_dir: Path | None, cache_dir: Path, tables_dir: Path | None):
        def prepare() -> Toolkit:
            toolkit = Toolkit.load(data_dir, tables_dir)
            toolkit.tagger.segmenter.warm_up()
            return toolkit

        super().__init__(prepare, lambda toolkit, told: _parse_jobs(told[0], toolkit, cache_dir, told[1]))

    def submit(self, jobs: list[tuple[str, str]], salt: str) -> Forked:
        """`salt`: the parse cache's, as this process knows it (see `tagging.data_version`)."""
        return super().submit((jobs, salt))


class SearchAhead(Ahead):
    """The search child of a small rebuild, forked before the parse child is done: it imports
    numpy, builds its tables and reads the newest range's issues (~0.25 s) beside the parse.
    Then it is told the build's issues (`submit`) and writes the index as `search_in_child`."""

    def __init__(self, known: list[Issue], catalog: "Catalog", cache: ParseCache, output, load_full,
                 early: dict[str, Issue], cache_dir: Path | None):
        def prepare():
            from .search import layout

            early.update(read_tail_ahead(known, cache, layout.RANGE))

        def finish(_prepared, told):
            from .site.urls import article_url

            return _write_search_index_here(_issues_told(told, catalog), output, article_url, load_full, cache_dir)

        super().__init__(prepare, finish)
        self._catalog = catalog

    def submit(self, issues: list[Issue], renamed: list) -> Forked:
        """The issues in build order: the child has the catalog's (as this process loaded it,
        before it renamed any), so those go by content key; the rest whole, with the renames
        (`_dedupe_slugs`'s)."""
        known = self._catalog.issues
        slugs = {id(issue) for issue, _slug, _ids in renamed}
        told = [issue.content_key if known.get(issue.content_key) is issue else issue for issue in issues]
        renames = [(i, issue.slug, [a.id for a in issue.articles]) for i, issue in enumerate(issues) if id(issue) in slugs]
        return super().submit((told, renames))


def _issues_told(told: tuple[list, list], catalog: "Catalog") -> list[Issue]:
    keys_or_issues, renames = told
    issues = [catalog.issues[x] if isinstance(x, str) else x for x in keys_or_issues]
    for i, slug, ids in renames:
        _rename(issues[i], slug, ids)
    return issues


def parse_fresh(jobs: list[tuple[str, str]], data_dir: Path | None, cache_dir: Path, salt: str,
                tables_dir: Path | None) -> list:
    """Load the dictionaries and parse a few files into the parse cache (in a child forked
    as soon as the sources are scanned): per (path, shown) job a FileError or (summary,
    packed term counts, `KeywordWeights` of its articles), so the parent ranks their
    keywords without loading any dictionary."""
    return _parse_jobs(jobs, Toolkit.load(data_dir, tables_dir), cache_dir, salt)


#: sources from which a build keeps the word table (`LexiconTable`): its child (~1.5 s of
#: CPU, at a low priority) hides in a build of that many issues; a smaller archive's build
#: would wait for it (the 5 samples: 2.7 -> 4.5 s), and its rebuilds are quick anyway
TABLES_MIN_SOURCES = 200


def tables_kept(cache_dir: Path, version: str, lexicon: bool) -> bool:
    from .tagging.keywords import SortedIDF
    from .tagging.segment import LexiconTable

    return SortedIDF.file(cache_dir).is_file() and (not lexicon or LexiconTable.file(cache_dir, version).exists())


def store_tables(data_dir: Path | None, cache_dir: Path, lexicon: bool = True) -> None:
    """Keep the dictionary tables a small rebuild's parse child loads in milliseconds
    (`SortedIDF`, and with `lexicon` the `LexiconTable`) where they are not kept yet. They only
    save time: a cache folder that cannot take them leaves the rebuilds slower, the build goes on."""
    from .tagging import Tagger
    from .tagging.keywords import SortedIDF

    try:  # the build's own processes come first (a tenth of a busy core is enough for this)
        os.nice(10)
    except OSError:
        pass
    stores = [SortedIDF.store] + ([lambda folder: Tagger.store_lexicon(data_dir, folder)] if lexicon else [])
    for store in stores:
        try:
            store(cache_dir)
        except OSError:
            pass


def _parse_jobs(jobs: list[tuple[str, str]], toolkit: Toolkit, cache_dir: Path, salt: str) -> list:
    cache = ParseCache(cache_dir, salt=salt)
    out = []
    for path, shown in jobs:
        outcome = summarise_file(path, shown, toolkit, cache)
        if isinstance(outcome, tuple):
            summary, packed = outcome
            outcome = (summary, packed, toolkit.tagger.keyword_weights([unpack_counts(p) for p in packed]))
        out.append(outcome)
    return out


def rank_keywords(issues: list[Issue], collected: Collected, catalog: Catalog, cache: ParseCache,
                  toolkit: LazyToolkit, version: str, jobs: int = 1):
    """Give keywords to the issues that need them; returns the keyword table and the issues ranked.

    While the keyword table stays the same (see `tagging.keywords.reference_size`)
    only newly parsed issues are ranked (with the weights their parser handed
    over, when it did: no dictionary is loaded here); when it changes, every issue
    is, with the term counts of unchanged issues read back from the parse cache.
    """
    from .tagging import assign_keywords, keyword_reference

    table_id, _ = keyword_reference(issues, version)
    table = catalog.table if getattr(catalog.table, "id", None) == table_id else None
    todo = [i for i in issues if i.content_key in collected.counts] if table is not None else issues
    if not todo:
        return table, todo
    counts_of: dict[int, bytes] = {}
    for issue in issues if table is None else todo:
        packed = collected.counts.get(issue.content_key)
        if packed is None:
            full = cached_full(cache, issue)
            packed = [pack_counts(a.term_counts) for a in full.articles]
        for article, counts in zip(issue.articles, packed):
            counts_of[id(article)] = counts

    def counts(article):
        return unpack_counts(counts_of.get(id(article), b""))

    if table is not None and collected.weights is not None:
        return assign_keywords(todo, table, counts, collected.weights), todo
    tagger = toolkit.get().tagger
    table = table or tagger.keyword_table(issues, counts)
    if jobs > 1 and sum(len(i.articles) for i in todo) >= PARALLEL_KEYWORDS and hasattr(os, "fork"):
        global _FORKED_KEYWORDS
        import multiprocessing

        _FORKED_KEYWORDS = (tagger, table, counts, todo)
        step = -(-len(todo) // (jobs * 2))
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                ranked = pool.starmap(_rank_chunk, [(i, i + step) for i in range(0, len(todo), step)])
        finally:
            _FORKED_KEYWORDS = None
        for start, chunk in zip(range(0, len(todo), step), ranked):
            for issue, keywords in zip(todo[start:], chunk):
                for article, words in zip(issue.articles, keywords):
                    article.keywords = words
        return table, todo
    return tagger.assign_keywords(todo, table=table, counts=counts), todo


def search_in_child(issues: list[Issue], output, article_url, load_full, cache_dir: Path | None) -> Forked:
    """`write_search_index` in a forked child, beside a small render in this process;
    its result is the index's stats and what it did to the output (`output.Recorder`)."""

    return Forked(_write_search_index_here, issues, output, article_url, load_full, cache_dir)


def _write_search_index_here(issues: list[Issue], output, article_url, load_full, cache_dir: Path | None):
    """In a forked child: the index's stats, the child's writes and kept files (`output.Recorder`), its timings."""
    from .output import Recorder
    from .runtime import Clock
    from .search import write_search_index

    recorder = Recorder(output)
    clock = Clock()
    with _collector_off():
        stats = write_search_index(issues, recorder, article_url, load_full=load_full, cache_dir=cache_dir, clock=clock)
    return stats, recorder.records(), clock.laps


@contextmanager
def _collector_off():
    """The collector off while the search index is written (as `write_search_index` had it)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


#: at most this many new files go to one child forked right after the scan (more: a pool of `jobs` workers)
CHILD_PARSE_MAX = 4


#: articles from which keyword ranking is worth forking for
PARALLEL_KEYWORDS = 3000
#: (tagger, table, counts, issues) a forked ranking worker inherits; set only around the fork
_FORKED_KEYWORDS = None


def _rank_chunk(start: int, end: int) -> list[list[list[str]]]:
    tagger, table, counts, todo = _FORKED_KEYWORDS
    chunk = todo[start:end]
    tagger.assign_keywords(chunk, table=table, counts=counts)
    return [[a.keywords for a in issue.articles] for issue in chunk]


def cached_full(cache: ParseCache, summary: Issue) -> Issue:
    """The full issue of `summary` from the parse cache; an entry found damaged (and dropped:
    see `cache.read`) or gone is parsed again from its source, as a clean build would."""
    full = cache.get(summary.content_key)
    return full if full is not None else reparse(cache, summary)


#: the toolkit a process loads to parse again a damaged cache entry (see `reparse`)
_REPAIR_TOOLKIT: Toolkit | None = None


def reparse(cache: ParseCache, summary: Issue) -> Issue:
    """Parse `summary`'s source again and keep the result in the cache."""
    global _REPAIR_TOOLKIT
    from .source import read_limited

    root = cache.source_root or Path.cwd()
    data = read_limited(root / summary.source, summary.source)
    key = cache.key(summary.source, data)
    if key != summary.content_key:
        raise SourceError(summary.source, "changed while the site was built: build again")
    if _REPAIR_TOOLKIT is None:
        _REPAIR_TOOLKIT = Toolkit.load(archive_data_dir(root), cache.root)
    issue = parse_bytes(data, summary.source, _REPAIR_TOOLKIT)
    if isinstance(issue, FileError):
        raise SourceError(issue.path, issue.message, issue.line)
    issue.content_key = key
    cache.put(key, issue)
    return issue


def full_issue_loader(cache: ParseCache, early: dict[str, Issue] | None = None):
    """`load_full(summary)`: the cached full issue with what later stages set on the summary
    (`early`: content key -> full issues read ahead, each handed out once)."""

    def load_full(summary: Issue) -> Issue:
        full = early.pop(summary.content_key, None) if early else None
        if full is None:
            full = cached_full(cache, summary)
        full.slug, full.district = summary.slug, summary.district
        for article, short in zip(full.articles, summary.articles):
            article.id = short.id
            article.districts, article.streets, article.topics = short.districts, short.streets, short.topics
            article.keywords, article.persons = short.keywords, short.persons
            article.term_counts = {}
        return full

    return load_full


def build(
    src: Path,
    out: Path,
    root: Path | None = None,
    base_url: str | None = None,
    jobs: int = 1,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress=None,
) -> BuildReport:
    """Build the site; only what changed is parsed, ranked, rendered and written.

    Every stage works from issue summaries; pages showing a body load their
    issue from the parse cache. The output is a transaction (`output.OutputTree`):
    a failed build leaves the previous site as it was.
    """
    import tempfile

    from .output import refuse_unsafe_out

    root = (root or Path.cwd()).resolve()
    refuse_unsafe_out(out, src, root, cache_dir or root / ".newsarchive-cache")
    data_dir = archive_data_dir(root)
    scratch = None if use_cache else Path(tempfile.mkdtemp(prefix="newsarchive-cache-"))
    froze = False  # see gc.freeze() below
    collecting = gc.isenabled()
    cache_root = scratch or (cache_dir or root / ".newsarchive-cache")
    ahead_parse = ahead_search = tables = None
    try:
        clock = PhaseClock()
        rebuild = use_cache and (out / BUILD_RECORD).is_file()
        if rebuild:
            # a rebuild's objects (modules, the catalog, the archive) live until it ends and
            # make next to no cycles: the collector's passes took ~0.09 s of a one-issue
            # rebuild (~150 of them, over young objects that all survive)
            gc.disable()
        if rebuild and jobs > 1 and hasattr(os, "fork"):
            # most likely of a few new files, whose parse needs the dictionaries
            ahead_parse = ParseAhead(data_dir, cache_root, cache_root)
        from .tagging import data_version

        version = data_version(data_dir)
        cache = ParseCache(cache_root, salt=version)
        cache.source_root = root
        scan_version = f"{code_version()}|{version}"
        known = SourceStats.load(cache_root if use_cache else None, scan_version)
        refused: list[FileError] = []
        entries = scan_sources(discover_sources(src, refused, root), root, cache, known)
        entries += [SourceEntry(error.path, None, "", error) for error in refused]
        clock.lap("scan")
        template_dirs = template_layers(root)
        static_dirs = _first_existing(root / "static", PROJECT_DIR / "static")
        fingerprint = build_fingerprint(entries, root, template_dirs + static_dirs, base_url)
        previous = read_build_record(out)
        if use_cache and previous.get("fingerprint") == fingerprint:
            # nothing that feeds the site changed: the site on disk is this build
            if any(e.hashed for e in entries):  # touched but unchanged files: remember their stats
                SourceStats.save(cache_root, scan_version, known, entries)
            return BuildReport(
                issues=previous.get("issues", 0),
                articles=previous.get("articles", 0),
                errors=[FileError(**e) for e in previous.get("errors", [])],
                warnings=previous.get("warnings", 0),
                search=previous.get("search", {}),
                out=out,
                skipped=True,
            )
        clock.lap("fingerprint")
        lexicon = len(entries) >= TABLES_MIN_SOURCES
        if use_cache and jobs > 1 and hasattr(os, "fork") and not tables_kept(cache_root, version, lexicon):
            # for the next small rebuild (~2 s on the second core, once per dictionary data);
            # now, while this process is small: a child forked later shares all of it
            # (counted again in the process tree's memory) and overlaps the search index
            tables = Forked(store_tables, data_dir, cache_root, lexicon)
        parsing = None
        fresh: list[int] = []
        if jobs > 1 and hasattr(os, "fork"):
            # a few new files: a child loads the dictionaries and parses them at once, while
            # this process reads the catalog, imports the later stages and reads the previous site
            fresh = [i for i, e in enumerate(entries) if e.error is None and e.hashed and not cache.has(e.key)]
            if 0 < len(fresh) <= CHILD_PARSE_MAX:
                todo = [(str(entries[i].path), entries[i].shown) for i in fresh]
                if ahead_parse is not None:
                    parsing = ahead_parse.submit(todo, version)
                else:
                    parsing = Forked(parse_fresh, todo, data_dir, cache_root, version, cache_root if use_cache else None)
        if ahead_parse is not None:
            ahead_parse.stop()  # not needed (unless just handed the files above)
        catalog = Catalog.load(cache_root if use_cache else None, version)
        # what is alive now (modules, the catalog: most of a rebuild's objects) lives the
        # whole build: the collector leaves it alone (a full collection took ~0.1 s each);
        # not when the caller froze objects itself (unfreezing at the end would undo that)
        if gc.get_freeze_count() == 0:
            gc.freeze()
            froze = True
        clock.lap("catalog")
        from .output import OutputTree

        search_cache = cache_root / "search" if use_cache else None
        early: dict[str, Issue] = {}
        load_full = full_issue_loader(cache, early)
        try:
            output = OutputTree(out, incremental=use_cache)
        except BaseException:
            if parsing is not None:
                _reap_quietly(parsing)
            raise
        saving = searching = search_child = None
        try:
            parsed_now = None
            ahead = unchanged = None
            if parsing is not None:
                # a few new files: the search child starts now (before this process imports the
                # later stages: ~0.08 s sooner), to be told the issues once they are ranked
                unchanged = known_issues(entries, cache, catalog)
                ahead_search = SearchAhead(unchanged, catalog, cache, output, load_full, early, search_cache)
            # a no-op build returned above without importing the heavier stages
            from .site import load_settings, render_site
            from .site.urls import article_url

            toolkit = LazyToolkit(data_dir, cache_root if use_cache else None)
            clock.lap("manifest")
            if parsing is not None:
                # while the child still parses, this process indexes what the site shows of the
                # issues known already (the render extends it by the new ones, see `extend_archive`)
                ahead = archive_ahead(unchanged, cache_root if use_cache else None)
                parsed_now = dict(zip(fresh, parsing.result()))
                parsing.wait()  # reaped: `serve` rebuilds in one long-lived process
            collected = collect_summaries(entries, cache, catalog, toolkit, jobs=jobs, progress=progress, parsed=parsed_now)
            clock.lap("parse")
            issues = [issue for issue in collected.issues if issue.articles]
            table, ranked = rank_keywords(issues, collected, catalog, cache, toolkit, version, jobs)
            toolkit.settle()  # before the forks below (catalog save, render workers, search)
            parsed = len(collected.counts)
            reranked = len(ranked) > parsed  # keywords of unchanged issues changed too
            # a small render (few new issues, no keywords ranked again) leaves the second core to the search index
            small = jobs > 1 and parsed <= CHILD_PARSE_MAX and not reranked and hasattr(os, "fork")
            to_save = None
            if use_cache and (collected.counts or len(catalog.issues) != len(issues) or table is not catalog.table):
                to_save = Catalog({i.content_key: i for i in issues}, table)
                if not small:
                    saving = Forked(to_save.save, cache_root, version, catalog)
            collected.counts.clear()
            renamed = _dedupe_slugs(issues)

            def search_beside() -> None:
                nonlocal searching
                searching = search_in_child(issues, output, article_url, load_full, search_cache)

            if small and parsed:
                # new or edited issues: their index shards are the longest task left, so they start now
                if ahead_search is not None:
                    searching = ahead_search.submit(issues, renamed)
                else:
                    search_beside()
            if ahead_search is not None:
                ahead_search.stop()  # not needed (unless just told the issues above)
            changes = to_save.changes_since(catalog) if to_save is not None and saving is None else None
            if changes is not None:
                save_catalog(to_save, renamed, cache_root, version, catalog, changes)  # the few changes: a few KB
                to_save = None
            clock.lap("keywords")
            settings = load_settings(root, base_url, cache_root if use_cache else None)

            grown_from = None
            if ahead is not None and small and not renamed:  # nobody's keywords nor slug changed since
                new = [i for i in issues if id(i) not in ahead.by_id]
                if len(new) + len(ahead.issues) == len(issues):
                    grown_from = (ahead, new)
            ahead = None
            rendered = render_site(issues, output, settings, template_dirs=template_dirs, static_dirs=static_dirs,
                                   jobs=jobs, load_full=load_full, cache_dir=cache_root if use_cache else None,
                                   beside=search_beside if small and searching is None else None, grown_from=grown_from)
            if to_save is not None and saving is None:
                # a small render the delta would not do for (`changes` above is None): the whole
                # catalog, saved now, on the core this process leaves while it waits for the search
                # child (beside the render, three processes shared two cores)
                saving = Forked(save_catalog, to_save, renamed, cache_root, version)
            clock.lap("render")
            if searching is not None:
                stats, records, search_steps = searching.result()
                output.take_over(records)
                searching.wait()
                search_child, searching = searching, None
            else:
                from .runtime import Clock
                from .search import write_search_index

                search_clock = Clock()
                with _collector_off():
                    stats = write_search_index(issues, output, article_url, load_full=load_full, cache_dir=search_cache,
                                               jobs=jobs, clock=search_clock)
                search_steps = search_clock.laps
            report = BuildReport(
                issues=len(issues),
                articles=sum(len(i.articles) for i in issues),
                errors=collected.errors,
                warnings=sum(len(i.warnings) for i in issues),
                search=stats or {},
                out=out,
                parsed=parsed,
                rendered=rendered.rendered,
            )
            output.write(BUILD_RECORD, build_record(fingerprint, report))
            report.rewritten = len(output.changed)
            report.removed = len(output.removed())
            clock.lap("search")
            SourceStats.save(cache_root if use_cache else None, scan_version, known, entries)
            for child in (saving, tables):
                if child is not None:
                    child.wait()
            output.commit()
            clock.lap("commit")
            report.timings = {**clock.laps, **{f"render.{k}": v for k, v in rendered.timings.items()},
                              **{f"search.{k}": v for k, v in search_steps.items() if isinstance(v, float)}}
            for name, child in (("parse.child", parsing), ("search.child", search_child)):
                if child is not None:  # seconds in a forked child, beside the phases above
                    report.timings[name] = round(child.seconds, 4)
            report.peak_mb = clock.peak_mb
        except BaseException:
            for child in (parsing, searching, saving, tables):
                if child is not None:
                    _reap_quietly(child)
            output.abort()
            raise
        return report
    finally:
        for child in (ahead_parse, ahead_search):
            if child is not None:
                child.stop()
        if tables is not None:  # (waited for already, unless the build failed)
            _reap_quietly(tables)
        if froze or (collecting and gc.get_freeze_count() == 0):
            # everything the build made goes to the oldest generation at once (`unfreeze` puts
            # the frozen objects there): a long-lived caller (`serve`) gets its garbage collected
            # again, and no pass starts over the ~100,000 objects left young while the collector
            # was off (~0.05 s on the first allocation after `enable`)
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


BUILD_RECORD = ".newsarchive-build.json"


def build_fingerprint(entries: list[SourceEntry], root: Path, asset_dirs: list[Path], base_url: str | None) -> str:
    """Everything a build's output depends on, hashed: sources, code, templates, data, settings."""
    import hashlib

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    extra_files = [root / "site.yaml", *sorted((root / "content").rglob("*") if (root / "content").is_dir() else [])]
    for folder in [package, *asset_dirs, root / "data"]:
        if folder.is_dir():
            extra_files += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in extra_files:
        if path.is_file():
            digest.update(path.as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for entry in entries:
        digest.update(f"{entry.shown}|{entry.key}|{entry.error}".encode())
    digest.update(f"base_url={base_url}".encode())
    return digest.hexdigest()


def read_build_record(out: Path) -> dict:
    import json

    try:
        return json.loads((out / BUILD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_record(fingerprint: str, report: "BuildReport") -> str:
    """What the no-op check reads back: the fingerprint and the report to repeat."""
    import json
    from dataclasses import asdict

    record = {
        "fingerprint": fingerprint,
        "issues": report.issues,
        "articles": report.articles,
        "warnings": report.warnings,
        "errors": [asdict(e) for e in report.errors],
        "search": report.search,
    }
    return json.dumps(record, ensure_ascii=False)
