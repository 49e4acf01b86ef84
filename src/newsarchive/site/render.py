"""Render the archive to static files with jinja2.

`render_site` plans every page (path, template, context), renders each with
helpers bound to that page's own path, so every internal link is relative and
names a file: the site works from `file://` and under any sub-path. All text
from issue files goes through jinja2 autoescaping; Markdown is rendered with
raw HTML off.
"""
from __future__ import annotations

import functools
import hashlib
import multiprocessing
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from jinja2 import meta
from jinja2 import ChoiceLoader, FileSystemBytecodeCache, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup, escape

from ..model import Article, Issue
from . import urls
from ..output import as_output
from .archive import KIND_LABELS, TAXONOMIES, Archive, Entry, Term, build_archive, month_calendar, related
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
    day and related lists: render each (folder, entry) once.
    """

    def __init__(self, env: Environment, archive: Archive, settings: Settings):
        self.env, self.archive, self.settings = env, archive, settings
        self.modules: dict[str, Any] = {}
        self.items: dict[tuple[str, str, bool], Markup] = {}
        self.folder: str | None = None

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
        if html is None:
            module = self.modules.get(folder)
            if module is None:
                context = site_context(self.archive, self.settings, page_path)
                module = self.modules[folder] = self.env.get_template("_macros.html").make_module(context)
            html = self.items[key] = Markup(module.entry_item(entry, show_issue))
        return html


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


def make_env(template_dirs: list[Path], bytecode_dir: Path | None = None) -> Environment:
    """`bytecode_dir` keeps compiled templates between builds (compiling them all
    took ~0.3 s, a large share of a one-issue rebuild)."""
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs]),
        bytecode_cache=FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir is not None else None,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = cn_date
    env.filters["cn_month"] = cn_month
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


def citation(issue: Issue, article: Article, settings: Settings) -> str:
    """GB/T 7714-2015 newspaper reference: 作者. 题名[N]. 报纸名, 日期(版次)."""
    authors = [a for a in article.authors if a]
    who = ", ".join(authors[:3]) + (", 等" if len(authors) > 3 else "")
    title = " ".join(p for p in (article.title or article.display_title, article.subtitle) if p)
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
    return "<br>".join(escape(line) for line in text.split("\n"))


def render_block(b) -> str:
    """One body block as HTML. Plain Python, not a template macro: bodies are the
    bulk of an archive and a macro call per block dominated render time."""
    if b.type == "subheading":
        return f'<h2 class="subheading">{escape(b.text)}</h2>'
    if b.type == "table" and b.rows:
        head, body = (b.rows[0], b.rows[1:]) if len(b.rows) > 1 else (None, b.rows)
        parts = ['<div class="table-wrap" tabindex="0" role="region" aria-label="表格">', '<table class="data">']
        if head is not None:
            parts.append("<thead><tr>" + "".join(f'<th scope="col">{escape(c)}</th>' for c in head) + "</tr></thead>")
        parts.append("<tbody>")
        parts += ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in body]
        parts.append("</tbody></table></div>")
        return "\n".join(parts)
    if b.type == "list" and b.items:
        return '<ul class="body-list">' + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>"
    if b.type == "caption":
        return f'<figure class="photo"><figcaption>{escape(b.text)}</figcaption></figure>'
    if b.type == "signature":
        return f'<p class="signature">{_lines(b.text)}</p>'
    return f"<p>{_lines(b.text)}</p>"


def render_blocks(blocks) -> Markup:
    return Markup("\n".join(render_block(b) for b in blocks))


def render_source(lines: list[tuple[int, str]]) -> Markup:
    """The numbered source lines, escaped exactly as written."""
    return Markup("\n".join(f"<li><code>{escape(line)}</code></li>" for _, line in lines))


def render_markdown(text: str) -> Markup:
    """CommonMark with raw HTML off: an editor's `<script>` stays text."""
    from markdown_it import MarkdownIt  # only the about page needs it

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return Markup(md.render(text))


