"""Pass 1 of the parse: units, and paragraphs cut by a page break glued back.

A `Unit` is one or more source lines that form a single piece; `join_breaks`
rejoins `…“四包”机` ⏎ `制。…`, never gluing a headline, a byline or an item on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import Lexicon
from .lines import Line
from .shapes import TRAILING_BYLINE, VOCAB, continued_to, ends_open_clause, ends_sentence, headline_shape


@dataclass
class Unit:
    """One or more source lines that form a single piece (a rejoined paragraph spans several)."""

    kind: str
    text: str
    first: int
    last: int
    level: int | None = None
    cells: list[str] | None = None
    gap_before: int = 0
    extra: dict = field(default_factory=dict)
    joined_by_word: bool = False
    #: (kind, text, extra, headline-like) when last worked out: the walk asks of each unit
    #: several times, and the answer changes only when a join gives the unit new text or kind
    _shape: tuple = field(default=(None, None, None, False), init=False, repr=False, compare=False)

    @classmethod
    def from_line(cls, line: Line) -> "Unit":
        extra = dict(line.extra, indented=True) if line.indented else dict(line.extra)
        return cls(line.kind, line.text, line.no, line.no, line.level, line.cells, line.gap_before, extra)

    @property
    def headline_like(self) -> bool:
        kind, text, extra, like = self._shape
        if kind is not self.kind or text is not self.text or extra is not self.extra:
            like = headline_shape(self.kind, self.text, self.extra)
            self._shape = (self.kind, self.text, self.extra, like)
        return like


_CLAUSE_MARK = re.compile(r"[，,、]")


def join_breaks(lines: list[Line], lexicon: Lexicon) -> list[Unit]:
    """Rejoin paragraphs cut by a page/column break."""
    units: list[Unit] = []
    for line in lines:
        unit = Unit.from_line(line)
        prev = units[-1] if units else None
        if prev is not None and prev.kind == "role" and unit.kind in ("credit", "byline", "names"):
            # `本报记者` ⏎ `曹新俊 摄`: one byline set on two lines
            prev.kind, prev.text, prev.last = unit.kind, f"{prev.text} {unit.text}", unit.last
            prev.extra = {**unit.extra, "title": None} if unit.kind == "credit" else unit.extra
            continue
        if prev is not None and _is_cut(prev, unit, units[-2] if len(units) > 1 else None, lexicon):
            prev.joined_by_word = prev.joined_by_word or not _certainly_unfinished(prev)
            prev.text += unit.text
            prev.last = unit.last
            continue
        units.append(unit)
    return units


def _certainly_unfinished(unit: Unit) -> bool:
    return ends_open_clause(unit.text) or (not ends_sentence(unit.text) and not unit.headline_like)


def _is_cut(a: Unit, b: Unit, before_a: Unit | None, lexicon: Lexicon) -> bool:
    if a.kind != "text" or b.kind != "text" or "continued_from" in b.extra or b.extra.get("bullet"):
        return False  # `△…` opens an item of its own
    if TRAILING_BYLINE.search(a.text) or continued_to(a.text):
        return False  # `…。（吕晋）`: signed, so over; `…（下转2版）`: continued elsewhere
    if b.headline_like or ends_sentence(a.text) or a.text.rstrip()[-1:] in "：:" or a.text in VOCAB.letter_closings:
        return False
    if _certainly_unfinished(a):
        return True
    # a short unpunctuated line: a subheading, unless it sits inside running
    # text and a dictionary word runs across the break (`…工作的一` ⏎ `个缩影`)
    inside_text = before_a is not None and before_a.kind == "text" and not before_a.headline_like
    inside_text = inside_text or _CLAUSE_MARK.search(a.text) is not None
    if not inside_text or b.gap_before > 1 and a.gap_before > 1:
        return False
    return lexicon.spans_boundary(a.text, b.text)
