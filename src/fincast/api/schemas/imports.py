"""Schemas of the import preview: what a file would add, and how its columns were read."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from fincast.api.schemas.common import PublicSchema


class ImportLayoutPublic(PublicSchema):
    """How a CSV file's columns were read (absent for OFX, QIF, CAMT and MT940)."""

    source: str = Field(description="inferred, preset, or mapping (given or the saved one).")
    name: str = Field(description="Preset or mapping name; 'auto' when inferred.")
    header_line: int = Field(description="File line of the header row.")
    headers: list[str]
    mapping: dict[str, Any] = Field(
        description="Column per role (date, amount, debit, credit, fee, payee, ...), the "
        "JSON an import's `mapping` field takes."
    )
    confidence: dict[str, float] = Field(description="0..1 per role; 0.75 and up is sure.")
    notes: list[str] = Field(description="How fees, statuses and balances are read.")
    ambiguities: list[str] = Field(description="What is unclear; the import refuses then.")
    currency: str | None = Field(
        default=None, description="Currency the file states outside its rows, if any."
    )


class ImportPreviewRowPublic(PublicSchema):
    """One row as the ledger would store it."""

    line: int | None
    account: str
    date: str
    amount: str
    currency: str
    payee: str | None
    description: str | None
    category: str | None
    kind: str | None = Field(description="'transfer', 'fee' or null.")


class ImportPreviewPublic(PublicSchema):
    """What importing a file would do; nothing was written."""

    file: str
    format: str
    account_id: int
    layout: ImportLayoutPublic | None
    rows: list[ImportPreviewRowPublic] = Field(description="The first rows (up to 20).")
    total: int = Field(description="Rows the import would add (before duplicates).")
    skipped: int
    skipped_reasons: list[str]
    warnings: list[str]
    accounts: dict[str, int] = Field(description="Rows per account they would go into.")
    new_accounts: list[str] = Field(description="Accounts the import would create.")
    error: str | None = Field(description="Why the import would be refused, if it would.")
