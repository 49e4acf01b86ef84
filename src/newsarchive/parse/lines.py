"""Line rules: each recognises one construct of a bulletin page on a single line.

Like markdown-it's block rules, every rule is a small function that looks at
one stripped line and answers with a `Line` (or None); `classify` tries them
in order of specificity. The assembler in `assemble.py` decides from the
sequence what the lines mean together. The words the rules look for (roles,
labels, markers) come from `data/forms.yaml` through `vocabulary`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .names import NOT_NAMES, looks_like_name, split_names
from .shapes import (
    BYLINE_MAX,
    CAPTION_CREDIT,
    CIRCLED,
    CLOSERS,
    CONTINUES,
    DATE_FULL,
    DOTS,
    PAGE_NO,
    R,
    VERB,
    VOCAB,
    byline_shape,
    ends_sentence,
    holding,
    holds_credit,
    holds_role,
    names_ok,
    visible_len,
)
from .vocabulary import BULLETS, CLOSE, HAN, OPEN, SPACE, simplified


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
    def indented(self) -> bool:
        """`　　本报讯…`: 数字报 pages indent paragraphs, never headlines."""
        return self.raw[:1] in ("\u3000", "\t") or self.raw.startswith("  ")


# ---------------------------------------------------------------- rules
# Each rule: (no, raw, text) -> Line | None. `text` is stripped, U+3000 → space.
# A rule first asks what every line it recognises holds (a tab, a `#`, a credit's
# `摄` or `图`, a length within bounds) and answers None at once when the line
# lacks it: most lines are running text, and its patterns would fail slowly.

_MD_HEADING = re.compile(r"^(#{1,6})[ \t\u3000]+(.*?)[ \t#]*$")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d{1,2}[.)])[ \t\u3000]+(\S.*)$")
_DATE_LINE = re.compile(r"^(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年\s*[0-9一二三四五六七八九十]{1,3}\s*月\s*[0-9一二三四五六七八九十]{1,3}\s*日$")
_DATE = re.compile(DATE_FULL)
_SPACES = re.compile(r"\s")
_has_gap = re.compile(SPACE).search


def rule_table_row(no, raw, text):
    """`1⇥动画电影《特工总动员》⇥…⇥15`: tab-separated cells."""
    if "\t" not in text:
        return None
    return Line(no, raw, "table_row", text, cells=[c.strip() for c in text.split("\t")])


def rule_md_heading(no, raw, text):
    m = _MD_HEADING.match(text) if text[:1] == "#" else None
    if m and m.group(2):
        return Line(no, raw, "md_heading", m.group(2).strip(), level=len(m.group(1)))
    return None


_PAGE_LABEL = re.compile(
    rf"第?\s*(?P<no>{PAGE_NO})\s*版(?:\s*[:：·•|｜/\-—]?\s*(?P<name>[^\s:：，。,]{{1,12}}))?"
    rf"|(?P<bare>[A-Za-z]{{1,2}}\d{{1,3}})(?:\s*[:：·|｜\-—]?\s*(?P<bname>[{HAN}]{{1,8}}))?"
)
#: what a page label holds (its `版`, or a bare `A03`), in the line or in what the folio leaves of it
_LABEL_SIGN = re.compile(r"版|[A-Za-z]\d")
_FOLIO_PART = re.compile(
    rf"{DATE_FULL}|(?:星期|周|礼拜)[一二三四五六日天]|农历\S{{2,14}}|[{HAN}]{{2,8}}(?:日报|晚报|时报|报)"
    rf"|(?:总第|本期共|共|今日)\s*\d{{1,5}}\s*(?:期|版)|(?<![A-Za-z])\d{{2,5}}\s*期|[上下]一版\s*\d*|\d+\s*[上下]一版|{VOCAB.web_chrome}|\(\d+(?:-\d+)*\)|\d{{1,2}}:\d{{2}}(?::\d{{2}})?"
    rf"|[|｜/·»«>＞:：，,]"
)
#: a web page's footer copied with the text: `2021-11-17 1 1 中国改革报 content_44733.htm …`
_WEB_FOOTER = re.compile(r"content_\d+\.s?html?|enpproperty|版权所有|copy\s*right|©|all\s*rights\s*reserved|ICP备|技术支持",
                         re.IGNORECASE)
#: a character every footer holds: a Latin letter (each English word has one no other script
#: folds to), `©`, or the `权` / `支` of 版权所有 / 技术支持; one class scans fast, the
#: case-blind alternation tries each of its words at every position of a paragraph
_FOOTER_SIGN = re.compile("[A-Za-z©权支]")
#: and a word of one, lower-cased: no other letter folds to these (`ICP备` as `cp备`: `İ` lowers to two)
_holds_footer_word = holding(("content_", "enpproperty", "copy", "©", "all", "版权所有", "cp备", "技术支持"))


def _web_footer(text: str) -> bool:
    if not _FOOTER_SIGN.search(text):
        return False
    lower = text.lower()
    return _holds_footer_word(lower) is not None and _WEB_FOOTER.search(text) is not None
_BREADCRUMB = re.compile(rf"^(?:{VOCAB.breadcrumb_start})\s*[:：]?\s*(?:[>＞»›]|\S{{1,12}}\s*[>＞»›])|(?:\S{{1,12}}\s*[>＞»›]\s*){{2,}}")
_WEB_META = re.compile(rf"(?:^|\s)(?:{VOCAB.web_meta_key})\s*[:：]")
_ADDRESS = re.compile(r"[\w.\-]+@[\w\-]+\.[\w.]+|www\.|https?://", re.IGNORECASE)
_BUTTON = re.compile(r"[\[【]\s*[^\]】]{1,10}\s*[\]】]")
_BACK_TO = re.compile(rf"返回[{HAN}]{{1,6}}")
_INK = re.compile(rf"[{HAN}A-Za-z0-9{CIRCLED}{BULLETS}▲▼▽…—]")
_MENU_BAR = re.compile("[|｜]")


_has_angle = holding(">＞»›")
_has_colon = holding(":：")
_has_address_mark = holding("@.:")
_has_bracket = holding("[【")


def rule_web_chrome(no, raw, text):
    """A web page's own lines copied with the article: breadcrumbs (`首页 > 延吉新闻 > 正文`),
    metadata (`2022年10月18日 11:25 来源:新疆学习平台`, `发布时间:2023-07-28`), addresses,
    menus of section names, lines of punctuation only (`|`). Furniture, never text."""
    if (len(text) > 80 and visible_len(text) > 80) or ends_sentence(text):
        return None
    if (_has_angle(text) and _BREADCRUMB.search(text) or _has_colon(text) and _WEB_META.search(text)
            or _has_address_mark(text) and _ADDRESS.search(text)):
        date = _DATE.search(text)
        return Line(no, raw, "furniture", text, extra={"date": date.group(0)} if date else {})
    if _has_bracket(text) and len(_BUTTON.findall(text)) >= 2 or text.startswith("返回") and _BACK_TO.fullmatch(text):
        return Line(no, raw, "furniture", text)  # `[ 返回首页 ] [ 打印 ]`, `返回海口`: the page's buttons
    if not _INK.search(text):
        return Line(no, raw, "furniture", text)  # `|`, `"`: a rule or stray mark of the page
    if text.count("|") + text.count("｜") >= 3 and all(len(w.strip()) <= 12 for w in _MENU_BAR.split(text)):
        return Line(no, raw, "furniture", text)  # `地方网群: 德令哈 | 格尔木 | 乌兰 | …`: links
    words = text.split()
    if len(words) >= 4 and all(len(w) <= 6 for w in words) and len({w[-2:] for w in words}) == 1:
        return Line(no, raw, "furniture", text)  # `凉山新闻 西昌新闻 德昌新闻 …`: the site's menu
    return None


_PAPER_OR_TIME = re.compile(rf"[{HAN}]{{2,8}}(?:日报|晚报|时报|报)|\d{{1,2}}:\d{{2}}")
#: a folio's signals: a weekday, an issue or page number, the web page's buttons; two patterns,
#: each opening with a literal or a class, so that `re` skips to where one can start
_FOLIO_WORD = re.compile(rf"星期[一二三四五六日天]|周[一二三四五六日天]|礼拜[一二三四五六日天]|{VOCAB.web_chrome}")
_FOLIO_NUMBER = re.compile(r"\d\s*[期版]")


def _folio_signal(text: str) -> bool:
    return _FOLIO_WORD.search(text) is not None or _FOLIO_NUMBER.search(text) is not None
_IMAGE_FILE = re.compile(r"[\w\-.]+\.(?:jpe?g|png|gif|bmp|webp)", re.IGNORECASE)
_MENU_ENTRY = re.compile(r"[^|｜。，]{1,16}\s*[|｜]")
_PAGE_META = re.compile(rf"(?P<role>{VOCAB.page_role})\s*[:：/／]?\s*(?P<names>{VOCAB.names})")


def rule_page_label(no, raw, text):
    """`第A02版：要闻`, `二版:综合新闻`, a bare `A03`, or a folio with the date:
    `2023年4月13日 星期四 第A02版`. The page's number and name, not an article."""
    if _web_footer(text):
        return Line(no, raw, "furniture", text)
    if len(text) > 60 and visible_len(text) > 60:
        return None
    if "." in text and _IMAGE_FILE.fullmatch(text):
        return Line(no, raw, "furniture", text)  # `A220220217C.jpg`: a photo's file name
    if text[-1] in "|｜" and _MENU_ENTRY.fullmatch(text):
        return Line(no, raw, "furniture", text)  # `新闻评论 |`: an entry of the page menu
    labelled = _LABEL_SIGN.search(text) is not None
    date = _DATE.search(text)
    paper_and_date = date and _PAPER_OR_TIME.search(text)
    if not labelled and not paper_and_date and not _folio_signal(text):
        return None  # neither a label nor a folio: a lone date signs a notice (see rule_date_line)
    m = _PAGE_LABEL.fullmatch(text) if labelled else None
    if m is None:
        rest = _FOLIO_PART.sub(" ", text).strip()
        m = _PAGE_LABEL.fullmatch(rest) if rest and labelled else None
        if rest and m is None and not (rest.replace(" ", "").isdigit() and _FOLIO_PART.search(text)):
            return None  # (`3 上一篇 下一篇 4 放大 缩小`: page buttons around their numbers)
        if m is None and not paper_and_date and not _folio_signal(text):
            return None
    extra: dict = {}
    if m is not None:
        extra["page"] = _SPACES.sub("", m.group("no") or m.group("bare"))
        extra["page_name"] = m.group("name") or m.group("bname")
    if date:
        extra["date"] = date.group(0)
    return Line(no, raw, "furniture", text, extra=extra)


