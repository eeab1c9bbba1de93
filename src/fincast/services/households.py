"""Households into the ledger: transaction frames (synthetic, demo) and Mint-style exports.

Bank statements go through :mod:`fincast.services.imports` instead; both end in the ledger's
one bulk writer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from fincast.ingest.mint import read_mint_csv
from fincast.ledger.loader import load_transactions_frame

_HOUSEHOLD = "household"


def load_transactions(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    progress: Callable[[int], None] | None = None,
    emails: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Load a frame in the ``transactions.csv`` layout into the ledger, idempotently.

    Users are keyed by ``user_id`` (``emails`` maps them to logins, else they get a
    login-less email), accounts by name, categories by slug. ``progress`` receives the rows
    written. Returns counts of rows, imported, duplicates and users.
    """
    return load_transactions_frame(engine, frame, progress=progress, emails=emails)


def read_household(path: Path) -> pd.DataFrame:
    """Read a Mint-style household export, ready for :func:`load_household`."""
    return read_mint_csv(path, user_id=_HOUSEHOLD)


def load_household(
    engine: Engine,
    household: pd.DataFrame,
    *,
    email: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Load a household read by :func:`read_household` as ``email``'s ledger (idempotent)."""
    return load_transactions(engine, household, progress=progress, emails={_HOUSEHOLD: email})
