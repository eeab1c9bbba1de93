"""Errors as RFC 9457 problem details (``application/problem+json``), mapped in one place."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fincast.errors import AuthError, FincastError, RateLimitError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("fincast.api")


class FieldProblem(BaseModel):
    """One invalid field: where it is, what is wrong with it."""

    field: str
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name.removesuffix("Error")).lower()


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    errors: Sequence[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    """A problem-details response."""
    body = Problem(
        type=type_,
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors) if errors is not None else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers) if headers else None,
    )


def _field_name(loc: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in loc)


def _malformed_body(request: Request, errors: Sequence[Any]) -> JSONResponse | None:
    """A 400 when the body could not be parsed at all (the OpenAPI schema documents 400)."""
    for e in errors:
        if e.get("type") == "json_invalid":
            loc = e.get("loc", ())
            where = f" at character {loc[1]}" if len(loc) > 1 and isinstance(loc[1], int) else ""
            reason = (e.get("ctx") or {}).get("error") or "not valid JSON"
            return problem(
                400,
                f"the request body is not valid JSON: {reason}{where}"[:1000],
                title="Malformed request body",
                type_="urn:fincast:problem:malformed-body",
                instance=request.url.path,
            )
    return None


def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    malformed = _malformed_body(request, exc.errors())
    if malformed is not None:
        return malformed
    errors = [
        FieldProblem(
            field=_field_name(e.get("loc", ())),
            message=str(e.get("msg", "invalid")),
            type=str(e.get("type", "value_error")),
        )
        for e in exc.errors()
    ]
    names = ", ".join(dict.fromkeys(p.field for p in errors)) or "request"
    return problem(
        422,
        f"invalid fields: {names}"[:1000],
        title="Validation failed",
        type_="urn:fincast:problem:validation",
        errors=errors,
        instance=request.url.path,
    )


def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem(exc.status_code, detail, headers=exc.headers, instance=request.url.path)


def _fincast_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FincastError)
    status = exc.http_status
    if status >= 500 and status != 503:
        log.error("unhandled fincast error", exc_info=exc)
        detail = "the server could not complete the request"
    else:
        detail = str(exc)[:2000]
    headers: dict[str, str] = {}
    if isinstance(exc, AuthError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimitError) and exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return problem(
        status,
        detail,
        title=exc.title,
        type_=f"urn:fincast:problem:{_slug(type(exc).__name__)}",
        headers=headers or None,
        instance=request.url.path,
    )


def _integrity_handler(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error reached the API: %s", type(exc).__name__)
    return problem(
        409, "the change conflicts with existing data", title="Conflict", instance=request.url.path
    )


def _data_handler(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database refused a value: %s", str(exc).splitlines()[0][:300])
    return problem(
        422, "a value is out of range for storage", title="Invalid input", instance=request.url.path
    )


#: Seconds a client is asked to wait when the database is busy or unreachable.
BUSY_RETRY_AFTER = 2


def _busy_handler(request: Request, exc: Exception) -> JSONResponse:
    # OperationalError is the database saying "not now": a lock held by another writer
    # (SQLite's "database is locked", a lock or statement timeout, a deadlock) or a lost
    # connection. The request can be retried as it is, so 503 with Retry-After, not 500.
    log.warning("database busy or unreachable: %s", str(exc).splitlines()[0][:300])
    return problem(
        503,
        "the database is busy or unreachable; retry shortly",
        title="Service unavailable",
        headers={"Retry-After": str(BUSY_RETRY_AFTER)},
        instance=request.url.path,
    )


def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return problem(500, "the server could not complete the request", instance=request.url.path)


def install(app: FastAPI) -> None:
    """Register every exception handler on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(FincastError, _fincast_handler)
    app.add_exception_handler(IntegrityError, _integrity_handler)
    app.add_exception_handler(DataError, _data_handler)
    app.add_exception_handler(OperationalError, _busy_handler)
    app.add_exception_handler(Exception, _unhandled)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route can answer."""
    return {
        s: {"model": Problem, "description": HTTPStatus(s).phrase} for s in sorted(set(statuses))
    }
