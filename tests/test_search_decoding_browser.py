"""The browser decodes what the search package encodes: code units to bytes, and deflate with the text dictionary."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from newsarchive import search as S
from newsarchive.search import postings as P
from newsarchive.search import text as T
from newsarchive.search import write as W

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium")
    out = tmp_path_factory.mktemp("decode")
    (out / "static").mkdir()
    shutil.copy(ROOT / "static" / "search.js", out / "static" / "search.js")
    (out / "index.html").write_text('<!DOCTYPE html><meta charset="utf-8"><title>t</title><script src="static/search.js"></script>', encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pg = browser.new_page()
        pg.goto((out / "index.html").as_uri())
        yield pg
        browser.close()


def test_unit_bytes_match_python(page):
    rng = random.Random(5)
    for n in [0, 1, 5, 6, 7, 46, 47, 48, 93, 94, 500, 4099]:
        data = bytes(rng.randrange(256) for _ in range(n))
        got = bytes(page.evaluate("u => Array.from(window.__naSearch.unitBytes(u))", S.to_units(data)))
        assert got[:n] == data and not any(got[n:]) and len(got) - n <= 5, n


def test_inflate_with_the_text_dictionary(page, sample_issues):
    codes = [S.encode_text(a.body_text).encode("utf-8") for i in sample_issues.values() for a in i.articles]
    zdict = S.train_dictionary(codes[:-3])
    page.add_script_tag(content=W._inflater_script().decode("utf-8").replace("__na(fflate);", "window.fflate = fflate;"))
    for code in codes[-3:]:
        blob = T.blob(code, zdict)
        n, i = P.read_leb(blob, 0)
        got = page.evaluate("([z, d]) => Array.from(window.fflate.inflateSync(new Uint8Array(z), {dictionary: new Uint8Array(d)}))",
                            [list(blob[i : i + n]), list(zdict)])
        assert bytes(got) == code
