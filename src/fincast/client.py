"""A small typed HTTP client for the fincast API (what the dashboard and scripts use).

Example::

    with FincastClient("http://127.0.0.1:8000") as api:
        api.login("me@example.com", "secret-password")
        page = api.transactions(date_from=date(2024, 1, 1), limit=50)
        forecast = api.predict_expense()

Errors come back as :class:`ApiError` carrying the server's problem details. Money values
are strings in the JSON (exact decimals); the client leaves them as they are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypedDict

import httpx

__all__ = ["ApiError", "FincastClient", "Page", "Tokens"]


class Page(TypedDict):
    """One page of a list endpoint."""

    data: list[dict[str, Any]]
    count: int


class Tokens(TypedDict):
    """The answer of login and refresh."""

    access_token: str
    token_type: str
    refresh_token: str
    expires_in: int


class ApiError(Exception):
    """An error answer of the API, with its RFC 9457 problem details."""

    def __init__(
        self, status: int, problem: dict[str, Any], *, retry_after: int | None = None
    ) -> None:
        self.status = status
        self.problem = problem
        #: Seconds to wait before trying again, from a 429's ``Retry-After``.
        self.retry_after = retry_after
        detail = problem.get("detail") or problem.get("title") or "error"
        super().__init__(f"HTTP {status}: {detail}")

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Field errors of a validation problem."""
        return list(self.problem.get("errors") or [])


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in params.items() if v is not None}


