"""The data download: every article with its fields and tags, as JSON lines and as CSV.

Both files list the articles newest issue first, in page order, so each is the
issues' lines one after another. An issue's lines are a function of the issue
alone (its fingerprint) and of the code and settings (the render's base):
`IssueLines` keeps them between builds, and a rebuild serialises only the new
or changed issues' rows. The files are gzip-compressed, and the compressed bytes
depend on all of the text, so a rebuild that changes any issue compresses them
again.
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
DATA_FILES = ("data/articles.jsonl.gz", "data/articles.csv.gz")
#: gzip's own default: level 9 makes the files ~5 % smaller at twice the time, on every rebuild
COMPRESSLEVEL = 6


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

    def of_archive(self, archive: Archive, settings: Settings) -> tuple[list[bytes], list[bytes]]:
        """Every issue's lines, newest first, as the two files list them; the new ones are
        made, and the record keeps exactly this archive's issues'."""
        known, kept = self.known, {}
        jsonl, table = [], []
        for issue in archive.issues:
            fingerprint = archive.by_id[id(issue)]
            lines = known.get(fingerprint)
            if lines is None:
                lines = issue_lines(archive.by_issue[urls.issue_url(issue)], settings)
            kept[fingerprint] = lines
            jsonl.append(lines[0])
            table.append(lines[1])
        if self.path is not None and kept.keys() != known.keys():
            dump_marshal(self.path, self.KIND, {"base": self.base, "lines": kept})
        self.known = kept
        return jsonl, table


def write_data(archive: Archive, settings: Settings, output, base: str, cache_dir: Path | None = None) -> None:
    """`data/articles.jsonl.gz` (one JSON object a line) and `data/articles.csv.gz` (UTF-8 with BOM, so
    spreadsheet programs read the Chinese; lists joined with `;`): kept as they are while the
    archive, code and settings are (their key)."""
    key = hashlib.blake2b(f"{base}|{archive.key}".encode(), digest_size=16).hexdigest()
    if all(output.unchanged(path, key) for path in DATA_FILES):
        return
    jsonl, table = IssueLines(cache_dir, base).of_archive(archive, settings)
    head = _csv_lines([DATA_FIELDS]).encode("utf-8")
    # mtime 0 and no file name: the same rows give the same bytes
    output.write(DATA_FILES[0], gzip.compress(b"".join(jsonl), COMPRESSLEVEL, mtime=0), key)
    output.write(DATA_FILES[1], gzip.compress(b"".join(["\ufeff".encode("utf-8"), head, *table]), COMPRESSLEVEL, mtime=0), key)
