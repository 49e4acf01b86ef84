#!/usr/bin/env python3
"""`newsarchive serve`: seconds from an issue file saved to the open page reloaded (issue 22).

    python benchmarks/bench_serve.py [--n 1000] [--seed 1] [--rounds 5] [--corpus DIR]
                                     [--work /dev/shm/na-bench-serve] [--tree PATH] [--port 0]

1. makes (or reuses) the synthetic archive `benchmarks/make_corpus.py N+R --seed S`
   and holds its R newest files back; with `--corpus DIR`, that folder's files
   are the archive and its R last ones (in build order) are held back;
2. copies the archive, `templates/`, `static/`, `data/` and `site.yaml` of the
   tree under test (`--tree`, default this repository; its `src/` goes first on
   PYTHONPATH) into a work folder and starts, with that folder as cwd,
   `python -m newsarchive.cli serve --src articles --out _site --port P`;
3. waits for the first (cold) build: until the server answers its reload
   endpoint (`/__newsarchive_build`) and the page, whatever serve prints;
4. opens the home page in headless Chromium (/usr/bin/chromium through
   Playwright; serve injects a script that polls the endpoint and reloads the
   page when the build number changes);
5. R times: waits `--settle` seconds, writes one held-back issue file into
   `articles/` and measures, in this process, the time from just before the
   write to the page's next `load` event; the same from the page's own clock
   (the new document's loadEventStart against the wall clock of the write) is
   reported beside it as a check.

Every line serve prints is echoed (stderr) as it comes and listed per round
with its time after the write, so the report shows where the time went
(watcher and debounce, rebuild, poll and reload) with whatever serve prints,
and serve's CPU seconds (its own and its reaped workers', from /proc) in each
round, a steadier figure than wall time on a busy machine.
Prints a Markdown report and writes WORK/bench_serve.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOURCE_SUFFIXES = (".txt", ".md", ".text")
RELOAD_PATH = "/__newsarchive_build"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
#: serve's lines shown per round in the table (all of them are listed below it)
TABLE_LINES = 4
#: epoch ms of the current document's load event, by the page's own clock
PAGE_LOAD_EPOCH_MS = "() => { const n = performance.getEntriesByType('navigation')[0];" \
                     " return n && n.loadEventStart ? performance.timeOrigin + n.loadEventStart : null; }"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- pure helpers (tested in tests/test_benchmarks.py) ------------------------


def source_files(folder: Path) -> list[Path]:
    """Issue files below `folder`, in build order (relative path), hidden folders left out."""
    folder = Path(folder)
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES
         and not any(part.startswith(".") for part in p.relative_to(folder).parts)),
        key=lambda p: p.relative_to(folder).as_posix(),
    )


def split_corpus(files: list, rounds: int, n: int | None = None) -> tuple[list, list]:
    """(archive, held back): the first `n` files (all but the last `rounds` when n is None),
    then the `rounds` files after them, the newest in build order."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    n = len(files) - rounds if n is None else n
    if n < 1 or len(files) < n + rounds:
        raise ValueError(f"{len(files)} files: too few for an archive of {n} and {rounds} held back")
    return list(files[:n]), list(files[n:n + rounds])


def target_path(articles: Path, rel: Path) -> Path:
    """Where a held-back file is saved: its own folder when the archive has it, else
    `articles/` itself (making a folder would wake the watcher before the file is there)."""
    folder = articles / Path(rel).parent
    return (folder if folder.is_dir() else articles) / Path(rel).name


def stats(values: list[float]) -> dict:
    """Median, min and max (seconds, 3 decimals) of the values that are not None."""
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": round(statistics.median(values), 3),
            "min": round(min(values), 3), "max": round(max(values), 3)}


def lines_between(lines: list[tuple[float, str]], start: float, end: float | None = None) -> list[tuple[float, str]]:
    """Serve's lines stamped in [start, end], as (seconds after start, text)."""
    return [(round(t - start, 3), text) for t, text in lines if t >= start and (end is None or t <= end)]


