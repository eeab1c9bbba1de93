"""A user's data out (JSON, or a zip of CSV files) and a JSON export back into a fresh account.

Exports are JSON or a zip with one CSV file per table; a JSON export is re-imported into a
fresh account of this or another installation.

CSV cells that are text and start with ``= + - @``, a tab or a carriage return are prefixed
with ``'`` so spreadsheets do not run them as formulas; numbers (negative amounts included)
stay numbers.

:func:`import_json` loads what :func:`export_json` wrote: every row and field of accounts,
categories, rules, import batches, transactions (user corrections, raw texts and
fingerprints included), budgets, goals, debts, recurring series and anomaly flags (with the
user's review: confirmed or dismissed), with new ids and the references between them
carried over; fingerprints, which name their account, are re-keyed to the new account so a
re-import of the same bank file still adds nothing, and a transaction flag's subject (its
transaction's fingerprint) follows, so a dismissed flag stays dismissed. Tokens are
credentials, not data, and are never imported. Budgets, goals and debts of an export made
before they had a currency get the one they counted in then: the export's primary currency
(that of the accounts holding most of its transactions), a debt its account's; recurring
series and anomaly flags made before theirs get it as migration 0011 gave it: a series its
account's, a flag its transaction's account's or the currency its subject names.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, Table, delete, exists, select, update
from sqlalchemy.orm import Session

from fincast.config import get_settings
from fincast.db.base import Base
from fincast.db.engine import session_scope
from fincast.errors import ConflictError, InputError, NotFoundError
from fincast.ingest.fingerprint import moved_fingerprint, normalize_payee, strip_invisible
from fincast.ingest.spool import spool
from fincast.ledger import service as ledger
from fincast.ledger.models import (
    Account,
    AnomalyRecord,
    AuthToken,
    Budget,
    CategorizationRule,
    Category,
    Debt,
    ImportBatch,
    RecurringSeriesRecord,
    SavingsGoal,
    Transaction,
    User,
)
from fincast.panel import primary_currency
from fincast.services.backup import value_decoder
from fincast.services.forecasting import invalidate
from fincast.services.resources import NO_ACCOUNT_CURRENCY

EXPORT_VERSION = 1
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Exported tables in the order a re-import would need them; secrets are never exported.
TABLES: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("accounts", Account, ()),
    ("categories", Category, ()),
    ("rules", CategorizationRule, ()),
    ("import_batches", ImportBatch, ()),
    ("transactions", Transaction, ()),
    ("budgets", Budget, ()),
    ("goals", SavingsGoal, ()),
    ("debts", Debt, ()),
    ("recurring_series", RecurringSeriesRecord, ()),
    ("anomalies", AnomalyRecord, ()),
    ("api_tokens", AuthToken, ("token_hash",)),
)


def _columns(model: Any, skip: tuple[str, ...]) -> list[str]:
    table: Table = model.__table__
    return [c.name for c in table.columns if c.name not in skip]


def iter_rows(
    session: Session, user_id: int, model: Any, cols: list[str]
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``model`` owned by ``user_id`` as tuples of ``cols``, in id order."""
    table: Table = model.__table__
    stmt = (
        select(*(table.c[c] for c in cols))
        .where(table.c.user_id == user_id)
        .order_by(table.c.id)
        .execution_options(yield_per=2000)
    )
    for row in session.execute(stmt):
        yield tuple(row)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def export_json(session: Session, user_id: int) -> dict[str, Any]:
    """Everything ``user_id`` owns as one JSON-ready dict (money as strings)."""
    user = session.get(User, user_id)
    out: dict[str, Any] = {
        "version": EXPORT_VERSION,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "user": {
            "id": user_id,
            "email": user.email if user else None,
            "display_name": user.display_name if user else None,
        },
    }
    for name, model, skip in TABLES:
        cols = _columns(model, skip)
        out[name] = [
            {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
            for row in iter_rows(session, user_id, model, cols)
        ]
    return out


def safe_cell(value: Any) -> Any:
    """A CSV cell that spreadsheets will not evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        return value
    value = _json_value(value)
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_csv_zip(session: Session, user_id: int) -> bytes:
    """A zip with one ``<table>.csv`` per exported table (UTF-8, header row, RFC 4180)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, model, skip in TABLES:
            cols = _columns(model, skip)
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(cols)
            for row in iter_rows(session, user_id, model, cols):
                writer.writerow([safe_cell(v) for v in row])
            zf.writestr(f"{name}.csv", text.getvalue().encode("utf-8"))
    return buf.getvalue()


# Tables whose rows are credentials rather than the user's data: exported without their
# secrets, never imported.
NOT_IMPORTED = frozenset({"api_tokens"})
# What a fresh account already holds: the default categories and the tokens of its login.
_MAY_EXIST = frozenset({Category.__tablename__, AuthToken.__tablename__})


@dataclass(frozen=True)
class ImportedExport:
    """What :func:`import_json` loaded: rows per table, and which tables it left out."""

    rows: dict[str, int] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows over all tables."""
        return sum(self.rows.values())


def read_export(data: bytes | IO[bytes] | Path, *, filename: str, max_bytes: int) -> Any:
    """The JSON document of an export file (bytes, a stream or a path) of at most ``max_bytes``."""
    with spool(data, filename, max_bytes) as source:
        try:
            return json.load(source.stream)
        except (UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"{filename}: not a fincast JSON export ({exc})") from exc


def _checked(document: Any) -> dict[str, list[dict[str, Any]]]:
    """The document's tables, after checking it is an export this version can load."""
    if not isinstance(document, Mapping) or "version" not in document:
        raise InputError("not a fincast JSON export (no 'version')")
    if document["version"] != EXPORT_VERSION:
        raise InputError(
            f"export version {document['version']!r} is not supported "
            f"(this fincast reads version {EXPORT_VERSION})"
        )
    out: dict[str, list[dict[str, Any]]] = {}
    for name, model, skip in TABLES:
        rows = document.get(name, [])
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
            raise InputError(f"export table {name!r} is not a list of objects")
        if name in NOT_IMPORTED:
            continue
        known = set(_columns(model, skip))
        for i, row in enumerate(rows):
            unknown = sorted(set(row) - known)
            if unknown:
                raise InputError(
                    f"export table {name!r}, row {i + 1}: unknown columns {unknown} "
                    "(an export from a newer fincast?)"
                )
            if not isinstance(row.get("id"), int):
                raise InputError(f"export table {name!r}, row {i + 1}: no integer 'id'")
        out[name] = [dict(r) for r in rows]
    return out


def _owns_data(conn: Connection, user_id: int) -> list[str]:
    """The tables where ``user_id`` already has rows (default categories and tokens aside)."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in _MAY_EXIST or "user_id" not in table.c:
            continue
        if conn.scalar(select(exists().where(table.c.user_id == user_id))):
            found.append(table.name)
    return found


def import_json(engine: Engine, user_id: int, document: Any) -> ImportedExport:
    """Load a JSON export into ``user_id``'s ledger, all or nothing; returns rows per table.

    The user must be fresh: the default categories a new account gets are replaced by the
    export's, and any other data is refused (ConflictError naming the tables) so nothing is
    merged or duplicated. Every row keeps every field (creation times, raw texts, user-set
    categories) except its id and owner, and fingerprints are re-keyed to the new account;
    references between the rows (an account's transactions, a rule's category, a
    transaction's import batch) point at the new ids. A reference to a row the export does
    not hold is refused (InputError).
    """
    tables = _checked(document)
    aware = engine.dialect.name == "postgresql"
    new_ids: dict[str, dict[int, int]] = {}
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        if conn.scalar(select(exists().where(User.id == user_id))) is not True:
            raise NotFoundError(f"user {user_id} not found")
        taken = _owns_data(conn, user_id)
        if taken:
            raise ConflictError(
                f"the account already holds data ({', '.join(taken)}); an export is imported "
                "into a fresh account only"
            )
        conn.execute(delete(Category).where(Category.user_id == user_id))
        fingerprints: dict[int, str] = {}
        for name, model, _ in TABLES:
            if name in NOT_IMPORTED:
                continue
            rows = tables[name]
            if name == "anomalies":
                rows = _follow_fingerprints(rows, tables["transactions"], fingerprints)
            if name in _IN_CURRENCY:
                rows = _with_currency(rows, tables["accounts"], tables["transactions"])
            counts[name] = _load_table(
                conn, name, model.__table__, rows, user_id, new_ids, aware, fingerprints
            )
        profile = document.get("user") or {}
        if isinstance(profile, Mapping) and profile.get("display_name"):
            conn.execute(
                update(User)
                .where(User.id == user_id, User.display_name.is_(None))
                .values(display_name=str(profile["display_name"])[:100])
            )
    left_out = [name for name in NOT_IMPORTED if document.get(name)]
    return ImportedExport(counts, sorted(left_out))


def _load_table(
    conn: Connection,
    name: str,
    table: Table,
    rows: list[dict[str, Any]],
    user_id: int,
    new_ids: dict[str, dict[int, int]],
    aware: bool,
    new_fingerprints: dict[int, str] | None = None,
) -> int:
    """Insert one exported table's rows with new ids; remember them when others refer here.

    For transactions, ``new_fingerprints`` receives each row's re-keyed fingerprint by its
    exported id.
    """
    decoders = {c.name: value_decoder(c, aware) for c in table.columns}
    # Columns that point at another imported table, and the table they point at.
    refs: dict[str, str] = {}
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table.name
            if target != "users":
                refs[column.name] = _EXPORT_NAME.get(target, target)
    # Transactions are many: inserted in bulk, their new ids read back by (account,
    # fingerprint), unique per account. Other referenced tables are inserted row by row.
    bulk_ids = name == "transactions"
    referenced = name in _REFERENCED and not bulk_ids
    mapping = new_ids.setdefault(name, {})
    moved: dict[tuple[int, str], int] = {}
    fingerprints = new_fingerprints if new_fingerprints is not None else {}
    same_day = Counter((r.get("account_id"), r.get("posted_date"), r.get("amount")) for r in rows)
    batch: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        values: dict[str, Any] = {}
        for key, raw in row.items():
            if key in ("id", "user_id"):
                continue
            if key in refs and raw is not None:
                target_ids = new_ids.get(refs[key], {})
                if raw not in target_ids:
                    raise InputError(
                        f"export table {name!r}, row {i + 1}: {key} {raw!r} refers to a row "
                        f"the export's {refs[key]!r} do not hold"
                    )
                values[key] = target_ids[raw]
                continue
            try:
                values[key] = decoders[key](raw)
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise InputError(
                    f"export table {name!r}, row {i + 1}: {key} {str(raw)[:80]!r} is not valid "
                    f"({exc})"
                ) from exc
        values["user_id"] = user_id
        if name == "transactions" and "fingerprint" in values:
            values["fingerprint"] = _moved_fingerprint(row, values, same_day)
            if bulk_ids:
                moved[(int(values["account_id"]), str(values["fingerprint"]))] = int(row["id"])
        if referenced:
            result = conn.execute(table.insert().values(**values))
            pk = result.inserted_primary_key
            assert pk is not None
            mapping[int(row["id"])] = int(pk[0])
        else:
            batch.append(values)
            if len(batch) >= _CHUNK:
                _insert_many(conn, table, batch)
                batch = []
    if batch:
        _insert_many(conn, table, batch)
    if bulk_ids and moved:
        stored = conn.execute(
            select(table.c.id, table.c.account_id, table.c.fingerprint).where(
                table.c.user_id == user_id
            )
        )
        for new_id, account_id, fingerprint in stored:
            old = moved.get((int(account_id), str(fingerprint)))
            if old is not None:
                mapping[old] = int(new_id)
                fingerprints[old] = str(fingerprint)
    return len(rows)


def _follow_fingerprints(
    anomalies: list[dict[str, Any]],
    transactions: list[dict[str, Any]],
    fingerprints: Mapping[int, str],
) -> list[dict[str, Any]]:
    """A transaction flag's subject is its transaction's fingerprint: follow the re-keying."""
    exported = {t["id"]: t.get("fingerprint") for t in transactions}
    out = []
    for row in anomalies:
        tx = row.get("transaction_id")
        if tx is not None and tx in fingerprints and row.get("subject") == exported.get(tx):
            row = {**row, "subject": fingerprints[tx]}
        out.append(row)
    return out


#: Exported tables whose rows have a currency of their own (none before migrations 0010 and
#: 0011).
_IN_CURRENCY = frozenset({"budgets", "goals", "debts", "recurring_series", "anomalies"})


def _with_currency(
    rows: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    transactions: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Rows without a ``currency``: their account's, else the export's primary currency.

    A flag's account is its transaction's; a month or spike flag without one names its
    currency in its subject when it is not the primary one (``2024-05 EUR``).
    """
    if all(row.get("currency") for row in rows):
        return rows
    held = {a.get("id"): str(a.get("currency") or NO_ACCOUNT_CURRENCY).upper() for a in accounts}
    used = Counter(held[t["account_id"]] for t in transactions if t.get("account_id") in held)
    ids = sorted(int(i) for i in held if i is not None)
    first = held[ids[0]] if ids else NO_ACCOUNT_CURRENCY
    primary = primary_currency(dict(used), first)
    account_of = {t.get("id"): t.get("account_id") for t in transactions}

    def currency(row: dict[str, Any]) -> str:
        account = row.get("account_id") or account_of.get(row.get("transaction_id"))
        if account in held:
            return held[account]
        subject = str(row.get("subject") or "")
        named = subject.rpartition(" ")[2] if " " in subject else ""
        panel = row.get("kind") in ("category_spike", "monthly_behaviour")
        if panel and len(named) == 3 and named.isalpha():
            return named.upper()
        return primary

    return [row if row.get("currency") else {**row, "currency": currency(row)} for row in rows]


def _moved_fingerprint(
    row: Mapping[str, Any], values: Mapping[str, Any], same_day: Counter[tuple[Any, ...]]
) -> str:
    """The transaction's fingerprint re-keyed to its new account (as is when not fincast's)."""
    fingerprint = str(values["fingerprint"])
    if row.get("account_id") is None or values.get("posted_date") is None:
        return fingerprint
    payee = row.get("payee")
    moved = moved_fingerprint(
        fingerprint,
        old_account_id=int(row["account_id"]),
        new_account_id=int(values["account_id"]),
        posted=values["posted_date"],
        amount=Decimal(values["amount"]),
        payees=(
            payee,
            normalize_payee(payee),
            normalize_payee(strip_invisible(row.get("payee_raw") or row.get("description_raw"))),
        ),
        external_id=row.get("external_id"),
        occurrences=same_day[(row.get("account_id"), row.get("posted_date"), row.get("amount"))],
    )
    return moved or fingerprint


def _insert_many(conn: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    # executemany needs the same keys in every row: a column a row leaves out gets its default.
    keys = sorted({k for values in batch for k in values})
    if all(len(values) == len(keys) for values in batch):
        conn.execute(table.insert(), batch)
        return
    for values in batch:
        conn.execute(table.insert().values(**values))


_CHUNK = 2000
#: The export's names of tables that other exported rows refer to.
_EXPORT_NAME = {model.__tablename__: name for name, model, _ in TABLES}
_REFERENCED = frozenset(
    _EXPORT_NAME.get(fk.column.table.name, fk.column.table.name)
    for _, model, _ in TABLES
    for column in model.__table__.columns
    for fk in column.foreign_keys
    if fk.column.table.name != "users"
)


def import_export_upload(
    engine: Engine, user_id: int, stream: IO[bytes], *, filename: str, max_bytes: int
) -> ImportedExport:
    """Load an uploaded JSON export into ``user_id``'s fresh account (the API's import)."""
    document = read_export(stream, filename=filename, max_bytes=max_bytes)
    result = import_json(engine, user_id, document)
    invalidate(user_id)
    return result


def import_export_file(
    engine: Engine, path: Path, *, email: str, max_bytes: int | None = None
) -> ImportedExport:
    """Load the JSON export at ``path`` into ``email``'s account, creating the user if needed.

    The CLI's ``fincast import-export``: a user made here has no password yet (set one with
    ``fincast users create`` beforehand to log in through the API).
    """
    limit = max_bytes if max_bytes is not None else get_settings().max_upload_bytes
    document = read_export(Path(path), filename=Path(path).name, max_bytes=limit)
    with session_scope(engine) as session:
        user_id = ledger.get_or_create_user(session, email).id
    return import_json(engine, user_id, document)
