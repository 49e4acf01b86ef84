"""One count per term: the search filter's count of a district, street, topic or person is
the number its term page and its taxonomy index show, on the sample site as `build` makes it."""
from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from newsarchive.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("district", "street", "topic", "person")


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("counts")
    shutil.copytree(ROOT / "articles", root / "articles")
    for name in ("site.yaml", "content"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        elif src.exists():
            shutil.copy(src, root / name)
    build(root / "articles", root / "_site", root=root, cache_dir=root / "cache")
    return root / "_site"


def manifest(site: Path) -> dict:
    m = re.fullmatch(r"__na\((.*)\)\n", (site / "search" / "manifest.js").read_text(encoding="utf-8"), re.S)
    return json.loads(m.group(1))


def page_counts(site: Path, kind: str) -> dict[str, int]:
    """name -> the count on its term page ("共 N 篇稿件"), every term page of `kind`."""
    out = {}
    for page in (site / kind).glob("*.html"):
        text = page.read_text(encoding="utf-8")
        head = re.search(r'<h1><span class="label-prefix">[^<]*</span>(.*?)</h1>', text, re.S)
        total = re.search(r'<p class="lede">共 (\d+) 篇稿件', text)
        if head and total:  # (a later page of a paginated term has no total)
            out[html.unescape(head.group(1)).strip()] = int(total.group(1))
    return out


def index_counts(site: Path, kind: str) -> dict[str, int]:
    text = (site / kind / "index.html").read_text(encoding="utf-8")
    return {html.unescape(n).strip(): int(c) for n, c in re.findall(r'>([^<>]+?) <span class="count">(\d+)</span></a>', text)}


@pytest.mark.parametrize("kind", KINDS)
def test_search_facet_counts_equal_the_term_pages(sample_site, kind):
    facets = dict(manifest(sample_site)["facets"][kind])
    pages = page_counts(sample_site, kind)
    assert pages and facets
    # the person filter offers the names of more than one article (any other can be typed)
    offered = {n: c for n, c in pages.items() if kind != "person" or c > 1}
    for name, count in facets.items():
        assert pages.get(name) == count, (kind, name, count, pages.get(name))
    assert set(offered) <= set(facets), sorted(set(offered) - set(facets))
    listed = index_counts(sample_site, kind)
    assert {n: c for n, c in listed.items() if n in facets} == {n: facets[n] for n in listed if n in facets}


def test_district_counts_are_the_articles_own_places(sample_site):
    """港闸区: the issue's district is not counted for an article that names no place."""
    facets = dict(manifest(sample_site)["facets"]["district"])
    assert facets.get("港闸区") == page_counts(sample_site, "district").get("港闸区")
