"""Composed pages in the forms of real local papers (docs/forms.md), each with a
hand-written expectation. The parser does not yet meet every expectation, so the
suite holds what it has reached and lets nothing slip back:

- every page parses and keeps every character (no exception, nothing lost or doubled);
- the pages listed in `PASSING` match their expectation on every field;
- the set's measures stay at or above `FLOORS` (what the parser scored when they
  were last raised; raise them, never lower them, when the parser improves).

`python benchmarks/score_forms.py -v` shows what still differs on every page.
"""
from __future__ import annotations

import pytest

import forms_expect

PAIRS = forms_expect.fixture_pairs()
#: pages composed by someone who had not read the parser, to measure what tuning on
#: PAIRS hides (tests/fixtures/forms_holdout/README.md): held to conservation and a floor
HOLDOUT = forms_expect.fixture_pairs(forms_expect.FIXTURES.parent / "forms_holdout")

#: pages that match their expectation on every field
PASSING = {
    "01-yaowen-paren-lead", "02-photo-name-she-list", "03-roundup-jianxun", "04-continuation-xiazhuan",
    "05-continuation-shangjie", "06-wen-tu-byline", "07-wangxun-xiaoxi", "08-notice-gonggao", "09-letter-bianzhean",
    "11-caption-numbered-photopage", "12-masthead-staff-folio", "13-photo-page-triangle", "15-dian-dateline",
    "18-roundup-bullets", "20-name-before-role-group", "21-colon-role-staff-block", "22-slash-credit-captions",
    "23-roundup-item-bylines", "24-notice-tongzhi", "25-table-tabbed", "26-kailan-column",
    "27-enp-footer-paren-spaces", "28-traditional-chars", "29-zhengli-paishezhe", "31-gonggao-qishi-letters",
    "34-benwang-xun-trailing", "36-dian-and-xiaoxi", "37-hollow-square-wen", "38-masthead-current-page",
    "39-yaowen-sulan", "40-list-numbered-bianzhean", "41-triangle-numbered-mix", "42-group-colon-junior",
    "44-table-schedule-tongzhi", "45-roundup-bullets-headless", "46-kailan-zhengli-slash", "47-traditional-enp-ocr",
}

#: measure -> the lowest rate the set may score (the parser's score, rounded down)
FLOORS = {
    "recall": 0.97,
    "precision": 0.99,
    "headline": 0.95,
    "kicker_subtitle": 0.96,
    "authors": 0.96,
    "kind": 0.99,
    "captions": 0.98,
    "paragraphs": 0.98,
    "continuations": 1.0,
    "page": 0.96,
    "page_meta": 1.0,
    "date": 1.0,
}


def test_the_forms_set_is_there():
    assert len(PAIRS) >= 45
    for txt, exp in PAIRS:
        data = forms_expect.load_expectation(exp)
        assert data.get("seen_at"), f"{exp.name}: say where the forms were seen"
        assert data.get("forms"), f"{exp.name}: name the forms it uses"
    assert PASSING <= {t.stem for t, _ in PAIRS}


#: the held-out set's boundary measures: a floor against sliding back, not a target
HOLDOUT_FLOORS = {"recall": 0.91, "precision": 0.78}


@pytest.fixture(scope="module")
def scores(lexicon):
    return {txt.stem: forms_expect.score_file(txt, exp, lexicon) for txt, exp in PAIRS + HOLDOUT}


@pytest.mark.parametrize("stem", [t.stem for t, _ in PAIRS + HOLDOUT])
def test_page_parses_and_keeps_every_character(stem, scores):
    score = scores[stem]
    assert not score.crashed
    assert score.lost == 0 and score.extra == 0, f"{stem}: {score.lost} characters lost, {score.extra} extra"


@pytest.mark.parametrize("stem", sorted(PASSING))
def test_page_parses_as_expected(stem, scores):
    score = scores[stem]
    assert not score.diffs, f"{stem}:\n  " + "\n  ".join(score.diffs)


def _total(scores, pairs) -> "forms_expect.Score":
    total = forms_expect.Score()
    for txt, _ in pairs:
        total.add(scores[txt.stem])
    return total


def test_the_held_out_set_scores_no_lower_than_before(scores):
    total = _total(scores, HOLDOUT)
    assert len(HOLDOUT) >= 20
    assert total.recall >= HOLDOUT_FLOORS["recall"] and total.precision >= HOLDOUT_FLOORS["precision"], (
        total.recall, total.precision)


def test_the_set_scores_no_lower_than_before(scores):
    total = _total(scores, PAIRS)
    rates = {"recall": total.recall, "precision": total.precision}
    rates.update({m: total.rate(m) for m in FLOORS if m not in rates})
    below = {m: round(rates[m], 3) for m, floor in FLOORS.items() if rates[m] is not None and rates[m] < floor}
    assert not below, f"measures below their floor {FLOORS}: {below}"