_META_SEPARATORS = " |｜/，,、;；"


def rule_page_meta(no, raw, text):
    """`责任编辑：王芳　校对：刘洋　美编：孙杰`, `[责任编辑: 马丽娜 ]`: the page's staff, not a byline."""
    pos, meta = 0, {}
    line_text, text = text, text.strip("[]【】〔〕 ")
    if not text.lstrip(_META_SEPARATORS).startswith(VOCAB.page_roles):
        return None  # the staff come first, bar separators
    for m in _PAGE_META.finditer(text):
        if text[pos : m.start()].strip(_META_SEPARATORS):
            return None
        meta.setdefault(m.group("role"), []).extend(split_names(m.group("names")))
        pos = m.end()
    if not meta or text[pos:].strip(_META_SEPARATORS) or visible_len(text) > 60:
        return None
    if not all(looks_like_name(n, strict=False) for names in meta.values() for n in names):
        return None
    return Line(no, raw, "furniture", line_text, extra={"meta": meta})


_LINK_LABELS = tuple(VOCAB.link_labels)


def rule_link_list(no, raw, text):
    """`相关推荐` (or `新闻推荐强化招商引资…`): links to other pages follow."""
    bare = text.rstrip("↓↑→>＞:： ")  # `相关新闻↓`
    if bare.startswith(_LINK_LABELS) and (bare in VOCAB.link_labels or not ends_sentence(bare)) and visible_len(bare) <= 40:
        return Line(no, raw, "furniture", text, extra={"links": True})
    return None


