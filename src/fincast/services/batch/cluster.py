"""The Dask cluster a batch runs on: an existing one by address, or a local one sized to here."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psutil
from dask.distributed import Client, LocalCluster


def local_workers() -> int:
    """Worker processes for a local cluster: one per CPU this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@contextmanager
def batch_client(scheduler: str | None = None, *, workers: int | None = None) -> Iterator[Client]:
    """A Dask client of the scheduler at ``scheduler``, or of a local cluster.

    ``scheduler`` is an address such as ``tcp://HOST:8786``. Without one, a local cluster
    of ``workers`` single-threaded processes (default: one per CPU) shares 80 % of the
    machine's memory between them and is shut down afterwards.
    """
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or local_workers()
    memory = int(psutil.virtual_memory().total * 0.8 / n)
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
