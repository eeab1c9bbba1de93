"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fincast.api.deps import EngineDep
from fincast.api.problems import problem, responses
from fincast.db import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=responses(503))
def readyz(engine: EngineDep) -> Response:
    """The database answers and is migrated to the newest revision."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = migrate.is_current(engine)
    except SQLAlchemyError as exc:
        return problem(503, f"database unreachable: {type(exc).__name__}", title="Not ready")
    if not current:
        return problem(503, "database migrations are not current", title="Not ready")
    from fastapi.responses import JSONResponse

    return JSONResponse({"status": "ready"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
def metrics(request: Request) -> Response:
    """Prometheus metrics of this process."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
