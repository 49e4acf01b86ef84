"""Property tests: the parser never raises on readable text and never loses a character."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.parse import parse_source
from newsarchive.parse.accounting import unaccounted
from newsarchive.model import Source

from conftest import SAMPLES

SAMPLE_LINES = sorted({line for p in SAMPLES for line in p.read_text("utf-8").split("\n") if line.strip()})
PIECES = st.one_of(
    st.sampled_from(SAMPLE_LINES),
    st.sampled_from(["", "", " ", "·张三·", "③", "## 标题", "- 列表", "(上接2版)", "2020年5月13日", "a\tb\tc", "▲", "——", "#", "记者"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.text(alphabet="的一是了我区委书记，。、“”·▲①③#- \t\n摄0123456789年月日", max_size=30),
)


@settings(max_examples=int(__import__("os").environ.get("HYPOTHESIS_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, min_size=1, max_size=30))
def test_never_raises_and_loses_nothing(lexicon, pieces):
    text = "\n".join(pieces)
    if not text.strip():
        return
    source = Source(path="prop.txt", text=text, encoding="utf-8")
    issue = parse_source(source, lexicon)
    lost, extra = unaccounted(source, issue)
    assert not lost, lost
    assert not extra, extra
    for article in issue.articles:
        assert article.lines[0] <= article.lines[1]
