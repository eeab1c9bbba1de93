"""Helpers shared by CLI commands: the migrated engine, progress bars, JSON output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from fincast.db import migrate
from fincast.db.engine import get_engine


def migrated_engine(url: str | None = None) -> Engine:
    """The configured database, migrated to the newest schema."""
    engine = get_engine(url)
    if not migrate.is_current(engine):
        migrate.upgrade(engine)
    return engine


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Any]:
    """A rich progress bar; yields ``advance(n)``."""
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            progress.advance(task, n)

        yield advance


def print_json(obj: Any) -> None:
    """Print ``obj`` as one line of JSON (Decimals and dates as strings)."""
    print(json.dumps(obj, default=str))
