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
from .source import read_source

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
    issue = parse_source(source, lexicon)
    date_issue(issue, source)
    return issue


def parse_files(paths: list[Path], root: Path | None = None, lexicon: Lexicon | None = None) -> ParseResult:
    result = ParseResult()
    lexicon = lexicon or Lexicon()
    for path in paths:
        try:
            result.issues.append(parse_file(path, root, lexicon))
        except SourceError as exc:
            result.errors.append(FileError(exc.path, exc.message, exc.line))
    _dedupe_slugs(result.issues)
    return result


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


def _first_existing(*candidates: Path) -> list[Path]:
    return [p for p in candidates if p.is_dir()][:1]


def build(
    src: Path,
    out: Path,
    root: Path | None = None,
    base_url: str | None = None,
) -> BuildReport:
    """Build the whole site into a temporary folder, then swap it in."""
    from .search import write_search_index
    from .site import load_settings, render_site
    from .site.urls import article_url
    from .tagging import Tagger

    root = (root or Path.cwd()).resolve()
    lexicon = Lexicon()
    result = parse_files(discover_sources(src), root, lexicon)
    tagger = Tagger.load(root / "data" if (root / "data").is_dir() else None)
    tagger.tag_issues(result.issues)
    settings = load_settings(root, base_url)
    tmp = make_temp_out(out)
    try:
        render_site(
            result.issues,
            tmp,
            settings,
            template_dirs=_first_existing(root / "templates", PROJECT_DIR / "templates"),
            static_dirs=_first_existing(root / "static", PROJECT_DIR / "static"),
        )
        stats = write_search_index(result.issues, tmp, article_url)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_in(tmp, out)
    return BuildReport(
        issues=len(result.issues),
        articles=sum(len(i.articles) for i in result.issues),
        errors=result.errors,
        warnings=sum(len(i.warnings) for i in result.issues),
        search=stats or {},
        out=out,
    )
