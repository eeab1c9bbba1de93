"""Where an import's rows wait before its write transaction, and that nothing of it stays.

PostgreSQL: an unlogged table per import, filled by ``COPY`` a chunk at a time
(``CopyStagedInsertIgnore``), dropped at the end whether the import landed or failed; a
role that may not create tables imports through the temporary-file spool instead. A stage
left by a killed import (PostgreSQL table or SQLite folder) is removed by a later import
once it is hours old, and only then.
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from fincast.db import dialect
from fincast.db.engine import make_engine, session_scope
from fincast.errors import ParseError
from fincast.ledger import service as ledger
from fincast.ledger.models import Transaction
from fincast.services.imports import import_file
from tests.support.databases import SERVER_URLS, isolated_engine

ROWS = 120


def _csv(rows: int = ROWS, *, bad_last: bool = False) -> bytes:
    lines = ["Date,Description,Amount"]
    lines += [
        f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},Shop {i % 9},-{3 + i}.25" for i in range(rows)
    ]
    if bad_last:
        lines.append("9999-12-31,Far future,-1.00")  # parses; the row builder refuses it
    return ("\n".join(lines) + "\n").encode()


def _owner(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, "stage@example.com")
        return user.id, ledger.get_or_create_account(s, user.id, "Checking").id


def _stage_tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename LIKE 'fincast%stage%' ORDER BY tablename"
                )
            ).scalars()
        )


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Transaction)) or 0)


@pytest.fixture()
def pg(tmp_path: Path) -> Iterator[Engine]:
    with isolated_engine("postgresql", tmp_path) as engine:
        from fincast.db import migrate

        migrate.upgrade(engine)
        yield engine


@pytest.fixture()
def moves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows each PostgreSQL stage moved into the ledger."""
    seen: list[int] = []
    real = dialect.CopyStagedInsertIgnore.insert

    def insert(self: dialect.CopyStagedInsertIgnore, *args: Any, **kwargs: Any) -> int:
        n = real(self, *args, **kwargs)
        seen.append(n)
        return n

    monkeypatch.setattr(dialect.CopyStagedInsertIgnore, "insert", insert)
    return seen


def test_postgresql_rows_go_through_a_stage_table_that_is_dropped(
    pg: Engine, moves: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, account_id = _owner(pg)
    during: list[list[str]] = []
    real_add = dialect.CopyStagedInsertIgnore.add

    def add(self: dialect.CopyStagedInsertIgnore, batch: list[str]) -> None:
        real_add(self, batch)
        during.append(_stage_tables(pg))

    monkeypatch.setattr(dialect.CopyStagedInsertIgnore, "add", add)
    result = import_file(pg, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv")
    assert result.imported == ROWS
    assert moves == [ROWS]
    assert during and len(during[0]) == 1 and during[0][0].startswith("fincast_stage_")
    assert _stage_tables(pg) == []
    # The same file again: every row offered, none stored twice, the stage gone again.
    again = import_file(pg, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv")
    assert (again.imported, again.duplicates) == (0, ROWS)
    assert _count(pg) == ROWS
    assert _stage_tables(pg) == []


def test_postgresql_failed_import_drops_its_stage_and_writes_nothing(pg: Engine) -> None:
    user_id, account_id = _owner(pg)
    with pytest.raises(ParseError) as err:
        import_file(
            pg,
            user_id=user_id,
            account_id=account_id,
            data=_csv(30_000, bad_last=True),  # chunks staged before the bad last line
            filename="bad.csv",
        )
    assert err.value.line == 30_002
    assert _count(pg) == 0
    assert _stage_tables(pg) == []


def test_postgresql_stale_stage_tables_are_dropped_and_fresh_ones_kept(pg: Engine) -> None:
    user_id, account_id = _owner(pg)
    old = int(time.time()) - dialect.STALE_STAGE_SECONDS - 60
    stale, alive = f"fincast_stage_{old}_deadbeef0000", f"fincast_stage_{int(time.time())}_alive"
    with pg.begin() as conn:
        for name in (stale, alive):
            conn.execute(text(f"CREATE UNLOGGED TABLE {name} (x integer)"))
    import_file(pg, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv")
    assert _stage_tables(pg) == [alive]


def test_postgresql_role_that_may_not_create_tables_imports_through_the_spool(
    pg: Engine, moves: list[int]
) -> None:
    user_id, account_id = _owner(pg)
    with pg.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
    role = f"fincast_t_nocreate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(SERVER_URLS["postgresql"], isolation_level="AUTOCOMMIT")
    grants = [
        f"CREATE ROLE {role} LOGIN",
        f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}',
        f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
    ]
    with admin.connect() as conn:
        for sql in grants:
            conn.execute(text(sql))
    url = make_url(SERVER_URLS["postgresql"]).set(username=role)
    limited = make_engine(
        url.render_as_string(hide_password=False),
        connect_args={"options": f"-csearch_path={schema}"},
    )
    try:
        result = import_file(
            limited, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv"
        )
    finally:
        limited.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
    assert result.imported == ROWS
    assert moves == []  # no stage table: the spool's COPY path wrote the rows
    assert _count(pg) == ROWS


def test_sqlite_stale_stage_folders_are_removed_and_fresh_ones_kept(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    long_ago = time.time() - dialect.STALE_STAGE_SECONDS - 60
    stale, alive, busy = (temp / f"fincast-stage-{n}" for n in ("stale", "alive", "busy"))
    for folder in (stale, alive, busy):
        folder.mkdir()
        (folder / "stage.db").write_bytes(b"rows")
    for path in (stale / "stage.db", stale, busy):
        os.utime(path, (long_ago, long_ago))  # busy: an old folder whose file is still written
    user_id, account_id = _owner(sqlite_engine)
    result = import_file(
        sqlite_engine, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv"
    )
    assert result.imported == ROWS
    assert sorted(p.name for p in temp.iterdir()) == ["fincast-stage-alive", "fincast-stage-busy"]


def test_the_collector_is_off_while_a_file_is_read_and_on_after(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fincast.services import imports

    user_id, account_id = _owner(sqlite_engine)
    while_reading: list[bool] = []
    real_parse = imports.parse_stream

    def parse(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for row in real_parse(*args, **kwargs):
            while_reading.append(gc.isenabled())
            yield row

    monkeypatch.setattr(imports, "parse_stream", parse)
    assert gc.isenabled()
    import_file(
        sqlite_engine, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv"
    )
    assert gc.isenabled()
    with pytest.raises(ParseError):
        import_file(
            sqlite_engine,
            user_id=user_id,
            account_id=account_id,
            data=_csv(bad_last=True),
            filename="b.csv",
        )
    assert gc.isenabled()
    assert len(while_reading) == 2 * ROWS + 1 and not any(while_reading)


def test_postgresql_a_copy_that_fails_in_the_background_fails_the_import(
    pg: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, account_id = _owner(pg)
    real_copy = dialect.CopyStagedInsertIgnore._copy
    copies: list[int] = []

    def copy(self: dialect.CopyStagedInsertIgnore, buf: Any) -> None:
        copies.append(1)
        if len(copies) == 2:
            raise RuntimeError("the server went away")
        real_copy(self, buf)

    monkeypatch.setattr(dialect.CopyStagedInsertIgnore, "_copy", copy)
    with pytest.raises(RuntimeError, match="the server went away"):
        import_file(
            pg, user_id=user_id, account_id=account_id, data=_csv(25_000), filename="big.csv"
        )
    assert len(copies) >= 2
    assert _count(pg) == 0
    assert _stage_tables(pg) == []
