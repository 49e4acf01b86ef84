"""Editors' commands: check, new, the parse cache, serve's live reload."""
from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from newsarchive.cache import ParseCache
from newsarchive.cli import main
from newsarchive.pipeline import parse_files

from conftest import SAMPLES

GBK_ISSUE = "陈桥街道开展“春风行动”\n\n志愿者为困难学生辅导作业\n\n4日上午,港闸区陈桥街道青年志愿者如约来到雨欣家陪同上课。\n\n·郭玉红 任溢斌·\n"


def test_check_reports_file_line_severity_and_hint(tmp_path):
    (tmp_path / "2020-03-05-gbk.txt").write_bytes(GBK_ISSUE.encode("gbk"))
    (tmp_path / "broken.txt").write_text("---\ndate: [2020\n---\n标题\n", encoding="utf-8")
    (tmp_path / "nodate.txt").write_text("标题一\n\n正文没有日期。\n\n张军\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(f"{tmp_path}/broken.txt:2: error: broken front matter") for line in lines)
    assert any("nodate.txt:1: warning: no issue date" in line and "[" in line for line in lines)
    assert not any("gbk.txt" in line and "error" in line for line in lines)

    as_json = runner.invoke(main, ["check", "--format", "json", str(tmp_path / "2020-03-05-gbk.txt")])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["errors"] == 0


def test_check_finds_duplicates_across_files(tmp_path):
    for name in ("2020-03-05-a.txt", "2020-03-06-b.txt"):
        (tmp_path / name).write_text(GBK_ISSUE, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert "also appears in" in result.output


def test_new_writes_a_file_that_check_accepts(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["new", "--date", "2020-05-19", "--publication", "港闸报", "--page", "2", "--dir", str(tmp_path)])
    assert result.exit_code == 0
    path = Path(result.output.strip())
    assert path.name == "2020-05-19-p2.txt"
    text = path.read_text(encoding="utf-8")
    assert "publication: 港闸报" in text and "date: 2020-05-19" in text
    second = runner.invoke(main, ["new", "--date", "2020-05-19", "--page", "2", "--dir", str(tmp_path)])
    assert Path(second.output.strip()).name == "2020-05-19-p2-2.txt"
    assert runner.invoke(main, ["check", str(path)]).exit_code == 0
    assert runner.invoke(main, ["new", "--date", "19 May", "--dir", str(tmp_path)]).exit_code != 0


def test_parse_cache_reuses_unchanged_files(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    first = parse_files(SAMPLES, cache=cache)
    assert cache.misses == len(SAMPLES) and cache.hits == 0
    again = ParseCache(tmp_path / "cache")
    second = parse_files(SAMPLES, cache=again)
    assert again.hits == len(SAMPLES)
    assert [i.to_dict() for i in first.issues] == [i.to_dict() for i in second.issues]
    assert second.issues[0].source_lines == first.issues[0].source_lines


def test_parse_cache_lists_its_folder_once(tmp_path, monkeypatch):
    import os

    from newsarchive.model import Issue

    cache = ParseCache(tmp_path / "cache")
    assert not cache.has("a")  # no folder yet
    cache.put("a", Issue(source="a.txt"))
    cache.put("b", Issue(source="b.txt"))
    (tmp_path / "cache" / "parse" / ".c.pickle.1.tmp").write_bytes(b"")  # a writer's temporary file
    fresh = ParseCache(tmp_path / "cache")
    listed = []
    real = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p: (listed.append(p), real(p))[1])
    assert fresh.has("a") and fresh.has("b") and not fresh.has("c")
    assert len(listed) == 1
    fresh.put("c", Issue(source="c.txt"))
    assert fresh.has("c")
    fresh.prune({"a", "c"})
    assert not fresh.has("b") and fresh.has("a") and fresh.has("c")
    assert sorted(p.name for p in (tmp_path / "cache" / "parse").iterdir()) == [".c.pickle.1.tmp", "a.pickle", "c.pickle"]
    assert fresh.get("a").source == "a.txt"


def test_parallel_parse_matches_serial():
    serial = parse_files(SAMPLES)
    parallel = parse_files(SAMPLES, jobs=2)
    assert [i.to_dict() for i in serial.issues] == [i.to_dict() for i in parallel.issues]


def test_serve_injects_live_reload(tmp_path):
    import http.server

    from newsarchive.serve import RELOAD_PATH, BuildCounter, make_handler

    (tmp_path / "index.html").write_text("<html><body><p>hi</p></body></html>", encoding="utf-8")
    counter = BuildCounter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(tmp_path, counter))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        page = urllib.request.urlopen(base + "/index.html", timeout=5).read().decode()
        assert RELOAD_PATH in page and page.index(RELOAD_PATH) < page.index("</body>")
        assert urllib.request.urlopen(base + RELOAD_PATH, timeout=5).read() == b"0"
        counter.bump()
        assert urllib.request.urlopen(base + RELOAD_PATH, timeout=5).read() == b"1"
        assert (tmp_path / "index.html").read_text(encoding="utf-8").count("script") == 0
    finally:
        server.shutdown()


def test_rebuilds_skip_when_unchanged_and_keep_untouched_pages(tmp_path):
    import shutil

    from newsarchive.pipeline import build

    articles = tmp_path / "articles"
    articles.mkdir()
    for sample in SAMPLES[:2]:
        shutil.copy(sample, articles / sample.name)
    out = tmp_path / "_site"
    first = build(articles, out, root=tmp_path)
    assert not first.skipped and (out / "index.html").is_file()
    # an article page of an old issue: a new issue changes neither it nor its inode
    # (the about page names the archive's date range, so it does change)
    kept = sorted(p for p in out.glob("20*/**/*.html") if p.parent.name != p.parents[1].name)[0]
    kept_inode = kept.stat().st_ino

    again = build(articles, out, root=tmp_path)
    assert again.skipped and again.articles == first.articles

    (articles / "2022-06-09-new.txt").write_text(
        "金沙街道开展专题研讨\n\n6月8日,通州区金沙街道党工委开展专题学习研讨活动。\n\n·赵勇进·\n", encoding="utf-8")
    third = build(articles, out, root=tmp_path)
    assert not third.skipped and third.issues == first.issues + 1
    assert (out / "2022/06/09/2022-06-09-new/1.html").is_file()
    assert kept.stat().st_ino == kept_inode  # untouched page: same file
    assert 0 < third.rewritten < sum(1 for p in out.rglob("*") if p.is_file())


def test_failed_build_leaves_previous_site(tmp_path, monkeypatch):
    import shutil

    import newsarchive.site as site
    from newsarchive.pipeline import build

    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SAMPLES[0], articles / SAMPLES[0].name)
    out = tmp_path / "_site"
    build(articles, out, root=tmp_path)
    before = (out / "index.html").read_bytes()
    (articles / "2022-06-09-new.txt").write_text("新标题\n\n6月8日,正文。\n\n张军\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(site, "render_site", broken)
    try:
        build(articles, out, root=tmp_path)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the build should have failed")
    assert (out / "index.html").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("._site.build-")]


