"""Search benchmark: index size vs text, bytes a query loads, ms to results.

    python benchmarks/bench_search.py [--n 10000] [--seed 1] [--work /dev/shm/na-bench-search]
                                      [--query Q ...] [--repeats R] [--no-browser]

1. makes (or reuses) the synthetic archive ``benchmarks/make_corpus.py N --seed S``;
2. parses it with the project's parser (districts from the front matter; no tagging);
3. builds the search index twice (on --jobs processes): cold (filling an empty
   cache), and again from the warm cache (the no-op rebuild); prints wall times
   and the seconds of each step (`runtime.Clock` laps);
4. opens the search page (templates/search.html on a minimal base page, the
   real static/search.js) in headless Chromium over file:// and, per query,
   in a fresh browser context: waits for the manifest, then sets the query
   and measures, inside the page, the ms from the input event to the first
   results being shown and to a full first screen (ten results, or all there
   are), and sums the bytes of every index file the page loaded; each query
   is asked R times (default 5, in rounds over all the queries), and the
   median is reported with the range: one sample swings 2x on this machine.

Prints a Markdown table and writes ``WORK/bench_search.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

QUERIES = ["核酸采样", "核酸 采样点", "疫情防控", "胡拥军", '"区委书记"', "复工复产", "志愿者", "幸福街道", "一企一策", "不存在的词语组合"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
BASE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>bench</title></head><body>
<main>{% block content %}{% endblock %}</main>{% block scripts %}{% endblock %}</body></html>"""

