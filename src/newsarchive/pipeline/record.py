"""What a build reports, and the record that lets the next build see that nothing changed."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .sources import FileError, SourceEntry

#: in the output folder: the fingerprint of the inputs it was built from, and the report
BUILD_RECORD = ".newsarchive-build.json"
_PACKAGE = Path(__file__).resolve().parents[1]


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
    output_bytes: int = 0  # the site's files, the build's own records aside
    output_files: int = 0
    output_limit_mb: int = 0  # `site.yaml`'s `output_limit_mb`


def build_fingerprint(entries: list[SourceEntry], root: Path, asset_dirs: list[Path], base_url: str | None) -> str:
    """Everything a build's output depends on, hashed: sources, code, templates, data, settings."""
    digest = hashlib.sha256()
    extra_files = [root / "site.yaml", *sorted((root / "content").rglob("*") if (root / "content").is_dir() else [])]
    for folder in [_PACKAGE, *asset_dirs, root / "data"]:
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
    try:
        return json.loads((out / BUILD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_record(fingerprint: str, report: BuildReport) -> str:
    """What the no-op check reads back: the fingerprint and the report to repeat."""
    record = {
        "fingerprint": fingerprint,
        "issues": report.issues,
        "articles": report.articles,
        "warnings": report.warnings,
        "errors": [asdict(e) for e in report.errors],
        "search": report.search,
        "output_bytes": report.output_bytes,
        "output_files": report.output_files,
        "output_limit_mb": report.output_limit_mb,
    }
    return json.dumps(record, ensure_ascii=False)


def unchanged_report(record: dict, out: Path) -> BuildReport:
    """The report of the build that made `out`, for a build that found nothing to do."""
    return BuildReport(
        issues=record.get("issues", 0),
        articles=record.get("articles", 0),
        errors=[FileError(**e) for e in record.get("errors", [])],
        warnings=record.get("warnings", 0),
        search=record.get("search", {}),
        out=out,
        skipped=True,
        output_bytes=record.get("output_bytes", 0),
        output_files=record.get("output_files", 0),
        output_limit_mb=record.get("output_limit_mb", 0),
    )


#: a build warns from this share of `output_limit_mb` on, before the site is too big to publish
OUTPUT_WARN_SHARE = 0.9


def output_size(report: BuildReport) -> str:
    """`1,555.5 MB in 170,248 files` (MB of 10⁶ bytes, as GitHub Pages counts its 1 GB)."""
    return f"{report.output_bytes / 1e6:,.1f} MB in {report.output_files:,} files"


def output_warning(report: BuildReport) -> str | None:
    """A warning once the site nears or passes `output_limit_mb`, else None."""
    limit = report.output_limit_mb * 1_000_000
    if not limit or report.output_bytes < limit * OUTPUT_WARN_SHARE:
        return None
    share = report.output_bytes / limit
    where = "over" if share > 1 else f"{share:.0%} of"
    return (f"warning: the site is {output_size(report)}, {where} the output limit of "
            f"{report.output_limit_mb:,} MB (site.yaml `output_limit_mb`; GitHub Pages publishes sites "
            f"of at most 1 GB); fewer keyword pages or a split archive keep it publishable")