def report(result: dict) -> str:
    """The Markdown report of one run (`result` as written to bench_serve.json)."""
    m = result["meta"]
    out = [f"serve benchmark {m['date']}: {m['issues']:,} issues, tree {m['tree']} (git {m['git']}), "
           f"{m['machine']}; load average {m['load_before']} before, {m.get('load_after', '–')} after",
           f"command in the work folder: `{m['command']}`",
           "",
           f"first (cold) build until the server answered: {result['first_build_s']:.2f} s",
           "",
           "| round | issue saved | serve's lines (s after the write) | load event s | page clock s | serve CPU s |",
           "|---|---|---|---|---|---|"]
    for r in result["rounds"]:
        shown = r["lines"][:TABLE_LINES]
        said = "; ".join(f"+{t:.3f} {text[:100]}" for t, text in shown) or "–"
        if len(r["lines"]) > len(shown):
            said += f"; … {len(r['lines']) - len(shown)} more lines"
        load = "no reload" if r["load_s"] is None else f"{r['load_s']:.3f}"
        page = "–" if r.get("page_clock_s") is None else f"{r['page_clock_s']:.3f}"
        cpu = "–" if r.get("serve_cpu_s") is None else f"{r['serve_cpu_s']:.2f}"
        out.append(f"| {r['round']} | {r['file']} | {said.replace('|', '/')} | {load} | {page} | {cpu} |")
    s, p = result["load_s"], result["page_clock_s"]
    out.append("")
    if s["n"]:
        out.append(f"**saved → page loaded: median {s['median']:.3f} s (min {s['min']:.3f}, max {s['max']:.3f}), "
                   f"{s['n']} of {len(result['rounds'])} rounds** (target < 0.5 s at 1,000 issues)")
    else:
        out.append("no round reloaded the page")
    if p["n"]:
        out.append(f"by the page's clock: median {p['median']:.3f} s (min {p['min']:.3f}, max {p['max']:.3f})")
    c = result.get("serve_cpu_s") or {"n": 0}
    if c["n"]:
        out.append(f"serve's CPU from the write to the load: median {c['median']:.2f} s (min {c['min']:.2f}, max {c['max']:.2f})")
    if result.get("serve_peak_rss_mb") is not None:
        out.append(f"serve process peak RSS (VmHWM): {result['serve_peak_rss_mb']:.0f} MB")
    return "\n".join(out) + "\n"


# --- the archive and the work folder ---------------------------------------------


def make_corpus(n: int, seed: int, work: Path) -> Path:
    """Folder of `n` synthetic issue files (made once per n, seed and make_corpus.py version)."""
    script = HERE / "make_corpus.py"
    tag = hashlib.sha256(script.read_bytes()).hexdigest()[:10]
    folder = work / "corpus" / f"{n}-seed{seed}-{tag}"
    if not (folder / "ok").exists():
        shutil.rmtree(folder, ignore_errors=True)
        log(f"making a {n}-issue corpus (seed {seed})")
        subprocess.run([sys.executable, str(script), str(n), "--seed", str(seed), str(folder / "all")], check=True, cwd=REPO)
        (folder / "ok").write_text("")
    return folder / "all"


