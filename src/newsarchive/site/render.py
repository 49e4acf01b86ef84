"""Render the archive to static files with jinja2.

`render_site` plans every page (path, template, context), renders each with
helpers bound to that page's own path, so every internal link is relative and
names a file: the site works from `file://` and under any sub-path. All text
from issue files goes through jinja2 autoescaping; Markdown is rendered with
raw HTML off.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from jinja2 import meta
from jinja2 import BytecodeCache, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup, escape

from ..cache import dump_marshal, load_marshal
from ..model import Article, Issue
from . import urls
from ..output import as_output
from .archive import (CHART_KINDS, KIND_LABELS, TAXONOMIES, Archive, ArchiveRecord, Entry, Term, build_archive,
                      extend_archive, month_calendar, month_counts, page_order, place_chains, related)
from .settings import Settings

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


class Lazy:
    """A list computed when a template first looks at it: planning stays cheap,
    and in a parallel render each worker computes only its own pages' lists."""

    __slots__ = ("_fn", "_args", "_value", "key")

    def __init__(self, fn, *args, key: str | None = None):
        self._fn, self._args, self._value = fn, args, None
        self.key = key  # stands for the value in page keys, so they need not compute it

    def _get(self) -> list:
        if self._value is None:
            self._value = self._fn(*self._args)
        return self._value

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __bool__(self) -> bool:
        return bool(self._get())


class Snippets:
    """Rendered list items, shared by every page of one folder.

    An entry's list item depends only on the entry and on the folder the page
    sits in (its links are relative), and the same entries recur on many term,
    day and related lists: render each (folder, entry) once. With a `store`,
    the items of a page that asks for it (`Page.reuse_items`) are also kept
    for the next build (see `SnippetStore`).
    """

    def __init__(self, env: Environment, archive: Archive, settings: Settings,
                 store: "SnippetStore | None" = None, entry_key: Callable[[Entry], str] | None = None):
        self.env, self.archive, self.settings = env, archive, settings
        self.modules: dict[str, Any] = {}
        self.items: dict[tuple[str, str, bool], Markup] = {}
        self.folder: str | None = None
        self.store, self.entry_key = store, entry_key
        self.stored: dict[str, str] | None = None  # the page's items from the previous build, by item key
        self.shown: dict[str, str] | None = None  # the page's items in this build, by item key

    def begin(self, page: "Page") -> None:
        if self.store is not None and page.reuse_items:
            self.stored, self.shown = self.store.load(page.path), {}
        else:
            self.stored = self.shown = None

    def end(self, page: "Page") -> None:
        if self.shown is not None:
            self.store.save(page.path, self.shown, self.stored)
        self.stored = self.shown = None

    def entry_item(self, page_path: str, entry, show_issue: bool = True) -> Markup:
        folder = page_path.rpartition("/")[0]
        if folder != self.folder:
            # pages come folder by folder (an issue's pages, then each term kind's):
            # keeping other folders' items would only grow memory (~0.5 GB at 10,000 issues)
            self.folder = folder
            self.items.clear()
            self.modules.clear()
        key = (folder, entry.url, show_issue)
        html = self.items.get(key)
        stored_key = None
        if self.shown is not None:
            stored_key = f"{self.entry_key(entry)}|{int(show_issue)}"
            if html is None:
                html = self.stored.get(stored_key)
                if html is not None:
                    html = self.items[key] = Markup(html)
        if html is None:
            module = self.modules.get(folder)
            if module is None:
                context = site_context(self.archive, self.settings, page_path)
                module = self.modules[folder] = self.env.get_template("_macros.html").make_module(context)
            html = self.items[key] = Markup(module.entry_item(entry, show_issue))
        if stored_key is not None:
            self.shown[stored_key] = str(html)
        return html


class SnippetStore:
    """The list items of pages rendered again and again with mostly the same entries
    (a term's head page, a month's page), kept between builds: one small file per
    page in `directory`, its items by entry key (the issue's fingerprint and the
    article's number) and whether the issue is shown. An item is a function of its
    entry, of the page's folder (one file per page: one folder) and of `base` (code,
    templates, settings), so items stored under another base are never used; nor is
    a store made when the macros read `archive` (see `render_site`). On a one-issue
    rebuild the ~70 term head pages then render only the new issue's items."""

    def __init__(self, directory: Path, base: str):
        self.directory, self.base = directory, base
        self._made = False

    def _file(self, page_path: str) -> Path:
        return self.directory / (hashlib.blake2b(page_path.encode(), digest_size=10).hexdigest() + ".marshal")

    def load(self, page_path: str) -> dict[str, str]:
        data = load_marshal(self._file(page_path), "snippets/1")
        if not isinstance(data, dict) or data.get("base") != self.base or data.get("page") != page_path:
            return {}
        items = data.get("items")
        return items if isinstance(items, dict) else {}

    def save(self, page_path: str, items: dict[str, str], stored: dict[str, str] | None) -> None:
        if items == stored:
            return
        if not self._made:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._made = True
        dump_marshal(self._file(page_path), "snippets/1", {"base": self.base, "page": page_path, "items": items})


@dataclass
class Page:
    """One file to write: its root-relative path, template and page-specific context.

    `full` names the (summary) issue whose full text the page shows: it is
    loaded only when the page is rendered. `key` hashes every input of the page.
    """

    path: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    full: Issue | None = None
    key: str = ""
    #: its list items are kept for the next build (see `SnippetStore`)
    reuse_items: bool = False


