"""Finding the place names of one article: what `Gazetteer.scan` does.

The tokens are looked at in C-level passes only: their words joined with a separator
before and after each one (so a token bound is a character of that string), and one
set intersection with every word a place can be. All else is a search of strings:

- the words of the yaml layer (names, stems, short names) are whole tokens: the hits
  of the intersection are found in the joined words by `str.find`;
- national names are found in the text (`China.scan`); whether one starts at a token
  is read from the joined words, walked in step with the text (`_Cursor`);
- self-references (我区, 县委, 全市 …) and the words after a name (…公司) are regular
  expressions over the joined words, token bounds being separators.

Every position reported is one in the text (the words joined without separators).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from itertools import chain, compress, count
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .gazetteer import Gazetteer

#: a short name followed by one of these is part of an organisation's name, not a place
ORG_TAILS = ("公司", "集团", "有限公司", "分公司")
CONJUNCTIONS = ("、", "和", "及", "与")
SUFFIXES = ("街道", "镇")
#: 县委, 县政府 … (the token's second and third characters); 我县, 全市, 本旗 (the character before)
_KIND_WORDS = ("委", "政府", "人大", "政协", "领导", "委书")
_SELF_CHARS = "我全本"
_KINDS = "县市旗"
#: what a word of `word_table` is (see there)
NAME, ORG_CHECK, STEM, SHORT, NOTHING = range(5)
#: a code's level by its length (longer: a township)
LEVELS = {2: "province", 4: "city", 6: "county"}
#: separators tried first: characters no article has (`_separator` finds one if a text has these)
_SEPARATORS = ("\x00", "\x01", "\ufffe", "\uffff")
_WORD = itemgetter(0)

#: a place name found in a text: (start, end, level, codes, form, trusted), a plain tuple (an
#: article has ~17: objects cost more to make than the rest of their handling). level: province |
#: city | county | township | short; codes: the candidate codes; trusted: it resolves alone (an
#: alias, a curated short name, the archive's own name)
Mention = tuple


def _separator(text: str) -> str:
    """A character `text` lacks (of n + 1 candidates one is missing from a text of n)."""
    for sep in _SEPARATORS:
        if sep not in text:
            return sep
    return next(c for c in map(chr, count(0xF0000)) if c not in text)


class _Patterns:
    """The regular expression of self-references over words joined with `sep`: one pass, that
    starts with a character class, so that the search skips to the few places worth a try."""

    def __init__(self, sep: str, self_references: frozenset[str]):
        s = re.escape(sep)
        refs = sorted((r for r in self_references if r), key=len, reverse=True)
        lead = "[" + re.escape("".join(sorted(set(_KINDS + _SELF_CHARS) | {r[0] for r in refs}))) + "]"
        words = "|".join(re.escape(w) for w in _KIND_WORDS if w != "委")
        # a self-reference that could start a token where one of the others does (县委 as one,
        # say) is looked for apart, as the others would hide it
        apart = any(r[0] in _KINDS or (r[0] in _SELF_CHARS and (len(r) == 1 or r[1] in _KINDS)) for r in refs)
        own = "|".join(f"(?<={re.escape(r[0])}){re.escape(r[1:])}" for r in refs) or "(?!)"
        # each at a token's start: 县委 / 县委书… / 县政府… (its 2nd and 3rd characters: 委 alone,
        # or one of the words); the token 我 before a token 县…; the token 我县 (one word); a
        # token that starts with a self-reference of the yaml (我区, 区委书记 …: the 4th group)
        self.kinds = re.compile(
            f"{lead}(?<={s}{lead})(?:(?<=([{_KINDS}]))(?:委(?:书|(?={s}))|{words})"
            f"|(?<=[{_SELF_CHARS}])(?:{s}([{_KINDS}])|([{_KINDS}])(?={s}))|({'(?!)' if apart else own}))")
        self.own = re.compile(
            "|".join(f"(?<={s}){re.escape(r)}" for r in refs)) if apart else None


class _Cursor:
    """Walks the words joined with separators (`joined`, one before and after each word) in
    step with the text they join, in time linear in the gap between the text positions
    asked (asked in increasing order, as a rule): `bound(p)` is where text position p is in token units,
    2 × i at the start of token i (or the end of the text: 2 × the number of tokens),
    2 × i + 1 inside token i."""

    __slots__ = ("joined", "sep", "s", "p", "k")

    def __init__(self, joined: str, sep: str):
        self.joined, self.sep = joined, sep
        self.s = self.p = self.k = 0  # joined[:s] holds the first p characters of the text and k separators

    def bound(self, p: int) -> int:
        joined, sep = self.joined, self.sep
        if p < self.p:  # back (rare: a name that starts inside one `China.scan` dropped)
            self.s = self.p = self.k = 0
        s, need, k = self.s, p - self.p, self.k
        while need:  # of the next `need` characters, the separators are not the text's
            end = s + need
            need = joined.count(sep, s, end)
            k += need
            s = end
        self.s, self.p, self.k = s, p, k
        if joined[s] == sep:
            return 2 * k
        return 2 * k - 2 if joined[s - 1] == sep else 2 * k - 1


def word_table(g: "Gazetteer") -> dict:
    """word → (how, level, codes, form, trusted): what a token that is a yaml name, a street's
    stem or a national short name (萧山) stands for. How: `NAME` a mention; `ORG_CHECK` one
    unless a company's name follows (a curated short name: 崇川); `STEM` one only beside another
    street (钟秀、虹桥街道); `SHORT` a national short name, where no full name covers it;
    `NOTHING` a yaml word that is no mention (a town-level district) and so not a short name either."""
    china = g.china
    out: dict[str, tuple] = {}
    for word in g._interesting:
        hit = g._forms.get(word)
        if hit is None:  # a stem only
            out[word] = (STEM, "township", (g._town_code(g._stems[word]),), g._stems[word], True)
            continue
        kind, name = hit
        how = ORG_CHECK if kind == "short" else NAME
        if kind == "township":
            t = g.townships[name]
            own = g._town_code(name)
            if china is None or t.trusted or word != t.name:
                out[word] = (how, "township", (own,), t.name, True)
            else:
                others = tuple(c for c in china.full.get(t.name, ()) if len(c) > 6 and c != own)
                out[word] = (how, "township", (own, *others), t.name, False)
            continue
        d = g.districts[name]
        own = d.code or ("Y:" + d.name)
        if not d.county_level:
            out[word] = (NOTHING, None, (), d.name, False)
        elif china is None:
            out[word] = (how, "county", (own,), d.name, True)
        else:
            table = china.full if kind == "district" else china.shorts
            others = tuple(c for c in table.get(word, ()) if c != own and g._now(c) != g._now(own))
            # a curated short name (崇川, 如皋) or a full name only this county has: no context needed
            out[word] = (how, "county", (own, *others), d.name, not others)
    if china is not None:
        for word, codes in china.shorts.items():
            out.setdefault(word, (SHORT, "short", codes, word, False))
    return out


def _in_org_name(words: list[str], i: int) -> bool:
    """通州古建筑公司, 港闸市政工程有限公司: a company's name, not where the story is."""
    return any(w.endswith(ORG_TAILS) for w in words[i + 1 : i + 4])