class FincastClient:
    """Synchronous client; pass ``token`` for a personal API token or call :meth:`login`.

    Args:
        base_url: Where the API is, e.g. ``http://127.0.0.1:8000``.
        token: A bearer token (access or personal) to start with.
        timeout: Seconds per request.
        transport: An httpx transport (tests pass ``httpx.MockTransport`` or similar).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self.token = token
        self.refresh_token: str | None = None

    # -- plumbing --------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self._http.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "detail": response.text[:500]}
            retry = response.headers.get("retry-after", "")
            raise ApiError(
                response.status_code,
                problem if isinstance(problem, dict) else {},
                retry_after=int(retry) if retry.isdigit() else None,
            )
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        return None if response.status_code == 204 else response.json()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> FincastClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- auth ------------------------------------------------------------------------------

    def register(self, email: str, password: str) -> dict[str, Any]:
        """Ask for an account; then :meth:`login`.

        The server answers alike whether or not the email was free (so nobody can learn who
        has an account): a taken email shows only when logging in with this password fails.
        """
        out: dict[str, Any] = self._json(
            "POST", "/api/auth/register", json={"email": email, "password": password}
        )
        return out

    def login(self, email: str, password: str) -> Tokens:
        """Log in with the password flow; later calls use the access token."""
        tokens: Tokens = self._json(
            "POST", "/api/auth/token", data={"username": email, "password": password}
        )
        self.token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return tokens

    def refresh(self) -> Tokens:
        """Trade the refresh token for a new pair."""
        tokens: Tokens = self._json(
            "POST", "/api/auth/refresh", json={"refresh_token": self.refresh_token}
        )
        self.token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return tokens

    def logout(self, *, everywhere: bool = False) -> None:
        """End this session; ``everywhere`` ends every session and personal token as well."""
        body = _clean({"refresh_token": self.refresh_token, "everywhere": everywhere or None})
        self._json("POST", "/api/auth/logout", json=body)
        self.token = self.refresh_token = None

    def me(self) -> dict[str, Any]:
        """The logged-in user."""
        out: dict[str, Any] = self._json("GET", "/api/auth/me")
        return out

    def change_password(self, current: str, new: str) -> None:
        """Change the password; every other session of the user ends, this one goes on."""
        self._json(
            "POST",
            "/api/auth/password",
            json={"current_password": current, "new_password": new},
        )

    def sessions(self) -> Page:
        """The user's live login sessions (``current`` marks this one)."""
        page: Page = self._json("GET", "/api/auth/sessions")
        return page

    def revoke_session(self, session_id: int) -> None:
        """End one login session and every token made from it."""
        self._json("DELETE", f"/api/auth/sessions/{session_id}")

    def create_api_token(
        self, name: str, expires_in_days: int | None = None, *, password: str | None = None
    ) -> dict[str, Any]:
        """A personal API token for scripts (the secret is in ``token``, shown once).

        Without ``password`` it ends with this login session (and no later than its access
        token); with the current password it lives until it expires or is revoked.
        """
        out: dict[str, Any] = self._json(
            "POST",
            "/api/auth/tokens",
            json=_clean({"name": name, "expires_in_days": expires_in_days, "password": password}),
        )
        return out

    def api_tokens(self) -> Page:
        """The user's live personal tokens, without secrets."""
        page: Page = self._json("GET", "/api/auth/tokens")
        return page

    def revoke_api_token(self, token_id: int) -> None:
        """Revoke a personal token and every token made from it."""
        self._json("DELETE", f"/api/auth/tokens/{token_id}")

    # -- ledger ----------------------------------------------------------------------------

    def accounts(self, *, offset: int = 0, limit: int = 100) -> Page:
        """The user's accounts."""
        page: Page = self._json("GET", "/api/accounts", params={"offset": offset, "limit": limit})
        return page

    def create_account(
        self,
        name: str,
        *,
        type: str = "checking",
        currency: str = "USD",
        opening_balance: Decimal | str = "0.00",
    ) -> dict[str, Any]:
        """Create an account."""
        body = {
            "name": name,
            "type": type,
            "currency": currency,
            "opening_balance": _plain(opening_balance),
        }
        out: dict[str, Any] = self._json("POST", "/api/accounts", json=body)
        return out

    def categories(self, *, limit: int = 1000) -> Page:
        """The user's categories."""
        page: Page = self._json("GET", "/api/categories", params={"limit": limit})
        return page

    def transactions(
        self,
        *,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        account_id: int | None = None,
        category_id: int | None = None,
        q: str | None = None,
        amount_min: Decimal | str | None = None,
        amount_max: Decimal | str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page:
        """One page of transactions, newest first, filtered."""
        params = _clean(
            {
                "date_from": date_from,
                "date_to": date_to,
                "account_id": account_id,
                "category_id": category_id,
                "q": q,
                "amount_min": amount_min,
                "amount_max": amount_max,
                "offset": offset,
                "limit": limit,
            }
        )
        page: Page = self._json("GET", "/api/transactions", params=params)
        return page

    def create_transaction(
        self,
        account_id: int,
        posted_date: dt.date,
        amount: Decimal | str,
        **fields: Any,
    ) -> dict[str, Any]:
        """Enter a transaction by hand (``payee``, ``description``, ``category_id`` ...)."""
        body = _clean(
            {"account_id": account_id, "posted_date": posted_date, "amount": amount, **fields}
        )
        out: dict[str, Any] = self._json("POST", "/api/transactions", json=body)
        return out

    def set_category(self, transaction_id: int, category_id: int | None) -> dict[str, Any]:
        """Correct a transaction's category (marks it as the user's choice)."""
        out: dict[str, Any] = self._json(
            "PATCH", f"/api/transactions/{transaction_id}", json={"category_id": category_id}
        )
        return out

    def upload_import(
        self,
        account_id: int,
        file: Path | str | bytes,
        *,
        filename: str | None = None,
        format: str = "auto",
    ) -> dict[str, Any]:
        """Upload a bank file into an account; returns the import result."""
        if isinstance(file, bytes):
            content, name = file, filename or "upload"
        else:
            path = Path(file)
            content, name = path.read_bytes(), filename or path.name
        out: dict[str, Any] = self._json(
            "POST",
            "/api/imports",
            data={"account_id": str(account_id), "format": format},
            files={"file": (name, content, "application/octet-stream")},
        )
        return out

    def export(self, format: Literal["json", "csv"] = "json") -> dict[str, Any] | bytes:
        """All the user's data: a dict (json) or zip bytes (csv)."""
        response = self._request("GET", "/api/export", params={"format": format})
        if format == "csv":
            return response.content
        out: dict[str, Any] = response.json()
        return out

    # -- forecasts -------------------------------------------------------------------------

    def train(self, *, force: bool = False) -> dict[str, Any]:
        """Train or refresh the user's models; returns model ids and backtest metrics."""
        out: dict[str, Any] = self._json("POST", "/api/train", json={"force": force})
        return out

    def model(self, model_id: str) -> dict[str, Any]:
        """Metadata of one of the user's models."""
        out: dict[str, Any] = self._json("GET", f"/api/models/{model_id}")
        return out

    def monthly(self) -> dict[str, Any]:
        """Complete months of income, category spending and savings (``data``, ``count``)."""
        out: dict[str, Any] = self._json("GET", "/api/insights/monthly")
        return out

    def predict_expense(
        self, monthly_data: list[dict[str, Any]] | None = None, confidence_level: float = 0.95
    ) -> dict[str, Any]:
        """Next month's expense and interval (stored data unless ``monthly_data`` is given)."""
        body = _clean({"monthly_data": monthly_data, "confidence_level": confidence_level})
        out: dict[str, Any] = self._json("POST", "/api/predict/expense", json=body)
        return out

    def predict_categories(
        self,
        monthly_data: list[dict[str, Any]] | None = None,
        *,
        risk_threshold: float = 1.2,
        total_budget: float | None = None,
        safety_margin: float = 0.1,
    ) -> dict[str, Any]:
        """Category forecasts, overspending risks and budget recommendations."""
        body = _clean(
            {
                "monthly_data": monthly_data,
                "risk_threshold": risk_threshold,
                "total_budget": total_budget,
                "safety_margin": safety_margin,
            }
        )
        out: dict[str, Any] = self._json("POST", "/api/predict/categories", json=body)
        return out

    def predict_savings(
        self,
        monthly_data: list[dict[str, Any]] | None = None,
        periods: tuple[int, ...] = (3, 6, 12),
    ) -> dict[str, Any]:
        """Savings trajectory and financial health."""
        body = _clean({"monthly_data": monthly_data, "periods": list(periods)})
        out: dict[str, Any] = self._json("POST", "/api/predict/savings", json=body)
        return out
