"""The heap of a short-lived forked child, backed by transparent huge pages.

Page faults are what a small rebuild's children spend much of their time on:
~5 µs each on the virtual machines this is measured on, and building rjieba's
dictionary alone touched ~8,000 fresh 4 KiB pages (0.05 s of its ~0.2 s).
With glibc on Linux, `use_huge_pages()` grows the heap by a large block, marks
it `MADV_HUGEPAGE` and frees it again, and stops malloc from trimming the heap
or serving large blocks with their own mappings: what the process allocates
next (rjieba's tables, numpy arrays, large Python objects) is carved from
memory the kernel faults in 2 MiB at a time (~50 faults instead of ~8,000).

The heap then never shrinks, so this is for processes that exit soon after
(`pipeline.Forked` children), not for the long-lived main process of `serve`.
Elsewhere (another libc, another system) it does nothing.
"""
from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD = -1  # mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_MADV_HUGEPAGE = 14
_HUGE_PAGE = 2 << 20


def use_huge_pages(size: int = 128 << 20) -> bool:
    """Back the next `size` bytes of this process's heap with huge pages; whether it could."""
    if not sys.platform.startswith("linux") or "glibc" not in (_confstr("CS_GNU_LIBC_VERSION") or ""):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.malloc.restype = ctypes.c_void_p
        libc.malloc.argtypes = [ctypes.c_size_t]
        libc.free.argtypes = [ctypes.c_void_p]
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        # large blocks from the heap (not a mapping each, faulted in anew every time),
        # and freed memory kept in it (the block below stays there, marked)
        if not (libc.mallopt(_M_MMAP_THRESHOLD, 512 << 20) and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)):
            return False
        block = libc.malloc(size)
        if not block:
            return False
        start = (block + _HUGE_PAGE - 1) & ~(_HUGE_PAGE - 1)
        marked = libc.madvise(start, (block + size - start) & ~(_HUGE_PAGE - 1), _MADV_HUGEPAGE) == 0
        libc.free(block)
        return marked
    except (OSError, AttributeError, ValueError):
        return False


def _confstr(name: str) -> str | None:
    try:
        return os.confstr(name)
    except (ValueError, OSError, AttributeError):
        return None
