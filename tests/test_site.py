"""Renderer tests: hand-built issues with every block type, tags and hostile text."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from newsarchive.model import Article, Block, Issue
from newsarchive.site import SettingsError, load_settings, render_site, urls
from newsarchive.site.urls import article_url

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
GANGZHA_LINES = [
    "---",
    "publication: 港闸报",
    "---",
    "向奋战在抗疫一线的劳动者致敬",
    "一批先进集体和优秀个人受到表彰<script>alert(1)</script>",
    "·王峰艳 赵勇进 王子璇·",
    "(上接1版)5月15日下午，我区庆祝五一国际劳动节暨先进命名大会在市北文体中心召开。",
    "表彰名单",
    "序号\t项目名称\t扶持资金(万元)",
    "1\t动画电影《特工总动员》\t15",
    "- 区“五一劳动奖状”12个",
    "- 区“五一劳动奖章”28名",
    "▲大会现场。 沈凯 丁艺摄",
    "港闸区人大常委会",
    "幸福工业集中区污水“零排放”",
    "幸福街道坚持源头治理。",
    "任溢斌",
]


def gangzha_issue() -> Issue:
    lines = GANGZHA_LINES
    a1 = Article(
        id="gangzha-001",
        number=1,
        kicker="向奋战在抗疫一线的劳动者致敬",
        title="一批先进集体和优秀个人受到表彰<script>alert(1)</script>",
        subtitle="五一劳动奖状 & 奖章",
        byline="·王峰艳 赵勇进 王子璇·",
        authors=["王峰艳", "赵勇进", "王子璇"],
        continued_from="1版",
        event_date="2020-05-15",
        lines=(4, 14),
        blocks=[
            Block("paragraph", "5月15日下午，我区庆祝五一国际劳动节暨先进命名大会在市北文体中心召开。", (7, 7)),
            Block("subheading", "表彰名单", (8, 8)),
            Block("table", "序号\t项目名称\t扶持资金(万元)\n1\t动画电影《特工总动员》\t15", (9, 10),
                  rows=[["序号", "项目名称", "扶持资金(万元)"], ["1", "动画电影《特工总动员》", "15"]]),
            Block("list", "区“五一劳动奖状”12个\n区“五一劳动奖章”28名", (11, 12),
                  items=["区“五一劳动奖状”12个", "区“五一劳动奖章”28名"]),
            Block("caption", "▲大会现场。", (13, 13)),
            Block("signature", "港闸区人大常委会", (14, 14)),
        ],
        districts=["港闸区"],
        streets=["幸福街道"],
        topics=["表彰"],
        keywords=["劳动节", "先进集体"],
    )
    a2 = Article(
        id="gangzha-002",
        number=2,
        kicker="一企一档",
        title="幸福工业集中区污水“零排放”",
        byline="任溢斌",
        authors=["任溢斌"],
        lines=(15, 17),
        blocks=[Block("paragraph", "幸福街道坚持源头治理。", (16, 16))],
        districts=["港闸区"],
        streets=["幸福街道"],
        topics=["环保"],
        keywords=["污水"],
    )
    a3 = Article(id="gangzha-003", number=3, kind="photo", byline="沈凯 丁艺摄", authors=["沈凯", "丁艺"],
                 lines=(13, 13), captions=["▲大会现场。"], districts=["港闸区"])
    return Issue(source="articles/2020-05-15-gangzha.txt", slug="gangzha", publication="港闸报", page="2",
                 date="2020-05-15", date_source="front-matter", articles=[a1, a2, a3], source_lines=lines)


def chongchuan_issue() -> Issue:
    lines = ["崇川筑牢疫情防控“红色屏障”", "·庄妍·", "崇川区和平桥街道组织党员下沉社区。"]
    a1 = Article(id="cc-001", number=1, title="崇川筑牢疫情防控“红色屏障”", byline="·庄妍·", authors=["庄妍"],
                 lines=(1, 3), blocks=[Block("paragraph", lines[2], (3, 3))],
                 districts=["崇川区"], streets=["和平桥街道"], topics=["疫情防控"], keywords=["党员"])
    return Issue(source="articles/chongchuan.txt", slug="", date="2022-03-23", date_source="inferred",
                 articles=[a1], source_lines=lines)


def undated_issue() -> Issue:
    a1 = Article(id="u-001", number=1, kind="notice", title="公告", lines=(1, 1),
                 blocks=[Block("paragraph", "特此公告。", (1, 1))])
    return Issue(source="articles/公告.txt", slug="", date=None, articles=[a1], source_lines=["特此公告。"])


def sample_issues() -> list[Issue]:
    return [gangzha_issue(), chongchuan_issue(), undated_issue()]


# ---------------------------------------------------------------- helpers

class _Links(HTMLParser):
    """Collects every URL a page references, plus a few facts the tests check."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attr, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if "id" in d:
            self.ids.add(d["id"])
        for attr in ("href", "src", "action"):
            if d.get(attr) is not None:
                self.urls.append((tag, attr, d[attr]))


