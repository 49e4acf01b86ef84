"""The code's own shape (issue 22): small modules and functions, one place for processes,
threads, phase clocks and the garbage collector. These read the source, so a change
that breaks a rule fails here with the file and line to look at."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "newsarchive"
MODULES = sorted(p for p in SRC.rglob("*.py") if "vendor" not in p.parts)
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def test_the_source_tree_is_there():
    assert len(MODULES) > 20 and (SRC / "runtime.py").is_file()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_is_over_600_lines(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_function_is_over_80_lines(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [f"{_name(path)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


#: what starts a process or a thread, or changes the collector, or times a phase
MACHINERY = {
    "processes or threads": re.compile(
        r"\bos\.fork\b|\bmultiprocessing\b|\bconcurrent\.futures\b|\bProcessPool|\bThreadPool"
        r"|\bthreading\.Thread\b|\bThreadingHTTPServer\b|\bsubprocess\b|\bos\.spawn"),
    "the garbage collector": re.compile(r"\bgc\.(disable|enable|freeze|unfreeze|collect|set_threshold)\b"),
    "a phase clock": re.compile(r"\bperf_counter\b"),
}


@pytest.mark.parametrize("what", sorted(MACHINERY))
def test_only_runtime_runs_machinery(what):
    pattern = MACHINERY[what]
    found = []
    for path in MODULES:
        if path.name == "runtime.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code) and not code.lstrip().startswith(('"', "'")):
                found.append(f"{_name(path)}:{number}: {line.strip()}")
    assert found == [], f"only runtime.py may touch {what}"


def test_the_fork_ahead_runtime_is_gone():
    gone = ("Forked", "ParseAhead", "SearchAhead", "NarrowSegmenter", "LexiconTable", "LazyToolkit",
            "use_huge_pages", "LAST_TIMINGS", "_FORKED_")
    found = [f"{_name(p)}: {name}" for p in MODULES for name in gone if name in p.read_text(encoding="utf-8")]
    assert found == []
