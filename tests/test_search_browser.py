"""The search page in headless Chromium over file://: exact results, ranking, typing, failures.

Runs the real static/search.js and templates/search.html (on a minimal stand-in
base.html, so the test does not depend on the site templates) against the
index of the five samples, and compares the links shown with a substring scan.
"""
from __future__ import annotations

import copy
import shutil
from pathlib import Path
from urllib.parse import quote

import jinja2
import pytest

from newsarchive import search as S
from newsarchive.search import layout as L

from test_search import doc_order, scan, stand_in_url

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
BASE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>t</title></head><body>
<form role="search" action="{{ rel }}search.html"><input type="search" id="hq" name="q"></form>
<main>{% block content %}{% endblock %}</main>{% block scripts %}{% endblock %}</body></html>"""


def search_page(out: Path) -> Path:
    """`out` with the real search page (on the stand-in base) and static/search.js."""
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([jinja2.DictLoader({"base.html": BASE}), jinja2.FileSystemLoader(ROOT / "templates")]), autoescape=True)
    (out / "search.html").write_text(env.get_template("search.html").render(rel=""), encoding="utf-8")
    (out / "static").mkdir()
    shutil.copy(ROOT / "static" / "search.js", out / "static" / "search.js")
    return out


@pytest.fixture(scope="module")
def site(sample_issues, tmp_path_factory):
    out = search_page(tmp_path_factory.mktemp("site"))
    issues = copy.deepcopy(list(sample_issues.values()))
    from newsarchive.tagging import Tagger

    Tagger.load(None).tag_issues(issues)  # districts, streets, topics for the filters
    S.write_search_index(issues, out, stand_in_url)
    for issue, art in doc_order(issues):  # pages the result links point at
        page = out / stand_in_url(issue, art)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<title>{art.display_title}</title>", encoding="utf-8")
    return out, issues


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context()
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()


def wait_done(page):
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-search-status]');"
        " return s && s.dataset.state !== 'busy' && s.dataset.state !== 'partial' && s.textContent.trim() !== ''; }",
        timeout=5000,
    )


def results(page) -> list[dict]:
    """The links listed (without the ?hl= that makes the opened article mark the query)."""
    return page.eval_on_selector_all("[data-search-results] a", "as => as.map(a => ({href: a.getAttribute('href').split('?')[0], text: a.textContent}))")


def expected_links(issues, query):
    order = doc_order(issues)
    return {stand_in_url(*order[d]) for d in scan(issues, query)}


@pytest.mark.parametrize("query", ["核酸采样", "疫情防控", "胡拥军", "区委书记", "复工复产", "志愿者", "港闸", "2020"])
def test_url_query_finds_exactly_the_articles_containing_it(site, page, query):
    out, issues = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote(query))
    wait_done(page)
    got = results(page)
    assert {r["href"] for r in got} == expected_links(issues, query)
    assert not page.errors
    titled = [a for _, a in doc_order(issues) if S.normalize(query) in S.normalize(S.title_prefix(a))]
    if titled:  # an article with the query in its headline ranks first
        assert S.normalize(query) in S.normalize(got[0]["text"]) or any(
            got[0]["href"] == stand_in_url(i, a) for i, a in doc_order(issues) if a in titled)


def test_snippet_highlights_the_match(site, page):
    out, _ = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote("核酸采样"))
    wait_done(page)
    marks = page.eval_on_selector_all("[data-search-results] mark", "ms => ms.map(m => m.textContent)")
    assert marks and all(m == "核酸采样" for m in marks)
    # the text code table is rebuilt from the browser's GB2312 decoder, not downloaded
    assert page.evaluate("!('chars' in window.__naSearch.store)")
    meta = page.text_content("[data-search-results] .search-meta")
    assert "2022-05-08" in meta


def test_typing_answers_and_updates_url(site, page):
    out, issues = site
    page.goto((out / "search.html").as_uri())
    page.wait_for_function("() => !['busy', 'partial'].includes(document.querySelector('[data-search-status]').dataset.state)")
    page.click("#search-q")
    page.keyboard.type("核酸 采样点", delay=30)
    page.wait_for_function("() => document.querySelectorAll('[data-search-results] a').length > 0")
    wait_done(page)
    page.wait_for_timeout(300)
    assert {r["href"] for r in results(page)} == expected_links(issues, "核酸 采样点")
    assert "q=" in page.url
    assert page.input_value("#hq") == "核酸 采样点"  # the header box follows
    # keyboard: ArrowDown moves into the results
    page.focus("#search-q")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('[data-search-results]') !== null")


def test_quoted_phrase_and_adjacency(site, page):
    out, issues = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote('"区委书记"'))
    wait_done(page)
    assert {r["href"] for r in results(page)} == expected_links(issues, "区委书记")
    page.goto((out / "search.html").as_uri() + "?q=" + quote("区委 书记"))
    wait_done(page)
    assert {r["href"] for r in results(page)} == expected_links(issues, "区委 书记")
    assert expected_links(issues, "区委 书记") > expected_links(issues, "区委书记")


def test_no_hits_say_so(site, page):
    out, _ = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote("不存在的词语组合"))
    wait_done(page)
    assert results(page) == [] and "没有找到" in page.text_content("[data-search-status]")


def test_district_filter(site, page):
    out, issues = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote("疫情防控") + "&district=" + quote("港闸区"))
    wait_done(page)
    order = doc_order(issues)
    want = {stand_in_url(*order[d]) for d in scan(issues, "疫情防控") if "港闸区" in order[d][1].districts}
    assert want and page.input_value("#search-district") == "港闸区"
    assert {r["href"] for r in results(page)} == want
    assert want < expected_links(issues, "疫情防控")


def bucket_files(man: dict, key: str) -> list[str]:
    """The bucket files a key is looked up in: its head (p/) and tail (n/) layer files."""
    return [f"{layer}/{S.fnv(key) % n}" for layer, n in (("p", man["buckets"]), ("n", man["tbuckets"])) if n]


def test_missing_shard_is_reported_not_spinning(site, page, tmp_path):
    out, _ = site
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    man = (broken / "search" / "manifest.js").read_text("utf-8")
    import json, re
    man = json.loads(re.search(r'__na\((\{.*\})\)', man).group(1))
    (broken / "search" / f"{bucket_files(man, '核酸')[-1]}.js").unlink()
    page.goto((broken / "search.html").as_uri() + "?q=" + quote("核酸采样"))
    page.wait_for_function("() => document.querySelector('[data-search-status]').dataset.state === 'error'", timeout=5000)
    assert "无法" in page.text_content("[data-search-status]")
    (broken / "search" / "manifest.js").unlink()
    page.goto((broken / "search.html").as_uri())
    page.wait_for_function("() => document.querySelector('[data-search-status]').dataset.state === 'error'", timeout=5000)


def test_noscript_message(site):
    out, _ = site
    html = (out / "search.html").read_text("utf-8")
    assert "<noscript>" in html and "JavaScript" in html


def test_fnv_matches_python(site, page):
    out, _ = site
    page.goto((out / "search.html").as_uri())
    page.wait_for_function("() => window.__naSearch && window.__naSearch.store.manifest")
    man = page.evaluate("window.__naSearch.store.manifest")
    assert man["buckets"] + man["tbuckets"] >= 1
    # the bucket the page loads for a query is the one Python wrote the key into
    page.goto((out / "search.html").as_uri() + "?q=" + quote("核酸"))
    wait_done(page)
    for name in bucket_files(man, "核酸"):
        assert page.evaluate(f"'{name}' in window.__naSearch.store")


def test_header_box_on_any_page_answers_in_a_dropdown(site, page):
    """A page with only the site's header form and the script (base.html may include it everywhere)."""
    out, issues = site
    sub = out / "2022" / "other.html"
    sub.parent.mkdir(exist_ok=True)
    sub.write_text('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
                   '<form role="search" action="../search.html"><input type="search" name="q"></form>'
                   '<script src="../static/search.js"></script></body></html>', encoding="utf-8")
    page.goto(sub.as_uri())
    page.wait_for_function("() => window.__naSearch.store && window.__naSearch.store.manifest")
    page.click("input[type=search]")
    page.keyboard.type("核酸采样", delay=20)
    page.wait_for_function("() => document.querySelectorAll('[data-search-results] a').length > 0")
    wait_done(page)
    hrefs = page.eval_on_selector_all("[data-search-results] a", "as => as.map(a => a.href.split('?')[0])")
    assert {h.removeprefix(out.as_uri() + "/") for h in hrefs} == expected_links(issues, "核酸采样")