def page_links(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def build(tmp_path: Path, issues=None, name="site", about: str | None = None, **settings) -> Path:
    root = tmp_path / f"root-{name}"
    root.mkdir()
    if about is not None:
        (root / "content").mkdir()
        (root / "content" / "about.md").write_text(about, encoding="utf-8")
    if settings:
        (root / "site.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    out = tmp_path / name
    out.mkdir()
    render_site(sample_issues() if issues is None else issues, out, load_settings(root),
                template_dirs=[TEMPLATES], static_dirs=[STATIC])
    return out


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("render"), about="# 关于\n\n<script>alert('x')</script> *本站*\n")


# ---------------------------------------------------------------- settings

def test_settings_defaults_when_site_yaml_absent(tmp_path):
    s = load_settings(tmp_path)
    assert s.title and s.language == "zh-CN" and s.base_url == "" and s.items_per_page == 20


def test_settings_read_and_base_url_override(tmp_path):
    (tmp_path / "site.yaml").write_text("title: 港闸档案\nbase_url: https://x.github.io/repo/\nitems_per_page: 5\nfuture_key: 1\n",
                                        encoding="utf-8")
    s = load_settings(tmp_path)
    assert (s.title, s.base_url, s.items_per_page) == ("港闸档案", "https://x.github.io/repo", 5)
    assert load_settings(tmp_path, base_url="https://example.org/").base_url == "https://example.org"


def test_settings_kept_in_the_cache_read_back_the_same(tmp_path):
    """A rebuild reads site.yaml back from the cache folder (no PyYAML import); an edit is read afresh."""
    (tmp_path / "site.yaml").write_text("title: 港闸档案\nitems_per_page: 5\n", encoding="utf-8")
    cache = tmp_path / "cache"
    first = load_settings(tmp_path, cache_dir=cache)
    assert list((cache / "yaml").iterdir()) and load_settings(tmp_path, cache_dir=cache) == first == load_settings(tmp_path)
    (tmp_path / "site.yaml").write_text("title: 港闸档案\nitems_per_page: 7\n", encoding="utf-8")
    assert load_settings(tmp_path, cache_dir=cache).items_per_page == 7


@pytest.mark.parametrize("text", ["title: [unclosed", "- a list\n", "items_per_page: many\n", "items_per_page: 0\n",
                                  "title: \udcff"])
@pytest.mark.parametrize("cached", [False, True])
def test_bad_settings_fail_loudly(tmp_path, text, cached):
    (tmp_path / "site.yaml").write_bytes(text.encode("utf-8", "surrogateescape"))  # (the last: a byte that is not UTF-8)
    with pytest.raises(SettingsError, match="site.yaml"):
        load_settings(tmp_path, cache_dir=tmp_path / "cache" if cached else None)


# ---------------------------------------------------------------- urls

def test_article_url_is_date_based_ascii_and_stable():
    issue = gangzha_issue()
    assert article_url(issue, issue.articles[2]) == "2020/05/15/gangzha/3.html"
    issue.articles.reverse()  # order of the list must not matter, only the number
    assert article_url(issue, issue.articles[0]) == "2020/05/15/gangzha/3.html"


def test_slug_derived_from_file_name_and_always_ascii():
    assert urls.issue_url(chongchuan_issue()) == "2022/03/23/chongchuan/index.html"
    undated = urls.issue_url(undated_issue())
    assert undated.startswith("undated/issue-") and undated.isascii()
    assert undated == urls.issue_url(undated_issue())  # hash, not build order
    assert urls.term_url("district", "港闸区") == "district/港闸区.html"  # readable, not a hash
    assert urls.term_url("district", "港闸区") != urls.term_url("district", "崇川区")


def test_term_file_names_are_the_term_unless_unsafe():
    assert urls.term_url("keyword", "covid") == "keyword/covid.html"
    assert urls.term_url("person", "阿卜杜·热合曼") == "person/阿卜杜·热合曼.html"
    hashed = {n: urls.term_file(n) for n in ["ABC", "abc", "a/b", "a b", "index", "云端-2", "x" * 300, "..", "a%2F"]}
    assert hashed["abc"] == "abc" and hashed["ABC"].startswith("ABC~")  # case-insensitive file systems
    for name, file in hashed.items():
        if name != "abc":
            assert "~" in file and "/" not in file and " " not in file and "%" not in file, name
            assert len(file.encode()) < 200 and not file.startswith(".")
    assert len(set(hashed.values())) == len(hashed)
    assert urls.search_url("keyword", "a&b#c") == "search.html?q=a%26b%23c"
    assert urls.search_url("person", "林霖") == "search.html?person=林霖"


def test_relative_links_name_files():
    assert urls.relative("2020/05/15/gangzha/3.html", "2020/index.html") == "../../../index.html"
    assert urls.relative("2020/05/15/gangzha/3.html", "2020/05/15/gangzha/4.html") == "4.html"
    assert urls.relative("index.html", "about.html") == "about.html"
    assert urls.root_prefix("2020/05/15/gangzha/3.html") == "../../../../"
    assert urls.root_prefix("index.html") == ""


# ---------------------------------------------------------------- pages

EXPECTED = [
    "index.html", "404.html", "about.html", "search.html", "archive.html", "data/articles-2020.jsonl.gz",
    "data/articles-2022.csv.gz", "data/articles-undated.jsonl.gz", "issues/index.html", "static/site.css",
    "2020/index.html", "2020/05/index.html", "2020/05/15/index.html",
    "2020/05/15/gangzha/index.html", "2020/05/15/gangzha/1.html", "2020/05/15/gangzha/3.html",
    "2022/03/23/chongchuan/1.html",
    "district/index.html", "street/index.html", "topic/index.html", "keyword/index.html",
]


@pytest.mark.parametrize("rel", EXPECTED)
def test_expected_files_are_written(site, rel):
    assert (site / rel).is_file()


def test_every_internal_link_is_relative_and_names_an_existing_file(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    checked = 0
    for page in pages:
        for tag, attr, value in page_links(page).urls:
            if tag == "link" and value.startswith(("http://", "https://")):
                continue  # canonical, only with a base URL
            parts = urlsplit(value)
            assert not parts.scheme and not parts.netloc, f"{page}: external {value}"
            assert not value.startswith("/"), f"{page}: root-absolute {value}"
            if not parts.path:
                continue  # a same-page fragment
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: {attr}={value} does not name a file"
            assert site.resolve() in target.parents
            checked += 1
    assert checked > 500


def test_every_page_has_search_form_lang_skip_link_and_landmarks(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        depth = len(page.relative_to(site).parts) - 1
        assert '<html lang="zh-CN">' in html
        if page.name == "search.html":  # one search box there: the page's own (no header box)
            assert 'class="site-search"' not in html and html.count('role="search"') == 1
        else:
            assert f'<form class="site-search" role="search" action="{"../" * depth}search.html">' in html, page
        assert 'name="q"' in html and 'href="#main"' in html and '<main id="main"' in html
        assert "<nav" in html and "<header" in html and "<footer" in html


def test_bulletin_text_is_escaped(site):
    html = read(site, "2020/05/15/gangzha/1.html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "五一劳动奖状 &amp; 奖章" in html
    for page in site.rglob("*.html"):
        assert "<script>alert" not in page.read_text(encoding="utf-8"), page


def test_article_page_renders_every_block_as_such(site):
    html = read(site, "2020/05/15/gangzha/1.html")
    assert '<p class="kicker">向奋战在抗疫一线的劳动者致敬</p>' in html
    assert '<h1 id="story-title">' in html and '<p class="subtitle">' in html
    assert '<p class="byline"><span class="role">作者</span><a href="../../../../person/' in html
    assert '>王峰艳</a>　<a' in html
    assert '<h2 class="subheading">表彰名单</h2>' in html
    assert '<th scope="col">项目名称</th>' in html and "<td>动画电影《特工总动员》</td>" in html
    assert "<li>区“五一劳动奖章”28名</li>" in html
    assert "<figure class=\"photo\"><figcaption>▲大会现场。</figcaption></figure>" in html
    assert '<p class="signature">港闸区人大常委会</p>' in html
    assert "（上接1版）" in html
    assert "2020年5月15日" in html


def test_article_page_links_tags_prev_next_and_related(site):
    html = read(site, "2020/05/15/gangzha/2.html")
    assert 'rel="prev" href="1.html"' in html and 'rel="next" href="3.html"' in html
    street = urls.term_url("street", "幸福街道")
    assert f'href="../../../../{street}">幸福街道</a>' in html
    assert 'id="related-h"' not in html  # the oldest dated issue: nothing earlier to relate to


def test_a_keyword_used_once_links_to_a_search_and_gets_no_page(tmp_path):
    """Its chip searches for it; once a later issue uses it too, it has a page, and the
    older article's chip, rendered again (its issue's key names the pages-less terms), links there."""
    first, second = gangzha_issue(), chongchuan_issue()
    site = build(tmp_path, [first])
    html = read(site, "2020/05/15/gangzha/1.html")
    assert 'href="../../../../search.html?q=劳动节">劳动节</a>' in html
    assert not (site / urls.term_url("keyword", "劳动节")).exists()
    assert "search.html?q=劳动节" in read(site, "keyword/index.html")
    second.articles[0].keywords = ["劳动节"]
    site = build(tmp_path, [first, second], name="two")
    assert 'href="../../../../keyword/劳动节.html">劳动节</a>' in read(site, "2020/05/15/gangzha/1.html")
    assert "共 2 篇稿件" in read(site, "keyword/劳动节.html")


def test_related_lists_earlier_articles_only(tmp_path):
    """Related articles come from older issues (so adding a new issue rewrites no old page)."""
    older = gangzha_issue()
    older.source, older.slug, older.date = "articles/2020-01-10-gangzha.txt", "gangzha-jan", "2020-01-10"
    for article in older.articles:
        article.id = article.id.replace("gangzha", "gangzha-jan")
    site = build(tmp_path, [gangzha_issue(), older, chongchuan_issue()])
    html = read(site, "2020/05/15/gangzha/2.html")
    related = html.split('id="related-h"')[1].split("</section>")[0]
    assert "../../01/10/gangzha-jan/2.html\"" in related  # shares 港闸区 and 幸福街道, older
    assert 'href="1.html"' not in related and "chongchuan" not in related  # same issue; shares nothing
    assert 'id="related-h"' not in read(site, "2020/01/10/gangzha-jan/2.html")  # nothing older


def test_citation_follows_gbt_7714(site):
    html = read(site, "2020/05/15/gangzha/1.html")
    assert ("王峰艳, 赵勇进, 王子璇. 一批先进集体和优秀个人受到表彰&lt;script&gt;alert(1)&lt;/script&gt; "
            "五一劳动奖状 &amp; 奖章[N]. 港闸报, 2020-05-15(2).") in html
    cc = read(site, "2022/03/23/chongchuan/1.html")
    assert "庄妍. 崇川筑牢疫情防控“红色屏障”[N]. 区报, 2022-03-23." in cc


def test_source_view_shows_the_original_numbered_lines(site):
    html = read(site, "2020/05/15/gangzha/2.html")
    details = html.split('<details class="source-view">')[1].split("</details>")[0]
    assert "第 15–17 行" in details
    assert '<ol class="source-lines" start="15">' in details
    assert details.count("<li>") == 3
    assert "<code>幸福工业集中区污水“零排放”</code>" in details and "<code>任溢斌</code>" in details


def test_issue_page_lists_articles_in_page_order(site):
    html = read(site, "2020/05/15/gangzha/index.html")
    positions = [html.index(f'href="{n}.html"') for n in (1, 2, 3)]
    assert positions == sorted(positions)
    assert "港闸报 2020年5月15日 第2版" in html


def test_term_and_taxonomy_pages_have_counts(site):
    district = read(site, "district/index.html")
    assert "港闸区 <span class=\"count\">3</span>" in district
    assert "崇川区 <span class=\"count\">1</span>" in district
    term = read(site, urls.term_url("street", "幸福街道"))
    assert "共 2 篇稿件" in term and "污水“零排放”" in term


def test_date_archive_calendar_links_days(site):
    month = read(site, "2020/05/index.html")
    assert '<td class="has-issue"><a href="15/index.html"' in month
    assert "<td>14</td>" in month
    assert 'href="2020/index.html"' in read(site, "archive.html")
    assert "undated/" in read(site, "archive.html")  # the undated issue is still reachable


def test_home_page_shows_totals_latest_and_entry_points(site):
    html = read(site, "index.html")
    assert "共收录 <strong>3</strong> 期、<strong>5</strong> 篇稿件" in html
    assert html.index("崇川筑牢") < html.index("零排放")  # newest issue first
    assert 'href="2022/index.html"' in html and 'href="2020/index.html"' in html
    assert urls.term_url("district", "港闸区") in html


def test_about_page_markdown_has_raw_html_off(site):
    html = read(site, "about.html")
    assert "<em>本站</em>" in html
    assert "<script>alert('x')</script>" not in html and "&lt;script&gt;" in html


def test_no_fetch_cdn_or_web_fonts(site):
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            text = path.read_text(encoding="utf-8")
            assert "fetch(" not in text and "@import" not in text and "@font-face" not in text, path
            assert "//fonts." not in text and "cdn" not in text.lower(), path


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locs(site: Path) -> list[str]:
    """Every URL the sitemap index leads to, through its sitemaps."""
    index = ET.parse(site / "sitemap.xml").getroot()
    assert index.tag == SITEMAP_NS + "sitemapindex"
    locs = []
    for loc in index.iter(SITEMAP_NS + "loc"):
        child = loc.text.rpartition("/")[2]  # absolute with a base URL
        assert child.startswith("sitemap-") and "/" not in child  # at the root: it may list any URL of the site
        root = ET.parse(site / child).getroot()
        assert root.tag == SITEMAP_NS + "urlset"
        locs += [u.text for u in root.iter(SITEMAP_NS + "loc")]
    return locs


@pytest.fixture(scope="module")
def based_site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("based"), base_url="https://example.github.io/repo")


def test_sitemap_lists_every_issue_article_and_term_once(based_site):
    site = based_site
    locs = [loc.removeprefix("https://example.github.io/repo/") for loc in sitemap_locs(site)]
    assert len(locs) == len(set(locs))
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    issue_pages = {p for p in pages if p[:4].isdigit() and p.count("/") == 4}  # yyyy/mm/dd/slug/x.html
    assert issue_pages and issue_pages <= set(locs)
    terms = {p for p in pages if p.split("/")[0] in ("district", "street", "topic", "keyword", "person")}
    assert {p for p in terms if "-" not in p.rpartition("/")[2]} <= set(locs)  # every term's head page
    assert set(locs) <= pages


def test_a_new_issue_rewrites_its_months_sitemap_and_the_index_only(tmp_path):
    from newsarchive.output import OutputTree

    older, newer, undated = gangzha_issue(), chongchuan_issue(), undated_issue()
    out, settings = tmp_path / "site", load_settings(tmp_path, base_url="https://example.org/r")

    def sitemaps(issues) -> dict[str, bytes]:
        output = OutputTree(out)
        stats = render_site(issues, output, settings, template_dirs=[TEMPLATES], static_dirs=[STATIC], cache_dir=tmp_path / "cache")
        output.commit()
        assert stats.rendered
        return {p.name: p.read_bytes() for p in out.glob("sitemap*.xml")}

    before = sitemaps([older, undated])
    after = sitemaps([older, undated, newer])
    assert {"sitemap-2020-05.xml", "sitemap-undated.xml", "sitemap-pages.xml"} <= set(before)
    changed = {name for name in after if before.get(name) != after[name]}
    assert "sitemap-2022-03.xml" in changed and "sitemap.xml" in changed
    assert changed <= {"sitemap.xml", "sitemap-2022-03.xml", "sitemap-pages.xml"}  # its terms may be new


def test_feed_and_sitemap_need_a_base_url(site, based_site):
    """A sitemap may not hold relative URLs, nor a feed reader resolve them: without a base URL
    neither is written (the about page says so), and no page links to them."""
    assert not (site / "feed.xml").exists() and not list(site.glob("sitemap*.xml"))
    assert "feed.xml" not in read(site, "index.html") and "base_url" in read(site, "about.html")
    feed = ET.parse(based_site / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 5
    assert entries[0].find("a:link", ns).get("href") == "https://example.github.io/repo/2022/03/23/chongchuan/1.html"
    assert all(e.find("a:id", ns).text.startswith("urn:uuid:") for e in entries)
    # every summary says something, also for photo items (their caption) and summaries of issues
    assert all((e.find("a:summary", ns).text or "").strip() for e in entries)


def test_base_url_makes_feed_sitemap_canonical_and_404_absolute(tmp_path):
    site = build(tmp_path, base_url="https://example.github.io/repo/")
    locs = sitemap_locs(site) + [u.text for u in ET.parse(site / "sitemap.xml").getroot().iter(SITEMAP_NS + "loc")]
    assert locs and all(loc.startswith("https://example.github.io/repo/") for loc in locs)
    assert 'href="https://example.github.io/repo/2020/05/15/gangzha/1.html"' in read(site, "feed.xml")
    assert '<link rel="canonical" href="https://example.github.io/repo/2020/05/15/gangzha/1.html">' in read(
        site, "2020/05/15/gangzha/1.html")
    not_found = read(site, "404.html")
    # GitHub serves it at any depth: root-relative to the base URL's path, on any host
    assert "<base" not in not_found and 'href="/repo/static/site.css"' in not_found
    assert 'src="/repo/static/search.js"' in not_found and 'href="/repo/index.html"' in not_found
    # pages still link relatively: the sub-path works without the base URL too
    assert 'href="../../../../static/site.css"' in read(site, "2020/05/15/gangzha/1.html")


def test_rebuild_is_byte_identical_and_independent_of_input_order(tmp_path):
    a = build(tmp_path, name="a")
    b = build(tmp_path, issues=list(reversed(sample_issues())), name="b")
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_pagination_follows_items_per_page(tmp_path):
    site = build(tmp_path, items_per_page=1)  # 3 issues: the newest on the head page, then groups 2, 1
    assert (site / "issues/index-1.html").is_file() and (site / "issues/index-2.html").is_file()
    assert not (site / "issues/index-3.html").exists()
    assert 'rel="next" href="index-2.html"' in read(site, "issues/index.html")
    assert 'rel="prev" href="index.html"' in read(site, "issues/index-2.html")
    assert 'rel="next" href="index-1.html"' in read(site, "issues/index-2.html")
    street = urls.term_url("street", "幸福街道")  # two articles: the newer on the head page
    assert (site / street.replace(".html", "-1.html")).is_file()


def test_render_reports_every_page_it_wrote(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stats = render_site(sample_issues(), out, load_settings(tmp_path), template_dirs=[TEMPLATES], static_dirs=[STATIC])
    on_disk = [p for p in out.rglob("*") if p.is_file()]
    assert stats.rendered == stats.pages == len([p for p in on_disk if "static" not in p.parts and "data" not in p.parts])


def test_template_dirs_extra_pages_and_search_template(tmp_path):
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "search.html").write_text(
        '{% extends "base.html" %}{% block title %}搜{% endblock %}'
        '{% block content %}<div data-search-results></div>{% endblock %}'
        '{% block scripts %}<script src="{{ rel }}static/search.js"></script>{% endblock %}', encoding="utf-8")
    (custom / "extra.html").write_text('{% extends "base.html" %}{% block title %}x{% endblock %}'
                                       '{% block content %}{{ greeting }}{% endblock %}', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    render_site(sample_issues(), out, load_settings(tmp_path), template_dirs=[custom, TEMPLATES],
                static_dirs=[STATIC], extra_pages={"more/extra.html": ("extra.html", {"greeting": "<b>你好</b>"})})
    search = read(out, "search.html")
    assert "data-search-results" in search and 'src="static/search.js"' in search
    extra = read(out, "more/extra.html")
    assert "&lt;b&gt;你好&lt;/b&gt;" in extra and 'action="../search.html"' in extra


def test_empty_archive_still_builds(tmp_path):
    site = build(tmp_path, issues=[])
    assert "还没有期次" in read(site, "index.html")
    assert (site / "404.html").is_file() and not list(site.glob("data/*"))  # no article, no data file


@pytest.mark.parametrize("base_url", [None, "https://x.github.io/repo/"])
def test_page_link_helpers_match_relative(tmp_path, base_url):
    """`url` and `absolute` of a page's context (built once per page, asked for every link)."""
    from newsarchive.site.archive import build_archive
    from newsarchive.site.env import site_context

    settings = load_settings(tmp_path, base_url=base_url)
    archive = build_archive([])
    targets = ["index.html", "2020/05/15/x/3.html", "keyword/ab12.html", "static/site.css"]
    for page in ["index.html", "keyword/ab12.html", "2020/05/15/x/index.html", "2020/index.html", "404.html"]:
        ctx = site_context(archive, settings, page)
        for target in targets:
            if page == "404.html" and base_url:
                assert ctx["url"](target) == "/repo/" + target and ctx["base_href"] is None
            else:
                assert ctx["url"](target) == urls.relative(page, target)
            assert ctx["absolute"](target) == (f"{settings.base_url}/{target}" if base_url else ctx["url"](target))


def _archive_shape(a) -> dict:
    """Everything an Archive holds, with issues, articles and entries by identity and in order."""
    def entry(e):
        return (id(e.issue), id(e.article), e.url)

    return {
        "issues": [id(i) for i in a.issues],
        "entries": [entry(e) for e in a.entries],
        "by_issue": [(u, [entry(e) for e in es]) for u, es in a.by_issue.items()],
        "terms": [(k, [(t.kind, t.name, t.url, [entry(e) for e in t.entries]) for t in ts]) for k, ts in a.terms.items()],
        "years": [(y, [(m, [(d, [id(i) for i in issues]) for d, issues in days.items()]) for m, days in months.items()])
                  for y, months in a.years.items()],
        "undated": [id(i) for i in a.undated],
        "postings": sorted(a.postings.items()), "older_from": list(a.older_from.items()),
        "fingerprints": list(a.fingerprints.items()), "older_keys": list(a.older_keys.items()), "key": a.key,
        "by_id": sorted(a.by_id.items()), "position": list(a.position.items()), "term_index": sorted(a.term_index),
        "total_chars": a.total_chars, "date_range": a.date_range,
    }


def test_an_archive_from_the_previous_builds_rank_lists_equals_building_it_whole(sample_issues, toolkit, tmp_path,
                                                                                   monkeypatch):
    """`ArchiveRecord`: the next build of the very same issues takes the saved rank lists
    (and gets what `build_archive` makes); any change to an issue, or another issue, misses."""
    import copy

    from newsarchive.site.archive import ArchiveRecord, build_archive

    issues = [copy.deepcopy(s) for _key, s in sorted(sample_issues.items())]
    toolkit.tagger.assign_keywords(issues)
    ArchiveRecord(tmp_path).save(build_archive(issues))
    hits = []
    load = ArchiveRecord.load
    monkeypatch.setattr(ArchiveRecord, "load", lambda self, *a: hits.append(load(self, *a)) or hits[-1])
    again = build_archive(list(reversed(issues)), ArchiveRecord(tmp_path))
    assert hits and hits[-1] is not None  # taken from the record
    assert _archive_shape(again) == _archive_shape(build_archive(issues))

    changed = copy.deepcopy(issues)
    changed[0].articles[0].keywords = ["新词", *changed[0].articles[0].keywords]
    rebuilt = build_archive(changed, ArchiveRecord(tmp_path))
    assert hits[-1] is None and rebuilt.term("keyword", "新词") is not None
    assert _archive_shape(rebuilt) == _archive_shape(build_archive(changed))
    fewer = build_archive(issues[1:], ArchiveRecord(tmp_path))
    assert _archive_shape(fewer) == _archive_shape(build_archive(issues[1:]))

    (tmp_path / ArchiveRecord.FILE).write_bytes(b"not marshal")  # a broken record is no record
    assert _archive_shape(build_archive(issues, ArchiveRecord(tmp_path))) == _archive_shape(build_archive(issues))


def test_date_range_skips_undated_and_unreadable_dates(sample_issues):
    import copy

    from newsarchive.site.archive import build_archive

    issues = []
    for n, date in enumerate(["2020-05-15", None, "2019-01-02", "2021-07-01", "2020年", "", "2018-13"]):
        issue = copy.deepcopy(next(iter(sample_issues.values())))
        issue.slug, issue.date = f"i{n}", date
        issues.append(issue)
    assert build_archive(issues).date_range == ("2019-01-02", "2021-07-01")
    assert build_archive(issues[1:2]).date_range is None


def test_a_streets_pages_follow_its_district_getting_a_page(tmp_path):
    """A street's chain (省 › 市 › 区 › 街道) links its district once that has a page: the
    street's groups are kept only while the districts with a page stay the same, and a
    rebuild with the cache writes what a render without one writes."""
    from newsarchive.output import OutputTree

    def issues(with_district: bool) -> list[Issue]:
        older, newer = gangzha_issue(), chongchuan_issue()
        for a in older.articles:
            a.districts = []
            if a.streets:
                a.place_chains = {"幸福街道": "江苏省/南通市/港闸区"}
        if with_district:
            newer.articles[0].districts = ["崇川区", "港闸区"]
        return [older, newer]

    settings = load_settings(tmp_path)
    out, cache = tmp_path / "site", tmp_path / "cache"

    def render(into: Path, with_district: bool, cache_dir) -> dict[str, bytes]:
        output = OutputTree(into)
        render_site(issues(with_district), output, settings, template_dirs=[TEMPLATES], static_dirs=[STATIC],
                    cache_dir=cache_dir)
        output.commit()
        return {p.relative_to(into).as_posix(): p.read_bytes() for p in into.rglob("*.html")}

    before = render(out, False, cache)
    street = urls.term_url("street", "幸福街道")
    district = urls.term_url("district", "港闸区")
    assert district not in before and district.rpartition("/")[2] not in before[street].decode()
    after = render(out, True, cache)
    cold = render(tmp_path / "cold", True, None)
    assert after == cold
    assert district.rpartition("/")[2] in after[street].decode()
