"""Property tests: the parser never raises on readable text and never loses a character.

The budget is a hypothesis profile: `ci` (the default, a few seconds in all) or
`long`, a longer search for the parser's corner cases:

    NEWSARCHIVE_PROPERTIES=long .venv/bin/pytest tests/test_parse_properties.py -q -p no:cacheprovider

(`HYPOTHESIS_EXAMPLES=N` sets the number of examples of each test instead.)
"""
from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.model import Source
from newsarchive.parse import parse_source
from newsarchive.parse.accounting import unaccounted
from newsarchive.source import source_from_bytes

from conftest import SAMPLES

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("newsarchive-ci", max_examples=60, **_COMMON)
settings.register_profile("newsarchive-long", max_examples=3000, **_COMMON)
BUDGET = settings(settings.get_profile(f"newsarchive-{os.environ.get('NEWSARCHIVE_PROPERTIES', 'ci')}"),
                  **({"max_examples": int(os.environ["HYPOTHESIS_EXAMPLES"])} if os.environ.get("HYPOTHESIS_EXAMPLES") else {}))

SAMPLE_LINES = sorted({line for p in SAMPLES for line in p.read_text("utf-8").split("\n") if line.strip()})
PIECES = st.one_of(
    st.sampled_from(SAMPLE_LINES),
    st.sampled_from(["", "", " ", "·张三·", "③", "## 标题", "- 列表", "(上接2版)", "2020年5月13日", "a\tb\tc", "▲", "——", "#", "记者"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.text(alphabet="的一是了我区委书记，。、“”·▲①③#- \t\n摄0123456789年月日", max_size=30),
)

# -- generated pages: the constructs of a bulletin page, mixed with what goes wrong in one --
HAN = st.text(alphabet="的一是了我区委书记开展工作会议街道社区群众发展建设推进港闸崇川天生幸福镇", min_size=1, max_size=16)
SENTENCE = st.builds(lambda words, end: "".join(words) + end, st.lists(HAN, min_size=1, max_size=4),
                     st.sampled_from(["。", "！", "？", "；", "，", "", "”", "。”"]))
NAME = st.sampled_from(["张三", "王峰艳", "庄妍", "任溢斌", "袁晓婕", "赵勇进"])
HEADLINE = st.one_of(HAN, st.builds(lambda h: h + "——", HAN), st.builds(lambda n, h: "#" * n + " " + h, st.integers(1, 5), HAN))
PARAGRAPH = st.builds("".join, st.lists(SENTENCE, min_size=1, max_size=6))
BYLINE = st.one_of(st.builds(lambda n: f"·{n}·", NAME), st.builds(lambda n: f"记者 {n}", NAME), NAME,
                   st.builds(lambda ns: "·" + " ".join(ns) + "·", st.lists(NAME, min_size=2, max_size=3)))
CAPTION = st.one_of(st.builds(lambda t: "▲" + t, PARAGRAPH), st.builds(lambda m, t: m + t, st.sampled_from("①②③④"), HAN),
                    st.sampled_from("①②③"), st.builds(lambda a, b: f"{a} {b}摄", NAME, NAME))
TABLE = st.builds(lambda rows: "\n".join("\t".join(r) for r in rows),
                  st.lists(st.lists(st.one_of(HAN, st.sampled_from(["", "12", "3.5%"])), min_size=2, max_size=4), min_size=1, max_size=4))
MARKER = st.sampled_from(["(上接1版)", "（下转2版）", "(上接第3版)", "公告", "公示", "特此公告。", "2020年5月13日", "- ", "- 一项"])
STRAY = st.sampled_from(["——", "※", "■", "★", "|", "```", "---", "...", "\u3000", "\t", "#", "·", "▲", "（", "）", "“", "”",
                         "\x1b[31m", "\u202e", "\u200b", "\x07", "\ufeff", "\u00ad", "\r"])
LINE = st.one_of(HEADLINE, PARAGRAPH, PARAGRAPH, BYLINE, CAPTION, TABLE, MARKER, STRAY, st.just(""), st.just(""),
                 st.builds(lambda a, s, b: a + s + b, PARAGRAPH, STRAY, PARAGRAPH))
PAGE = st.builds("\n".join, st.lists(LINE, min_size=1, max_size=40))
FRONT = st.one_of(st.just(""), st.builds(lambda d, p: f"---\ndate: 2020-05-{d:02d}\npage: {p}\n---\n", st.integers(1, 28), st.integers(1, 8)))


def _parse_and_account(lexicon, source: Source):
    issue = parse_source(source, lexicon)
    lost, extra = unaccounted(source, issue)
    assert not lost, lost
    assert not extra, extra
    for article in issue.articles:
        assert article.lines[0] <= article.lines[1]
    return issue


@BUDGET
@given(st.lists(PIECES, min_size=1, max_size=30))
def test_never_raises_and_loses_nothing(lexicon, pieces):
    text = "\n".join(pieces)
    if not text.strip():
        return
    _parse_and_account(lexicon, Source(path="prop.txt", text=text, encoding="utf-8"))


@BUDGET
@given(PAGE)
def test_generated_pages_never_raise_and_lose_nothing(lexicon, page):
    """Pages made of headline groups, paragraphs, bylines, captions, tables, markers,
    blank lines and stray symbols: every character lands in exactly one field."""
    if not page.strip():
        return
    _parse_and_account(lexicon, Source(path="page.txt", text=page, encoding="utf-8"))


@BUDGET
@given(FRONT, PAGE, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]), st.booleans())
def test_read_pages_account_for_every_character(lexicon, front, page, encoding, crlf):
    """From the bytes on: what the reader takes out (invisible control characters) is
    what its warnings name, and the parser accounts for the rest."""
    text = front + page
    if crlf:
        text = text.replace("\n", "\r\n")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    if not page.strip(" \t\r\n\u3000\x1b\u202e\u200b\x07\ufeff\u00ad"):
        return
    try:
        source = source_from_bytes(data, "page.txt")
    except Exception as exc:  # only the reader's own refusal, with a message, is allowed
        from newsarchive.model import SourceError

        assert isinstance(exc, SourceError) and exc.message, exc
        return
    removed = Counter(text) - Counter(source.text + "\r" * text.count("\r"))
    if text.startswith("\ufeff"):  # read as the byte-order mark it looks like
        removed -= Counter("\ufeff")
    assert set(removed) <= set("\x1b\u202e\u200b\x07\ufeff\u00ad"), removed
    assert not removed or any("control character" in d.message for d in source.diagnostics)
    _parse_and_account(lexicon, source)