@dataclass
class PageGroup:
    """Pages planned together because one `identity` determines all their keys: an
    issue's pages, a month's, a term's. When the previous build recorded the same
    group key, the group is kept without planning or keying a page of it; on a
    one-issue rebuild that leaves a few dozen of ~20,000 pages to plan.

    `kind` is empty for pages planned and keyed every time (home, feed, lists of
    everything): few, and most of them change with every new issue anyway.
    """

    kind: str
    identity: tuple  # with code, templates and settings: every input of the pages (see `PageKeys.group`)
    templates: tuple[str, ...]
    size: int  # pages `plan()` yields
    plan: Callable[[], Iterable[Page]]


def single(page: Page) -> PageGroup:
    return PageGroup("", (), (page.template,), 1, lambda: (page,))


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


def make_env(template_dirs: list[Path], bytecode_dir: Path | None = None) -> Environment:
    """`bytecode_dir` keeps compiled templates between builds (compiling them all
    took ~0.3 s, a large share of a one-issue rebuild)."""
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs]),
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
    the keyword index lists ~1,300 terms, and a call in jinja2 costs ~10 µs."""
    return Markup("".join(f'  <li><a href="{escape(url(t.url))}">{escape(t.name)} <span class="count">{len(t.entries)}</span></a></li>\n'
                          for t in terms))


def render_source(lines: list[tuple[int, str]]) -> Markup:
    """The numbered source lines, escaped exactly as written."""
    return Markup("\n".join(f"<li><code>{escape(line)}</code></li>" for _, line in lines))


def render_markdown(text: str) -> Markup:
    """CommonMark with raw HTML off: an editor's `<script>` stays text."""
    from markdown_it import MarkdownIt  # only the about page needs it

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return Markup(md.render(text))


def plan_groups(archive: Archive, settings: Settings, env: Environment, extra_pages: dict | None) -> Iterator[PageGroup]:
    """Every HTML/XML page of the site with its own data, in groups (see `PageGroup`);
    shared data comes from `site_context`."""
    per_page = settings.items_per_page
    yield single(Page("index.html", "index.html", {"latest": archive.issues[: settings.latest_issues]}))
    for path, chunk, pages_nav in stable_pages("issues/index.html", archive.issues, per_page, _issue_year):
        yield single(Page(path, "issues.html", {"issues": chunk, "pager": pages_nav}))

    for issue in archive.issues:
        url = urls.issue_url(issue)
        edition = archive.editions.get(url)
        # the issue's fingerprint covers its pages' paths and content; `related` sees older issues only;
        # its edition's files' fingerprints cover the 版 links, prev/next across 版 and continuations
        yield PageGroup("issue", (issue, archive.older_keys[url], edition.key if edition else ()),
                        ("issue.html", "article.html"),
                        1 + len(archive.by_issue[url]), functools.partial(_issue_pages, archive, issue))
        if edition is not None and edition.url != url and edition.issues[0] is issue:
            yield PageGroup("edition", (edition.date, edition.publication, edition.key), ("edition.html",), 1,
                            functools.partial(_edition_page, archive, edition))

    yield single(Page("archive.html", "archive.html", {}))
    known_months = [(y, m) for y, months in archive.years.items() for m in months]  # newest first
    neighbour_months = {ym: (known_months[i + 1] if i + 1 < len(known_months) else None,
                             known_months[i - 1] if i > 0 else None) for i, ym in enumerate(known_months)}
    for year, months in archive.years.items():
        yield single(Page(urls.year_url(year), "year.html", {"year": year, "months": months, "calendars": {
            m: month_calendar(year, m, days) for m, days in months.items()}}))
        for month, days in months.items():
            around = neighbour_months.get((year, month), (None, None))
            yield PageGroup("month", (year, month, days, around), ("month.html", "day.html"), 1 + len(days),
                            functools.partial(_month_pages, archive, year, month, days, around))

    for kind, _attr, label in TAXONOMIES:
        yield single(Page(urls.taxonomy_url(kind), "taxonomy.html",
                          {"kind": kind, "label": label, "terms": archive.terms[kind]}))
        for term in archive.terms[kind]:
            # two groups: the head page (the newest entries and the count) changes with every
            # new article of the term, the older pages (fixed runs counted from the oldest
            # entry, see `stable_pages`) only with one of theirs, so a one-issue rebuild
            # neither keys nor renders them
            n = len(term.entries)
            older = stable_page_count(n, per_page) - 1
            newest = n - older * per_page
            chains = place_chains(archive, term)  # 省 › 市 › 区 › 街道: once per place
            chart = month_counts(term.entries) if kind in CHART_KINDS else ()  # articles per month
            yield PageGroup("term", (kind, label, term.name, term.entries[:newest], n, chains, chart), ("term.html",), 1,
                            functools.partial(_term_pages, term, label, per_page, True, chains, chart))
            if older:
                # the older entries, named without hashing them all (~40,000 at 1,000 issues): the
                # oldest `n - newest` of the term's among the issues up to the first one's (which
                # its fingerprint and the running hash of every older issue's fingerprint name)
                first = term.entries[newest].issue
                since, before = archive.by_id[id(first)], archive.older_keys[urls.issue_url(first)]
                yield PageGroup("term-older", (kind, label, term.name, n - newest, since, before, chains), ("term.html",),
                                older, functools.partial(_term_pages, term, label, per_page, False, chains))

    about = settings.about_path
    about_text = about.read_text(encoding="utf-8") if about.is_file() else None
    facts = about_facts(archive, settings)
    yield PageGroup("about", (about_text, facts), ("about.html",), 1, functools.partial(_about_page, about_text, facts))
    yield single(Page("404.html", "404.html", {}))
    search_template = "search.html" if _has_template(env, "search.html") else "search_unavailable.html"
    yield single(Page("search.html", search_template, {}))
    if settings.base_url:  # a feed and a sitemap need absolute URLs: without a base URL there are none
        yield single(Page("feed.xml", "feed.xml", {
            "entries": archive.entries[: settings.feed_entries],
            "updated": _feed_updated(archive),
            "entry_id": entry_id,
        }))
        yield from _sitemap_groups(archive, settings)
    for path, spec in (extra_pages or {}).items():
        template, context = (spec, {}) if isinstance(spec, str) else spec
        yield single(Page(path, template, dict(context)))


