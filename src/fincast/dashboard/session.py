"""The dashboard's connection to the API: one signed-in fincast.client per browser session.

Every call goes through :meth:`DashboardApi.call`, which renews an expired access token with
the refresh token once and turns failures into the three errors a page can explain:
:class:`ApiUnreachable`, :class:`SessionExpired` and :class:`ApiError`.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Mapping
from typing import Any

import httpx

from fincast.client import ApiError as ClientApiError
from fincast.client import FincastClient


class DashboardError(Exception):
    """Anything a page shows to the user instead of its content."""


class ApiError(DashboardError):
    """The API refused a request; the message is its problem's detail."""


class ApiUnreachable(DashboardError):
    """Nothing answers at the API's address."""


class SessionExpired(DashboardError):
    """The sign-in ended (token expired and could not be renewed, or revoked)."""


def problem_message(exc: ClientApiError) -> str:
    """The user-facing text of an API error: what failed, field by field where it says.

    A validation problem (RFC 9457, ``errors: [{field, message}]``) reads as
    ``Password: String should have at least 12 characters``; other problems give their
    ``detail``.
    """
    problem = exc.problem or {}
    detail = str(problem.get("detail") or problem.get("title") or exc)
    fields = [_field_message(e) for e in exc.errors[:3] if isinstance(e, dict)]
    fields = [f for f in fields if f]
    return "; ".join(fields) if fields else detail


def _field_message(error: Mapping[str, Any]) -> str:
    field = str(error.get("field") or "")
    if not field and error.get("loc"):
        field = ".".join(str(p) for p in error["loc"])
    # "body.password" -> "Password"; "query.limit" -> "Limit"
    parts = [p for p in field.split(".") if p not in ("body", "query", "path", "header")]
    name = " ".join(parts).replace("_", " ").capitalize()
    message = str(error.get("message") or error.get("msg") or "").strip()
    if not message:
        return ""
    return f"{name}: {message}" if name else message


_revisions = itertools.count(1)


class DashboardApi:
    """A signed-in user's client, the way back to the sign-in page, and a write counter.

    ``revision`` changes on every write made through this session, so cached reads of
    things the ledger's data version does not cover (account names, budgets) refresh.
    """

    def __init__(self, client: FincastClient, api_url: str, email: str, *, demo: bool) -> None:
        self.client = client
        self.api_url = api_url
        self.email = email
        self.demo = demo
        self.revision = next(_revisions)

    @property
    def cache_key(self) -> str:
        """Who is asking and through which API: part of every cached read's key."""
        return f"{self.api_url}|{self.email}"

    def call(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """``client.<name>(...)``, renewing the session once when the access token expired."""
        try:
            return self._attempt(name, args, kwargs)
        except ClientApiError as exc:
            if exc.status != 401:
                raise ApiError(problem_message(exc)) from exc
            if not self.client.refresh_token:
                raise SessionExpired("Your session has ended. Please sign in again.") from exc
        try:
            self._attempt("refresh", (), {})
        except ClientApiError as exc:
            raise SessionExpired("Your session has expired. Please sign in again.") from exc
        try:
            return self._attempt(name, args, kwargs)
        except ClientApiError as exc:
            if exc.status == 401:
                raise SessionExpired("Your session has ended. Please sign in again.") from exc
            raise ApiError(problem_message(exc)) from exc

    def write(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """:meth:`call` for a change: cached reads of this session start afresh after it."""
        try:
            return self.call(name, *args, **kwargs)
        finally:
            self.revision = next(_revisions)

    def _attempt(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return getattr(self.client, name)(*args, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnreachable(
                f"The fincast API at {self.api_url} is not answering ({type(exc).__name__}). "
                "Is it running? Start it with `fincast serve` or `fincast run`."
            ) from exc

    def close(self) -> None:
        """Sign out on the server (best effort) and close the connection pool."""
        with contextlib.suppress(ClientApiError, httpx.HTTPError):
            self.client.logout()
        self.client.close()


def _client(api_url: str) -> FincastClient:
    return FincastClient(api_url, timeout=120.0)


def connect(api_url: str, email: str, password: str, *, demo: bool = False) -> DashboardApi:
    """Sign in at ``api_url``; a :class:`DashboardError` with the reason when that fails."""
    client = _client(api_url)
    try:
        client.login(email, password)
    except ClientApiError as exc:
        client.close()
        if exc.status in (400, 401):
            raise ApiError("Wrong email or password.") from exc
        raise ApiError(problem_message(exc)) from exc
    except httpx.TransportError as exc:
        client.close()
        raise ApiUnreachable(
            f"The fincast API at {api_url} is not answering. Is it running?"
        ) from exc
    return DashboardApi(client, api_url, email, demo=demo)


def register(api_url: str, email: str, password: str) -> DashboardApi:
    """Create an account and sign in to it."""
    client = _client(api_url)
    try:
        client.register(email, password)
    except ClientApiError as exc:
        raise ApiError(problem_message(exc)) from exc
    except httpx.TransportError as exc:
        raise ApiUnreachable(
            f"The fincast API at {api_url} is not answering. Is it running?"
        ) from exc
    finally:
        client.close()
    try:
        return connect(api_url, email, password)
    except ApiError as exc:
        # Registration answers alike for new and taken emails; a failed login tells.
        raise ApiError(
            "That email may already be registered with another password: sign in instead."
        ) from exc