_ROLE_ONLY = re.compile(rf"(?:{R})\s*[:：/／]?")


def rule_role_only(no, raw, text):
    """`本报记者` ⏎ `曹新俊 摄`: a byline broken after its role."""
    if _ROLE_ONLY.fullmatch(text):
        return Line(no, raw, "role", text)
    return None


def rule_list_item(no, raw, text):
    m = _LIST_ITEM.match(text)
    if m and not _DATE_LINE.match(text):
        return Line(no, raw, "list_item", m.group(1).strip())
    return None


_MARKER = re.compile(rf"(?:图\s*)?[{CIRCLED}]")


def rule_marker(no, raw, text):
    """A lone `③` where a photo stood."""
    if _MARKER.fullmatch(text):
        return Line(no, raw, "marker", text)
    return None


def rule_triangle_caption(no, raw, text):
    """`▲时下,随着气温升高,…`: the arrow points at the photo (`△` marks roundup items)."""
    if text[0] in "▲▼▽":
        return Line(no, raw, "caption", text)
    return None


_DOT_BYLINE = re.compile(rf"^[{DOTS}]\s*([{HAN}A-Za-z][{HAN}A-Za-z\s·]*?)\s*[{DOTS}]$")


def rule_dot_byline(no, raw, text):
    """`·王峰艳 赵勇进 王子璇·`."""
    m = _DOT_BYLINE.match(text)
    if m and split_names(m.group(1)):
        return Line(no, raw, "byline", text)
    return None


