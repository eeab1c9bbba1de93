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
import json
from collections.abc import Mapping
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

    def update_account(self, account_id: int, **fields: Any) -> dict[str, Any]:
        """Change an account's ``name``, ``type``, ``currency``, opening balance or archive."""
        return self._update("accounts", account_id, fields)

    def delete_account(self, account_id: int) -> None:
        """Delete an account and every transaction on it."""
        self._json("DELETE", f"/api/accounts/{account_id}")

    def balances(self) -> Page:
        """Each account's balance now and the net worth at the end of every month."""
        page: Page = self._json("GET", "/api/balances")
        return page

    def categories(self, *, limit: int = 1000) -> Page:
        """The user's categories."""
        page: Page = self._json("GET", "/api/categories", params={"limit": limit})
        return page

    def create_category(
        self, slug: str, name: str, *, kind: str = "expense", essential: bool = False
    ) -> dict[str, Any]:
        """Add a category (``slug`` is its stable machine name)."""
        body = {"slug": slug, "name": name, "kind": kind, "essential": essential}
        out: dict[str, Any] = self._json("POST", "/api/categories", json=body)
        return out

    def update_category(self, category_id: int, **fields: Any) -> dict[str, Any]:
        """Change a category's ``name``, ``kind`` or ``essential`` flag."""
        return self._update("categories", category_id, fields)

    def rules(self, *, limit: int = 1000) -> Page:
        """The user's categorization rules."""
        page: Page = self._json("GET", "/api/rules", params={"limit": limit})
        return page

    def create_rule(self, category_id: int, **fields: Any) -> dict[str, Any]:
        """Add a rule (``payee_contains``, ``pattern``, ``amount_min`` ... -> ``category_id``)."""
        body = _clean({"category_id": category_id, **fields})
        out: dict[str, Any] = self._json("POST", "/api/rules", json=body)
        return out

    def update_rule(self, rule_id: int, **fields: Any) -> dict[str, Any]:
        """Change some fields of a rule."""
        return self._update("rules", rule_id, fields)

    def delete_rule(self, rule_id: int) -> None:
        """Delete a rule (what it categorized stays as it is)."""
        self._json("DELETE", f"/api/rules/{rule_id}")

    # -- planning: budgets, goals, debts ----------------------------------------------------

    def budgets(self, *, limit: int = 1000) -> Page:
        """The user's monthly budgets."""
        page: Page = self._json("GET", "/api/budgets", params={"limit": limit})
        return page

    def create_budget(
        self, amount: Decimal | str, *, category_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A monthly limit for a category (or for all spending without ``category_id``)."""
        body = _clean({"amount": amount, "category_id": category_id, **fields})
        out: dict[str, Any] = self._json("POST", "/api/budgets", json=body)
        return out

    def update_budget(self, budget_id: int, **fields: Any) -> dict[str, Any]:
        """Change some fields of a budget."""
        return self._update("budgets", budget_id, fields)

    def delete_budget(self, budget_id: int) -> None:
        """Delete a budget."""
        self._json("DELETE", f"/api/budgets/{budget_id}")

    def goals(self, *, limit: int = 1000) -> Page:
        """The user's savings goals."""
        page: Page = self._json("GET", "/api/goals", params={"limit": limit})
        return page

    def create_goal(
        self, name: str, target_amount: Decimal | str, target_date: dt.date, **fields: Any
    ) -> dict[str, Any]:
        """An amount to have saved by a date (``start_amount`` optional)."""
        body = _clean(
            {"name": name, "target_amount": target_amount, "target_date": target_date, **fields}
        )
        out: dict[str, Any] = self._json("POST", "/api/goals", json=body)
        return out

    def update_goal(self, goal_id: int, **fields: Any) -> dict[str, Any]:
        """Change some fields of a goal."""
        return self._update("goals", goal_id, fields)

    def delete_goal(self, goal_id: int) -> None:
        """Delete a goal."""
        self._json("DELETE", f"/api/goals/{goal_id}")

    # Every answer below is in one currency: ``currency``, default the user's primary one.

    def goal_forecast(self, goal_id: int, *, currency: str | None = None) -> dict[str, Any]:
        """A goal's chance of being reached by its date, the monthly amount needed, pace date."""
        out: dict[str, Any] = self._json(
            "GET", f"/api/goals/{goal_id}/forecast", params=_clean({"currency": currency})
        )
        return out

    def disposable_income(self, *, currency: str | None = None) -> dict[str, Any]:
        """Next month's income minus essential spending, with its range."""
        out: dict[str, Any] = self._json(
            "GET", "/api/insights/disposable-income", params=_clean({"currency": currency})
        )
        return out

    def health(self, *, currency: str | None = None) -> dict[str, Any]:
        """The financial health score, its eight components and its monthly history."""
        out: dict[str, Any] = self._json(
            "GET", "/api/insights/health", params=_clean({"currency": currency})
        )
        return out

    def investment_readiness(self, *, currency: str | None = None) -> dict[str, Any]:
        """Not ready, building or ready to invest, with the reasons."""
        out: dict[str, Any] = self._json(
            "GET", "/api/insights/investment-readiness", params=_clean({"currency": currency})
        )
        return out

    def overspending(
        self, *, threshold: float = 1.2, currency: str | None = None
    ) -> dict[str, Any]:
        """Next month per category: the rule's flag and the probabilities of going over."""
        out: dict[str, Any] = self._json(
            "GET",
            "/api/insights/overspending",
            params=_clean({"threshold": threshold, "currency": currency}),
        )
        return out

    def budget_plan(
        self,
        *,
        total_budget: Decimal | float | None = None,
        safety_margin: float = 0.0,
        currency: str | None = None,
    ) -> dict[str, Any]:
        """Next month's recommended budget, each line with its reason, savings last."""
        # As decimal strings: a float's binary tail would break the API's decimal places.
        total = None if total_budget is None else str(total_budget)
        body = _clean({"total_budget": total, "safety_margin": str(safety_margin)})
        out: dict[str, Any] = self._json(
            "POST", "/api/insights/budget", json=body, params=_clean({"currency": currency})
        )
        return out

    def alerts(self, *, currency: str | None = None) -> dict[str, Any]:
        """Each budget this month: spent so far, projected month end, 80/90/100 % reached."""
        out: dict[str, Any] = self._json(
            "GET", "/api/alerts", params=_clean({"currency": currency})
        )
        return out

    # -- detections: recurring series, anomalies, rule suggestions ----------------------

    def recurring(
        self, *, status: str | None = None, currency: str | None = None, limit: int = 100
    ) -> Page:
        """Detected subscriptions and bills (``status``: new, confirmed or dismissed).

        Each in its own currency; of ``currency`` only, if given.
        """
        params = _clean({"status": status, "currency": currency, "limit": limit})
        out: Page = self._json("GET", "/api/recurring", params=params)
        return out

    def review_recurring(self, series_id: int, status: str) -> dict[str, Any]:
        """Confirm or dismiss a recurring series (``new`` undoes either)."""
        out: dict[str, Any] = self._json(
            "PATCH", f"/api/recurring/{series_id}", json={"status": status}
        )
        return out

    def anomalies(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        currency: str | None = None,
        limit: int = 100,
    ) -> Page:
        """Anomaly flags with their reasons, newest first (of ``currency`` only, if given)."""
        params = _clean({"status": status, "kind": kind, "currency": currency, "limit": limit})
        out: Page = self._json("GET", "/api/anomalies", params=params)
        return out

    def review_anomaly(self, anomaly_id: int, status: str) -> dict[str, Any]:
        """Confirm or dismiss an anomaly flag (``new`` undoes either)."""
        out: dict[str, Any] = self._json(
            "PATCH", f"/api/anomalies/{anomaly_id}", json={"status": status}
        )
        return out

    def rule_suggestions(self) -> Page:
        """Rules offered after repeated corrections of one payee."""
        out: Page = self._json("GET", "/api/rules/suggestions")
        return out

    def accept_rule_suggestion(self, payee_contains: str, category_id: int) -> dict[str, Any]:
        """Create the offered rule; the API re-categorizes the matching transactions."""
        body = {"payee_contains": payee_contains, "category_id": category_id}
        out: dict[str, Any] = self._json("POST", "/api/rules/suggestions/accept", json=body)
        return out

    def debts(self, *, limit: int = 1000) -> Page:
        """The user's debts."""
        page: Page = self._json("GET", "/api/debts", params={"limit": limit})
        return page

    def create_debt(
        self,
        name: str,
        balance: Decimal | str,
        apr: Decimal | str,
        minimum_payment: Decimal | str,
        **fields: Any,
    ) -> dict[str, Any]:
        """A debt: balance, APR in percent, minimum monthly payment."""
        body = _clean(
            {
                "name": name,
                "balance": balance,
                "apr": apr,
                "minimum_payment": minimum_payment,
                **fields,
            }
        )
        out: dict[str, Any] = self._json("POST", "/api/debts", json=body)
        return out

    def update_debt(self, debt_id: int, **fields: Any) -> dict[str, Any]:
        """Change some fields of a debt."""
        return self._update("debts", debt_id, fields)

    def delete_debt(self, debt_id: int) -> None:
        """Delete a debt."""
        self._json("DELETE", f"/api/debts/{debt_id}")

    def debt_plan(
        self,
        *,
        extra: Decimal | float | None = None,
        order: list[int] | None = None,
        currency: str | None = None,
    ) -> dict[str, Any]:
        """Avalanche, snowball and own order: months, interest, schedule; the surplus split.

        Of the debts in ``currency`` (default: the primary one).
        """
        params = _clean(
            {
                "extra": None if extra is None else str(extra),
                "order": None if not order else ",".join(str(i) for i in order),
                "currency": currency,
            }
        )
        out: dict[str, Any] = self._json("GET", "/api/debts/plan", params=params)
        return out

    def peers(self, *, dependents: int | None = None) -> dict[str, Any]:
        """Per-category targets and a savings rate from peers who save more."""
        params = _clean({"dependents": dependents})
        out: dict[str, Any] = self._json("GET", "/api/insights/peers", params=params)
        return out

    def profile(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Answers for a profile with no history (the second source's 17 fields)."""
        out: dict[str, Any] = self._json("POST", "/api/insights/profile", json=fields)
        return out

    def _update(self, plural: str, obj_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        # None is sent as null: PATCH clears a nullable field that way.
        body = {k: _plain(v) for k, v in fields.items()}
        out: dict[str, Any] = self._json("PATCH", f"/api/{plural}/{obj_id}", json=body)
        return out

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

    @staticmethod
    def _import_form(
        account_id: int,
        format: str,
        mapping: Mapping[str, Any] | str | None,
        create_accounts: bool,
    ) -> dict[str, str]:
        data = {"account_id": str(account_id), "format": format}
        if mapping is not None:
            data["mapping"] = mapping if isinstance(mapping, str) else json.dumps(dict(mapping))
        if create_accounts:
            data["create_accounts"] = "true"
        return data

    @staticmethod
    def _file(file: Path | str | bytes, filename: str | None) -> tuple[str, bytes, str]:
        if isinstance(file, bytes):
            content, name = file, filename or "upload"
        else:
            path = Path(file)
            content, name = path.read_bytes(), filename or path.name
        return (name, content, "application/octet-stream")

    def upload_import(
        self,
        account_id: int,
        file: Path | str | bytes,
        *,
        filename: str | None = None,
        format: str = "auto",
        mapping: Mapping[str, Any] | str | None = None,
        save_mapping: bool = False,
        create_accounts: bool = False,
    ) -> dict[str, Any]:
        """Upload a bank file into an account; returns the import result.

        ``mapping`` is a CSV column mapping (a preview's ``layout["mapping"]``, maybe fixed)
        or a preset name; ``save_mapping`` keeps it for the account's next files;
        ``create_accounts`` confirms creating the accounts of a multi-account file.
        """
        data = self._import_form(account_id, format, mapping, create_accounts)
        if save_mapping:
            data["save_mapping"] = "true"
        out: dict[str, Any] = self._json(
            "POST", "/api/imports", data=data, files={"file": self._file(file, filename)}
        )
        return out

    def preview_import(
        self,
        account_id: int,
        file: Path | str | bytes,
        *,
        filename: str | None = None,
        format: str = "auto",
        mapping: Mapping[str, Any] | str | None = None,
        create_accounts: bool = False,
    ) -> dict[str, Any]:
        """What importing a file would do (format, column mapping, first rows); writes nothing."""
        out: dict[str, Any] = self._json(
            "POST",
            "/api/imports/preview",
            data=self._import_form(account_id, format, mapping, create_accounts),
            files={"file": self._file(file, filename)},
        )
        return out

    def imports(self, *, offset: int = 0, limit: int = 100) -> Page:
        """Past imports, newest first, with their counts and refusal reasons."""
        page: Page = self._json("GET", "/api/imports", params={"offset": offset, "limit": limit})
        return page

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

    def monthly(self, *, currency: str | None = None) -> dict[str, Any]:
        """Complete months of income, category spending and savings (``data``, ``count``).

        In ``currency`` (default: the primary one); ``currencies`` lists the user's.
        """
        out: dict[str, Any] = self._json(
            "GET", "/api/insights/monthly", params=_clean({"currency": currency})
        )
        return out

    def monthly_if_changed(
        self, etag: str | None, *, currency: str | None = None
    ) -> tuple[str | None, dict[str, Any] | None]:
        """(ETag, :meth:`monthly`) or (ETag, None) while ``etag`` is still current.

        The ETag is the ledger's data version: a cheap way to learn whether anything
        derived from the transactions can have changed.
        """
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request(
            "GET",
            "/api/insights/monthly",
            headers=headers,
            params=_clean({"currency": currency}),
        )
        new_etag = response.headers.get("etag")
        if response.status_code == 304:
            return new_etag or etag, None
        out: dict[str, Any] = response.json()
        return new_etag, out

    def forecast(
        self, *, horizon: int = 3, level: float = 0.95, currency: str | None = None
    ) -> dict[str, Any]:
        """Every series of the household ``horizon`` months ahead, ranges at ``level``.

        In ``currency`` (default: the primary one), as every answer on the stored ledger.
        """
        out: dict[str, Any] = self._json(
            "POST",
            "/api/forecast",
            json={"horizon": horizon, "level": level},
            params=_clean({"currency": currency}),
        )
        return out

    def predict_expense(
        self,
        monthly_data: list[dict[str, Any]] | None = None,
        confidence_level: float = 0.95,
        *,
        currency: str | None = None,
    ) -> dict[str, Any]:
        """Next month's expense and interval (stored data unless ``monthly_data`` is given)."""
        body = _clean({"monthly_data": monthly_data, "confidence_level": confidence_level})
        out: dict[str, Any] = self._json(
            "POST", "/api/predict/expense", json=body, params=_clean({"currency": currency})
        )
        return out

    def predict_categories(
        self,
        monthly_data: list[dict[str, Any]] | None = None,
        *,
        risk_threshold: float = 1.2,
        total_budget: float | None = None,
        safety_margin: float = 0.1,
        currency: str | None = None,
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
        out: dict[str, Any] = self._json(
            "POST", "/api/predict/categories", json=body, params=_clean({"currency": currency})
        )
        return out

    def predict_savings(
        self,
        monthly_data: list[dict[str, Any]] | None = None,
        periods: tuple[int, ...] = (3, 6, 12),
        *,
        currency: str | None = None,
    ) -> dict[str, Any]:
        """Savings trajectory and financial health."""
        body = _clean({"monthly_data": monthly_data, "periods": list(periods)})
        out: dict[str, Any] = self._json(
            "POST", "/api/predict/savings", json=body, params=_clean({"currency": currency})
        )
        return out
