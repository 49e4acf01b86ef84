"""The five sample bulletins: structure, nothing lost, and the same result in every encoding."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from newsarchive.dates import date_issue
from newsarchive.parse import parse_source
from newsarchive.parse.accounting import unaccounted
from newsarchive.source import read_source, source_from_bytes

from conftest import ROOT, SAMPLES


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
def test_nothing_lost_nothing_duplicated(path, lexicon):
    source = read_source(path)
    issue = parse_source(source, lexicon)
    lost, extra = unaccounted(source, issue)
    assert not lost and not extra


def test_sample_article_counts_and_kinds(sample_issues):
    counts = {k: len(i.articles) for k, i in sample_issues.items()}
    assert counts == {"000": 6, "001": 9, "002": 7, "003": 7, "004": 7}
    kinds = {k: [a.kind for a in i.articles] for k, i in sample_issues.items()}
    assert kinds["000"][4] == "notice" and kinds["002"][3] == "notice"
    assert kinds["001"][2] == kinds["001"][7] == kinds["001"][8] == "photo"
    assert kinds["003"][1] == "photo" and kinds["004"][2] == "photo"


def test_sample_issue_dates_inferred(sample_issues):
    assert {k: (i.date, i.date_source) for k, i in sample_issues.items()} == {
        "000": ("2020-05-15", "inferred"),
        "001": ("2020-03-07", "inferred"),
        "002": ("2020-02-29", "inferred"),
        "003": ("2022-05-08", "inferred"),
        "004": ("2022-03-23", "inferred"),
    }


def test_sample_event_dates(sample_issues):
    by_title = {a.title: a.event_date for i in sample_issues.values() for a in i.articles if a.title}
    assert by_title["一批先进集体和优秀个人受到表彰"] == "2020-05-15"
    assert by_title["夺取疫情防控和经济社会发展双胜利"] == "2022-03-21"
    assert by_title["崇川区政协助力打好疫情防控阻击战"] == "2022-03-22"
    assert by_title["落实防控举措 确保科学安全有序"] == "2022-05-05"


def test_every_article_line_range_covers_its_blocks(sample_issues):
    for issue in sample_issues.values():
        previous_end = 0
        for article in issue.articles:
            first, last = article.lines
            assert previous_end < first <= last
            for block in article.blocks:
                assert first <= block.lines[0] <= block.lines[1] <= last
            previous_end = last


def variants(text: str) -> dict[str, bytes]:
    single = re.sub(r"\n\s*\n+", "\n", text)
    return {
        "utf8-bom-crlf": b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
        "gb18030": text.encode("gb18030"),
        "utf16-bom": text.encode("utf-16"),
        "single-newlines": single.encode(),
        "single-newlines-gbk-crlf": single.replace("\n", "\r\n").encode("gb18030"),
        "whitespace-only-lines": text.replace("\n\n", "\n \t\n").encode(),
    }


def _shape(data: bytes, name: str, lexicon):
    source = source_from_bytes(data, name)
    issue = parse_source(source, lexicon)
    date_issue(issue, source)
    return [
        (a.kind, a.kicker, a.title, a.subtitle, a.byline, a.captions, [b.text for b in a.blocks], a.event_date, a.continued_from)
        for a in issue.articles
    ], issue.date


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
def test_same_articles_in_every_encoding_and_layout(path, lexicon):
    text = path.read_text("utf-8")
    expected = _shape(text.encode(), path.name, lexicon)
    for name, data in variants(text).items():
        assert _shape(data, path.name, lexicon) == expected, name


def test_parse_json_contract_and_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.txt"
    broken.write_text("---\ndate: [2020-05-15\n---\n标题\n\n正文。\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "parse", "--json", "--no-tags", str(empty), str(SAMPLES[0]), str(broken)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(str(empty)) and "empty" in errors[0]
    assert errors[1].startswith(f"{broken}:2:") and "front matter" in errors[1]
    doc = json.loads(proc.stdout)
    assert doc["schema"] == 1 and len(doc["issues"]) == 1
    article = doc["issues"][0]["articles"][0]
    for key in ("id", "kind", "kicker", "title", "subtitle", "byline", "authors", "continued_from", "event_date",
                "lines", "blocks", "captions", "districts", "streets", "topics", "keywords", "persons"):
        assert key in article
    assert doc["issues"][0]["date_source"] == "inferred"
