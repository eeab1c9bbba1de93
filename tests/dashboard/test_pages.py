"""Each page's logic in streamlit.testing, against the real API over loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi
from fincast.dashboard.views import accounts, categories, imports, plans
from tests.dashboard.bankfile import bank_csv


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(t.value) for t in at.table] + [m.label + m.value for m in at.metric]
    parts += [x.value for x in (*at.info, *at.success, *at.warning, *at.error)]
    return "\n".join(parts)


def test_overview_shows_the_last_month_with_currency_and_category_names(
    user_with_data: DashboardApi, page
) -> None:
    at = page("overview", user_with_data)
    assert not at.exception, at.exception
    spending = next(m for m in at.metric if m.label.startswith("Spending"))
    assert spending.value.startswith("€")
    table = str(at.table[0].value)
    assert "Groceries" in table and "groceries" not in table
    assert len(at.get("plotly_chart")) == 3


def test_accounts_are_created_renamed_and_show_balances(new_user: DashboardApi, page) -> None:
    at = page("accounts", new_user)
    assert any("No accounts yet" in i.value for i in at.info)
    at.text_input[0].input("Household")
    at.selectbox[1].select("GBP")
    at.number_input[0].set_value(250.0)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Household" in str(at.table[0].value) and "£250.00" in str(at.table[0].value)
    at.text_input[1].input("Joint household")
    at.button[1].click().run()
    assert [a["name"] for a in data.accounts(new_user)] == ["Joint household"]
    assert "Joint household" in str(at.table[0].value)


def test_net_worth_carries_each_account_forward() -> None:
    series = accounts.net_worth(
        [
            {"months": {"2026-01": Decimal("100"), "2026-03": Decimal("150")}},
            {"months": {"2026-02": Decimal("-20")}},
        ]
    )
    assert series == {"2026-01": 100.0, "2026-02": 80.0, "2026-03": 130.0}


def test_import_page_lists_the_history_and_explains_refusals(
    user_with_data: DashboardApi, page
) -> None:
    account = data.accounts(user_with_data)[0]["id"]
    again = user_with_data.write("upload_import", account, bank_csv(), filename="again.csv")
    assert again["imported"] == 0 and again["duplicates"] > 0
    refused = {**again, "skipped": 1, "errors": ["line 7: not an amount"]}
    at = page("import", user_with_data, _last_import=refused)
    assert not at.exception, at.exception
    text = _texts(at)
    assert "again.csv" in text and "skipped as duplicates, 1 refused" in text
    assert "line 7: not an amount" in text
    history = at.dataframe[0].value
    assert {"bank.csv", "again.csv"} <= set(history["File"])
    assert set(history["Account"]) == {"Everyday"}
    assert "50 MiB" in at.get("file_uploader")[0].proto.label


def test_a_file_the_api_refuses_says_why(user_with_data: DashboardApi) -> None:
    import pytest

    from fincast.dashboard.session import ApiError

    account = data.accounts(user_with_data)[0]["id"]
    bad = b"Date,Description,Amount\n2026-01-05,Coffee,not-a-number\n"
    with pytest.raises(ApiError, match="not an amount"):
        user_with_data.write("upload_import", account, bad, filename="bad.csv")


def test_show_result_and_history_table_name_things() -> None:
    table = imports.history_table(
        [
            {
                "created_at": "2026-11-01T10:00:00",
                "file_name": "x.csv",
                "account_id": 3,
                "format": "csv",
                "status": "completed",
                "n_imported": 2,
                "n_duplicates": 1,
                "n_skipped": 1,
                "errors": ["row 3: bad amount"],
            }
        ],
        {3: {"name": "Checking"}},
    )
    assert table.loc[0, "Account"] == "Checking" and "bad amount" in table.loc[0, "Reasons"]


def test_transactions_filter_by_text_and_show_names(user_with_data: DashboardApi, page) -> None:
    at = page("transactions", user_with_data)
    assert not at.exception, at.exception
    total = int(next(c.value for c in at.caption if "match" in c.value).split()[0].replace(",", ""))
    at.text_input(key="tx_text").input("NETFLIX").run()
    caption = next(c.value for c in at.caption if "match" in c.value)
    assert caption.startswith("9 transactions match"), caption
    assert total > 9
    frame = at.dataframe[0].value
    assert set(frame["Account"]) == {"Everyday"}
    assert set(frame["Category"]) == {"Subscriptions"}
    assert all(a.startswith("-€") for a in frame["Amount"])


def test_correcting_one_category_is_kept_as_the_users_and_reaches_the_overview(
    user_with_data: DashboardApi, page
) -> None:
    before = page("overview", user_with_data)
    assert "Entertainment" not in str(before.table[0].value)
    at = page("transactions", user_with_data)
    at.text_input(key="tx_text").input("NETFLIX").run()
    cats = {c["name"]: c["id"] for c in data.categories(user_with_data)}
    rows = data.rows(user_with_data, "transactions", q="NETFLIX", limit=50)
    last_month = max(r["posted_date"] for r in rows if r["posted_date"] < str(data.this_month()))
    target = next(r for r in rows if r["posted_date"] == last_month)
    at.selectbox(key="tx_one_id").set_value(target["id"])
    at.selectbox(key="tx_one_cat").set_value(cats["Entertainment"])
    next(b for b in at.button if b.label == "Save category").click().run()
    assert not at.exception, at.exception
    assert any("1 transaction re-categorized" in s.value for s in at.success)
    fresh = user_with_data.call("transactions", q="NETFLIX", limit=50)["data"]
    changed = next(r for r in fresh if r["id"] == target["id"])
    assert changed["category_source"] == "user"
    after = page("overview", user_with_data)
    assert "Entertainment" in str(after.table[0].value)


def test_bulk_recategorize_moves_every_selected_row(user_with_data: DashboardApi, page) -> None:
    at = page("transactions", user_with_data)
    at.text_input(key="tx_text").input("STARBUCKS").run()
    ids = {int(i) for i in at.dataframe[0].value["id"]}
    shopping = next(c["id"] for c in data.categories(user_with_data) if c["slug"] == "shopping")
    at.checkbox(key="tx_all").check().run()
    at.selectbox(key="tx_bulk").set_value(shopping)
    next(b for b in at.button if b.label == "Re-categorize selected").click().run()
    assert not at.exception, at.exception
    assert any(f"{len(ids)} transactions re-categorized" in s.value for s in at.success)
    moved = user_with_data.call("transactions", category_id=shopping, limit=100)["data"]
    assert {r["id"] for r in moved} >= ids
    assert {r["category_source"] for r in moved if r["id"] in ids} == {"user"}


def test_grid_edits_become_corrections_and_a_selection() -> None:
    import pandas as pd

    from fincast.dashboard.views import transactions

    before = pd.DataFrame(
        [
            {"id": 1, "Select": False, "Category": "Dining"},
            {"id": 2, "Select": False, "Category": "Other"},
        ]
    )
    after = before.assign(Select=[False, True], Category=["Groceries", "Other"])
    assert transactions.edits(before, after) == ({1: "Groceries"}, [2])


def test_categories_are_added_and_rules_tested_then_created(
    user_with_data: DashboardApi, page
) -> None:
    at = page("categories", user_with_data)
    assert not at.exception, at.exception
    add = next(b for b in at.button if b.label == "Add category")
    at.text_input[0].input("Coffee & snacks")
    add.click().run()
    assert "coffee_snacks" in data.category_names(user_with_data)
    at.text_input[1].input("STARBUCKS")
    next(b for b in at.button if b.label == "Test the rule").click().run()
    assert any("The rule matches" in i.value and " 0 " not in i.value for i in at.info)
    at.selectbox[1].set_value(data.categories(user_with_data)[-1]["id"])
    next(b for b in at.button if b.label == "Create the rule").click().run()
    rules = user_with_data.call("rules")["data"]
    assert [r["payee_contains"] for r in rules] == ["STARBUCKS"]
    assert "STARBUCKS" in str(at.table[0].value)


def test_category_changes_and_rule_matching_are_pure() -> None:
    import pandas as pd

    before = pd.DataFrame([{"id": 1, "Name": "Dining", "Kind": "expense", "Essential": False}])
    after = before.assign(Name="Eating out", Essential=True)
    assert categories.category_changes(before, after) == {
        1: {"name": "Eating out", "essential": True}
    }
    rows = [
        {"payee": "Starbucks", "description": "", "amount": "-5", "account_id": 1},
        {"payee": "Shell", "description": "", "amount": "-40", "account_id": 1},
    ]
    assert len(categories.matches({"payee_contains": "star"}, rows)) == 1
    assert len(categories.matches({"pattern": "^sh", "amount_max": "-10"}, rows)) == 1
    assert categories.slugify("Coffee & snacks") == "coffee_snacks"


def test_a_budget_shows_its_progress_against_this_months_spending(
    user_with_data: DashboardApi, page
) -> None:
    at = page("budgets", user_with_data)
    groceries = next(c["id"] for c in data.categories(user_with_data) if c["slug"] == "groceries")
    at.selectbox[0].set_value(groceries)
    at.number_input[0].set_value(400.0)
    next(b for b in at.button if b.label == "Create budget").click().run()
    assert not at.exception, at.exception
    bars = at.get("progress")
    assert len(bars) == 1
    spent = data.month_spending(user_with_data, data.this_month())[groceries]
    assert spent > 0
    assert bars[0].proto.value == round(100 * float(spent / Decimal(400)))
    assert "Groceries" in bars[0].proto.text and "€400.00" in bars[0].proto.text


def test_budget_progress_counts_expense_categories_for_the_total() -> None:
    cats = [{"id": 1, "kind": "expense"}, {"id": 2, "kind": "transfer"}]
    spent = {1: Decimal("50"), 2: Decimal("500"), None: Decimal("10")}
    total, one = plans.progress(
        [{"category_id": None, "amount": "120"}, {"category_id": 1, "amount": "100"}], spent, cats
    )
    assert total["spent"] == Decimal("60") and one["share"] == 0.5


def test_goals_and_debts_are_created_and_deleted(new_user: DashboardApi, page) -> None:
    at = page("goals", new_user)
    at.text_input[0].input("Emergency fund")
    next(b for b in at.button if b.label == "Create goal").click().run()
    at.text_input[1].input("Car loan")
    next(b for b in at.button if b.label == "Create debt").click().run()
    assert not at.exception, at.exception
    assert [g["name"] for g in new_user.call("goals")["data"]] == ["Emergency fund"]
    assert [d["name"] for d in new_user.call("debts")["data"]] == ["Car loan"]
    assert "Emergency fund" in _texts(at) and "19.99%" in _texts(at)
    next(b for b in at.button if b.label == "Delete goal").click().run()
    assert new_user.call("goals")["count"] == 0


def test_forecast_draws_the_chart_with_its_95_percent_range(
    user_with_data: DashboardApi, page
) -> None:
    at = page("forecast", user_with_data)
    assert not at.exception, at.exception
    assert "95% range:" in _texts(at)
    chart = at.get("plotly_chart")[0].proto.spec
    assert "95% range" in chart and "Forecast" in chart
    metric = at.metric[0]
    assert metric.label.startswith("Total spending") and metric.value.startswith("€")


def test_a_rerun_or_a_keystroke_refits_nothing(user_with_data: DashboardApi, page) -> None:
    at = page("forecast", user_with_data)
    calls: list[str] = []
    real = user_with_data.client._request

    def counting(method: str, path: str, **kwargs):
        calls.append(f"{method} {path}")
        return real(method, path, **kwargs)

    user_with_data.client._request = counting  # type: ignore[method-assign]
    at.run()
    at.slider(key="fc_horizon").set_value(3).run()
    assert calls and all(c == "GET /api/insights/monthly" for c in calls), calls


def test_money_and_labels() -> None:
    assert data.money("-1234.5", "EUR") == "-€1,234.50"
    assert data.money("3", "XYZ") == "XYZ 3.00"
    assert data.category_label("debt_payments") == "Debt payments"
    assert data.category_label("total_expense") == "Total spending"
    assert data.colour("groceries") != data.colour("dining")
    assert len({data.colour(c) for c in data.CATEGORY_COLOURS}) == len(data.CATEGORY_COLOURS)
    assert data.this_month() == dt.date.today().replace(day=1)


def test_every_page_is_in_exactly_one_section_of_the_navigation() -> None:
    from fincast.dashboard.navigation import PAGES, SECTIONS

    listed = [key for keys in SECTIONS.values() for key in keys]
    assert sorted(listed) == sorted(p.key for p in PAGES)
    assert len(listed) == len(set(listed))
