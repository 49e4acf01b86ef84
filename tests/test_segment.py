"""The narrow segmenter of a one-issue rebuild (`tagging.segment.NarrowSegmenter`):
it takes from the stored `LexiconTable` only the entries a text can match, and must
cut, tag and know words exactly as the full segmenter (jieba's dictionary plus our
place names and topic terms) does, on the seeds and on any text.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.tagging import Tagger, data_version
from newsarchive.tagging.segment import LexiconTable, NarrowSegmenter, Segmenter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "articles").glob("*.txt"))


@pytest.fixture(scope="module")
def full(toolkit) -> Segmenter:
    segmenter = toolkit.tagger.segmenter
    assert isinstance(segmenter, Segmenter) and segmenter.user_words
    return segmenter


@pytest.fixture(scope="module")
def table(full, tmp_path_factory) -> LexiconTable:
    folder = tmp_path_factory.mktemp("lexicon")
    assert LexiconTable.store(folder, "v", full)
    return LexiconTable.load(folder, "v")


def test_the_table_holds_jiebas_dictionary_and_the_user_words(full, table):
    (word, freq, flag), = [e for e in table.entries("工作") if e[0] == "工作"]
    assert (freq, flag) == (66367, "vn")  # jieba/dict.txt: 工作 66367 vn
    assert ("中", 243191, "f") in list(table.entries("中"))
    for word, freq, _flag in full.user_words:  # the frequency rjieba holds; a known word keeps its POS
        assert freq in [f for w, f, _ in table.entries(word[:2]) if w == word]
    assert list(table.entries("\U0010ffff")) == [] and list(table.entries("ab\u4e00")) == []


def test_the_table_reads_a_dictionary_as_rjieba_does(tmp_path):
    """A word listed or added again: the later frequency, the first POS; a missing
    frequency is 0, a missing POS empty; the total is that of the words, once each."""
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text("甲乙 5 n\n丙丁戊 2 ns\n甲乙 7 v\n甲 3\n\n乙\n", encoding="utf-8")

    class Added:
        user_words = [("甲乙", 11, "x"), ("丙丁", 4, "ns"), ("丙丁", 6, "n")]

    table = LexiconTable.of(Added(), dictionary)
    assert list(table.entries("甲乙")) == [("甲乙", 11, "n")]
    assert list(table.entries("甲")) == [("甲", 3, "")] and list(table.entries("乙")) == [("乙", 0, "")]
    assert sorted(table.entries("丙丁")) == [("丙丁", 6, "ns"), ("丙丁戊", 2, "ns")]
    assert table.total == 11 + 2 + 3 + 0 + 6

    class Unholdable:
        user_words = [("甲 乙", 1, "n")]

    with pytest.raises(ValueError):
        LexiconTable.of(Unholdable(), dictionary)


def test_narrow_cuts_every_sample_as_the_full_dictionary(full, table):
    for path in SAMPLES:
        text = path.read_text(encoding="utf-8")
        whole, by_line = NarrowSegmenter(table), NarrowSegmenter(table)  # a text at once, or a line at a time
        for hmm in (True, False):
            assert whole.tag(text, hmm) == full.tag(text, hmm)
            assert whole.cut(text, hmm) == full.cut(text, hmm)
        for line in text.splitlines():
            assert by_line.tag(line) == full.tag(line) and by_line.cut(line, False) == full.cut(line, False)


def test_narrow_knows_the_words_the_full_dictionary_knows(full, table):
    narrow = NarrowSegmenter(table)
    text = SAMPLES[0].read_text(encoding="utf-8")[:3000]
    candidates = {text[i : i + n] for n in (1, 2, 3, 4) for i in range(len(text) - n)}
    candidates |= {w for w, _, _ in full.user_words} | {"", "\x00\x00", "\x00", "不在词表里的词"}
    assert {w for w in candidates if narrow.has_word(w)} == {w for w in candidates if full.has_word(w)}
    assert any(narrow.has_word(w) for w in candidates)


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_OTHER = st.sampled_from(list("，。、；：“”（）《》 \n\t0123456789.%-+#&_abcXYZ—…·") + ["\u3000", "２０", "Ａ"])


@st.composite
def texts(draw, words: list[str]) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(words), st.text(_HAN, min_size=1, max_size=3), _OTHER),
                          max_size=40))
    return "".join(parts)


@pytest.fixture(scope="module")
def some_words(full, table) -> list[str]:
    """Dictionary words around a few common characters (long and short ones), and the user words."""
    words = [w for pair in ("中国", "人民", "发展", "南通", "街道", "社区", "工作", "一") for w, _, _ in table.entries(pair)]
    return words + [w for w, _, _ in full.user_words]


def test_narrow_cuts_any_text_as_the_full_dictionary(full, table, some_words):
    """One narrow segmenter over many texts, as a parse child's over its issue's lines and headlines."""
    narrow = NarrowSegmenter(table)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(texts(some_words))
    def check(text):
        for hmm in (True, False):
            assert narrow.cut(text, hmm) == full.cut(text, hmm)
            assert narrow.tag(text, hmm) == full.tag(text, hmm)

    check()


def test_a_table_that_would_cut_otherwise_is_not_kept(full, tmp_path):
    """`store` checks the table against the segmenter it was made from; a refused table is
    kept as an empty file (no later build tries again) and loads as nothing."""

    class Misreported:  # says one user word has a frequency rjieba does not hold
        user_words = full.user_words + [("街道开展", 10**9, "n")]
        cut, tag = full.cut, full.tag

    assert not LexiconTable.store(tmp_path, "v", Misreported())
    assert LexiconTable.file(tmp_path, "v").read_bytes() == b""
    assert LexiconTable.load(tmp_path, "v") is None


def test_the_tagger_loads_the_narrow_segmenter_where_its_table_is_kept(tmp_path):
    cold = Tagger.load(None, tmp_path)
    assert isinstance(cold.segmenter, Segmenter)  # nothing stored yet
    Tagger.store_lexicon(None, tmp_path)
    stored = LexiconTable.file(tmp_path, data_version(None))
    assert stored.is_file() and stored.stat().st_size > 1_000_000
    assert isinstance(Tagger.load(None, tmp_path).segmenter, NarrowSegmenter)
    whole = stored.read_bytes()
    for broken in (b"broken", whole[:-1], whole[:40]):
        stored.write_bytes(broken)
        assert isinstance(Tagger.load(None, tmp_path).segmenter, Segmenter)
    # a table of other data (another version) is not used, and storing replaces it
    stored.rename(LexiconTable.file(tmp_path, "older"))
    assert isinstance(Tagger.load(None, tmp_path).segmenter, Segmenter)
    Tagger.store_lexicon(None, tmp_path)
    assert [p.name for p in (tmp_path / "dictionaries").glob("lexicon-*")] == [stored.name]


def test_a_segmenter_warms_up_without_changing_its_cuts(full, table):
    narrow = NarrowSegmenter(table)
    narrow.warm_up()
    text = SAMPLES[1].read_text(encoding="utf-8")
    assert narrow.tag(text) == full.tag(text)
