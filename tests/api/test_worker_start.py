"""A served worker loads the household model at start and takes its heap out of full GCs.

Full (generation 2) garbage collections walked the whole long-lived heap of a worker (the
model, the scientific stack): 0.3-1.4 s pauses under load that every request in flight
waited for (docs/benchmarks.md, "API under load"). ``fincast serve``'s app factory prepares
each worker: model loaded before the first request, survivors frozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio.from_thread
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.services.forecasting import household
from tests.api.client import ApiClient
from tests.api.conftest import make_settings
from tests.support.population import with_population


@contextmanager
def _started(app: FastAPI) -> Iterator[None]:
    """The app's lifespan (start-up before, shut-down after), as uvicorn runs it."""
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        yield


@pytest.fixture()
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_prepared_worker_has_the_model_loaded_and_its_heap_frozen(
    sqlite_engine: Engine, tmp_path: Path, thawed: None
) -> None:
    models = with_population(tmp_path / "models")
    household._loaded.pop(models, None)
    gc.unfreeze()  # loading the test model settled the heap already
    app = create_app(sqlite_engine, make_settings(models_dir=models), prepare_worker=True)
    with _started(app):
        assert models in household._loaded  # loaded before any request asked for it
        assert gc.get_freeze_count() > 10_000  # the long-lived heap is out of full GCs


def test_an_app_built_for_tests_or_embedding_leaves_the_heap_alone(
    sqlite_engine: Engine, tmp_path: Path, thawed: None
) -> None:
    models = with_population(tmp_path / "models")
    household._loaded.pop(models, None)
    gc.unfreeze()
    with _started(create_app(sqlite_engine, make_settings(models_dir=models))):
        assert models not in household._loaded
        assert gc.get_freeze_count() == 0


def test_a_worker_without_a_model_file_starts_without_training(
    sqlite_engine: Engine, tmp_path: Path, thawed: None
) -> None:
    empty = tmp_path / "no-models"
    empty.mkdir()
    app = create_app(sqlite_engine, make_settings(models_dir=empty), prepare_worker=True)
    with _started(app), ApiClient(app) as client:
        assert client.get("/healthz").status_code == 200
    assert list(empty.iterdir()) == []  # training waits for the first prediction
