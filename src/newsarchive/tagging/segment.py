"""The one segmentation interface the tagger uses.

Backed by an `rjieba.Jieba()` instance (jieba-rs: same dictionary, same
algorithm as jieba, much faster), never by rjieba's module-level default, so
the user dictionary we add (place names, topic terms) stays ours. jieba itself
is only the reference in tests and the source of the IDF table (keywords.py).
"""
from __future__ import annotations

from typing import Iterable

#: (word, jieba POS flag: n, ns, nr, v, vn, m, x …); a plain tuple, as rjieba returns it,
#: because building an object per token costs more than the segmentation itself
Token = tuple[str, str]


def _jieba_class():
    """rjieba's `Jieba` class without importing the `rjieba` package: its __init__
    builds a module-level default tokenizer (in every process that imports it) that we never use."""
    import importlib.util
    import sys
    from pathlib import Path

    loaded = sys.modules.get("rjieba.rjieba")
    if loaded is not None:
        return loaded.Jieba
    try:
        spec = importlib.util.find_spec("rjieba")
        folder = Path(next(iter(spec.submodule_search_locations)))
        binary = next(p for p in folder.iterdir() if p.name.startswith("rjieba.") and p.suffix in (".so", ".pyd"))
        ext = importlib.util.spec_from_file_location("rjieba.rjieba", binary)
        module = importlib.util.module_from_spec(ext)
        ext.loader.exec_module(module)
        sys.modules["rjieba.rjieba"] = module
        return module.Jieba
    except Exception:  # another layout: the package import works everywhere
        import rjieba

        return rjieba.Jieba


class Segmenter:
    """Cut and POS-tag Chinese text; load once per process (building the dictionary is the slow part)."""

    def __init__(self, user_words: Iterable[tuple[str, str]] = ()):
        self._jieba = _jieba_class()()
        #: (word, frequency, POS) in the order added: the user dictionary, e.g. to give jieba the same
        self.user_words: list[tuple[str, int, str]] = []
        self.add_words(user_words)

    def add_words(self, words: Iterable[tuple[str, str]]) -> None:
        """Force each (word, POS) to segment whole; the frequency is jieba-rs' suggestion."""
        for word, flag in words:
            self.user_words.append((word, self._jieba.add_word(word, None, flag), flag))

    def has_word(self, word: str) -> bool:
        return self._jieba.has_word(word)

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        return self._jieba.cut(text, hmm)

    def tag(self, text: str, hmm: bool = True) -> list[Token]:
        """(word, flag) pairs; also usable as the parser's `Lexicon(segmenter=…)`."""
        return self._jieba.tag(text, hmm)

    def warm_up(self) -> None:
        """rjieba builds its model for guessing words on the first one it meets:
        a process that waits for its work does that while it waits."""
        self.tag(_GUESSED)


#: a word no dictionary has, so rjieba guesses it (with its HMM)
_GUESSED = "日区"
