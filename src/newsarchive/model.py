"""Plain data passed between the pipeline stages.

Every stage takes these dataclasses and returns them; none reaches back up the
chain. `to_dict`/`from_dict` give the JSON parse contract (schema 1, see
README) and are what the per-source cache stores.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

SCHEMA = 1

#: Block types an article body is made of.
BLOCK_TYPES = ("paragraph", "subheading", "table", "list", "caption", "signature", "note")
#: Kinds of item on a bulletin page.
ARTICLE_KINDS = ("article", "photo", "notice")
#: Where an issue's date came from, most to least trustworthy.
DATE_SOURCES = ("front-matter", "filename", "page", "inferred", "unknown")


@dataclass
class Diagnostic:
    """Something an editor should look at: always tied to a source line."""

    line: int
    message: str
    severity: str = "warning"  # "warning" | "error"

    def to_dict(self) -> dict:
        return {"line": self.line, "message": self.message, "severity": self.severity}


@dataclass
class Source:
    """One issue file, decoded. `lines` keeps every source line (1-based via index+1)."""

    path: str  # as given / relative to the archive root, POSIX separators
    text: str  # decoded text, front matter included, line endings normalised to \n
    encoding: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    body_start: int = 1  # first line number after the front matter
    content_hash: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass
class Block:
    """A piece of an article body; `lines` is the inclusive 1-based source range."""

    type: str
    text: str
    lines: tuple[int, int]
    rows: list[list[str]] | None = None  # tables only
    items: list[str] | None = None  # lists only (text joins them with newlines)
    level: int | None = None  # subheadings: Markdown level when the file gave one

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"type": self.type, "text": self.text, "lines": list(self.lines)}
        if self.rows is not None:
            d["rows"] = self.rows
        if self.items is not None:
            d["items"] = self.items
        if self.level is not None:
            d["level"] = self.level
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Block":
        return cls(
            type=d["type"],
            text=d["text"],
            lines=tuple(d["lines"]),
            rows=d.get("rows"),
            items=d.get("items"),
            level=d.get("level"),
        )


@dataclass
class Article:
    id: str
    kind: str = "article"
    kicker: str | None = None
    title: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    authors: list[str] = field(default_factory=list)
    continued_from: str | None = None
    continued_to: str | None = None
    event_date: str | None = None
    lines: tuple[int, int] = (0, 0)
    blocks: list[Block] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    caption_lines: list[tuple[int, int]] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    #: where each district and street tag is: the names above it, "/"-joined (通州区 → 北京市,
    #: 幸福街道 → 江苏省/南通市/港闸区), for the place pages' 省 › 市 › 区 › 街道 chain
    place_chains: dict[str, str] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    number: int = 0  # 1-based position in its issue
    #: keyword candidates and their weights, kept (in the cache only) so keywords can be
    #: re-ranked against a grown archive without segmenting every article again
    term_counts: dict[str, float] = field(default_factory=dict)
    #: set on summaries only (see `summary`): (display title, characters of body_text, lede)
    summarised: tuple | None = None

    def summary(self) -> "Article":
        """A copy without body, captions or term counts: what lists, tags, feeds and
        the archive-wide stages need. Summaries keep a 10,000-issue archive in
        memory at a fraction of its size; pages that show a body load the full issue."""
        return replace(self, blocks=[], captions=[], caption_lines=[], term_counts={},
                       summarised=(self.display_title, self.chars, self.lede))

    @property
    def chars(self) -> int:
        """Characters of reader-visible text (also known for summaries)."""
        return self.summarised[1] if self.summarised else len(self.body_text)

    @property
    def lede(self) -> str:
        """The first ~200 characters of the body (or the caption): descriptions and feed
        summaries (also known for summaries)."""
        if self.summarised:
            return self.summarised[2] if len(self.summarised) > 2 else ""
        for text in [b.text for b in self.blocks if b.type in ("paragraph", "caption")] + self.captions:
            if text and text.strip():
                text = " ".join(text.split())
                return text[:200] + ("…" if len(text) > 200 else "")
        return ""

    @property
    def people(self) -> list[str]:
        """Everyone the article names: its authors (bylines), then the tagger's persons."""
        return list(dict.fromkeys([n for n in (*self.authors, *self.persons) if n]))

    @property
    def display_title(self) -> str:
        """A title for lists and links: photo items have none, so use the caption."""
        if self.title:
            return self.title
        if self.summarised:
            return self.summarised[0]
        if self.captions:
            text = self.captions[0].lstrip("▲△①②③④⑤⑥⑦⑧⑨⑩ ")
            return text[:30] + ("…" if len(text) > 30 else "")
        for block in self.blocks:
            if block.text:
                return block.text[:30] + ("…" if len(block.text) > 30 else "")
        return "(无标题)"

    @property
    def body_text(self) -> str:
        """All reader-visible text, for search, tagging and keyword IDF."""
        parts = [p for p in (self.kicker, self.title, self.subtitle) if p]
        parts += [b.text for b in self.blocks]
        parts += self.captions
        return "\n".join(parts)

    def to_dict(self, with_terms: bool = False) -> dict:
        d = {
            "id": self.id,
            "number": self.number,
            "kind": self.kind,
            "kicker": self.kicker,
            "title": self.title,
            "subtitle": self.subtitle,
            "byline": self.byline,
            "authors": list(self.authors),
            "continued_from": self.continued_from,
            "continued_to": self.continued_to,
            "event_date": self.event_date,
            "lines": list(self.lines),
            "blocks": [b.to_dict() for b in self.blocks],
            "captions": list(self.captions),
            "caption_lines": [list(x) for x in self.caption_lines],
            "districts": list(self.districts),
            "streets": list(self.streets),
            "place_chains": dict(self.place_chains),
            "topics": list(self.topics),
            "keywords": list(self.keywords),
            "persons": list(self.persons),
        }
        if with_terms:
            d["term_counts"] = self.term_counts
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Article":
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["lines"] = tuple(d.get("lines", (0, 0)))
        kwargs["blocks"] = [Block.from_dict(b) for b in d.get("blocks", [])]
        kwargs["caption_lines"] = [tuple(x) for x in d.get("caption_lines", [])]
        return cls(**kwargs)


