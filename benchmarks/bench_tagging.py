"""Cold parse + tag of the sample issues, dictionaries included (target < 1 s).

    .venv/bin/python benchmarks/bench_tagging.py [--runs 5] [--jieba] [FILES…]

Each run is a new Python process (nothing warm: imports, rjieba's dictionary,
jieba's IDF table, the gazetteer and taxonomy all load inside it), timed from
outside as wall time, with the phases it reports itself. `--jieba` also times
the pure-jieba reference (jieba.Tokenizer + posseg + jieba.analyse TF-IDF) on
the same files, for comparison. Measure here, never in tests. The second line
shows what sharing one rjieba instance between parser and tagger would save.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# what `newsarchive build`/`parse` do: one Toolkit (tagger + parser lexicon sharing
# one rjieba dictionary), parse + per-issue analysis, then archive-wide keywords
OURS = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from newsarchive.pipeline import Toolkit, parse_files
t1 = time.perf_counter()
toolkit = Toolkit.load()
t2 = time.perf_counter()
result = parse_files([Path(p) for p in sys.argv[1:]], toolkit=toolkit)
t3 = time.perf_counter()
toolkit.tagger.assign_keywords(result.issues)
t4 = time.perf_counter()
n = sum(len(i.articles) for i in result.issues)
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "parse+analyse": t3 - t2, "keywords": t4 - t3, "articles": n}))
"""

JIEBA = r"""
import json, sys, time
t0 = time.perf_counter()
import jieba, jieba.posseg, jieba.analyse
tok = jieba.Tokenizer()
pos = jieba.posseg.POSTokenizer(tok)
tfidf = jieba.analyse.TFIDF()
tfidf.tokenizer, tfidf.postokenizer = tok, pos
t1 = time.perf_counter()
for p in sys.argv[1:]:
    text = open(p, encoding="utf-8").read()
    list(pos.cut(text))
    tfidf.extract_tags(text, topK=8, allowPOS=("n", "ns", "nt", "nz", "vn"))
t2 = time.perf_counter()
print(json.dumps({"import+idf": t1 - t0, "cut+tfidf": t2 - t1}))
"""


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(code: str, files: list[str]) -> tuple[float, float, dict]:
    """Wall and CPU seconds of one cold process (CPU time is the steadier figure on a busy machine)."""
    cpu0, start = _child_cpu(), time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *files], capture_output=True, text=True, check=True, cwd=ROOT)
    wall, cpu = time.perf_counter() - start, _child_cpu() - cpu0
    return wall, cpu, json.loads(out.stdout.strip().splitlines()[-1])


def report(name: str, code: str, files: list[str], runs: int) -> None:
    walls, cpus, phases = [], [], []
    for _ in range(runs):
        wall, cpu, ph = run(code, files)
        walls.append(wall)
        cpus.append(cpu)
        phases.append(ph)
    keys = [k for k in phases[0] if isinstance(phases[0][k], float)]
    median_phases = {k: statistics.median(p[k] for p in phases) for k in keys}
    extra = {k: v for k, v in phases[0].items() if not isinstance(v, float)}
    print(f"{name}: wall median {statistics.median(walls):.3f} s, min {min(walls):.3f} s, max {max(walls):.3f} s;"
          f" CPU median {statistics.median(cpus):.3f} s, min {min(cpus):.3f} s; {runs} cold runs")
    print("   phases (median): " + ", ".join(f"{k} {v:.3f} s" for k, v in median_phases.items())
          + ("".join(f", {k} {v}" for k, v in extra.items())))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jieba", action="store_true", help="also time the pure-jieba reference")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (wall time is only meaningful when idle)")
    files = args.files or [str(p) for p in sorted((ROOT / "articles").glob("*.txt"))]
    print(f"{len(files)} files, {sum(Path(f).stat().st_size for f in files) / 1024:.0f} KiB, python {sys.version.split()[0]}")
    report("newsarchive parse+tag (rjieba, as the build runs it)", OURS, files, args.runs)
    if args.jieba:
        report("jieba reference (cut+TF-IDF only)", JIEBA, files, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
