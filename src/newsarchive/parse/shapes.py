"""The shapes of a page's pieces, compiled once, and the cheap questions asked of a text.

The line rules (`lines.py`), the units pass and the assembler ask the same few
things of a text: how long it is without spaces, whether it ends a sentence,
whether a byline, a photo credit or a continuation marker ends it. The patterns
are built here from the vocabulary (`data/forms.yaml`), so that the word lists
stay in the data file.

A pattern anchored at a text's end is a `TailPattern`. `re` cannot search
backwards, so a search that fails retries the pattern at every position of the
text's tail; each such pattern therefore names the literals one of which every
match holds (a credit holds `摄` or `图`), and the search runs only where the
tail holds one. Most lines hold none, and end with `。`, not a bracket.
"""
from __future__ import annotations

import re

from .names import authors_from_byline, looks_like_name, transcribed_name
from .vocabulary import BULLETS, CLOSE, HAN, OPEN, SPACE, simplified, vocabulary

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
BYLINE_MAX = 48  # characters of a byline line with several roles and names

VOCAB = vocabulary()
R, SLASH, VERB, TAIL = VOCAB.role, VOCAB.slash_role, VOCAB.credit_verb, VOCAB.byline_tail
#: names in a byline's shape; the role words they may swallow (`张三 通讯员 李四`) are
#: taken out by `authors_from_byline`, so the shape needs no look-ahead for each role
#: (with one, the byline patterns took far longer to compile at every start)
NAMES = VOCAB.plain_names

#: one credited group of a byline: `文/图 见习记者 周小燕`, `张三/文`, `记者 李四`, `拍摄者：王五`
#: a paper's name before a role: `梅州日报记者：郑伟梅`, `德州晚报全媒体记者 张明远`
PAPER = rf"[{HAN}]{{2,8}}?(?:日报|晚报|时报|报社|报|网|电视台|融媒体中心)"
_PIECE = (
    rf"(?:(?:{SLASH})\s*(?:[/／·]\s*(?:{SLASH}){SPACE}*[/／:：]?|[/／:：]){SPACE}*(?:(?:{R})\s*[:：]?\s*)?{NAMES}"
    rf"|{NAMES}\s*[/／]\s*(?:{SLASH})"
    rf"|{NAMES}{SPACE}+(?:文|图|摄影|摄|整理)(?:\s*[/／]\s*(?:{SLASH}))?(?![{HAN}])"  # `周明华 图 解雯雯 整理`, `钱晓峰 文/图`
    rf"|(?:{PAPER})?(?:{R})\s*[:：]?\s*{NAMES})"
)
BYLINE = (  # the piece stands once in the pattern (a second copy doubled its compile time)
    rf"(?:(?:{SPACE}*[、,，;；|｜]{SPACE}*|{SPACE}*){_PIECE})+"
    rf"(?:{SPACE}*(?:{TAIL}|{VERB}|(?:{SLASH})(?:\s*[/／]\s*(?:{SLASH}))?))?"  # `… 记者 司新利 文/图`
)
#: the words a credit may put before its names: `拍摄者：赵六`, `图/李四`
CREDIT_WORDS = ("拍摄者", "摄影者", "摄影", "图", "摄")
#: a photographer's credit: `本报记者 张伟 摄`, `（李四 摄影）`, `王五/摄`, `拍摄者：赵六`
CREDIT = (
    rf"[{OPEN}]?\s*(?:(?:(?:{R})\s*[:：]?\s*)?{NAMES}\s*[/／]?\s*(?:{VERB})"
    rf"|(?:{'|'.join(CREDIT_WORDS)})\s*[/／:：]\s*(?:(?:{R})\s*)?{NAMES}"
    rf"|{NAMES}\s*[/／]\s*图)\s*[{CLOSE}]?"  # `（孙树林/图）`
)
#: every credit holds one of these: its verb, the word before its names, or the `图` of `张三/图`
CREDIT_LITERALS = (*VOCAB.credit_verbs, *CREDIT_WORDS, "图")
PAGE_NO = r"(?:[A-Za-z]{1,2}\s*\d{1,3}|\d{1,3}|[一二三四五六七八九十]{1,3})"
DATE_FULL = r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2})"

