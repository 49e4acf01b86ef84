"""Incremental builds: what a rebuild rewrites, and that it equals a cold build.

The archive is the five seed issues; the "new issue" is a seed's text under a
later date (front matter), as an editor adds the next day's page.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from newsarchive.output import MANIFEST, OutputTree
from newsarchive.pipeline import BUILD_RECORD, build
from newsarchive.site.plan import stable_pages

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "articles").glob("*.txt"))
BOOKKEEPING = {BUILD_RECORD, MANIFEST}


def tree(site: Path) -> dict[str, tuple[bytes, int, int]]:
    """path -> (bytes, inode, mtime) of every file but the build's own records."""
    out = {}
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and rel not in BOOKKEEPING:
            st = path.stat()
            out[rel] = (path.read_bytes(), st.st_ino, st.st_mtime_ns)
    return out


def assert_as_cold(articles: Path, out: Path, root: Path) -> None:
    """`out` holds what a cold build (no cache) of `articles` makes: the same files, byte for byte."""
    cold = root / "_cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(articles, cold, root=root, use_cache=False)
    a, b = tree(out), tree(cold)
    assert sorted(a) == sorted(b) and [p for p in a if a[p][0] != b[p][0]] == []


def _with_keyword_pages(page: bytes) -> bytes:
    """`page` with every keyword's search link turned into a link to the keyword's page."""
    return re.sub(rb'href="((?:\.\./)*)search\.html\?q=([^"]+)">\2<', rb'href="\1keyword/\2.html">\2<', page)


def new_issue_text(date: str) -> str:
    body = SAMPLES[1].read_text(encoding="utf-8")
    return f"---\ndate: {date}\npublication: 港闸报\n---\n{body}"


def seeds_in(folder: Path) -> Path:
    """`folder/articles` holding the five seed issues."""
    articles = folder / "articles"
    articles.mkdir()
    for sample in SAMPLES:
        shutil.copy(sample, articles / sample.name)
    return articles


@pytest.fixture(scope="module")
def steady_keywords():
    """Keyword document frequencies from the 36 seed articles only, as they would be in an
    archive past `REFERENCE_BASE` articles (below it every new article re-ranks all keywords)."""
    import newsarchive.tagging as tagging

    from newsarchive.search import layout

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tagging, "reference_size", lambda n: min(n, 36))
        # and the search's text dictionary trained on the oldest articles only (the seeds hold
        # ~46 KB of text code; below `ZSAMPLE` a new article joins its sample)
        patch.setattr(layout, "ZSAMPLE", 20_000)
        yield


@pytest.fixture(scope="module")
def grown(tmp_path_factory, steady_keywords):
    """A built archive of the seeds, then the same plus one newer issue, built incrementally."""
    tmp = tmp_path_factory.mktemp("incremental")
    articles = seeds_in(tmp)
    out = tmp / "_site"
    build(articles, out, root=tmp)
    before = tree(out)
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    report = build(articles, out, root=tmp)
    return tmp, out, before, tree(out), report


def test_adding_an_issue_rewrites_only_what_shows_it(grown):
    _tmp, _out, before, after, report = grown
    assert report.parsed == 1 and not report.skipped
    changed = {p for p in after if p in before and after[p][0] != before[p][0]}
    added = set(after) - set(before)
    assert set(before) - set(after) == set()
    assert any(p.startswith("2023/01/05/2023-01-05-next/") for p in added)
    for path in changed:
        # old article and issue pages change only where a keyword of one article now has two
        # (its link turns from a search into the keyword's page); related lists look only at
        # older issues
        if path.startswith(("2020/", "2022/")) and not (path.endswith("index.html") and path.count("/") <= 2):
            assert _with_keyword_pages(before[path][0]) == after[path][0], path
    assert "index.html" in changed  # (no feed without a base URL)
    # the data download is a pair of files per year: the new year's is added, the old years' kept
    assert "data/articles-2023.jsonl.gz" in added and not [p for p in changed if p.startswith("data/")]
    # old articles' text shards: same dictionary, same bytes; only the last shard may take in the new ones
    shards = sorted((p for p in before if p.startswith("search/d/")), key=lambda p: int(p.split("/")[-1].split(".")[0]))
    assert [p for p in changed if p.startswith("search/d/")] in ([], shards[-1:])
    untouched = [p for p in before if p in after and after[p][0] == before[p][0]]
    assert len(untouched) > len(before) * 0.5  # (the new issue repeats a seed, so it shows on many pages)
    for path in changed:
        counts = path == "about.html" or path.endswith("/index.html") and path.count("/") == 1  # (they count articles)
        if path.endswith(".html") and not counts and _with_keyword_pages(before[path][0]) != after[path][0]:
            assert b"2023/01/" in after[path][0] or b"2023-01-05" in after[path][0], path  # it shows the new issue
    for path in untouched:  # same bytes: the very same file (inode, mtime), not a rewrite
        assert after[path][1:] == before[path][1:], path


