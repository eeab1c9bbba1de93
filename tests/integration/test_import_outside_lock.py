"""An import parses, checks and categorises the whole file before it opens its write transaction.

Before this, the import batch row was inserted first and the file parsed inside the same
transaction, so on SQLite every other writer waited for the whole parse (issue 10: a 47 s
OFX made another user's POST /api/accounts fail with "database is locked").

(On PostgreSQL a file of more than one chunk has its previous chunk copied into the import's
stage table on a connection of its own while the next is read, outside any transaction of
the ledger's: tests/integration/test_import_stage.py. The 300 rows here are one chunk.)
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, insert, select

from fincast.db.engine import session_scope
from fincast.errors import ParseError
from fincast.ingest.categorize import Categorizer
from fincast.ledger import service as ledger
from fincast.ledger.models import CategorizationRule, Category, ImportBatch, Transaction, User
from fincast.services import imports
from fincast.services.imports import import_file

ROWS = 300


def _csv(rows: int = ROWS, *, bad_last: bool = False) -> bytes:
    lines = ["Date,Description,Amount"]
    lines += [
        f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},Coffee shop {i % 7},-{3 + i % 5}.25"
        for i in range(rows)
    ]
    if bad_last:
        lines.append("9999-12-31,Far future,-1.00")
    return ("\n".join(lines) + "\n").encode()


def _setup(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, "parse@example.com")
        account = ledger.get_or_create_account(s, user.id, "Checking")
        coffee = s.scalar(
            select(Category.id).where(Category.user_id == user.id, Category.slug == "dining")
        )
        s.add(CategorizationRule(user_id=user.id, category_id=coffee, pattern="coffee"))
        return user.id, account.id


@pytest.fixture()
def watch_parsing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Calls ``probe()`` of each registered probe while rows are parsed and categorised."""
    probes: list[Any] = []
    real_parse = imports.parse_stream
    real_categorize = Categorizer.categorize

    def parse(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for n, row in enumerate(real_parse(*args, **kwargs)):
            if n in (0, ROWS // 2):
                for probe in probes:
                    probe("parse")
            yield row

    def categorize(self: Categorizer, *args: Any, **kwargs: Any) -> Any:
        for probe in probes:
            probe("categorize")
        return real_categorize(self, *args, **kwargs)

    monkeypatch.setattr(imports, "parse_stream", parse)
    monkeypatch.setattr(Categorizer, "categorize", categorize)
    yield probes


def test_no_connection_is_held_while_parsing_and_categorising(
    engine: Engine, watch_parsing: list[Any]
) -> None:
    user_id, account_id = _setup(engine)
    held: list[tuple[str, int]] = []
    watch_parsing.append(lambda stage: held.append((stage, engine.pool.checkedout())))  # type: ignore[attr-defined]
    result = import_file(
        engine, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv"
    )
    assert result.imported == ROWS
    stages = {stage for stage, _ in held}
    assert stages == {"parse", "categorize"}
    assert [h for h in held if h[1] != 0] == [], "a connection was open while parsing"
    with session_scope(engine) as s:
        dining = s.scalar(
            select(func.count())
            .select_from(Transaction)
            .where(Transaction.category_source == "rule")
        )
    assert dining == ROWS  # the rule still applied


def test_another_users_write_commits_while_a_file_is_parsed(
    sqlite_engine: Engine, watch_parsing: list[Any], tmp_path: Path
) -> None:
    user_id, account_id = _setup(sqlite_engine)
    # A second writer that does not wait at all: it fails at once if the import holds
    # SQLite's write lock.
    other = create_engine(sqlite_engine.url, connect_args={"timeout": 0})
    written: list[str] = []

    def write(stage: str) -> None:
        if stage != "parse":
            return
        with other.begin() as conn:
            conn.execute(insert(User).values(email=f"other{len(written)}@example.com"))
        written.append(stage)

    watch_parsing.append(write)
    try:
        result = import_file(
            sqlite_engine, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv"
        )
    finally:
        other.dispose()
    assert result.imported == ROWS
    assert written == ["parse", "parse"]
    with session_scope(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 3


def test_a_bad_last_row_is_found_before_anything_is_written(
    engine: Engine, watch_parsing: list[Any]
) -> None:
    user_id, account_id = _setup(engine)
    with pytest.raises(ParseError, match="date"):
        import_file(
            engine,
            user_id=user_id,
            account_id=account_id,
            data=_csv(bad_last=True),
            filename="bad.csv",
        )
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Transaction)) == 0
        statuses = list(s.scalars(select(ImportBatch.status)))
    assert [str(x) for x in statuses] == ["failed"]


def test_rows_keep_the_file_order_and_their_batch(engine: Engine) -> None:
    user_id, account_id = _setup(engine)
    result = import_file(
        engine, user_id=user_id, account_id=account_id, data=_csv(25_000), filename="big.csv"
    )
    assert result.imported == 25_000
    with session_scope(engine) as s:
        rows = s.execute(
            select(Transaction.amount, Transaction.import_batch_id).order_by(Transaction.id)
        ).all()
    assert {b for _, b in rows} == {result.batch_id}
    assert [a for a, _ in rows[:5]] == [
        Decimal(x) for x in ("-3.25", "-4.25", "-5.25", "-6.25", "-7.25")
    ]


def test_re_applying_rules_matches_before_it_takes_the_write_lock(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, account_id = _setup(sqlite_engine)
    import_file(
        sqlite_engine, user_id=user_id, account_id=account_id, data=_csv(), filename="a.csv"
    )
    other = create_engine(sqlite_engine.url, connect_args={"timeout": 0})
    real = Categorizer.rule_category
    written: list[int] = []

    def rule_category(self: Categorizer, *args: Any, **kwargs: Any) -> Any:
        if not written:  # another user's write while the rules are being matched
            with other.begin() as conn:
                conn.execute(insert(User).values(email="during-rules@example.com"))
            written.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Categorizer, "rule_category", rule_category)
    try:
        imports.apply_rules(sqlite_engine, user_id)
    finally:
        other.dispose()
    assert written == [1]


def test_learned_categories_are_computed_before_the_write_transaction(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model (about 7 s per 100k rows) runs on the parsed rows, not under the write lock."""
    from fincast.ml.categorizer import CategorySuggester

    engine = sqlite_engine
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, "learned@example.com")
        account = ledger.get_or_create_account(s, user.id, "Checking")
        user_id, account_id = user.id, account.id
        cats = ledger.category_ids(s, user_id)
    first = b"Date,Payee,Amount\n" + b"".join(
        f"2024-01-{1 + i:02d},ZORBLAX TRADING {i},-1{i}.00\n".encode() for i in range(12)
    )
    import_file(engine, user_id=user_id, account_id=account_id, data=first, filename="a.csv")
    with session_scope(engine) as s:
        for tx in s.scalars(select(Transaction).where(Transaction.user_id == user_id)):
            tx.category_id, tx.category_source = cats["education"], "user"
    other = create_engine(engine.url, connect_args={"timeout": 0})
    real = CategorySuggester.suggest
    seen: list[tuple[int, int]] = []

    def suggest(self: CategorySuggester, *args: Any, **kwargs: Any) -> Any:
        # Another writer that does not wait: it fails at once if the import holds the lock.
        with other.begin() as conn:
            conn.execute(insert(User).values(email=f"during-model{len(seen)}@example.com"))
        seen.append((len(args[0]), engine.pool.checkedout()))  # type: ignore[attr-defined]
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CategorySuggester, "suggest", suggest)
    second = b"Date,Payee,Amount\n2024-02-03,ZORBLAX TRADING 3,-13.00\n2024-02-04,Other,-2.00\n"
    try:
        result = import_file(
            engine, user_id=user_id, account_id=account_id, data=second, filename="b.csv"
        )
    finally:
        other.dispose()
    assert result.imported == 2
    assert seen == [(2, 0)], "the model ran while a connection (the write lock) was held"
    with session_scope(engine) as s:
        row = s.execute(
            select(
                Transaction.category_id,
                Transaction.category_source,
                Transaction.suggested_category_id,
                Transaction.category_confidence,
            ).where(Transaction.import_batch_id == result.batch_id, Transaction.amount < -5)
        ).one()
        assert s.scalar(select(func.count()).select_from(User)) == 2
    # The suggestion computed before the transaction is what was stored for the row.
    assert row[0] == cats["education"] and str(row[1]) in ("model", "CategorySource.MODEL")
    assert row[2] == cats["education"] and 0.5 <= float(row[3]) <= 1.0
