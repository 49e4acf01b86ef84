"""Compare a parsed page with its hand-written expectation (tests/fixtures/forms/*.yaml).

One copy of the comparison, shared by `tests/test_parse_forms.py` (every field
must agree) and `benchmarks/score_forms.py` (measures over the whole set).
The expectation format is described in `docs/forms.md` ("How the fixtures are
annotated"); in short, per article: first_line, kind, kicker, title, subtitle,
authors, the first 6 characters of every paragraph block and of every caption,
continued_from/continued_to and (when the text states it) event_date; per page:
page number/name, page_meta and date when the page text carries them.

Fields the Issue model may not have yet (`page_name`, `page_meta`) are read with
getattr and a default, so the comparison runs against any parser version.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "forms"
PREFIX = 6  # characters of each paragraph / caption that are compared
_MISSING = object()

#: per matched article: measure name -> how to compare (see `_article_checks`)
ARTICLE_MEASURES = ("headline", "kicker_subtitle", "authors", "kind", "captions", "paragraphs", "event_date", "continuations")
PAGE_MEASURES = ("page", "page_meta", "date")


def fixture_pairs(folder: Path | str = FIXTURES) -> list[tuple[Path, Path]]:
    """(text, expectation) pairs, sorted by name; a .txt without .yaml is skipped."""
    folder = Path(folder)
    pairs = []
    for txt in sorted(folder.glob("*.txt")):
        exp = txt.with_suffix(".yaml")
        if exp.exists():
            pairs.append((txt, exp))
    return pairs


def load_expectation(path: Path | str) -> dict:
    data = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    data.setdefault("articles", [])
    return data


def prefix(text: str | None) -> str:
    """The compared start of a paragraph or caption: leading (also full-width) space stripped."""
    return (text or "").lstrip(" \t\u3000\u00a0")[:PREFIX]


def _norm(text):
    if text is None:
        return None
    text = str(text).replace("\u3000", " ").strip()
    return text or None


def parsed_articles(issue) -> list[dict]:
    """The parse, reduced to what the expectations state."""
    out = []
    for a in issue.articles:
        out.append(
            {
                "first_line": a.lines[0] if a.lines else None,
                "kind": a.kind,
                "kicker": a.kicker,
                "title": a.title,
                "subtitle": a.subtitle,
                "authors": list(a.authors or []),
                "paragraphs": [prefix(b.text) for b in a.blocks if b.type == "paragraph"],
                "captions": [prefix(c) for c in (a.captions or [])],
                "continued_from": a.continued_from,
                "continued_to": a.continued_to,
                "event_date": a.event_date,
            }
        )
    return out


def parsed_page(issue) -> dict:
    return {
        "number": getattr(issue, "page", None),
        "name": getattr(issue, "page_name", None),
        "page_meta": getattr(issue, "page_meta", None),
        "date": getattr(issue, "date", None),
        "has_page_name": hasattr(issue, "page_name"),
        "has_page_meta": hasattr(issue, "page_meta"),
    }


def _meta_norm(meta) -> dict:
    if not meta:
        return {}
    out = {}
    for role, names in dict(meta).items():
        if isinstance(names, str):
            names = names.split()
        out[str(role)] = sorted(str(n).replace(" ", "").replace("\u3000", "") for n in names or [])
    return out


@dataclass
class Score:
    """Counts for one fixture (or, summed, for a set)."""

    expected: int = 0  # articles in the expectation
    parsed: int = 0  # articles the parser produced
    matched: int = 0  # expected articles whose first line starts a parsed article
    agree: dict = field(default_factory=dict)  # measure -> agreeing items
    total: dict = field(default_factory=dict)  # measure -> scored items
    chars: int = 0  # characters the page should keep
    lost: int = 0
    extra: int = 0
    crashed: int = 0
    diffs: list = field(default_factory=list)  # human-readable differences

    def tally(self, measure: str, ok: bool) -> None:
        self.total[measure] = self.total.get(measure, 0) + 1
        self.agree[measure] = self.agree.get(measure, 0) + (1 if ok else 0)

    def add(self, other: "Score") -> None:
        self.expected += other.expected
        self.parsed += other.parsed
        self.matched += other.matched
        self.chars += other.chars
        self.lost += other.lost
        self.extra += other.extra
        self.crashed += other.crashed
        for k, v in other.total.items():
            self.total[k] = self.total.get(k, 0) + v
        for k, v in other.agree.items():
            self.agree[k] = self.agree.get(k, 0) + v

    def rate(self, measure: str) -> float | None:
        n = self.total.get(measure, 0)
        return None if n == 0 else self.agree.get(measure, 0) / n

    @property
    def recall(self) -> float | None:
        return None if not self.expected else self.matched / self.expected

    @property
    def precision(self) -> float | None:
        return None if not self.parsed else self.matched / self.parsed

    @property
    def conservation(self) -> float | None:
        return None if not self.chars else 1 - self.lost / self.chars


def _article_checks(exp: dict, got: dict) -> list[tuple[str, bool, str]]:
    """(measure, agrees, what differed) for one matched article."""
    checks = []
    t_exp, t_got = _norm(exp.get("title")), _norm(got["title"])
    checks.append(("headline", t_exp == t_got, f"title {t_exp!r} != {t_got!r}"))
    ks_exp = (_norm(exp.get("kicker")), _norm(exp.get("subtitle")))
    ks_got = (_norm(got["kicker"]), _norm(got["subtitle"]))
    checks.append(("kicker_subtitle", ks_exp == ks_got, f"kicker/subtitle {ks_exp!r} != {ks_got!r}"))
    a_exp = {str(n).replace(" ", "").replace("\u3000", "") for n in exp.get("authors") or []}
    a_got = {str(n).replace(" ", "").replace("\u3000", "") for n in got["authors"]}
    checks.append(("authors", a_exp == a_got, f"authors {sorted(a_exp)} != {sorted(a_got)}"))
    k_exp = exp.get("kind", "article")
    checks.append(("kind", k_exp == got["kind"], f"kind {k_exp!r} != {got['kind']!r}"))
    c_exp = [prefix(c) for c in exp.get("captions") or []]
    checks.append(("captions", c_exp == got["captions"], f"captions {c_exp} != {got['captions']}"))
    p_exp = [prefix(p) for p in exp.get("paragraphs") or []]
    checks.append(("paragraphs", p_exp == got["paragraphs"], f"paragraphs {p_exp} != {got['paragraphs']}"))
    if "event_date" in exp:
        e_exp = None if exp["event_date"] is None else str(exp["event_date"])
        checks.append(("event_date", e_exp == got["event_date"], f"event_date {e_exp!r} != {got['event_date']!r}"))
    cont_exp = (_norm(exp.get("continued_from")), _norm(exp.get("continued_to")))
    cont_got = (_norm(got["continued_from"]), _norm(got["continued_to"]))
    checks.append(("continuations", cont_exp == cont_got, f"continued from/to {cont_exp!r} != {cont_got!r}"))
    return checks


def compare(expectation: dict, issue, lost: int = 0, extra: int = 0, chars: int = 0) -> Score:
    """Score one parsed issue against its expectation."""
    score = Score(chars=chars, lost=lost, extra=extra)
    expected = expectation.get("articles") or []
    got = parsed_articles(issue)
    score.expected, score.parsed = len(expected), len(got)
    by_line: dict = {}
    for g in got:
        by_line.setdefault(g["first_line"], g)
    exp_lines = {e.get("first_line") for e in expected}
    for e in expected:
        g = by_line.get(e.get("first_line"))
        label = f"line {e.get('first_line')} {e.get('title') or (e.get('captions') or e.get('paragraphs') or [''])[0]!r}"
        if g is None:
            score.diffs.append(f"{label}: no article starts here")
            continue
        score.matched += 1
        for measure, ok, why in _article_checks(e, g):
            score.tally(measure, ok)
            if not ok:
                score.diffs.append(f"{label}: {why}")
    for g in got:
        if g["first_line"] not in exp_lines:
            score.diffs.append(f"line {g['first_line']}: spurious article {g['title'] or (g['captions'] or g['paragraphs'] or [''])[0]!r}")
    page = parsed_page(issue)
    if "page" in expectation and expectation["page"] is not None:
        want = expectation["page"]
        want_n = None if want.get("number") is None else str(want.get("number"))
        want_name = _norm(want.get("name"))
        ok = want_n == _norm(page["number"]) and want_name == _norm(page["name"])
        score.tally("page", ok)
        if not ok:
            score.diffs.append(f"page {want_n!r}/{want_name!r} != {page['number']!r}/{page['name']!r}")
    if "page_meta" in expectation and expectation["page_meta"] is not None:
        want = _meta_norm(expectation["page_meta"])
        have = _meta_norm(page["page_meta"])
        score.tally("page_meta", want == have)
        if want != have:
            score.diffs.append(f"page_meta {want} != {have}")
    if "date" in expectation and expectation["date"] is not None:
        want = str(expectation["date"])
        score.tally("date", want == page["date"])
        if want != page["date"]:
            score.diffs.append(f"date {want!r} != {page['date']!r}")
    if lost or extra:
        score.diffs.append(f"text: {lost} characters lost, {extra} duplicated or invented")
    return score


def crashed(expectation: dict, chars: int, error: str) -> Score:
    """A parser crash: every expected article missed, every character lost, every field wrong."""
    score = Score(chars=chars, lost=chars, crashed=1)
    expected = expectation.get("articles") or []
    score.expected = len(expected)
    for e in expected:
        for measure in ARTICLE_MEASURES:
            if measure == "event_date" and "event_date" not in e:
                continue
            score.tally(measure, False)
    for key in ("page", "page_meta", "date"):
        if expectation.get(key) is not None:
            score.tally(key, False)
    score.diffs.append(f"parser crashed: {error}")
    return score


def score_file(txt: Path, exp_path: Path, lexicon=None) -> Score:
    """Parse one fixture with the project parser and score it; never raises for parser errors."""
    from newsarchive.dates import date_issue
    from newsarchive.parse import parse_source
    from newsarchive.parse.accounting import expected_characters, unaccounted
    from newsarchive.source import read_source

    expectation = load_expectation(exp_path)
    source = read_source(txt)
    chars = sum(expected_characters(source).values())
    try:
        issue = parse_source(source, lexicon)
        date_issue(issue, source)
        lost, extra = unaccounted(source, issue)
    except Exception as exc:  # a crash on one page is scored, not raised
        return crashed(expectation, chars, f"{type(exc).__name__}: {exc}")
    return compare(expectation, issue, sum(lost.values()), sum(extra.values()), chars)
