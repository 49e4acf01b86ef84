"""Prove that nothing an editor wrote was dropped or duplicated.

The parser's promise: every non-blank character of the body ends up in exactly
one output field. Markup the parser consumes on purpose (heading marks, list
bullets, the `(上接1版)`/`(下转2版)` wrappers that become `continued_from`/
`continued_to`) is taken out of the source side before comparing.
"""
from __future__ import annotations

import re
from collections import Counter

from ..model import Issue, Source
from .lines import strip_markup

_SPACE = re.compile(r"\s+")


def expected_characters(source: Source) -> Counter:
    counts: Counter = Counter()
    for no, raw in enumerate(source.lines, start=1):
        if no < source.body_start:
            continue
        text = strip_markup(raw.strip().replace("\u3000", " ").strip())
        counts.update(_SPACE.sub("", text))
    return counts


def output_characters(issue: Issue) -> Counter:
    counts: Counter = Counter()
    for block in issue.furniture:
        counts.update(_SPACE.sub("", block.text))
    for a in issue.articles:
        for piece in (a.kicker, a.title, a.subtitle, a.byline):
            if piece:
                counts.update(_SPACE.sub("", piece))
        for block in a.blocks:
            counts.update(_SPACE.sub("", block.text))
        for caption in a.captions:
            counts.update(_SPACE.sub("", caption))
    return counts


def unaccounted(source: Source, issue: Issue) -> tuple[Counter, Counter]:
    """(characters lost, characters duplicated or invented); both empty when all is well."""
    expected = expected_characters(source)
    got = output_characters(issue)
    return expected - got, got - expected
