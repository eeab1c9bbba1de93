"""Helpers shared by CLI commands: the migrated engine (from services), progress bars, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from fincast.errors import InputError
from fincast.services.database import migrated_engine

__all__ = ["migrated_engine", "print_json", "progress_bar"]


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


def parse_decimal(text: str | None, name: str) -> Decimal | None:
    """An amount given on the command line as ``Decimal`` (None stays None).

    Raises:
        InputError: naming the option (``name``) when ``text`` is not a finite number.
    """
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise InputError(f"{name}: {text!r} is not a number") from exc
    if not value.is_finite():
        raise InputError(f"{name}: {text!r} is not a number")
    return value