def plan_pages(archive: Archive, settings: Settings, env: Environment, extra_pages: dict | None) -> Iterator[Page]:
    """Every HTML/XML page of the site with its own data; shared data comes from `site_context`."""
    yield Page("index.html", "index.html", {"latest": archive.issues[: settings.latest_issues]})
    for path, chunk, pages_nav in stable_pages("issues/index.html", archive.issues, settings.items_per_page):
        yield Page(path, "issues.html", {"issues": chunk, "pager": pages_nav})

    for issue in archive.issues:
        url = urls.issue_url(issue)
        entries = archive.by_issue[url]
        yield Page(url, "issue.html", {"issue": issue, "entries": entries})
        for i, entry in enumerate(entries):
            yield Page(entry.url, "article.html", {
                "issue": issue,
                "article": entry.article,
                "entry": entry,
                "prev": entries[i - 1] if i > 0 else None,
                "next": entries[i + 1] if i + 1 < len(entries) else None,
                # related articles come from older issues only: their hash stands for the list
                "related": Lazy(related, archive, entry, key=archive.older_keys[url]),
            }, full=issue)

    yield Page("archive.html", "archive.html", {})
    for year, months in archive.years.items():
        yield Page(urls.year_url(year), "year.html", {"year": year, "months": months, "calendars": {
            m: month_calendar(year, m, days) for m, days in months.items()}})
        for month, days in months.items():
            yield Page(urls.month_url(year, month), "month.html", {
                "year": year, "month": month, "days": days, "weeks": month_calendar(year, month, days),
                "by_issue": {urls.issue_url(i): archive.by_issue[urls.issue_url(i)] for d in days.values() for i in d}})
            for day, issues in days.items():
                yield Page(urls.day_url(year, month, day), "day.html", {
                    "year": year, "month": month, "day": day, "issues": issues,
                    "by_issue": {urls.issue_url(i): archive.by_issue[urls.issue_url(i)] for i in issues}})

    for kind, _attr, label in TAXONOMIES:
        yield Page(urls.taxonomy_url(kind), "taxonomy.html",
                   {"kind": kind, "label": label, "terms": archive.terms[kind]})
        for term in archive.terms[kind]:
            for path, chunk, pages_nav in stable_pages(term.url, term.entries, settings.items_per_page):
                yield Page(path, "term.html", {
                    "kind": kind, "label": label, "term": term if pages_nav["head"] else None,
                    "name": term.name, "entries": chunk, "pager": pages_nav})

    about = settings.about_path
    about_html = render_markdown(about.read_text(encoding="utf-8")) if about.is_file() else Markup("")
    yield Page("about.html", "about.html", {"about_html": about_html})
    yield Page("404.html", "404.html", {})
    search_template = "search.html" if _has_template(env, "search.html") else "search_unavailable.html"
    yield Page("search.html", search_template, {})
    yield Page("feed.xml", "feed.xml", {
        "entries": archive.entries[: settings.feed_entries],
        "updated": _feed_updated(archive),
        "entry_id": entry_id,
    })
    yield Page("sitemap.xml", "sitemap.xml", {})
    for path, spec in (extra_pages or {}).items():
        template, context = (spec, {}) if isinstance(spec, str) else spec
        yield Page(path, template, dict(context))


def stable_pages(head: str, items: list, per_page: int) -> list[tuple[str, list, dict]]:
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


def site_context(archive: Archive, settings: Settings, page_path: str) -> dict[str, Any]:
    """Helpers bound to one page: `rel` is the way back to the root, `url()` links from here."""
    base_href = None
    rel = urls.root_prefix(page_path)
    if page_path == "404.html" and settings.base_url:
        # GitHub Pages serves 404.html at any depth: anchor its links to the site root.
        base_href, rel = settings.base_url + "/", ""

    def url(target: str) -> str:
        return rel + target if base_href is not None else urls.relative(page_path, target)

    def absolute(target: str) -> str:
        return f"{settings.base_url}/{target}" if settings.base_url else url(target)

    return {
        "site": settings,
        "archive": archive,
        "page_path": page_path,
        "rel": rel,
        "url": url,
        "absolute": absolute,
        "base_href": base_href,
        "canonical": f"{settings.base_url}/{page_path}" if settings.base_url and page_path != "404.html" else None,
    }


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


