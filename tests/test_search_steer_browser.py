"""Issue 24, search a reader can steer, in headless Chromium over file://: ranking and count
over every range, sort, single characters, traditional forms, date range, person filter,
Escape on the header box, and ?hl= on the opened article.

Uses the sites of test_search_browser (the five samples; `tiny_site`: ranges of 4 docs,
most lists cut into chunk files)."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from newsarchive import search as S

from test_search import doc_order, scan, stand_in_url
from test_search_browser import browser, expected_links, page, results, site, tiny_site, wait_done  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def status(page) -> str:
    return page.text_content("[data-search-status]")


def tune(page, **kw) -> None:
    """Set the page's ENOUGH (results before the first screen) and BUDGET (bytes) before search.js runs."""
    js = ";".join(f"window.__naSearch.{k} = {v}" for k, v in kw.items())
    page.add_init_script("window.__naSearch = window.__naSearch || {};" + js)


def settled(page) -> None:
    """Until the list is final: every range read (or the budget spent), status neither busy nor partial."""
    wait_done(page)


def titled(issues, query: str) -> set[str]:
    return {stand_in_url(i, a) for i, a in doc_order(issues)
            if all(S.normalize(t) in S.normalize(S.title_prefix(a)) for t in query.split())}


@pytest.mark.parametrize("query", ["疫情防控", "核酸", "志愿者", "复工复产 志愿者"])
def test_ranking_and_count_are_over_every_range(tiny_site, page, query):
    """The first screen comes after 2 results (ENOUGH); every other range is read after it: the
    headline hits of the oldest ranges rank above body hits of the newest, and the count is true."""
    out, issues = tiny_site
    tune(page, enough=2)
    page.goto((out / "search.html").as_uri() + "?q=" + quote(query))
    settled(page)
    got = [r["href"] for r in results(page)]
    want = expected_links(issues, query)
    assert set(got) == want and not page.errors
    heads = titled(issues, query)
    assert got[: len(heads)] == [h for h in got if h in heads]
    assert f"找到 {len(want)} 篇" in status(page) and "约" not in status(page)


def test_budget_stops_reading_and_more_reads_the_rest(tiny_site, page):
    """With a tiny byte budget the page stops after the first screen, says the count is an
    estimate, and 更多结果 reads on until every range is in."""
    out, issues = tiny_site
    tune(page, enough=2, budget=1)
    page.goto((out / "search.html").as_uri() + "?q=" + quote("疫情防控"))
    settled(page)
    want = expected_links(issues, "疫情防控")
    assert "全部约" in status(page) and "更多结果" in status(page)
    assert len(results(page)) < len(want)
    for _ in range(40):
        if "全部约" not in status(page):
            break
        page.click("[data-search-more]")
        settled(page)
    assert {r["href"] for r in results(page)} == want and f"找到 {len(want)} 篇" in status(page)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_by_date(site, page, sort):
    out, issues = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote("疫情防控") + "&sort=" + sort)
    settled(page)
    order = doc_order(issues)
    docs = sorted(scan(issues, "疫情防控"), reverse=sort == "newest")
    assert [r["href"] for r in results(page)] == [stand_in_url(*order[d]) for d in docs]
    assert page.input_value("#search-sort") == sort
    # the toggle asks again, and the address keeps it
    page.select_option("#search-sort", "relevance")
    settled(page)
    assert "sort=" not in page.url and {r["href"] for r in results(page)} == expected_links(issues, "疫情防控")


@pytest.mark.parametrize("query", ["疫", "区", "核 酸", "2"])
def test_single_characters(site, page, query):
    out, issues = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote(query))
    settled(page)
    assert {r["href"] for r in results(page)} == expected_links(issues, query) and not page.errors
    marks = page.eval_on_selector_all("[data-search-results] mark", "ms => ms.map(m => m.textContent)")
    assert marks and all(set(m) <= set(query) for m in marks)


def test_single_character_in_tiny_ranges(tiny_site, page):
    out, issues = tiny_site
    page.goto((out / "search.html").as_uri() + "?q=" + quote("疫"))
    settled(page)
    got = [r["href"] for r in results(page)]
    assert set(got) == expected_links(issues, "疫")
    heads = titled(issues, "疫")
    assert heads and got[: len(heads)] == [h for h in got if h in heads]


