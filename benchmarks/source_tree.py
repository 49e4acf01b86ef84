"""`--src DIR` for the benchmark scripts: the source tree to import newsarchive from
(default: this checkout's src), e.g. an exported older commit, to compare two parsers
on the same pages and machine in one sitting."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def src_from_argv(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--src" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--src="):
            return arg.split("=", 1)[1]
    return str(ROOT / "src")


def import_from_argv() -> None:
    """Put the tree named by `--src` first on sys.path, before newsarchive is imported."""
    sys.path.insert(0, src_from_argv(sys.argv[1:]))