def test_below_the_reference_size_a_new_issue_re_ranks_keywords(tmp_path, monkeypatch):
    import newsarchive.tagging as tagging
    from newsarchive.tagging import keywords

    monkeypatch.setattr(tagging, "reference_size", keywords.reference_size)  # the module fixture's patch may be on
    articles = seeds_in(tmp_path)
    out = tmp_path / "_site"
    first = build(articles, out, root=tmp_path)
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    second = build(articles, out, root=tmp_path)
    assert second.parsed == 1 and second.rendered > first.rendered * 0.5  # all keywords ranked again


def test_incremental_build_equals_a_cold_build(grown, tmp_path):
    tmp, out, _before, after, _report = grown
    cold_out = tmp_path / "_cold"
    build(tmp / "articles", cold_out, root=tmp, use_cache=False)
    cold = tree(cold_out)
    assert sorted(cold) == sorted(after)
    differing = [p for p in cold if cold[p][0] != after[p][0]]
    assert differing == []


def test_removing_an_issue_removes_its_pages(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    for sample in SAMPLES[:2]:
        shutil.copy(sample, articles / sample.name)
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    assert (out / "2023/01/05/2023-01-05-next/index.html").is_file()
    (articles / "2023-01-05-next.txt").unlink()
    report = build(articles, out, root=tmp_path)
    assert report.removed > 0
    assert not (out / "2023").exists()  # files and the folders they leave empty


def test_output_tree_stages_until_commit(tmp_path):
    out = tmp_path / "site"
    first = OutputTree(out)
    first.write("a.html", "A")
    first.write("d/b.html", "B", key="k-b")
    first.commit()
    assert (out / "a.html").read_text() == "A" and (out / MANIFEST).is_file()
    inode = (out / "a.html").stat().st_ino

    second = OutputTree(out)
    assert second.incremental
    assert second.unchanged("d/b.html", "k-b") and not second.unchanged("d/b.html", "other")
    assert second.write("a.html", "A") is False  # same bytes: not staged
    second.write("c.html", "C")
    assert not (out / "c.html").exists()  # nothing touches the site before commit
    second.abort()
    assert not (out / "c.html").exists() and (out / "d/b.html").is_file()

    third = OutputTree(out)
    third.write("a.html", "A")
    third.write("c.html", "C")
    third.commit()  # d/b.html neither written nor kept: removed
    assert (out / "a.html").stat().st_ino == inode
    assert (out / "c.html").read_text() == "C" and not (out / "d").exists()


def test_a_file_deleted_by_hand_is_written_again(tmp_path):
    out = tmp_path / "site"
    first = OutputTree(out)
    first.write("a.html", "A", key="k")
    first.commit()
    (out / "a.html").unlink()
    second = OutputTree(out)
    assert not second.unchanged("a.html", "k")
    assert second.write("a.html", "A") is True
    second.commit()
    assert (out / "a.html").read_text() == "A"


def _settled(out: Path) -> None:
    """Let the clock move on past the commit, as between two real builds: the manifest
    is then strictly newer than every folder the commit changed (see `OutputTree._on_disk`)."""
    import time

    time.sleep(0.05)
    os.utime(out / MANIFEST)


def test_folders_unchanged_since_the_manifest_are_not_listed(tmp_path, monkeypatch):
    out = tmp_path / "site"
    first = OutputTree(out)
    for path in ("a.html", "d/b.html", "d/e/c.html"):
        first.write(path, path, key="k")
    first.commit()
    _settled(out)
    listed = []
    real = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p: (listed.append(p), real(p))[1])
    second = OutputTree(out)
    assert second.unchanged("a.html", "k") and second.unchanged("d/b.html", "k") and second.unchanged("d/e/c.html", "k")
    assert listed == []
    second.abort()
    os.utime(out / "d")  # its ctime is now newer than the manifest (whatever its mtime says)
    third = OutputTree(out)
    assert third.unchanged("d/b.html", "k") and listed == [str(out / "d")]  # listed, not trusted
    third.abort()