# --- files and rounds before the first results ------------------------------------

TRACE = r"""
(() => {
  // every index file the page asks for, with the number of results on screen at that moment
  const T = window.__trace = [];
  const ap = Node.prototype.appendChild;
  Node.prototype.appendChild = function (n) {
    if (n && n.tagName === 'SCRIPT' && n.src && n.src.includes('/search/')) {
      const box = document.querySelector('[data-search-results]');
      T.push([n.src.replace(/.*\/search\//, '').replace(/\.js$/, ''), box ? box.querySelectorAll('a').length : 0]);
    }
    return ap.call(this, n);
  };
})();
"""


def asked_after(page, query: str) -> list[str]:
    """Index files the page asks for from typing `query` to the first results painted (TRACE installed)."""
    page.wait_for_function("() => window.__naSearch && window.__naSearch.store && window.__naSearch.store.manifest")
    n0 = page.evaluate("window.__trace.length")
    page.fill("#search-q", query)
    page.wait_for_function("() => document.querySelectorAll('[data-search-results] a').length > 0")
    return [name for name, shown in page.evaluate("window.__trace")[n0:] if shown == 0]


def query_keys(query: str) -> set[str]:
    """The bigrams the page looks up: per run of letters/digits, those at even offsets and the last."""
    keys = set()
    for term in query.split():
        t = S.normalize(term)
        i = 0
        while i < len(t):
            if not S.is_word(t[i]):
                i += 1
                continue
            j = i
            while j < len(t) and S.is_word(t[j]):
                j += 1
            keys |= {t[o : o + 2] for o in range(i, j - 1, 2)}
            if j - i > 2 and (j - i) % 2:
                keys.add(t[j - 2 : j])
            i = j
    return keys


