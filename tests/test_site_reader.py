"""Issue 24, the reader's side: the issue as printed (editions by 版), continuations, people,
charts, metadata, data download, browsing at scale, the about page and the display fixes.
Page-content tests on hand-built issues; the JavaScript parts are at the end (browser)."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from newsarchive.model import Article, Block, Issue
from newsarchive.site import load_settings, render_site, urls
from newsarchive.site.env import citation, cn_punct
from newsarchive.site.plan import stable_pages

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES, STATIC = ROOT / "templates", ROOT / "static"


def art(number, title, *, kind="article", authors=(), persons=(), cont_from=None, cont_to=None, text="正文。",
        topics=(), districts=("港闸区",), captions=()):
    return Article(id=f"a{number}-{title}", number=number, kind=kind, title=title, authors=list(authors),
                   byline=" ".join(authors) or None, persons=list(persons), continued_from=cont_from,
                   continued_to=cont_to, lines=(1, 1), blocks=[Block("paragraph", text, (1, 1))] if text else [],
                   captions=list(captions), topics=list(topics), districts=list(districts))


def front() -> Issue:
    """第1版 of 港闸报 2020-05-15: a story continued on 第2版, an untitled photo."""
    return Issue(source="articles/2020-05-15-p1.txt", slug="p1", publication="港闸报", page="1", page_name="要闻",
                 date="2020-05-15", date_source="front-matter", source_lines=["国盛智能不断增强研发能力,拥有授权专利808项。"],
                 articles=[
                     art(1, "扛起疫情防控经济发展双肩担当", authors=["林霖"], persons=["张军"], cont_to="2版",
                         text="国盛智能不断增强研发能力,拥有授权专利808项,其中1,000件在10:30公布(试行)。",
                         topics=["疫情防控"]),
                     art(2, None, kind="photo", authors=["沈凯"], text="",
                         captions=["近日,港闸区幸福街道组织志愿者开展活动。"]),
                 ])


def second() -> Issue:
    return Issue(source="articles/2020-05-15-p2.txt", slug="p2", publication="港闸报", page="A02", page_name="综合",
                 date="2020-05-15", date_source="front-matter", source_lines=["x"],
                 articles=[
                     art(1, "党务书记们当上带货主播", authors=["林霖"], cont_from="1版", topics=["疫情防控"]),
                     art(2, "志愿者为困难学生辅导作业", authors=["郭玉红"], cont_from="3版"),
                 ])


def other_paper() -> Issue:
    """Same date, another paper: its own edition."""
    return Issue(source="articles/2020-05-15-cc.txt", slug="cc", publication="崇川报", date="2020-05-15",
                 date_source="front-matter", source_lines=["x"], articles=[art(1, "崇川筑牢疫情防控红色屏障")])


def unnamed(day: str, n: int = 1) -> Issue:
    return Issue(source=f"articles/{day}.txt", slug=f"u{day}", date=day, date_source="inferred", source_lines=["x"],
                 articles=[art(i, f"{day} 第{i}篇", authors=["庄妍"], topics=["疫情防控"]) for i in range(1, n + 1)])


def build(tmp_path: Path, issues, name="site", **settings) -> Path:
    root = tmp_path / f"root-{name}"
    root.mkdir()
    if settings:
        (root / "site.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    out = tmp_path / name
    out.mkdir()
    render_site(issues, out, load_settings(root), template_dirs=[TEMPLATES], static_dirs=[STATIC])
    return out


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    issues = [front(), second(), other_paper(), unnamed("2020-04-02"), unnamed("2020-06-09", 2)]
    return build(tmp_path_factory.mktemp("reader"), issues)


P1, P2 = "2020/05/15/p1", "2020/05/15/p2"
EDITION = urls.edition_url("2020-05-15", "港闸报")


# ---------------------------------------------------------------- the issue as printed

def test_files_of_one_date_and_paper_make_one_issue_with_a_toc_by_page(site):
    toc = read(site, EDITION)
    assert "共 2 版" in toc and "第1版 要闻" in toc and "第A02版 综合" in toc
    assert toc.index("第1版 要闻") < toc.index("第A02版 综合")  # page order
    assert f'href="p1/index.html"' in toc and 'href="p2/1.html"' in toc and "崇川" not in toc
    assert not (site / urls.edition_url("2020-05-15", "崇川报")).exists()  # one file: its page is the issue


def test_a_page_moves_to_the_next_and_names_its_issue(site):
    page1 = read(site, f"{P1}/index.html")
    assert 'rel="next" href="../p2/index.html">下一版' in page1 and "本期目录（共 2 版）" in page1
    assert 'aria-current="page">第1版 要闻' in page1
    assert 'rel="prev" href="../p1/index.html">← 上一版' in read(site, f"{P2}/index.html")


def test_article_prev_next_run_across_pages_and_link_its_page(site):
    last_of_p1 = read(site, f"{P1}/2.html")
    assert 'rel="next" href="../p2/1.html"' in last_of_p1 and "下一篇（第A02版 综合）" in last_of_p1
    first_of_p2 = read(site, f"{P2}/1.html")
    assert 'rel="prev" href="../p1/2.html"' in first_of_p2
    assert '<dt>版面</dt><dd><a href="index.html">第A02版 综合</a>' in first_of_p2
    # the phone strip with prev/next and the 版 comes before the story
    assert first_of_p2.index('class="issue-strip"') < first_of_p2.index('<article class="story"')


def test_continuations_link_both_ways_and_stay_plain_when_the_part_is_missing(site):
    assert '<a href="../p2/1.html">（下转2版：党务书记们当上带货主播）</a>' in read(site, f"{P1}/1.html")
    assert '<a href="../p1/1.html">（上接1版：扛起疫情防控经济发展双肩担当）</a>' in read(site, f"{P2}/1.html")
    missing = read(site, f"{P2}/2.html")
    assert '<p class="continued">（上接3版）</p>' in missing


def test_continuation_is_not_shown_as_an_author_and_bylines_have_a_role(site):
    page = read(site, f"{P2}/index.html")
    assert "<span>作者：林霖</span>" in page and '<span class="continued-mark">上接1版</span>' in page
    article = read(site, f"{P2}/1.html")
    assert '<p class="byline"><span class="role">作者</span><a href="../../../../person/' in article
    assert '<span class="role">摄影</span>' in read(site, f"{P1}/2.html")


# ---------------------------------------------------------------- people and charts

def test_a_person_page_lists_their_articles_from_bylines_and_names(site):
    page = read(site, urls.term_url("person", "林霖"))
    assert "人物" in page and "共 2 篇稿件" in page and "党务书记们当上带货主播" in page
    assert "共 1 篇稿件" in read(site, urls.term_url("person", "张军"))  # named in the text
    assert "林霖" in read(site, "person/index.html") and 'href="person/index.html"' in read(site, "index.html")


def test_topic_district_and_person_pages_chart_articles_per_month_with_a_table(site):
    page = read(site, urls.term_url("topic", "疫情防控"))
    svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and svg.count("<rect") == 3 and "<script" not in page.split("<footer")[0].split("<main")[1]
    rows = re.findall(r"<tr><td>(\d{4}-\d\d)</td><td>(\d+)</td></tr>", page)
    assert rows == [("2020-04", "1"), ("2020-05", "2"), ("2020-06", "2")]
    assert "<svg" in read(site, urls.term_url("person", "庄妍")) and "<svg" in read(site, urls.term_url("district", "港闸区"))
    assert "<svg" not in read(site, urls.term_url("person", "张军"))  # one month: nothing to chart


# ---------------------------------------------------------------- machine-readable

def test_article_pages_have_news_article_json_ld_open_graph_and_a_description(site):
    page = read(site, f"{P1}/1.html")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1))
    assert data["@type"] == "NewsArticle" and data["headline"] == "扛起疫情防控经济发展双肩担当"
    assert data["datePublished"] == "2020-05-15" and data["author"] == [{"@type": "Person", "name": "林霖"}]
    assert data["publisher"]["name"] == "港闸报" and data["printPage"] == "1"
    assert '<meta property="og:type" content="article">' in page and 'property="og:title"' in page
    assert '<meta name="description" content="扛起疫情防控经济发展双肩担当：国盛智能不断增强研发能力，拥有授权专利808项' in page
    assert "<script" not in json.dumps(data) and data.get("url") is None  # no base URL: no URL


def test_every_page_has_its_own_description(site):
    seen: dict[str, str] = {}
    for path in site.rglob("*.html"):
        m = re.search(r'<meta name="description" content="([^"]*)">', path.read_text(encoding="utf-8"))
        assert m and m.group(1), path
        assert m.group(1) not in seen, (path, seen.get(m.group(1)))
        seen[m.group(1)] = str(path)


def test_data_download_lists_every_article_as_json_lines_and_csv(site):
    import gzip

    assert sorted(p.name for p in (site / "data").iterdir()) == ["articles-2020.csv.gz", "articles-2020.jsonl.gz"]
    rows = [json.loads(line) for line in gzip.decompress((site / "data/articles-2020.jsonl.gz").read_bytes()).decode().splitlines()]
    assert len(rows) == 8 and {r["url"] for r in rows} == {p.relative_to(site).as_posix() for p in site.glob("2020/*/*/*/[0-9]*.html")}
    first = next(r for r in rows if r["url"] == f"{P1}/1.html")
    assert first["publication"] == "港闸报" and first["page"] == "1" and first["topics"] == ["疫情防控"]
    assert first["authors"] == ["林霖"] and first["persons"] == ["张军"] and first["continued_to"] == "2版"
    table = list(csv.DictReader(io.StringIO(gzip.decompress((site / "data/articles-2020.csv.gz").read_bytes()).decode("utf-8-sig"))))
    assert len(table) == 8 and table[0].keys() >= {"url", "title", "authors", "districts", "topics"}
    about = read(site, "about.html")
    assert 'href="data/articles-2020.jsonl.gz"' in about and 'href="data/articles-2020.csv.gz"' in about


def test_print_stylesheet_prints_the_citation_and_the_permanent_link(site, tmp_path):
    css = read(site, "static/site.css")
    printed = css[css.index("@media print"):]
    assert ".story-aside .cite { display: block !important" in printed and ".permalink { display: block !important" in printed
    page = read(site, f"{P1}/1.html")
    assert '<p class="permalink">永久链接：<a href="1.html">2020/05/15/p1/1.html</a></p>' in page
    based = build(tmp_path, [front()], base_url="https://example.github.io/repo")
    assert "永久链接：<a href=\"1.html\">https://example.github.io/repo/2020/05/15/p1/1.html</a>" in read(based, f"{P1}/1.html")


# ---------------------------------------------------------------- display fixes

def test_display_punctuation_is_full_width_in_chinese_and_the_source_view_is_exact(site):
    assert cn_punct("研发能力,拥有授权专利808项,其中") == "研发能力，拥有授权专利808项，其中"
    assert cn_punct("1,000 and 10:30") == "1,000 and 10:30" and cn_punct("规范(试行)") == "规范（试行）"
    page = read(site, f"{P1}/1.html")
    body = page[page.index('<div class="story-body">'):page.index("</article>")]
    assert "研发能力，拥有授权专利808项，其中1,000件在10:30公布（试行）。" in body
    assert "<code>国盛智能不断增强研发能力,拥有授权专利808项。</code>" in page  # source view as written


def test_citation_carries_the_page_number():
    issue = front()
    assert citation(issue, issue.articles[0], load_settings(Path("/nonexistent"))).endswith("[N]. 港闸报, 2020-05-15(1).")
    assert citation(second(), second().articles[0], load_settings(Path("/nonexistent"))).endswith("2020-05-15(A02).")


def test_home_page_headlines_are_headlines_not_captions(site):
    home = read(site, "index.html")
    assert "近日，港闸区幸福街道" not in home and "近日,港闸区" not in home
    assert "扛起疫情防控经济发展双肩担当" in home and "（含图片 1 幅）" in home


def test_about_page_names_the_papers_dates_methods_and_the_placeholder(site):
    about = read(site, "about.html")
    assert "港闸报" in about and "崇川报" in about and "2020年4月2日 至 2020年6月9日" in about
    assert "源文件未注明报名" in about and 'id="placeholder-name"' in about and "publication: 报纸名" in about
    assert "出版日期" in about and "正文推定 2" in about and "人物" in about


def test_search_page_has_one_search_box(site):
    page = read(site, "search.html")
    assert page.count('type="search"') == 1 and 'class="site-search"' not in page


def test_404_is_root_relative_to_the_base_urls_path(tmp_path):
    page = read(build(tmp_path, [front()], base_url="https://example.github.io/repo"), "404.html")
    assert 'href="/repo/static/site.css"' in page and 'href="/repo/search.html"' in page and "<base" not in page


# ---------------------------------------------------------------- browsing at scale

def test_lists_have_numbered_pages_and_a_jump_to_each_year(tmp_path):
    days = [f"{y}-{m:02d}-{d:02d}" for y in (2019, 2020, 2021) for m in (1, 6) for d in (3, 9, 15, 21, 27)]
    site = build(tmp_path, [unnamed(d, 3) for d in days], items_per_page=10)
    head = read(site, urls.term_url("topic", "疫情防控"))
    assert "共 90 篇稿件，跳到年份：" in head and '<ol class="pager-numbers">' in head
    numbers = re.findall(r'<li><a href="[^"]+">(\d+)</a></li>', head)
    assert numbers[0] == "8" and numbers[-1] == "1" and "…" in head
    years = dict(re.findall(r'<a href="([^"]+)">(20\d\d)</a>', head.split("跳到年份：")[1].split("</p>")[0]))
    assert set(years.values()) == {"2019", "2020", "2021"}
    older = read(site, urls.term_url("topic", "疫情防控").replace(".html", "-4.html"))
    assert '<span aria-current="page">4</span>' in older and "跳到年份：" in older
    assert "最新</a>" in read(site, "issues/index-1.html")


def test_month_page_is_grouped_by_day_folded_with_previous_and_next_month(site):
    may = read(site, "2020/05/index.html")
    assert may.count('<details class="day-group"') == 1 and "5月15日</span> <span class=\"count\">3 期 · 5 篇" in may
    assert 'rel="prev" href="../04/index.html">← 2020年4月' in may and 'rel="next" href="../06/index.html">2020年6月 →' in may
    assert 'rel="prev"' not in read(site, "2020/04/index.html").split("month-nav")[1].split("</nav>")[0]


def test_stable_pages_numbers_never_link_pages_that_may_change():
    for n in (45, 99, 100, 140):
        pages = stable_pages("k/a.html", list(range(n, 0, -1)), 10, lambda x: str(2000 + x // 30))
        grown = {p: nav for p, _c, nav in stable_pages("k/a.html", list(range(n + 10, 0, -1)), 10, lambda x: str(2000 + x // 30))}
        for path, _chunk, nav in pages[2:]:  # every group page but the newest keeps its links
            assert grown[path] == nav, (n, path)


# ---------------------------------------------------------------- header CSS

def test_header_search_dropdown_and_narrow_menu_are_styled(site):
    css = read(site, "static/site.css")
    assert re.search(r"\.search-dropdown, \.search-dropdown-status \{\s*position: absolute", css)
    assert ".search-dropdown:empty, .search-dropdown-status:empty" in css
    assert "@media (max-width: 360px)" in css and "flex-wrap: wrap" in css
    assert "static/site.js" in read(site, "index.html") and "Escape" in read(site, "static/site.js")


# ---------------------------------------------------------------- in the browser

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("sample") / "repo"
    proc = subprocess.run([sys.executable, "-c", "from newsarchive.cli import main; main()", "build", "--src", "articles",
                           "--out", str(out), "--no-cache", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_header_results_float_over_the_page_and_escape_closes_them(browser, sample_site, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((sample_site / "index.html").as_uri())
    title = page.eval_on_selector(".site-title", "e => e.getBoundingClientRect().width")
    main_top = page.eval_on_selector("main", "e => e.getBoundingClientRect().top")
    head_height = page.eval_on_selector(".masthead", "e => e.getBoundingClientRect().height")
    page.fill("#site-search-q", "疫情")
    page.wait_for_selector(".search-dropdown a", timeout=10000)
    assert page.eval_on_selector(".site-title", "e => e.getBoundingClientRect().width") == title > 200
    assert page.eval_on_selector("main", "e => e.getBoundingClientRect().top") == main_top  # nothing pushed down
    box = page.eval_on_selector(".search-dropdown", "e => e.getBoundingClientRect().toJSON()")
    assert box["right"] <= width and box["left"] >= 0 and box["height"] > 100
    page.keyboard.press("Escape")
    assert page.eval_on_selector(".search-dropdown", "e => getComputedStyle(e).display") == "none"
    page.fill("#site-search-q", "疫情防控")  # typing opens it again, once the new answer is in
    page.wait_for_selector(".search-dropdown a", state="visible", timeout=10000)
    page.goto((sample_site / "about.html").as_uri())  # no empty list nor status taking room in the header
    assert page.eval_on_selector(".masthead", "e => e.getBoundingClientRect().height") <= head_height + 1
    assert not errors
    page.close()


@pytest.mark.browser
def test_menu_fits_at_360_and_prev_next_is_above_the_fold_on_phones(browser, sample_site):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto((sample_site / "index.html").as_uri())
    about = page.eval_on_selector(".site-nav a[href$='about.html']", "e => e.getBoundingClientRect().toJSON()")
    assert about["right"] <= 360 and about["width"] > 0
    article = next(p for p in sorted(sample_site.glob("20*/*/*/*/2.html")))
    page.goto(article.as_uri())
    strip = page.eval_on_selector(".issue-strip", "e => e.getBoundingClientRect().toJSON()")
    assert strip["height"] > 0 and strip["bottom"] < 740
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.eval_on_selector(".issue-strip", "e => getComputedStyle(e).display") == "none"
    page.close()