def test_a_file_deleted_by_hand_long_after_the_build_is_written_again(tmp_path):
    out = tmp_path / "site"
    first = OutputTree(out)
    first.write("d/a.html", "A", key="k")
    first.write("d/b.html", "B", key="k")
    first.commit()
    _settled(out)
    (out / "d" / "a.html").unlink()  # the folder's ctime is now newer than the manifest
    second = OutputTree(out)
    assert second.unchanged("d/b.html", "k")
    assert not second.unchanged("d/a.html", "k")
    assert second.write("d/a.html", "A") is True
    second.commit()
    assert (out / "d" / "a.html").read_text() == "A"


def test_a_manifest_from_the_future_trusts_no_folder(tmp_path, monkeypatch):
    import time

    out = tmp_path / "site"
    first = OutputTree(out)
    first.write("d/a.html", "A", key="k")
    first.write("d/b.html", "B", key="k")
    first.commit()
    ahead = time.time_ns() + 3600 * 10**9
    os.utime(out / MANIFEST, ns=(ahead, ahead))  # the clock was set back since
    (out / "d" / "a.html").unlink()
    second = OutputTree(out)
    assert second.unchanged("d/b.html", "k") and not second.unchanged("d/a.html", "k")
    second.abort()


def test_a_failed_commit_leaves_the_previous_site_and_its_manifest(tmp_path, monkeypatch):
    from newsarchive.output import OutputError

    out = tmp_path / "site"
    first = OutputTree(out)
    first.write("a.html", "A")
    first.commit()
    second = OutputTree(out)
    second.write("a.html", "A2")
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OutputError):
        second.commit()
    monkeypatch.undo()
    assert (out / "a.html").read_text() == "A"
    assert OutputTree(out).incremental  # (undone: the manifest still describes the site; see test_hostile.py)


@pytest.mark.parametrize("n", [0, 1, 19, 20, 21, 39, 40, 41, 60, 99, 100, 101])
def test_stable_pages_cover_everything_once_in_fixed_groups(n):
    items = list(range(n, 0, -1))  # newest first
    pages = stable_pages("k/a.html", items, 20)
    assert pages[0][0] == "k/a.html"
    shown = [i for _path, chunk, _nav in pages for i in chunk]
    assert sorted(shown) == sorted(items) and len(shown) == n
    for path, chunk, nav in pages[1:]:
        g = nav["group"]
        assert path == f"k/a-{g}.html" and chunk == list(range(g * 20, (g - 1) * 20, -1))
    # one more item: every group page but the newest keeps its items and links
    grown = stable_pages("k/a.html", [n + 1] + items, 20)
    old = {path: (chunk, nav) for path, chunk, nav in pages[2:]}
    new = {path: (chunk, nav) for path, chunk, nav in grown}
    assert all(new[path] == old[path] for path in old)


def test_parallel_cold_build_of_many_files_finishes(tmp_path):
    """More files than workers' chunks, in a separate process: the parse and render workers
    fork from a parent that has loaded its dictionaries, and every one exits."""
    import subprocess
    import sys

    PREFETCH_FROM = 20
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(PREFETCH_FROM + 5):
        text = new_issue_text(f"2023-{1 + n // 28:02d}-{1 + n % 28:02d}")
        (articles / f"issue-{n:02d}.txt").write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "newsarchive.cli", "build", "--src", str(articles),
                           "--out", str(tmp_path / "_site"), "--jobs", "2", "--quiet"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"built {PREFETCH_FROM + 5} issues" in done.stdout


# -- the one-issue rebuild: whole groups of pages the previous build recorded are kept
# unplanned (`PageRecord`), and jieba's IDF table is read from the cache folder
# (`SortedIDF`); with jobs > 1 or 1, the output is a cold build's

@pytest.fixture
def few_reference_articles(monkeypatch):
    """An archive past the reference size: a new issue re-ranks nobody else's keywords."""
    import newsarchive.tagging as tagging

    monkeypatch.setattr(tagging, "reference_size", lambda n: min(n, 36))


def archive_of(tmp: Path, n: int = len(SAMPLES)) -> Path:
    articles = tmp / "articles"
    articles.mkdir(parents=True)
    for sample in SAMPLES[:n]:
        shutil.copy(sample, articles / sample.name)
    return articles


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the workers fork")