def _sitemap_groups(archive: Archive, settings: Settings) -> Iterator[PageGroup]:
    """A sitemap index over one sitemap per month (its issues and articles), one for the
    undated issues and one for the other pages: a new issue rewrites its month's and the
    index, and no file nears the protocol's 50,000 URLs (10,000 issues: ~70,000)."""
    listed: list[tuple[str, str]] = []
    for year, months in archive.years.items():
        for month, days in months.items():
            path = urls.sitemap_url(year, month)
            listed.append((path, f"{year}-{month}-{max(days)}"))
            yield PageGroup("sitemap", (year, month, days), ("sitemap_urls.xml",), 1, functools.partial(
                _sitemap_page, archive, settings, path, [i for d in days.values() for i in d]))
    if archive.undated:
        path = urls.sitemap_url(urls.UNDATED)
        listed.append((path, ""))
        yield single(next(_sitemap_page(archive, settings, path, archive.undated)))
    # sorted: the terms' own order (most used first) moves with every new issue
    pages = ["index.html", "archive.html", "about.html"] + sorted(
        u for kind, _attr, _label in TAXONOMIES for u in [urls.taxonomy_url(kind)] + [t.url for t in archive.terms[kind]])
    listed.append((urls.sitemap_url(), ""))
    located = absolute_links(settings, urls.sitemap_url())  # (made here, not in the template: a call in jinja2 costs ~10 µs)
    yield single(Page(urls.sitemap_url(), "sitemap_urls.xml", {"urls": [(located(p), "") for p in pages]}))
    yield single(Page("sitemap.xml", "sitemap.xml", {"sitemaps": listed}))


def _sitemap_page(archive: Archive, settings: Settings, path: str, issues: list[Issue]) -> Iterator[Page]:
    """The `<loc>`s made here, not by the template: a sitemap lists thousands (a call in jinja2 costs ~10 µs)."""
    located = absolute_links(settings, path)
    listed = []
    for issue in issues:
        url = urls.issue_url(issue)
        listed.append((located(url), issue.date if urls.date_parts(issue.date) else ""))
        listed += [(located(e.url), "") for e in archive.by_issue[url]]
    yield Page(path, "sitemap_urls.xml", {"urls": listed})


def _issue_year(issue: Issue) -> str | None:
    parts = urls.date_parts(issue.date)
    return parts[0] if parts else None


def _entry_year(entry: Entry) -> str | None:
    return _issue_year(entry.issue)


def _page_number(text: str | None) -> tuple | None:
    """`1版`, `第A02版`, `2` → its `page_order`; None when no page number is in it."""
    order = page_order(re.sub(r"^第", "", text or ""))
    return order if order[0] == 0 else None


def _same_page(a: tuple | None, b: tuple | None) -> bool:
    """`2版` is `A02` (a marker often leaves the section letter out)."""
    return a is not None and b is not None and a[0] == b[0] == 0 and a[2] == b[2] and (a[1] == b[1] or not a[1] or not b[1])


def continuation(archive: Archive, edition, issue: Issue, article: Article, where: str | None, back: bool) -> Entry | None:
    """The other part of a continued article: on the 版 `where` (`1版`) of the same edition, the
    article continued to (`back`: from) this one's 版; None when the page or the part is not found."""
    target = _page_number(where)
    if edition is None or target is None:
        return None
    here = _page_number(issue.page)
    for other in edition.issues:
        if other is issue or not _same_page(page_order(other.page), target):
            continue
        found = []
        for e in archive.by_issue[urls.issue_url(other)]:
            mark = e.article.continued_to if back else e.article.continued_from
            if mark and (here is None or _same_page(_page_number(mark), here)):
                found.append(e)
        if len(found) == 1 or (found and here is not None):
            return found[0]
    return None


