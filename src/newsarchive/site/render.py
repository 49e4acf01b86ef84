"""Render the archive to static files: the stage that turns Issues into the site.

`render_site` indexes the issues (`archive`), asks the plan (`plan`) for the
site's page groups, keeps every group and page the previous build made from the
same inputs (`records`), renders the others in the jinja environment (`env`,
list items through `snippets`), on several cores when there are many
(`runtime.Workers`), and writes the static assets and the data download (`data`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from jinja2 import Environment

from ..model import Issue
from ..output import as_output
from .archive import Archive, ArchiveRecord, build_archive
from .data import write_data
from .env import citation, make_env, site_context, source_view
from .plan import Page, PageGroup, plan_groups
from .records import PageKeys, PageRecord, page_base
from .settings import Settings
from .snippets import Snippets, SnippetStore

if TYPE_CHECKING:
    from ..runtime import Clock

#: with fewer pages to render than this, starting workers costs more than it saves
PARALLEL_MIN_PAGES = 300
#: pages go to the workers in runs of about this many; a group's pages stay in one run
#: (an issue's full text is loaded once for all its article pages)
BLOCK = 64

#: groups to plan, key and render, with their group keys ('' for pages keyed one by one)
Todo = list[tuple[str, PageGroup]]


@dataclass
class RenderStats:
    pages: int
    rendered: int  # the others kept the previous build's file (same key)


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
    clock: "Clock | None" = None,
) -> RenderStats:
    """Write the site's pages and assets to `out` (a folder, or an output.OutputTree).

    Pages whose key the previous build recorded are not rendered at all, and
    groups of pages it recorded whole (`PageRecord`, in `cache_dir`) are not
    even planned; with `load_full`, `issues` may be summaries (see
    `Article.summary`) and a page showing an article body loads its issue only
    when rendered. `extra_pages` maps a root-relative output path to a template
    name or a (template name, context) pair, rendered with the same helpers as every page.
    `clock` (the caller's `clock.child("render")`) times the phases.
    """
    if clock is None:
        from ..runtime import Clock  # (multiprocessing: imported when a build renders, not with the package)

        clock = Clock()
    output = as_output(out)
    template_dirs = template_dirs if template_dirs is not None else [settings.root / "templates"]
    static_dirs = static_dirs if static_dirs is not None else [settings.root / "static"]
    base = page_base(settings, template_dirs, extra=repr(sorted((extra_pages or {}).items(), key=str)))
    record = PageRecord.load(cache_dir if getattr(output, "incremental", False) else None, base)
    clock.lap("base")
    env = make_env(template_dirs, cache_dir / "templates" if cache_dir is not None else None)
    clock.lap("env")
    terms_record = ArchiveRecord(cache_dir) if cache_dir is not None else None
    archive = build_archive(issues, terms_record)
    clock.lap("archive")
    keys = PageKeys(env, archive, base, record)
    # list items kept between builds: not when the macros read the archive (an item would depend on all of it)
    store = SnippetStore(cache_dir / "snippets", base) if cache_dir is not None and not keys.archive_wide("_macros.html") else None
    job = RenderJob(env, archive, settings, output, load_full or _as_it_is, keys, store)
    clock.lap("pagekeys")
    kept, records = job.keep_recorded(plan_groups(archive, settings, env, extra_pages), record)
    clock.lap("groups")
    pages, rendered = job.render_todo(records, jobs)
    clock.lap("pages")
    copy_static(static_dirs, output)
    write_data(archive, settings, output, keys.base, cache_dir)
    PageRecord(keys.base, keys.known_wide(), records).save(cache_dir)
    if terms_record is not None:
        terms_record.save(archive)
    clock.lap("finish")
    return RenderStats(pages=kept + pages, rendered=rendered)


def _as_it_is(issue: Issue) -> Issue:
    return issue


@dataclass
class RunDone:
    """What rendering a run of groups did, for the process that records the build."""

    pages: int = 0  # pages keyed
    rendered: int = 0
    #: (path, manifest entry, whether its bytes changed) of every page, kept or written
    files: list[tuple[str, list[str], bool]] = field(default_factory=list)
    #: group key -> the group's [path, page key, …] (see `PageRecord`)
    groups: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RenderJob:
    """The groups to do (`todo`), and what keying and rendering their pages needs.

    It is the render workers' state: they inherit it when forked and are sent only
    runs of `todo` (index ranges), so no process but this one holds the plan, and
    each worker plans only its own runs' pages.
    """

    env: Environment
    archive: Archive
    settings: Settings
    output: Any
    load_full: Callable[[Issue], Issue]
    keys: PageKeys
    store: SnippetStore | None = None
    todo: Todo = field(default_factory=list)
    #: this process's list items (a worker makes its own)
    _snippets: Snippets | None = field(default=None, repr=False)

    def keep_recorded(self, groups: Iterable[PageGroup], record: PageRecord) -> tuple[int, dict[str, list[str]]]:
        """Keep every group whose key `record` holds with its files still in the site;
        the others go to `todo`. Returns the pages kept and the kept groups' records."""
        kept, records, seen = 0, {}, set()
        for group in groups:
            group_key = self.keys.group(group)
            if group_key in seen:  # identities are unique; were two keys ever equal, the second is keyed page by page
                group_key = ""
            seen.add(group_key)
            recorded = record.kept(group_key, self.output)
            if recorded is not None:
                kept += len(recorded) // 2
                records[group_key] = recorded
            else:
                self.todo.append((group_key, group))
        return kept, records

    def render_todo(self, records: dict[str, list[str]], jobs: int) -> tuple[int, int]:
        """Key and render the pages of `todo` on up to `jobs` processes: pages keyed, pages
        rendered; each group's [path, key, …] goes into `records`."""
        from ..runtime import Workers  # (multiprocessing: imported when a build renders, not with the package)

        runs = self.runs()
        with Workers(jobs, state=self) as workers:
            forked = workers.parallel_for(len(runs))
            if forked:
                # key here first: most pages of the groups to do may be unchanged (a term's
                # older pages), and a few pages to render are not worth starting workers
                renders = self.pages_to_render(records, limit=PARALLEL_MIN_PAGES)
                if renders is not None:
                    return sum(group.size for _, group in self.todo), sum(1 for _ in self.render(renders))
            done = workers.map(render_run, runs)
        pages = rendered = 0
        for run in done:
            pages += run.pages
            rendered += run.rendered
            if forked:  # a worker's copy of the output did it: the build's output records it
                for path, entry, changed in run.files:
                    self.output.record(path, entry, changed)
            records.update(run.groups)
        return pages, rendered

    def runs(self) -> list[tuple[int, int]]:
        """`todo` in runs of about BLOCK pages, each a [start, stop) range of whole groups."""
        runs, start, size = [], 0, 0
        for i, (_key, group) in enumerate(self.todo):
            size += group.size
            if size >= BLOCK:
                runs.append((start, i + 1))
                start, size = i + 1, 0
        if start < len(self.todo):
            runs.append((start, len(self.todo)))
        return runs

    def pages_to_render(self, records: dict[str, list[str]], limit: int) -> list[Page] | None:
        """Key every page of `todo`: the pages whose key changed (the output keeps the
        others), and each group's [path, key, …] into `records`; None as soon as more
        than `limit` pages need rendering."""
        renders = []
        made: dict[str, list[str]] = {}
        for page, unchanged in self._keyed(self.todo, made):
            if not unchanged:
                renders.append(page)
                if len(renders) > limit:
                    return None
        records.update(made)
        return renders

    def run(self, groups: Todo) -> RunDone:
        """Key the pages of `groups` and render those whose key changed."""
        done = RunDone()
        files = self.output.files

        def changed_keys() -> Iterator[Page]:
            for page, unchanged in self._keyed(groups, done.groups):
                done.pages += 1
                if unchanged:
                    done.files.append((page.path, files[page.path], False))
                else:
                    yield page

        for page, changed in self.render(changed_keys()):
            done.rendered += 1
            done.files.append((page.path, files[page.path], changed))
        return done

    def _keyed(self, groups: Todo, made: dict[str, list[str]]) -> Iterator[tuple[Page, bool]]:
        """(page, unchanged) for every page of `groups`, its key set (the output keeps an
        unchanged page's file); each group's [path, key, …] goes into `made`."""
        for group_key, group in groups:
            record: list[str] = []
            for page in group.plan():
                page.key = self.keys.key(page)
                record += (page.path, page.key)
                yield page, self.output.unchanged(page.path, page.key)
            if group_key:
                made[group_key] = record

    def render(self, pages: Iterable[Page]) -> Iterator[tuple[Page, bool]]:
        """Render keyed pages into the output: (page, whether its file changed)."""
        if self._snippets is None:
            self._snippets = Snippets(self.env, self.archive, self.settings, self.store, self.keys.entry_key)
        snippets = self._snippets
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
                self._show_full(context, full_of[1])
            template = templates.get(page.template) or templates.setdefault(page.template, self.env.get_template(page.template))
            html = template.render(context)
            snippets.end(page)
            yield page, self.output.write(page.path, html, page.key)

    def _show_full(self, context: dict, issue: Issue) -> None:
        """The full issue, instead of its summary, in an article page's context."""
        article = next(a for a in issue.articles if a.number == context["article"].number)
        context.update(issue=issue, article=article, citation=citation(issue, article, self.settings),
                       source=source_view(issue, article))


def render_run(job: RenderJob, run: tuple[int, int]) -> RunDone:
    """A worker's task (see `runtime.Workers`): one run of the job's groups."""
    start, stop = run
    return job.run(job.todo[start:stop])


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
