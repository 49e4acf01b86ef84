"""Composed pages in the forms of real local papers (docs/forms.md): the parse must
match each hand-written expectation on every field, keep every character, and
invent no article. Scored over the whole set by benchmarks/score_forms.py."""
from __future__ import annotations

import pytest

import forms_expect

PAIRS = forms_expect.fixture_pairs()


def test_the_forms_set_is_there():
    assert len(PAIRS) >= 45
    for txt, exp in PAIRS:
        data = forms_expect.load_expectation(exp)
        assert data.get("seen_at"), f"{exp.name}: say where the forms were seen"
        assert data.get("forms"), f"{exp.name}: name the forms it uses"


@pytest.mark.parametrize("txt,exp", PAIRS, ids=[t.stem for t, _ in PAIRS])
def test_page_parses_as_expected(txt, exp, lexicon):
    score = forms_expect.score_file(txt, exp, lexicon)
    assert not score.diffs, f"{txt.name}:\n  " + "\n  ".join(score.diffs)