#: the longest credit, byline or continuation marker that ends a line
TAIL_WIDTH = 80


def _fewest(literals) -> tuple[str, ...]:
    """The literals that hold no shorter one: a text holding `摄影` holds `摄`."""
    kept: list[str] = []
    for word in sorted(set(literals), key=len):
        if not any(k in word for k in kept):
            kept.append(word)
    return tuple(kept)


def holding(words):
    """A test of whether a text holds one of `words`: one pattern of literals, whose first
    characters `re` skips to, in place of a loop of `in` tests."""
    return re.compile("|".join(re.escape(w) for w in _fewest(words))).search


#: one of these is in every role (`R`): the roles without the paper's `本报` before them
holds_role = holding(w.removeprefix("本报") for w in VOCAB.roles)
holds_credit = holding(CREDIT_LITERALS)


def _ends_in_han(text: str) -> bool:
    """The text ends with a Han character, bar whitespace and one closing bracket after it."""
    t = text.rstrip()
    if t[-1:] and t[-1] in CLOSE:
        t = t[:-1].rstrip()
    return bool(t) and ("\u4e00" <= t[-1] <= "\u9fff" or "\u3400" <= t[-1] <= "\u4dbf" or "\uf900" <= t[-1] <= "\ufaff")


class TailPattern:
    """A pattern anchored with `$`, searched in the last `TAIL_WIDTH` characters of
    `simplified(text)` only, and only where they hold one of `literals` (one of which
    every match holds). `closing`: every match ends with a closing bracket; `han`:
    with a Han character, bar whitespace and one closing bracket (a name, a verb)."""

    __slots__ = ("pattern", "holds", "closing", "han")

    def __init__(self, pattern: str, literals, closing: bool = False, han: bool = False):
        assert literals, "a tail pattern names what its matches hold"
        self.pattern = re.compile(pattern)
        self.holds = holding(literals)
        self.closing = closing
        self.han = han

    def search(self, text: str) -> re.Match | None:
        """The match in `simplified(text)`; its positions are those of `text`."""
        if self.closing:
            end = text[-2:-1] if text[-1:] == "\n" else text[-1:]  # `$` also matches before a last newline
            if not end or end not in CLOSE:
                return None
        if self.han and not _ends_in_han(text):
            return None
        start = max(0, len(text) - TAIL_WIDTH)
        window = simplified(text[start:])
        if not self.holds(window):
            return None
        return self.pattern.search(window if start == 0 else simplified(text), start)


def visible_len(text: str) -> int:
    """Characters other than whitespace (`str.split` and `re`'s `\\s` agree on what that is)."""
    return len("".join(text.split()))


def ends_sentence(text: str) -> bool:
    t = text.rstrip().rstrip(CLOSERS)
    return bool(t) and (t[-1] in SENTENCE_END or t.endswith("……"))


def ends_open_clause(text: str) -> bool:
    t = text.rstrip()
    return bool(t) and t[-1] in CLAUSE_OPEN and not t.endswith("——")


HAS_ROLE = re.compile(rf"{R}|[/／]")


def names_ok(byline: str) -> bool:
    """Every word a byline credits is a plausible name (roles and marks removed)."""
    names = authors_from_byline(byline)
    credited = HAS_ROLE.search(simplified(byline)) is not None
    return bool(names) and all(looks_like_name(n) or credited and transcribed_name(n) for n in names)


#: `（下转2版）` at the end of a paragraph: it goes on on another page
CONTINUES = TailPattern(rf"[{OPEN}]\s*(?:{VOCAB.continued_to})\s*(?:第\s*)?(?P<page>{PAGE_NO})\s*版\s*[{CLOSE}]$",
                        VOCAB.continued_to_words, closing=True)
