"""Parse throughput: MB of issue text per second on one core, tagging left out.

    python benchmarks/bench_parse.py [FOLDER] [--runs 3] [--phases] [--profile] [--top 30] [--src DIR]

Times what the build does per file before tagging (`pipeline.parse_bytes` minus
`analyse_issue`): `source_from_bytes` (decode, front matter, controls) and
`parse_and_date` (line rules, units, assembly, finish, dates). The files are
read into memory first and rjieba's dictionary is loaded before the clock
starts; each run gets a fresh `Lexicon`, so its look-up caches start cold as
in a build. The figure is file bytes over the median run's CPU time.
`--phases` splits one run into the parser's passes; `--profile` prints the
top cProfile entries of one run (slower: the profiler's overhead).
Measure here, never in tests.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


from source_tree import import_from_argv  # noqa: E402  (benchmarks/source_tree.py: --src)

import_from_argv()

from newsarchive.model import SourceError  # noqa: E402
from newsarchive.source import discover, source_from_bytes  # noqa: E402


def _collector_paused():
    """The build's garbage-collector policy (`runtime.collector_paused`), where the tree has it."""
    try:
        from newsarchive.runtime import collector_paused
    except ImportError:
        return contextlib.nullcontext()
    return collector_paused()


def load_files(folder: Path) -> list[tuple[bytes, str]]:
    paths, _ = discover(folder, (".txt", ".md"))
    return [(p.read_bytes(), p.relative_to(folder).as_posix() if folder.is_dir() else p.name) for p in paths]


def parse_all(files, segmenter) -> int:
    """One pass over `files` as the build parses them; returns the number of articles."""
    from newsarchive.parse import Lexicon
    from newsarchive.pipeline import parse_and_date

    lexicon = Lexicon(segmenter)
    articles = 0
    for data, shown in files:
        try:
            articles += len(parse_and_date(source_from_bytes(data, shown), lexicon).articles)
        except SourceError:
            pass
    return articles


def phases(files, segmenter) -> dict[str, float]:
    """CPU seconds of each pass of `parse_source` (mirrors it step by step)."""
    from newsarchive.dates import date_issue
    from newsarchive.parse import Lexicon, classify_lines, parse_source
    from newsarchive.parse.assemble import Assembler
    from newsarchive.parse.finish import finish
    from newsarchive.parse.units import join_breaks

    lexicon = Lexicon(segmenter)
    spent = dict.fromkeys(("source", "classify", "units", "assemble", "finish", "issue+date"), 0.0)
    clock = time.process_time
    for data, shown in files:
        t0 = clock()
        try:
            source = source_from_bytes(data, shown)
        except SourceError:
            continue
        t1 = clock()
        lines = classify_lines(source)
        t2 = clock()
        units = join_breaks(lines, lexicon)
        t3 = clock()
        drafts = Assembler(units, lexicon, []).run()
        t4 = clock()
        finish(drafts, lexicon, [], "x")
        t5 = clock()
        date_issue(parse_source(source, lexicon), source)  # the whole parse again, minus the passes above
        t6 = clock()
        for name, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            spent[name] += seconds
    whole = spent["classify"] + spent["units"] + spent["assemble"] + spent["finish"]
    spent["issue+date"] -= whole  # what parse_source adds around the passes, and the dates
    return spent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(ROOT / "articles"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--phases", action="store_true", help="CPU seconds per pass of the parser")
    ap.add_argument("--profile", action="store_true", help="top cProfile entries of one run")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--src", help="import the parser from this source tree (default: ./src)")
    ap.add_argument("--sort", default="tottime", help="pstats sort key for --profile (tottime, cumulative)")
    args = ap.parse_args(argv)

    from newsarchive.pipeline import Toolkit

    files = load_files(Path(args.folder))
    size = sum(len(data) for data, _ in files)
    segmenter = Toolkit.load().tagger.segmenter
    print(f"{len(files)} files, {size / 1e6:.1f} MB in {args.folder}")

    cpus, walls = [], []
    for _ in range(max(1, args.runs)):
        with _collector_paused():  # as in a build
            c0, w0 = time.process_time(), time.perf_counter()
            articles = parse_all(files, segmenter)
            cpus.append(time.process_time() - c0)
            walls.append(time.perf_counter() - w0)
    cpu, wall = statistics.median(cpus), statistics.median(walls)
    print(f"{articles} articles; CPU {cpu:.2f} s (runs: {', '.join(f'{c:.2f}' for c in cpus)}), wall {wall:.2f} s")
    print(f"{size / 1e6 / cpu:.2f} MB/s per core (CPU), {size / 1e6 / wall:.2f} MB/s wall")

    if args.phases:
        with _collector_paused():
            spent = phases(files, segmenter)
        for name, seconds in spent.items():
            print(f"  {name:<11} {seconds:6.2f} s  {size / 1e6 / seconds if seconds > 0 else 0:7.1f} MB/s")
    if args.profile:
        profiler = cProfile.Profile()
        with _collector_paused():
            profiler.runcall(parse_all, files, segmenter)
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
