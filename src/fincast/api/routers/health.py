"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fincast.api.client_ip import is_forwarded, peer_address
from fincast.api.deps import EngineDep, SettingsDep
from fincast.api.problems import problem, responses
from fincast.errors import AuthError, NotFoundError
from fincast.services import database

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses=responses(503))
def readyz(engine: EngineDep) -> Response:
    """The database answers and is migrated to the newest revision."""
    reason = database.not_ready_reason(engine)
    if reason is not None:
        return problem(503, reason, title="Not ready")
    return JSONResponse({"status": "ready"})


def metrics_access(request: Request, settings: SettingsDep) -> None:
    """Let the request read /metrics only as ``FINCAST_METRICS`` allows (off, loopback, token).

    Loopback means the TCP peer is a loopback address and no proxy relayed the request: a
    reverse proxy on the same machine makes every outside request come from loopback.
    """
    if settings.metrics == "off":
        raise NotFoundError("metrics are turned off (FINCAST_METRICS=off)")
    if settings.metrics == "loopback":
        peer = peer_address(request)
        if peer is None or not peer.is_loopback or is_forwarded(request):
            raise HTTPException(403, "metrics are served to loopback clients only")
        return
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not (
        expected
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), expected.encode())
    ):
        raise AuthError("metrics need 'Authorization: Bearer <FINCAST_METRICS_TOKEN>'")


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}},
        **responses(401, 403, 404),
    },
)
def metrics(request: Request, _access: Annotated[None, Depends(metrics_access)]) -> Response:
    """Prometheus metrics of this process (who may read them: ``FINCAST_METRICS``)."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
