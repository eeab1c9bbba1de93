"""Which CSV column means what: presets for common bank layouts and small mapping files.

A mapping file is JSON or TOML with the fields of :class:`CsvMapping`, for example::

    # mybank.toml
    date = "Buchungstag"
    amount = "Betrag"
    payee = "Empfaenger"
    description = ["Verwendungszweck"]
    date_format = "%d.%m.%Y"
    decimal = ","
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from fincast.errors import InputError


@dataclass(frozen=True)
class CsvMapping:
    """Column roles of a CSV export; names match headers case-insensitively.

    Attributes:
        name: Preset or mapping name (for messages).
        date: Header of the booking-date column.
        amount: Header of a single signed amount column.
        debit: Header of a money-out column (used with ``credit`` instead of ``amount``).
        credit: Header of a money-in column.
        direction: Header of a column saying "debit"/"credit" for unsigned amounts.
        payee: Header of the counterparty column.
        description: Headers joined (with spaces) into the description.
        external_id: Header of a column with the bank's unique transaction id.
        currency: Header of a currency column.
        date_format: ``strptime`` format; empty means decided from the whole column.
        decimal: ``"."`` or ``","``; empty means decided from the whole file.
        negate: Flip every sign (card exports that show charges as positive numbers).
        delimiter: Field delimiter; empty means sniffed.
        encoding: Text encoding; empty means detected.
        html_unescape: Undo HTML escaping (``&amp;``) in text columns.
        fee: Header of a fee column; a non-zero fee becomes a transaction of its own.
        status: Header of a status column; rows not completed are skipped with a reason.
        type: Header of a transaction-type column; conversions and transfers are transfers.
        balance: Header of a running-balance column (checked by inference, not stored).
        payee_from: Header of the payer column (the payee of money in, with ``payee_to``).
        payee_to: Header of the receiver column (the payee of money out).
        account: Header of a column naming the account (multi-account exports).
        signature: Headers that identify this layout for auto-detection (presets only).
    """

    name: str = "custom"
    date: str = ""
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    direction: str | None = None
    payee: str | None = None
    description: tuple[str, ...] = ()
    external_id: str | None = None
    currency: str | None = None
    date_format: str | None = None
    decimal: str | None = None
    negate: bool = False
    delimiter: str | None = None
    encoding: str | None = None
    html_unescape: bool = False
    fee: str | None = None
    status: str | None = None
    type: str | None = None
    balance: str | None = None
    payee_from: str | None = None
    payee_to: str | None = None
    account: str | None = None
    signature: tuple[str, ...] = field(default=(), compare=False)

    def validate(self) -> CsvMapping:
        """Return self, or raise InputError when the mapping cannot describe a transaction."""
        if not self.date.strip():
            raise InputError(f"CSV mapping {self.name!r} names no date column")
        if not self.amount and not (self.debit or self.credit):
            raise InputError(
                f"CSV mapping {self.name!r} needs an amount column or debit/credit columns"
            )
        if self.decimal not in (None, ".", ","):
            raise InputError(f"CSV mapping {self.name!r}: decimal must be '.' or ','")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise InputError(f"CSV mapping {self.name!r}: delimiter must be one character")
        return self


PRESETS: dict[str, CsvMapping] = {
    m.name: m
    for m in (
        CsvMapping(
            name="chase",
            date="Posting Date",
            amount="Amount",
            payee="Description",
            signature=("Details", "Posting Date", "Description", "Amount", "Type", "Balance"),
        ),
        CsvMapping(
            name="capitalone",
            date="Posted Date",
            debit="Debit",
            credit="Credit",
            payee="Description",
            signature=("Transaction Date", "Posted Date", "Card No.", "Description", "Debit"),
        ),
        CsvMapping(
            name="schwab",
            date="Date",
            debit="Withdrawal",
            credit="Deposit",
            payee="Description",
            signature=("Date", "Status", "Type", "CheckNumber", "Description", "Withdrawal"),
        ),
        CsvMapping(
            name="pcfinancial",
            date="Date",
            amount="Amount",
            payee="Merchant Name",
            negate=True,
            signature=("Merchant Name", "Card Used For Transaction", "Date", "Time", "Amount"),
        ),
        CsvMapping(
            name="mint",
            date="Date",
            amount="Amount",
            direction="Transaction Type",
            payee="Description",
            description=("Original Description",),
            html_unescape=True,
            account="Account Name",
            signature=("Date", "Description", "Original Description", "Transaction Type"),
        ),
        CsvMapping(
            name="n26",
            date="Booking Date",
            amount="Amount (EUR)",
            payee="Partner Name",
            description=("Payment Reference",),
            signature=("Booking Date", "Partner Name", "Partner Iban", "Amount (EUR)"),
        ),
        CsvMapping(
            name="outbank",
            date="Date",
            amount="Amount",
            currency="Currency",
            payee="Name",
            description=("Reason",),
            decimal=",",
            signature=("Account", "Date", "Value Date", "Amount", "Currency", "Name", "Reason"),
        ),
        CsvMapping(
            name="gls",
            date="Buchungstag",
            amount="Betrag",
            currency="Währung",
            payee="Auftraggeber/Empfänger",
            description=tuple(f"VWZ{i}" for i in range(1, 15)),
            decimal=",",
            signature=("Buchungstag", "Auftraggeber/Empfänger", "VWZ1", "Betrag"),
        ),
        CsvMapping(
            name="ing_es",
            date="date",
            amount="amount",
            payee="desc",
            description=("notes",),
            signature=("date", "class", "subcategory", "desc", "amount", "balance"),
        ),
        CsvMapping(
            name="csb43",
            date="transaction_date",
            amount="amount",
            currency="currency",
            payee="item1",
            description=("item2", "reference1"),
            signature=("bank_code", "transaction_date", "value_date", "amount", "item1"),
        ),
    )
}


def _lookup(headers: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        out.setdefault(h.strip().lower(), i)
    return out


_FIELDS = {f.name for f in fields(CsvMapping)}


def mapping_from_dict(data: Mapping[str, Any], *, name: str = "custom") -> CsvMapping:
    """Build a mapping from a dict (as read from JSON/TOML); ``preset`` extends a preset."""
    data = dict(data)
    base = CsvMapping(name=name)
    preset = data.pop("preset", None)
    if preset is not None:
        if preset not in PRESETS:
            raise InputError(f"unknown CSV preset {preset!r}; presets: {', '.join(PRESETS)}")
        base = PRESETS[preset]
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise InputError(f"unknown CSV mapping keys: {unknown}; allowed: {sorted(_FIELDS)}")
    if isinstance(data.get("description"), str):
        data["description"] = (data["description"],)
    elif "description" in data:
        data["description"] = tuple(str(x) for x in data["description"])
    for key, value in data.items():
        if key in {"negate", "html_unescape"}:
            if not isinstance(value, bool):
                raise InputError(f"CSV mapping key {key!r} must be true or false")
        elif key != "description" and value is not None and not isinstance(value, str):
            raise InputError(f"CSV mapping key {key!r} must be a string")
    data.setdefault("name", name if preset is None else f"{preset}+{name}")
    return replace(base, **data).validate()


def preset_for(headers: list[str]) -> CsvMapping | None:
    """The preset whose signature headers all appear in ``headers``, if any."""
    index = _lookup(headers)
    for preset in PRESETS.values():
        if preset.signature and all(h.lower() in index for h in preset.signature):
            return preset
    return None


def mapping_to_dict(mapping: CsvMapping) -> dict[str, Any]:
    """The mapping as JSON-ready data that :func:`mapping_from_dict` reads back (no defaults)."""
    out: dict[str, Any] = {}
    for f in fields(CsvMapping):
        if f.name in {"signature", "name"}:
            continue
        value = getattr(mapping, f.name)
        if value == f.default or (f.name == "description" and not value):
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def load_mapping(spec: str | Path | Mapping[str, Any] | None) -> CsvMapping | None:
    """Resolve ``--mapping``: a preset name, a JSON/TOML file, a dict, or None (auto)."""
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return mapping_from_dict(spec)
    text = str(spec)
    if isinstance(spec, str) and text.lower() in PRESETS:
        return PRESETS[text.lower()]
    path = Path(spec)
    if not path.is_file():
        raise InputError(
            f"--mapping {text!r} is neither a preset ({', '.join(PRESETS)}) nor a file"
        )
    try:
        raw = path.read_bytes()
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read CSV mapping file {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"CSV mapping file {path.name} must hold one object/table")
    return mapping_from_dict(data, name=path.stem)
