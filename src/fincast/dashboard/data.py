"""Cached reads for the pages, keyed by the ledger's data version, and how values look.

A page's reads are cached under (user, data version, this session's write revision, the
call): a keystroke or a page switch asks the API only for the data version (a 304 on
``/api/insights/monthly``) and refits nothing; an import or a correction changes the
version, so every page shows the new data at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard.session import DashboardApi
from fincast.taxonomy import CATEGORY_BY_SLUG, DEFAULT_CATEGORIES

CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CHF": "CHF ",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "INR": "₹",
    "BRL": "R$",
    "PLN": "zł ",
    "RUB": "₽",
    "SEK": "kr ",
    "NOK": "kr ",
    "DKK": "kr ",
    "MXN": "MX$",
}

# One colour per category, the same on every chart: the taxonomy's order picks it.
PALETTE = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
    "#1f77b4",
    "#8c564b",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#aec7e8",
    "#98df8a",
)
CATEGORY_COLOURS = {c.slug: PALETTE[i % len(PALETTE)] for i, c in enumerate(DEFAULT_CATEGORIES)}
SERIES_COLOURS = {"income": "#2e7d32", "total_expense": "#c62828", "savings": "#1565c0"}
_EXTRA = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d")


def colour(slug: str) -> str:
    """The fixed colour of a category (a stable pick for the user's own categories)."""
    if slug in CATEGORY_COLOURS:
        return CATEGORY_COLOURS[slug]
    if slug in SERIES_COLOURS:
        return SERIES_COLOURS[slug]
    return _EXTRA[sum(map(ord, slug)) % len(_EXTRA)]


def category_label(slug: str, names: Mapping[str, str] | None = None) -> str:
    """A category's human name: the user's own, else the taxonomy's, else the slug tidied."""
    if names and slug in names:
        return names[slug]
    if slug in CATEGORY_BY_SLUG:
        return CATEGORY_BY_SLUG[slug].name
    labels = {"total_expense": "Total spending", "savings": "Savings", "income": "Income"}
    return labels.get(slug, slug.replace("_", " ").capitalize())


def money(value: Any, currency: str = "USD") -> str:
    """``value`` with the currency's symbol and two decimals, e.g. ``-$1,234.50``."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


# -- the data version ---------------------------------------------------------------------


def data_version(api: DashboardApi) -> str:
    """The ledger's data version and this session's write revision, asked once per run.

    Keeps the last monthly overview in the session: while the ETag holds, the API answers
    304 and sends nothing.
    """
    state = st.session_state.setdefault("_monthly", {"etag": None, "body": None})
    etag, body = api.call("monthly_if_changed", state["etag"] if state["body"] else None)
    if body is not None:
        state["etag"], state["body"] = etag, body
    return f"{state['etag']}|{api.revision}"


def _monthly_body(api: DashboardApi, currency: str | None = None) -> dict[str, Any]:
    """The monthly overview in ``currency`` (the kept answer unless another of the user's)."""
    data_version(api)
    body: dict[str, Any] = st.session_state["_monthly"]["body"] or {}
    if currency == body.get("currency") or currency not in (body.get("currencies") or []):
        return body
    # Another currency's months, cached under the same data version (it covers them all).
    other: dict[str, Any] = read(api, "monthly", currency=currency)
    return other


def monthly(api: DashboardApi, currency: str | None = None) -> pd.DataFrame:
    """Complete months: year_month, total_income, one column per category, savings.

    In ``currency`` (default: the primary one); amounts of two currencies are never added.
    """
    return pd.DataFrame(_monthly_body(api, currency).get("data") or [])


def history_gap(api: DashboardApi, currency: str | None = None) -> dict[str, Any] | None:
    """Older months the history leaves out (after a long run of months with nothing)."""
    gap: dict[str, Any] | None = _monthly_body(api, currency).get("history_gap")
    return gap


def currencies(api: DashboardApi) -> list[str]:
    """Every currency of the user's accounts (the API's ``currencies``), sorted."""
    return list(_monthly_body(api).get("currencies") or [])


def currency_selector(api: DashboardApi) -> str:
    """The currency the page shows: a selector when the user has more than one.

    The choice is kept for the session (every page with the selector shows it); the
    default is the primary currency, the one every other answer is in.
    """
    primary = main_currency(api)
    options = currencies(api)
    if len(options) < 2:
        return primary
    kept = st.session_state.get("_currency")
    current = kept if kept in options else primary
    choice = st.selectbox(
        "Currency",
        options,
        index=options.index(current) if current in options else 0,
        help="Each currency is shown on its own: amounts are never converted or added up.",
    )
    st.session_state["_currency"] = choice
    return str(choice)


def currency_param(api: DashboardApi, currency: str) -> str | None:
    """``currency`` as an API parameter: None for the primary one (the default answer)."""
    return None if currency == main_currency(api) else currency


@st.cache_data(ttl=3600, max_entries=1000, show_spinner=False)
def _cached(
    user: str, version: str, name: str, kwargs: tuple[tuple[str, Any], ...], _api: DashboardApi
) -> Any:
    return _api.call(name, **dict(kwargs))


def read(api: DashboardApi, name: str, **kwargs: Any) -> Any:
    """``client.<name>(**kwargs)``, cached under the current data version."""
    version = data_version(api)
    return _cached(api.cache_key, version, name, tuple(sorted(kwargs.items())), api)


def rows(api: DashboardApi, name: str, **kwargs: Any) -> list[dict[str, Any]]:
    """The ``data`` of a list endpoint, cached."""
    out: list[dict[str, Any]] = read(api, name, **kwargs)["data"]
    return out


# -- lookups the pages share ----------------------------------------------------------------


def accounts(api: DashboardApi) -> list[dict[str, Any]]:
    """The user's accounts, oldest first."""
    return rows(api, "accounts", limit=1000)


def categories(api: DashboardApi) -> list[dict[str, Any]]:
    """The user's categories in the taxonomy's order, then their own."""
    order = {c.slug: i for i, c in enumerate(DEFAULT_CATEGORIES)}
    cats = rows(api, "categories")
    return sorted(cats, key=lambda c: (order.get(c["slug"], len(order)), c["name"].lower()))


def category_names(api: DashboardApi) -> dict[str, str]:
    """Each category's slug -> the user's name for it."""
    return {c["slug"]: c["name"] for c in categories(api)}


def main_currency(api: DashboardApi) -> str:
    """The user's primary currency, that of every answer not asked in another one.

    The API names it (the currency of the accounts holding most transactions); without
    accounts it is the first account's, else USD.
    """
    named = _monthly_body(api).get("currency")
    if named:
        return str(named)
    accts = accounts(api)
    return str(accts[0]["currency"]) if accts else "USD"


def this_month() -> dt.date:
    """The first day of the current month."""
    return dt.date.today().replace(day=1)


def month_spending(
    api: DashboardApi, month: dt.date, currency: str | None = None
) -> dict[int | None, Decimal]:
    """Money out per category id in ``month`` (positive amounts), every page of it.

    ``currency``: only transactions in it (amounts in different currencies are never added).
    """
    end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    totals: dict[int | None, Decimal] = {}
    offset = 0
    while True:
        page = read(
            api, "transactions", date_from=month, date_to=end, amount_max="0", limit=1000,
            offset=offset,
        )  # fmt: skip
        for row in page["data"]:
            if currency is not None and row.get("currency") != currency:
                continue
            cat = row.get("category_id")
            totals[cat] = totals.get(cat, Decimal(0)) - Decimal(str(row["amount"]))
        offset += len(page["data"])
        if not page["data"] or offset >= page["count"]:
            return totals
