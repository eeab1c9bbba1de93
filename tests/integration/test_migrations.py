from pathlib import Path

import pytest
from sqlalchemy import inspect

from fincast.db import migrate
from fincast.db.base import Base
from tests.support.databases import BACKENDS, isolated_engine


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_then_downgrade_round_trips(backend: str, tmp_path: Path) -> None:
    import fincast.ledger.models  # noqa: F401

    with isolated_engine(backend, tmp_path) as engine:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.is_current(engine)


def test_models_match_migrations(sqlite_engine) -> None:
    """Autogenerate finds nothing to add: the migrations describe the models exactly."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import fincast.ledger.models  # noqa: F401

    with sqlite_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_constraint_names_follow_the_convention(sqlite_engine) -> None:
    insp = inspect(sqlite_engine)
    fks = insp.get_foreign_keys("transactions")
    assert all(fk["name"].startswith("fk_transactions_") for fk in fks)
    uqs = insp.get_unique_constraints("transactions")
    assert {u["name"] for u in uqs} == {"uq_transactions_account_id_fingerprint"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_rows_keep_their_values_across_0009(backend: str, tmp_path: Path) -> None:
    """After 0009 the forecast rows are the view of the stored payloads and the insight
    rows are kept (a user's without a stored household dropped); 0009's downgrade stores
    the view's rows again, with their household row's stamps."""
    import json

    from sqlalchemy import text

    payload = {
        "series": [
            {
                "name": "savings",
                "months": [
                    {"month": "2026-01", "forecast": 10.5, "lower": -2.25, "upper": 30.0},
                    {"month": "2026-02", "forecast": 11.0, "lower": -1.5, "upper": 31.75},
                ],
            }
        ]
    }
    with isolated_engine(backend, tmp_path) as engine:
        migrate.upgrade(engine, "0008_data_revision")
        at = "2026-12-01 10:00:00"
        with engine.begin() as conn:
            for uid in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, is_active, created_at, data_revision) "
                        "VALUES (:u, :e, :t, :at, 0)"
                    ),
                    {"u": uid, "e": f"u{uid}@example.org", "t": True, "at": at},
                )
            conn.execute(
                text(
                    "INSERT INTO batch_households "
                    "(user_id, data_version, model_version, payload, computed_at) "
                    "VALUES (1, 'v1v1v1v1v1v1v1v1', 'model', :p, :at)"
                ),
                {"p": json.dumps(payload), "at": at},
            )
            for uid in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO batch_insights (user_id, kind, subject, month, value, "
                        "data_version, computed_at) VALUES "
                        "(:u, 'overspending', 'dining', '2026-01', 0.5, 'v1v1v1v1v1v1v1v1', :at)"
                    ),
                    {"u": uid, "at": at},
                )
        migrate.upgrade(engine)
        query = (
            "SELECT user_id, series, month, horizon, point, lo_95, hi_95 FROM batch_forecasts "
            "ORDER BY horizon"
        )
        expected = [
            (1, "savings", "2026-01", 1, 10.5, -2.25, 30.0),
            (1, "savings", "2026-02", 2, 11.0, -1.5, 31.75),
        ]
        with engine.connect() as conn:
            rows = [
                (int(u), s, m, int(h), float(p), float(lo), float(hi))
                for u, s, m, h, p, lo, hi in conn.execute(text(query))
            ]
            assert rows == expected
            insights = conn.execute(text("SELECT user_id, value FROM batch_insights")).all()
            assert [tuple(r) for r in insights] == [(1, 0.5)]
        migrate.downgrade(engine, "0008_data_revision")
        with engine.connect() as conn:
            rows = [
                (int(u), s, m, int(h), float(p), float(lo), float(hi))
                for u, s, m, h, p, lo, hi in conn.execute(text(query))
            ]
            assert rows == expected
            stamps = conn.execute(
                text("SELECT DISTINCT data_version, model_version FROM batch_forecasts")
            ).all()
            assert [tuple(s) for s in stamps] == [("v1v1v1v1v1v1v1v1", "model")]
            assert conn.execute(text("SELECT data_version FROM batch_insights")).scalar() == (
                "v1v1v1v1v1v1v1v1"
            )


@pytest.mark.parametrize("backend", BACKENDS)
def test_plans_get_their_users_primary_currency_in_0010(backend: str, tmp_path: Path) -> None:
    """0010 fills budgets, goals and debts with the user's primary currency (most
    transactions; first account's on a tie), a debt's account's currency where it has one,
    USD without accounts; the column is NOT NULL after it, and the downgrade drops it."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    at = "2026-12-01 10:00:00"
    # user 1: USD account first (1 transaction), EUR account (2): primary EUR
    # user 2: no account; user 3: a GBP account first and a CHF one, no transactions: GBP
    accounts = [(11, 1, "usd"), (12, 1, "EUR"), (31, 3, "GBP"), (32, 3, "CHF")]
    transactions = [(101, 1, 11), (102, 1, 12), (103, 1, 12)]
    with isolated_engine(backend, tmp_path) as engine:
        migrate.upgrade(engine, "0009_batch_rows_of_households")
        with engine.begin() as conn:
            for uid in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, is_active, created_at, data_revision) "
                        "VALUES (:u, :e, :t, :at, 0)"
                    ),
                    {"u": uid, "e": f"u{uid}@example.org", "t": True, "at": at},
                )
            for aid, uid, cur in accounts:
                conn.execute(
                    text(
                        "INSERT INTO accounts (id, user_id, name, type, currency, "
                        "opening_balance, archived, created_at) "
                        "VALUES (:a, :u, :n, 'checking', :c, 0, :f, :at)"
                    ),
                    {"a": aid, "u": uid, "n": f"acc{aid}", "c": cur, "f": False, "at": at},
                )
            for tid, uid, aid in transactions:
                conn.execute(
                    text(
                        "INSERT INTO transactions (id, user_id, account_id, posted_date, "
                        "amount, currency, fingerprint, created_at) "
                        "VALUES (:t, :u, :a, '2026-11-02', -5, 'EUR', :fp, :at)"
                    ),
                    {"t": tid, "u": uid, "a": aid, "fp": f"fp{tid}", "at": at},
                )
            for uid in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO budgets (id, user_id, amount, created_at) "
                        "VALUES (:u, :u, 100, :at)"
                    ),
                    {"u": uid, "at": at},
                )
                conn.execute(
                    text(
                        "INSERT INTO savings_goals (id, user_id, name, target_amount, "
                        "target_date, start_amount, created_at) "
                        "VALUES (:u, :u, 'goal', 1000, '2027-06-01', 0, :at)"
                    ),
                    {"u": uid, "at": at},
                )
            debts = [(1, 1, None), (2, 1, 11), (3, 2, None), (4, 3, 32)]
            for did, uid, aid in debts:
                conn.execute(
                    text(
                        "INSERT INTO debts (id, user_id, account_id, name, balance, apr, "
                        "minimum_payment, created_at) "
                        "VALUES (:d, :u, :a, 'debt', 500, 9.5, 25, :at)"
                    ),
                    {"d": did, "u": uid, "a": aid, "at": at},
                )
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
        with engine.connect() as conn:

            def currencies(table: str) -> list[tuple[int, str]]:
                rows = conn.execute(text(f"SELECT id, currency FROM {table} ORDER BY id"))
                return [(int(i), c) for i, c in rows]

            assert currencies("budgets") == [(1, "EUR"), (2, "USD"), (3, "GBP")]
            assert currencies("savings_goals") == [(1, "EUR"), (2, "USD"), (3, "GBP")]
            assert currencies("debts") == [(1, "EUR"), (2, "USD"), (3, "USD"), (4, "CHF")]
        columns = {c["name"]: c for c in inspect(engine).get_columns("budgets")}
        assert columns["currency"]["nullable"] is False
        # NOT NULL: IntegrityError on SQLite and PostgreSQL, OperationalError 1364 on MariaDB
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO budgets (id, user_id, amount, created_at) VALUES (9, 1, 5, :at)"),
                {"at": at},
            )
        migrate.downgrade(engine, "0009_batch_rows_of_households")
        for table in ("budgets", "savings_goals", "debts"):
            assert "currency" not in {c["name"] for c in inspect(engine).get_columns(table)}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM debts")).scalar() == 4
            assert conn.execute(text("SELECT amount FROM budgets WHERE id = 1")).scalar() == 100