MEASURE = """q => new Promise(done => {
  const st = document.querySelector('[data-search-status]');
  const box = document.querySelector('#search-q');
  const t0 = performance.now();
  let first = null;
  const shown = () => document.querySelectorAll('[data-search-results] a').length;
  const check = () => {
    if (st.dataset.state === 'busy') return;
    const n = shown(), none = st.textContent.includes('没有');
    if (first === null && (n || none)) first = performance.now() - t0;
    // the first screen: ten results (or all there are) listed
    if (none || n >= 10 || (n && st.dataset.state !== 'partial')) {
      obs.disconnect(); done({ms: first, ms_screen: performance.now() - t0, n: shown(), status: st.textContent});
    }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  box.value = q;
  box.dispatchEvent(new Event('input', {bubbles: true}));
})"""


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def query_bytes(site: Path, query: str) -> dict:
    """Bytes of search/ files the real page loads in headless Chromium to answer `query` (for benchmarks/run.py)."""
    import jinja2
    from playwright.sync_api import sync_playwright

    site = Path(site)
    page_path = site / "bench-search-page.html"
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([jinja2.DictLoader({"base.html": BASE}), jinja2.FileSystemLoader(ROOT / "templates")]), autoescape=True)
    page_path.write_text(env.get_template("search.html").render(rel=""), encoding="utf-8")
    (site / "static").mkdir(exist_ok=True)
    shutil.copy(ROOT / "static" / "search.js", site / "static" / "search.js")
    search_dir = (site / "search").resolve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            urls: list[str] = []
            page.on("request", lambda r: urls.append(r.url))
            page.goto(page_path.as_uri())
            page.wait_for_function("() => window.__naSearch && window.__naSearch.store && window.__naSearch.store.manifest")
            m = page.evaluate(MEASURE, query)
            page.wait_for_timeout(100)
            browser.close()
    finally:
        page_path.unlink(missing_ok=True)
    files = {Path(u.removeprefix("file://")) for u in urls}
    idx = [f for f in files if search_dir in f.parents]
    return {"bytes": sum(f.stat().st_size for f in idx), "files": len(idx), "ms": m["ms"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/dev/shm/na-bench-search"))
    ap.add_argument("--query", action="append")
    ap.add_argument("--repeats", type=int, default=5, help="runs per query (each in a fresh context); the median is reported")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args(argv)
    queries = a.query or QUERIES

    from newsarchive.pipeline import discover_sources, parse_files
    from newsarchive.runtime import Clock
    from newsarchive.search import write_search_index
    from newsarchive.site.urls import article_url

    corpus = a.work / f"corpus-{a.n}-{a.seed}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), str(a.n), "--seed", str(a.seed), str(corpus)], check=True)
    raw_bytes = dir_bytes(corpus)
    t = time.time()
    parsed_cache = a.work / f"parsed-{a.n}-{a.seed}.pickle"  # parsing is not what this measures
    if parsed_cache.exists():
        issues = pickle.loads(parsed_cache.read_bytes())
    else:
        parsed = parse_files(discover_sources(corpus), corpus, jobs=a.jobs)
        issues = [i for i in parsed.issues if i.articles]
        parsed_cache.write_bytes(pickle.dumps(issues))
    t_parse = time.time() - t
    print(f"parsed {len(issues)} issues, {sum(len(i.articles) for i in issues)} articles in {t_parse:.1f} s", flush=True)

    site = a.work / "site"
    cache = a.work / "cache"
    for d in (site, cache):
        shutil.rmtree(d, ignore_errors=True)
    t = time.time()
    cold_clock = Clock()
    stats = write_search_index(issues, site, article_url, cache_dir=cache, jobs=a.jobs, clock=cold_clock)
    t_fill = time.time() - t
    shutil.rmtree(site)
    t = time.time()
    warm_clock = Clock()
    warm = write_search_index(issues, site, article_url, cache_dir=cache, jobs=a.jobs, clock=warm_clock)
    t_warm = time.time() - t
    by_dir = {d.name: dir_bytes(d) for d in (site / "search").iterdir() if d.is_dir()}
    result = {
        "issues": len(issues), "docs": stats["docs"], "raw_text_bytes": raw_bytes, "article_text_bytes": stats["text_bytes"],
        "index_bytes": stats["index_bytes"], "index_by_dir": by_dir, "files": stats["shards"],
        "ratio_to_raw_text": round(stats["index_bytes"] / raw_bytes, 3),
        "ratio_to_article_text": stats["ratio"],
        "ratio_postings_only": round((by_dir.get("p", 0) + by_dir.get("n", 0) + by_dir.get("c", 0)) / raw_bytes, 3),
        "build_s": {"parse": round(t_parse, 2), "index_cold_filling_cache": round(t_fill, 2),
                    "index_from_warm_cache": round(t_warm, 2), "ranges_rebuilt_warm": warm["ranges_rebuilt"],
                    "cold_steps": cold_clock.laps, "warm_steps": warm_clock.laps},
        "queries": [],
    }
    print(json.dumps({k: v for k, v in result.items() if k != "queries"}, ensure_ascii=False, indent=1), flush=True)

    if not a.no_browser:
        import jinja2
        from playwright.sync_api import sync_playwright

        env = jinja2.Environment(loader=jinja2.ChoiceLoader([jinja2.DictLoader({"base.html": BASE}), jinja2.FileSystemLoader(ROOT / "templates")]), autoescape=True)
        (site / "search.html").write_text(env.get_template("search.html").render(rel=""), encoding="utf-8")
        (site / "static").mkdir(exist_ok=True)
        shutil.copy(ROOT / "static" / "search.js", site / "static" / "search.js")
        search_dir = (site / "search").resolve()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            runs: dict[str, list[dict]] = {q: [] for q in queries}
            for _ in range(max(1, a.repeats)):
                for q in queries:
                    ctx = browser.new_context()
                    page = ctx.new_page()
                    urls: list[str] = []
                    page.on("request", lambda r: urls.append(r.url))
                    page.goto((site / "search.html").as_uri())
                    page.wait_for_function("() => window.__naSearch && window.__naSearch.store && window.__naSearch.store.manifest")
                    before = len(urls)
                    m = page.evaluate(MEASURE, q)
                    page.wait_for_timeout(100)
                    files = [Path(u.removeprefix("file://")) for u in urls]
                    idx = [f for f in files if search_dir in f.parents]
                    after = [f for f in files[before:] if search_dir in f.parents]
                    runs[q].append({"ms": m["ms"], "ms_screen": m["ms_screen"], "n": m["n"], "status": m["status"],
                                    "kb_query": sum(f.stat().st_size for f in after) / 1024,
                                    "kb_with_manifest": sum(f.stat().st_size for f in idx) / 1024, "files": len(after)})
                    ctx.close()
            for q in queries:
                rs = runs[q]
                med = lambda k: round(statistics.median(r[k] for r in rs), 1)
                row = {"query": q, "ms": med("ms"), "ms_min": round(min(r["ms"] for r in rs), 1), "ms_max": round(max(r["ms"] for r in rs), 1),
                       "ms_screen": med("ms_screen"), "results_listed": rs[-1]["n"], "status": rs[-1]["status"],
                       "kb_query": med("kb_query"), "kb_with_manifest": med("kb_with_manifest"), "files": int(med("files")), "runs": len(rs)}
                result["queries"].append(row)
                print(f"{q}: {row['ms']} ms ({row['ms_min']}–{row['ms_max']}; first screen {row['ms_screen']} ms), {row['kb_query']} KB in {row['files']} files "
                      f"({row['kb_with_manifest']} KB with manifest), {row['results_listed']} listed; {row['status']}", flush=True)
            browser.close()

    (a.work / "bench_search.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\n| query | ms to first results (median of {max(1, a.repeats)}, range) | ms to a full first screen (median) | KB loaded (query) | KB incl. manifest | files | listed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in result["queries"]:
        print(f"| {r['query']} | {r['ms']} ({r['ms_min']}–{r['ms_max']}) | {r['ms_screen']} | {r['kb_query']} | {r['kb_with_manifest']} | {r['files']} | {r['results_listed']} |")
    print(f"\nindex {result['index_bytes'] / 1e6:.1f} MB = {result['ratio_to_raw_text']}x raw text ({raw_bytes / 1e6:.1f} MB), "
          f"{result['ratio_to_article_text']}x article text; by dir: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(by_dir.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
