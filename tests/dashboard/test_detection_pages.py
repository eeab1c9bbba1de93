"""The Subscriptions & bills and Anomalies pages (with rule suggestions), against the real API."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterator
from decimal import Decimal

import pytest

from fincast.dashboard import session
from fincast.dashboard.session import DashboardApi
from fincast.dashboard.views import anomalies, recurring
from tests.dashboard.conftest import PASSWORD

_others = itertools.count()


@pytest.fixture()
def other_user(api_url: str) -> Iterator[DashboardApi]:
    """A second signed-in user, with no data, beside the fixtures' user."""
    api = session.register(api_url, f"other{next(_others)}-{os.getpid()}@example.com", PASSWORD)
    yield api
    api.client.close()


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [m.label + m.value for m in at.metric]
    parts += [x.value for x in (*at.info, *at.success, *at.warning, *at.error)]
    return "\n".join(parts)


def _metric(at, label: str) -> str:  # type: ignore[no-untyped-def]
    return str(next(m for m in at.metric if m.label == label).value)


def test_monthly_cost_scales_cadences_and_skips_income_and_ended() -> None:
    series = [
        {"expected_amount": "-12.00", "cadence": "monthly", "state": "active"},
        {"expected_amount": "-120.00", "cadence": "annual", "state": "late"},
        {"expected_amount": "-30.00", "cadence": "quarterly", "state": "active"},
        {"expected_amount": "-10.00", "cadence": "weekly", "state": "active"},
        {"expected_amount": "3200.00", "cadence": "monthly", "state": "active"},
        {"expected_amount": "-99.00", "cadence": "monthly", "state": "ended"},
    ]
    # 12 + 120/12 + 30/3 + 10*52/12 = 12 + 10 + 10 + 43.33
    assert recurring.monthly_cost(series) == Decimal("75.33")
    assert recurring.monthly_cost([]) == Decimal("0.00")


def test_price_change_text_names_the_latest_change() -> None:
    s = {
        "price_changes": [
            {"date": "2026-01-05", "old_amount": "-9.99", "new_amount": "-12.99"},
            {"date": "2026-06-05", "old_amount": "-12.99", "new_amount": "-15.49"},
        ]
    }
    assert recurring.price_change_text(s, "EUR") == "-€12.99 → -€15.49 on 2026-06-05"
    assert recurring.price_change_text({"price_changes": []}, "EUR") == ""


def test_recurring_page_lists_series_and_dismiss_sticks(  # type: ignore[no-untyped-def]
    user_with_data: DashboardApi, page
) -> None:
    api = user_with_data
    series = api.call("recurring", limit=500)["data"]
    payees = {s["payee_key"] for s in series}
    assert len(series) >= 3, series  # payroll, rent, Netflix, electricity are monthly
    at = page("recurring", api)
    assert not at.exception, at.exception
    assert _metric(at, "Series") == str(len(series))
    expected_cost = recurring.monthly_cost(series)
    assert _metric(at, "Monthly cost") == f"€{expected_cost:,.2f}"
    assert expected_cost > Decimal("1000")  # the rent alone is 1,250 a month
    table = at.dataframe[0].value
    assert sorted(table["Payee"]) == sorted(s["payee"] for s in series)
    assert set(table["Every"]) <= {"weekly", "biweekly", "monthly", "quarterly", "annual"}

    rent = next(s for s in series if "oakwood" in s["payee_key"].lower())
    at.selectbox(key="recurring_pick").set_value(rent["id"])
    at.button(key="recurring_dismiss").click().run()
    assert not at.exception, at.exception
    after = {s["id"]: s for s in api.call("recurring", limit=500)["data"]}
    assert after[rent["id"]]["status"] == "dismissed"
    assert {s["payee_key"] for s in after.values()} == payees
    again = page("recurring", api)
    assert not again.exception, again.exception
    main = again.dataframe[0].value
    assert rent["payee"] not in list(main["Payee"])
    assert _metric(again, "Series") == str(len(series) - 1)
    # The rent no longer counts in the monthly cost; the dismissed list shows it.
    assert _metric(again, "Monthly cost") == (
        f"€{recurring.monthly_cost([s for s in series if s['id'] != rent['id']]):,.2f}"
    )
    assert rent["payee"] in list(again.dataframe[1].value["Payee"])

    at = page("recurring", api)
    at.selectbox(key="recurring_pick").set_value(rent["id"])
    at.button(key="recurring_confirm").click().run()
    assert not at.exception, at.exception
    latest = {s["id"]: s for s in api.call("recurring", limit=500)["data"]}
    assert latest[rent["id"]]["status"] == "confirmed"


def test_recurring_page_of_another_user_is_empty(  # type: ignore[no-untyped-def]
    user_with_data: DashboardApi, other_user: DashboardApi, page
) -> None:
    assert user_with_data.call("recurring")["count"] >= 3
    assert other_user.call("recurring")["count"] == 0
    at = page("recurring", other_user)
    assert not at.exception, at.exception
    assert "No recurring payments found yet" in _texts(at)
    assert not at.dataframe


