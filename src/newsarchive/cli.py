"""Command line: only wires the stages together (see pipeline.py)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .model import SCHEMA
from .pipeline import discover_sources, parse_files


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsarchive")
def main() -> None:
    """Turn Chinese district-newspaper bulletins into a static news archive."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parse contract (schema 1) as JSON.")
@click.option("--no-tags", is_flag=True, help="Skip tagging (districts, streets, topics, keywords).")
def parse(files: tuple[Path, ...], as_json: bool, no_tags: bool) -> None:
    """Parse issue FILES into dated articles.

    Unreadable files are reported on stderr (file:line: error: …) and make the
    exit status 2; the other files are still parsed and printed.
    """
    paths: list[Path] = []
    missing = []
    for f in files:
        if f.is_dir():
            paths.extend(discover_sources(f))
        elif f.exists():
            paths.append(f)
        else:
            missing.append(f)
    result = parse_files(paths)
    for f in missing:
        click.echo(f"{f}: error: no such file", err=True)
    if not no_tags and result.issues:
        from .tagging import Tagger

        Tagger.load().tag_issues(result.issues)
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
def build(src: Path, out: Path, base_url: str | None) -> None:
    """Build the static archive from SRC into OUT.

    A file that cannot be read is reported (file:line: error: …) and skipped;
    the rest of the archive is still built, and the exit status is 1.
    """
    from .pipeline import build as run_build

    if not src.exists():
        raise click.UsageError(f"source folder '{src}' does not exist")
    report = run_build(src, out, base_url=base_url)
    for error in report.errors:
        click.echo(str(error), err=True)
    click.echo(
        f"built {report.issues} issues, {report.articles} articles into {out}/"
        f" ({report.warnings} warnings; run `newsarchive check` to see them)"
    )
    if report.errors:
        sys.exit(1)


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