def _issue_pages(archive: Archive, issue: Issue) -> Iterator[Page]:
    url = urls.issue_url(issue)
    entries = archive.by_issue[url]
    edition = archive.editions.get(url)
    sheets = edition.issues if edition is not None else [issue]
    at = next(i for i, s in enumerate(sheets) if s is issue)
    # prev/next run across the edition's 版: the last article of 第1版 leads to the first of 第2版
    before = archive.by_issue[urls.issue_url(sheets[at - 1])][-1:] if at > 0 else []
    after = archive.by_issue[urls.issue_url(sheets[at + 1])][:1] if at + 1 < len(sheets) else []
    run = before + entries + after
    pages_nav = {
        "edition": edition.url if edition is not None and edition.url != url else None,
        "sheets": [(page_label(s), urls.issue_url(s)) for s in sheets] if len(sheets) > 1 else [],
        "prev": urls.issue_url(sheets[at - 1]) if at > 0 else None,
        "next": urls.issue_url(sheets[at + 1]) if at + 1 < len(sheets) else None,
    }
    yield Page(url, "issue.html", {"issue": issue, "entries": entries, "sheet": pages_nav})
    for i, entry in enumerate(entries):
        j = i + len(before)
        a = entry.article
        yield Page(entry.url, "article.html", {
            "issue": issue,
            "article": a,
            "entry": entry,
            "sheet": pages_nav,
            "prev": run[j - 1] if j > 0 else None,
            "next": run[j + 1] if j + 1 < len(run) else None,
            "from_part": continuation(archive, edition, issue, a, a.continued_from, True) if a.continued_from else None,
            "to_part": continuation(archive, edition, issue, a, a.continued_to, False) if a.continued_to else None,
            # related articles come from older issues only: their hash stands for the list
            "related": Lazy(related, archive, entry, key=archive.older_keys[url]),
        }, full=issue)


def _edition_page(archive: Archive, edition) -> Iterator[Page]:
    sheets = [(s, page_label(s), archive.by_issue[urls.issue_url(s)]) for s in edition.issues]
    yield Page(edition.url, "edition.html", {"edition": edition, "sheets": sheets})


def _month_pages(archive: Archive, year: str, month: str, days: dict[str, list[Issue]], around=(None, None)) -> Iterator[Page]:
    yield Page(urls.month_url(year, month), "month.html", {
        "year": year, "month": month, "days": days, "weeks": month_calendar(year, month, days),
        "prev_month": around[0], "next_month": around[1],
        "by_issue": {urls.issue_url(i): archive.by_issue[urls.issue_url(i)] for d in days.values() for i in d}},
        reuse_items=True)
    for day, issues in days.items():
        yield Page(urls.day_url(year, month, day), "day.html", {
            "year": year, "month": month, "day": day, "issues": issues,
            "by_issue": {urls.issue_url(i): archive.by_issue[urls.issue_url(i)] for i in issues}})


def _term_pages(term: Term, label: str, per_page: int, head: bool | None = None, chains: tuple = (),
                chart: tuple = ()) -> Iterator[Page]:
    """The term's pages: all, or (`head`) only the head page or only the older ones; a place's
    pages show its `chains` (see `archive.place_chains`), the head page its `chart` (articles per month)."""
    for path, chunk, pages_nav in stable_pages(term.url, term.entries, per_page, _entry_year):
        if head is not None and pages_nav["head"] != head:
            continue
        yield Page(path, "term.html", {
            "kind": term.kind, "label": label, "term": term if pages_nav["head"] else None,
            "name": term.name, "entries": chunk, "pager": pages_nav, "chains": chains,
            "chart": chart if pages_nav["head"] else ()}, reuse_items=pages_nav["head"])


def about_facts(archive: Archive, settings: Settings) -> dict:
    """What the about page says of the archive: its papers (issues, dates), the dates it
    covers, how the dates were found, whether the paper's name is the placeholder."""
    papers: dict[str, list] = {}
    sources: dict[str, int] = {}
    unnamed = 0
    for issue in archive.issues:
        name = issue.publication or ""
        if not issue.publication:
            unnamed += 1
        row = papers.setdefault(name, [0, None, None])
        row[0] += 1
        if urls.date_parts(issue.date):
            row[1] = issue.date if row[1] is None or issue.date < row[1] else row[1]
            row[2] = issue.date if row[2] is None or issue.date > row[2] else row[2]
        sources[issue.date_source] = sources.get(issue.date_source, 0) + 1
    return {
        "papers": [(name or settings.publication, bool(name), *papers[name]) for name in sorted(papers, key=lambda n: (n == "", n))],
        "range": archive.date_range,
        "issues": len(archive.issues), "articles": len(archive.entries),
        "date_sources": sorted(sources.items()),
        "unnamed": unnamed,
        "placeholder": unnamed > 0 and settings.publication == Settings().publication,
    }


def _about_page(text: str | None, facts: dict | None = None) -> Iterator[Page]:
    yield Page("about.html", "about.html", {"about_html": render_markdown(text) if text is not None else Markup(""),
                                            "facts": facts or {}})