@needs_fork
def test_parallel_one_issue_rebuild_equals_a_cold_build(tmp_path, few_reference_articles):
    articles = archive_of(tmp_path)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path, jobs=2)
    before = tree(out)
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    report = build(articles, out, root=tmp_path, jobs=2)
    after = tree(out)
    assert report.parsed == 1
    cold = tmp_path / "_cold"
    build(articles, cold, root=tmp_path, use_cache=False)
    cold_tree = tree(cold)
    assert sorted(cold_tree) == sorted(after)
    assert [p for p in cold_tree if cold_tree[p][0] != after[p][0]] == []
    # pages of the older issues were neither rendered nor rewritten, unless a keyword of one
    # article reached a second (the new issue repeats a seed)
    old_pages = [p for p in before if p.startswith(("2020/", "2022/")) and p.count("/") > 3]
    kept = [p for p in old_pages if after[p][1:] == before[p][1:]]
    assert kept and all(_with_keyword_pages(before[p][0]) == after[p][0] for p in set(old_pages) - set(kept))
    # (about half: the repeated seed's keywords, people and places each gain an article)
    assert report.rendered < len([p for p in after if p.endswith(".html")]) * 0.6


@needs_fork
def test_a_second_new_issue_and_an_edit_also_equal_a_cold_build(tmp_path, few_reference_articles):
    articles = archive_of(tmp_path, 3)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path, jobs=2)
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    build(articles, out, root=tmp_path, jobs=2)
    (articles / "2023-01-06-next.txt").write_text(new_issue_text("2023-01-06").replace("港闸报", "崇川报"), encoding="utf-8")
    edited = articles / SAMPLES[0].name
    edited.write_text(edited.read_text(encoding="utf-8") + "\n追加的一句话。\n", encoding="utf-8")
    report = build(articles, out, root=tmp_path, jobs=2)
    assert report.parsed == 2
    assert_as_cold(articles, out, tmp_path)


def test_a_page_deleted_by_hand_in_a_kept_group_is_written_again(tmp_path, few_reference_articles):
    articles = archive_of(tmp_path, 2)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    victim = next(p for p in sorted(out.rglob("*.html")) if p.parent.parent.parent.parent == out)  # an article page
    content = victim.read_bytes()
    victim.unlink()
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    build(articles, out, root=tmp_path)
    assert victim.read_bytes() == content


def test_a_stale_page_record_costs_a_render_not_a_stale_page(tmp_path, few_reference_articles):
    """The record says a group's pages are there with some keys; the manifest is what is trusted."""
    from newsarchive.site.render import PageRecord

    articles = archive_of(tmp_path, 2)
    out = tmp_path / "_site"
    cache = tmp_path / ".newsarchive-cache"
    build(articles, out, root=tmp_path)
    record = (cache / PageRecord.FILE).read_bytes()
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    build(articles, out, root=tmp_path)
    (cache / PageRecord.FILE).write_bytes(record)  # the record of the build before
    (articles / "2023-01-05-next.txt").unlink()
    build(articles, out, root=tmp_path)
    assert_as_cold(articles, out, tmp_path)


def test_a_build_that_fails_before_its_commit_leaves_nothing_to_trust(tmp_path, monkeypatch):
    """The search stage saves its cache before the site is committed: the next build must
    go by what the site holds (its manifest), not by what the failed build meant to write."""
    articles = seeds_in(tmp_path)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")

    def interrupted(self):
        raise RuntimeError("interrupted before the commit")

    with monkeypatch.context() as patch:
        patch.setattr(OutputTree, "commit", interrupted)
        with pytest.raises(RuntimeError):
            build(articles, out, root=tmp_path)
    build(articles, out, root=tmp_path)
    cold = tmp_path / "_cold"
    build(articles, cold, root=tmp_path, use_cache=False)
    after, want = tree(out), tree(cold)
    assert sorted(after) == sorted(want)
    assert [p for p in want if want[p][0] != after[p][0]] == []


