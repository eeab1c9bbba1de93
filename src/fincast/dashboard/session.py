"""The dashboard's connection to the API: a logged-in fincast.client plus frame conversions."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fincast.client import ApiError as ClientApiError
from fincast.client import FincastClient


class ApiError(Exception):
    """An API call that failed, with the problem's title and detail as the message."""


def _message(exc: ClientApiError) -> str:
    problem = getattr(exc, "problem", {}) or {}
    detail = problem.get("detail") or problem.get("title") or str(exc)
    return f"{getattr(exc, 'status', '')} {detail}".strip()


class DashboardApi:
    """What the dashboard shows, fetched over HTTP with one logged-in client."""

    def __init__(self, client: FincastClient) -> None:
        self.client = client

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, name)(*args, **kwargs)
        except ClientApiError as exc:
            raise ApiError(_message(exc)) from exc

    def monthly(self) -> pd.DataFrame:
        """The user's complete months in the layout year_month, income, categories, ..."""
        rows = self._call("monthly")["data"]
        return pd.DataFrame(rows)

    def predict_expense(self) -> dict[str, Any]:
        """Next month's spending forecast."""
        out: dict[str, Any] = self._call("predict_expense")
        return out

    def predict_categories(self) -> dict[str, Any]:
        """Category forecasts, risks, budget recommendations."""
        out: dict[str, Any] = self._call("predict_categories")
        return out

    def predict_savings(self) -> dict[str, Any]:
        """Savings trajectory and financial health."""
        out: dict[str, Any] = self._call("predict_savings")
        return out

    def transactions(self, *, text: str | None, limit: int) -> dict[str, Any]:
        """Newest transactions matching ``text``."""
        out: dict[str, Any] = self._call("transactions", q=text, limit=limit)
        return out

    def accounts(self) -> list[dict[str, Any]]:
        """The user's accounts."""
        out: list[dict[str, Any]] = self._call("accounts")["data"]
        return out

    def upload_import(self, account_id: int, name: str, content: bytes) -> dict[str, Any]:
        """Import a bank file into an account."""
        out: dict[str, Any] = self._call("upload_import", account_id, content, filename=name)
        return out


def connect(api_url: str, email: str, password: str) -> DashboardApi:
    """Log in to the API at ``api_url``; ApiError with the reason when that fails."""
    client = FincastClient(api_url)
    try:
        client.login(email, password)
    except ClientApiError as exc:
        client.close()
        raise ApiError(_message(exc)) from exc
    except Exception as exc:  # connection refused, DNS, timeouts
        client.close()
        raise ApiError(f"cannot reach the API at {api_url}: {exc}") from exc
    return DashboardApi(client)
