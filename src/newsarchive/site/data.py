"""The data download: every article with its fields and tags, as JSON lines and as CSV.

The download is one pair of files per year (`data/articles-2020.jsonl.gz`, and
`-undated` for issues without a date): no file nears a host's file size limit as
the archive grows, and a rebuild compresses again only the years whose issues
changed. Each lists its articles newest issue first, in page order, so each is
the issues' lines one after another. An issue's lines are a function of the issue
alone (its fingerprint) and of the code and settings (the render's base):
`IssueLines` keeps them between builds, and a rebuild serialises only the new
or changed issues' rows. The files are gzip-compressed.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import Iterator

from ..cache import dump_marshal, load_marshal
from . import urls
from .archive import Archive, Entry
from .settings import Settings

DATA_FIELDS = ("url", "id", "publication", "date", "date_source", "page", "page_name", "number", "kind", "kicker",
               "title", "subtitle", "byline", "authors", "event_date", "continued_from", "continued_to",
               "districts", "streets", "topics", "keywords", "persons", "chars", "source", "lines")
#: gzip-compressed (a fifth of the size; every browser and data tool opens them)
DATA_EXTENSIONS = ("jsonl.gz", "csv.gz")
UNDATED = "undated"
#: gzip's own default: level 9 makes the files ~5 % smaller at twice the time, on every rebuild
COMPRESSLEVEL = 6


def data_files(part: str) -> tuple[str, str]:
    """The JSON-lines and CSV files of one year (or `UNDATED`)."""
    return tuple(f"data/articles-{part}.{ext}" for ext in DATA_EXTENSIONS)


def data_parts(archive: Archive) -> list[tuple[str, int]]:
    """(year or `UNDATED`, articles) of every file pair, newest year first."""
    counts: dict[str, int] = {}
    for issue in archive.issues:
        part = _part(issue.date)
        counts[part] = counts.get(part, 0) + len(issue.articles)
    return list(counts.items())


def _part(date: str | None) -> str:
    parts = urls.date_parts(date)
    return parts[0] if parts else UNDATED


def data_row(e: Entry, settings: Settings) -> dict:
    a, i = e.article, e.issue
    return {"url": e.url, "id": a.id, "publication": i.publication or settings.publication, "date": i.date,
            "date_source": i.date_source, "page": i.page, "page_name": i.page_name, "number": a.number,
            "kind": a.kind, "kicker": a.kicker, "title": a.title or a.display_title, "subtitle": a.subtitle,
            "byline": a.byline, "authors": list(a.authors), "event_date": a.event_date,
            "continued_from": a.continued_from, "continued_to": a.continued_to,
            "districts": list(a.districts), "streets": list(a.streets), "topics": list(a.topics),
            "keywords": list(a.keywords), "persons": list(a.persons), "chars": a.chars,
            "source": i.source, "lines": list(a.lines)}


def data_rows(archive: Archive, settings: Settings) -> Iterator[dict]:
    """Every article with its fields and tags, newest issue first (the data download)."""
    for e in archive.entries:
        yield data_row(e, settings)


def _csv_cell(v) -> object:
    """Lists of names joined with `;`, line ranges with `-`, None empty."""
    if isinstance(v, list):
        return ";".join(v) if v and isinstance(v[0], str) else "-".join(map(str, v))
    return "" if v is None else v


def _csv_lines(rows: list) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def issue_lines(entries: list[Entry], settings: Settings) -> tuple[bytes, bytes]:
    """An issue's lines of the JSON-lines file and of the CSV file (UTF-8)."""
    rows = [data_row(e, settings) for e in entries]
    jsonl = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
    table = _csv_lines([[_csv_cell(v) for v in r.values()] for r in rows])
    return jsonl.encode("utf-8"), table.encode("utf-8")


class IssueLines:
    """Each issue's `issue_lines` of the last build, by fingerprint, under the render's
    base (code, templates, settings): lines kept under another base are never used."""

    FILE = "data-lines.marshal"
    KIND = "data-lines/1"  # (checksummed, see `cache.read`)

    def __init__(self, cache_dir: Path | None, base: str):
        self.path = cache_dir / self.FILE if cache_dir is not None else None
        self.base = base
        data = load_marshal(self.path, self.KIND) if self.path is not None else None
        ok = isinstance(data, dict) and data.get("base") == base and isinstance(data.get("lines"), dict)
        self.known: dict[str, tuple[bytes, bytes]] = data["lines"] if ok else {}

    def of_archive(self, archive: Archive, settings: Settings) -> dict[str, tuple[list[bytes], list[bytes]]]:
        """Every issue's lines by year (or `UNDATED`), newest first, as the files list them;
        the new ones are made, and the record keeps exactly this archive's issues'."""
        known, kept = self.known, {}
        out: dict[str, tuple[list[bytes], list[bytes]]] = {}
        for issue in archive.issues:
            fingerprint = archive.by_id[id(issue)]
            lines = known.get(fingerprint)
            if lines is None:
                lines = issue_lines(archive.by_issue[urls.issue_url(issue)], settings)
            kept[fingerprint] = lines
            jsonl, table = out.setdefault(_part(issue.date), ([], []))
            jsonl.append(lines[0])
            table.append(lines[1])
        if self.path is not None and kept.keys() != known.keys():
            dump_marshal(self.path, self.KIND, {"base": self.base, "lines": kept})
        self.known = kept
        return out


def write_data(archive: Archive, settings: Settings, output, base: str, cache_dir: Path | None = None) -> None:
    """Per year, `data/articles-YYYY.jsonl.gz` (one JSON object a line) and `.csv.gz` (UTF-8 with
    BOM, so spreadsheet programs read the Chinese; lists joined with `;`): each pair kept as
    it is while its year's issues, the code and the settings are (its key)."""
    keys: dict[str, "hashlib._Hash"] = {}
    for issue in archive.issues:
        h = keys.get(_part(issue.date))
        if h is None:
            h = keys[_part(issue.date)] = hashlib.blake2b(base.encode(), digest_size=16)
        h.update(archive.by_id[id(issue)].encode())
    todo = {part: h.hexdigest() for part, h in keys.items()}
    todo = {part: key for part, key in todo.items() if not all(output.unchanged(p, key) for p in data_files(part))}
    if not todo:
        return
    head = _csv_lines([DATA_FIELDS]).encode("utf-8")
    for part, (jsonl, table) in IssueLines(cache_dir, base).of_archive(archive, settings).items():
        if part not in todo:
            continue
        json_path, csv_path = data_files(part)
        # mtime 0 and no file name: the same rows give the same bytes
        output.write(json_path, gzip.compress(b"".join(jsonl), COMPRESSLEVEL, mtime=0), todo[part])
        output.write(csv_path, gzip.compress(b"".join(["\ufeff".encode("utf-8"), head, *table]), COMPRESSLEVEL, mtime=0), todo[part])
