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
