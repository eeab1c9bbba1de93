"""import_file on SQLite, PostgreSQL and MariaDB: atomic, idempotent, categorised."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from fincast.db import dialect
from fincast.db.engine import session_scope
from fincast.errors import EmptyImportError, FileTooLargeError, NotFoundError, ParseError
from fincast.ingest.rows import TRANSACTION_COLUMNS, TransactionRow
from fincast.ledger import service as ledger
from fincast.ledger import writer
from fincast.ledger.models import (
    CategorizationRule,
    Category,
    CategorySource,
    ImportBatch,
    ImportStatus,
    Transaction,
    utcnow,
)
from fincast.services.imports import apply_rules, import_file


def _setup(engine: Engine, *accounts: str) -> tuple[int, list[int]]:
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, "imp@example.com")
        ids = [ledger.get_or_create_account(s, user.id, name).id for name in accounts]
        return user.id, ids


def _count(engine: Engine, **where: object) -> int:
    with session_scope(engine) as s:
        stmt = select(func.count()).select_from(Transaction)
        for key, value in where.items():
            stmt = stmt.where(getattr(Transaction, key) == value)
        return int(s.scalar(stmt) or 0)


def _slugs(engine: Engine, account_id: int) -> list[tuple[Decimal, str | None, str | None]]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(Transaction.amount, Category.slug, Transaction.category_source)
            .outerjoin(Category, Category.id == Transaction.category_id)
            .where(Transaction.account_id == account_id)
            .order_by(Transaction.posted_date, Transaction.id)
        ).all()
    return [(Decimal(a), slug, str(src) if src else None) for a, slug, src in rows]


# The currency each real export states (read off the files); the rest state none.
FILE_CURRENCY = {
    "genkgo_camt053_v02_multi.xml": "EUR",
    "genkgo_camt053_v04.xml": "EUR",
    "genkgo_camt053_v08.xml": "EUR",
    "csb43_es.csv": "EUR",
    "gls_bank_de.csv": "EUR",
    "n26_fr.csv": "EUR",
    "outbank_de.csv": "EUR",
    "abnamro_nl.sta": "EUR",
    "asn_bank_nl.940.txt": "EUR",
    "ing_nl.sta": "EUR",
    "knab_nl.sta": "EUR",
    "mbank_pl.sta": "PLN",
    "rabobank_nl.sta": "EUR",
    "sberbank_ru.sta": "HUF",
    "anz_au_creditcard.ofx": "AUD",
    "nubank_br_creditcard.ofx": "BRL",
    "suncorp_au_checking.ofx": "AUD",
    "us_bank_medium_oneline.ofx": "CAD",
}


def test_real_exports_reimport_adds_nothing(engine: Engine, shared_data: Path) -> None:
    folder = shared_data / "bank-exports"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "MANIFEST.csv")
    user_id, _ = _setup(engine)
    total = 0
    for path in files:
        currency = FILE_CURRENCY.get(path.name, "USD")
        with session_scope(engine) as s:
            account_id = ledger.get_or_create_account(
                s, user_id, path.stem[:60], currency=currency
            ).id
        # The Mint export holds three accounts: creating the two besides this one is confirmed.
        several = path.name == "mint_export.csv"
        try:
            first = import_file(
                engine,
                user_id=user_id,
                account_id=account_id,
                data=path,
                filename=path.name,
                create_accounts=several,
            )
        except EmptyImportError:
            assert path.name in {"td_ameritrade_investment.ofx", "multiple_accounts.ofx"}
            continue
        again = import_file(
            engine,
            user_id=user_id,
            account_id=account_id,
            data=path.read_bytes(),
            filename=path.name,
        )
        assert first.imported > 0
        assert len(first.accounts) == (3 if several else 1)
        assert (again.imported, again.duplicates) == (0, first.imported + first.duplicates)
        total += first.imported
    assert _count(engine) == total == 110


def test_overlapping_statements_and_identical_same_day_purchases(engine: Engine) -> None:
    user_id, (acc,) = _setup(engine, "Checking")
    jan = b"Date,Payee,Amount\n2024-01-02,COFFEE,-3.00\n2024-01-02,COFFEE,-3.00\n2024-01-03,X,-1\n"
    overlap = b"Date,Payee,Amount\n2024-01-02,COFFEE,-3.00\n2024-01-04,Y,-2.00\n"
    r1 = import_file(engine, user_id=user_id, account_id=acc, data=jan, filename="jan.csv")
    assert (r1.imported, r1.duplicates) == (3, 0)
    r2 = import_file(engine, user_id=user_id, account_id=acc, data=overlap, filename="o.csv")
    assert (r2.imported, r2.duplicates) == (1, 1)
    assert _count(engine, account_id=acc) == 4


def test_bad_row_imports_nothing_and_records_a_failed_batch(engine: Engine) -> None:
    user_id, (acc,) = _setup(engine, "Checking")
    rows = "".join(f"2024-01-{d:02d},SHOP {d},-{d}.00\n" for d in range(1, 29))
    data = ("Date,Payee,Amount\n" + rows + "2024-01-29,BROKEN,twelve\n").encode()
    with pytest.raises(ParseError) as info:
        import_file(engine, user_id=user_id, account_id=acc, data=data, filename="bad.csv")
    assert "bad.csv" in str(info.value) and "line 30" in str(info.value)
    assert "'Amount'" in str(info.value) and "twelve" in str(info.value)
    assert _count(engine) == 0
    with session_scope(engine) as s:
        batch = s.scalars(select(ImportBatch)).one()
        assert batch.status == ImportStatus.FAILED
        assert batch.errors and "twelve" in batch.errors[0]


def test_ownership_size_limit_and_empty_files(engine: Engine) -> None:
    user_id, (acc,) = _setup(engine, "Checking")
    with session_scope(engine) as s:
        other = ledger.get_or_create_user(s, "other@example.com").id
    data = b"Date,Payee,Amount\n2024-01-02,A,-3.00\n"
    with pytest.raises(NotFoundError):
        import_file(engine, user_id=other, account_id=acc, data=data, filename="a.csv")
    with pytest.raises(FileTooLargeError, match="limit"):
        import_file(
            engine, user_id=user_id, account_id=acc, data=data, filename="a.csv", max_bytes=10
        )
    with pytest.raises(EmptyImportError):
        import_file(
            engine,
            user_id=user_id,
            account_id=acc,
            data=io.BytesIO(b"Date,Payee,Amount\n"),
            filename="empty.csv",
        )
    assert _count(engine) == 0


def test_rules_keywords_and_manual_categories(engine: Engine) -> None:
    user_id, (acc,) = _setup(engine, "Checking")
    with session_scope(engine) as s:
        cats = ledger.category_ids(s, user_id)
        s.add(
            CategorizationRule(
                user_id=user_id,
                category_id=cats["entertainment"],
                priority=10,
                payee_contains="cine",
            )
        )
        s.add(
            CategorizationRule(
                user_id=user_id,
                category_id=cats["housing"],
                priority=20,
                pattern=r"^ACME\s+PROP",
                amount_max=Decimal("-500"),
            )
        )
    data = (
        b"Date,Payee,Amount\n"
        b"2024-01-02,CINEMA CITY,-12.00\n"
        b"2024-01-03,ACME PROPERTIES,-1500.00\n"
        b"2024-01-04,ACME PROPERTIES,-20.00\n"
        b"2024-01-05,WHOLE FOODS MARKET,-80.00\n"
        b"2024-01-06,CHASE CARD AUTOPAY,-300.00\n"
        b"2024-01-07,UNKNOWN THING,-1.00\n"
    )
    import_file(engine, user_id=user_id, account_id=acc, data=data, filename="c.csv")
    assert _slugs(engine, acc) == [
        (Decimal("-12.00"), "entertainment", "rule"),
        (Decimal("-1500.00"), "housing", "rule"),
        (Decimal("-20.00"), None, None),
        (Decimal("-80.00"), "groceries", "import"),
        (Decimal("-300.00"), "credit_card_payment", "import"),
        (Decimal("-1.00"), None, None),
    ]
    with session_scope(engine) as s:
        whole_foods = s.scalars(
            select(Transaction).where(Transaction.amount == Decimal("-80"))
        ).one()
        whole_foods.category_id = cats["dining"]
        whole_foods.category_source = CategorySource.USER
        s.add(
            CategorizationRule(
                user_id=user_id, category_id=cats["shopping"], priority=1, payee_contains="whole"
            )
        )
        s.add(
            CategorizationRule(
                user_id=user_id, category_id=cats["other"], priority=5, payee_contains="unknown"
            )
        )
    assert apply_rules(engine, user_id) == 1
    slugs = _slugs(engine, acc)
    assert slugs[3] == (Decimal("-80.00"), "dining", "user")
    assert slugs[5] == (Decimal("-1.00"), "other", "rule")


def test_transfers_between_own_accounts_are_paired(engine: Engine) -> None:
    user_id, (checking, savings) = _setup(engine, "Checking", "Savings")
    import_file(
        engine,
        user_id=user_id,
        account_id=checking,
        data=(
            b"Date,Payee,Amount\n2024-03-01,ONLINE BANKING 12345,-250.00\n2024-03-02,SHOP,-250.00\n"
        ),
        filename="checking.csv",
    )
    import_file(
        engine,
        user_id=user_id,
        account_id=savings,
        data=b"Date,Payee,Amount\n2024-03-03,INCOMING 98765,250.00\n2024-03-20,INCOMING,-40\n",
        filename="savings.csv",
    )
    checking_rows = _slugs(engine, checking)
    savings_rows = _slugs(engine, savings)
    assert [slug for _, slug, _ in checking_rows].count("transfers") == 1
    assert savings_rows[0] == (Decimal("250.00"), "transfers", "import")
    assert savings_rows[1][1] is None


def test_cli_import_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from fincast.cli.main import app
    from fincast.config import get_settings
    from fincast.db.engine import get_engine

    monkeypatch.setenv("FINCAST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    file = tmp_path / "statement.csv"
    file.write_bytes(b"Date,Payee,Amount\n2024-01-02,A,-3.00\n2024-01-03,B,4.00\n")
    runner = CliRunner()
    try:
        missing = runner.invoke(app, ["import", str(file), "--account", "Main"])
        assert missing.exit_code != 0
        assert "--user EMAIL" in missing.output
        args = ["import", str(file), "--account", "Main", "--user", "cli@example.com", "--json"]
        unknown = runner.invoke(app, args)  # nobody could log in to see data filed there
        assert unknown.exit_code != 0
        assert "fincast users create cli@example.com" in unknown.output
        made = runner.invoke(
            app, ["users", "create", "cli@example.com", "--password", "a horse battery staple"]
        )
        assert made.exit_code == 0, made.output
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        assert json.loads(first.stdout) == {
            "file": "statement.csv",
            "format": "csv",
            "imported": 2,
            "duplicates": 0,
            "skipped": 0,
            "errors": [],
            "warnings": [],
        }
        second = runner.invoke(app, [*args, "--format", "csv"])
        assert json.loads(second.stdout)["duplicates"] == 2
        bad = tmp_path / "bad.csv"
        bad.write_bytes(b"Date,Payee,Amount\n2024-01-02,A,x\n")
        failed = runner.invoke(
            app, ["import", str(bad), "--account", "Main", "--user", "cli@example.com"]
        )
        assert failed.exit_code != 0
        assert isinstance(failed.exception, ParseError)
    finally:
        get_engine.cache_clear()
        get_settings.cache_clear()


@pytest.mark.parametrize("path", ["driver", "core"])
def test_the_writer_keeps_row_order_and_skips_known_fingerprints(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    if path == "core":  # the plain SQLAlchemy path other drivers take
        monkeypatch.setattr(dialect, "_FAST_DRIVERS", frozenset())
    monkeypatch.setattr(writer, "CHUNK", 2)
    monkeypatch.setattr(writer, "COPY_CHUNK", 2)
    user_id, (acc,) = _setup(engine, "Checking")
    now = utcnow()

    def row(fingerprint: str, amount: str, payee: str) -> TransactionRow:
        values = dict.fromkeys(TRANSACTION_COLUMNS)
        values.update(user_id=user_id, account_id=acc, posted_date=dt.date(2024, 5, 2))
        values.update(amount=Decimal(amount), currency="USD", payee_raw=payee)
        values.update(category_source="import", fingerprint=fingerprint, created_at=now)
        return tuple(values.values())  # type: ignore[return-value]

    first = [row("b", "-1.00", "B\tTab"), row("a", "2.50", "A\\back\nslash"), row("b", "-9", "x")]
    chunks: list[int] = []
    with engine.begin() as conn:
        assert writer.write_transactions(conn, iter(first), progress=chunks.append) == 3
    with engine.begin() as conn:
        assert writer.write_transactions(conn, [row("c", "3.00", "C"), row("a", "0", "y")]) == 2
    assert chunks == [2, 1]
    with session_scope(engine) as s:
        stored = s.execute(
            select(Transaction.fingerprint, Transaction.amount, Transaction.payee_raw)
            .where(Transaction.account_id == acc)
            .order_by(Transaction.id)
        ).all()
    assert [tuple(r) for r in stored] == [
        ("b", Decimal("-1.00"), "B\tTab"),
        ("a", Decimal("2.50"), "A\\back\nslash"),
        ("c", Decimal("3.00"), "C"),
    ]


def test_uncategorised_only_ledger_gives_a_panel(engine: Engine) -> None:
    from fincast.panel import build_panel

    user_id, (acc,) = _setup(engine, "Checking")
    data = b"Date,Payee,Amount\n2024-01-15,ZZQX,-5.00\n2024-02-15,ZZQX,3.00\n"
    import_file(engine, user_id=user_id, account_id=acc, data=data, filename="u.csv")
    assert _count(engine, category_id=None) == 2
    panel = build_panel(engine, [user_id], as_of=dt.date(2024, 6, 1))
    assert not panel.empty
    assert set(panel["unique_id"]) >= {f"{user_id}/total_expense", f"{user_id}/total_income"}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_import_refuses_dates_outside_the_ledger_range(engine: Engine, day: str) -> None:
    user_id, (acc,) = _setup(engine, "Checking")
    data = f"Date,Payee,Amount\n2024-01-15,SHOP,-5.00\n{day},SHOP,-1.00\n".encode()
    with pytest.raises(ParseError) as info:
        import_file(engine, user_id=user_id, account_id=acc, data=data, filename="d.csv")
    message = str(info.value)
    assert "d.csv" in message and "line 3" in message and "'date'" in message
    assert "1900-01-01" in message and "2199-12-31" in message
    assert _count(engine) == 0


def test_invisible_format_characters_are_stripped_at_import(engine: Engine) -> None:
    user_id, (acc,) = _setup(engine, "Checking")
    data = (
        "Date,Payee,Amount,Memo\n2024-01-15,Shop\u202egnp.exe,-5.00,a\u2066b\u2069\u200fc\u200b\n"
    )
    import_file(engine, user_id=user_id, account_id=acc, data=data.encode(), filename="b.csv")
    with session_scope(engine) as s:
        tx = s.scalars(select(Transaction)).one()
        assert tx.description == "abc"
        assert tx.description_raw is not None and "\u202e" not in (tx.payee or "")
        assert "\u2066" in tx.description_raw  # the raw column keeps what the bank sent
