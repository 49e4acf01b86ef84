"""The jinja environment every page is rendered in, and the helpers its templates call.

`make_env` sets up the loader, the compiled-template cache, the filters and
the globals; `site_context` binds the per-page helpers (links relative to the
page's own path, so the site works from `file://` and under any sub-path). All
text from issue files goes through jinja2 autoescaping, and what is built in
Python here (bodies, chips, charts) escapes it itself; Markdown is rendered
with raw HTML off.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from jinja2 import BytecodeCache, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..model import Article, Issue
from . import urls
from .archive import KIND_LABELS, TAXONOMIES, Archive, Term
from .settings import Settings

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


class CheckedBytecodeCache(BytecodeCache):
    """Compiled templates kept in the cache folder through `cache.read`/`cache.write`
    (checksummed: a garbled file is dropped and the template compiled again)."""

    KIND = "jinja2/1"

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _file(self, bucket) -> Path:
        return self.directory / f"{bucket.key}.cache"

    def load_bytecode(self, bucket) -> None:
        from ..cache import read

        payload = read(self._file(bucket), self.KIND)
        if payload is not None:
            bucket.bytecode_from_string(bytes(payload))

    def dump_bytecode(self, bucket) -> None:
        from ..cache import write

        write(self._file(bucket), self.KIND, bucket.bytecode_to_string())


#: lines of a template that start with a tag or a jinja tag lose their indent: it is a
#: tenth of a page's bytes and renders as the newline before it does (templates that
#: hold whitespace-sensitive elements are kept as they are)
_INDENT = re.compile(r"^[ \t]+(?=[<{])", re.M)
_KEEP_SPACE = ("<pre", "<textarea")


class DedentingLoader(FileSystemLoader):
    """Templates as written, less the indent of their markup lines (see `_INDENT`)."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not any(tag in source for tag in _KEEP_SPACE):
            source = _INDENT.sub("", source)
        return source, filename, uptodate


def make_env(template_dirs: list[Path], bytecode_dir: Path | None = None) -> Environment:
    """`bytecode_dir` keeps compiled templates between builds: compiling every
    template would otherwise be a large share of a one-issue rebuild."""
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
    env = Environment(
        loader=ChoiceLoader([DedentingLoader(str(d)) for d in template_dirs]),
        bytecode_cache=CheckedBytecodeCache(bytecode_dir) if bytecode_dir is not None else None,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build makes its own environment: no stat of every template on every use
    )
    env.filters["cn_date"] = cn_date
    env.filters["cn_month"] = cn_month
    env.filters["cn_punct"] = cn_punct
    env.globals.update(
        article_url=urls.article_url,
        issue_url=urls.issue_url,
        term_url=urls.term_url,
        year_url=urls.year_url,
        month_url=urls.month_url,
        day_url=urls.day_url,
        taxonomy_url=urls.taxonomy_url,
        kind_labels=KIND_LABELS,
        taxonomies=TAXONOMIES,
        weekdays=WEEKDAYS,
        render_blocks=render_blocks,
        render_source=render_source,
        term_chips=term_chips,
        story_tags=story_tags,
        issue_name=issue_name,
        breadcrumbs=breadcrumbs,
        kind_badge=kind_badge,
        byline_links=byline_links,
        page_label=page_label,
        chart_svg=chart_svg,
        json_ld=json_ld,
        article_ld=article_ld,
        edition_url=lambda issue: None,
    )
    return env


def cn_date(iso: str | None) -> str:
    """`2020-05-15` → `2020年5月15日`; unknown dates say so instead of guessing."""
    parts = urls.date_parts(iso)
    if not parts:
        return "日期不详"
    y, m, d = parts
    return f"{y}年{int(m)}月{int(d)}日"


def cn_month(ym: tuple[str, str]) -> str:
    return f"{ym[0]}年{int(ym[1])}月"


_HALF = re.compile(r"[,;:?!()]")
_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e“”‘’《》〈〉…—"
_PUNCT = re.compile(rf"(?<=[{_CJK}]) ?([,;:?!]) ?|([,;:?!]) ?(?=[{_CJK}])")
_PARENS = re.compile(rf"\(([^()\n]*[\u3400-\u9fff][^()\n]*)\)")
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}


def _full(m: re.Match) -> str:
    mark = m.group(1) or m.group(2)
    if mark == ":" and m.start() > 0 and m.string[m.start() - 1].isdigit() and m.string[m.end():m.end() + 1].isdigit():
        return m.group(0)  # 10:30
    return _FULL[mark]


def cn_punct(text: str | None) -> str:
    """Half-width commas, colons… of OCR text as full-width where Chinese text is around them
    (`808项,其中` → `808项，其中`; `1,000` and `10:30` stay), brackets around Chinese too.
    For display only: the source view shows the lines exactly as written."""
    if not text or not _HALF.search(text):
        return text or ""
    text = _PUNCT.sub(_full, text)
    if "(" in text:
        text = _PARENS.sub(r"（\1）", text)
    return text


