"""Bounds on one request: the body size of JSON endpoints and each user's budget of costly work.

The app-wide body limit (``FINCAST_MAX_UPLOAD_BYTES``, 50 MiB by default) is sized for bank
files; a JSON endpoint parses its whole body before validation can refuse it, so routers of
JSON endpoints use :class:`BoundedJsonRoute`, which stops reading at a limit sized for the
largest valid request and answers 413 naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from fincast.services.ratelimit import WorkRateLimiter

#: Largest JSON body of a prediction: 600 months of 64 categories with 64-character names
#: come to about 3.3 MB.
MAX_JSON_BODY_BYTES = 4 * 1024 * 1024


def _too_large(size: str, limit: int) -> HTTPException:
    return HTTPException(
        413, f"request body of {size} bytes is over this endpoint's limit of {limit} bytes"
    )


class BoundedJsonRoute(APIRoute):
    """A route that reads at most :data:`MAX_JSON_BODY_BYTES` of body before parsing it."""

    max_body_bytes = MAX_JSON_BODY_BYTES

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind a bounded read of the body."""
        handler = super().get_route_handler()
        limit = self.max_body_bytes

        async def bounded(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_large(declared, limit)
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise _too_large(f"more than {limit}", limit)
            request._body = bytes(body)  # what FastAPI's handler reads the body from
            return await handler(request)

        return bounded


def get_work_limiter(request: Request) -> WorkRateLimiter:
    """The app's per-user limits on expensive work."""
    limiter: WorkRateLimiter = request.app.state.work_limiter
    return limiter


WorkLimiterDep = Annotated[WorkRateLimiter, Depends(get_work_limiter)]