@dataclass
class Issue:
    """One parsed issue file: what the site and search index are built from."""

    source: str
    slug: str = ""  # ASCII, stable: derived from the file name
    publication: str | None = None
    page: str | None = None  # 版次: front matter, else the page's own label (`第A02版：要闻`)
    page_name: str | None = None  # 版名 from the page label (`要闻`)
    #: the page's staff from its footer (`责任编辑：王芳` → {"责任编辑": ["王芳"]})
    page_meta: dict[str, list[str]] = field(default_factory=dict)
    #: page furniture lines (labels, folios, staff) as they were written: not articles
    furniture: list[Block] = field(default_factory=list)
    district: str | None = None  # front matter, or the district the issue is most about
    date: str | None = None  # ISO yyyy-mm-dd
    date_source: str = "unknown"
    encoding: str = "utf-8"
    content_hash: str = ""
    articles: list[Article] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    source_lines: list[str] = field(default_factory=list)  # for the source view
    #: identifies the parsed content (the parse cache key): equal keys, equal issue
    content_key: str = ""

    def summary(self) -> "Issue":
        """The issue with article summaries and no source lines (see `Article.summary`)."""
        return replace(self, articles=[a.summary() for a in self.articles], source_lines=[])

    def to_dict(self, with_source_lines: bool = False) -> dict:
        d = {
            "source": self.source,
            "slug": self.slug,
            "publication": self.publication,
            "page": self.page,
            "page_name": self.page_name,
            "page_meta": self.page_meta,
            "furniture": [b.to_dict() for b in self.furniture],
            "district": self.district,
            "date": self.date,
            "date_source": self.date_source,
            "encoding": self.encoding,
            "warnings": [w.to_dict() for w in self.warnings],
            "articles": [a.to_dict(with_terms=with_source_lines) for a in self.articles],
        }
        if with_source_lines:
            d["content_hash"] = self.content_hash
            d["source_lines"] = self.source_lines
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Issue":
        return cls(
            source=d["source"],
            slug=d.get("slug", ""),
            publication=d.get("publication"),
            page=d.get("page"),
            page_name=d.get("page_name"),
            page_meta=d.get("page_meta") or {},
            furniture=[Block.from_dict(b) for b in d.get("furniture", [])],
            district=d.get("district"),
            date=d.get("date"),
            date_source=d.get("date_source", "unknown"),
            encoding=d.get("encoding", "utf-8"),
            content_hash=d.get("content_hash", ""),
            articles=[Article.from_dict(a) for a in d.get("articles", [])],
            warnings=[Diagnostic(**w) for w in d.get("warnings", [])],
            source_lines=d.get("source_lines", []),
        )


class SourceError(Exception):
    """A file that cannot be read as an issue at all (undecodable, empty, bad front matter)."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: error: {message}")


__all__ = [
    "SCHEMA",
    "BLOCK_TYPES",
    "ARTICLE_KINDS",
    "DATE_SOURCES",
    "Diagnostic",
    "Source",
    "Block",
    "Article",
    "Issue",
    "SourceError",
]
