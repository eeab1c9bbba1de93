"""Bank files into the ledger: one file into one account, from the CLI, the API or a script.

:func:`import_file` is the one import of a bank file, which the CLI, the API upload and the
benchmark share. The whole file is parsed, checked and categorised before the write
transaction opens (the rows wait in a temporary spool), so no lock is held while a file or a
rule is slow; everything the file adds is then written in that one transaction: a bad row
anywhere means nothing from the file is kept, and a failed import batch is recorded (in its
own transaction) instead. Re-importing a file, or a statement overlapping an earlier one,
adds nothing twice: each row's fingerprint is the bank's id where the bank gives one, else
its content plus an occurrence index, and rows whose fingerprint exists are skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.config import get_settings
from fincast.db.engine import session_scope
from fincast.errors import ConflictError, EmptyImportError, FincastError
from fincast.ingest.builder import RowBuilder
from fincast.ingest.detect import detect_stream_format
from fincast.ingest.formats import canonical_format, parse_stream
from fincast.ingest.mapping import CsvMapping, load_mapping
from fincast.ingest.rows import TRANSACTION_COLUMNS, ParseReport, TransactionRow
from fincast.ingest.spool import Spooled, spool, spool_rows
from fincast.ledger import batches, categorization
from fincast.ledger import service as ledger
from fincast.ledger.models import Account, utcnow
from fincast.ledger.writer import write_transactions
from fincast.services import categorization as learned
from fincast.services._owned import get_owned
from fincast.services.forecasting import invalidate


@dataclass
class ImportResult:
    """What one import did; ``to_dict()`` is the CLI's ``--json`` shape."""

    file: str
    format: str
    imported: int
    duplicates: int
    skipped: int
    errors: list[str] = field(default_factory=list)
    batch_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        return asdict(self)


def import_file(
    engine: Engine,
    *,
    user_id: int,
    account_id: int,
    data: bytes | IO[bytes] | Path,
    filename: str,
    format: str = "auto",
    mapping: str | Path | Mapping[str, Any] | None = None,
    max_bytes: int | None = None,
) -> ImportResult:
    """Import one bank file into ``account_id`` of ``user_id``, all or nothing.

    Args:
        engine: Database to write to (migrated).
        user_id: Owner of the account; another user's account is reported as not found.
        account_id: Account the transactions belong to.
        data: File contents, an open binary stream (an upload), or a path.
        filename: Name used in messages and recorded on the import batch.
        format: ``auto`` (by content) or one of csv, ofx, qfx, qif, camt, mt940.
        mapping: CSV preset name, mapping file (JSON/TOML) or dict; None detects the layout.
        max_bytes: Size limit; None means ``Settings.max_upload_bytes``.

    Returns:
        Counts of imported, duplicate and skipped transactions, notes, and the batch id.

    Raises:
        NotFoundError: The account does not exist or belongs to another user.
        FileTooLargeError: The file is over ``max_bytes``.
        ParseError: A row or record cannot be read (names file, line, field, value).
        EmptyImportError: The file holds no bank transactions.
    """
    limit = max_bytes if max_bytes is not None else get_settings().max_upload_bytes
    requested = canonical_format(format)
    csv_mapping = load_mapping(dict(mapping) if isinstance(mapping, Mapping) else mapping)
    with session_scope(engine) as session:
        currency = ledger.get_account(session, user_id, account_id).currency
    filename = Path(filename).name or "upload"
    with spool(data, filename, limit) as source:
        file = batches.BatchFile(user_id, account_id, filename, requested, source.sha256)
        try:
            if file.format == "auto":
                file = replace(file, format=detect_stream_format(source.stream, filename))
            return _import(engine, source, file, currency=currency, mapping=csv_mapping)
        except FincastError as exc:
            # Recorded in a transaction of its own; the caller must see the import's error.
            with contextlib.suppress(Exception), engine.begin() as conn:
                batches.record_failed_batch(conn, file, exc)
            raise


