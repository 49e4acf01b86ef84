"""Pass 2 of the parse: walk the units once and assemble articles.

Headline runs open articles (or become subheadings inside one); bylines,
credits and notice signatures close them; captions and markers become
captions; page furniture goes to the page. One `on_<kind>` handler per unit
kind; every character of a unit lands in exactly one field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Block, Diagnostic
from .lexicon import Lexicon
from .shapes import (
    CAPTION_CREDIT,
    HAS_ROLE,
    LEAD_BYLINE,
    TRAILING_BYLINE,
    VOCAB,
    continued_to,
    ends_sentence,
    is_ordinal_section,
    names_ok,
    visible_len,
)
from .vocabulary import simplified
from .names import SURNAMES, looks_like_name

from .units import Unit

NOTICE_TITLE = re.compile(rf"(?:{'|'.join(VOCAB.notice_words)})(\s*[（(]第?[0-9一二三四五六七八九十]+[号期][）)])?$")
GLUED_BYLINE = re.compile(r"^(?P<body>.*[。！？!?][”’」』]?)(?P<name>[\u4e00-\u9fff]{2,3})$")

@dataclass
class Draft:
    """An article while it is being assembled."""

    first: int
    headline: list[Unit] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    captions: list[tuple[str, int, int]] = field(default_factory=list)
    byline: str | None = None
    continued_from: str | None = None
    continued_to: str | None = None
    last: int = 0
    closed: bool = False
    signed: bool = False
    credited: bool = False  # closed by a photographer's credit
    signer: str | None = None  # `张三` ⏎ `2023年7月1日` under a letter
    item: bool = False  # an item of a roundup: a report however short, never a caption
    lead: bool = False  # opened by a dateline (`本报讯…`, `新华社…电`): a report, never a caption
    #: credited before its body (under the headline, or in the lead): no byline will close it,
    #: so the next headline that opens a paragraph opens the next article
    byline_first: bool = False

    def touch(self, unit_or_last) -> None:
        last = unit_or_last if isinstance(unit_or_last, int) else unit_or_last.last
        self.last = max(self.last, last)

    def add_byline(self, text: str) -> None:
        self.byline = text if self.byline is None else f"{self.byline} {text}"

    @property
    def has_body(self) -> bool:
        return any(b.type != "subheading" or VOCAB.label_kind(b.text) != "note" for b in self.blocks)

    @property
    def only_captions(self) -> bool:
        return not self.blocks and not self.headline and self.byline is None and bool(self.captions)

    @property
    def only_label(self) -> bool:
        """`简讯` / `图片新闻` above the items: the label waits for their headline."""
        return len(self.headline) == 1 and VOCAB.label_kind(self.headline[0].text) is not None and not self.has_body


@dataclass
class Page:
    """What the page says about itself (label, folio, staff): not an article."""

    furniture: list[Block] = field(default_factory=list)
    number: str | None = None
    name: str | None = None
    date: str | None = None
    meta: dict[str, list[str]] = field(default_factory=dict)


class Assembler:
    def __init__(self, units: list[Unit], lexicon: Lexicon, diagnostics: list[Diagnostic]):
        self.units = units
        self.lexicon = lexicon
        self.diagnostics = diagnostics
        self.drafts: list[Draft] = []
        self.cur: Draft | None = None
        self.page = Page()
        #: under a roundup label (`简讯`): every bulleted item or headline opens an article
        self.roundup = False
        #: under `相关推荐`: the lines that follow link to other pages
        self.links = False
        #: a page set line after line, blank lines only between items: a blank line
        #: before a headline then says a new article begins
        gaps = [u.gap_before > 0 for u in units[1:]]
        self.dense = len(gaps) >= 6 and sum(gaps) <= 0.3 * len(gaps)
        #: a page that indents its paragraphs (`　　本报讯…`) and not its headlines: an
        #: unindented headline over an indented paragraph opens an article
        body = [u for u in units if u.kind == "text" and not u.headline_like]
        self.indents = len(body) >= 4 and sum("indented" in u.extra for u in body) >= 0.8 * len(body)
        #: the draft a byline just closed: `文：王永` ⏎ `图：王永 汪昊` signs it twice
        self.signed_last: Draft | None = None

    # -- helpers
    def open_article(self, unit: Unit) -> Draft:
        self.close()
        self.cur = Draft(first=unit.first, last=unit.last)
        self.drafts.append(self.cur)
        return self.cur

    def close(self) -> None:
        if self.cur is not None:
            self.cur.closed = True
        self.cur = None

    def current(self, unit: Unit) -> Draft:
        if self.cur is None or self.cur.closed:
            return self.open_article(unit)
        return self.cur

    @property
    def open_draft(self) -> Draft | None:
        return self.cur if self.cur is not None and not self.cur.closed else None

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(line, message))

    # -- the walk
    def run(self) -> list[Draft]:
        units = self.units
        i = 0
        while i < len(units):
            u = units[i]
            nxt = units[i + 1] if i + 1 < len(units) else None
            if u.kind == "date_line" and not self.drafts:
                u.kind = "furniture"  # `2023年04月13日` above the first article: the page's date
                u.extra["date"] = u.text
            if self.links and not self._article_begins(u, nxt):
                self.on_furniture(u, nxt)  # `相关推荐` ⏎ the headlines of other pages
                i += 1
                continue
            self.links = False
            if u.kind in ("names", "byline") and nxt is not None and nxt.kind == "date_line":
                # `张三` ⏎ `2023年7月1日`: a letter signed by its writer
                self.signature([u, nxt], signer=u.text)
                i += 2
                continue
            if u.headline_like:
                j = i
                while j < len(units) and units[j].headline_like:
                    j += 1
                if j < len(units) and units[j].kind == "date_line" and j - i >= 1:
                    # `南通市…常务委员会` ⏎ `2020年5月13日`: the org line signs a notice
                    if i < j - 1:
                        self.headline_run(units[i : j - 1], units[j - 1 :])
                    self.signature([units[j - 1], units[j]])
                    i = j + 1
                    continue
                self.headline_run(units[i:j], units[j:])
                i = j
                continue
            handler = getattr(self, "on_" + u.kind)
            handler(u, nxt)
            i += 1
        self.close()
        return self.drafts

    @staticmethod
    def _article_begins(u: Unit, nxt: Unit | None) -> bool:
        """Under `相关推荐` every line links elsewhere (titles, teasers) until a headline
        over its own text, or a column label, begins the page's next article."""
        if VOCAB.label_kind(u.text) is not None:
            return True
        return u.headline_like and nxt is not None and nxt.kind in ("text", "byline", "role") and not nxt.headline_like

    def headline_run(self, run: list[Unit], rest: list[Unit]) -> None:
        """Short unpunctuated lines together: a headline, unless the page says otherwise."""
        nxt = rest[0] if rest else None
        cur = self.open_draft
        label = VOCAB.label_kind(run[0].text)
        if label in ("roundup", "photo"):
            self.roundup = label == "roundup"
        elif len(run) >= 2:
            self.roundup = False  # a full headline group: the roundup is over
        if cur is not None and self._not_a_headline(run, nxt, cur, label):
            return
        if cur is not None and cur.only_label:
            cur.headline.extend(run)  # `简讯` ⏎ `区召开…会议`: the label is the first item's kicker
            cur.touch(run[-1])
            return
        if cur is not None and not self._starts_article(run, nxt, cur, label):
            for u in run:
                cur.blocks.append(Block("subheading", u.text, (u.first, u.last), level=u.level))
                cur.touch(u)
            return
        draft = cur if cur is not None and cur.only_captions else self.open_article(run[0])
        draft.headline = list(run)
        draft.touch(run[-1])

    def _not_a_headline(self, run: list[Unit], nxt: Unit | None, cur: Draft, label: str | None) -> bool:
        """Short lines that belong to the open item: a note's label, the signer or
        caption at its end, captions above a photo credit. True when handled."""
        first, last = run[0], run[-1]
        if label == "note" and len(run) == 1:
            cur.blocks.append(Block("subheading", first.text, (first.first, first.last)))
            cur.touch(first)
            return True  # `编者按` above the note: part of the article, never one of its own
        if len(run) == 1 and cur.has_body and (nxt is None or nxt.kind == "furniture"):
            if self._is_notice(cur) or first.text.endswith(_SIGNER_TAILS):
                self.signature(run)  # `县供电局` / `本报编辑部` under a notice or letter, then the footer
            else:
                cur.captions.append((first.text, first.first, first.last))  # `讨论会现场`: the photo's caption
                cur.touch(first)
                self.warn(first.first, f"short line '{first.text}' after the text read as a photo caption; "
                          "if it is a heading, put the text it heads under it")
            return True
        if len(run) >= 2 and (cur.headline or cur.has_body) and nxt is not None \
                and nxt.kind == "credit" and not nxt.extra.get("title"):
            for u in run:  # `嘉年华主题乐园…` ⏎ `文化广场上…` ⏎ `本报记者 X 摄`: captions under one credit
                cur.captions.append((u.text, u.first, u.last))
            cur.touch(last)
            self.warn(first.first, f"lines {first.first}–{last.last} above the credit read as photo captions, not a headline")
            return True
        return False

    def _starts_article(self, run: list[Unit], nxt: Unit | None, cur: Draft, label: str | None) -> bool:
        """Does this headline open the next article, or head a section of the open one?"""
        first = run[0]
        nxt_text = nxt is not None and nxt.kind == "text"
        marked = [u.level for u in run if u.level is not None]
        if (
            cur.only_captions
            or cur.signed
            or (cur.captions and not cur.has_body)
            or (not cur.has_body and not cur.headline)
            or label is not None
            or self.roundup
            or NOTICE_TITLE.search(run[-1].text) is not None
            or any(level <= 3 for level in marked)
            or (len(run) >= 2 and not (len(marked) == len(run) and min(marked) >= 4))
        ):
            return True
        if nxt is not None and (
            "continued_from" in nxt.extra
            or (nxt_text and LEAD_BYLINE.match(simplified(nxt.text)) is not None)  # `本报讯…`
            or (nxt.kind in ("byline", "role") and not nxt.text.startswith(tuple("·•・")))  # `记者 张三` under it
            or (nxt_text and _is_salutation(nxt.text))  # `尊敬的编辑同志：`
        ):
            return True
        if is_ordinal_section(first.text):
            return False  # `一、压实防汛责任`: a section of the open article
        if self._is_notice(cur):
            return True
        if self.indents and "indented" not in first.extra and nxt_text and "indented" in nxt.extra:
            return True  # flush left over an indented paragraph, on a page that indents its paragraphs
        if self.dense and first.gap_before > 0 and nxt_text and nxt.gap_before == 0:
            return True  # a blank line before it, on a page set line after line
        return bool(cur.byline_first and len(run) == 1 and nxt is not None and nxt.kind in ("text", "caption")
                    and not any(b.type == "subheading" for b in cur.blocks))

    def _is_notice(self, draft: Draft) -> bool:
        title = " ".join(u.text for u in draft.headline)
        return bool(title and NOTICE_TITLE.search(title))

    def signature(self, units: list[Unit], signer: str | None = None) -> None:
        m = re.search(r"(?:^|\s)(\S{2,4})$", units[0].text)
        if signer is None and len(units) == 2 and m and looks_like_name(m.group(1)) and m.start() > 0:
            signer = m.group(1)  # `石集乡王庄村村民 刘桂兰` ⏎ `2023年3月8日`
        cur = self.current(units[0])
        cur.blocks.append(Block("signature", "\n".join(u.text for u in units), (units[0].first, units[-1].last)))
        cur.touch(units[-1])
        cur.signed = signer is None and units[-1].kind == "date_line"  # dated by its issuer: a notice
        cur.signer = signer
        self.close()

    def on_furniture(self, u: Unit, nxt: Unit | None) -> None:
        """`第A02版：要闻`, `责任编辑：王芳`: kept on the page, outside every article."""
        page = self.page
        page.furniture.append(Block("furniture", u.text, (u.first, u.last)))
        said = u.extra.get("page")
        if "当前" in u.text and said and page.number:
            # `当前版:04版` says which page this is; `A2` and `当前第2版` name the same one
            same = said.lstrip("0").upper() in page.number.upper() or page.number.lstrip("0").upper() in said.upper()
            page.number = max(said, page.number, key=len) if same else said
        page.number = page.number or u.extra.get("page")
        page.name = page.name or u.extra.get("page_name")
        page.date = page.date or u.extra.get("date")
        for role, names in u.extra.get("meta", {}).items():
            page.meta.setdefault(role, []).extend(names)
        self.links = self.links or bool(u.extra.get("links"))
        if u.extra.get("meta") and self.open_draft is not None and self.open_draft.has_body:
            self.close()  # `责编：王云飞 审核：陈鑫` under an article: it is over

    def on_dateline(self, u: Unit, nxt: Unit | None) -> None:
        """`9月21日 苍南县龙港镇卢家村` under an item's byline: part of its dateline."""
        cur = self.current(u)
        cur.add_byline(u.text)
        cur.touch(u)

    def on_date_line(self, u: Unit, nxt: Unit | None) -> None:
        self.signature([u])

    def on_text(self, u: Unit, nxt: Unit | None) -> None:
        text = u.text
        first = u.first
        marker = u.extra.get("continued_from")
        if marker:
            cur = self.current(u)
            if cur.has_body or cur.continued_from:
                cur = self.open_article(u)
            cur.continued_from = marker
            text = text[u.extra["marker_end"]:].strip()
            cur.touch(u)
            if not text:
                return
        ends_article = nxt is None or nxt.headline_like or nxt.kind in ("caption", "marker", "credit", "date_line", "furniture")
        m = GLUED_BYLINE.match(text) if ends_article else None
        if m and m.group("name")[0] in SURNAMES and looks_like_name(m.group("name")):
            cur = self.current(u)
            cur.blocks.append(Block("paragraph", m.group("body"), (first, u.last)))
            cur.byline = m.group("name")
            cur.touch(u)
            self.close()
            return
        if self._starts_item(u, text):
            self.close()
        cur = self.current(u)
        cur.item = cur.item or self.roundup
        if u.extra.get("bullet") and cur.headline and not cur.has_body and not self.roundup and ends_sentence(text):
            cur.captions.append((text, u.first, u.last))  # `■王秋元（右）在村头…。` under the headline
            cur.touch(u)
            self.warn(u.first, "bulleted sentence under the headline read as a photo caption; if it is the lead, remove the bullet")
            return
        if self.roundup and u.extra.get("bullet") and not cur.has_body and (not cur.headline or cur.only_label):
            text = self._item_title(cur, u, text)
        lead = LEAD_BYLINE.match(simplified(text)) if not cur.has_body else None
        if lead and lead.end() < len(text):
            # `本报讯（记者 张三）5月15日，…`: the byline opens the lead
            cur.add_byline(text[: lead.end()].strip())
            cur.lead = cur.byline_first = True
            text = text[lead.end():].lstrip()
        split = continued_to(text)
        if split:
            text, cur.continued_to = split
        trailing = self._trailing_byline(text, ends_article or self.roundup)
        if trailing is not None:
            text, credit = trailing
            cur.add_byline(credit)
        cur.blocks.append(Block("paragraph", text, (first, u.last)))
        cur.touch(u)
        if u.joined_by_word:
            self.warn(u.first, f"lines {u.first}–{u.last} were joined as one paragraph cut by a page break; check the join")
        if trailing is not None:
            self.close()

    def _starts_item(self, u: Unit, text: str) -> bool:
        """A paragraph that opens an item of its own inside a running article: a second
        dateline (`本报讯…` after a body), or a bulleted item under a roundup label."""
        cur = self.open_draft
        if cur is None or not cur.has_body:
            return False
        if self.roundup and u.extra.get("bullet"):
            return True
        return LEAD_BYLINE.match(simplified(text)) is not None and "continued_from" not in u.extra

    def _item_title(self, cur: Draft, u: Unit, text: str) -> str:
        """`■ 钓鱼城街道开展消防演练  5月5日，…`: a roundup item's title runs into its text."""
        m = re.match(r"^(?P<title>\S[^。！？，,]{3,30}?)(?:\s{2,}|\u3000)\s*(?P<rest>\S.*)$", u.text)
        if not m:
            return text
        cur.headline.append(Unit("text", m.group("title"), u.first, u.first))
        return m.group("rest")

    @staticmethod
    def _trailing_byline(text: str, ends_article: bool) -> tuple[str, str] | None:
        """`…落到实处。（记者 张三）`: the byline set after the text, in brackets."""
        m = TRAILING_BYLINE.search(text)
        if not m or m.start() == 0 or not ends_sentence(text[: m.start()]) or not names_ok(m.group(0)):
            return None
        has_role = HAS_ROLE.search(simplified(m.group(0))) is not None
        if not has_role and not ends_article:
            return None  # `（张三 李四）` mid-article may be an aside; at the end it signs
        return text[: m.start()].rstrip(), text[m.start():]

    def _signs_again(self, u: Unit) -> bool:
        """`文：王永` ⏎ `图：王永 汪昊`: a second credit line right under the first signs the same item."""
        last = self.signed_last
        if self.open_draft is None and last is not None and last.last == u.first - 1 and u.gap_before == 0:
            last.add_byline(u.text)
            last.touch(u)
            return True
        return False

    def on_byline(self, u: Unit, nxt: Unit | None) -> None:
        if self._signs_again(u):
            return
        cur = self.current(u)
        cur.add_byline(u.text)
        cur.touch(u)
        under_photo = bool(cur.captions) and (u.text.startswith(tuple("·•・")) or nxt is None or nxt.kind != "text")
        if cur.headline and not cur.has_body and not under_photo and nxt is not None and not nxt.headline_like:
            cur.byline_first = True
            return  # `记者 张三` under the headline: the body follows
        self.close()
        self.signed_last = cur

    on_role = on_byline  # `本报记者` alone: a byline whose names were lost

    def on_names(self, u: Unit, nxt: Unit | None) -> None:
        cur = self.open_draft
        if cur is not None and cur.blocks and cur.blocks[-1].type == "paragraph" and not ends_sentence(cur.blocks[-1].text):
            self.warn(u.first, f"'{u.text}' read as a byline although the paragraph before it is unfinished")
        self.on_byline(u, nxt)

    def on_credit(self, u: Unit, nxt: Unit | None) -> None:
        """`沈凯 丁艺摄` closes a photo item; `春风又绿 陈峰摄` also names the photo."""
        if not u.extra.get("title") and self._signs_again(u):
            return
        cur = self.current(u)
        title = u.extra.get("title")
        credit = u.text
        if title:
            credit = u.text[u.text.index(title) + len(title):].strip()
            if cur.headline:
                cur.captions.append((title, u.first, u.first))
            else:
                cur.headline = [Unit("text", title, u.first, u.first)]
        cur.add_byline(credit)
        cur.credited = True
        cur.touch(u)
        if nxt is not None and nxt.kind == "credit" and nxt.extra.get("title") and title:
            return  # `抢收稻谷 杨柳 摄` ⏎ `一筐新米 邓思宇 摄`: a list of photos, one item
        if title and cur.has_body and nxt is not None and nxt.kind == "text" and not nxt.headline_like:
            return  # `参观朝鲜族民俗园 金美兰 摄` between paragraphs: a photo of the article
        self.close()
        self.signed_last = cur

    def on_caption(self, u: Unit, nxt: Unit | None) -> None:
        cur = self.open_draft
        own_credit = u.extra.get("credit") or CAPTION_CREDIT.search(u.text)
        refers_back = simplified(u.text).lstrip("▲▼▽ ").startswith("图为")  # `▲图为义诊现场。`: the article's photo
        if cur is not None and cur.has_body and own_credit and not cur.credited and not refers_back:
            self.close()  # `4月10日，…学习。 卢晓峰 摄` after a report: a photo of its own
        elif cur is not None and cur.credited and not cur.headline and not cur.has_body and u.gap_before > 0:
            self.close()  # `▲…（严凯 摄）` ⏎⏎ `▲…（施远 摄）`: photos set apart are items of their own
        cur = self.current(u)
        text, credit = u.extra.get("caption"), u.extra.get("credit")
        if text is None:
            text = u.text
            m = CAPTION_CREDIT.search(text)
            if m and m.start() > 0 and names_ok(m.group(0)):
                # `▲…村民播种。（张三 摄）`: the photographer's credit ends the caption
                text, credit = text[: m.start()].rstrip(), m.group(0).strip()
        if credit:
            cur.add_byline(credit)
            cur.credited = True
        cur.captions.append((text, u.first, u.last))
        cur.touch(u)

    on_marker = on_caption

    def on_list_item(self, u: Unit, nxt: Unit | None) -> None:
        cur = self.current(u)
        if re.match(r"^(?:图\s*)?[①-⑳]", u.text):
            cur.captions.append((u.text, u.first, u.last))
        elif cur.blocks and cur.blocks[-1].type == "list" and cur.blocks[-1].lines[1] >= u.first - 2:
            block = cur.blocks[-1]
            block.items.append(u.text)
            block.text = "\n".join(block.items)
            block.lines = (block.lines[0], u.last)
        else:
            cur.blocks.append(Block("list", u.text, (u.first, u.last), items=[u.text]))
        cur.touch(u)

    def on_table_row(self, u: Unit, nxt: Unit | None) -> None:
        cur = self.current(u)
        if cur.blocks and cur.blocks[-1].type == "table" and cur.blocks[-1].lines[1] >= u.first - 2:
            block = cur.blocks[-1]
            block.rows.append(u.cells)
            block.text += "\n" + "\t".join(u.cells)
            block.lines = (block.lines[0], u.last)
        else:
            cur.blocks.append(Block("table", "\t".join(u.cells), (u.first, u.last), rows=[u.cells]))
        cur.touch(u)


_SIGNER_TAILS = ("部", "局", "委", "会", "社", "办", "院", "所", "中心", "室", "组", "处", "公司", "政府")


def _is_salutation(text: str) -> bool:
    """`尊敬的编辑同志：`, `亲爱的家长朋友们：`: a letter begins."""
    return visible_len(text) <= 20 and text.rstrip()[-1:] in "：:" and not is_ordinal_section(text)
