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
    )
