"""A synchronous test client over the ASGI app (httpx ``ASGITransport`` in a blocking portal).

Starlette's TestClient now warns about httpx; this is the same idea in a few lines.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import anyio.from_thread
import httpx
from fastapi import FastAPI


class ApiClient:
    """``get/post/patch/delete`` like ``httpx.Client``, served in-process by ``app``."""

    def __init__(
        self,
        app: FastAPI,
        base_url: str = "http://testserver",
        client_addr: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app
        self._stack = ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        # client_addr is the peer the app sees (scope["client"]), e.g. a proxy or a remote host.
        transport = httpx.ASGITransport(app=app, client=client_addr)
        self._client = httpx.AsyncClient(transport=transport, base_url=base_url)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(lambda: self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("OPTIONS", url, **kwargs)

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._stack.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
