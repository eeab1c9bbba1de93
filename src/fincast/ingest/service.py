"""Import one bank file into one account: atomic, idempotent, categorised.

This is the one entry point the CLI and the REST API share. Everything a file adds happens in
one database transaction: a bad row anywhere means nothing from the file is kept, and a failed
:class:`~fincast.ledger.models.ImportBatch` is recorded (in its own transaction) instead.
Re-importing a file, or a statement overlapping an earlier one, adds nothing twice: each row's
fingerprint is the bank's id where the bank gives one, else its content plus an occurrence
index, and rows whose fingerprint exists are skipped by the database's insert-or-ignore.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import Connection, Engine, Table, func, insert, select, update

from fincast.config import get_settings
from fincast.db.dialect import bulk_write_session, insert_ignore, insert_ignore_stmt
from fincast.db.engine import session_scope
from fincast.errors import EmptyImportError, FileTooLargeError, FincastError, ParseError
from fincast.ingest._text import squash
from fincast.ingest.camt import parse_camt
from fincast.ingest.categorize import Categorizer, keyword_slug, mark_transfers
from fincast.ingest.csv import parse_csv
from fincast.ingest.detect import HEAD_BYTES, detect_format
from fincast.ingest.mapping import CsvMapping, load_mapping
from fincast.ingest.mt940 import parse_mt940
from fincast.ingest.ofx import parse_ofx
from fincast.ingest.qif import parse_qif
from fincast.ingest.rows import ParsedTransaction, ParseReport, canonical_format
from fincast.ledger import service as ledger
from fincast.ledger.fingerprint import external_fingerprint, normalize_payee
from fincast.ledger.models import ImportBatch, ImportStatus, Transaction, utcnow

INSERT_CHUNK = 10_000
COLUMNS: tuple[str, ...] = (
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
_CENT = Decimal("0.01")
_sha256 = hashlib.sha256
_MAX_AMOUNT = Decimal(10) ** 16
_TX = cast(Table, Transaction.__table__)
_BATCHES = cast(Table, ImportBatch.__table__)


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


@contextmanager
def _open_source(
    data: bytes | BinaryIO | Path, filename: str, limit: int
) -> Iterator[tuple[IO[bytes], str]]:
    """A seekable binary stream over ``data`` and its sha256, refusing more than ``limit`` bytes."""

    def too_large(size: int | str) -> FileTooLargeError:
        return FileTooLargeError(
            f"{filename}: file is {size} bytes, over the upload limit of {limit} bytes "
            "(FINCAST_MAX_UPLOAD_BYTES)"
        )

    digest = hashlib.sha256()
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > limit:
            raise too_large(len(raw))
        digest.update(raw)
        yield io.BytesIO(raw), digest.hexdigest()
        return
    if isinstance(data, Path | str):
        path = Path(data)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ParseError(f"cannot read the file: {exc.strerror}", file=filename) from exc
        if size > limit:
            raise too_large(size)
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
            fh.seek(0)
            yield fh, digest.hexdigest()
        return
    # Any other binary stream (an upload): copy it, counting, so nothing over the limit is kept.
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        total = 0
        for block in iter(lambda: data.read(1 << 20), b""):
            total += len(block)
            if total > limit:
                raise too_large(f"more than {limit}")
            digest.update(block)
            spool.write(block)
        spool.seek(0)
        yield spool, digest.hexdigest()


def parse_stream(
    fmt: str,
    stream: IO[bytes],
    *,
    filename: str,
    mapping: CsvMapping | None = None,
    default_currency: str | None = None,
    report: ParseReport | None = None,
) -> Iterator[ParsedTransaction]:
    """Dispatch to the parser of ``fmt`` (canonical name); CSV streams, the rest read whole."""
    if fmt == "csv":
        return parse_csv(
            stream,
            filename=filename,
            mapping=mapping,
            default_currency=default_currency,
            report=report,
        )
    stream.seek(0)
    data = stream.read()
    if fmt in ("ofx", "qfx"):
        rows = parse_ofx(data, filename=filename, default_currency=default_currency, report=report)
    elif fmt == "qif":
        rows = parse_qif(
            data,
            filename=filename,
            default_currency=default_currency,
            date_format=mapping.date_format if mapping else None,
            report=report,
        )
    elif fmt == "camt":
        rows = parse_camt(data, filename=filename, default_currency=default_currency, report=report)
    elif fmt == "mt940":
        rows = parse_mt940(
            data, filename=filename, default_currency=default_currency, report=report
        )
    else:  # pragma: no cover - canonical_format guards this
        raise ParseError(f"unsupported format {fmt!r}", file=filename)
    return iter(rows)


@lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    return normalize_payee(text)


@lru_cache(maxsize=65536)
def _keywords(text: str) -> tuple[str | None, str | None]:
    return keyword_slug(text, Decimal(1)), keyword_slug(text, Decimal(-1))


class _RowBuilder:
    """Turns parsed transactions into ``transactions`` rows for one account and batch.

    Bank files repeat themselves: a million rows hold a few thousand payees, amounts and
    dates. So everything derived from one of them alone (normalised payee, rounded amount,
    ISO date, category) is computed once per distinct value and looked up afterwards; only the
    fingerprint (which carries the occurrence index) is computed per row.
    """

    _CACHE_LIMIT = 200_000

    def __init__(
        self,
        *,
        user_id: int,
        account_id: int,
        batch_id: int,
        currency: str,
        categorizer: Categorizer,
        filename: str,
    ) -> None:
        self.user_id = user_id
        self.account_id = account_id
        self.batch_id = batch_id
        self.currency = currency
        self.categorizer = categorizer
        self.filename = filename
        self.occurrences: dict[int, int] = {}
        self.now = utcnow()
        self.count = 0
        self._prefix = f"c|{account_id}|"
        # Categories depend on the amount only through its sign, unless a rule has a range.
        self._by_amount = any(
            r.amount_min is not None or r.amount_max is not None for r in categorizer.rules
        )
        self._amounts: dict[Decimal, tuple[Decimal, str]] = {}
        self._texts: dict[tuple[str | None, str | None], tuple[str | None, str, str | None]] = {}
        self._dates: dict[Any, str] = {}
        self._categories: dict[tuple[Any, ...], tuple[int | None, str | None]] = {}

    def _category(
        self, amount: Decimal, payee: str | None, description: str | None
    ) -> tuple[int | None, str | None]:
        cat = self.categorizer
        if cat.rules:
            return cat.categorize(self.account_id, amount, payee, description)
        pos, neg = _keywords(f"{payee or ''} {description or ''}")
        slug = pos if amount > 0 else neg
        if slug is not None and slug in cat.category_ids:
            return cat.category_ids[slug], "import"
        return None, None

    def _amount(self, raw: Decimal, line: int | None) -> tuple[Decimal, str]:
        amount = raw.quantize(_CENT, rounding=ROUND_HALF_UP)
        if abs(amount) >= _MAX_AMOUNT:
            raise ParseError(
                "amount is too large",
                file=self.filename,
                line=line,
                field="amount",
                value=raw,
            )
        if len(self._amounts) >= self._CACHE_LIMIT:
            self._amounts.clear()
        out = self._amounts[raw] = (amount, f"{amount:.2f}")
        return out

    def _texts_of(
        self, payee: str | None, description: str | None
    ) -> tuple[str | None, str, str | None]:
        payee_raw = squash(payee or description, 255)
        payee_norm = _norm(payee_raw) if payee_raw else ""
        if len(self._texts) >= self._CACHE_LIMIT:
            self._texts.clear()
        out = self._texts[(payee, description)] = (
            payee_raw,
            payee_norm,
            squash(description, 500),
        )
        return out

    def build(self, p: ParsedTransaction) -> tuple[Any, ...]:
        """One insertable row for ``p``, its values in :data:`COLUMNS` order."""
        cached = self._amounts.get(p.amount)
        amount, amount_text = cached if cached is not None else self._amount(p.amount, p.line)
        texts = self._texts.get((p.payee, p.description))
        if texts is None:
            texts = self._texts_of(p.payee, p.description)
        payee_raw, payee_norm, description = texts
        ext = (p.external_id or "").strip()[:255] or None
        if ext is not None:
            fingerprint = external_fingerprint(self.account_id, ext)
        else:
            # Same key and text as content_fingerprint(), with the ISO date looked up.
            key = hash((p.date, amount, payee_norm))
            occ = self.occurrences.get(key, 0)
            self.occurrences[key] = occ + 1
            iso = self._dates.get(p.date)
            if iso is None:
                iso = self._dates[p.date] = p.date.isoformat()
            fingerprint = _sha256(
                f"{self._prefix}{iso}|{amount_text}|{payee_norm}|{occ}".encode()
            ).hexdigest()
        currency = p.currency if p.currency and len(p.currency) == 3 else self.currency
        ckey = (payee_raw, description, amount if self._by_amount else amount > 0)
        category = self._categories.get(ckey)
        if category is None:
            category = self._category(amount, payee_raw, description)
            if len(self._categories) >= self._CACHE_LIMIT:
                self._categories.clear()
            self._categories[ckey] = category
        self.count += 1
        return (
            self.user_id,
            self.account_id,
            p.date,
            amount,
            currency.upper(),
            payee_raw,
            payee_norm[:255] or None,
            p.description,
            description,
            category[0],
            category[1],
            ext,
            fingerprint,
            self.batch_id,
            self.now,
        )


def _record_failure(
    engine: Engine,
    *,
    user_id: int,
    account_id: int,
    filename: str,
    fmt: str,
    sha256: str,
    error: Exception,
) -> int | None:
    try:
        with engine.begin() as conn:
            result = conn.execute(
                insert(_BATCHES).values(
                    user_id=user_id,
                    account_id=account_id,
                    file_name=filename[:255],
                    format=fmt[:16],
                    sha256=sha256,
                    status=ImportStatus.FAILED.value,
                    n_rows=0,
                    n_imported=0,
                    n_duplicates=0,
                    n_skipped=0,
                    errors=[str(error)[:2000]],
                    created_at=utcnow(),
                )
            )
            key = result.inserted_primary_key
            return int(key[0]) if key else None
    except Exception:
        return None


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_STAGE = "fincast_import_stage"


class _Writer:
    """Insert-or-ignore of many rows with the dialect's fastest bulk path.

    The statement is fincast's portable ``insert_ignore_stmt``, compiled once. Rows are
    converted with the column types' own bind processors (as SQLAlchemy would, each distinct
    value once) and handed to the driver in bulk: ``executemany`` on SQLite and PyMySQL (which
    folds it into multi-row INSERTs). On psycopg2 each chunk is ``COPY``-ed into a temporary
    staging table (dropped at commit) and moved with one ``INSERT ... SELECT ... ON CONFLICT
    DO NOTHING`` in file order. SQLAlchemy's per-row parameter handling for ``executemany``
    costs as much as SQLite's own insert work, hence this path; any other driver uses the
    plain Core ``insert_ignore``.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        dialect = conn.dialect
        compiled = insert_ignore_stmt(conn, _TX).compile(dialect=dialect, column_keys=list(COLUMNS))
        self.sql = str(compiled)
        if compiled.positiontup is not None:
            order = list(compiled.positiontup)
        else:
            order = re.findall(r"%\((\w+)\)s", self.sql)
        self.driver = dialect.driver
        self.fast = sorted(order) == sorted(COLUMNS) and self.driver in {
            "pysqlite",
            "pymysql",
            "psycopg2",
        }
        index = [COLUMNS.index(name) for name in order] if self.fast else []
        self.reorder = itemgetter(*index) if index else None
        self.in_order = order == list(COLUMNS)
        procs: list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = []
        for name in COLUMNS:
            proc = _TX.c[name].type.bind_processor(dialect)
            if proc is not None and name != "category_source":
                procs.append((COLUMNS.index(name), proc, {}))
        if self.driver == "pysqlite":
            # What sqlite3's default date and datetime adapters do, once per distinct value.
            for name in ("posted_date", "created_at"):
                if _TX.c[name].type.bind_processor(dialect) is None:
                    procs.append((COLUMNS.index(name), _sqlite_adapt, {}))
        self.processors = procs
        if self.driver == "pymysql" and compiled.positiontup is None:
            self.sql = re.sub(r"%\(\w+\)s", "%s", self.sql)
        self.staged = False

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (in :data:`COLUMNS` order), skipping duplicate fingerprints."""
        if not rows:
            return
        if not self.fast or self.reorder is None:
            insert_ignore(self.conn, _TX, [dict(zip(COLUMNS, r, strict=True)) for r in rows])
            return
        if self.driver == "psycopg2":
            self._copy(rows)
            return
        if self.processors:
            converted = []
            for row in rows:
                values = list(row)
                for i, proc, memo in self.processors:
                    value = values[i]
                    if value is not None:
                        out = memo.get(value, _MISSING)
                        if out is _MISSING:
                            if len(memo) >= 100_000:
                                memo.clear()
                            out = memo[value] = proc(value)
                        values[i] = out
                converted.append(tuple(values) if self.in_order else self.reorder(values))
            self.conn.exec_driver_sql(self.sql, converted)
            return
        reorder = self.reorder
        self.conn.exec_driver_sql(self.sql, rows if self.in_order else [reorder(r) for r in rows])

    def _copy(self, rows: list[tuple[Any, ...]]) -> None:
        quote = self.conn.dialect.identifier_preparer.quote
        target = self.conn.dialect.identifier_preparer.format_table(_TX)
        cols = ", ".join(quote(c) for c in COLUMNS)
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if not self.staged:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {_STAGE} ON COMMIT DROP AS "  # noqa: S608
                    f"SELECT {cols} FROM {target} WITH NO DATA"
                )
                cursor.execute(f"ALTER TABLE {_STAGE} ADD COLUMN fincast_ord BIGSERIAL")
                self.staged = True
            else:
                cursor.execute(f"TRUNCATE {_STAGE}")
            text = _copy_text
            buf = io.StringIO()
            buf.writelines("\t".join([text(v) for v in row]) + "\n" for row in rows)
            buf.seek(0)
            cursor.copy_expert(f"COPY {_STAGE} ({cols}) FROM STDIN", buf)
            cursor.execute(
                f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {_STAGE} "  # noqa: S608
                "ORDER BY fincast_ord ON CONFLICT DO NOTHING"
            )
        finally:
            cursor.close()


_MISSING = object()


def _sqlite_adapt(value: Any) -> Any:
    """What sqlite3's default adapters make of dates and datetimes."""
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _insert_rows(conn: Connection, rows: Iterator[ParsedTransaction], builder: _RowBuilder) -> int:
    """Insert-or-ignore all rows in chunks; memory stays flat however long the file is."""
    writer = _Writer(conn)
    chunk: list[tuple[Any, ...]] = []
    for parsed in rows:
        chunk.append(builder.build(parsed))
        if len(chunk) >= INSERT_CHUNK:
            writer.write(chunk)
            chunk = []
    writer.write(chunk)
    return builder.count


