"""The garbage collector around bulk work: paused while an import reads a file.

Python's cyclic collector runs on allocation counts. Reading a 1,000,000-row file allocates
tens of millions of short-lived objects (cells, rows, encoded tuples) that reference
counting frees at once; each allocation burst still triggers young collections, and the
long-lived objects the work creates (parse caches, the scientific modules the model
imports) trigger full ones, which walk every object of the process. In a 1,000,000-row
import into SQLite the collector took 6.2 s of 37 s of CPU (16 full collections, 4.0 s;
docs/benchmarks.md, "Issue 14 (speed), step 6"). Nothing the import makes needs the cycle
collector to be freed in time: it holds no cycles of its own beyond a chunk, and what
others make meanwhile is collected when the pause ends.
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
