"""Smoke tests of the benchmark harness helpers (benchmarks/run.py, benchmarks/hugo_site.py).

Three tiny issues; nothing here times anything or needs Hugo/Pagefind.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

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
