"""Whole-database backup and restore: every row of every ledger table, in one zip file.

The file holds ``manifest.json`` (format, fincast version, Alembic schema revision, table
order, columns, row counts and SHA-256 of each member) and one JSON-lines member per table,
rows in primary-key order. Values are lossless: decimals as strings, datetimes and dates in
ISO 8601 (datetimes with their UTC offset), bytes in base64, JSON columns as JSON. Restore
checks the manifest and every member before writing, then loads all tables in one
transaction and moves PostgreSQL's sequences past the restored ids (SQLite and InnoDB move
their counters themselves when ids are inserted).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Enum,
    LargeBinary,
    Numeric,
    Table,
    delete,
    func,
    null,
    select,
    text,
)

import fincast.ledger.models  # noqa: F401  (every table on Base.metadata)
from fincast import __version__
from fincast.db import migrate
from fincast.db.base import Base
from fincast.errors import ConflictError, InputError
from fincast.ledger import revisions

FORMAT = "fincast-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1000


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or restore covered: the file, the schema revision and rows per table."""

    path: Path
    schema_revision: str | None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows over all tables."""
        return sum(self.rows.values())


def tables() -> list[Table]:
    """The ledger's tables in dependency order (parents before children)."""
    return list(Base.metadata.sorted_tables)


def _encoder(column: Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, Numeric):
        return lambda v: None if v is None else str(v)
    if isinstance(kind, DateTime):

        def enc_dt(v: dt.datetime | None) -> str | None:
            if v is None:
                return None
            if v.tzinfo is None:  # SQLite and MariaDB hand back UTC without an offset
                v = v.replace(tzinfo=dt.UTC)
            return v.isoformat()

        return enc_dt
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64encode(v).decode("ascii")
    if isinstance(kind, Enum):
        return lambda v: v.value if isinstance(v, enum.Enum) else v
    return lambda v: v


