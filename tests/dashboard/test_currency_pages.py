"""The currency selector of the overview and forecast pages (issue 14), over the real API."""

from __future__ import annotations

import datetime as dt

import pytest

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi


def usd_csv(months: int = 4) -> bytes:
    """A small USD account: 1,000.00 in and 400.00 out each complete month."""
    first = dt.date.today().replace(day=1)
    lines = ["Date,Description,Amount"]
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        lines += [f"{first:%Y-%m}-03,HARBOR LLC PAYROLL,1000.00", f"{first:%Y-%m}-09,RENT,-400.00"]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture()
def two_currencies(user_with_data: DashboardApi) -> DashboardApi:
    """The EUR household of ``user_with_data`` plus a smaller USD account."""
    account = user_with_data.write("create_account", "US checking", currency="USD")
    user_with_data.write("upload_import", account["id"], usd_csv(), filename="us.csv")
    return user_with_data


def _selector(at):  # type: ignore[no-untyped-def]
    return [s for s in at.selectbox if s.label == "Currency"]


def test_one_currency_has_no_selector(user_with_data: DashboardApi, page) -> None:
    at = page("overview", user_with_data)
    assert not at.exception, at.exception
    assert _selector(at) == []
    assert data.currencies(user_with_data) == ["EUR"]


def test_the_overview_switches_currency_and_never_adds_them(
    two_currencies: DashboardApi, page
) -> None:
    at = page("overview", two_currencies)
    assert not at.exception, at.exception
    (selector,) = _selector(at)
    assert selector.options == ["EUR", "USD"] and selector.value == "EUR"  # most transactions
    income = next(m for m in at.metric if m.label.startswith("Income"))
    assert income.value == "€3,200.00", "the USD payroll must not be added to the EUR one"
    selector.select("USD").run()
    assert not at.exception, at.exception
    income = next(m for m in at.metric if m.label.startswith("Income"))
    spending = next(m for m in at.metric if m.label.startswith("Spending"))
    assert (income.value, spending.value) == ("$1,000.00", "$400.00")


def test_the_forecast_page_forecasts_the_chosen_currency(
    two_currencies: DashboardApi, page
) -> None:
    at = page("forecast", two_currencies)
    assert not at.exception, at.exception
    assert at.metric[0].value.startswith("€")
    _selector(at)[0].select("USD").run()
    assert not at.exception, at.exception
    metric = at.metric[0]
    assert metric.label.startswith("Total spending") and metric.value.startswith("$")
    assert 300 < float(metric.value.strip("$").replace(",", "")) < 500