def test_build_command_freezes_the_heap_only_at_exit(tmp_path, monkeypatch):
    """The shutdown's collection would walk everything a build leaves: `build` registers
    gc.freeze to run at exit (once), and freezes nothing in the meantime."""
    import atexit
    import gc
    import shutil

    import newsarchive.runtime as runtime

    registered = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(runtime, "_EXIT_FREEZE", [])
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SAMPLES[0], articles / SAMPLES[0].name)
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["build", "--src", str(articles), "--out", str(tmp_path / "_site"), "-q", "-j", "1"])
        assert result.exit_code == 0, result.output
    assert registered == [gc.freeze]
    assert gc.get_freeze_count() == 0 and gc.isenabled()  # a build leaves the collector as it found it


def test_build_leaves_a_callers_frozen_objects_frozen(tmp_path):
    import gc
    import shutil

    from newsarchive.pipeline import build

    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SAMPLES[0], articles / SAMPLES[0].name)
    sentinel = [object()]  # (the count alone moves: a frozen object the build lets go of leaves it)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        for _ in range(2):  # a build, then a rebuild
            build(articles, tmp_path / "_site", root=tmp_path)
            assert gc.get_freeze_count() > frozen * 0.9
            assert not any(o is sentinel for o in gc.get_objects())  # still frozen: no generation holds it
    finally:
        gc.unfreeze()


def test_a_rebuild_runs_without_the_collector_and_turns_it_on_again(tmp_path, monkeypatch):
    """The build's objects live until it ends and make next to no cycles: the collector
    stays off while it runs (`runtime.collector_paused`), and is on again after."""
    import gc
    import shutil

    import newsarchive.pipeline as pipeline

    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SAMPLES[0], articles / SAMPLES[0].name)
    pipeline.build(articles, tmp_path / "_site", root=tmp_path)
    seen = []
    real = pipeline.parse_sources
    monkeypatch.setattr(pipeline, "parse_sources", lambda *a, **k: (seen.append(gc.isenabled()), real(*a, **k))[1])
    shutil.copy(SAMPLES[1], articles / SAMPLES[1].name)
    pipeline.build(articles, tmp_path / "_site", root=tmp_path)
    assert seen == [False]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_the_collector_pause_nests_and_restores():
    import gc

    from newsarchive.runtime import collector_paused

    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def _site_size(out: Path) -> tuple[int, int]:
    from newsarchive.output import MANIFEST
    from newsarchive.pipeline import BUILD_RECORD

    files = [p for p in out.rglob("*") if p.is_file() and p.name not in (MANIFEST, BUILD_RECORD)]
    return sum(p.stat().st_size for p in files), len(files)


def test_a_build_reports_its_output_size_and_warns_past_the_limit(tmp_path, monkeypatch):
    import shutil

    articles = tmp_path / "articles"
    articles.mkdir()
    for sample in SAMPLES:
        shutil.copy(sample, articles / sample.name)
    out = tmp_path / "_site"
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["build", "--src", str(articles), "--out", str(out)])
    assert first.exit_code == 0, first.output
    size, files = _site_size(out)
    assert size > 1_000_000 and files > 50
    assert f"({size / 1e6:,.1f} MB in {files:,} files;" in first.output
    assert "output limit" not in first.output  # far below the default 1,000 MB
    again = runner.invoke(main, ["build", "--src", str(articles), "--out", str(out)])
    assert again.output.startswith("up to date:") and f"({size / 1e6:,.1f} MB in {files:,} files;" in again.output

    (tmp_path / "site.yaml").write_text("output_limit_mb: 1\n", encoding="utf-8")
    over = runner.invoke(main, ["build", "--src", str(articles), "--out", str(out)])
    assert over.exit_code == 0 and (out / "index.html").is_file()  # a warning, not a failure
    assert "over the output limit of 1 MB (site.yaml `output_limit_mb`" in over.output


def test_the_size_warning_starts_at_nine_tenths_of_the_limit():
    from newsarchive.pipeline.record import BuildReport, output_warning

    def warning(mb: float):
        return output_warning(BuildReport(output_bytes=int(mb * 1e6), output_files=10, output_limit_mb=1000))

    assert warning(899) is None
    assert "90% of the output limit of 1,000 MB" in warning(900)
    assert "over the output limit" in warning(1000.5)
    assert output_warning(BuildReport(output_bytes=10**12, output_files=1, output_limit_mb=0)) is None
