"""The little word knowledge the parser needs, behind one small interface.

Two questions need a dictionary: does a word run across a line break (a
paragraph cut by a page break: `…工作的一` ⏎ `个缩影`), and does a headline
line contain a verb (a title broken over two lines starts with a verbless
subject: `区第十届人大常委会` ⏎ `第五十次主任会议召开`). rjieba answers both
with jieba's own dictionary, ~20× faster than jieba; one instance per process.
"""
from __future__ import annotations

import re
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u9fff]")


class Lexicon:
    def __init__(self, segmenter=None):
        if segmenter is None:
            from ..tagging.segment import Segmenter

            segmenter = Segmenter()
        self._seg = segmenter
        self.spans_boundary = lru_cache(maxsize=4096)(self._spans_boundary)
        self.has_verb = lru_cache(maxsize=4096)(self._has_verb)
        self.ends_with_noun = lru_cache(maxsize=4096)(self._ends_with_noun)
        self.awaits_verb = lru_cache(maxsize=4096)(self._awaits_verb)
        self.starts_with_verb = lru_cache(maxsize=4096)(self._starts_with_verb)

    def _spans_boundary(self, left: str, right: str) -> bool:
        """True if a dictionary word of 2+ Han characters straddles left|right."""
        left, right = left[-4:], right[:4]
        if not left or not right or not _HAN.match(left[-1]) or not _HAN.match(right[0]):
            return False
        pos = 0
        cut = len(left)
        for word in self._seg.cut(left + right, False):
            end = pos + len(word)
            if pos < cut < end and len(word) >= 2:
                return True
            pos = end
        return False

    def _ends_with_noun(self, text: str) -> bool:
        tags = [tag for word, tag in self._seg.tag(text) if tag != "x"]
        return bool(tags) and tags[-1][0] in "nj"

    def _awaits_verb(self, text: str) -> bool:
        """`浉河区为新就业形态劳动者`: a subject and a prepositional phrase, the verb still to come."""
        tags = [tag for _, tag in self._seg.tag(text) if tag != "x"]
        return "p" in tags[1:] and bool(tags) and not tags[-1].startswith("v")

    def _starts_with_verb(self, text: str) -> bool:
        tags = [tag for _, tag in self._seg.tag(text) if tag != "x"]
        return bool(tags) and tags[0].startswith("v")

    def _has_verb(self, text: str) -> bool:
        return any(tag.startswith("v") for _, tag in self._seg.tag(text))
