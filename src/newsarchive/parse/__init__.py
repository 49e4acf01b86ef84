"""Parse stage: a decoded Source → an Issue of articles made of blocks.

`lines.py` holds one rule per line construct, `units.py` rejoins what a page
break cut, `assemble.py` makes articles of the units and `finish.py` names
their parts; `shapes.py` holds the patterns and text tests they share.
Nothing here knows about HTML, tags or the site.
"""
from __future__ import annotations

from ..model import Diagnostic, Issue, Source
from ..source import slug_for
from .assemble import Assembler
from .finish import finish
from .units import join_breaks
from .lexicon import Lexicon
from .lines import Line, classify

PARSER_VERSION = "2"

__all__ = ["parse_source", "PARSER_VERSION", "Lexicon"]


def classify_lines(source: Source) -> list[Line]:
    lines: list[Line] = []
    gap = 0
    for no, raw in enumerate(source.lines, start=1):
        if no < source.body_start:
            continue
        if not raw.strip():
            gap += 1
            continue
        line = classify(no, raw)
        line.gap_before = gap
        gap = 0
        lines.append(line)
    return lines


def parse_source(source: Source, lexicon: Lexicon | None = None) -> Issue:
    """Split one issue file into articles; never raises on readable text."""
    lexicon = lexicon or Lexicon()  # pass one in: building the dictionary is the slow part
    diagnostics: list[Diagnostic] = list(source.diagnostics)
    lines = classify_lines(source)
    for line in lines:
        if "\ufffd" in line.raw:
            diagnostics.append(Diagnostic(line.no, "contains U+FFFD replacement characters: the file was damaged before it got here"))
    units = join_breaks(lines, lexicon)
    assembler = Assembler(units, lexicon, diagnostics)
    drafts = assembler.run()
    page = assembler.page
    fm = source.front_matter
    slug = str(fm.get("slug") or slug_for(source.path))
    articles = finish(drafts, lexicon, diagnostics, slug)
    diagnostics.sort(key=lambda d: d.line)
    return Issue(
        source=source.path,
        slug=slug,
        publication=_str_or_none(fm.get("publication")),
        page=_str_or_none(fm.get("page")) or page.number,
        page_name=page.name,
        page_meta=page.meta,
        furniture=page.furniture,
        district=_str_or_none(fm.get("district")),
        encoding=source.encoding,
        content_hash=source.content_hash,
        articles=articles,
        warnings=diagnostics,
        source_lines=source.lines,
    )


def _str_or_none(value) -> str | None:
    return None if value is None else str(value)
