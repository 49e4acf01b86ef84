"""The one segmentation interface the tagger uses.

Backed by an `rjieba.Jieba()` instance (jieba-rs: same dictionary, same
algorithm as jieba, ~20x faster), never by rjieba's module-level default, so
the user dictionary we add (place names, topic terms) stays ours. jieba itself
is only the reference in tests and the source of the IDF table (keywords.py).
"""
from __future__ import annotations

import struct
import sys
from bisect import bisect_left
from itertools import groupby
from typing import Iterable

#: (word, jieba POS flag: n, ns, nr, v, vn, m, x …); a plain tuple, as rjieba returns it,
#: because building an object per token costs more than the segmentation itself
Token = tuple[str, str]


def _jieba_class():
    """rjieba's `Jieba` class without importing the `rjieba` package: its __init__
    builds a module-level default tokenizer (~0.2 s, in every process) that we never use."""
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
    """Cut and POS-tag Chinese text; load once per process (dictionary build ~0.1 s)."""

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
        """rjieba builds its model for guessing words on the first one it meets (~0.03 s):
        a process that waits for its work does that while it waits."""
        self.tag(_GUESSED)


def jieba_dict_path():
    """jieba's main dictionary (the one rjieba embeds), found without importing jieba."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed: its dictionary (jieba/dict.txt) is needed")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


#: holds the difference between the table's total frequency and what a narrow segmenter has
#: taken: rjieba matches words inside runs of Han, Latin letters, digits and +#&._%- only, so
#: a word of NULs is never part of a cut
_REST = "\x00\x00"
#: a word no dictionary has, so rjieba guesses it (with its HMM)
_GUESSED = "日区"
_FIELD, _RECORD = "\x1f", "\x1e"


def _key(pair: str) -> int:
    """A character (1) or a pair of characters (2) as one integer."""
    return ord(pair[0]) << 21 | (ord(pair[1]) if len(pair) > 1 else 0)


class LexiconTable:
    """The segmenter's whole dictionary, jieba's dict.txt with our user words as rjieba holds
    them (frequency, POS), in a mapped file grouped by each word's first two characters.

    Building rjieba's full dictionary takes ~0.2 s: most of what a one-issue rebuild's parse
    child does. A `NarrowSegmenter` takes from this table only the entries a text can match
    (one issue: ~3,000 of 350,000) in a few milliseconds, and cuts exactly as the full one.
    """

    FORMAT = 1
    #: magic (format, byte order of the arrays), total frequency, key count, blob size; then
    #: the keys (count native uint64, sorted), the chunk offsets (count + 1 native uint64), the blob
    HEAD = struct.Struct("<8sQQQ")
    MAGIC = b"nalex1" + (b"LE" if sys.byteorder == "little" else b"BE")

    def __init__(self, total: int, keys, offsets, blob, base: int = 0):
        self.total = total
        self._keys, self._off, self._blob, self._base = keys, offsets, blob, base
        self._n = len(keys)

    @staticmethod
    def file(cache_dir, version: str):
        from pathlib import Path

        return Path(cache_dir) / "dictionaries" / f"lexicon-{version}.bin"

    @classmethod
    def of(cls, segmenter: "Segmenter", dictionary=None) -> "LexiconTable":
        """The table of a full segmenter: jieba's dictionary file (rjieba's is the same), then
        the user words in the order added. A word listed or added again takes the later
        frequency and keeps the first POS, as in rjieba."""
        from array import array
        from itertools import accumulate

        with open(dictionary or jieba_dict_path(), encoding="utf-8") as fh:
            lines = [line for line in fh.read().splitlines() if line.strip()]
        for word, freq, flag in segmenter.user_words:
            if not word or _FIELD in word or _RECORD in word or any(c.isspace() for c in word):
                raise ValueError(f"a dictionary word the table cannot hold: {word!r}")
            lines.append(f"{word} {freq} {flag}")
        # by word, stable: a word's lines stay in the order rjieba takes them; words that
        # share their first two characters (one character: the word itself) end up together
        lines.sort(key=lambda line: line.split(None, 1)[0])
        keys, parts, total = [], [], 0
        for key, group in groupby(lines, key=lambda line: _key(line.split(None, 1)[0][:2])):
            rows = [line.split() for line in group]
            if all(len(row) == 3 for row in rows) and len({row[0] for row in rows}) == len(rows):
                words, freqs, flags = zip(*rows)
            else:  # rare: a word listed again (jieba lists B超 twice), a line without POS
                words, freqs, flags = zip(*_merged(rows))
            keys.append(key)
            total += sum(map(int, freqs))
            parts.append(_RECORD.join([_FIELD.join(words), _FIELD.join(freqs), _FIELD.join(flags)]).encode("utf-8"))
        return cls(total, array("Q", keys), array("Q", accumulate(map(len, parts), initial=0)), b"".join(parts))

    def to_bytes(self) -> bytes:
        head = self.HEAD.pack(self.MAGIC, self.total, self._n, len(self._blob))
        return head + self._keys.tobytes() + self._off.tobytes() + bytes(self._blob)

    @classmethod
    def load(cls, cache_dir, version: str) -> "LexiconTable | None":
        """The stored table, or None (none stored, or one `store` found unusable: an empty file)."""
        from ..cache import map_table

        found = map_table(cls.file(cache_dir, version), cls.HEAD)
        if found is None:
            return None
        mapped, (magic, total, n, size) = found
        keys_end = cls.HEAD.size + 8 * n
        offsets_end = keys_end + 8 * (n + 1)
        if magic != cls.MAGIC or len(mapped) != offsets_end + size:
            return None
        view = memoryview(mapped)
        return cls(total, view[cls.HEAD.size : keys_end].cast("Q"), view[keys_end:offsets_end].cast("Q"), mapped,
                   base=offsets_end)

    @classmethod
    def store(cls, cache_dir, version: str, segmenter: "Segmenter") -> bool:
        """Build the table of `segmenter` (~1 s) and keep it, if a narrow segmenter over it
        cuts a probe text exactly as `segmenter` does; else keep an empty file, so that no
        build tries again with the same data. True if stored."""
        from ..cache import replace_table

        target = cls.file(cache_dir, version)
        try:
            table = cls.of(segmenter)
            usable = _cuts_alike(segmenter, NarrowSegmenter(table))
        except (OSError, ValueError):
            table, usable = None, False
        replace_table(target, table.to_bytes() if usable else b"")
        return usable

    def entries(self, pair: str) -> "Iterable[tuple[str, int, str]]":
        """(word, frequency, POS) of every word starting with `pair` (one character: the word itself)."""
        key = _key(pair)
        i = bisect_left(self._keys, key)
        return self._chunk(i) if i < self._n and self._keys[i] == key else ()

    def _chunk(self, i: int) -> "Iterable[tuple[str, int, str]]":
        """The entries of the i-th key."""
        base, off = self._base, self._off
        words, freqs, flags = str(self._blob[base + off[i] : base + off[i + 1]], "utf-8").split(_RECORD)
        return zip(words.split(_FIELD), map(int, freqs.split(_FIELD)), flags.split(_FIELD))


def _merged(rows: list[list[str]]) -> list[tuple[str, str, str]]:
    """[word, frequency, POS] rows sorted by word, each word once: its last frequency and
    first POS (as rjieba takes them); a missing frequency is 0, a missing POS empty."""
    merged: dict[str, list[str]] = {}
    for word, *rest in rows:
        freq = str(int(rest[0])) if rest else "0"
        if word in merged:
            merged[word][1] = freq
        else:
            merged[word] = [word, freq, rest[1] if len(rest) > 1 else ""]
    return [tuple(row) for row in merged.values()]


def _cuts_alike(full: "Segmenter", narrow: "NarrowSegmenter") -> bool:
    """Do both cut and tag a probe text alike: every user word, then (seeded) runs of
    dictionary words and single characters, with and without the HMM."""
    import random

    rnd = random.Random(20151130)
    words = [w for w, _, _ in full.user_words]
    pool = [w for w, _, _ in narrow._table.entries("中")] + [w for w, _, _ in narrow._table.entries("新")] + words
    chars = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 400)) + "，。、 \n“”（）0123456789abcXY.%-"
    parts = ["，".join(words)]
    for _ in range(2000):
        parts.append(rnd.choice(pool) if pool and rnd.random() < 0.7 else "".join(rnd.choices(chars, k=rnd.randint(1, 3))))
    probe = "".join(parts)
    return all(full.tag(probe, hmm) == narrow.tag(probe, hmm) and full.cut(probe, hmm) == narrow.cut(probe, hmm)
               for hmm in (True, False))


class NarrowSegmenter:
    """`Segmenter`'s interface over an empty rjieba instance that is given, before each
    text is cut, the `LexiconTable` entries of the text's characters and character pairs,
    and one unmatchable word carrying the rest of the table's total frequency.

    rjieba scores a route by log(frequency / total) of its words, over the words that
    match somewhere in the text; with those words and the same total, every route scores
    as with the full dictionary, so the cuts and tags are the same (tested against it).
    """

    def __init__(self, table: LexiconTable):
        self._table = table
        self._jieba = _jieba_class().empty()
        self._seen: set[str] = set()
        self._taken = 0
        self.user_words: list[tuple[str, int, str]] = []  # in the table already
        self._jieba.add_word(_REST, table.total, "x")

    def _cover(self, text: str) -> None:
        new = {text[i : i + 2] for i in range(len(text))}
        new.update(text)
        new -= self._seen
        if not new:
            return
        self._seen |= new
        add, table = self._jieba.add_word, self._table
        keys, n = table._keys, table._n
        taken = i = 0
        # `LexiconTable.entries` of every pair (~5,000 in an issue, two in five of them start
        # words), looked up in key order: each search starts where the last one ended
        for key in sorted(map(_key, new)):
            i = bisect_left(keys, key, i)
            if i < n and keys[i] == key:
                for word, freq, flag in table._chunk(i):
                    add(word, freq, flag)
                    taken += freq
        if taken:
            self._taken += taken
            add(_REST, self._table.total - self._taken, "x")

    def has_word(self, word: str) -> bool:
        if not word or word == _REST:
            return False
        self._cover(word[:2])
        return self._jieba.has_word(word)

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        self._cover(text)
        return self._jieba.cut(text, hmm)

    def tag(self, text: str, hmm: bool = True) -> list[Token]:
        self._cover(text)
        return self._jieba.tag(text, hmm)

    warm_up = Segmenter.warm_up
