"""Command line: only wires the stages together (see pipeline.py)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from .model import SCHEMA
from .pipeline import Toolkit, archive_data_dir, discover_sources, parse_files


class _OneLineErrors(click.Group):
    """An error the user can cause is one line on stderr (`file:line: error: …`, or
    `newsarchive: error: …`) and exit status 1, never a traceback; `--debug` (or
    NEWSARCHIVE_DEBUG=1) shows the traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get("debug") or os.environ.get("NEWSARCHIVE_DEBUG"):
                raise
            click.echo(one_line(exc), err=True)
            sys.exit(1)


def one_line(exc: BaseException) -> str:
    """The message of an error, as one line."""
    from .model import SourceError
    from .source import shown_path

    if isinstance(exc, SourceError):
        return shown_path(str(exc))
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return shown_path(f"newsarchive: error: {exc.strerror}{where}")
    text = " ".join(str(exc).split()) or type(exc).__name__
    known = type(exc).__name__ in ("OutputError", "SettingsError")
    return shown_path(f"newsarchive: error: {text}" + ("" if known else f" ({type(exc).__name__}; --debug shows where)"))


def _set_debug(ctx: click.Context, _param, value: bool) -> None:
    if value:
        ctx.meta["debug"] = True


def debug_option(fn):
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
                        help="Show the Python traceback of an error.")(fn)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsarchive")