def test_a_rebuild_reuses_stored_list_items_and_equals_a_cold_build(tmp_path, few_reference_articles, monkeypatch):
    """Term head and month pages keep their list items (`SnippetStore`): adding an issue
    renders only the items that were not on those pages before, the bytes are a cold build's."""
    import newsarchive.site.render as render

    articles = archive_of(tmp_path)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    assert list((tmp_path / ".newsarchive-cache" / "snippets").glob("*.marshal"))
    asked, made = [], []
    real_item = render.Snippets.entry_item

    def counting(self, page_path, entry, show_issue=True):
        asked.append(page_path)
        before = len(self.items)
        html = real_item(self, page_path, entry, show_issue)
        if self.shown is not None and len(self.items) > before and self.stored.get(f"{self.entry_key(entry)}|{int(show_issue)}") is None:
            made.append(page_path)
        return html

    monkeypatch.setattr(render.Snippets, "entry_item", counting)
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    build(articles, out, root=tmp_path)
    on_heads = [p for p in asked if p.startswith(("keyword/", "topic/", "district/", "street/"))]
    made_on_heads = [p for p in made if p.startswith(("keyword/", "topic/", "district/", "street/"))]
    assert on_heads and len(made_on_heads) < len(on_heads) / 2
    assert_as_cold(articles, out, tmp_path)


def test_stored_list_items_of_another_base_or_page_are_not_used(tmp_path):
    from newsarchive.site.render import SnippetStore

    store = SnippetStore(tmp_path / "snippets", "base-1")
    store.save("keyword/a.html", {"e1|1": "<li>1</li>"}, None)
    assert store.load("keyword/a.html") == {"e1|1": "<li>1</li>"}
    assert SnippetStore(tmp_path / "snippets", "base-2").load("keyword/a.html") == {}  # code, templates or settings changed
    assert store.load("keyword/b.html") == {}
    (tmp_path / "snippets" / store._file("keyword/a.html").name).write_bytes(b"not marshal")
    assert store.load("keyword/a.html") == {}


def test_macros_that_read_the_archive_get_no_item_store(tmp_path, few_reference_articles):
    from newsarchive.pipeline import PROJECT_DIR

    articles = archive_of(tmp_path, 2)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    macros = templates / "_macros.html"
    macros.write_text(macros.read_text(encoding="utf-8").replace(
        '<li class="entry">', '<li class="entry" data-of="{{ archive.issues|length }}">', 1), encoding="utf-8")
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    assert 'data-of="2"' in next((out / "keyword").glob("*.html")).read_text(encoding="utf-8")
    assert not (tmp_path / ".newsarchive-cache" / "snippets").exists()
    (articles / "2023-01-05-next.txt").write_text(new_issue_text("2023-01-05"), encoding="utf-8")
    build(articles, out, root=tmp_path)
    assert_as_cold(articles, out, tmp_path)


def test_an_archives_templates_override_the_packaged_ones_file_by_file(tmp_path, few_reference_articles):
    """A `templates/` folder with one file changes that file only; the pages of templates it
    lacks (one added by a later release, say) still come from the package."""
    articles = archive_of(tmp_path, 2)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text("<!doctype html><title>没有这一页</title><p>自定义</p>\n", encoding="utf-8")
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    assert "自定义" in (out / "404.html").read_text(encoding="utf-8")
    assert (out / "about.html").is_file() and "<article" in next(out.glob("20*/*/*/*/1.html")).read_text(encoding="utf-8")


@needs_fork
def test_terms_older_pages_follow_new_edited_and_back_dated_issues(tmp_path, few_reference_articles):
    """A term's older pages are kept by a key naming their entries without hashing them
    (their count, the first one's issue and the issues older than it): every change to
    those entries still renders them again, as a cold build would."""
    (tmp_path / "site.yaml").write_text("items_per_page: 2\n", encoding="utf-8")
    articles = archive_of(tmp_path)
    out = tmp_path / "_site"

    build(articles, out, root=tmp_path, jobs=2)
    older = [p for p in tree(out) if p.startswith(("district/", "street/", "topic/", "keyword/")) and "-" in p.rpartition("/")[2]]
    assert older  # terms with older pages
    originals = sorted(articles.glob("*.txt"))
    for day in ("05", "06"):  # the boundary between head and older pages moves, within an issue too
        (articles / f"2023-01-{day}-next.txt").write_text(new_issue_text(f"2023-01-{day}"), encoding="utf-8")
        build(articles, out, root=tmp_path, jobs=2)
        assert_as_cold(articles, out, tmp_path)
    for issue in originals:  # each issue's headlines edited in turn: shown on the older pages it is on
        lines = issue.read_text(encoding="utf-8").split("\n")
        issue.write_text("\n".join(f"{line}（修订）" if 4 <= len(line) <= 30 and not line.endswith(("。", "”")) else line
                                    for line in lines), encoding="utf-8")
        build(articles, out, root=tmp_path, jobs=2)
        assert_as_cold(articles, out, tmp_path)
    (articles / "2001-01-01-early.txt").write_text(new_issue_text("2001-01-01"), encoding="utf-8")  # the oldest now
    build(articles, out, root=tmp_path, jobs=2)
    assert_as_cold(articles, out, tmp_path)


