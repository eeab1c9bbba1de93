"""Request ids, structured JSON logs, Prometheus metrics, security headers, the body size limit.

Implemented as one pure ASGI middleware (no ``BaseHTTPMiddleware``) so streaming bodies stay
streams and the per-request overhead stays small.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import json
import logging
import os
import re
import secrets
import sys
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fincast.api.problems import PROBLEM_MEDIA_TYPE, Problem


# Request ids need to be unique, not unpredictable: a random prefix per process and a
# counter. ``uuid4`` reads the OS's random source on every request, which cost 5% of a cached
# request's CPU under load (docs/benchmarks.md, "API under load").
class _RequestIds:
    """Ids shaped like ``uuid4().hex`` (32 hex digits); a forked worker draws a new prefix."""

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        self.prefix = secrets.token_hex(10)
        self.counter = itertools.count(1)

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter):012x}"


_IDS = _RequestIds()
os.register_at_fork(after_in_child=_IDS.renew)


request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
#: Added to every answer that does not set them itself. The API's answers are a user's
#: financial data and tokens: no cache keeps them, no browser sniffs them into HTML or frames
#: them; /docs sets its own Content-Security-Policy and the docs assets their own caching.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
_BODY_METHODS = {"POST", "PUT", "PATCH"}
access_log = logging.getLogger("fincast.api.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    _SKIP = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as JSON."""
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            out["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in self._SKIP and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: int | str | None = None) -> None:
    """Send ``fincast`` logs to stderr as JSON lines (idempotent).

    The level defaults to ``FINCAST_LOG_LEVEL`` (set by ``fincast serve --log-level``), else
    ``INFO``.
    """
    logger = logging.getLogger("fincast")
    logger.setLevel(level or os.environ.get("FINCAST_LOG_LEVEL", "INFO").upper())
    if not any(getattr(h, "_fincast_json", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._fincast_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


class Metrics:
    """The app's Prometheus collectors, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fincast_http_requests",
            "HTTP requests served.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fincast_http_request_duration_seconds",
            "Time to serve an HTTP request.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )


def _problem_bytes(status: int, title: str, detail: str) -> bytes:
    return (
        Problem(title=title, status=status, detail=detail)
        .model_dump_json(exclude_none=True)
        .encode()
    )


class RequestContextMiddleware:
    """Request id (in and out), access log, metrics, security headers, body size limit."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        raw_id = headers.get("x-request-id", b"").decode("latin-1")
        rid = raw_id if _VALID_ID.match(raw_id) else _IDS.next()
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 500
        method = scope["method"]

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                message["headers"] = [*headers, (b"x-request-id", rid.encode())]
            await send(message)

        try:
            too_big = self._declared_too_big(method, headers)
            if too_big is not None:
                await self._reject(send_wrapper, too_big)
            else:
                await self.app(scope, self._limited(receive), send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            request_id_var.reset(token)

    def _declared_too_big(self, method: str, headers: dict[str, bytes]) -> str | None:
        if method not in _BODY_METHODS:
            return None
        raw = headers.get("content-length")
        if raw is None:
            return None
        try:
            length = int(raw)
        except ValueError:
            return None
        if length > self.max_body_bytes:
            return f"request body of {length} bytes is over the limit of {self.max_body_bytes}"
        return None

    async def _reject(self, send: Send, detail: str) -> None:
        body = _problem_bytes(413, "Content too large", detail)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _limited(self, receive: Receive) -> Receive:
        received = 0
        limit = self.max_body_bytes

        async def wrapped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(
                        413, f"request body is over the limit of {limit} bytes"
                    )
            return message

        return wrapped
