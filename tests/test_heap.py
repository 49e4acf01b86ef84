"""`heap.use_huge_pages`: a forked child's heap faulted in 2 MiB at a time."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def _huge_pages_available() -> bool:
    try:
        glibc = "glibc" in os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError, AttributeError):
        return False
    return sys.platform.startswith("linux") and glibc and THP.is_file() and "[never]" not in THP.read_text()


def _faults_for_64_mib(huge: bool) -> tuple[str, int]:
    script = f"""
import resource
from newsarchive.heap import use_huge_pages
marked = use_huge_pages() if {huge} else None
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = bytearray(64 << 20)  # zero-filled: every page touched
print(marked, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not _huge_pages_available(), reason="needs Linux, glibc and transparent huge pages")
def test_a_heap_backed_by_huge_pages_faults_in_far_fewer_pages():
    plain = _faults_for_64_mib(False)
    huge = _faults_for_64_mib(True)
    assert plain[1] >= 16_000  # 4 KiB at a time
    assert huge[0] == "True" and huge[1] < plain[1] / 20


def test_it_does_nothing_where_it_cannot(monkeypatch):
    from newsarchive import heap

    monkeypatch.setattr(heap.sys, "platform", "darwin")
    assert heap.use_huge_pages() is False
