"""JSON answers encoded once with orjson, and HTTP validators (ETag, If-None-Match).

Hot list and insight endpoints build plain dicts and hand them here instead of validating
every row through Pydantic: the encoding matches what the response schemas produce (money
as a decimal string, UTC times with ``Z``), so clients see the same JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

import orjson
from fastapi import Request, Response

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_SERIALIZE_NUMPY
#: Answers with an ETag may be kept by the user's own client but must be revalidated before
#: each use (a shared cache never sees them: every request carries Authorization).
REVALIDATE = "private, no-cache"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(content: Any) -> bytes:
    """``content`` as compact JSON bytes (Decimal as a string, naive datetimes as UTC)."""
    return orjson.dumps(content, default=_default, option=_OPTIONS)


def json_response(
    body: bytes, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """An ``application/json`` answer whose body is already encoded."""
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


def etag_for(key: Hashable) -> str:
    """A strong ETag naming ``key`` (a digest of its repr: the same in every worker)."""
    return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'


def etag_matches(request: Request, etag: str) -> bool:
    """True when the request's ``If-None-Match`` names ``etag`` (or ``*``), RFC 9110 13.1.2."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return "*" in candidates or etag in candidates


def cached_json(request: Request, etag: str, body: Callable[[], bytes]) -> Response:
    """A 304 when the client holds ``etag`` already, else ``body()`` with that ETag.

    ``body`` is called only when the answer is sent, so a revalidation computes nothing.
    """
    headers = {"ETag": etag, "Cache-Control": REVALIDATE}
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    return json_response(body(), headers=headers)
