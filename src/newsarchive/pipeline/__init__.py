"""The build: scan → parse → tag → render (plan and pages) → index → publish.

`build()` below is the whole pipeline, one call per stage. Each stage lives in
its own module and hands the next plain data:

- `sources`: the issue files and their cache keys (`SourceEntry`);
- `parsing`: issues parsed, dated and analysed, or taken from the catalog (`Parsed`);
- `keywords`: keywords ranked over the whole archive; `catalog` keeps the result;
- `site.render_site`: the pages; `search.write_search_index`: the search index;
- `output.OutputTree`: the new site, swapped in whole when every stage is done.

Every cache file lives in one folder (`.newsarchive-cache/` by default) and goes
through `cache.py`. A build that finds its inputs' fingerprint unchanged stops
after the scan, without loading anything else.
"""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import ParseCache, code_version
from ..model import Issue
from ..runtime import Clock, collector_paused
from .catalog import Catalog, save_catalog
from .keywords import rank_keywords
from .parsing import (Dictionaries, FullIssues, Parsed, ParseResult, Toolkit, dedupe_slugs, parse_bytes,
                      parse_file, parse_files, parse_sources)
from .record import BUILD_RECORD, BuildReport, build_fingerprint, build_record, read_build_record, unchanged_report
from .sources import (PROJECT_DIR, FileError, SourceEntry, SourceStats, archive_data_dir, discover_sources,
                      display_path, display_paths, scan_sources, static_layers, template_layers)

__all__ = [
    "BUILD_RECORD", "PROJECT_DIR", "BuildReport", "Catalog", "Dictionaries", "FileError", "FullIssues",
    "ParseResult", "Parsed", "Session", "SourceEntry", "Toolkit", "archive_data_dir", "build",
    "discover_sources", "display_path", "display_paths", "parse_bytes", "parse_file", "parse_files",
]


class Session:
    """What a long-lived process keeps between builds: `serve` makes one and hands it to
    every rebuild, so the dictionaries are loaded once, not on every save."""

    def __init__(self) -> None:
        self._dictionaries: Dictionaries | None = None

    def dictionaries(self, data_dir: Path, cache_dir: Path | None) -> Dictionaries:
        if self._dictionaries is None or not self._dictionaries.serves(data_dir, cache_dir):
            self._dictionaries = Dictionaries(data_dir, cache_dir)
        return self._dictionaries


@dataclass
class Scan:
    """The scan stage's result: every source with its key, and what the output depends on."""

    root: Path
    entries: list[SourceEntry]
    cache: ParseCache
    version: str  # of the dictionary data: salts every parse
    keep: Path | None  # the cache folder, or None for a build that keeps nothing
    stats: dict | None  # `SourceStats` of the previous build, updated by the scan
    fingerprint: str
    template_dirs: list[Path] = field(default_factory=list)
    static_dirs: list[Path] = field(default_factory=list)

    def remember(self) -> None:
        """Keep the sources' stat signatures for the next scan."""
        SourceStats.save(self.keep, self._stats_version(self.version), self.stats, self.entries)

    @staticmethod
    def _stats_version(version: str) -> str:
        return f"{code_version()}|{version}"


def build(
    src: Path,
    out: Path,
    root: Path | None = None,
    base_url: str | None = None,
    jobs: int = 1,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress=None,
    session: Session | None = None,
) -> BuildReport:
    """Build the site from `src` into `out`; only what changed is parsed, ranked, rendered
    and written. The output is a transaction: a failed build leaves the previous site as it was."""
    from ..output import refuse_unsafe_out

    root = (root or Path.cwd()).resolve()
    cache_dir = cache_dir or root / ".newsarchive-cache"
    refuse_unsafe_out(out, src, root, cache_dir)
    with _cache_folder(cache_dir, use_cache) as (cache_root, keep):
        clock = Clock()
        with collector_paused():  # loading and parsing make next to no reference cycles
            scan = scan_archive(src, root, cache_root, keep, base_url)
            clock.lap("scan")
            previous = read_build_record(out)
            if keep is not None and previous.get("fingerprint") == scan.fingerprint:
                scan.remember()  # touched but unchanged files: their new stat signatures
                return unchanged_report(previous, out)
            dictionaries = (session or Session()).dictionaries(archive_data_dir(root), keep)
            catalog = Catalog.load(keep, scan.version)
            clock.lap("catalog")
            parsed = parse_sources(scan.entries, scan.cache, dictionaries, known=catalog.issues, jobs=jobs,
                                   progress=progress)
            clock.lap("parse")
            full_issues = FullIssues(scan.cache, dictionaries, root)
            issues = tag_archive(parsed, catalog, scan, full_issues, dictionaries, jobs)
            clock.lap("keywords")
        # rendering does make cycles (a jinja page's imported macros and its context), each
        # holding the full issue it showed: the collector frees them as the pages go
        report = render_and_publish(issues, parsed, scan, out, base_url, full_issues, jobs, clock)
        dictionaries.keep_tables(len(scan.entries))
        clock.lap("tables")
        report.timings, report.peak_mb = clock.laps, clock.peak_mb
        return report


