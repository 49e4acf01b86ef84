"""Build sources from text snippets for parser tests."""
from __future__ import annotations

from newsarchive.dates import date_issue
from newsarchive.parse import parse_source
from newsarchive.source import source_from_bytes


def parse_text(text: str, name: str = "snippet.txt", lexicon=None, encoding: str = "utf-8"):
    source = source_from_bytes(text.encode(encoding), name)
    issue = parse_source(source, lexicon)
    date_issue(issue, source)
    return issue


def heads(issue):
    return [(a.kicker, a.title, a.subtitle) for a in issue.articles]