def _import(
    engine: Engine,
    source: Spooled,
    file: batches.BatchFile,
    *,
    currency: str,
    mapping: CsvMapping | None,
) -> ImportResult:
    # The user's rules are read in a short transaction of their own; parsing, checking and
    # categorising the whole file then happen with no connection held, so a slow file or
    # rule never keeps another user's writes waiting. Only the insert is in the write
    # transaction.
    with engine.connect() as conn:
        categorizer = categorization.load_categorizer(conn, file.user_id)
    # Learned categories (services/categorization.py): the user's model is prepared and run
    # outside the write transaction; its answers are stored after transfer pairing.
    with engine.connect() as conn:
        suggester = learned.user_suggester(conn, file.user_id)
        accounts = learned.account_names(conn, file.user_id)
    report = ParseReport()
    builder = RowBuilder(
        user_id=file.user_id,
        account_id=file.account_id,
        batch_id=None,
        currency=currency,
        categorizer=categorizer,
        filename=file.filename,
        created_at=utcnow(),
    )
    parsed = parse_stream(
        file.format,
        source.stream,
        filename=file.filename,
        mapping=mapping,
        default_currency=currency,
        report=report,
    )
    with spool_rows() as rows:
        for p in parsed:
            rows.add(builder.build(p))
        if rows.count == 0:
            raise EmptyImportError(
                f"{file.filename}: no transactions in this {file.format.upper()} file"
            )
        # The model runs here, on the parsed rows, with no connection held (about 7 s per
        # 100k rows); the write transaction below only stores its answers.
        suggested = learned.suggest_rows(suggester, _for_model(rows.replay()), accounts)
        with engine.begin() as conn:
            batch_id = batches.start_batch(conn, file)
            n_rows = write_transactions(conn, _in_batch(rows.replay(), batch_id))
            imported = batches.count_batch_transactions(conn, batch_id)
            if imported:
                categorization.mark_transfers(conn, file.user_id, batch_id)
                learned.store_suggestions(conn, file.user_id, batch_id, suggested)
            result = ImportResult(
                file=file.filename,
                format=file.format,
                imported=imported,
                duplicates=n_rows - imported,
                skipped=report.skipped,
                errors=report.notes + categorizer.notes,
                batch_id=batch_id,
            )
            batches.finish_batch(
                conn,
                batch_id,
                n_rows=n_rows + result.skipped,
                n_imported=imported,
                n_duplicates=result.duplicates,
                n_skipped=result.skipped,
                notes=result.errors,
            )
    return result


_BATCH_COLUMN = TRANSACTION_COLUMNS.index("import_batch_id")


def _for_model(rows: Iterable[TransactionRow]) -> list[tuple[Any, ...]]:
    """The parsed rows as :func:`learned.suggest_rows` reads them, keyed by fingerprint.

    (fingerprint, account_id, posted_date as ISO text, amount as float, payee_raw,
    description_raw), by the positions of :data:`TRANSACTION_COLUMNS`.
    """
    return [(row[12], row[1], row[2].isoformat(), float(row[3]), row[5], row[7]) for row in rows]


def _in_batch(rows: Iterable[TransactionRow], batch_id: int) -> Iterator[TransactionRow]:
    """The rows with their import batch set (it exists only once the transaction is open)."""
    i = _BATCH_COLUMN
    for row in rows:
        yield cast(TransactionRow, (*row[:i], batch_id, *row[i + 1 :]))


def import_upload(
    engine: Engine,
    session: Session,
    *,
    user_id: int,
    account_id: int,
    stream: IO[bytes],
    filename: str,
    format: str = "auto",
    max_bytes: int,
) -> dict[str, Any]:
    """Import an uploaded file into ``user_id``'s account; returns the import result dict."""
    account = get_owned(session, Account, user_id, account_id, "account")
    if account.archived:
        raise ConflictError(
            f"account {account_id} ({account.name!r}) is archived: unarchive it to import into it"
        )
    session.close()  # the importer uses its own connection; do not hold a SQLite lock here
    result = import_file(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=stream,
        filename=filename[:255],
        format=format,
        max_bytes=max_bytes,
    )
    invalidate(user_id)
    return result.to_dict()


def import_into_account(
    engine: Engine,
    path: Path,
    *,
    email: str,
    account: str,
    account_type: str = "checking",
    currency: str = "USD",
    format: str = "auto",
    mapping: str | Path | None = None,
) -> ImportResult:
    """Import the bank file at ``path`` into ``email``'s account named ``account``.

    The user and the account are created when missing (the CLI's ``fincast import``); a new
    account gets ``account_type`` and ``currency``.
    """
    with session_scope(engine) as session:
        owner = ledger.get_or_create_user(session, email)
        acc = ledger.get_or_create_account(
            session, owner.id, account, type=account_type, currency=currency.upper()
        )
        user_id, account_id = owner.id, acc.id
    return import_file(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=path,
        filename=path.name,
        format=format,
        mapping=mapping,
    )


def apply_rules(engine: Engine, user_id: int) -> int:
    """Re-categorise ``user_id``'s transactions after their rules changed; returns changes."""
    with engine.begin() as conn:
        return categorization.apply_rules(conn, user_id)
