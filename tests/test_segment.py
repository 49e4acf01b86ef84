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


def test_the_tokens_join_to_the_text_cut(toolkit):
    """The tagger hands the texts it cut to the place scan as its tokens' words joined:
    the segmenter keeps every character (whitespace, controls, symbols, any script)."""
    import random

    from newsarchive.tagging.persons import join_names

    segmenter = toolkit.tagger.segmenter
    rnd = random.Random(3)
    pool = ([chr(c) for c in [*range(0, 0x250), *range(0x3000, 0x3040), *range(0x4E00, 0x4F00), 0xFEFF, 0x200B,
                              0x1F600, 0xFF10, 0xFF21, 0x2028, 0x85, 0xA0]]
            + ["街道", "区委", "南通市", "崇川区", "李 金平"])
    texts = [path.read_text(encoding="utf-8") for path in SAMPLES]
    texts += ["".join(rnd.choices(pool, k=rnd.randint(0, 40))) for _ in range(3000)]
    for text in texts:
        for hmm in (True, False):
            assert "".join(w for w, _ in join_names(segmenter.tag(text, hmm))) == text
