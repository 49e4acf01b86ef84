"""`newsarchive check`: lint issue files the way an editor needs.

Every finding names file and line, a severity and what to do about it. It
reads the same parse results as the build (so it can never disagree with what
will be published) and adds what only makes sense across the archive:
duplicate articles and places the gazetteer does not know.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

from .model import Issue
from .pipeline import ParseResult

PLACE_SUFFIXES = ("街道", "镇")
GENERIC_PLACES = {"乡镇", "城镇", "村镇", "集镇", "小镇", "古镇", "重镇", "强镇", "名镇", "新镇"}
PROPER_TAGS = ("ns", "nr", "nz", "nt", "j")

HINTS = {
    "date-inferred": "add `date: YYYY-MM-DD` to the front matter (or put the date in the file name)",
    "date-missing": "add `date: YYYY-MM-DD` to the front matter",
    "no-title": "put the headline on its own line, separated by a blank line, above the first paragraph",
    "no-byline": "end the article with its byline (e.g. `·张三·` or `记者 张三`) on its own line",
    "join": "if these are two paragraphs, end the first with its punctuation; if a headline, put blank lines around it",
    "unknown-place": "if it is a real place, add it to data/gazetteer.yaml (aliases or streets)",
    "duplicate": "remove one copy, or give each its own date/front matter if both are meant",
    "unreadable": "save the file as UTF-8 text (Notepad: Save as → Encoding: UTF-8)",
    "front-matter": "front matter is YAML between two `---` lines: `key: value` per line",
    "symlink": "put the file itself in the folder instead of a link, or remove the link",
    "too-large": "one file is one newspaper page: split it",
}


@dataclass
class Finding:
    path: str
    line: int | None
    severity: str  # error | warning
    code: str
    message: str
    hint: str = ""

    def format(self) -> str:
        """One line, whatever the file name holds (a newline is written `\\n`)."""
        from .source import shown_path

        where = f"{self.path}:{self.line}" if self.line else self.path
        hint = f" [{self.hint}]" if self.hint else ""
        return shown_path(f"{where}: {self.severity}: {self.message}{hint}")

    def to_dict(self) -> dict:
        return asdict(self)


def _code_for(message: str) -> str:
    if "inferred" in message:
        return "date-inferred"
    if "no issue date" in message:
        return "date-missing"
    if "joined" in message:
        return "join"
    if "without a detected title" in message:
        return "no-title"
    return "parse"


def _error_code(message: str) -> str:
    if "symlink" in message:
        return "symlink"
    if "larger than" in message:
        return "front-matter" if "front matter" in message else "too-large"
    return "front-matter" if "front matter" in message else "unreadable"


def check_archive(result: ParseResult, known_places=None, segmenter=None) -> list[Finding]:
    findings: list[Finding] = []
    for error in result.errors:
        code = _error_code(error.message)
        findings.append(Finding(error.path, error.line, "error", code, error.message, HINTS[code]))
    seen: dict[str, tuple[str, int]] = {}
    for issue in result.issues:
        for w in issue.warnings:
            code = _code_for(w.message)
            findings.append(Finding(issue.source, w.line, w.severity, code, w.message, HINTS.get(code, "")))
        for article in issue.articles:
            findings.extend(_article_findings(issue, article, known_places, segmenter))
            digest = _fingerprint(article)
            if digest in seen and seen[digest][0] != issue.source:
                other, other_line = seen[digest]
                findings.append(
                    Finding(issue.source, article.lines[0], "warning", "duplicate",
                            f"article '{article.display_title}' also appears in {other}:{other_line}", HINTS["duplicate"])
                )
            else:
                seen.setdefault(digest, (issue.source, article.lines[0]))
    findings.sort(key=lambda f: (f.path, f.line or 0, f.code))
    return findings


def _article_findings(issue: Issue, article, known_places, segmenter) -> list[Finding]:
    out = []
    if article.kind == "article" and article.title and not article.byline:
        out.append(Finding(issue.source, article.lines[1], "warning", "no-byline",
                           f"article '{article.display_title}' has no byline", HINTS["no-byline"]))
    if known_places is not None and segmenter is not None:
        reported: set[str] = set()
        for block in article.blocks:
            for word in unknown_places(block.text, known_places, segmenter):
                if word not in reported:
                    reported.add(word)
                    out.append(Finding(issue.source, block.lines[0], "warning", "unknown-place",
                                       f"'{word}' looks like a place but is not in the gazetteer", HINTS["unknown-place"]))
    return out


def unknown_places(text: str, known_places, segmenter) -> list[str]:
    """Proper nouns followed by 街道/镇 (or segmented whole as one) that the gazetteer lacks:
    no known name starts with them and they end with none (`known_places`: a
    `tagging.PlaceNames`, or any collection of names)."""
    knows = _place_lookup(known_places)
    tokens = segmenter.tag(text)
    found = []
    for i, (word, tag) in enumerate(tokens):
        candidate = None
        if word in PLACE_SUFFIXES and i and tokens[i - 1][1].startswith(PROPER_TAGS) and 2 <= len(tokens[i - 1][0]) <= 4:
            candidate = tokens[i - 1][0] + word
        elif word.endswith(PLACE_SUFFIXES) and len(word) >= 3 and tag.startswith(PROPER_TAGS) and word not in GENERIC_PLACES:
            candidate = word
        if candidate and not knows(candidate):
            found.append(candidate)
    return found


def _place_lookup(known_places):
    """`PlaceNames.knows` of the names (made from a plain collection of names if need be)."""
    from .tagging.gazetteer import PlaceNames

    if not isinstance(known_places, PlaceNames):
        known_places = PlaceNames(known_places)
    return known_places.knows


def _fingerprint(article) -> str:
    body = "".join(b.text for b in article.blocks if b.type == "paragraph")[:400] or "".join(article.captions)
    return hashlib.sha1(((article.title or "") + "|" + body).encode("utf-8")).hexdigest()


def exit_status(findings: list[Finding]) -> int:
    return 1 if any(f.severity == "error" for f in findings) else 0


def new_issue_text(date: str, publication: str | None, page: str | None, district: str | None) -> str:
    lines = ["---"]
    if publication:
        lines.append(f"publication: {publication}")
    lines.append(f"date: {date}")
    if page:
        lines.append(f"page: {page}")
    if district:
        lines.append(f"district: {district}")
    lines += [
        "# 在下面粘贴本版文字：标题、正文、署名各占一行，段落之间空一行。",
        "# Paste the page's text below: headlines, paragraphs and bylines on their own lines, a blank line between paragraphs.",
        "---",
        "",
        "",
    ]
    return "\n".join(lines)


def new_issue_path(folder: Path, date: str, page: str | None, slug: str | None) -> Path:
    stem = "-".join(x for x in (date, slug or "", f"p{page}" if page else "") if x)
    path = folder / f"{stem}.txt"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.txt"
        n += 1
    return path