class Scanner:
    """What a scan looks for, made from a gazetteer (once per attached national layer)."""

    def __init__(self, gazetteer: "Gazetteer"):
        self.china = gazetteer.china
        self.table = word_table(gazetteer)
        self.wanted = frozenset(self.table)
        self._forms = gazetteer._forms
        self._self_references = gazetteer.self_references
        self._patterns: dict[str, _Patterns] = {}

    def patterns(self, sep: str) -> _Patterns:
        out = self._patterns.get(sep)
        if out is None:
            out = self._patterns[sep] = _Patterns(sep, self._self_references)
        return out

    def scan(self, parts: tuple, text: str | None = None) -> "tuple[list[Mention], SelfKinds]":
        """Every place name in the token lists `parts` (read as one stream; `text`: their words
        joined, when known) with the codes it can mean, in text order, and the kinds of
        self-reference (我区 → 区, 全县 → 县 …) the text makes. A mention's start and end are
        in token units (see `_Cursor.bound`)."""
        words = list(map(_WORD, parts[0] if len(parts) == 1 else chain.from_iterable(parts)))
        if text is None:
            text = "".join(words)
        sep = _separator(text)
        joined = sep + sep.join(words) + sep
        mentions, y_starts, y_ends, shorts = self._yaml_words(words)
        china = self.china
        if china is not None:
            c_starts, c_ends = self._national(words, text, _Cursor(joined, sep), mentions, y_starts, y_ends)
            for i, entry in shorts:  # 萧山, 杭州: where no full name (萧山区) covers them
                start = 2 * i
                k = bisect_left(c_starts, start + 2) - 1
                if (k < 0 or c_ends[k] <= start) and not _in_org_name(words, i):
                    mentions.append((start, start + 2, "short", entry[2], entry[3], False))
            mentions.sort(key=itemgetter(0))
        return mentions, SelfKinds(joined, self.patterns(sep))

    def _yaml_words(self, words: list[str]) -> tuple:
        """The mentions of the yaml layer (whole tokens), their starts and ends, and the national
        short names among the words as (token index, table entry), for `scan` to keep where no
        full name covers them."""
        mentions: list[Mention] = []
        y_starts: list[int] = []
        y_ends: list[int] = []
        shorts = []
        table = self.table
        # few: most words are no place (one membership test per word, in C)
        for i in compress(count(), map(self.wanted.__contains__, words)):
            entry = table[words[i]]
            how = entry[0]
            if how == SHORT:
                shorts.append((i, entry))
            elif how == NAME or (how == ORG_CHECK and not _in_org_name(words, i)) or (
                    how == STEM and self._coordinated(words, i, entry[3])):
                mentions.append((2 * i, 2 * i + 2, entry[1], entry[2], entry[3], entry[4]))
                y_starts.append(2 * i)
                y_ends.append(2 * i + 2)
        return mentions, y_starts, y_ends, shorts

    def _national(self, words: list[str], text: str, cursor: _Cursor, mentions: list,
                  y_starts: list, y_ends: list) -> tuple[list, list]:
        """Add the national layer's full names that start at a token and the yaml layer does not
        have; their starts and ends."""
        c_starts: list[int] = []
        c_ends: list[int] = []
        codes_of = self.china.codes
        bound = cursor.bound
        for start, end, name in self.china.scan(text):
            first_bound = bound(start)
            if first_bound & 1:
                continue  # inside a word: 新型城镇化 is not a 城镇
            last_bound = bound(end)
            k = bisect_left(y_starts, last_bound) - 1
            if k >= 0 and y_ends[k] > first_bound:
                continue  # the yaml layer has it
            if c_ends and c_ends[-1] > first_bound:
                continue  # overlaps the one before (a longer name found later can start inside it)
            codes = codes_of(name)
            first = len(codes[0])
            if first <= 6 and _in_org_name(words, first_bound // 2):
                continue
            mentions.append((first_bound, last_bound, LEVELS.get(first, "township"), codes, name, False))
            c_starts.append(first_bound)
            c_ends.append(last_bound)
        return c_starts, c_ends

    def _coordinated(self, words: list[str], i: int, street: str) -> bool:
        """钟秀、虹桥街道 / 钟秀和虹桥街道: a bare stem shares the suffix of the next street."""
        if i + 2 >= len(words) or words[i + 1] not in CONJUNCTIONS:
            return False
        nxt = self._forms.get(words[i + 2])
        if not nxt or nxt[0] != "township":
            return False
        return any(street.endswith(s) and nxt[1].endswith(s) for s in SUFFIXES)


class SelfKinds:
    """The kinds of self-reference a text makes, as a set: 区 for a token starting with one of
    the yaml's self_references (我区, 区委, 全区), 县 for 县委 / 县政府 … or 我县 / 全县 (one word
    or two), 市 and 旗 alike. Looked for when first asked: tagging asks only of an article
    that does not name its issue's district, or when the home is inferred."""

    __slots__ = ("_joined", "_pats", "_kinds")

    def __init__(self, joined: str, pats: _Patterns):
        self._joined, self._pats, self._kinds = joined, pats, None

    @property
    def kinds(self) -> frozenset:
        if self._kinds is None:
            kinds = set()
            for a, b, c, _own in self._pats.kinds.findall(self._joined):
                kinds.add(a or b or c or "区")
            if self._pats.own is not None and self._pats.own.search(self._joined):
                kinds.add("区")
            self._kinds, self._joined = frozenset(kinds), None
        return self._kinds

    def __contains__(self, kind) -> bool:
        return kind in self.kinds

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def __iter__(self):
        return iter(self.kinds)

    def __len__(self) -> int:
        return len(self.kinds)

    def __eq__(self, other) -> bool:
        return self.kinds == (other.kinds if isinstance(other, SelfKinds) else other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"SelfKinds({set(self.kinds) or '{}'})"
