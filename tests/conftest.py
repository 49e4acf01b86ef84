"""Shared fixtures: the sample archive and a parsed copy of it."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "articles"
SAMPLES = sorted(ARTICLES.glob("*.txt"))


@pytest.fixture(scope="session")
def toolkit():
    """Tagger and parser lexicon as the build loads them (one shared segmenter)."""
    from newsarchive.pipeline import Toolkit

    return Toolkit.load()


@pytest.fixture(scope="session")
def lexicon(toolkit):
    return toolkit.lexicon


@pytest.fixture(scope="session")
def sample_issues(toolkit):
    """The five sample bulletins, parsed and dated, keyed by file name prefix (000…004)."""
    from newsarchive.pipeline import parse_files

    result = parse_files(SAMPLES, ROOT, toolkit)
    assert not result.errors
    return {Path(issue.source).name[:3]: issue for issue in result.issues}
