"""Smoke tests of the benchmark harness helpers (benchmarks/run.py, benchmarks/hugo_site.py,
benchmarks/bench_serve.py).

Three tiny issues; nothing here times anything or needs Hugo/Pagefind.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_serve  # noqa: E402
import hugo_site  # noqa: E402
import run  # noqa: E402

ISSUES = {
    "2020-05-15-gangzha-00001.txt": "---\ndate: 2020-05-15\npublication: 港闸报\n---\n\n港闸区召开防疫工作会议\n\n5月15日，港闸区召开疫情防控工作会议，部署复工复产工作。\n\n·庄妍·\n",
    "2020-05-16-gangzha-00002.txt": "幸福街道开展垃圾分类宣传\n\n幸福街道组织志愿者走进社区，宣传垃圾分类知识。*重点*是<厨余>垃圾。\n\n记者 袁晓婕\n",
    "2022-03-23-chongchuan-00003.txt": "崇川区表彰先进集体\n\n大会命名一批先进集体和优秀个人。\n\n1. 第一条\n\n张军\n",
}


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    for name, text in ISSUES.items():
        (articles / name).write_text(text, encoding="utf-8")
    return articles


def test_hugo_project_has_one_page_per_article(archive: Path, tmp_path: Path):
    issues, _tagged = hugo_site.load_issues(archive, tag=False)
    assert len(issues) == 3
    stats = hugo_site.write_project(issues, tmp_path / "hugo")
    pages = sorted((tmp_path / "hugo" / "content").rglob("*.md"))
    assert stats["pages"] == len(pages) == sum(len(i.articles) for i in issues) > 0
    for rel in hugo_site.LAYOUTS:
        assert (tmp_path / "hugo" / rel).is_file()
    assert 'lang="zh-CN"' in hugo_site.BASEOF and "data-pagefind-body" in hugo_site.SINGLE
    assert "[taxonomies]" in (tmp_path / "hugo" / "hugo.toml").read_text(encoding="utf-8")
    text = pages[0].read_text(encoding="utf-8")
    front, _, body = text.partition("\n\n")
    meta = json.loads(front)  # Hugo reads JSON front matter
    assert meta["title"] and meta["date"][:4] in {"2020", "2022"} and meta["issues"]


def test_light_hugo_site_has_one_taxonomy_and_the_same_pages(archive: Path, tmp_path: Path):
    issues, _tagged = hugo_site.load_issues(archive, tag=False)
    stats = hugo_site.write_project(issues, tmp_path / "hugo")
    full = (tmp_path / "hugo" / "hugo.toml").read_text(encoding="utf-8")
    light = (tmp_path / "hugo" / "hugo-light.toml").read_text(encoding="utf-8")
    assert full == hugo_site.HUGO_TOML == hugo_site.hugo_toml("full")

    def taxonomies(toml: str) -> list[str]:
        table = toml.split("[taxonomies]\n", 1)[1].split("\n\n", 1)[0]
        return [line.split(" = ")[1].strip('"') for line in table.splitlines() if line.strip()]

    assert taxonomies(full) == ["districts", "streets", "topics", "keywords", "issues"]
    assert taxonomies(light) == ["topics"]
    # the same settings otherwise, each written to its own folder
    assert 'publishDir = "public-light"' in light and 'publishDir = "public"' in full
    assert light.replace("public-light", "public").split("[taxonomies]")[0] == full.split("[taxonomies]")[0]
    assert light.split("[pagination]")[1] == full.split("[pagination]")[1]
    # one content folder and one set of layouts serve both
    assert stats["pages"] == len(list((tmp_path / "hugo" / "content").rglob("*.md")))
    assert hugo_site.hugo_command("hugo", variant="light") == ["hugo", "--quiet", "--config", "hugo-light.toml"]
    assert hugo_site.hugo_command("hugo", True) == ["hugo", "--quiet", "--renderToMemory"]
    assert hugo_site.public_dir("light") == "public-light" and hugo_site.public_dir() == "public"
    assert hugo_site.pagefind_command("pf", "public-light") == ["pf", "--site", "public-light"]


def test_ratios_include_the_light_site():
    cold = {"wall": 10.0, "wall_min": 9.0, "cpu": 20.0}
    one = {"wall": 4.0, "wall_min": 4.0, "cpu": 8.0, "maxrss_mb": 100.0}
    theirs = {"hugo_disk": one, "hugo_memory": one, "pagefind": one,
              "hugo_light": dict(one, wall=1.0, wall_min=1.0), "pagefind_light": dict(one, wall=3.0, wall_min=2.0)}
    r = run.ratios({"cold": cold}, theirs)
    assert set(r) == {"hugo_disk+pagefind", "hugo_memory+pagefind", "hugo_light+pagefind"}
    assert (r["hugo_light+pagefind"]["ratio"], r["hugo_light+pagefind"]["ratio_best"]) == (2.5, 3.0)
    assert r["hugo_memory+pagefind"]["ratio"] == 1.25
    assert "hugo_light+pagefind" not in run.ratios({"cold": cold}, {k: v for k, v in theirs.items() if k != "pagefind_light"})


def test_markdown_escapes_ocr_text():
    assert hugo_site.md_escape("*重点*是<厨余>") == r"\*重点\*是\<厨余\>"
    assert hugo_site.md_escape("1. 第一条").startswith("1\\.")
    assert hugo_site.md_escape("- 列表").startswith("\\-")


def test_tools_are_found_or_none():
    for found in (hugo_site.find_hugo(), hugo_site.find_pagefind()):
        assert found is None or Path(found).is_file()


def test_measure_reports_time_cpu_and_memory(tmp_path: Path):
    log = tmp_path / "log.txt"
    code = "import time; x = bytearray(60 * 2**20); time.sleep(0.5); print('done')"
    r = run.measure([sys.executable, "-c", code], tmp_path, None, log)
    assert r["rc"] == 0 and r["wall"] > 0 and r["cpu"] >= 0
    assert 60 <= r["maxrss_mb"] < 400 and 50 <= r["tree_rss_mb"] < 400
    assert "done" in log.read_text(encoding="utf-8")
    assert run.measure([sys.executable, "-c", "raise SystemExit(3)"], tmp_path)["rc"] == 3
    s = run.summary([dict(r, wall=1.0), dict(r, wall=3.0), dict(r, wall=2.0)])
    assert (s["wall"], s["wall_min"], s["wall_max"], s["n"]) == (2.0, 1.0, 3.0, 3)


def test_tree_diff_tells_changed_added_removed_and_rewritten(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    for name in "abcd":
        (site / f"{name}.html").write_text(name)
    before = run.snapshot(site)
    (site / "a.html").write_text("A")  # changed
    (site / "b.html").unlink()  # removed
    (site / "e.html").write_text("e")  # added
    (site / "c.html").unlink()
    (site / "c.html").write_text("c")  # rewritten, same bytes (new inode)
    d = run.diff_trees(before, run.snapshot(site))
    assert (d["changed"], d["added"], d["removed"], d["files"]) == (1, 1, 1, 4)
    assert d["rewritten_same_bytes"] + d["untouched"] == 2
    assert run.tree_bytes(site) == (4, 4)


def test_edit_and_template_change(archive: Path, tmp_path: Path):
    path = sorted(archive.iterdir())[0]
    before = path.read_text(encoding="utf-8")
    run.edit_issue(path, 1)
    assert path.read_text(encoding="utf-8").startswith(before.rstrip("\n"))
    assert "基准测试修改第1次" in path.read_text(encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "base.html").write_text("<html>{% block main %}{% endblock %}</html>")
    assert run.change_template(templates, 1) == "base.html"
    assert "{# benchmark template change 1 #}" in (templates / "base.html").read_text()


def test_query_costs_measured_in_a_browser_on_a_real_index(archive: Path, tmp_path: Path):
    search = pytest.importorskip("newsarchive.search")
    from newsarchive.site.urls import article_url

    issues, _ = hugo_site.load_issues(archive, tag=False)
    search.write_search_index(issues, tmp_path / "site", article_url)
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium")
    cost = run.query_costs(tmp_path / "site", ("防疫", "垃圾分类"))
    assert "error" not in cost, cost
    assert set(cost["per_query"]) == {"防疫", "垃圾分类"} and cost["method"].startswith("bench_search")
    # every query loads at least the manifest and one bucket file
    floor = (tmp_path / "site" / "search" / "manifest.js").stat().st_size + min(p.stat().st_size for p in (tmp_path / "site" / "search").glob("[pn]/*.js"))
    assert all(v >= floor for v in cost["per_query"].values())


def test_results_table_renders_with_missing_parts():
    results = {"meta": {}, "sizes": {"samples": {"ours": {"issues": 3, "articles": 5, "cold": {"wall": 2.0, "wall_min": 1.0, "wall_max": 3.0, "n": 3}}},
                                      "1000": {"skipped": "no make_corpus"}}}
    table = run.markdown(results)
    assert "| issues / articles | 3 / 5 | – |" in table
    assert "2.00 (1.00–3.00)" in table


def test_bench_serve_holds_back_the_newest_files(tmp_path: Path):
    for rel in ("2021/b.txt", "2020/a.txt", "2021/c.md", ".git/x.txt", "2021/notes.json"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    files = bench_serve.source_files(tmp_path)
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["2020/a.txt", "2021/b.txt", "2021/c.md"]
    assert bench_serve.split_corpus(files, 1) == (files[:2], files[2:])
    assert bench_serve.split_corpus(list(range(10)), 2, 5) == ([0, 1, 2, 3, 4], [5, 6])
    with pytest.raises(ValueError):
        bench_serve.split_corpus(files, 3)
    # a held-back file goes into its own folder when the archive has it, else into articles/
    articles = tmp_path / "articles"
    (articles / "2021").mkdir(parents=True)
    assert bench_serve.target_path(articles, Path("2021/d.txt")) == articles / "2021" / "d.txt"
    assert bench_serve.target_path(articles, Path("2022/e.txt")) == articles / "e.txt"


def test_bench_serve_stats_lines_and_report():
    assert bench_serve.stats([0.5, None, 0.2, 0.3]) == {"n": 3, "median": 0.3, "min": 0.2, "max": 0.5}
    assert bench_serve.stats([None]) == {"n": 0}
    lines = [(9.0, "before"), (10.1, "changed: a.txt → rebuilding"), (10.4, "built 2 issues"), (12.0, "later")]
    assert bench_serve.lines_between(lines, 10.0, 11.0) == [(0.1, "changed: a.txt → rebuilding"), (0.4, "built 2 issues")]
    assert bench_serve.lines_between(lines, 10.0)[-1] == (2.0, "later")
    rounds = [{"round": 1, "file": "a.txt", "load_s": 0.42, "page_clock_s": 0.41, "serve_cpu_s": 0.3, "lines": [(0.1, "built | 2")]},
              {"round": 2, "file": "b.txt", "load_s": None, "page_clock_s": None, "lines": [(0.2, "x")] * 6}]
    result = {"meta": {"date": "d", "issues": 1000, "tree": "/t", "git": "abc", "machine": "2 CPUs", "load_before": "1.0",
                       "command": "python -m newsarchive.cli serve"},
              "first_build_s": 20.0, "rounds": rounds, "serve_peak_rss_mb": 300.0,
              "load_s": bench_serve.stats([r["load_s"] for r in rounds]),
              "page_clock_s": bench_serve.stats([r["page_clock_s"] for r in rounds])}
    text = bench_serve.report(result)
    assert "| 1 | a.txt | +0.100 built / 2 | 0.420 | 0.410 | 0.30 |" in text
    assert "| 2 | b.txt | " + "; ".join(["+0.200 x"] * 4) + "; … 2 more lines | no reload | – | – |" in text
    assert "median 0.420 s (min 0.420, max 0.420), 1 of 2 rounds" in text and "1,000 issues" in text
