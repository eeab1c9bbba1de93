"""The subscriptions and anomalies pages show each amount in its own currency (issue 14)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fincast.dashboard.session import DashboardApi
from fincast.dashboard.views import anomalies, recurring


def _months_back(n: int, day: int) -> dt.date:
    first = dt.date.today().replace(day=1)
    year, month = divmod(first.year * 12 + first.month - 1 - n, 12)
    return dt.date(year, month + 1, day)


def _two_currency_subscriptions(api: DashboardApi) -> None:
    """Spotify every month for six months: 9.99 from a EUR account, 11.99 from a USD one."""
    eur = api.write("create_account", "Konto", currency="EUR")
    usd = api.write("create_account", "Checking", currency="USD")
    for n in range(1, 7):
        api.write("create_transaction", eur["id"], _months_back(n, 7), "-9.99", payee="Spotify")
        api.write("create_transaction", usd["id"], _months_back(n, 5), "-11.99", payee="Spotify")


def _metrics(at: Any) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


def test_monthly_costs_are_one_total_per_currency() -> None:
    series = [
        {"expected_amount": "-9.99", "cadence": "monthly", "state": "active", "currency": "EUR"},
        {"expected_amount": "-11.99", "cadence": "monthly", "state": "active", "currency": "USD"},
        {"expected_amount": "-120.00", "cadence": "annual", "state": "active", "currency": "USD"},
    ]
    assert recurring.monthly_costs(series, "EUR") == {
        "EUR": Decimal("9.99"),
        "USD": Decimal("21.99"),
    }
    table = recurring.series_table(
        [
            {
                **series[0],
                "payee": "Spotify",
                "next_date": "2026-01-07",
                "amount_varies": False,
                "price_changes": [],
                "missed": [],
                "status": "new",
            }
        ],
        "USD",
    )
    assert list(table["Expected"]) == ["-€9.99"] and list(table["Currency"]) == ["EUR"]
    flags = [
        {
            "posted_date": "2026-05-03",
            "kind": "unusual_amount",
            "payee": "Market",
            "amount": "-900.00",
            "currency": "EUR",
            "score": 11.9,
            "reason": "6.0x your usual spend at Market (usually 150.00)",
            "status": "new",
            "month": "2026-05",
        }
    ]
    assert list(anomalies.flags_table(flags, "USD")["Amount"]) == ["-€900.00"]


def test_the_subscriptions_page_keeps_each_currency_apart(
    new_user: DashboardApi, page: Any
) -> None:
    _two_currency_subscriptions(new_user)
    series = new_user.call("recurring", limit=500)["data"]
    assert sorted((s["payee_key"], s["currency"]) for s in series) == [
        ("spotify", "EUR"),
        ("spotify", "USD"),
    ]
    at = page("recurring", new_user)
    assert not at.exception, at.exception
    metrics = _metrics(at)
    assert metrics["Monthly cost in EUR"] == "€9.99"
    assert metrics["Monthly cost in USD"] == "$11.99"
    assert "Monthly cost" not in metrics  # never one total of both
    assert metrics["Series"] == "2"
    table = at.dataframe[0].value
    assert sorted(zip(table["Currency"], table["Expected"], strict=True)) == [
        ("EUR", "-€9.99"),
        ("USD", "-$11.99"),
    ]


def test_the_anomalies_page_shows_each_amount_in_its_currency(
    user_with_data: DashboardApi, page: Any
) -> None:
    api = user_with_data
    account = api.call("accounts")["data"][0]
    assert account["currency"] == "EUR"
    day = dt.date.today().replace(day=1) - dt.timedelta(days=20)
    api.write("create_transaction", account["id"], day, "-1450.00", payee="WHOLE FOODS MARKET")
    flags = api.call("anomalies", limit=500)["data"]
    big = [f for f in flags if f["amount"] is not None and Decimal(f["amount"]) == -1450]
    assert big and big[0]["currency"] == "EUR"
    at = page("anomalies", api)
    assert not at.exception, at.exception
    amounts = list(at.dataframe[0].value["Amount"])
    assert "-€1,450.00" in amounts
    assert all(a == "" or a.startswith("-€") or a.startswith("€") for a in amounts)
