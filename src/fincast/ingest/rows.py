"""The row types of an import: what every parser reads, and what the ledger stores of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, TypeAlias

from fincast.ingest.mapping import CsvMapping


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
        kind: ``"transfer"`` for a movement between the user's own money (a currency
            conversion, a wallet top-up), ``"fee"`` for a fee split off its payment.
        account: The file's name or id of the account (multi-account files), if any.
    """

    date: dt.date
    amount: Decimal
    payee: str | None = None
    description: str | None = None
    external_id: str | None = None
    currency: str | None = None
    line: int | None = None
    kind: str | None = None
    account: str | None = None


#: The ``transactions`` columns a new row fills, in the order of :data:`TransactionRow`.
TRANSACTION_COLUMNS: tuple[str, ...] = (
    "user_id",
    "account_id",
    "posted_date",
    "amount",
    "currency",
    "payee_raw",
    "payee",
    "description_raw",
    "description",
    "category_id",
    "category_source",
    "external_id",
    "fingerprint",
    "import_batch_id",
    "created_at",
)

#: One new row of the ledger's ``transactions`` table: the values of
#: :data:`TRANSACTION_COLUMNS`, in that order. A plain tuple rather than a NamedTuple on
#: purpose: the garbage collector stops tracking plain tuples of plain values, but keeps
#: scanning tuple subclasses, which costs a tenth of an import's time.
TransactionRow: TypeAlias = tuple[
    int,  # user_id
    int,  # account_id
    dt.date,  # posted_date
    Decimal,  # amount
    str,  # currency
    str | None,  # payee_raw
    str | None,  # payee
    str | None,  # description_raw
    str | None,  # description
    int | None,  # category_id
    str | None,  # category_source
    str | None,  # external_id
    str,  # fingerprint
    int | None,  # import_batch_id
    dt.datetime,  # created_at
]


@dataclass
class ParseReport:
    """What a parser passed over on purpose: counted as skipped, explained in ``notes``.

    ``layout`` is what a CSV reader decided about the file (header line, headers, the column
    mapping, its confidence per role, notes), for the import preview.
    """

    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    layout: dict[str, Any] | None = None

    def skip(self, note: str) -> None:
        """Count one record as skipped and keep (at most 50) explanations."""
        self.skipped += 1
        if len(self.notes) < 50:
            self.notes.append(note)


@dataclass(frozen=True)
class ParseContext:
    """What every parser is told besides the file itself.

    Attributes:
        filename: The file's name, for error messages.
        mapping: The CSV column mapping (None: detect it); QIF takes its ``date_format``.
        default_currency: Currency of rows whose file states none (the account's).
        report: Where records passed over on purpose are counted.
        mapping_optional: ``mapping`` is a saved one: when no header row fits it, the
            layout is inferred instead of refusing the file.
    """

    filename: str
    mapping: CsvMapping | None = None
    default_currency: str | None = None
    report: ParseReport = field(default_factory=ParseReport)
    mapping_optional: bool = False
