"""Imports into the right accounts and currencies, with history warnings and saved mappings.

Run on SQLite, PostgreSQL and MariaDB (the ``engine`` fixture).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from fincast.db.engine import session_scope
from fincast.errors import ConflictError, InputError, NotFoundError, ParseError
from fincast.ledger import service as ledger
from fincast.ledger.models import Account, Category, Transaction
from fincast.services.imports import import_file, import_into_account, preview_file

DATA = Path(__file__).resolve().parents[1] / "unit" / "ingest" / "data"


def _user(engine: Engine, *accounts: tuple[str, str]) -> tuple[int, list[int]]:
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, "acc@example.com")
        ids = [
            ledger.get_or_create_account(s, user.id, name, currency=cur).id
            for name, cur in accounts
        ]
        return user.id, ids


def _amounts(engine: Engine, account_id: int) -> list[tuple[Decimal, str]]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(Transaction.amount, Transaction.currency)
            .where(Transaction.account_id == account_id)
            .order_by(Transaction.posted_date, Transaction.amount)
        ).all()
    return [(Decimal(a), str(c)) for a, c in rows]


def _total(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Transaction)) or 0)


def test_a_file_in_another_currency_is_refused_naming_file_and_currency(engine: Engine) -> None:
    user_id, (usd,) = _user(engine, ("Checking", "USD"))
    with pytest.raises(InputError) as info:
        import_file(
            engine,
            user_id=user_id,
            account_id=usd,
            data=DATA / "santander_es.csv",
            filename="santander_es.csv",
        )
    message = str(info.value)
    assert "santander_es.csv" in message and "EUR" in message and "'Checking' is in USD" in message
    assert _total(engine) == 0
    # The Swiss file states its currency above the header: CHF, refused for USD too.
    with pytest.raises(InputError, match="in CHF"):
        import_file(
            engine, user_id=user_id, account_id=usd, data=DATA / "swiss_fr_releve.csv",
            filename="swiss_fr_releve.csv",
        )  # fmt: skip
    _, (chf,) = _user(engine, ("Compte", "CHF"))
    done = import_file(
        engine, user_id=user_id, account_id=chf, data=DATA / "swiss_fr_releve.csv",
        filename="swiss_fr_releve.csv",
    )  # fmt: skip
    assert done.imported == 5
    assert _amounts(engine, chf)[0] == (Decimal("-79.35"), "CHF")


def test_wallet_rows_in_other_currencies_are_skipped_and_conversions_are_transfers(
    engine: Engine,
) -> None:
    user_id, (paypal,) = _user(engine, ("PayPal", "USD"))
    result = import_file(
        engine,
        user_id=user_id,
        account_id=paypal,
        data=DATA / "paypal_activity_us.csv",
        filename="paypal.csv",
    )
    assert (result.imported, result.skipped) == (4, 4)
    assert any("2 transactions are in EUR (first at line 3)" in e for e in result.errors)
    assert _amounts(engine, paypal) == [
        (Decimal("-4.65"), "USD"),
        (Decimal("150.00"), "USD"),
        (Decimal("-44.12"), "USD"),
        (Decimal("-100.00"), "USD"),
    ]
    with session_scope(engine) as s:
        slugs = dict(
            s.execute(
                select(Transaction.amount, Category.slug).join(
                    Category, Category.id == Transaction.category_id, isouter=True
                )
            ).all()
        )
    assert slugs[Decimal("-44.12")] == "transfers"
    assert slugs[Decimal("-100.00")] == "transfers"


def test_mint_export_goes_into_matching_accounts_or_asks(engine: Engine, shared_data: Path) -> None:
    mint = shared_data / "bank-exports" / "csv" / "mint_export.csv"
    user_id, (store, checking) = _user(engine, ("Amazon Store Card", "USD"), ("My Checking", "USD"))
    with pytest.raises(ConflictError) as info:
        import_file(engine, user_id=user_id, account_id=checking, data=mint, filename="mint.csv")
    assert "'My Credit Card' (2 rows)" in str(info.value)
    assert "create_accounts" in str(info.value)
    assert _total(engine) == 0
    preview = preview_file(
        engine, user_id=user_id, account_id=checking, data=mint, filename="mint.csv",
        create_accounts=True,
    )  # fmt: skip
    assert preview["error"] is None and preview["new_accounts"] == ["My Credit Card"]
    assert preview["accounts"] == {"Amazon Store Card": 4, "My Checking": 1, "My Credit Card": 2}
    assert _total(engine) == 0  # the preview wrote nothing, created nothing
    done = import_file(
        engine, user_id=user_id, account_id=checking, data=mint, filename="mint.csv",
        create_accounts=True,
    )  # fmt: skip
    assert done.accounts == {"Amazon Store Card": 4, "My Checking": 1, "My Credit Card": 2}
    assert done.created_accounts == ["My Credit Card"]
    assert _amounts(engine, checking) == [(Decimal("-66.88"), "USD")]
    assert len(_amounts(engine, store)) == 4
    with session_scope(engine) as s:
        card = s.scalar(select(Account).where(Account.name == "My Credit Card"))
        assert card is not None and card.bank_ref == "My Credit Card" and card.user_id == user_id
        card_id = card.id
    assert _amounts(engine, card_id) == [(Decimal("66.88"), "USD"), (Decimal("-2.45"), "USD")]


def test_multi_statement_ofx_is_split_by_account_id(engine: Engine) -> None:
    ofx = DATA / "two_statements.ofx"
    user_id, (checking,) = _user(engine, ("Checking", "USD"))
    with pytest.raises(ConflictError, match="'000333444' \\(1 rows\\)"):
        import_file(engine, user_id=user_id, account_id=checking, data=ofx, filename="two.ofx")
    first = import_file(
        engine, user_id=user_id, account_id=checking, data=ofx, filename="two.ofx",
        create_accounts=True,
    )  # fmt: skip
    assert first.imported == 3 and first.accounts == {"Checking": 2, "000333444": 1}
    assert _amounts(engine, checking) == [(Decimal("-42.10"), "USD"), (Decimal("2500.00"), "USD")]
    # Both accounts now carry the file's ids: the next statement is matched without asking.
    again = import_file(engine, user_id=user_id, account_id=checking, data=ofx, filename="two.ofx")
    assert (again.imported, again.duplicates) == (0, 3)
    with session_scope(engine) as s:
        refs = set(s.scalars(select(Account.bank_ref).where(Account.user_id == user_id)))
    assert refs == {"000111222", "000333444"}


def test_another_users_account_is_never_matched(engine: Engine) -> None:
    with session_scope(engine) as s:
        other = ledger.get_or_create_user(s, "other@example.com")
        ledger.get_or_create_account(s, other.id, "My Credit Card")
    user_id, (checking,) = _user(engine, ("Checking", "USD"))
    raw = (
        b"Date,Payee,Amount,Account Name\n"
        b"2024-01-02,A,-1.00,Checking\n"
        b"2024-01-03,B,-2.00,My Credit Card\n"
    )
    with pytest.raises(ConflictError, match="My Credit Card"):
        import_file(engine, user_id=user_id, account_id=checking, data=raw, filename="m.csv")


def test_a_gap_of_years_is_reported(engine: Engine) -> None:
    user_id, (acc,) = _user(engine, ("Checking", "USD"))
    new = b"Date,Payee,Amount\n2016-03-02,A,-3.00\n2016-04-03,B,4.00\n"
    old = b"Date,Payee,Amount\n2011-01-05,C,-3.00\n2011-06-30,D,4.00\n"
    assert (
        import_file(engine, user_id=user_id, account_id=acc, data=new, filename="new.csv").warnings
        == []
    )
    result = import_file(engine, user_id=user_id, account_id=acc, data=old, filename="old.csv")
    assert result.imported == 2
    assert result.warnings == [
        "old.csv: its transactions (2011-01-05 to 2011-06-30) end 57 months before the first "
        "transaction (2016-03-02) of account 'Checking'; the months between are not counted "
        "as zeros, and panels and forecasts start after the gap"
    ]
    near = b"Date,Payee,Amount\n2016-06-01,E,-1.00\n"
    assert (
        import_file(engine, user_id=user_id, account_id=acc, data=near, filename="n.csv").warnings
        == []
    )


def test_a_confirmed_mapping_is_saved_and_reused(engine: Engine) -> None:
    user_id, (acc,) = _user(engine, ("Checking", "USD"))
    raw = b"When;What;Sum\n2024-01-02;Shop;5.00\n2024-01-03;Pay;7.00\n"
    preview = preview_file(engine, user_id=user_id, account_id=acc, data=raw, filename="a.csv")
    assert "holds amounts without signs" in preview["error"]
    assert preview["layout"]["headers"] == ["When", "What", "Sum"]
    mapping = {"date": "When", "debit": "Sum", "payee": "What"}
    fixed = preview_file(
        engine, user_id=user_id, account_id=acc, data=raw, filename="a.csv", mapping=mapping
    )
    assert fixed["error"] is None
    assert [(r["date"], r["amount"], r["payee"]) for r in fixed["rows"]] == [
        ("2024-01-02", "-5.00", "Shop"),
        ("2024-01-03", "-7.00", "Pay"),
    ]
    assert _total(engine) == 0
    import_file(
        engine, user_id=user_id, account_id=acc, data=raw, filename="a.csv", mapping=mapping,
        save_mapping=True,
    )  # fmt: skip
    with session_scope(engine) as s:
        saved = s.get(Account, acc)
        assert saved is not None and saved.import_mapping == mapping
    later = b"When;What;Sum\n2024-02-02;Shop;9.00\n"
    result = import_file(engine, user_id=user_id, account_id=acc, data=later, filename="b.csv")
    assert result.imported == 1
    assert _amounts(engine, acc)[-1] == (Decimal("-9.00"), "USD")
    # A file of another layout: the saved mapping gives way to the recognised one.
    other = b"Date,Payee,Amount\n2024-03-02,X,-1.50\n"
    done = import_file(engine, user_id=user_id, account_id=acc, data=other, filename="c.csv")
    assert done.imported == 1 and any("saved mapping" in e for e in done.errors)


def test_dates_out_of_range_are_refused_with_file_line_and_field(engine: Engine) -> None:
    user_id, (acc,) = _user(engine, ("Checking", "USD"))
    raw = b"Date,Payee,Amount\n2024-01-02,A,-1.00\n1850-01-02,B,-2.00\n"
    with pytest.raises(ParseError) as info:
        import_file(engine, user_id=user_id, account_id=acc, data=raw, filename="old.csv")
    err = info.value
    assert (err.file, err.line, err.field) == ("old.csv", 3, "date")
    assert "1900-01-01" in str(err) and "2199-12-31" in str(err)
    huge = b"Date,Payee,Amount\n2024-01-02,A,-100000000000000000.00\n"
    with pytest.raises(ParseError) as info:
        import_file(engine, user_id=user_id, account_id=acc, data=huge, filename="huge.csv")
    assert (info.value.line, info.value.field) == (2, "Amount")
    assert _total(engine) == 0


def test_cli_path_needs_an_existing_user_when_not_named(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"Date,Payee,Amount\n2024-01-02,A,-1.00\n")
    with pytest.raises(NotFoundError, match=r"nobody@example\.com"):
        import_into_account(
            engine, path, email="nobody@example.com", account="Main", create_user=False
        )
    assert _total(engine) == 0


def test_cli_prints_gap_warnings_and_uses_a_configured_existing_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from fincast.cli.main import app
    from fincast.config import get_settings
    from fincast.db.engine import get_engine

    monkeypatch.setenv("FINCAST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    new.write_bytes(b"Date,Payee,Amount\n2016-03-02,A,-3.00\n")
    old.write_bytes(b"Date,Payee,Amount\n2011-01-05,B,-3.00\n")
    runner = CliRunner()
    try:
        monkeypatch.setenv("FINCAST_USER", "nobody@example.com")
        refused = runner.invoke(app, ["import", str(new), "--account", "Main"])
        assert refused.exit_code == 2  # a default must exist
        assert "fincast users create nobody@example.com" in refused.output
        monkeypatch.delenv("FINCAST_USER")
        args = ["--account", "Main", "--user", "cli2@example.com"]
        unknown = runner.invoke(app, ["import", str(new), *args])
        assert unknown.exit_code == 2 and "no user 'cli2@example.com'" in unknown.output
        made = runner.invoke(
            app, ["users", "create", "cli2@example.com", "--password", "a horse battery staple"]
        )
        assert made.exit_code == 0, made.output
        assert runner.invoke(app, ["import", str(new), *args]).exit_code == 0
        done = runner.invoke(app, ["import", str(old), *args])
        assert done.exit_code == 0, done.output
        assert "1 imported" in done.output
        assert "warning: old.csv: its transactions (2011-01-05 to 2011-01-05) end 62" in (
            " ".join(done.output.split())
        )
        monkeypatch.setenv("FINCAST_USER", "cli2@example.com")  # now it exists
        again = runner.invoke(app, ["import", str(old), "--account", "Main", "--json"])
        assert again.exit_code == 0, again.output
        assert '"duplicates": 1' in again.stdout
    finally:
        get_engine.cache_clear()
        get_settings.cache_clear()


def test_wallet_rows_in_another_currency_go_into_its_account_of_that_currency(
    engine: Engine,
) -> None:
    user_id, (paypal, paypal_eur) = _user(engine, ("PayPal", "USD"), ("PayPal (EUR)", "EUR"))
    result = import_file(
        engine,
        user_id=user_id,
        account_id=paypal,
        data=DATA / "paypal_activity_us.csv",
        filename="paypal.csv",
    )
    # The two EUR rows (a purchase and the conversion's EUR side) into the EUR account;
    # the two not completed are still skipped.
    assert (result.imported, result.skipped) == (6, 2)
    assert result.accounts == {"PayPal": 4, "PayPal (EUR)": 2}
    assert result.created_accounts == []
    assert not any("are in EUR" in e for e in result.errors)
    assert _amounts(engine, paypal_eur) == [(Decimal("-40.00"), "EUR"), (Decimal("40.00"), "EUR")]
    assert len(_amounts(engine, paypal)) == 4


def test_wallet_rows_in_another_currency_get_an_account_created_on_confirmation(
    engine: Engine,
) -> None:
    user_id, (paypal,) = _user(engine, ("PayPal", "USD"))
    preview = preview_file(
        engine,
        user_id=user_id,
        account_id=paypal,
        data=DATA / "paypal_activity_us.csv",
        filename="paypal.csv",
        create_accounts=True,
    )
    assert preview["new_accounts"] == ["PayPal (EUR)"] and preview["error"] is None
    assert preview["accounts"] == {"PayPal": 4, "PayPal (EUR)": 2}
    assert _total(engine) == 0
    skipped = import_file(
        engine, user_id=user_id, account_id=paypal, data=DATA / "paypal_activity_us.csv",
        filename="paypal.csv",
    )  # fmt: skip
    message = next(e for e in skipped.errors if "are in EUR" in e)
    assert "PayPal (EUR)" in message and "create_accounts" in message
    result = import_file(
        engine,
        user_id=user_id,
        account_id=paypal,
        data=DATA / "paypal_activity_us.csv",
        filename="paypal.csv",
        create_accounts=True,
    )
    assert result.created_accounts == ["PayPal (EUR)"]
    assert (result.imported, result.duplicates) == (2, 4)
    with session_scope(engine) as s:
        made = s.scalars(select(Account).where(Account.name == "PayPal (EUR)")).one()
        assert made.currency == "EUR" and made.user_id == user_id
        made_id = made.id
    assert _amounts(engine, made_id) == [(Decimal("-40.00"), "EUR"), (Decimal("40.00"), "EUR")]


def test_an_account_of_the_wallets_name_in_a_third_currency_is_not_used(engine: Engine) -> None:
    user_id, (paypal, odd) = _user(engine, ("PayPal", "USD"), ("PayPal (EUR)", "GBP"))
    result = import_file(
        engine,
        user_id=user_id,
        account_id=paypal,
        data=DATA / "paypal_activity_us.csv",
        filename="paypal.csv",
        create_accounts=True,
    )
    assert result.accounts == {"PayPal": 4} and result.created_accounts == []
    assert any("2 transactions are in EUR" in e for e in result.errors)
    assert _amounts(engine, odd) == []