@pytest.mark.parametrize("backend", BACKENDS)
def test_detections_get_a_currency_in_0011(backend: str, tmp_path: Path) -> None:
    """0011 gives a series its account's currency (else the user's primary one, USD without
    accounts), a flag its transaction's account's or the one its subject names (else the
    primary one); the currency is NOT NULL and part of a series' key; the downgrade keeps
    one series per old key, a decided one first."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    at = "2026-12-01 10:00:00"
    # user 1: USD account 11 (1 transaction), EUR account 12 (2): primary EUR; user 2: none
    accounts = [(11, 1, "usd"), (12, 1, "EUR")]
    transactions = [(101, 1, 11), (102, 1, 12), (103, 1, 12)]
    # id, user, account, payee key, status
    series = [
        (1, 1, 11, "spotify", "new"),
        (2, 1, None, "gym", "dismissed"),
        (3, 2, None, "x", "new"),
    ]
    # id, user, kind, subject, transaction
    flags = [
        (1, 1, "unusual_amount", "fp101", 101),
        (2, 1, "monthly_behaviour", "2026-05 USD", None),
        (3, 1, "category_spike", "dining:2026-05", None),
        (4, 2, "monthly_behaviour", "2026-05", None),
    ]
    with isolated_engine(backend, tmp_path) as engine:
        migrate.upgrade(engine, "0010_plan_currencies")
        with engine.begin() as conn:
            for uid in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, is_active, created_at, data_revision) "
                        "VALUES (:u, :e, :t, :at, 0)"
                    ),
                    {"u": uid, "e": f"u{uid}@example.org", "t": True, "at": at},
                )
            for aid, uid, cur in accounts:
                conn.execute(
                    text(
                        "INSERT INTO accounts (id, user_id, name, type, currency, "
                        "opening_balance, archived, created_at) "
                        "VALUES (:a, :u, :n, 'checking', :c, 0, :f, :at)"
                    ),
                    {"a": aid, "u": uid, "n": f"acc{aid}", "c": cur, "f": False, "at": at},
                )
            for tid, uid, aid in transactions:
                conn.execute(
                    text(
                        "INSERT INTO transactions (id, user_id, account_id, posted_date, "
                        "amount, currency, fingerprint, created_at) "
                        "VALUES (:t, :u, :a, '2026-11-02', -5, 'EUR', :fp, :at)"
                    ),
                    {"t": tid, "u": uid, "a": aid, "fp": f"fp{tid}", "at": at},
                )
            for sid, uid, aid, key, status in series:
                conn.execute(
                    text(
                        "INSERT INTO recurring_series (id, user_id, payee_key, cadence, status, "
                        "payee, account_id, amount, expected_amount, amount_varies, first_date, "
                        "last_date, next_date, occurrences, state, missed, price_changes, "
                        "confidence, detected_at, created_at) VALUES (:i, :u, :k, 'monthly', "
                        ":s, :k, :a, -9.99, -9.99, :f, '2026-01-05', '2026-11-05', "
                        "'2026-12-05', 11, 'active', '[]', '[]', 0.9, :at, :at)"
                    ),
                    {"i": sid, "u": uid, "k": key, "s": status, "a": aid, "f": False, "at": at},
                )
            for fid, uid, kind, subject, tid in flags:
                conn.execute(
                    text(
                        "INSERT INTO anomalies (id, user_id, kind, subject, status, detector, "
                        "transaction_id, posted_date, month, amount, score, reason, "
                        "detected_at, created_at) VALUES (:i, :u, :k, :s, 'new', 'robust', "
                        ":t, '2026-05-01', '2026-05', -50, 4.5, 'why', :at, :at)"
                    ),
                    {"i": fid, "u": uid, "k": kind, "s": subject, "t": tid, "at": at},
                )
        migrate.upgrade(engine)
        assert migrate.is_current(engine)

        def currencies(table: str) -> list[tuple[int, str]]:
            with engine.connect() as conn:
                rows = conn.execute(text(f"SELECT id, currency FROM {table} ORDER BY id"))
                return [(int(i), c) for i, c in rows]

        assert currencies("recurring_series") == [(1, "USD"), (2, "EUR"), (3, "USD")]
        assert currencies("anomalies") == [(1, "USD"), (2, "USD"), (3, "EUR"), (4, "USD")]
        columns = {c["name"]: c for c in inspect(engine).get_columns("recurring_series")}
        assert columns["currency"]["nullable"] is False
        keys = {
            u["name"]: u["column_names"]
            for u in inspect(engine).get_unique_constraints("recurring_series")
        }
        assert keys == {
            "uq_recurring_series_user_id_payee_key_cadence_currency": [
                "user_id",
                "payee_key",
                "cadence",
                "currency",
            ]
        }
        insert = text(
            "INSERT INTO recurring_series (id, user_id, payee_key, cadence, currency, status, "
            "payee, amount, expected_amount, amount_varies, first_date, last_date, next_date, "
            "occurrences, state, missed, price_changes, confidence, detected_at, created_at) "
            "VALUES (:i, 1, 'spotify', 'monthly', :c, :s, 'Spotify', -9.99, -9.99, :f, "
            "'2026-01-07', '2026-11-07', '2026-12-07', 11, 'active', '[]', '[]', 0.9, :at, :at)"
        )
        # the same payee and cadence in another currency is another series
        with engine.begin() as conn:
            conn.execute(insert, {"i": 4, "c": "EUR", "s": "confirmed", "f": False, "at": at})
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(insert, {"i": 5, "c": "EUR", "s": "new", "f": False, "at": at})
        migrate.downgrade(engine, "0010_plan_currencies")
        for table in ("recurring_series", "anomalies"):
            assert "currency" not in {c["name"] for c in inspect(engine).get_columns(table)}
        with engine.connect() as conn:
            # spotify in USD (new) and in EUR (confirmed): the decided one is kept
            kept = conn.execute(text("SELECT id FROM recurring_series ORDER BY id")).scalars()
            assert list(kept) == [2, 3, 4]
            assert conn.execute(text("SELECT COUNT(*) FROM anomalies")).scalar() == 4
        migrate.upgrade(engine)
        assert currencies("recurring_series") == [(2, "EUR"), (3, "USD"), (4, "EUR")]
