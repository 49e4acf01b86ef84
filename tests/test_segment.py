"""The segmenter (`tagging.segment.Segmenter`): rjieba's whole dictionary with our place
names and topic terms as user words, built the same way whatever cache folder a load is given.
"""
from __future__ import annotations

from pathlib import Path

from newsarchive.tagging import Tagger
from newsarchive.tagging.segment import Segmenter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "articles").glob("*.txt"))


def test_the_tagger_always_loads_the_full_segmenter(tmp_path, toolkit):
    """With or without a cache folder (kept tables or none), the same words, cuts and tags."""
    full = toolkit.tagger.segmenter
    assert isinstance(full, Segmenter) and full.user_words
    text = SAMPLES[0].read_text(encoding="utf-8")
    for cache_dir in (None, tmp_path, tmp_path):  # the second load finds the first one's files
        segmenter = Tagger.load(None, cache_dir).segmenter
        assert type(segmenter) is Segmenter
        assert segmenter.user_words == full.user_words
        for hmm in (True, False):
            assert segmenter.tag(text, hmm) == full.tag(text, hmm)
            assert segmenter.cut(text, hmm) == full.cut(text, hmm)


def test_user_words_segment_whole(toolkit):
    segmenter = toolkit.tagger.segmenter
    for word, _freq, _flag in segmenter.user_words[:200]:
        assert segmenter.has_word(word)
        assert word in segmenter.cut(f"在{word}。")


def test_a_segmenter_warms_up_without_changing_its_cuts(toolkit):
    full = toolkit.tagger.segmenter
    text = SAMPLES[1].read_text(encoding="utf-8")
    before = full.tag(text)
    fresh = Segmenter((w, f) for w, _, f in full.user_words)
    fresh.warm_up()
    assert fresh.tag(text) == before