def test_anomalies_page_shows_reason_and_dismiss_sticks(  # type: ignore[no-untyped-def]
    user_with_data: DashboardApi, other_user: DashboardApi, page
) -> None:
    api = user_with_data
    account = api.call("accounts")["data"][0]
    day = dt.date.today().replace(day=1) - dt.timedelta(days=20)
    api.write("create_transaction", account["id"], day, "-1450.00", payee="WHOLE FOODS MARKET")
    flags = api.call("anomalies", limit=500)["data"]
    big = [f for f in flags if f["amount"] is not None and Decimal(str(f["amount"])) == -1450]
    assert big, flags
    flag = big[0]
    assert flag["reason"] and flag["score"] > 0
    at = page("anomalies", api)
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert flag["reason"] in list(table["Reason"])
    assert len(table) == len(flags)
    assert _metric(at, "To review") == str(sum(1 for f in flags if f["status"] == "new"))

    at.selectbox(key="anomaly_pick").set_value(flag["id"])
    at.button(key="anomaly_dismiss").click().run()
    assert not at.exception, at.exception
    now = {f["id"]: f for f in api.call("anomalies", limit=500)["data"]}
    assert now[flag["id"]]["status"] == "dismissed"
    again = page("anomalies", api)
    still_shown = [f for f in now.values() if f["status"] != "dismissed"]
    if still_shown:
        assert len(again.dataframe[0].value) == len(still_shown)
    assert flag["reason"] in list(again.dataframe[-1].value["Reason"])
    assert _metric(again, "To review") == str(sum(1 for f in still_shown if f["status"] == "new"))

    # Another user sees none of it.
    assert other_user.call("anomalies")["count"] == 0
    other = page("anomalies", other_user)
    assert not other.exception, other.exception
    assert "Nothing looks off" in _texts(other)


def test_rule_suggestion_is_offered_and_accepted(  # type: ignore[no-untyped-def]
    user_with_data: DashboardApi, page
) -> None:
    api = user_with_data
    cats = {c["slug"]: c for c in api.call("categories")["data"]}
    target = cats.get("entertainment") or next(iter(cats.values()))
    rows = api.call("transactions", q="STARBUCKS", limit=10)["data"]
    assert len(rows) >= 3
    for r in rows[:3]:
        api.write("set_category", r["id"], target["id"])
    offers = api.call("rule_suggestions")["data"]
    offer = next(o for o in offers if o["category_id"] == target["id"])
    at = page("anomalies", api)
    assert not at.exception, at.exception
    shown = at.dataframe[-1].value
    assert offer["payee_contains"] in list(shown["Payee contains"])
    assert target["name"] in list(shown["File under"])
    at.selectbox(key="rule_pick").set_value(offers.index(offer))
    at.button(key="rule_accept").click().run()
    assert not at.exception, at.exception
    rules = api.call("rules")["data"]
    assert any(
        r["payee_contains"] == offer["payee_contains"] and r["category_id"] == target["id"]
        for r in rules
    )
    assert all(
        o["payee_contains"] != offer["payee_contains"] for o in api.call("rule_suggestions")["data"]
    )


def test_flags_table_reads_each_kind() -> None:
    flags = [
        {
            "posted_date": "2026-05-03",
            "kind": "duplicate",
            "payee": "Netflix",
            "amount": "-15.49",
            "score": 0.987,
            "reason": "charged twice within 2 days",
            "status": "new",
            "month": "2026-05",
        },
        {
            "posted_date": "2026-04-30",
            "kind": "monthly_behaviour",
            "payee": None,
            "amount": None,
            "score": 2.5,
            "reason": "savings rate 3% against your usual 20%",
            "status": "confirmed",
            "month": "2026-04",
        },
    ]
    table = anomalies.flags_table(flags, "USD")
    assert list(table["Kind"]) == ["Possible duplicate", "Unusual month"]
    assert list(table["Amount"]) == ["-$15.49", ""]
    assert list(table["Score"]) == [0.99, 2.5]
    assert list(table["Review"]) == ["to review", "confirmed"]
    assert anomalies.flag_label(flags[1]) == "2026-04-30 · Unusual month · 2026-04"


def test_suggestion_shows_the_learned_category_where_it_differs() -> None:
    from fincast.dashboard.views import transactions

    cats = {1: "Groceries", 2: "Dining"}
    row = {"category_id": None, "suggested_category_id": 2, "confidence": 0.4321}
    assert transactions.suggestion(row, cats) == "Dining (43%)"
    assert transactions.suggestion({**row, "category_id": 2}, cats) == ""
    assert transactions.suggestion({**row, "suggested_category_id": None}, cats) == ""
    assert transactions.suggestion({**row, "confidence": None}, cats) == "Dining"


def test_transactions_page_has_the_suggestion_column(  # type: ignore[no-untyped-def]
    user_with_data: DashboardApi, page
) -> None:
    from fincast.dashboard.views import transactions

    api = user_with_data
    at = page("transactions", api)
    assert not at.exception, at.exception
    grid = at.dataframe[0].value if at.dataframe else None
    if grid is None:  # the grid is a data editor
        grid = at.get("arrow_data_frame")[0].value
    rows = api.call("transactions", limit=transactions.PAGE_SIZE)["data"]
    names = {c["id"]: c["name"] for c in api.call("categories")["data"]}
    assert list(grid["Suggested"]) == [transactions.suggestion(r, names) for r in rows]