def test_traditional_query_finds_simplified_text(site, page):
    """會議 finds 会议: the page folds the query with search/t2s.js, which it loads only then."""
    out, issues = site
    trace = []
    page.on("request", lambda r: trace.append(r.url))
    page.goto((out / "search.html").as_uri() + "?q=" + quote("疫情防控"))
    settled(page)
    assert not any(u.endswith("/t2s.js") for u in trace)  # a simplified query needs no table
    want = expected_links(issues, "区委书记")
    page.goto((out / "search.html").as_uri() + "?q=" + quote("區委書記"))
    settled(page)
    assert want and {r["href"] for r in results(page)} == want
    assert any(u.endswith("/t2s.js") for u in trace) and not page.errors
    marks = page.eval_on_selector_all("[data-search-results] mark", "ms => ms.map(m => m.textContent)")
    assert marks and set(marks) == {"区委书记"}


def test_date_range(site, page):
    out, issues = site
    order = doc_order(issues)
    dates = sorted({i.date for i, _ in order})
    lo, hi = dates[1], dates[-2]
    page.goto((out / "search.html").as_uri() + "?q=" + quote("疫情防控") + f"&from={lo}&to={hi}")
    settled(page)
    want = {stand_in_url(*order[d]) for d in scan(issues, "疫情防控") if lo <= order[d][0].date <= hi}
    assert want and {r["href"] for r in results(page)} == want < expected_links(issues, "疫情防控")
    assert page.input_value("#search-from") == lo and page.input_value("#search-to") == hi
    # one day only, then the range cleared
    page.fill("#search-from", dates[0])
    page.fill("#search-to", dates[0])
    page.dispatch_event("#search-to", "change")
    settled(page)
    assert {r["href"] for r in results(page)} == {stand_in_url(*order[d]) for d in scan(issues, "疫情防控") if order[d][0].date == dates[0]}
    assert f"to={dates[0]}" in page.url


def test_person_filter(site, page):
    out, issues = site
    order = doc_order(issues)
    people: dict[str, set[int]] = {}
    for d, (_, a) in enumerate(order):
        for n in dict.fromkeys([*a.authors, *a.persons]):
            people.setdefault(n, set()).add(d)
    name = max(people, key=lambda n: (len(people[n]), n))
    hits = scan(issues, "的") & people[name]
    page.goto((out / "search.html").as_uri() + "?q=" + quote("的") + "&person=" + quote(name))
    settled(page)
    assert hits and {r["href"] for r in results(page)} == {stand_in_url(*order[d]) for d in hits}
    options = page.eval_on_selector_all("#search-person option", "os => os.map(o => o.textContent)")
    assert f"{name}（{len(people[name])}）" in options  # the count the person page shows


def header_page(out):
    sub = out / "2022" / "header.html"
    sub.parent.mkdir(exist_ok=True)
    sub.write_text('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
                   '<form role="search" action="../search.html"><input type="search" name="q"></form><main><p>正文</p></main>'
                   '<script src="../static/search.js"></script></body></html>', encoding="utf-8")
    return sub


