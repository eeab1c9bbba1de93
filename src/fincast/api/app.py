"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import Engine

from fincast import __version__
from fincast.api import docs, problems
from fincast.api.client_ip import parse_networks
from fincast.api.observability import Metrics, RequestContextMiddleware, configure_logging
from fincast.api.problems import PROBLEM_MEDIA_TYPE, Problem
from fincast.api.routers import ROUTERS, anomalies, recurring
from fincast.config import Settings, get_settings, secure_data_dirs
from fincast.errors import FincastError
from fincast.services import database
from fincast.services.forecasting import household
from fincast.services.forecasting.cache import CACHE
from fincast.services.ratelimit import AuthLimits, AuthRateLimiter, make_storage, work_limiter

log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Threads a worker runs sync routes in (anyio's default is 40): past a few per core they
    # only queue for the GIL, and that queue is what drives p99 under load. The engine's pool
    # keeps one connection per thread (fincast.db.engine.POOL_SIZE).
    threads = app.state.settings.request_threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    if app.state.prepare_worker:
        await anyio.to_thread.run_sync(_prepare_worker, app.state.settings)
    yield


def _prepare_worker(settings: Settings) -> None:
    """Load what every prediction needs before the first request, then settle the heap.

    The shared household model is loaded when its file exists (training stays with the
    first request that needs it), then :func:`~fincast.services.forecasting.household.
    settle_heap` takes the long-lived objects out of the collector's full passes.
    """
    try:
        if not household.preload(settings.resolved_models_dir):
            household.settle_heap()
    except FincastError as exc:  # a refused model file: the first prediction reports it
        log.warning("household model not preloaded: %s", exc)
        household.settle_heap()


def served_app() -> FastAPI:
    """The app as ``fincast serve`` runs it in each worker process (uvicorn's factory)."""
    return create_app(prepare_worker=True)


def create_app(
    engine: Engine | None = None,
    settings: Settings | None = None,
    *,
    prepare_worker: bool = False,
) -> FastAPI:
    """Build the API for ``engine`` (default: the configured database) and ``settings``.

    Args:
        engine: Database to serve; tests pass their own.
        settings: Configuration; default :func:`fincast.config.get_settings`.
        prepare_worker: At start-up, load the household model and settle the heap
            (:func:`_prepare_worker`): for a process that does nothing but serve.

    Returns:
        The ASGI app, OpenAPI docs at ``/docs``.
    """
    settings = settings or get_settings()
    secure_data_dirs(settings)  # a data folder made by an older version keeps no wide mode
    engine = engine or database.engine(settings.resolved_database_url)
    configure_logging()
    app = FastAPI(
        title="fincast",
        version=__version__,
        summary="Self-hosted personal-finance intelligence: ledger, imports, forecasts.",
        docs_url=None,  # served by fincast.api.docs: local assets, strict CSP
        redoc_url=None,
        lifespan=_lifespan,
    )
    metrics = Metrics()
    app.state.engine = engine
    app.state.prepare_worker = prepare_worker
    app.state.settings = settings
    app.state.session_factory = database.sessions(engine)
    app.state.metrics = metrics
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    app.state.rate_limiter = AuthRateLimiter(
        make_storage(settings.rate_limit_storage, engine),
        AuthLimits(
            login_per_ip_per_minute=settings.login_attempts_per_minute,
            failed_logins_per_account_per_hour=settings.login_attempts_per_account_per_hour,
            registrations_per_ip_per_hour=settings.registrations_per_hour,
            password_checks_per_minute=settings.auth_attempts_per_minute,
        ),
    )
    app.state.work_limiter = work_limiter(app.state.rate_limiter.storage, settings)
    CACHE.share_through(settings.cache_url)

    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(recurring.router)
    app.include_router(anomalies.router)
    app.include_router(docs.router)

    origins = [o for o in settings.cors_origins if o != "*"]
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
    )
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.max_upload_bytes
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema with every error response as ``application/problem+json``."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    defs = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(defs.pop("$defs", {}))
    components["Problem"] = defs
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    ref = {"$ref": "#/components/schemas/Problem"}
    for path in schema.get("paths", {}).values():
        for op in path.values():
            if "requestBody" in op:
                # Any body may be unparseable (400) or over the size limit (413).
                for code in ("400", "413"):
                    phrase = HTTPStatus(int(code)).phrase
                    op["responses"].setdefault(code, {"description": phrase})
            # Any operation may find the database busy or unreachable (503, Retry-After).
            op["responses"].setdefault("503", {"description": "Service Unavailable"})
            for code, resp in op.get("responses", {}).items():
                if code.isdigit() and int(code) >= 400:
                    resp["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
    app.openapi_schema = schema
    return schema
