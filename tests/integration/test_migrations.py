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