def test_query_keys_cover_runs(site, page):
    out, _ = site
    page.goto((out / "search.html").as_uri())
    page.wait_for_function("() => window.__naSearch && window.__naSearch.parseQuery")
    for q in ["核酸采样", "采样点", "不存在的词语组合", "区委，书记", "疫情防控 2020年", "a1 bc"]:
        got = page.evaluate("q => window.__naSearch.parseQuery(q).terms.flatMap(t => t.grams.map(g => g.k))", q)
        assert set(got) == query_keys(q), q
    assert query_keys("核酸采样") == {"核酸", "采样"} and query_keys("采样点") == {"采样", "样点"}


@pytest.mark.parametrize("query", ["核酸采样", "疫情防控", "复工复产 志愿者"])
def test_first_results_need_one_bucket_round_then_meta(site, page, query):
    """Before the query (the search page loads them once the manifest is in): the inflater, the
    text dictionary and the meta files of the newest articles. Round 1: one p/ and one n/ file per
    key (body and title lists, newest ranges inline); round 2: the meta files of the best results
    not among the newest. No c/ file, nothing else, before the first paint."""
    out, _ = site
    page.add_init_script(TRACE)
    page.goto((out / "search.html").as_uri())
    man = page.evaluate("() => new Promise(ok => { const w = () => window.__naSearch && window.__naSearch.store && window.__naSearch.store.manifest ? ok(window.__naSearch.store.manifest) : setTimeout(w, 5); w(); })")
    wait_preloaded(page, man)
    preloaded = [n for n, _ in page.evaluate("window.__trace")]
    names = asked_after(page, query)
    meta = man["meta"]
    assert set(preloaded) == {"manifest", "inflate", "z"} | preloaded_meta(man)
    buckets = {name for k in query_keys(query) for name in bucket_files(man, k)}
    assert set(names[: len(buckets)]) == buckets  # asked first, all at once
    rest = names[len(buckets):]
    assert all(n.startswith("m/") for n in rest), names
    assert len(rest) <= 10 and len(set(names)) == len(names)
    assert meta >= 1


