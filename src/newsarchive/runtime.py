"""How a build uses the machine: its worker processes, its clock, its garbage collector.

This is the only module of the package that starts processes or threads, so a
reader learns the build's concurrency here once:

- `Workers` is the one pool. Every stage that can use more than one core hands it
  a module-level task `task(state, item)` and a list of items. The workers are
  forked when the pool is first used, and they inherit `state`, which the stage
  passes in explicitly. The state is not pickled, and the workers keep no globals
  of their own beyond the one slot below. Items and results are pickled. With one
  job, few items or no `fork`, the same task runs here, in order, so a stage has
  one code path.
- `Clock` times the phases of a build (`build --timings`, the benchmarks). A stage
  gets a child clock with its own prefix, so one dictionary holds every lap.
- `collector_paused` and `no_collection_at_exit` are the build's garbage-collector
  policy. Loading, parsing and tagging make almost no reference cycles, so the
  collector is off while they run; rendering makes some (jinja's per-page macro
  modules), so it is on there. Workers freeze what they inherited (so their
  collector never touches, and copies, the parent's pages) and collect their own
  garbage as usual.
"""
from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from typing import Any, Callable, Sequence, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: the state a forked worker inherited from its `Workers`; set only in workers
_worker_state: Any = None


def _install(state: Any) -> None:
    global _worker_state
    _worker_state = state
    gc.freeze()
    gc.enable()


def _run_chunk(job: tuple[Callable, list]) -> list:
    task, chunk = job
    return [task(_worker_state, item) for item in chunk]


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class Workers:
    """Up to `jobs` forked processes that run one stage's tasks over `state`.

    Use it as a context manager: the processes start on the first `map` that
    pays for them and stop at the end of the `with` block.
    """

    def __init__(self, jobs: int, state: Any = None, min_items: int = 2):
        self.jobs = max(1, jobs)
        self.state = state
        #: fewer items than this run here: forking costs more than it saves
        self.min_items = max(1, min_items)
        self._pool = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()
            pool.join()

    def parallel_for(self, count: int) -> bool:
        """Whether `count` items go to the workers."""
        return self.jobs > 1 and count >= self.min_items and can_fork()

    def map(
        self,
        task: Callable[[Any, Item], Result],
        items: Sequence[Item],
        chunks_per_worker: int = 4,
        progress: Callable[[int], None] | None = None,
    ) -> list[Result]:
        """`[task(state, item) for item in items]`, in order.

        In the workers, the items go in `jobs × chunks_per_worker` contiguous
        chunks: enough that one slow chunk does not keep a core idle, and few
        enough that pickling stays small. `progress(n)` is told as each chunk of
        n items is done.
        """
        items = list(items)
        if not self.parallel_for(len(items)):
            results = []
            for item in items:
                results.append(task(self.state, item))
                if progress is not None:
                    progress(1)
            return results
        size = -(-len(items) // (self.jobs * max(1, chunks_per_worker)))
        jobs = [(task, items[i : i + size]) for i in range(0, len(items), size)]
        results = []
        for chunk in self._start().imap(_run_chunk, jobs):
            results.extend(chunk)
            if progress is not None:
                progress(len(chunk))
        return results

    def _start(self):
        if self._pool is None:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(self.jobs, initializer=_install, initargs=(self.state,))
        return self._pool


def start_http_server(handler, host: str, port: int):
    """`serve`'s HTTP server, answering on daemon threads while the main thread watches
    files and rebuilds (a browser asks for the build number while a page loads)."""
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


class Clock:
    """Wall seconds per phase, and the main process's peak RSS after each one.

    `child("render")` shares the laps: its phases appear as `render.<name>`.
    """

    def __init__(self, prefix: str = "", laps: dict[str, float] | None = None,
                 peak_mb: dict[str, int] | None = None):
        self.prefix = prefix
        self.laps: dict[str, float] = {} if laps is None else laps
        self.peak_mb: dict[str, int] = {} if peak_mb is None else peak_mb
        self._last = time.perf_counter()

    def child(self, name: str) -> "Clock":
        return Clock(f"{self.prefix}{name}.", self.laps, self.peak_mb)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        key = self.prefix + name
        self.laps[key] = round(self.laps.get(key, 0.0) + now - self._last, 4)
        self._last = now
        if not self.prefix:
            self.peak_mb[key] = _peak_rss_mb()


def _peak_rss_mb() -> int:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    except (ImportError, OSError):
        return 0


_EXIT_FREEZE: list[bool] = []


def no_collection_at_exit() -> None:
    """At exit, hide every object from the collector's last passes: a command-line build
    leaves ~10⁵ objects (the catalog, the archive) that Python's shutdown would walk only
    for the process to end anyway."""
    if not _EXIT_FREEZE:
        import atexit

        atexit.register(gc.freeze)
        _EXIT_FREEZE.append(True)


@contextmanager
def collector_paused():
    """The collector off for the block, and back as it was after: a build allocates
    ~10⁶ long-lived objects and makes next to no cycles, so the collector's passes
    would walk them for nothing."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
