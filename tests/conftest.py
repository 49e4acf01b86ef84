"""Shared fixtures: the sample archive and a parsed copy of it."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "articles"
SAMPLES = sorted(ARTICLES.glob("*.txt"))


@pytest.fixture(scope="session")
def lexicon():
    from newsarchive.parse import Lexicon

    return Lexicon()


@pytest.fixture(scope="session")
def sample_issues(lexicon):
    """The five sample bulletins, parsed and dated, keyed by file name prefix (000…004)."""
    from newsarchive.pipeline import parse_files

    result = parse_files(SAMPLES, ROOT, lexicon)
    assert not result.errors
    return {Path(issue.source).name[:3]: issue for issue in result.issues}