def value_decoder(column: Column[Any], aware: bool) -> Callable[[Any], Any]:
    """Turns a column's JSON value (as backups and exports write it) back into its type."""
    kind = column.type
    if isinstance(kind, Numeric):
        return lambda v: None if v is None else Decimal(v)
    if isinstance(kind, DateTime):

        def dec_dt(v: str | None) -> dt.datetime | None:
            if v is None:
                return None
            value = dt.datetime.fromisoformat(v)
            if value.tzinfo is not None and not aware:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value

        return dec_dt
    if isinstance(kind, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        enum_class = kind.enum_class
        return lambda v: None if v is None else enum_class(v)
    if isinstance(kind, JSON):
        return lambda v: null() if v is None else v
    return lambda v: v


def _member(table: Table) -> str:
    return f"tables/{table.name}.jsonl"


def _private_file(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


def _stream(conn: Connection, table: Table) -> Iterator[Any]:
    stmt = select(table).order_by(*table.primary_key.columns)
    yield from conn.execution_options(yield_per=CHUNK).execute(stmt)


def backup(engine: Engine, out: Path) -> BackupSummary:
    """Write every row of every table behind ``engine`` to the zip file ``out`` (mode 0600)."""
    out = Path(out)
    revision = migrate.current_revision(engine)
    entries: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    conn_opts: dict[str, Any] = {}
    if engine.dialect.name != "sqlite":
        conn_opts["isolation_level"] = "REPEATABLE READ"  # one consistent snapshot
    partial = out.with_name(out.name + ".partial")
    try:
        _write(engine, partial, revision, entries, counts, conn_opts)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, out)
    os.chmod(out, 0o600)
    return BackupSummary(out, revision, counts)


def _write(
    engine: Engine,
    out: Path,
    revision: str | None,
    entries: list[dict[str, Any]],
    counts: dict[str, int],
    conn_opts: dict[str, Any],
) -> None:
    with (
        _private_file(out) as fh,
        zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        engine.connect().execution_options(**conn_opts) as conn,
        conn.begin(),
    ):
        for table in tables():
            cols = list(table.columns)
            encoders = [(c.key, _encoder(c)) for c in cols]
            digest = hashlib.sha256()
            n = 0
            with zf.open(_member(table), "w") as member:
                for row in _stream(conn, table):
                    mapping = row._mapping
                    record = {key: enc(mapping[key]) for key, enc in encoders}
                    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
                    digest.update(line)
                    member.write(line)
                    n += 1
            counts[table.name] = n
            entries.append(
                {
                    "name": table.name,
                    "member": _member(table),
                    "columns": [c.key for c in cols],
                    "rows": n,
                    "sha256": digest.hexdigest(),
                }
            )
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "fincast_version": __version__,
            "schema_revision": revision,
            "dialect": engine.dialect.name,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "tables": entries,
        }
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2))


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the backup file ``path``; raises InputError when it is not one."""
    try:
        with zipfile.ZipFile(path) as zf:
            raw = zf.read(MANIFEST)
        manifest = json.loads(raw)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not a fincast backup ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path}: not a fincast backup (no fincast manifest)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{path}: backup format version {manifest.get('format_version')} is not supported "
            f"(this fincast reads version {FORMAT_VERSION})"
        )
    return manifest


def _lines(zf: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    with zf.open(member) as raw:
        yield from raw


def _verify(path: Path, zf: zipfile.ZipFile, manifest: dict[str, Any]) -> dict[str, Any]:
    """Check the manifest matches the schema and every member its count and checksum."""
    expected = {t.name: t for t in tables()}
    entries = {e.get("name"): e for e in manifest.get("tables", [])}
    missing = sorted(set(expected) - set(entries))
    extra = sorted(set(entries) - set(expected))
    if missing or extra:
        raise InputError(
            f"{path}: backup tables do not match the schema (missing: {missing}, extra: {extra})"
        )
    for name, table in expected.items():
        entry = entries[name]
        if list(entry.get("columns", [])) != [c.key for c in table.columns]:
            raise InputError(f"{path}: table {name}: columns do not match the schema")
        digest = hashlib.sha256()
        n = 0
        try:
            for line in _lines(zf, entry["member"]):
                digest.update(line)
                n += 1
        except (KeyError, zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{path}: table {name}: member unreadable ({exc})") from exc
        if n != entry.get("rows"):
            raise InputError(
                f"{path}: table {name}: {n} rows in the file, the manifest says {entry.get('rows')}"
            )
        if digest.hexdigest() != entry.get("sha256"):
            raise InputError(f"{path}: table {name}: checksum mismatch (the file is damaged)")
    return entries


def _is_empty(conn: Connection) -> bool:
    for table in tables():
        if conn.execute(select(func.count()).select_from(table)).scalar():
            return False
    return True


def _reset_sequences(conn: Connection) -> None:
    """Move PostgreSQL's id sequences past the largest restored id."""
    if conn.dialect.name != "postgresql":
        return  # SQLite and InnoDB move their counters when explicit ids are inserted
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].type.python_type is not int:
            continue
        col = pk[0]
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name}
        ).scalar()
        if not seq:
            continue
        top = conn.execute(select(func.max(col))).scalar()
        if top is None:
            conn.execute(text("SELECT setval(:s, 1, false)"), {"s": seq})
        else:
            conn.execute(text("SELECT setval(:s, :v, true)"), {"s": seq, "v": int(top)})


def restore(engine: Engine, path: Path, *, force: bool = False) -> BackupSummary:
    """Load the backup ``path`` into the database behind ``engine``, all or nothing.

    Raises InputError for a damaged file or one from another schema revision, and
    ConflictError when the database holds rows and ``force`` is not set (``force`` empties
    every table first, in the same transaction).
    """
    path = Path(path)
    manifest = read_manifest(path)
    current = migrate.current_revision(engine)
    if manifest.get("schema_revision") != current:
        raise InputError(
            f"{path}: backup is from schema revision {manifest.get('schema_revision')!r}, "
            f"the database is at {current!r}; migrate to the backup's revision first"
        )
    aware = engine.dialect.name == "postgresql"
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path) as zf:
        entries = _verify(path, zf, manifest)
        # The commit happens inside ``kept``: the saved tokens come back as they were.
        with engine.connect() as conn, revisions.kept(conn), conn.begin():
            if not _is_empty(conn):
                if not force:
                    raise ConflictError(
                        "the database is not empty; restore with --force to replace its contents"
                    )
                for table in reversed(tables()):
                    conn.execute(delete(table))
            for table in tables():
                decoders = [(c.key, value_decoder(c, aware)) for c in table.columns]
                batch: list[dict[str, Any]] = []
                n = 0
                for line in _lines(zf, entries[table.name]["member"]):
                    record = json.loads(line)
                    batch.append({key: dec(record[key]) for key, dec in decoders})
                    if len(batch) >= CHUNK:
                        conn.execute(table.insert(), batch)
                        n += len(batch)
                        batch = []
                if batch:
                    conn.execute(table.insert(), batch)
                    n += len(batch)
                counts[table.name] = n
            _reset_sequences(conn)
    return BackupSummary(path, current, counts)
