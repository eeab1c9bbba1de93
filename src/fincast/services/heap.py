"""The garbage collector around bulk work: paused while an import reads a file.

Python's cyclic collector runs on allocation counts. Reading a 1,000,000-row file allocates
tens of millions of short-lived objects (cells, rows, encoded tuples) that reference
counting frees at once; each allocation burst still triggers young collections, and the
long-lived objects the work creates (parse caches, the scientific modules the model
imports) trigger full ones, which walk every object of the process. In a 1,000,000-row
import into SQLite the collector took 6.2 s of 37 s of CPU (16 full collections, 4.0 s;
docs/benchmarks.md, "Issue 14 (speed), step 6"). So the automatic collector is off while a
file is read, and the import collects the young generations itself after each chunk
(:func:`collect_young`): a cycle made in a chunk is freed after it, so garbage does not
grow with the file, and the long-lived objects are not walked again until the pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off while inside (process-wide, re-entrant).

    Several threads may be inside at once (two imports on a server): the collector comes
    back when the last one leaves, and only if it was on when the first came in. Reference
    counting goes on freeing everything without cycles; cyclic garbage made meanwhile (by
    this thread or another) waits for the next collection after the pause, so the pause
    should last a bounded piece of work (one file), never a process's life.
    """
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()


def collect_young() -> None:
    """Collect the young generations now (for a paused collector, between chunks of work).

    A cycle made while a chunk was handled is freed here instead of when the pause ends, so
    a long file's garbage does not pile up; what survives (caches, modules) moves to the old
    generation, which is walked again only after the pause. Costs about what the automatic
    young collections would have.
    """
    gc.collect(1)