def page_label(issue: Issue) -> str:
    """`第2版 要闻`, or `版次不详` when neither the front matter nor the page says."""
    if issue.page:
        page = issue.page.strip()
        head = page if page.startswith("第") else f"第{page}版"
        return f"{head} {issue.page_name}" if issue.page_name else head
    return f"版次不详 {issue.page_name}" if issue.page_name else "版次不详"


def chart_svg(counts, label: str) -> Markup:
    """Articles per month as an inline SVG bar chart (no script, no network): one bar per
    month, the year under its first month, the largest count on the axis."""
    if not counts:
        return Markup("")
    n, top = len(counts), max(c for _, c in counts) or 1
    bar, height, base = 10, 60, 64
    width = max(n * bar, 240)
    parts = [f'<svg class="chart" viewBox="0 0 {width} 80" width="{width}" height="80" role="img" '
             f'aria-label="{escape(label)}每月稿件数：{counts[0][0]} 至 {counts[-1][0]}，最多每月 {top} 篇">',
             f'<line x1="0" y1="{base}" x2="{width}" y2="{base}"/>']
    for i, (ym, c) in enumerate(counts):
        if c:
            h = max(1, round(c * height / top))
            parts.append(f'<rect x="{i * bar + 1}" y="{base - h}" width="{bar - 2}" height="{h}"><title>{ym}：{c}</title></rect>')
        if i == 0 or ym.endswith("-01"):
            parts.append(f'<text x="{i * bar}" y="78">{ym[:4]}</text>')
    parts.append(f'<text x="{width}" y="9" text-anchor="end">{top}</text></svg>')
    return Markup("".join(parts))


def json_ld(data: dict) -> Markup:
    """A JSON-LD script body: `</` escaped so no text can close the script element."""
    import json

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def article_ld(issue: Issue, article: Article, settings: Settings, canonical: str | None, headline: str, lede: str) -> dict:
    """schema.org NewsArticle of an article page (empty fields left out)."""
    dated = bool(urls.date_parts(issue.date))
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": headline[:110],
        "datePublished": issue.date if dated else None,
        "author": [{"@type": "Person", "name": n} for n in article.authors] or None,
        "publisher": {"@type": "Organization", "name": issue.publication or settings.publication},
        "printPage": issue.page, "printSection": issue.page_name,
        "inLanguage": settings.language, "url": canonical, "mainEntityOfPage": canonical,
    }
    return {k: v for k, v in data.items() if v}


def citation(issue: Issue, article: Article, settings: Settings) -> str:
    """GB/T 7714-2015 newspaper reference: 作者. 题名[N]. 报纸名, 日期(版次)."""
    authors = [a for a in article.authors if a]
    who = ", ".join(authors[:3]) + (", 等" if len(authors) > 3 else "")
    title = cn_punct(" ".join(p for p in (article.title or article.display_title, article.subtitle) if p))
    paper = issue.publication or settings.publication
    when = issue.date or "出版日期不详"
    page = ""
    if issue.page:
        m = re.search(r"[A-Za-z]?\d+", issue.page)
        page = f"({m.group(0) if m else issue.page})"
    head = f"{who}. " if who else ""
    return f"{head}{title}[N]. {paper}, {when}{page}."


def source_view(issue: Issue, article: Article) -> list[tuple[int, str]]:
    """The numbered source lines an article came from (empty when unknown)."""
    start, end = article.lines
    if start < 1 or end < start:
        return []
    return [(n, issue.source_lines[n - 1]) for n in range(start, min(end, len(issue.source_lines)) + 1)]


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in cn_punct(text).split("\n"))


def render_block(b) -> str:
    """One body block as HTML. Plain Python, not a template macro: bodies are the
    bulk of an archive and a macro call per block dominated render time. Punctuation
    as displayed (`cn_punct`)."""
    if b.type == "subheading":
        return f'<h2 class="subheading">{escape(cn_punct(b.text))}</h2>'
    if b.type == "table" and b.rows:
        head, body = (b.rows[0], b.rows[1:]) if len(b.rows) > 1 else (None, b.rows)
        parts = ['<div class="table-wrap" tabindex="0" role="region" aria-label="表格">', '<table class="data">']
        if head is not None:
            parts.append("<thead><tr>" + "".join(f'<th scope="col">{escape(c)}</th>' for c in head) + "</tr></thead>")
        parts.append("<tbody>")
        parts += ["<tr>" + "".join(f"<td>{escape(cn_punct(c))}</td>" for c in row) + "</tr>" for row in body]
        parts.append("</tbody></table></div>")
        return "\n".join(parts)
    if b.type == "list" and b.items:
        return '<ul class="body-list">' + "".join(f"<li>{escape(cn_punct(i))}</li>" for i in b.items) + "</ul>"
    if b.type == "caption":
        return f'<figure class="photo"><figcaption>{escape(cn_punct(b.text))}</figcaption></figure>'
    if b.type == "signature":
        return f'<p class="signature">{_lines(b.text)}</p>'
    return f"<p>{_lines(b.text)}</p>"


def render_blocks(blocks) -> Markup:
    return Markup("\n".join(render_block(b) for b in blocks))