def preloaded_meta(man: dict) -> set[str]:
    """The meta files the search page loads before a query: those of the newest articles."""
    last = (man["docs"] - 1) // man["meta"]
    return {f"m/{b}" for b in range(max(0, last - -(-256 // man["meta"]) + 1), last + 1)}  # the newest 256 articles


def wait_preloaded(page, man: dict) -> None:
    """Until the search page's preload is in: the inflater, the text dictionary, the newest meta files."""
    page.wait_for_function("names => names.every(n => n in window.__naSearch.store)", arg=["inflate", "z", *preloaded_meta(man)], timeout=5000)


@pytest.mark.parametrize("query", ["核酸采样", "复工复产 志愿者"])
def test_a_linked_query_goes_before_the_preload(site, page, query):
    """search.html?q=…: the query's bucket files are asked right after the manifest, with the
    inflater only; the preload (one file at a time, none while a query is answered: file:// loads
    queue behind each other) follows, and has loaded everything once the query is answered."""
    out, _ = site
    page.add_init_script(TRACE)
    page.goto((out / "search.html").as_uri() + "?q=" + quote(query))
    wait_done(page)
    man = page.evaluate("window.__naSearch.store.manifest")
    wait_preloaded(page, man)
    trace = page.evaluate("window.__trace")
    names = [n for n, _ in trace]
    first_paint = [n for n, shown in trace if shown == 0]
    buckets = {name for k in query_keys(query) for name in bucket_files(man, k)}
    assert names[0] == "manifest" and set(names[1 : 1 + len(buckets)]) == buckets, names
    assert all(n.startswith("m/") or n == "inflate" for n in first_paint[1 + len(buckets) :]), names
    assert not page.errors


def test_the_preload_resumes_after_overlapping_queries(site, page):
    """Two queries typed the moment the manifest is in (the first still loading when the second
    is asked): the preload waits for both, then loads the rest (queries that find nothing: they
    load none of it themselves)."""
    out, _ = site
    # from the page's start: the queries are typed in the task that sees the manifest
    page.add_init_script("""(() => {
      const go = () => {
        if (!(window.__naSearch && window.__naSearch.store && window.__naSearch.store.manifest)) return setTimeout(go, 0);
        const box = document.querySelector('#search-q');
        for (const q of ['不存在的词语', '不存在的词语组合']) { box.value = q; box.dispatchEvent(new Event('input', {bubbles: true})); }
      };
      go();
    })()""")
    page.goto((out / "search.html").as_uri())
    wait_done(page)
    man = page.evaluate("window.__naSearch.store.manifest")
    wait_preloaded(page, man)
    assert page.input_value("#search-q") == "不存在的词语组合" and not page.errors


@pytest.fixture(scope="module")
def tiny_site(sample_issues, tmp_path_factory):
    """The samples with ranges of 4 docs and most lists big: chunk files, inline ranges, title lists read a range at a time."""
    out = search_page(tmp_path_factory.mktemp("tiny"))
    issues = copy.deepcopy(list(sample_issues.values()))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(L, "RANGE", 4)
        mp.setattr(L, "BIG", 40)
        mp.setattr(L, "TITLE_BIG", 6)
        S.write_search_index(issues, out, stand_in_url)
    return out, issues


@pytest.mark.parametrize("query", ["核酸采样", "疫情防控", "胡拥军", '"区委书记"', "区委 书记", "志愿者", "2020", "采样点", "防控工作", "疫情防控工作"])
def test_tiny_ranges_exact(tiny_site, page, query):
    out, issues = tiny_site
    page.add_init_script(TRACE)
    page.goto((out / "search.html").as_uri() + "?q=" + quote(query))
    wait_done(page)
    got = [r["href"] for r in results(page)]
    assert set(got) == expected_links(issues, query.strip('"'))
    assert not page.errors
    # every article with the query in its headline before every other (here most title
    # lists are tbig: their matches are found range by range)
    titled = {stand_in_url(i, a) for i, a in doc_order(issues) if all(S.normalize(t) in S.normalize(S.title_prefix(a)) for t in query.strip('"').split())}
    assert got[: len(titled)] == [h for h in got if h in titled], query
    man = page.evaluate("window.__naSearch.store.manifest")
    names = [n for n, _ in page.evaluate("window.__trace")]
    assert not any(n.startswith("t/") for n in names)
    # chunk files only for the ranges before the inline ones
    assert all(int(n.split("/")[1]) < man["inline"] for n in names if n.startswith("c/"))


def test_tiny_ranges_use_chunks_and_inline_ranges(tiny_site, page):
    out, issues = tiny_site
    page.add_init_script(TRACE)
    page.goto((out / "search.html").as_uri())
    names = asked_after(page, "疫情防控")
    man = page.evaluate("window.__naSearch.store.manifest")
    assert man["inline"] >= 1 and not man["cbuckets"][-1]  # the newest range has no chunk files
    assert any(n.startswith("c/") for n in names)  # older ranges are read from their chunks