#: `…村民播种。（张三 摄）`: the photographer's credit that ends a caption
CAPTION_CREDIT = TailPattern(rf"(?P<credit>{SPACE}*{CREDIT})$", CREDIT_LITERALS, han=True)
#: `…落到实处。（记者 张三 通讯员 李四）` / `（张三 李四）`: the byline after the text; the
#: group `byline` is set where the brackets hold a byline, not only names
TRAILING_BYLINE = TailPattern(rf"[{OPEN}]\s*(?:(?P<byline>{BYLINE})|{NAMES})\s*[{CLOSE}]$", tuple(OPEN), closing=True)
_BULLET_AND_SPACE = re.compile(rf"[{BULLETS}]?\s*")


def byline_shape(text: str, names_in_brackets: bool = False) -> bool:
    """A stripped line is a byline and only that: `■记者 张三`, `（本报记者 王五 整理）`, or
    with `names_in_brackets` also `（张三 李四）`.

    It reuses `TRAILING_BYLINE`'s pattern, a bare byline wrapped in brackets for it, rather
    than compiling the byline's shape again: `re` compiles each of its Han classes at every
    start, code point by code point. (No role, verb or separator holds a bracket or bullet:
    tests/test_parse_rules.py.)"""
    rest = text[_BULLET_AND_SPACE.match(text).end():]
    if rest[:1] in OPEN:
        m = TRAILING_BYLINE.pattern.match(rest)
        return m is not None and (m.group("byline") is not None or names_in_brackets and len(rest) == len(text))
    m = TRAILING_BYLINE.pattern.match(f"（{rest}）")
    return m is not None and m.group("byline") is not None
#: `本报讯（记者 张三）`, `合川日报消息（…）`, `本报合肥18日电 记者 李四 `, `（记者 王五）`:
#: the dateline and byline that open a lead paragraph
LEAD_BYLINE = re.compile(
    rf"^[{BULLETS}]?\s*(?:{VOCAB.lead})(?:\s*[{OPEN}][^{OPEN}{CLOSE}]{{2,60}}[{CLOSE}]|{SPACE}+{BYLINE}(?={SPACE}))?"
    rf"|^[{OPEN}]\s*(?:本报)?(?:{R})[^{OPEN}{CLOSE}]{{2,40}}[{CLOSE}]"
)


def continued_to(text: str) -> tuple[str, str] | None:
    m = CONTINUES.search(text)
    if not m:
        return None
    return text[: m.start()].rstrip(), re.sub(r"\s", "", m.group("page")) + "版"


_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[章条部分])")


def is_ordinal_section(text: str) -> bool:
    return _ORDINAL.match(text) is not None


_CLAUSE_MARK = re.compile(r"[，,、；;]")
_CONTACT = re.compile(r"[:：]\s*[0-9A-Za-z（(+\-]{5,}")
_CONTACT_LABEL = re.compile(r"^(联系|咨询|举报|监督)?(电话|地址|邮箱|网址|邮编|传真|联系人)")


def headline_like(line) -> bool:
    """Short, unpunctuated text: a title, kicker or subheading candidate (of a `Line` or `Unit`)."""
    return headline_shape(line.kind, line.text, line.extra)


def headline_shape(kind: str, t: str, extra: dict) -> bool:
    if kind == "md_heading":
        return True
    if kind != "text" or "continued_from" in extra:
        return False
    if len(t) > HEADLINE_MAX and visible_len(t) > HEADLINE_MAX:
        return False
    if ends_sentence(t) or ends_open_clause(t) or t in VOCAB.letter_closings:
        return False
    if t[-1] in COLONS or CONTINUES.search(t):
        return False  # `…（下转2版）`: running text continued on another page
    if "。" in t:
        return False
    # running text cut short (`在西亭镇的企业里,每天都会看到…,全神贯`) has several
    # clause marks; a headline has at most one, bar a kicker's `、…、…——`
    if len(_CLAUSE_MARK.findall(t)) >= 2 and not t.endswith("——"):
        return False
    if t[0] in "（(" and t[-1] in "）)":
        return False  # `(2020年5月13日…会议通过)`: a note, not a title
    if _CONTACT.search(t) or _CONTACT_LABEL.match(t):
        return False  # `联系电话：0513-…`: contact details of a notice
    return True
