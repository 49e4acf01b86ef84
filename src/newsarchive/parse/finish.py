"""Pass 3 of the parse: drafts → articles (headline parts, kind, captions, authors)."""
from __future__ import annotations

import re

from ..model import Article, Diagnostic
from .lexicon import Lexicon
from .shapes import VOCAB, visible_len
from .vocabulary import BULLETS
from .names import authors_from_byline

from .assemble import NOTICE_TITLE, Draft
from .units import Unit

def split_headline(run: list[Unit], lexicon: Lexicon) -> tuple[str | None, str | None, str | None, list[str]]:
    """Headline lines → (kicker, title, subtitle, notes)."""
    notes: list[str] = []
    if run and VOCAB.label_kind(run[0].text) is not None:
        # `图片新闻` / `简讯` ⏎ `区召开…`: the column label is the kicker
        kicker, title, subtitle, notes = split_headline(run[1:], lexicon)
        return run[0].text, title, " ".join(x for x in (kicker, subtitle) if x) or None, notes
    elements: list[tuple[int | None, str]] = []
    for u in run:
        if elements:
            level, text = elements[-1]
            if level is not None and level == u.level and level <= 2:
                elements[-1] = (level, f"{text} {u.text}")  # `## 下功夫出实招` ⏎ `## 全面提升执法水平`
                continue
            if level is None and u.level is None and _broken_title(text, u.text, lexicon):
                elements[-1] = (None, text + u.text)
                continue
        elements.append((u.level, u.text))
    if not elements:
        return None, None, None, notes
    marked = [lvl for lvl, _ in elements if lvl is not None and lvl <= 3]
    if marked:
        top = min(marked)
        t = next(i for i, (lvl, _) in enumerate(elements) if lvl == top)
    elif len(elements) == 1:
        t = 0
    elif elements[0][1].endswith(("——", "—", "：", ":")):
        t = 1
    elif elements[1][1].startswith(("——", "—")):
        t = 0
    else:
        t = 1 if len(elements) >= 2 else 0
        if len(elements) == 2:
            notes.append(f"two headline lines read as kicker '{elements[0][1]}' and title '{elements[1][1]}'; "
                         "if the second line is a deck, start it with ——")
    before = [text for _, text in elements[:t]]
    after = [text for _, text in elements[t + 1 :]]
    if len(before) > 1 or len(after) > 1:
        notes.append(f"headline has {len(elements)} parts; extra lines were added to the kicker/subtitle")
    kicker = " ".join(before) or None
    subtitle = " ".join(after) or None
    return kicker, elements[t][1], subtitle, notes


_QUOTED = re.compile(r"[“”\"'‘’《》,，、]")


def _broken_title(first: str, second: str, lexicon: Lexicon) -> bool:
    """`崇川文旅` ⏎ `启动抢险加固`: one title set on two lines."""
    if first.endswith(("——", "—")) or second.startswith(("——", "—")):
        return False
    if visible_len(first) <= 5:
        # `崇川文旅` ⏎ `启动抢险加固` and `拥抱春天` ⏎ `追逐梦想` are one title;
        # `春耕正当时` ⏎ `沈丘县…` a kicker and its title
        return visible_len(second) <= 5 or not lexicon.has_verb(first) and lexicon.ends_with_noun(first)
    if lexicon.awaits_verb(first) and lexicon.starts_with_verb(second):
        return True  # `浉河区为新就业形态劳动者` ⏎ `建起20个“暖心驿站”`
    if visible_len(first) > 12 or _QUOTED.search(first):
        return False  # a quoted slogan (`紧盯“两端一中间”`) stands alone
    return not lexicon.has_verb(first) and lexicon.ends_with_noun(first) and lexicon.has_verb(second)


def _authors(draft: Draft) -> list[str]:
    names = authors_from_byline(draft.byline) if draft.byline else []
    if draft.signer:
        names += [n for n in authors_from_byline(draft.signer) if n not in names]
    return names


def _kind_and_captions(draft: Draft, kicker: str | None, title: str | None):
    """(kind, blocks, captions, caption_lines): photo items take their captions from
    where the page put them, an untitled lone paragraph or a credited photo's text."""
    blocks = draft.blocks
    captions = [c for c, _, _ in draft.captions]
    caption_lines = [(a, b) for _, a, b in draft.captions]
    paragraphs = [b for b in blocks if b.type == "paragraph"]
    if title is None and len(blocks) == 1 and len(paragraphs) == 1 and not captions \
            and not draft.continued_from and not draft.lead and not draft.item:
        # an untitled single paragraph between items is a photo caption
        return "photo", [], [paragraphs[0].text], [paragraphs[0].lines]
    photo_label = VOCAB.label_kind(kicker or "") == "photo" or any(
        label in (kicker or "") + (title or "") for label in VOCAB.photo_labels if len(label) >= 2)
    if captions and (not paragraphs or sum(map(len, captions)) >= 0.5 * sum(len(p.text) for p in paragraphs)):
        kind = "photo"
    elif draft.credited and (len(paragraphs) <= 1 or photo_label):
        kind = "photo"  # `春风又绿 陈峰摄`: a photo with its own title
    elif captions and photo_label:
        kind = "photo"  # `摄影大赛组图：…`: a picture story with its text
    else:
        return "article", blocks, captions, caption_lines
    lone = paragraphs[0] if len(blocks) == 1 and paragraphs else None
    if draft.credited and not draft.lead and lone is not None and (not caption_lines or lone.lines[0] < caption_lines[0][0]):
        # `昨日是中秋佳节…` above the photos and their one credit: the first caption
        return kind, [], [lone.text] + captions, [lone.lines] + caption_lines
    return kind, blocks, captions, caption_lines


def finish(drafts: list[Draft], lexicon: Lexicon, diagnostics: list[Diagnostic], id_prefix: str) -> list[Article]:
    articles: list[Article] = []
    for draft in drafts:
        kicker, title, subtitle, notes = split_headline(draft.headline, lexicon)
        if title is None and kicker and VOCAB.label_kind(kicker) == "roundup" and draft.blocks and not draft.blocks[0].text.startswith(tuple(BULLETS)):
            kicker, title = None, kicker  # `创城动态` over untitled briefs: the column head titles them
        for note in notes:
            diagnostics.append(Diagnostic(draft.headline[0].first, note))
        kind, blocks, captions, caption_lines = _kind_and_captions(draft, kicker, title)
        headline_text = " ".join(x for x in (kicker, title, subtitle) if x)
        if draft.signed or (headline_text and NOTICE_TITLE.search(title or "")):
            kind = "notice"
        if title is None and kind == "article":
            diagnostics.append(Diagnostic(draft.first, "article without a detected title (is its headline missing or glued to a paragraph?)"))
        if kind == "photo" and title is None and draft.byline is None and not draft.headline:
            diagnostics.append(Diagnostic(draft.first, "photo caption without a photographer credit"))
        number = len(articles) + 1
        articles.append(
            Article(
                id=f"{id_prefix}-{number:03d}",
                number=number,
                kind=kind,
                kicker=kicker,
                title=title,
                subtitle=subtitle,
                byline=draft.byline,
                authors=_authors(draft),
                continued_from=draft.continued_from,
                continued_to=draft.continued_to,
                lines=(draft.first, draft.last),
                blocks=blocks,
                captions=captions,
                caption_lines=caption_lines,
            )
        )
    return articles
