"""Score the parser on the composed pages of tests/fixtures/forms (or another folder).

    python benchmarks/score_forms.py [DIR] [--verbose] [--json]

Each DIR/NN-name.txt is parsed with the project parser (read_source →
parse_source → date_issue, as the build does) and compared with NN-name.yaml
(format: docs/forms.md). Printed over the whole set: article boundary recall
and precision (an expected article is found when a parsed article starts on
its first line), then, for found articles, headline, kicker+subtitle, authors,
kind, captions, paragraphs (joins and kept breaks), event dates and
continuations; page furniture (number/name, page_meta, date) where the pages
state it; and text conservation (1 − lost/total characters, from
newsarchive.parse.accounting.unaccounted). A parser crash on one page is
reported and scored as zero for that page. `--verbose` adds one line per
page of what differed. The comparison itself lives in tests/forms_expect.py
(shared with tests/test_parse_forms.py).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


from source_tree import import_from_argv  # noqa: E402  (benchmarks/source_tree.py: --src)

import_from_argv()

import forms_expect  # noqa: E402  (tests/forms_expect.py: one copy of the comparison)

LABELS = {
    "headline": "headline (title)",
    "kicker_subtitle": "kicker + subtitle",
    "authors": "authors",
    "kind": "kind",
    "captions": "captions",
    "paragraphs": "paragraphs (joins, kept breaks)",
    "event_date": "event dates",
    "continuations": "continuations",
    "page": "page number/name",
    "page_meta": "page_meta (责任编辑…)",
    "date": "issue date",
}


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def load_lexicon():
    """The parser's word knowledge as the build loads it (falls back to the parser's default)."""
    try:
        from newsarchive.pipeline import Toolkit

        return Toolkit.load().lexicon
    except Exception as exc:  # pragma: no cover - scoring still works with the default lexicon
        print(f"note: Toolkit.load() failed ({exc}); using the parser's default lexicon", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(forms_expect.FIXTURES))
    ap.add_argument("--verbose", "-v", action="store_true", help="one line per page of what differed")
    ap.add_argument("--json", action="store_true", help="print the totals as JSON")
    ap.add_argument("--src", help="import the parser from this source tree (default: ./src)")
    args = ap.parse_args(argv)

    pairs = forms_expect.fixture_pairs(args.folder)
    if not pairs:
        print(f"no .txt/.yaml pairs in {args.folder}", file=sys.stderr)
        return 2
    lexicon = load_lexicon()
    total = forms_expect.Score()
    per_page = []
    started = time.perf_counter()
    for txt, exp in pairs:
        try:
            score = forms_expect.score_file(txt, exp, lexicon)
        except Exception as exc:  # unreadable fixture or broken yaml: report, score zero
            expectation = {}
            try:
                expectation = forms_expect.load_expectation(exp)
            except Exception:
                pass
            score = forms_expect.crashed(expectation, 0, f"could not score: {type(exc).__name__}: {exc}")
        total.add(score)
        per_page.append((txt.name, score))
    elapsed = time.perf_counter() - started

    page_attrs = _model_attrs()
    rows = [
        ("pages", str(len(pairs)) + (f" ({total.crashed} crashed)" if total.crashed else "")),
        ("articles expected / parsed / found", f"{total.expected} / {total.parsed} / {total.matched}"),
        ("boundary recall", _fmt(total.recall)),
        ("boundary precision", _fmt(total.precision)),
    ]
    for m in forms_expect.ARTICLE_MEASURES + forms_expect.PAGE_MEASURES:
        note = ""
        if m == "page" and not page_attrs["page_name"]:
            note = "  (Issue has no page_name yet)"
        if m == "page_meta" and not page_attrs["page_meta"]:
            note = "  (Issue has no page_meta yet)"
        rows.append((LABELS[m], f"{_fmt(total.rate(m))}  [{total.agree.get(m, 0)}/{total.total.get(m, 0)}]{note}"))
    rows.append(("text conservation", f"{_fmt(total.conservation)}  [{total.lost} of {total.chars} characters lost, {total.extra} extra]"))
    if args.json:
        doc = {
            "pages": len(pairs),
            "crashed": total.crashed,
            "expected": total.expected,
            "parsed": total.parsed,
            "matched": total.matched,
            "recall": total.recall,
            "precision": total.precision,
            "conservation": total.conservation,
            "measures": {m: total.rate(m) for m in forms_expect.ARTICLE_MEASURES + forms_expect.PAGE_MEASURES},
            "seconds": round(elapsed, 2),
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        width = max(len(r[0]) for r in rows)
        print(f"forms set: {args.folder}")
        for name, value in rows:
            print(f"  {name.ljust(width)}  {value}")
        print(f"  ({elapsed:.1f} s)")
    if args.verbose:
        print()
        for name, score in per_page:
            status = "ok" if not score.diffs else "; ".join(score.diffs)
            print(f"{name}: {status}")
    return 0


def _model_attrs() -> dict:
    try:
        from newsarchive.model import Issue

        probe = Issue(source="probe")
        return {"page_name": hasattr(probe, "page_name"), "page_meta": hasattr(probe, "page_meta")}
    except Exception:
        return {"page_name": False, "page_meta": False}


if __name__ == "__main__":
    sys.exit(main())