_TITLED_CREDIT = re.compile(
    rf"^(?:(?P<title>.+?)[\s\u3000]+)?(?P<names>[{HAN}]{{2,4}}(?:[\s\u3000、]+[{HAN}]{{2,4}})*)\s*(?:/|／)?\s*(?P<verb>{VERB}|图)$"
)
ROLE_PREFIX = re.compile(rf"^(?:{R})$")
_ENDS_WITH_VERB = re.compile(rf"(?:{VERB})$")
_BRACKETED_ROLE = re.compile(rf"[{OPEN}]?\s*(?:{R})")
_SLASH = re.compile("[/／]")


def rule_credit(no, raw, text):
    """`沈凯 丁艺摄`, `本报记者 张伟 摄`, `图/李四`; `春风又绿 陈峰摄` also names the photo."""
    if len(text) > 30 and visible_len(text) > 30 or not holds_credit(text):
        return None
    # (`CAPTION_CREDIT`'s pattern matched from the start of the stripped line: the whole
    # line is one credit, without compiling the credit's shape a second time)
    if (CAPTION_CREDIT.pattern.match(text) or _ENDS_WITH_VERB.search(text) and byline_shape(text)) and names_ok(text):
        return Line(no, raw, "credit", text, extra={"title": None})  # `本报记者 X 见习记者 Y 摄`
    if _SLASH.search(text):
        return None  # `张三/文 李四/图`: a byline that credits a photo too
    m = _TITLED_CREDIT.match(text)
    if not m or not all(looks_like_name(n, strict=False) for n in split_names(m.group("names"))):
        return None
    title = m.group("title")
    if title and (ROLE_PREFIX.match(title.strip()) or _BRACKETED_ROLE.fullmatch(title.strip())):
        title = None  # `记者 张三 摄`: a role, not a photo title
    if title and all(looks_like_name(n) for n in split_names(title)) and visible_len(title) <= 12:
        title = None  # "沈凯 丁艺摄": every word is a name
    return Line(no, raw, "credit", text, extra={"title": title.strip() if title else None})