@debug_option
def main() -> None:
    """Turn Chinese district-newspaper bulletins into a static news archive."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parse contract (schema 1) as JSON.")
@click.option("--no-tags", is_flag=True, help="Skip tagging (districts, streets, topics, keywords).")
@debug_option
def parse(files: tuple[Path, ...], as_json: bool, no_tags: bool) -> None:
    """Parse issue FILES into dated articles.

    Unreadable files are reported on stderr (file:line: error: …) and make the
    exit status 2; the other files are still parsed and printed.
    """
    paths: list[Path] = []
    missing = []
    refused: list = []
    for f in files:
        if f.is_dir():
            paths.extend(discover_sources(f, refused))
        elif f.exists():
            paths.append(f)
        else:
            missing.append(f)
    toolkit = Toolkit.load(archive_data_dir(Path.cwd()))
    result = parse_files(paths, toolkit=toolkit)
    result.errors[:0] = refused
    from .source import shown_path

    for f in missing:
        click.echo(f"{shown_path(str(f))}: error: no such file", err=True)
    if no_tags:
        for issue in result.issues:
            for article in issue.articles:
                article.districts, article.streets, article.topics, article.persons = [], [], [], []
    elif result.issues:
        toolkit.tagger.assign_keywords(result.issues)
    for error in result.errors:
        click.echo(str(error), err=True)
    if as_json:
        doc = {"schema": SCHEMA, "issues": [issue.to_dict() for issue in result.issues]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for issue in result.issues:
            _print_issue(issue)
    if result.errors or missing:
        sys.exit(2)


@main.command()
@click.option("--src", default="articles", show_default=True, type=click.Path(path_type=Path), help="Folder of issue files.")
@click.option("--out", default="_site", show_default=True, type=click.Path(path_type=Path), help="Output folder (replaced only when the build succeeds).")
@click.option("--base-url", default=None, help="Absolute site URL for feeds, sitemap and canonical links (e.g. https://user.github.io/repo/).")
@click.option("--jobs", "-j", default=min(os.cpu_count() or 1, 8), show_default="number of CPUs, at most 8", type=click.IntRange(1, 64), help="Parse and render on N processes.")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write .newsarchive-cache/.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--timings", is_flag=True, help="Print the seconds each build phase took (stderr).")
@debug_option
def build(src: Path, out: Path, base_url: str | None, jobs: int, no_cache: bool, quiet: bool, timings: bool) -> None:
    """Build the static archive from SRC into OUT.

    A file that cannot be read is reported (file:line: error: …) and skipped;
    the rest of the archive is still built, and the exit status is 1.
    """
    from .pipeline import build as run_build
    from .pipeline.record import output_size, output_warning
    from .runtime import no_collection_at_exit

    if not src.exists():
        raise click.UsageError(f"source folder '{src}' does not exist")
    no_collection_at_exit()
    show_progress = not quiet and sys.stderr.isatty() and not os.environ.get("CI")
    report = run_build(
        src,
        out,
        base_url=base_url,
        jobs=jobs,
        use_cache=not no_cache,
        progress=(lambda **kw: click.progressbar(file=sys.stderr, **kw)) if show_progress else None,
    )
    for error in report.errors:
        click.echo(str(error), err=True)
    if timings and report.timings:
        click.echo("timings: " + ", ".join(f"{k} {v:.3f}s" for k, v in report.timings.items()), err=True)
        click.echo("peak RSS MB after: " + ", ".join(f"{k} {v}" for k, v in report.peak_mb.items()), err=True)
    verb = "up to date:" if report.skipped else f"{report.rewritten} files changed; built"
    click.echo(
        f"{verb} {report.issues} issues, {report.articles} articles in {out}/ ({output_size(report)};"
        f" {report.warnings} warnings; run `newsarchive check` to see them)"
    )
    warning = output_warning(report)
    if warning:
        click.echo(warning, err=True)
    if report.errors:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@debug_option
def check(paths: tuple[Path, ...], fmt: str) -> None:
    """Lint issue files (default: articles/): one line per finding with file:line,
    severity and a fix hint. Exit status 1 when there are errors, 0 on warnings only."""
    from .check import check_archive, exit_status

    files: list[Path] = []
    refused: list = []
    for p in paths or (Path("articles"),):
        files.extend(discover_sources(p, refused) if p.is_dir() else [p])
    toolkit = Toolkit.load(archive_data_dir(Path.cwd()))
    result = parse_files(files, toolkit=toolkit)
    result.errors[:0] = refused
    toolkit.tagger.assign_keywords(result.issues)
    findings = check_archive(result, toolkit.tagger.place_names(), toolkit.tagger.segmenter)
    from .tagging import format_home, home_report

    homes = home_report(toolkit.tagger, result.issues)  # where each paper is, and how sure (stderr)
    if fmt == "json":
        click.echo(json.dumps({"findings": [f.to_dict() for f in findings], "homes": homes,
                               "errors": sum(f.severity == "error" for f in findings),
                               "warnings": sum(f.severity == "warning" for f in findings)}, ensure_ascii=False, indent=2))
    else:
        for f in findings:
            click.echo(f.format())
        for entry in homes:
            click.echo(format_home(entry), err=True)
        errors = sum(f.severity == "error" for f in findings)
        click.echo(f"{len(files) + len(refused)} files, {sum(len(i.articles) for i in result.issues)} articles: "
                   f"{errors} errors, {len(findings) - errors} warnings", err=True)
    sys.exit(exit_status(findings))


@main.command()
@click.option("--date", "date_", required=True, help="Issue date, YYYY-MM-DD.")
@click.option("--publication", default=None, help="Newspaper name, e.g. 港闸报.")
@click.option("--page", default=None, help="Page (版次).")
@click.option("--district", default=None, help="The district 我区/区委 refer to.")
@click.option("--slug", default=None, help="ASCII name part for the file and its URLs.")
@click.option("--dir", "folder", default="articles", show_default=True, type=click.Path(path_type=Path))
def new(date_: str, publication: str | None, page: str | None, district: str | None, slug: str | None, folder: Path) -> None:
    """Write a ready issue file with front matter into articles/ and print its path."""
    from .check import new_issue_path, new_issue_text
    from .dates import normalise_date

    date = normalise_date(date_)
    if date is None:
        raise click.BadParameter(f"'{date_}' is not a date like 2020-05-19", param_hint="--date")
    if slug is not None and not slug.isascii():
        raise click.BadParameter("use ASCII letters, digits and '-'", param_hint="--slug")
    folder.mkdir(parents=True, exist_ok=True)
    path = new_issue_path(folder, date, page, slug)
    path.write_text(new_issue_text(date, publication, page, district), encoding="utf-8")
    click.echo(path.as_posix())


@main.command()
@click.option("--src", default="articles", show_default=True, type=click.Path(path_type=Path))
@click.option("--out", default="_site", show_default=True, type=click.Path(path_type=Path))
@click.option("--port", default=8000, show_default=True, type=int)
def serve(src: Path, out: Path, port: int) -> None:
    """Build, serve OUT on 127.0.0.1, rebuild when issue files, templates,
    static assets or data change, and reload the open page."""
    from .pipeline import Session
    from .pipeline import build as run_build
    from .serve import serve as run_server

    session = Session()  # the dictionaries, loaded once for every rebuild

    def rebuild() -> None:
        report = run_build(src, out, session=session)
        for error in report.errors:
            click.echo(str(error), err=True)
        click.echo(f"built {report.issues} issues, {report.articles} articles")

    rebuild()
    watched = [src, Path("templates"), Path("static"), Path("data"), Path("site.yaml"), Path("content")]
    run_server(rebuild, out.resolve(), watched, port=port, echo=click.echo)


def _print_issue(issue) -> None:
    click.secho(f"{issue.source}  {issue.date or '????-??-??'} ({issue.date_source})  {len(issue.articles)} articles", bold=True)
    for w in issue.warnings:
        click.echo(f"  {issue.source}:{w.line}: {w.severity}: {w.message}")
    for a in issue.articles:
        head = " / ".join(x for x in (a.kicker, a.title, a.subtitle) if x) or a.display_title
        click.echo(f"  {a.number:>3} [{a.kind}] lines {a.lines[0]}–{a.lines[1]}  {head}")
        extra = []
        if a.authors:
            extra.append("authors: " + "、".join(a.authors))
        if a.event_date:
            extra.append("event: " + a.event_date)
        if a.continued_from:
            extra.append("continued from " + a.continued_from)
        if a.districts or a.streets:
            extra.append("places: " + "、".join(a.districts + a.streets))
        if a.topics:
            extra.append("topics: " + "、".join(a.topics))
        if extra:
            click.echo("      " + "; ".join(extra))


if __name__ == "__main__":  # pragma: no cover
    main()
