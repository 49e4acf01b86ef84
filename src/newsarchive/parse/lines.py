"""Line rules: each recognises one construct of a bulletin page on a single line.

Like markdown-it's block rules, every rule is a small function that looks at
one stripped line and answers with a `Line` kind (or None). The assembler in
`articles.py` decides from the sequence what the lines mean together.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .names import looks_like_name, split_names

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
DOTS = "·•・‧∙●"
#: a sentence is over when a line ends with one of these (optionally inside a closing quote/bracket)
SENTENCE_END = "。！？!?…；;"
CLOSERS = "”’」』）)】》\"'"
#: a line ending with one of these is certainly unfinished
CLAUSE_OPEN = "，,、“‘「『（(【《—-"
#: `会议强调：` may introduce separate paragraphs, or end a kicker: never certainly cut
COLONS = "：:"

HEADLINE_MAX = 48  # characters; longer unpunctuated lines are cut paragraphs


@dataclass
class Line:
    """One non-blank source line with what the rules saw in it."""

    no: int  # 1-based source line number
    raw: str  # the line as written (without newline)
    kind: str  # see classify()
    text: str  # content without markup (heading marks, list bullets)
    level: int | None = None  # Markdown heading level
    cells: list[str] | None = None  # table row cells
    gap_before: int = 0  # blank lines before it
    extra: dict = field(default_factory=dict)

    @property
    def short(self) -> bool:
        return visible_len(self.text) <= HEADLINE_MAX


def visible_len(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def ends_sentence(text: str) -> bool:
    t = text.rstrip()
    while t and t[-1] in CLOSERS:
        t = t[:-1]
    return bool(t) and (t[-1] in SENTENCE_END or t.endswith("……"))


def ends_open_clause(text: str) -> bool:
    t = text.rstrip()
    return bool(t) and t[-1] in CLAUSE_OPEN and not t.endswith("——")


# ---------------------------------------------------------------- rules

_MD_HEADING = re.compile(r"^(#{1,6})[ \t\u3000]+(.*?)[ \t#]*$")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d{1,2}[.)])[ \t\u3000]+(\S.*)$")
_DOT_BYLINE = re.compile(rf"^[{DOTS}]\s*([{HAN}A-Za-z][{HAN}A-Za-z\s·]*?)\s*[{DOTS}]$")
_REPORTER = re.compile(
    rf"^(?:本报|本刊)?(?:(?:记者|通讯员|实习生|见习记者|特约记者|撰稿|摄影|编辑)\s*[/／:：]?|(?:文|图|文图|图文)\s*[/／:：])\s*[{HAN}]"
)
_CREDIT = re.compile(rf"^(?:(?P<title>.+?)[\s\u3000]+)?(?P<names>[{HAN}]{{2,4}}(?:[\s\u3000、]+[{HAN}]{{2,4}})*)\s*(?:/|／)?\s*(?P<verb>摄影?|供图|图)$")
_PAREN_BYLINE = re.compile(rf"^[（(]\s*(?:(?:本报|特约|见习|实习)?(?:记者|通讯员|摄影)[\s/／:：]*)?[{HAN}]{{2,4}}(?:[\s\u3000、,，]+(?:(?:记者|通讯员)\s*)?[{HAN}]{{2,4}})*\s*[）)]$")
ROLE_PREFIX = re.compile(r"^(?:本报|特约|见习|实习)?(?:记者|通讯员|摄影记者|摄影)$")
LEAD_BYLINE = re.compile(r"^(?:本报|本刊)[\u4e00-\u9fff]{0,6}?讯\s*(?:[（(][^（()）]{2,40}[）)])?|^[（(]\s*(?:本报)?(?:记者|通讯员)[^（()）]{2,40}[）)]")
CAPTION_CREDIT = re.compile(rf"\s*[（(]\s*((?:(?:本报)?(?:记者|通讯员)\s*)?[{HAN}]{{2,4}}(?:[\s\u3000、]+[{HAN}]{{2,4}})*)\s*(?:/|／)?\s*摄影?\s*[）)]$")
_TRIANGLE = re.compile(r"^[▲△▼▽◆]")
_NUMBERED = re.compile(rf"^(?:图\s*)?[{CIRCLED}]")
_LONE_MARKER = re.compile(rf"^(?:图\s*)?[{CIRCLED}]$")
_CONTINUED = re.compile(r"^[（(]\s*上接\s*(?:第\s*)?([0-9一二三四五六七八九十A-Za-z]+)\s*版\s*[）)]")
_CONTINUES = re.compile(r"[（(]\s*下转\s*(?:第\s*)?([0-9一二三四五六七八九十A-Za-z]+)\s*版\s*[）)]$")
_DATE_LINE = re.compile(r"^(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})年[0-9一二三四五六七八九十]{1,3}月[0-9一二三四五六七八九十]{1,3}日$")
_ORDINAL_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[章条部分])")


def classify(no: int, raw: str) -> Line:
    """Apply the line rules in order of specificity."""
    text = raw.strip().replace("\u3000", " ").strip()
    if "\t" in raw.strip() and len([c for c in raw.strip().split("\t")]) >= 2:
        cells = [c.strip() for c in raw.strip().split("\t")]
        return Line(no, raw, "table_row", text, cells=cells)
    m = _MD_HEADING.match(text)
    if m and m.group(2):
        return Line(no, raw, "md_heading", m.group(2).strip(), level=len(m.group(1)))
    m = _LIST_ITEM.match(text)
    if m and not _DATE_LINE.match(text):
        return Line(no, raw, "list_item", m.group(1).strip())
    if _LONE_MARKER.match(text):
        return Line(no, raw, "marker", text)
    if _TRIANGLE.match(text):
        return Line(no, raw, "caption", text)
    m = _DOT_BYLINE.match(text)
    if m and len(split_names(m.group(1))) >= 1:
        return Line(no, raw, "byline", text)
    m = _CREDIT.match(text)
    if m and visible_len(text) <= 30 and all(looks_like_name(n, strict=False) for n in split_names(m.group("names"))):
        title = m.group("title")
        if title and ROLE_PREFIX.match(title.strip()):
            title = None  # `记者 张三 摄`: a role, not a photo title
        if title and all(looks_like_name(n) for n in split_names(title)) and visible_len(title) <= 12:
            title = None  # "沈凯 丁艺摄": every word is a name
        return Line(no, raw, "credit", text, extra={"title": title.strip() if title else None})
    if _NUMBERED.match(text) and visible_len(text) <= 80:
        return Line(no, raw, "caption", text)
    if _PAREN_BYLINE.match(text) and all(looks_like_name(n, strict=False) for n in split_names(re.sub(r"[（()）]|记者|通讯员|本报|摄影", " ", text))):
        return Line(no, raw, "byline", text)
    if _REPORTER.match(text) and visible_len(text) <= 30 and not ends_sentence(text) and "，" not in text and "," not in text:
        return Line(no, raw, "byline", text)
    if _DATE_LINE.match(text):
        return Line(no, raw, "date_line", text)
    if _is_bare_names(text):
        return Line(no, raw, "names", text)
    m = _CONTINUED.match(text)
    if m:
        return Line(no, raw, "text", text, extra={"continued_from": m.group(1) + "版", "marker_end": m.end()})
    return Line(no, raw, "text", text)


def _is_bare_names(text: str) -> bool:
    """`张军`, `王俊荣`, `郭玉红 任溢斌`: a line of nothing but 2–4 character names."""
    if visible_len(text) > 16 or not re.fullmatch(rf"[{HAN}]{{2,4}}(?:[ \u3000、]+[{HAN}]{{2,4}})*", text):
        return False
    names = split_names(text)
    if len(names) == 1:
        return looks_like_name(names[0], strict=len(names[0]) == 4) or len(names[0]) <= 3
    return all(looks_like_name(n, strict=False) for n in names)


def is_ordinal_section(text: str) -> bool:
    return bool(_ORDINAL_SECTION.match(text))


def headline_like(line: Line) -> bool:
    """Short, unpunctuated text: a title, kicker or subheading candidate."""
    if line.kind == "md_heading":
        return True
    if line.kind != "text" or "continued_from" in line.extra:
        return False
    t = line.text
    if not line.short or ends_sentence(t) or ends_open_clause(t):
        return False
    if t[-1] in COLONS:
        return False
    if "。" in t:
        return False
    # running text cut short (`在西亭镇的企业里,每天都会看到…,全神贯`) has several
    # clause marks; a headline has at most one, bar a kicker's `、…、…——`
    if len(re.findall(r"[，,、；;]", t)) >= 2 and not t.endswith("——"):
        return False
    if t[0] in "（(" and t[-1] in "）)":
        return False  # `(2020年5月13日…会议通过)`: a note, not a title
    if re.search(r"[:：]\s*[0-9A-Za-z（(+\-]{5,}", t) or re.match(r"^(联系|咨询|举报|监督)?(电话|地址|邮箱|网址|邮编|传真|联系人)", t):
        return False  # `联系电话：0513-…`: contact details of a notice
    return True


def continued_to(text: str) -> tuple[str, str] | None:
    m = _CONTINUES.search(text)
    if not m:
        return None
    return text[: m.start()].rstrip(), m.group(1) + "版"