def stable_page_count(n: int, per_page: int) -> int:
    """How many pages `stable_pages` cuts `n` items into."""
    return 1 + max(n // per_page - 1, 0)


def stable_pages(head: str, items: list, per_page: int, year_of: Callable | None = None) -> list[tuple[str, list, dict]]:
    """Split a newest-first list into pages that do not move as the list grows.

    Older pages are fixed groups of `per_page` counted from the oldest item
    (`x-1.html` holds the oldest ones), shown newest first; the head page
    (`head`) shows everything newer than the groups: between `per_page` and
    `2 * per_page - 1` items. Adding an item rewrites the head (and, every
    `per_page` items, adds one page) instead of re-cutting every page of a
    long list, as numbering from the newest would.
    """
    n = len(items)
    groups = max(n // per_page - 1, 0)

    def group_path(g: int) -> str:
        stem, ext = head.rsplit(".", 1)
        return f"{stem}-{g}.{ext}"

    pages = [(head, items[: n - groups * per_page],
              {"head": True, "group": None, "newer": None, "older": group_path(groups) if groups else None})]
    for g in range(groups, 0, -1):
        pages.append((group_path(g), items[n - g * per_page : n - (g - 1) * per_page], {
            "head": False, "group": g,
            "newer": group_path(g + 1) if g < groups else head,
            "older": group_path(g - 1) if g > 1 else None}))
    if groups:
        # numbered links and a jump to each year. A page links only to pages that never go
        # away or change (the head, its own newer neighbour, the older ones), so adding an item
        # leaves every older page as it was (see the docstring)
        firsts: list[tuple[str, int]] = []  # (year, page index) of each year's newest item, newest first
        page_years: list[set] = []
        if year_of is not None:
            seen: set = set()
            for index, (_path, chunk, _nav) in enumerate(pages):
                here = {y for y in map(year_of, chunk) if y}
                page_years.append(here)
                for year in sorted(here - seen, reverse=True):
                    seen.add(year)
                    firsts.append((year, index))
        for index, (path, _chunk, nav) in enumerate(pages):
            g = nav["group"]
            top = groups if g is None else min(g + 1, groups)
            wanted = sorted({1, top, top - 1, top - 2} | ({g, g - 1, g - 2} if g else set()), reverse=True)
            numbers: list = [("最新", None if g is None else head)]
            last = None
            for k in wanted:
                if k < 1 or k > top:
                    continue
                if last is not None and last - k > 1:
                    numbers.append(("…", None))
                numbers.append((str(k), None if k == g else group_path(k)))
                last = k
            nav["numbers"] = numbers
            # from an older page, a year's newest page among the pages it may link to
            years = []
            for year, first in firsts:
                if g is not None and first < max(index - 1, 1):  # (never the head: it changes)
                    first = next((i for i in range(max(index - 1, 1), len(pages)) if year in page_years[i]), None)
                    if first is None:
                        continue
                years.append((year, pages[first][0] if first != index else None))
            nav["years"] = years
    return pages


def entry_id(url: str) -> str:
    """A stable Atom id that does not change when the site moves to a new host."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "newsarchive:" + url))


def _feed_updated(archive: Archive) -> str:
    """Newest issue date, not the clock: rebuilding unchanged input gives the same feed."""
    for issue in archive.issues:
        if urls.date_parts(issue.date):
            return f"{issue.date}T00:00:00Z"
    return datetime(1970, 1, 1, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _has_template(env: Environment, name: str) -> bool:
    try:
        env.get_template(name)
    except TemplateNotFound:
        return False
    return True


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


DATA_FIELDS = ("url", "id", "publication", "date", "date_source", "page", "page_name", "number", "kind", "kicker",
               "title", "subtitle", "byline", "authors", "event_date", "continued_from", "continued_to",
               "districts", "streets", "topics", "keywords", "persons", "chars", "source", "lines")
#: gzip-compressed (a fifth of the size; every browser and data tool opens them)
DATA_FILES = ("data/articles.jsonl.gz", "data/articles.csv.gz")


def data_rows(archive: Archive, settings: Settings) -> Iterator[dict]:
    """Every article with its fields and tags, newest issue first (the data download)."""
    for e in archive.entries:
        a, i = e.article, e.issue
        yield {"url": e.url, "id": a.id, "publication": i.publication or settings.publication, "date": i.date,
               "date_source": i.date_source, "page": i.page, "page_name": i.page_name, "number": a.number,
               "kind": a.kind, "kicker": a.kicker, "title": a.title or a.display_title, "subtitle": a.subtitle,
               "byline": a.byline, "authors": list(a.authors), "event_date": a.event_date,
               "continued_from": a.continued_from, "continued_to": a.continued_to,
               "districts": list(a.districts), "streets": list(a.streets), "topics": list(a.topics),
               "keywords": list(a.keywords), "persons": list(a.persons), "chars": a.chars,
               "source": i.source, "lines": list(a.lines)}


def write_data(archive: Archive, settings: Settings, output, base: str) -> None:
    """`data/articles.jsonl.gz` (one JSON object a line) and `data/articles.csv.gz` (UTF-8 with BOM, so
    spreadsheet programs read the Chinese; lists joined with `;`): kept as they are while the
    archive, code and settings are (their key)."""
    import csv
    import io
    import json

    key = hashlib.blake2b(f"{base}|{archive.key}".encode(), digest_size=16).hexdigest()
    if all(output.unchanged(path, key) for path in DATA_FILES):
        return
    rows = list(data_rows(archive, settings))
    lines = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(DATA_FIELDS)
    for r in rows:
        writer.writerow([";".join(v) if isinstance(v, list) and v and isinstance(v[0], str) else
                         "-".join(map(str, v)) if isinstance(v, list) else "" if v is None else v for v in r.values()])
    import gzip

    # mtime 0 and no file name: the same rows give the same bytes
    output.write(DATA_FILES[0], gzip.compress(lines.encode("utf-8"), 9, mtime=0), key)
    output.write(DATA_FILES[1], gzip.compress(("\ufeff" + buf.getvalue()).encode("utf-8"), 9, mtime=0), key)


def copy_static(static_dirs: list[Path], output) -> list[str]:
    """Copy assets into `static/`; later folders override earlier ones file by file."""
    found: dict[str, Path] = {}
    for src in static_dirs:
        if not src.is_dir():
            continue
        for path in sorted(src.rglob("*")):
            if path.is_file() and not any(p.startswith(".") for p in path.relative_to(src).parts):
                found["static/" + path.relative_to(src).as_posix()] = path
    for rel, path in found.items():
        output.write(rel, path.read_bytes())
    return list(found)


def page_base(settings: Settings, template_dirs: list[Path], extra: str = "") -> str:
    """What every page's key starts from: the package's code, the templates and the settings."""
    h = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):  # any code change may change any page
        h.update(path.read_bytes())
    for folder in template_dirs:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                h.update(path.relative_to(folder).as_posix().encode())
                h.update(path.read_bytes())
    h.update(repr(settings).encode())
    h.update(extra.encode())
    return h.hexdigest()


class PageKeys:
    """A page's key hashes its template set, the site settings and the package's code, its path and
    every value in its context (issues by fingerprint, entries by URL and fingerprint).
    Templates that read the `archive` global (home page, sitemap…) also hash the whole archive.
    """

    def __init__(self, env: Environment, archive: Archive, base: str, record: PageRecord | None = None):
        self.env, self.archive = env, archive
        self.base = base  # see `page_base`
        self.record = record or PageRecord(base)
        self._archive_wide: dict[str, bool] = dict(self.record.wide)
        # id(entry) -> its key: the issue's fingerprint covers its URL (date, slug) and the article's content
        by_id = archive.by_id
        self._entries: dict[int, str] = {id(e): f"e{by_id[id(e.issue)]}{e.article.number}" for e in archive.entries}

    def group(self, group: PageGroup) -> str:
        """A whole group's key ('' for pages keyed one by one): it hashes what every page
        key of the group hashes (code, templates, settings, the archive's key where a
        template reads it, the group's identity), so equal group keys mean equal page keys."""
        wide = any([self.archive_wide(t) for t in group.templates])  # every template's answer is recorded
        if not group.kind:
            return ""
        parts = [self.base, "group", group.kind, *group.templates]
        if wide:
            parts.append(self.archive.key)
        self._digest(group.identity, parts)
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()

    def known_wide(self) -> dict[str, bool]:
        return {name: wide for name, wide in self._archive_wide.items()}

    def kept(self, group_key: str, output) -> list[str] | None:
        """The group's [path, key, …] when the previous build recorded the same group key
        and every one of its files is still there with that key (then they are kept)."""
        recorded = self.record.groups.get(group_key) if group_key else None
        if recorded is None or not output.unchanged_all(recorded):
            return None
        return recorded

    def key(self, page: Page) -> str:
        parts = [self.base, page.path, page.template]
        if self.archive_wide(page.template):
            parts.append(self.archive.key)
        self._digest(page.context, parts)
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()

    def archive_wide(self, name: str) -> bool:
        """Does the template, or one it extends, includes or imports, read `archive`?"""
        known = self._archive_wide.get(name)
        if known is None:
            self._archive_wide[name] = False  # cycles
            try:
                source = self.env.loader.get_source(self.env, name)[0]
            except TemplateNotFound:
                return False
            ast = self.env.parse(source)
            known = "archive" in meta.find_undeclared_variables(ast) or any(
                self.archive_wide(t) for t in meta.find_referenced_templates(ast) if t)
            self._archive_wide[name] = known
        return known

    def _digest(self, value, parts: list[str]) -> None:
        kind = type(value)
        if kind is str:
            parts.append("s" + value)
        elif kind is Entry:
            parts.append(self._entry(value))
        elif kind is list or kind is tuple:
            parts.append("[")
            entries = self._entries
            keyed = [entries.get(id(v)) for v in value]  # lists of entries are most of what is hashed
            if None in keyed:
                for v in value:
                    if type(v) is Entry:
                        parts.append(self._entry(v))
                    else:
                        self._digest(v, parts)
            else:
                parts += keyed
            parts.append("]")
        elif kind is dict:
            parts.append("{")
            for k, v in value.items():
                parts.append(str(k))
                self._digest(v, parts)
            parts.append("}")
        elif value is None or kind is int or kind is bool or kind is float:
            parts.append(repr(value))
        elif kind is Issue:
            parts.append("i" + self.archive.by_id[id(value)])
        elif kind is Article:
            parts.append("a" + value.id)  # its issue's fingerprint is in the same context
        elif kind is Term:
            parts.append(f"t{value.kind}|{value.name}|{len(value.entries)}")
        elif kind is Lazy:
            if value.key is not None:
                parts.append("l" + value.key)
            else:
                self._digest(list(value), parts)
        elif isinstance(value, str):
            parts.append("s" + str(value))
        elif callable(value):
            parts.append("f" + getattr(value, "__qualname__", type(value).__name__))
        else:
            parts.append(repr(value))

    def _entry(self, entry: Entry) -> str:
        key = self._entries.get(id(entry))
        if key is None:  # not one of the archive's entries
            key = f"e{self.archive.by_id[id(entry.issue)]}{entry.article.number}"
        return key


def render_site(
    issues: list[Issue],
    out,
    settings: Settings,
    template_dirs: list[Path] | None = None,
    static_dirs: list[Path] | None = None,
    extra_pages: dict | None = None,
    jobs: int = 1,
    load_full: Callable[[Issue], Issue] | None = None,
    cache_dir: Path | None = None,
    beside: Callable[[], None] | None = None,
    grown_from: "tuple[Archive, list[Issue]] | None" = None,
) -> "RenderStats":
    """Write the site's pages and assets to `out` (a folder, or an output.OutputTree).

    Pages whose key the previous build recorded are not rendered at all, and
    groups of pages it recorded whole (`PageRecord`, in `cache_dir`) are not
    even planned; with `load_full`, `issues` may be summaries (see
    `Article.summary`) and a page showing an article body loads its issue only
    when rendered. `extra_pages` maps a root-relative output path to a template
    name or a (template name, context) pair, rendered with the same helpers as every page.
    `beside()` is called as soon as the render looks small (the previous build
    recorded pages with the same code, templates and settings): other work can
    use the second core, where a large render would fork workers for it.
    `grown_from` = (archive, new issues): the archive of `issues` but the new ones,
    built beforehand from the very same (unchanged) issue objects; it is extended
    instead of indexing every issue again.
    """
    import time

    laps: dict[str, float] = {}
    last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        laps[name] = round(laps.get(name, 0.0) + now - last, 4)
        last = now

    output = as_output(out)
    template_dirs = template_dirs if template_dirs is not None else [settings.root / "templates"]
    static_dirs = static_dirs if static_dirs is not None else [settings.root / "static"]
    base = page_base(settings, template_dirs, extra=repr(sorted((extra_pages or {}).items(), key=str)))
    record = PageRecord.load(cache_dir if getattr(output, "incremental", False) else None, base)
    if beside is not None and record.groups:
        beside()
    lap("base")
    env = make_env(template_dirs, cache_dir / "templates" if cache_dir is not None else None)
    lap("env")
    archive = None
    if grown_from is not None and len(grown_from[0].issues) + len(grown_from[1]) == len(issues):
        archive = extend_archive(*grown_from)
        if archive is not None and {id(i) for i in archive.issues} != {id(i) for i in issues}:
            archive = None
    terms_record = ArchiveRecord(cache_dir) if cache_dir is not None else None
    if archive is None:
        archive = build_archive(issues, terms_record)
    lap("archive")
    keys = PageKeys(env, archive, base, record)
    # list items kept between builds: not when the macros read the archive (an item would depend on all of it)
    store = SnippetStore(cache_dir / "snippets", base) if cache_dir is not None and not keys.archive_wide("_macros.html") else None
    job = RenderJob(env, archive, settings, output, load_full or (lambda issue: issue), keys, store)
    lap("pagekeys")
    kept, todo, records, seen = 0, [], {}, set()
    for group in plan_groups(archive, settings, env, extra_pages):
        group_key = keys.group(group)
        if group_key in seen:  # identities are unique; were two keys ever equal, neither is recorded
            group_key = ""
        seen.add(group_key)
        recorded = keys.kept(group_key, output)
        if recorded is not None:
            kept += len(recorded) // 2
            records[group_key] = recorded
        else:
            todo.append((group_key, group))
    lap("groups")
    renders = None
    if jobs > 1 and hasattr(os, "fork"):  # (multiprocessing, ~0.01 s to import, only where it forks)
        # key here first: most pages of the groups to do may be unchanged (a term's older pages)
        renders = job.pages_to_render(todo, records, limit=PARALLEL_MIN_PAGES)
        lap("keys")
        if renders is None:
            pages, rendered = job.run_parallel(todo, jobs, records)
        else:
            pages, rendered = sum(group.size for _, group in todo), sum(1 for _ in job.render(renders))
    else:
        pages, rendered = job.run(todo, records)
    lap("pages")
    copy_static(static_dirs, output)
    write_data(archive, settings, output, keys.base)
    PageRecord(keys.base, keys.known_wide(), records).save(cache_dir)
    if terms_record is not None:
        terms_record.save(archive)
    lap("finish")
    return RenderStats(pages=kept + pages, rendered=rendered, timings=laps)


class PageRecord:
    """What the previous build rendered, by group key (`PageKeys.group`): the group's
    [path, page key, path, page key, …]; and which templates read `archive` (parsing
    every template for that took ~0.1 s). Trusted only where the site's manifest
    still holds the same page keys, so a stale record costs a re-render, never a stale page."""

    FILE = "pages.marshal"  # marshal: ~20,000 paths load in a few ms

    def __init__(self, base: str = "", wide: dict[str, bool] | None = None, groups: dict[str, list[str]] | None = None):
        self.base = base
        self.wide = wide or {}
        self.groups = groups or {}

    @classmethod
    def load(cls, cache_dir: Path | None, base: str) -> "PageRecord":
        if cache_dir is None:
            return cls(base)
        data = load_marshal(cache_dir / cls.FILE, "pages/1")
        if not isinstance(data, dict) or data.get("base") != base:
            return cls(base)
        return cls(base, data.get("wide"), data.get("groups"))

    def save(self, cache_dir: Path | None) -> None:
        if cache_dir is None:
            return
        dump_marshal(cache_dir / self.FILE, "pages/1", {"base": self.base, "wide": self.wide, "groups": self.groups})


@dataclass
class RenderStats:
    pages: int
    rendered: int  # the others kept the previous build's file (same key)
    timings: dict[str, float] = field(default_factory=dict)


PARALLEL_MIN_PAGES = 300  # below this, starting processes costs more than it saves
#: pages go to workers in runs of at least this many (a group's pages stay together: an issue's text loads once)
BLOCK = 64
#: the job and groups a forked render worker inherits; set only around the fork
_FORKED_JOB: "tuple[RenderJob, list] | None" = None

#: groups to plan, key and render, with their group keys ('' for pages keyed one by one)
Todo = list[tuple[str, PageGroup]]


@dataclass
class RenderJob:
    """Keys the pages of the groups to do and renders those whose key changed. In
    parallel, every worker walks the same list of groups and takes every
    `shares`-th run of about BLOCK pages: no process ever holds the whole plan."""

    env: Environment
    archive: Archive
    settings: Settings
    output: Any
    load_full: Callable[[Issue], Issue]
    keys: PageKeys
    store: SnippetStore | None = None

    def pages_to_render(self, todo: Todo, records: dict[str, list[str]], limit: int | None = None) -> list[Page] | None:
        """Key every page of `todo` in this process: the pages whose key changed (the output
        keeps the others), and each group's [path, key, …] into `records`; None as soon as
        more than `limit` pages need rendering (then workers key and render them instead)."""
        renders = []
        made: dict[str, list[str]] = {}
        for page, unchanged in self._keyed(todo, 0, 1, made):
            if not unchanged:
                renders.append(page)
                if limit is not None and len(renders) > limit:
                    return None
        records.update(made)
        return renders

    def _keyed(self, todo: Todo, share: int, shares: int, made: dict[str, list[str]]) -> Iterator[tuple[Page, bool]]:
        """(page, unchanged) for every page of this share of `todo`, its key set (the output
        keeps an unchanged page's file); each group's [path, key, …] goes into `made`."""
        before = 0  # pages in the groups before this one
        for group_key, group in todo:
            mine = (before // BLOCK) % shares == share
            before += group.size
            if not mine:
                continue
            record: list[str] = []
            for page in group.plan():
                page.key = self.keys.key(page)
                record += (page.path, page.key)
                yield page, self.output.unchanged(page.path, page.key)
            if group_key:
                made[group_key] = record

    def render(self, pages: Iterable[Page]) -> Iterator[tuple[Page, bool]]:
        """Render keyed pages into the output: (page, whether its file changed)."""
        snippets = Snippets(self.env, self.archive, self.settings, self.store, self.keys._entry)
        templates: dict[str, Any] = {}
        full_of: tuple[Issue | None, Issue | None] = (None, None)
        for page in pages:
            snippets.begin(page)
            context = site_context(self.archive, self.settings, page.path)
            context["entry_item"] = functools.partial(snippets.entry_item, page.path)
            context.update(page.context)
            if page.full is not None:
                if full_of[0] is not page.full:  # an issue's pages come one after another
                    full_of = (page.full, self.load_full(page.full))
                issue = full_of[1]
                article = next(a for a in issue.articles if a.number == page.context["article"].number)
                context.update(issue=issue, article=article, citation=citation(issue, article, self.settings),
                               source=source_view(issue, article))
            template = templates.get(page.template) or templates.setdefault(page.template, self.env.get_template(page.template))
            html = template.render(context)
            snippets.end(page)
            yield page, self.output.write(page.path, html, page.key)

    def run(self, todo: Todo, records: dict[str, list[str]]) -> tuple[int, int]:
        """Key and render in this process, page after page: pages keyed, pages rendered."""
        pages, rendered, _done, made = self._run(todo, 0, 1)
        records.update(made)
        return pages, rendered

    def _run(self, todo: Todo, share: int, shares: int):
        """A worker's share: pages keyed, pages rendered, what the output did with each page, group records."""
        made: dict[str, list[str]] = {}
        done: list[tuple[str, list[str], bool]] = []
        pages = rendered = 0

        def changed_keys():
            nonlocal pages
            for page, unchanged in self._keyed(todo, share, shares, made):
                pages += 1
                if unchanged:
                    done.append((page.path, self.output.files[page.path], False))
                else:
                    yield page

        for page, changed in self.render(changed_keys()):
            rendered += 1
            done.append((page.path, self.output.files[page.path], changed))
        return pages, rendered, done, made

    def run_parallel(self, todo: Todo, jobs: int, records: dict[str, list[str]]) -> tuple[int, int]:
        """Fork workers that inherit the archive and the groups (no pickling); the parent
        records what each worker wrote or kept."""
        global _FORKED_JOB
        _FORKED_JOB = (self, todo)
        pages = rendered = 0
        gc.freeze()  # what the workers inherit stays shared: their collector never writes to (copies) it
        try:
            # more shares than workers, a fresh worker for each: what a worker gathers while
            # rendering (copied pages of the archive, its records) goes when its share is done
            shares = jobs * SHARES_PER_WORKER
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(jobs, maxtasksperchild=1) as pool:
                for share_pages, share_rendered, done, made in pool.starmap(_render_share, [(i, shares) for i in range(shares)], chunksize=1):
                    pages += share_pages
                    rendered += share_rendered
                    for path, entry, changed in done:
                        self.output.record(path, entry, changed)
                    records.update(made)
        finally:
            gc.unfreeze()
            _FORKED_JOB = None
        return pages, rendered


SHARES_PER_WORKER = 4  # a 10,000-issue render: tree peak 1,009 MB with 1 share per worker, see benchmarks/README


def _render_share(share: int, shares: int):
    job, todo = _FORKED_JOB
    return job._run(todo, share, shares)
