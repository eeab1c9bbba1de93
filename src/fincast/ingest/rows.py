"""The one row type every bank-file parser produces, and the format names fincast knows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from fincast.errors import InputError

FORMATS: tuple[str, ...] = ("csv", "ofx", "qfx", "qif", "camt", "mt940")

_ALIASES = {
    "auto": "auto",
    "csv": "csv",
    "txt": "csv",
    "ofx": "ofx",
    "qfx": "qfx",
    "qif": "qif",
    "camt": "camt",
    "camt053": "camt",
    "camt.053": "camt",
    "xml": "camt",
    "mt940": "mt940",
    "mt-940": "mt940",
    "940": "mt940",
    "sta": "mt940",
}


class ParsedTransaction(NamedTuple):
    """One bank transaction read from a file, before it touches the ledger (immutable).

    Attributes:
        date: The booking (posted) date.
        amount: Signed amount; negative means money left the account.
        payee: Counterparty as the bank wrote it, if known.
        description: Free text (memo, purpose, remittance information), if any.
        external_id: The bank's own id for the transaction (FITID, AcctSvcrRef, ...).
        currency: ISO code the file states for this transaction, if any.
        line: Line (text formats) or record number (XML) the transaction came from.
    """

    date: dt.date
    amount: Decimal
    payee: str | None = None
    description: str | None = None
    external_id: str | None = None
    currency: str | None = None
    line: int | None = None


@dataclass
class ParseReport:
    """What a parser passed over on purpose: counted as skipped, explained in ``notes``."""

    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def skip(self, note: str) -> None:
        """Count one record as skipped and keep (at most 50) explanations."""
        self.skipped += 1
        if len(self.notes) < 50:
            self.notes.append(note)


def canonical_format(name: str) -> str:
    """Map a user-supplied format name (``CAMT.053``, ``sta``, ...) to a canonical one."""
    key = name.strip().lower()
    if key not in _ALIASES:
        allowed = ", ".join(("auto", *FORMATS))
        raise InputError(f"unknown import format {name!r}; use one of: {allowed}")
    return _ALIASES[key]