def rule_caption_credit(no, raw, text):
    """`4月10日，瓜沥镇农民在田间抢播早稻。 本报记者 张伟 摄`: a caption and its credit."""
    m = CAPTION_CREDIT.search(text)
    if not m or m.start() == 0:
        return None
    caption, credit = text[: m.start()], m.group("credit").strip()
    if visible_len(caption) < 4 or not names_ok(credit):
        return None
    if not (ends_sentence(caption) or caption[-1] in CLOSERS or m.group("credit")[:1].isspace() or credit[0] in OPEN):
        return None  # `…拿出手机拍摄`: a verb in running text, not a credit
    return Line(no, raw, "caption", text, extra={"caption": caption.rstrip(), "credit": credit})


def rule_numbered_caption(no, raw, text):
    """`① 天生港镇街道龙湖佳苑核酸采样点。`."""
    if _MARKER.match(text) and visible_len(text) <= 80:
        return Line(no, raw, "caption", text)
    return None


_has_byline_mark = holding("/／·:： \t\u00a0\u3000")


def rule_byline(no, raw, text):
    """`记者 袁晓婕`, `■记者 张三`, `文/图 见习记者 周小燕`, `张三/文 李四/图`,
    `（本报记者 王五 整理）`, `（张三 李四）`: who wrote it, on a line of its own."""
    if len(text) > BYLINE_MAX and visible_len(text) > BYLINE_MAX or ends_sentence(text.rstrip(CLOSE)):
        return None
    if not (text[0] in OPEN or _has_byline_mark(text) or holds_role(text)):
        return None  # each credited group holds a slash, a colon, a gap or a role
    if byline_shape(text, names_in_brackets=True) and names_ok(text):
        return Line(no, raw, "byline", text)
    return None


_AFFILIATION = re.compile(rf"^[{HAN}0-9]{{2,16}}?(?:{VOCAB.affiliation_tail}){SPACE}+(?P<name>[{HAN}]{{2,4}})$")


def rule_affiliation_byline(no, raw, text):
    """`平和县第一中学 林小雨`: a contributor signs with where they come from."""
    m = _AFFILIATION.match(text) if _has_gap(text) else None
    if m and looks_like_name(m.group("name")):
        return Line(no, raw, "byline", text)
    return None


_DATELINE = re.compile(rf"^\d{{1,2}}\s*月\s*\d{{1,2}}\s*日{SPACE}+[{HAN}]{{2,20}}$")


def rule_dateline(no, raw, text):
    """`9月21日 苍南县龙港镇卢家村`: when and where a roundup item was reported."""
    if _DATELINE.match(text):
        return Line(no, raw, "dateline", text)
    return None


def rule_date_line(no, raw, text):
    """`2020年5月13日` alone: the date under a notice's issuer."""
    if _DATE_LINE.match(text):
        return Line(no, raw, "date_line", text)
    return None


_NAME_NOTE = re.compile(r"[（(](?:实习|实习生|见习)[）)]")
_PADDED_NAME = re.compile(rf"(?<![{HAN}])([{HAN}]){SPACE}{{1,2}}([{HAN}])(?![{HAN}])")
_BARE_NAMES = re.compile(rf"[{HAN}]{{2,4}}(?:[ \u3000、]+[{HAN}]{{2,4}})*")
#: a character no line of names holds, even before its `（实习）` notes and padding are taken out
_NOT_IN_NAMES = re.compile(rf"[^{HAN} \u3000、\t\u00a0（()）]")


def rule_bare_names(no, raw, text):
    """`张军`, `王俊荣`, `郭玉红 任溢斌`: a line of nothing but 2–4 character names."""
    if "习" not in text and len(text) > 16 and visible_len(text) > 16 or _NOT_IN_NAMES.search(text):
        return None  # too long for names, and no `（实习）` note to take out; or not names at all
    if "习" in text:
        text = _NAME_NOTE.sub(" ", text)
    if _has_gap(text):
        text = _PADDED_NAME.sub(r"\1\2", text).strip()  # `吴昌松  龚 玉（实习）`
    if visible_len(text) > 16 or not _BARE_NAMES.fullmatch(text):
        return None
    if VOCAB.label_kind(text) is not None or text in VOCAB.letter_closings:
        return None  # `简讯`, `组图`: a column label; `此致`: a letter's closing
    names = split_names(text)
    if len(names) == 1:
        word = names[0]
        ok = (looks_like_name(word, strict=len(word) == 4) or len(word) <= 3) and word not in NOT_NAMES
        ok = ok and not _NOTICE_END.search(word) and not word.startswith("致")
    else:
        ok = all(looks_like_name(n, strict=False) for n in names)
    return Line(no, raw, "names", raw.strip()) if ok else None