def make_workdir(tree: Path, root: Path, archive: list[Path], dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    for f in archive:
        target = dest / "articles" / f.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
    for name in ("templates", "static", "data"):
        if (tree / name).is_dir():
            shutil.copytree(tree / name, dest / name)
    for name in ("site.yaml", "site.yml"):
        if (tree / name).is_file():
            shutil.copy2(tree / name, dest / name)
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the serve process ------------------------------------------------------------


class Serve:
    """`newsarchive serve` as a child process; every line it prints, stamped with perf_counter()."""

    def __init__(self, tree: Path, work: Path, port: int) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(tree / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env["PYTHONUNBUFFERED"] = "1"  # its lines arrive when printed, not when a pipe buffer fills
        env["XDG_CACHE_HOME"] = str(work / ".xdg-cache")
        env["CI"] = "1"  # no progress bar
        self.cmd = [sys.executable, "-m", "newsarchive.cli", "serve", "--src", "articles", "--out", "_site", "--port", str(port)]
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[tuple[float, str]] = []
        self.started = time.perf_counter()
        # its own session (process group): stopping it stops any workers it forked
        self.proc = subprocess.Popen(self.cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, encoding="utf-8", errors="replace",
                                     start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append((time.perf_counter(), line.rstrip("\n")))
            print(f"  serve| {line.rstrip()}", file=sys.stderr, flush=True)

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=5) as resp:
            return resp.read().decode("utf-8", "replace")

    def build_number(self) -> str | None:
        try:
            return self.get(RELOAD_PATH).strip()
        except (urllib.error.URLError, OSError):
            return None

    def wait_ready(self, timeout: float, page: str = "/") -> float:
        """Seconds from the start until the server answers both the reload endpoint and
        `page` (a serve that answers before its first build is done shows no page yet)."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode} before it answered")
            try:
                self.get(RELOAD_PATH)
                self.get(page)
                return time.perf_counter() - self.started
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise TimeoutError(f"serve did not answer within {timeout:.0f} s")

    def cpu_seconds(self) -> float | None:
        """User + system CPU of serve and the children it has waited for (workers it forked)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def peak_rss_mb(self) -> float | None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as fh:
                return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
        except (OSError, StopIteration, ValueError):
            return None

    def stop(self) -> int | None:
        """Ctrl+C (serve stops its server), then SIGKILL to its process group if it lingers."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.reader.join(5)
        return self.proc.returncode


def measure_rounds(serve: Serve, page, articles: Path, held: list[tuple[Path, bytes]], settle: float, timeout: float) -> list[dict]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    rounds, starts = [], []
    for i, (rel, data) in enumerate(held, 1):
        time.sleep(settle)  # the page's poll has seen the current build number; the watcher is idle
        dest = target_path(articles, rel)
        load_s = page_s = None
        before = serve.build_number()
        cpu_before = serve.cpu_seconds()
        try:
            with page.expect_event("load", timeout=timeout * 1000):
                wall = time.time()
                start = time.perf_counter()
                dest.write_bytes(data)
            load_s = time.perf_counter() - start
            loaded_at = page.evaluate(PAGE_LOAD_EPOCH_MS)
            page_s = None if loaded_at is None else loaded_at / 1000 - wall
        except PlaywrightTimeout:
            log(f"round {i}: no reload within {timeout:.0f} s")
        # the build number the reloaded page saw must be a new one (not a reload of another kind)
        builds = [before, serve.build_number()]
        cpu_after = serve.cpu_seconds()
        cpu = None if load_s is None or None in (cpu_before, cpu_after) else round(cpu_after - cpu_before, 2)
        if load_s is not None and builds[0] == builds[1]:
            log(f"round {i}: the page loaded but serve's build number is still {before}")
        rounds.append({"round": i, "file": dest.relative_to(articles).as_posix(), "builds": builds,
                       "load_s": None if load_s is None else round(load_s, 3),
                       "page_clock_s": None if page_s is None else round(page_s, 3), "serve_cpu_s": cpu})
        starts.append(start)
        log(f"round {i}: {rounds[-1]['file']} saved → page loaded in "
            + ("–" if load_s is None else f"{load_s:.3f} s") + (f" (page clock {page_s:.3f} s)" if page_s is not None else ""))
    time.sleep(settle)  # what serve prints after the last load is listed too
    # each round's lines: from its write to the next round's (lines after the load included)
    for r, start, end in zip(rounds, starts, starts[1:] + [None]):
        r["lines"] = lines_between(serve.lines, start, end)
    return rounds


def run(args) -> dict:
    tree = args.tree.resolve()
    work_root = args.work.resolve()
    work_root.mkdir(parents=True, exist_ok=True)
    if args.corpus:
        root = args.corpus.resolve()
        archive, held = split_corpus(source_files(root), args.rounds)
    else:
        root = make_corpus(args.n + args.rounds, args.seed, work_root)
        archive, held = split_corpus(source_files(root), args.rounds, args.n)
    work = make_workdir(tree, root, archive, work_root / "site")
    port = args.port or free_port()
    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=tree).stdout.strip()
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "issues": len(archive), "tree": str(tree), "git": git,
            "machine": f"{os.cpu_count()} CPUs", "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "work": str(work), "held_back": [f.relative_to(root).as_posix() for f in held]}
    log(f"archive of {len(archive)} issues in {work}; serve on port {port}")
    serve = Serve(tree, work, port)
    meta["command"] = " ".join(["python"] + serve.cmd[1:])
    result: dict = {"meta": meta}
    try:
        result["first_build_s"] = round(serve.wait_ready(args.first_build_timeout, args.page), 3)
        log(f"first build: server answered after {result['first_build_s']:.2f} s")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(serve.url + args.page, wait_until="load")
                payload = [(f.relative_to(root), f.read_bytes()) for f in held]
                result["rounds"] = measure_rounds(serve, page, work / "articles", payload, args.settle, args.round_timeout)
            finally:
                browser.close()
        result["serve_peak_rss_mb"] = serve.peak_rss_mb()
    finally:
        result["serve_rc"] = serve.stop()
        result["serve_lines"] = [(round(t - serve.started, 3), text) for t, text in serve.lines]
    meta["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    result["load_s"] = stats([r["load_s"] for r in result["rounds"]])
    result["page_clock_s"] = stats([r["page_clock_s"] for r in result["rounds"]])
    result["serve_cpu_s"] = stats([r["serve_cpu_s"] for r in result["rounds"]])
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="issues in the archive (default 1000)")
    ap.add_argument("--seed", type=int, default=1, help="make_corpus seed (default 1)")
    ap.add_argument("--corpus", type=Path, default=None, help="take this folder's issue files instead (its last R are held back)")
    ap.add_argument("--rounds", type=int, default=5, help="issue files saved, one per round (default 5)")
    ap.add_argument("--work", type=Path, default=Path("/dev/shm/na-bench-serve"), help="scratch folder (default /dev/shm/na-bench-serve)")
    ap.add_argument("--tree", type=Path, default=REPO, help="the newsarchive tree to run (default: this repository)")
    ap.add_argument("--port", type=int, default=0, help="port for serve (default: a free one)")
    ap.add_argument("--page", default="/", help="page to open (default: the home page)")
    ap.add_argument("--settle", type=float, default=1.5, help="seconds between a load and the next save (default 1.5)")
    ap.add_argument("--first-build-timeout", type=float, default=1800, help="seconds for the first build (default 1800)")
    ap.add_argument("--round-timeout", type=float, default=60, help="seconds to wait for a reload (default 60)")
    ap.add_argument("--keep-work", action="store_true", help="keep the work folder")
    args = ap.parse_args(argv)
    try:
        result = run(args)
    except (RuntimeError, TimeoutError) as exc:  # serve failed or hung: its lines were echoed above
        log(f"no measurement: {exc}")
        return 2
    (args.work / "bench_serve.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(report(result))
    print("serve's output (s after it started):")
    for t, text in result["serve_lines"]:
        print(f"  {t:8.3f}  {text}")
    return 0 if result["load_s"]["n"] == len(result["rounds"]) else 1


if __name__ == "__main__":
    sys.exit(main())