def test_escape_closes_the_header_dropdown(site, page):
    out, _ = site
    page.goto(header_page(out).as_uri())
    page.wait_for_function("() => window.__naSearch.store && window.__naSearch.store.manifest")
    assert page.is_hidden("[data-search-results]") and page.is_hidden("[data-search-status]")  # no gap while empty
    page.click("input[type=search]")
    page.keyboard.type("核酸采样", delay=20)
    page.wait_for_function("() => document.querySelectorAll('[data-search-results] a').length > 0")
    assert page.is_visible("[data-search-results]")
    page.keyboard.press("Escape")
    assert page.is_hidden("[data-search-results]") and page.is_hidden("[data-search-status]")
    assert page.eval_on_selector_all("[data-search-results] a", "as => as.length") == 0
    # from inside the list too, after the box opened again
    page.click("main p")
    page.click("input[type=search]")
    page.wait_for_function("() => document.querySelectorAll('[data-search-results] a').length > 0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert page.is_hidden("[data-search-results]")
    assert page.evaluate("document.activeElement.name") == "q"
    # a click elsewhere closes it as well
    page.keyboard.type("x")
    page.keyboard.press("Backspace")
    page.wait_for_function("() => document.querySelectorAll('[data-search-results] a').length > 0")
    page.click("main p")
    assert page.is_hidden("[data-search-results]") and not page.errors


def article_page(out):
    art = out / "2022" / "story.html"
    art.parent.mkdir(exist_ok=True)
    art.write_text('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
                   '<form role="search" action="../search.html"><input type="search" name="q"></form>'
                   '<article class="story"><header class="story-head"><h1>区委书记调研核酸采样</h1></header>'
                   '<div class="story-body"><p>今天，區委書記到采样点检查<b>核酸</b>采样工作。&lt;img src=x&gt;</p>'
                   '<p>其他内容。</p></div><footer><a href="x.html">核酸</a></footer></article>'
                   '<script src="../static/search.js"></script></body></html>', encoding="utf-8")
    return art


def marks(page) -> list[str]:
    return page.eval_on_selector_all("mark.search-hl", "ms => ms.map(m => m.textContent)")


def test_hl_marks_the_query_in_the_opened_article(site, page):
    out, _ = site
    page.goto(article_page(out).as_uri() + "?hl=" + quote("区委书记 核酸"))
    page.wait_for_function("() => window.__naSearch.highlighted !== undefined")
    # the headline, the body (a traditional form too, and a word split by markup), not the footer
    assert marks(page) == ["区委书记", "核酸", "區委書記", "核酸"]
    assert page.text_content(".story-body p") == "今天，區委書記到采样点检查核酸采样工作。<img src=x>"
    assert not page.errors


def test_hl_is_text_never_html(site, page):
    out, _ = site
    evil = '<img src=x onerror="window.__pwned=1">核酸"><script>window.__pwned=2</script>'
    page.goto(article_page(out).as_uri() + "?hl=" + quote(evil))
    page.wait_for_function("() => window.__naSearch.highlighted !== undefined")
    page.wait_for_timeout(100)
    assert page.evaluate("window.__pwned") is None
    assert page.eval_on_selector_all("article img, article script", "xs => xs.length") == 0
    assert "核酸" in marks(page)
    assert page.text_content(".story-body p") == "今天，區委書記到采样点检查核酸采样工作。<img src=x>"


def test_result_links_carry_hl(site, page):
    out, _ = site
    page.goto((out / "search.html").as_uri() + "?q=" + quote("核酸 采样点"))
    settled(page)
    hrefs = page.eval_on_selector_all("[data-search-results] a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(re.search(r"\?hl=" + re.escape(quote("核酸 采样点")) + "$", h.replace("%20", " ").replace(" ", "%20")) for h in hrefs)


@pytest.fixture(scope="module")
def trad_site(tmp_path_factory):
    from test_search import make_issue
    from test_search_browser import search_page

    out = search_page(tmp_path_factory.mktemp("trad"))
    issues = [make_issue("2021-01-01", [("區委召開會議", "區委書記主持會議，研究疫情防控。"), ("其他", "会议在区委召开。")]),
              make_issue("2021-02-01", [("無關", "今天天氣很好。")], source="2021-02-01-y.txt")]
    S.write_search_index(issues, out, stand_in_url)
    return out, issues


@pytest.mark.parametrize("query", ["会议", "會議", "区委书记"])
def test_simplified_and_traditional_find_each_other(trad_site, page, query):
    out, issues = trad_site
    page.goto((out / "search.html").as_uri() + "?q=" + quote(query))
    settled(page)
    want = {stand_in_url(*doc_order(issues)[d]) for d in scan(issues, query)}
    assert want and {r["href"] for r in results(page)} == want
    marks = page.eval_on_selector_all("[data-search-results] mark", "ms => ms.map(m => m.textContent)")
    assert {S.normalize(m) for m in marks} == {S.normalize(query)} and not page.errors
