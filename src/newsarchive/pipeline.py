"""Wire the stages together: read → parse → date → tag → (render, index).

Each stage is a function of the previous stage's output; this module only
calls them in order, collects per-file errors so one bad file never stops the
archive, and swaps a finished site into place atomically.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .dates import date_issue
from .model import Issue, SourceError
from .parse import Lexicon, parse_source
from .cache import ParseCache
from .source import read_source, source_from_bytes

SOURCE_SUFFIXES = (".txt", ".md", ".text")


@dataclass
class FileError:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: error: {self.message}"


@dataclass
class ParseResult:
    issues: list[Issue] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def discover_sources(src: Path) -> list[Path]:
    """Issue files below `src`, in a stable order (URLs must not depend on build order)."""
    if src.is_file():
        return [src]
    found = [
        p
        for p in src.rglob("*")
        if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(src).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(src).as_posix())


def display_path(path: Path, root: Path | None) -> str:
    try:
        return path.resolve().relative_to((root or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def parse_file(path: Path, root: Path | None = None, lexicon: Lexicon | None = None) -> Issue:
    """Read, parse and date one file; raises SourceError for unreadable input."""
    source = read_source(path, display_path(path, root))
    return parse_and_date(source, lexicon)


def parse_and_date(source, lexicon: Lexicon | None = None) -> Issue:
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
    def load(cls, data_dir: Path | None = None) -> "Toolkit":
        from .tagging import Tagger

        tagger = Tagger.load(data_dir)
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
    try:
        issue = parse_and_date(source_from_bytes(data, shown), toolkit.lexicon)
    except SourceError as exc:
        return FileError(exc.path, exc.message, exc.line)
    toolkit.tagger.analyse_issue(issue)
    return issue


@dataclass
class SourceEntry:
    """A file's bytes and cache key, read once per build."""

    shown: str
    data: bytes | None
    key: str
    error: FileError | None = None


def scan_sources(paths: list[Path], root: Path | None, cache: ParseCache) -> list[SourceEntry]:
    entries = []
    for path in paths:
        shown = display_path(path, root)
        try:
            data = path.read_bytes()
        except OSError as exc:
            entries.append(SourceEntry(shown, None, "", FileError(shown, f"cannot read: {exc.strerror}")))
            continue
        entries.append(SourceEntry(shown, data, cache.key(shown, data)))
    return entries


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
        jobs_input = [(entries[i].data, entries[i].shown) for i in todo]
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


def _dedupe_slugs(issues: list[Issue]) -> None:
    """Two files may share a stem in different folders; keep URLs apart."""
    seen: dict[str, int] = {}
    for issue in sorted(issues, key=lambda i: i.source):
        n = seen.get(issue.slug, 0)
        seen[issue.slug] = n + 1
        if n:
            old = issue.slug
            issue.slug = f"{old}-{n + 1}"
            for article in issue.articles:
                article.id = issue.slug + article.id[len(old):]


def archive_data_dir(root: Path) -> Path | None:
    """An archive's own data/ (gazetteer and topic additions), when it has one."""
    return root / "data" if (root / "data").is_dir() else None


def swap_in(tmp_out: Path, out: Path) -> None:
    """Replace `out` by a completed build: a failed build leaves the old site alone."""
    out = out.resolve()
    backup = None
    if out.exists():
        backup = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, backup)
    os.replace(tmp_out, out)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def make_temp_out(out: Path) -> Path:
    out.resolve().parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.resolve().parent))


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


def _first_existing(*candidates: Path) -> list[Path]:
    return [p for p in candidates if p.is_dir()][:1]


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
    """Build the whole site into a temporary folder, then swap it in."""
    from .search import write_search_index
    from .site import load_settings, render_site
    from .site.urls import article_url

    root = (root or Path.cwd()).resolve()
    data_dir = archive_data_dir(root)
    toolkit = Toolkit.load(data_dir)
    cache = ParseCache((cache_dir or root / ".newsarchive-cache") if use_cache else None, salt=toolkit.version)
    entries = scan_sources(discover_sources(src), root, cache)
    template_dirs = _first_existing(root / "templates", PROJECT_DIR / "templates")
    static_dirs = _first_existing(root / "static", PROJECT_DIR / "static")
    fingerprint = build_fingerprint(entries, root, template_dirs + static_dirs, base_url)
    previous = read_build_record(out)
    if use_cache and previous.get("fingerprint") == fingerprint:
        # nothing that feeds the site changed: the site on disk is this build
        return BuildReport(
            issues=previous.get("issues", 0),
            articles=previous.get("articles", 0),
            errors=[FileError(**e) for e in previous.get("errors", [])],
            warnings=previous.get("warnings", 0),
            search=previous.get("search", {}),
            out=out,
            skipped=True,
        )
    result = parse_files([], root, toolkit, cache=cache, jobs=jobs, progress=progress, entries=entries, data_dir=data_dir)
    result.issues = [issue for issue in result.issues if issue.articles]
    toolkit.tagger.assign_keywords(result.issues)
    for issue in result.issues:  # ranked: at 10,000 issues the counts are ~1 GB
        for article in issue.articles:
            article.term_counts = {}
    settings = load_settings(root, base_url)
    tmp = make_temp_out(out)
    try:
        render_site(
            result.issues,
            tmp,
            settings,
            template_dirs=template_dirs,
            static_dirs=static_dirs,
            jobs=jobs,
        )
        stats = write_search_index(
            result.issues, tmp, article_url,
            cache_dir=(cache_dir or root / ".newsarchive-cache") / "search" if use_cache else None,
        )
        report = BuildReport(
            issues=len(result.issues),
            articles=sum(len(i.articles) for i in result.issues),
            errors=result.errors,
            warnings=sum(len(i.warnings) for i in result.issues),
            search=stats or {},
            out=out,
        )
        write_build_record(tmp, fingerprint, report)
        report.rewritten = keep_unchanged_files(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(tmp, out)
    return report


def keep_unchanged_files(new: Path, old: Path) -> int:
    """Hard-link every file whose bytes did not change to the previous build's copy.

    The new site is still complete in its own folder (and swapped in whole),
    but a page the change did not touch keeps its inode and mtime: deploys and
    `rsync` see only what really changed. Returns the number of new or changed files.
    """
    changed = 0
    if not old.is_dir():
        return sum(1 for p in new.rglob("*") if p.is_file())
    for path in new.rglob("*"):
        if not path.is_file() or path.name == BUILD_RECORD:
            continue
        before = old / path.relative_to(new)
        try:
            same = before.stat().st_size == path.stat().st_size and before.read_bytes() == path.read_bytes()
        except OSError:
            same = False
        if not same:
            changed += 1
            continue
        try:
            tmp_link = path.with_name(path.name + ".link")
            os.link(before, tmp_link)
            os.replace(tmp_link, path)
        except OSError:
            pass  # another file system, or no hard links: the fresh copy is fine
    return changed


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


def write_build_record(site: Path, fingerprint: str, report: "BuildReport") -> None:
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
    (site / BUILD_RECORD).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