def test_the_catalog_saves_few_changes_apart_from_the_whole(tmp_path):
    from newsarchive.model import Issue
    from newsarchive.pipeline import Catalog

    def issue(n: int) -> Issue:
        return Issue(source=f"articles/{n}.txt", slug=str(n), date="2023-01-01", content_key=f"k{n}")

    table = object()
    Catalog({f"k{n}": issue(n) for n in range(100)}, table).save(tmp_path, "v")
    whole = (tmp_path / Catalog.FILE).read_bytes()
    base = Catalog.load(tmp_path, "v")
    grown = Catalog({**{k: v for k, v in base.issues.items() if k != "k7"}, "k100": issue(100)}, base.table)
    grown.save(tmp_path, "v", since=base)
    assert (tmp_path / Catalog.FILE).read_bytes() == whole and (tmp_path / Catalog.MORE).is_file()
    again = Catalog.load(tmp_path, "v")
    assert sorted(again.issues) == sorted(grown.issues) and again.issues["k100"].slug == "100"
    # the next change still counts against the whole file
    Catalog({**again.issues, "k101": issue(101)}, again.table).save(tmp_path, "v", since=again)
    assert sorted(Catalog.load(tmp_path, "v").issues) == sorted([*grown.issues, "k101"])
    # another keyword table, or many changes: the whole file again, and no changes apart
    Catalog(dict(again.issues), object()).save(tmp_path, "v", since=again)
    assert (tmp_path / Catalog.FILE).read_bytes() != whole and not (tmp_path / Catalog.MORE).exists()
    last = Catalog.load(tmp_path, "v")
    many = {f"k{n}": issue(n) for n in range(200, 300)}
    Catalog(many, last.table).save(tmp_path, "v", since=last)
    assert not (tmp_path / Catalog.MORE).exists() and sorted(Catalog.load(tmp_path, "v").issues) == sorted(many)
    # changes saved against a whole file that was replaced since are not applied to it
    stale = Catalog.load(tmp_path, "v")
    Catalog({**stale.issues, "k1": issue(1)}, stale.table).save(tmp_path, "v", since=stale)
    more = (tmp_path / Catalog.MORE).read_bytes()
    Catalog({**stale.issues}, stale.table).save(tmp_path, "v")  # a whole file, with a new token
    (tmp_path / Catalog.MORE).write_bytes(more)
    assert "k1" not in Catalog.load(tmp_path, "v").issues


@needs_fork
@pytest.mark.parametrize("folder", ["more", "0-first"])
def test_files_sharing_a_stem_keep_apart_through_small_rebuilds(tmp_path, few_reference_articles, folder):
    """Slugs deduped in one build are saved as parsed (the renames are put back while the
    catalog is saved): when the clash goes, so does the `-2`. The new file sorts after the
    old one ("more": it is renamed) or before it ("0-first": a known issue is renamed)."""
    from newsarchive.pipeline import Catalog
    from newsarchive.tagging import data_version

    articles = archive_of(tmp_path)
    (articles / folder).mkdir()
    stem = SAMPLES[0].name
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path, jobs=2)
    (articles / folder / stem).write_text(new_issue_text("2023-01-05"), encoding="utf-8")  # same stem, another folder
    report = build(articles, out, root=tmp_path, jobs=2)
    assert report.parsed == 1
    catalog = Catalog.load(tmp_path / ".newsarchive-cache", data_version(None))
    slugs = sorted(i.slug for i in catalog.issues.values())
    assert not any(s.endswith("-2") for s in slugs) and len(set(slugs)) == len(slugs) - 1
    assert any(p.name.endswith("-2") for p in out.rglob("*") if p.is_dir())
    assert_as_cold(articles, out, tmp_path)
    (articles / stem).unlink()  # the clash goes: the other file takes the plain slug again
    build(articles, out, root=tmp_path, jobs=2)
    assert_as_cold(articles, out, tmp_path)
    assert not any(p.name.endswith("-2") for p in out.rglob("*") if p.is_dir())