def import_file(
    engine: Engine,
    *,
    user_id: int,
    account_id: int,
    data: bytes | BinaryIO | Path,
    filename: str,
    format: str = "auto",
    mapping: str | Path | dict[str, Any] | None = None,
    max_bytes: int | None = None,
) -> ImportResult:
    """Import one bank file into ``account_id`` of ``user_id``, all or nothing.

    Args:
        engine: Database to write to (migrated).
        user_id: Owner of the account; another user's account is reported as not found.
        account_id: Account the transactions belong to.
        data: File contents, an open binary stream, or a path.
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
    csv_mapping = load_mapping(mapping if not isinstance(mapping, Mapping) else dict(mapping))
    with session_scope(engine) as session:
        account = ledger.get_account(session, user_id, account_id)
        currency = account.currency
    filename = Path(filename).name or "upload"
    with _open_source(data, filename, limit) as (stream, sha256):
        fmt = requested
        try:
            head = stream.read(HEAD_BYTES)
            stream.seek(0)
            if fmt == "auto":
                fmt = detect_format(head, filename)
            return _import(
                engine,
                stream=stream,
                sha256=sha256,
                fmt=fmt,
                user_id=user_id,
                account_id=account_id,
                currency=currency,
                filename=filename,
                mapping=csv_mapping,
            )
        except FincastError as exc:
            _record_failure(
                engine,
                user_id=user_id,
                account_id=account_id,
                filename=filename,
                fmt=fmt,
                sha256=sha256,
                error=exc,
            )
            raise


def _import(
    engine: Engine,
    *,
    stream: IO[bytes],
    sha256: str,
    fmt: str,
    user_id: int,
    account_id: int,
    currency: str,
    filename: str,
    mapping: CsvMapping | None,
) -> ImportResult:
    report = ParseReport()
    batches = _BATCHES
    with engine.begin() as conn:
        result = conn.execute(
            insert(batches).values(
                user_id=user_id,
                account_id=account_id,
                file_name=filename[:255],
                format=fmt,
                sha256=sha256,
                status=ImportStatus.COMPLETED.value,
                created_at=utcnow(),
            )
        )
        batch_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        categorizer = Categorizer.load(conn, user_id)
        builder = _RowBuilder(
            user_id=user_id,
            account_id=account_id,
            batch_id=batch_id,
            currency=currency,
            categorizer=categorizer,
            filename=filename,
        )
        rows = parse_stream(
            fmt,
            stream,
            filename=filename,
            mapping=mapping,
            default_currency=currency,
            report=report,
        )
        with bulk_write_session(conn, cache_mib=128):
            n_rows = _insert_rows(conn, rows, builder)
        if n_rows == 0:
            raise EmptyImportError(f"{filename}: no transactions in this {fmt.upper()} file")
        t = _TX
        imported = int(
            conn.execute(
                select(func.count()).select_from(t).where(t.c.import_batch_id == batch_id)
            ).scalar_one()
        )
        if imported:
            mark_transfers(conn, user_id, batch_id)
        notes = report.notes + categorizer.notes
        conn.execute(
            update(batches)
            .where(batches.c.id == batch_id)
            .values(
                n_rows=n_rows + report.skipped,
                n_imported=imported,
                n_duplicates=n_rows - imported,
                n_skipped=report.skipped,
                errors=notes or None,
            )
        )
    return ImportResult(
        file=filename,
        format=fmt,
        imported=imported,
        duplicates=n_rows - imported,
        skipped=report.skipped,
        errors=notes,
        batch_id=batch_id,
    )
