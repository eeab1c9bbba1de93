"""Shared fixtures: settings for tests, and the same suite on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

os.environ.setdefault("FINCAST_ENV", "test")
os.environ.setdefault("FINCAST_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
# One models folder per test process: the shared household model is trained there once
# (tests/support/population.py), never in the checkout's var/.
os.environ.setdefault("FINCAST_MODELS_DIR", tempfile.mkdtemp(prefix="fincast-test-models-"))

from fincast.db import migrate
from fincast.db.base import Base
from tests.support.databases import BACKENDS, isolated_engine

# ../shared/data beside the checkout, or wherever FINCAST_SHARED_DATA points (CI clones elsewhere).
SHARED_DATA = Path(
    os.environ.get("FINCAST_SHARED_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Put ``sys.modules["__main__"]`` back after each test.

    Streamlit's ``AppTest`` (tests/dashboard) runs page scripts as ``__main__`` and leaves
    one behind; a process that later spawns workers (the Dask cluster of tests/integration/
    test_batch.py, on the same xdist worker) would re-run that script in each of them and
    they die at start.
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder (``../shared/data``); tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-data folder {SHARED_DATA} is absent (only present in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database per backend per test session."""
    with isolated_engine(request.param, tmp_path_factory.mktemp("db")) as engine:
        migrate.upgrade(engine)
        yield engine


@pytest.fixture()
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """A migrated database with empty tables, on each of SQLite, PostgreSQL and MariaDB."""
    _truncate(migrated_engine)
    yield migrated_engine
    _truncate(migrated_engine)


@pytest.fixture()
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database for tests that need only one backend."""
    with isolated_engine("sqlite", tmp_path) as eng:
        migrate.upgrade(eng)
        yield eng


def _truncate(engine: Engine) -> None:
    import fincast.ledger.models  # noqa: F401

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))