_NOTICE_END = re.compile(f"(?:{'|'.join(VOCAB.notice_words)})$")
_CONTINUED = re.compile(rf"^[{OPEN}]\s*(?:{VOCAB.continued_from})\s*(?:第\s*)?(?P<page>{PAGE_NO})\s*版\s*[{CLOSE}]")


def rule_text(no, raw, text):
    """Everything else is running text; `（上接1版）` at its start is noted."""
    m = _CONTINUED.match(text)
    if m:
        page = _SPACES.sub("", m.group("page"))
        return Line(no, raw, "text", text, extra={"continued_from": page + "版", "marker_end": m.end()})
    return Line(no, raw, "text", text)


RULES = (
    rule_table_row,
    rule_md_heading,
    rule_link_list,
    rule_web_chrome,
    rule_page_label,
    rule_page_meta,
    rule_role_only,
    rule_list_item,
    rule_marker,
    rule_triangle_caption,
    rule_dot_byline,
    rule_credit,
    rule_numbered_caption,
    rule_byline,
    rule_caption_credit,
    rule_affiliation_byline,
    rule_dateline,
    rule_date_line,
    rule_bare_names,
    rule_text,
)


#: the rules a line of more than 80 visible characters can answer to: the others are
#: for short lines (each answers None beyond its length), and a page is mostly paragraphs
LONG_RULES = tuple(rule for rule in RULES if rule not in (
    rule_web_chrome, rule_marker, rule_credit, rule_numbered_caption, rule_byline, rule_dateline, rule_date_line))
LONG = 80

_BULLET = re.compile(rf"^(?:[■□◆◇★☆◎△]|●(?!.*[{DOTS}]$))\s*")


def classify(no: int, raw: str) -> Line:
    """Apply the line rules in order of specificity; the last one always answers.
    A leading bullet (`■`, `△`) is matched past and noted in `extra`; the text keeps it."""
    original = raw.strip().replace("\u3000", " ").strip()
    text = simplified(original)
    bullet = _BULLET.match(text)
    if bullet and bullet.end() < len(text):
        text = text[bullet.end():]
    else:
        bullet = None
    for rule in LONG_RULES if len(text) > LONG and visible_len(text) > LONG else RULES:
        line = rule(no, raw, text)
        if line is not None:
            return _restore(line, original, text, bullet)
    raise AssertionError("rule_text answers every line")


def _restore(line: Line, original: str, matched: str, bullet) -> Line:
    """Give the line back the characters matching looked past (bullet, traditional forms)."""
    offset = bullet.end() if bullet else 0
    if bullet:
        line.extra["bullet"] = True
    if line.text == matched:
        line.text = original
    elif matched.endswith(line.text):  # markup consumed at the start (heading marks, list bullets)
        line.text = original[len(original) - len(line.text):]
    if "caption" in line.extra:
        line.extra["caption"] = original[: offset + len(line.extra["caption"])]
        line.extra["credit"] = original[len(original) - len(line.extra["credit"]):]
    if line.cells is not None:
        line.cells = [c.strip() for c in original.split("\t")]
    if "marker_end" in line.extra:
        line.extra["marker_end"] += offset
    return line


def strip_markup(text: str) -> str:
    """The characters a line holds once the parser has consumed its markup
    (heading marks, list bullets, continuation wrappers): what accounting expects."""
    if "\t" not in text:
        m = _MD_HEADING.match(text)
        if m and m.group(2):
            text = m.group(2)
        else:
            m = _LIST_ITEM.match(text)
            if m:
                text = m.group(1)
    m = _CONTINUED.match(simplified(text))
    if m:
        text = text[m.end():]
    text = text.rstrip()
    m = CONTINUES.search(text)
    return text[: m.start()] if m else text