def term_chips(terms: list[Term], url: Callable[[str], str]) -> Markup:
    """A chip (linked name and article count) per term, built here, not in a template loop:
    the keyword index lists a chip per keyword, and each call from a template loop is
    many times the cost of a Python f-string."""
    return Markup("".join(f'<li><a href="{escape(url(t.href))}">{escape(t.name)} <span class="count">{len(t.entries)}</span></a></li>\n'
                          for t in terms))


def issue_name(issue: Issue, site: Settings, with_page: bool = True) -> Markup:
    """`港闸报 2020年5月15日 第1版 要闻`: the paper, the date and (`with_page`) the 版."""
    name = f"{issue.publication or site.publication} {cn_date(issue.date)}"
    if with_page and issue.page:
        name += f" {page_label(issue)}"
    return escape(name)


def kind_badge(article: Article) -> Markup:
    """The badge before a photo's or notice's title (none for an article)."""
    if article.kind == "article":
        return Markup("")
    return Markup(f'<span class="badge badge-{escape(article.kind)}">{escape(KIND_LABELS.get(article.kind, article.kind))}</span> ')


def breadcrumbs(items, url: Callable[[str], str]) -> Markup:
    """The trail from the home page: (label, link, or None for this page) each. Built here,
    not in a macro: a macro needs the page's context imported into a module per page."""
    parts = ['<nav class="breadcrumbs" aria-label="位置">\n<ol>\n<li><a href="', escape(url("index.html")), '">首页</a></li>\n']
    for label, link in items:
        if link:
            parts.append(f'<li><a href="{escape(url(link))}">{escape(label)}</a></li>\n')
        else:
            parts.append(f'<li><span aria-current="page">{escape(label)}</span></li>\n')
    parts.append("</ol>\n</nav>")
    return Markup("".join(parts))


def term_href(kind: str, name: str, unpaged) -> str:
    """A tag's link: the term's page, or a search for a term without one (`unpaged`)."""
    return urls.search_url(kind, name) if (kind, name) in unpaged else urls.term_url(kind, name)


def story_tags(article: Article, unpaged: tuple, url: Callable[[str], str]) -> Markup:
    """An article's tags by taxonomy, each a chip linking to its term (see `term_href`).
    Built here: a template loop over every tag of every article page cost more than
    the rest of the page."""
    skip = set(unpaged)
    rows = []
    for kind, attr, label in TAXONOMIES:
        names = article.persons if kind == "person" else getattr(article, attr)
        if names:
            chips = "".join(f'<li><a href="{escape(url(term_href(kind, n, skip)))}">{escape(n)}</a></li>' for n in names)
            rows.append(f'<div><dt>{label}</dt><dd><ul class="chips">{chips}</ul></dd></div>\n')
    if not rows:
        return Markup("")
    return Markup('<footer class="story-tags">\n<h2 class="visually-hidden">标签</h2>\n<dl>\n' + "".join(rows)
                  + "</dl>\n</footer>")


def byline_links(names: list[str], unpaged: tuple, url: Callable[[str], str]) -> Markup:
    """The byline's names, each linking to the person's page (or a search for them)."""
    skip = set(unpaged)
    return Markup("　".join(f'<a href="{escape(url(term_href("person", n, skip)))}">{escape(n)}</a>' for n in names))


def render_source(lines: list[tuple[int, str]]) -> Markup:
    """The numbered source lines, escaped exactly as written."""
    return Markup("\n".join(f"<li><code>{escape(line)}</code></li>" for _, line in lines))


def render_markdown(text: str) -> Markup:
    """CommonMark with raw HTML off: an editor's `<script>` stays text."""
    from markdown_it import MarkdownIt  # only the about page needs it

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return Markup(md.render(text))


def absolute_links(settings: Settings, page_path: str) -> Callable[[str], str]:
    """`absolute()` of a page's templates (feeds, sitemaps): the full URL with a base URL,
    else a link from the page."""
    if settings.base_url:
        return f"{settings.base_url}/".__add__  # base + "/" + target, without a Python frame per link
    return urls.links_from(page_path)


def site_context(archive: Archive, settings: Settings, page_path: str) -> dict[str, Any]:
    """Helpers bound to one page: `rel` is the way back to the root, `url()` links from here."""
    base_href = None
    rel = urls.root_prefix(page_path)
    rooted = page_path == "404.html" and settings.base_url
    if rooted:
        # GitHub Pages serves 404.html at any depth: its links are root-relative to the base
        # URL's path (`/repo/static/site.css`), so they work on any host serving that path
        from urllib.parse import urlsplit

        rel = urlsplit(settings.base_url).path.rstrip("/") + "/"

    # called for every link of every page (the sitemap alone: one per page of the site)
    if rooted:
        def url(target: str) -> str:
            return rel + target
    else:
        url = urls.links_from(page_path)

    return {
        "site": settings,
        "archive": archive,
        "page_path": page_path,
        "rel": rel,
        "url": url,
        "absolute": absolute_links(settings, page_path),
        "base_href": base_href,
        "canonical": f"{settings.base_url}/{page_path}" if settings.base_url and page_path != "404.html" else None,
    }