class PageKeys:
    """A page's key hashes its template set, the site settings and the package's code, its path and
    every value in its context (issues by fingerprint, entries by URL and fingerprint).
    Templates that read the `archive` global (home page, sitemap…) also hash the whole archive.
    """

    def __init__(self, env: Environment, archive: Archive, settings: Settings, template_dirs: list[Path], extra: str = ""):
        self.env, self.archive = env, archive
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
        self.base = h.hexdigest()
        self._archive_wide: dict[str, bool] = {}
        self._entries: dict[int, str] = {}

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
            for v in value:
                if type(v) is Entry:
                    parts.append(self._entry(v))
                else:
                    self._digest(v, parts)
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
        if key is None:
            # the issue's fingerprint covers its URL (date, slug) and the article's content
            key = self._entries[id(entry)] = f"e{self.archive.by_id[id(entry.issue)]}{entry.article.number}"
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
) -> "RenderStats":
    """Write the site's pages and assets to `out` (a folder, or an output.OutputTree).

    Pages whose key the previous build recorded are not rendered at all; with
    `load_full`, `issues` may be summaries (see `Article.summary`) and a page
    showing an article body loads its issue only when rendered.
    `extra_pages` maps a root-relative output path to a template name or a
    (template name, context) pair, rendered with the same helpers as every page.
    """
    import time

    started = time.perf_counter()
    output = as_output(out)
    template_dirs = template_dirs if template_dirs is not None else [settings.root / "templates"]
    static_dirs = static_dirs if static_dirs is not None else [settings.root / "static"]
    env = make_env(template_dirs, cache_dir / "templates" if cache_dir is not None else None)
    archive = build_archive(issues)
    keys = PageKeys(env, archive, settings, template_dirs, extra=repr(sorted((extra_pages or {}).items(), key=str)))
    job = RenderJob(env, archive, settings, output, load_full or (lambda issue: issue), keys, extra_pages)
    planned = time.perf_counter()
    if jobs > 1 and len(archive.entries) >= PARALLEL_MIN_ARTICLES and "fork" in multiprocessing.get_all_start_methods():
        pages, rendered = job.run_parallel(jobs)
    else:
        pages, rendered = job.run(0, 1)
    copy_static(static_dirs, output)
    done = time.perf_counter()
    return RenderStats(pages=pages, rendered=rendered, timings={
        "archive": round(planned - started, 4), "pages": round(done - planned, 4)})


@dataclass
class RenderStats:
    pages: int
    rendered: int  # the others kept the previous build's file (same key)
    timings: dict[str, float] = field(default_factory=dict)


PARALLEL_MIN_ARTICLES = 100  # below this, starting processes costs more than it saves
#: pages go to workers in runs of this many (an issue's pages stay together: its text loads once)
BLOCK = 64
#: the job a forked render worker inherits; set only around the fork
_FORKED_JOB: "RenderJob | None" = None


@dataclass
class RenderJob:
    """Plans the pages, keys them and renders those whose key changed. In parallel,
    every worker walks the same (cheap, deterministic) plan and takes every
    `shares`-th run of BLOCK pages: no process ever holds the whole plan."""

    env: Environment
    archive: Archive
    settings: Settings
    output: Any
    load_full: Callable[[Issue], Issue]
    keys: PageKeys
    extra_pages: dict | None = None

    def run(self, share: int, shares: int) -> tuple[int, int]:
        """In this process: pages planned, pages rendered (the output recorded the rest)."""
        pages, rendered, _records = self._run(share, shares)
        return pages, rendered

    def _run(self, share: int, shares: int) -> tuple[int, int, list[tuple[str, list[str], bool]]]:
        snippets = Snippets(self.env, self.archive, self.settings)
        templates: dict[str, Any] = {}
        done = []
        pages = rendered = 0
        full_of: tuple[Issue | None, Issue | None] = (None, None)
        for n, page in enumerate(plan_pages(self.archive, self.settings, self.env, self.extra_pages)):
            if (n // BLOCK) % shares != share:
                continue
            pages += 1
            page.key = self.keys.key(page)
            if self.output.unchanged(page.path, page.key):
                done.append((page.path, self.output.files[page.path], False))
                continue
            rendered += 1
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
            changed = self.output.write(page.path, template.render(context), page.key)
            done.append((page.path, self.output.files[page.path], changed))
        return pages, rendered, done

    def run_parallel(self, jobs: int) -> tuple[int, int]:
        """Fork workers that inherit the archive (no pickling); the parent records
        what each worker wrote or kept."""
        global _FORKED_JOB
        _FORKED_JOB = self
        pages = rendered = 0
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for share_pages, share_rendered, done in pool.starmap(_render_share, [(i, jobs) for i in range(jobs)]):
                    pages += share_pages
                    rendered += share_rendered
                    for path, entry, changed in done:
                        self.output.record(path, entry, changed)
        finally:
            _FORKED_JOB = None
        return pages, rendered


def _render_share(share: int, shares: int):
    return _FORKED_JOB._run(share, shares)