@contextmanager
def _cache_folder(cache_dir: Path, use_cache: bool):
    """(folder for the parse cache, folder whose caches outlive the build or None).
    Without the cache, the parse cache still holds this build's full issues, in a
    scratch folder removed at the end."""
    if use_cache:
        yield cache_dir, cache_dir
        return
    scratch = Path(tempfile.mkdtemp(prefix="newsarchive-cache-"))
    try:
        yield scratch, None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def scan_archive(src: Path, root: Path, cache_root: Path, keep: Path | None, base_url: str | None) -> Scan:
    """The scan stage: every source file's key (read only when its stat changed), and the
    fingerprint of everything the output depends on."""
    from ..tagging import data_version

    version = data_version(archive_data_dir(root))
    cache = ParseCache(cache_root, salt=version)
    cache.source_root = root
    stats = SourceStats.load(keep, Scan._stats_version(version))
    refused: list[FileError] = []
    entries = scan_sources(discover_sources(src, refused, root), root, cache, stats)
    entries += [SourceEntry(error.path, "", error) for error in refused]
    template_dirs, static_dirs = template_layers(root), static_layers(root)
    fingerprint = build_fingerprint(entries, root, template_dirs + static_dirs, base_url)
    return Scan(root, entries, cache, version, keep, stats, fingerprint, template_dirs, static_dirs)


def tag_archive(parsed: Parsed, catalog: Catalog, scan: Scan, full_issues: FullIssues,
                dictionaries: Dictionaries, jobs: int) -> list[Issue]:
    """The tag stage's archive-wide half: keywords, unique slugs, and the catalog the next
    build starts from. Returns the issues with articles, in source order."""
    issues = [issue for issue in parsed.issues if issue.articles]
    table, _ranked = rank_keywords(issues, parsed.counts, catalog, full_issues, dictionaries, scan.version, jobs)
    renamed = dedupe_slugs(issues)
    changed = parsed.counts or len(catalog.issues) != len(issues) or table is not catalog.table
    if scan.keep is not None and changed:
        save_catalog(Catalog({i.content_key: i for i in issues}, table), renamed, scan.keep, scan.version, catalog)
    return issues


def render_and_publish(issues: list[Issue], parsed: Parsed, scan: Scan, out: Path, base_url: str | None,
                       full_issues: FullIssues, jobs: int, clock: Clock) -> BuildReport:
    """The render, index and publish stages, into a new output tree swapped in at the end."""
    from ..output import OutputTree
    from ..search import write_search_index
    from ..site import load_settings, render_site
    from ..site.urls import article_url

    output = OutputTree(out, incremental=scan.keep is not None)
    try:
        settings = load_settings(scan.root, base_url, scan.keep)
        rendered = render_site(issues, output, settings, template_dirs=scan.template_dirs,
                               static_dirs=scan.static_dirs, jobs=jobs, load_full=full_issues,
                               cache_dir=scan.keep, clock=clock.child("render"))
        clock.lap("render")
        with collector_paused():  # the index's arrays and lists make no cycles
            stats = write_search_index(issues, output, article_url, load_full=full_issues,
                                       cache_dir=scan.keep / "search" if scan.keep is not None else None,
                                       jobs=jobs, clock=clock.child("search"))
        report = BuildReport(
            issues=len(issues),
            articles=sum(len(i.articles) for i in issues),
            errors=parsed.errors,
            warnings=sum(len(i.warnings) for i in issues),
            search=stats or {},
            out=out,
            parsed=len(parsed.counts),
            rendered=rendered.rendered,
            output_limit_mb=settings.output_limit_mb,
        )
        report.output_bytes, report.output_files = output.size()
        output.write(BUILD_RECORD, build_record(scan.fingerprint, report))
        report.rewritten, report.removed = len(output.changed), len(output.removed())
        clock.lap("search")
        scan.remember()
        output.commit()
        clock.lap("commit")
    except BaseException:
        output.abort()
        raise
    return report
