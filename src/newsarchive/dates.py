"""Issue dates and article event dates.

An issue's date comes from what the editor said (front matter), else the file
name, else the text: the year from explicit years, the day from the latest
date mentioned in that year. Event dates in leads are often partial (`5月15日`,
`21日、22日`) and are resolved against the issue date: a day after the issue's
day belongs to the month before, a month after the issue's to the year before.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
DATE_MENTION = re.compile(
    rf"(?:(?P<y>(?:19|20)[0-9]{{2}}|[〇○零一二三四五六七八九]{{4}})年)?(?:(?P<m>{_NUM})月)?(?P<d>{_NUM})(?:日|号)(?![元件个位名人])"
)
YEAR_MENTION = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})年(?!代|度?以前|前)")
FUTURE_CONTEXT = re.compile(r"(到|至|于|在)$")


@dataclass(frozen=True)
class Mention:
    year: int | None
    month: int | None
    day: int
    start: int


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if all(ch in _CN_DIGITS for ch in text) and len(text) == 4:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total = 0
    if "十" in text:
        tens, _, units = text.partition("十")
        total = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0)
        return total
    return _CN_DIGITS.get(text, 0)


#: where a mention can start, and the `日`/`号` it ends with: at most 12 characters after
#: its start (`2020年10月11日`, `二〇二〇年十二月三十日`)
_MENTION_START = re.compile("[0-9〇○零一二三四五六七八九十]")
_MENTION_END = re.compile("[日号]")
_MENTION_REACH = 12


def _mention_matches(text: str):
    """What `DATE_MENTION.finditer(text)` finds, trying the pattern only at numerals at most
    `_MENTION_REACH` characters before a `日` or `号`: tried at every position of a
    paragraph, its optional year and month make each failure slow."""
    pos = 0
    while True:
        end = _MENTION_END.search(text, pos)
        if end is None:
            return
        found = None
        for start in _MENTION_START.finditer(text, max(pos, end.start() - _MENTION_REACH), end.start()):
            found = DATE_MENTION.match(text, start.start())
            if found:
                break
        if found:
            yield found
            pos = found.end()
        else:
            pos = end.start() + 1


def find_mentions(text: str) -> list[Mention]:
    out = []
    for m in _mention_matches(text):
        year = _cn_number(m.group("y")) if m.group("y") else None
        month = _cn_number(m.group("m")) if m.group("m") else None
        day = _cn_number(m.group("d"))
        if not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
            continue
        if month is None and year is not None:
            continue
        out.append(Mention(year, month, day, m.start()))
    return out


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def infer_issue_date(text: str) -> tuple[str | None, str]:
    """(ISO date or None, how it was found) from the text alone."""
    mentions = find_mentions(text)
    full = [_safe_date(m.year, m.month, m.day) for m in mentions if m.year and m.month]
    full = [d for d in full if d]
    years = [int(m.group(1)) for m in YEAR_MENTION.finditer(text) if not FUTURE_CONTEXT.search(text[max(0, m.start() - 1) : m.start()])]
    if full:
        year = max(d.year for d in full)
    elif years:
        year = max(years)
    else:
        return None, "no year is mentioned in the text"
    candidates = [d for d in full if d.year == year]
    for m in mentions:
        if m.year is None and m.month is not None:
            d = _safe_date(year, m.month, m.day)
            if d:
                candidates.append(d)
    if not candidates:
        return None, f"the text mentions {year} but no month and day"
    return max(candidates).isoformat(), f"year {year} from the text, latest date mentioned"


def resolve(mention: Mention, issue_date: str | None) -> str | None:
    """A (possibly partial) date mention → ISO date, relative to the issue date."""
    if mention.year and mention.month:
        d = _safe_date(mention.year, mention.month, mention.day)
        return d.isoformat() if d else None
    if not issue_date:
        return None
    base = dt.date.fromisoformat(issue_date)
    if mention.month is not None:
        year = base.year
        d = _safe_date(year, mention.month, mention.day)
        if d and d > base + dt.timedelta(days=31):
            d = _safe_date(year - 1, mention.month, mention.day)
        return d.isoformat() if d else None
    year, month = base.year, base.month
    if mention.day > base.day + 1:
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    d = _safe_date(year, month, mention.day)
    return d.isoformat() if d else None


def event_date(lead_texts: list[str], issue_date: str | None) -> str | None:
    """The first date in an article's lead; failing that, the first month-and-day
    date of the next paragraph (leads often open with `近日`, the facts follow)."""
    for index, text in enumerate(lead_texts[:2]):
        for mention in find_mentions(text[:200]):
            if index and mention.month is None:
                continue
            resolved = resolve(mention, issue_date)
            if resolved:
                return resolved
    return None


def normalise_date(value) -> str | None:
    """Front matter dates may be YAML dates or strings like 2020-05-15 / 2020年5月15日."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return None
    text = str(value).strip()
    m = re.fullmatch(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not m:
        return None
    d = _safe_date(*(int(x) for x in m.groups()))
    return d.isoformat() if d else None


def date_issue(issue, source) -> None:
    """Fill issue.date/date_source and every article's event_date (in place)."""
    from .model import Diagnostic
    from .source import date_from_filename

    fm = source.front_matter.get("date")
    if fm is not None:
        date = normalise_date(fm)
        if date:
            issue.date, issue.date_source = date, "front-matter"
        else:
            issue.warnings.append(Diagnostic(_front_matter_line(source, "date"), f"front matter date '{fm}' is not a date like 2020-05-15; ignored"))
    if issue.date is None:
        from_name = date_from_filename(source.path)
        if from_name:
            issue.date, issue.date_source = from_name, "filename"
    if issue.date is None:
        issue.date = _folio_date(issue)
        if issue.date:
            issue.date_source = "page"
    if issue.date is None:
        body = "\n".join(source.lines[source.body_start - 1 :])
        inferred, how = infer_issue_date(body)
        if inferred:
            issue.date, issue.date_source = inferred, "inferred"
            issue.warnings.append(Diagnostic(source.body_start, f"issue date inferred as {inferred} ({how}); add `date: {inferred}` to the front matter or the file name to be sure"))
        else:
            issue.date_source = "unknown"
            issue.warnings.append(Diagnostic(source.body_start, f"no issue date: {how}; add `date: YYYY-MM-DD` front matter"))
    for article in issue.articles:
        leads = [b.text for b in article.blocks if b.type == "paragraph"] or list(article.captions)
        if not [b for b in article.blocks if b.type == "paragraph"] and article.captions:
            leads = [c.lstrip("▲△①②③④⑤⑥⑦⑧⑨⑩ ") for c in article.captions]
        article.event_date = event_date(leads, issue.date)
        if article.event_date is None and article.byline:
            article.event_date = event_date([article.byline], issue.date)  # `本报合肥18日电`
        if article.event_date is None and article.kind == "notice":
            signed = [b.text for b in article.blocks if b.type == "signature"]
            notes = [article.subtitle] if article.subtitle else []
            article.event_date = event_date(notes + signed, issue.date)


_FOLIO_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def _folio_date(issue) -> str | None:
    """`2023年4月13日 星期四` in the page's folio: the page says its own date."""
    for block in issue.furniture:
        m = _FOLIO_DATE.search(block.text)
        if m:
            d = _safe_date(*(int(x) for x in m.groups()))
            if d:
                return d.isoformat()
    return None


def _front_matter_line(source, key: str) -> int:
    for no, line in enumerate(source.lines[: source.body_start], start=1):
        if line.lstrip().startswith(f"{key}:"):
            return no
    return 1
