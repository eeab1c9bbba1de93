"""Budgets (with progress against this month's spending), savings goals and debts.

Each budget, goal and debt is in one currency of the user's accounts; the forms offer them
when there is more than one (default: the primary currency), and lists show each row's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError


def _money_str(value: float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _currency_input(api: DashboardApi, key: str) -> str | None:
    """A currency picker among the user's currencies (None: one currency, the default)."""
    options = data.currencies(api)
    if len(options) < 2:
        return None
    primary = data.main_currency(api)
    index = options.index(primary) if primary in options else 0
    return str(
        st.selectbox(
            "Currency",
            options,
            index=index,
            key=key,
            help="One of your accounts' currencies; answers in it count this row.",
        )
    )


def _save(api: DashboardApi, name: str, *args: Any, **kwargs: Any) -> None:
    try:
        api.write(name, *args, **kwargs)
    except DashboardError as exc:
        st.error(str(exc))
        return
    st.rerun()


def progress(
    budgets: list[dict[str, Any]], spent: dict[int | None, Decimal], cats: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each budget with what was spent against it this month and the share used."""
    expense_ids = {c["id"] for c in cats if c["kind"] == "expense"}
    total = sum((v for k, v in spent.items() if k is None or k in expense_ids), Decimal(0))
    out = []
    for b in budgets:
        used = total if b["category_id"] is None else spent.get(b["category_id"], Decimal(0))
        limit = Decimal(str(b["amount"]))
        out.append({**b, "spent": used, "share": float(used / limit) if limit else 0.0})
    return out


def budgets(api: DashboardApi) -> None:
    """The budgets page."""
    st.header("Budgets")
    month = data.this_month()
    cats = data.categories(api)
    names = {c["id"]: c["name"] for c in cats if c["kind"] == "expense"}
    currency = data.main_currency(api)
    before = (month - dt.timedelta(days=1)).replace(day=1)
    items: list[dict[str, Any]] = []
    last: dict[int, dict[str, Any]] = {}
    all_budgets = data.rows(api, "budgets")
    # Each budget against the spending in its own currency (never a sum across currencies).
    for cur in sorted({b.get("currency") or currency for b in all_budgets}):
        mine = [b for b in all_budgets if (b.get("currency") or currency) == cur]
        now = progress(mine, data.month_spending(api, month, cur), cats)
        items += now
        last |= {b["id"]: b for b in progress(now, data.month_spending(api, before, cur), cats)}
    order = {b["id"]: i for i, b in enumerate(all_budgets)}
    items.sort(key=lambda b: order[b["id"]])
    st.caption(f"Spending so far in {month:%B %Y} against each monthly budget.")
    if not items:
        st.info("No budgets yet: set a monthly limit for a category below.")
    for b in items:
        label = "All spending" if b["category_id"] is None else names.get(b["category_id"], "?")
        share = b["share"]
        cur = b.get("currency") or currency
        text = (
            f"**{label}**: {data.money(b['spent'], cur)} of "
            f"{data.money(b['amount'], cur)} ({100 * share:.0f}%)"
        )
        if share > 1:
            text += " · over budget"
        st.progress(min(share, 1.0), text=text)
        prev = last[b["id"]]
        st.caption(f"{before:%B}: {data.money(prev['spent'], cur)} ({100 * prev['share']:.0f}%)")
    left, right = st.columns(2)
    with left, st.form("new-budget", clear_on_submit=True):
        st.subheader("New budget")
        cat = st.selectbox(
            "Category",
            [None, *names],
            format_func=lambda i: "All spending" if i is None else names[i],
        )
        amount = st.number_input("Monthly limit", min_value=0.01, value=300.0, step=10.0)
        in_currency = _currency_input(api, "budget_currency")
        if st.form_submit_button("Create budget", type="primary"):
            _save(api, "create_budget", _money_str(amount), category_id=cat, currency=in_currency)
    if items:
        with right:
            st.subheader("Change or delete")
            labels = {
                b["id"]: (
                    "All spending" if b["category_id"] is None else names.get(b["category_id"], "?")
                )
                + (f" ({b['currency']})" if b.get("currency") else "")
                for b in items
            }
            amounts = {b["id"]: float(b["amount"]) for b in items}
            _edit_one(api, "budget", labels, amounts, field="amount", prompt="New monthly limit",
                      save="Save limit", key="budget_amount")  # fmt: skip


def _edit_one(
    api: DashboardApi,
    noun: str,
    labels: dict[int, str],
    values: dict[int, float],
    *,
    field: str,
    prompt: str,
    save: str,
    key: str,
) -> None:
    """Pick one budget, goal or debt; change its amount ``field`` or delete it."""
    chosen = st.selectbox(noun.capitalize(), list(labels), format_func=labels.__getitem__)
    amount = st.number_input(prompt, min_value=0.01, value=values[chosen], key=f"{key}_{chosen}")
    c1, c2 = st.columns(2)
    if c1.button(save):
        _save(api, f"update_{noun}", chosen, **{field: _money_str(amount)})
    if c2.button(f"Delete {noun}"):
        _save(api, f"delete_{noun}", chosen)


def goals_and_debts(api: DashboardApi) -> None:
    """The goals and debts page."""
    currency = data.main_currency(api)
    st.header("Savings goals")
    goals = data.rows(api, "goals")
    today = dt.date.today()
    if goals:
        st.table(
            pd.DataFrame([_goal_row(api, g, currency, today) for g in goals]).set_index("Goal")
        )
        st.caption(
            "Chance and amounts from the forecast of your household's savings in the goal's "
            "currency, as if all of it went to that goal; past 12 months the forecast is "
            "extended (see each goal's assumptions in the API)."
        )
    else:
        st.info("No goals yet.")
    left, right = st.columns(2)
    with left, st.form("new-goal", clear_on_submit=True):
        st.subheader("New goal")
        name = st.text_input("Name", placeholder="e.g. Emergency fund")
        target = st.number_input("Target amount", min_value=0.01, value=5000.0, step=100.0)
        due = st.date_input("By", value=today.replace(year=today.year + 1))
        start = st.number_input("Already saved", min_value=0.0, value=0.0, step=100.0)
        in_currency = _currency_input(api, "goal_currency")
        if st.form_submit_button("Create goal", type="primary") and name.strip():
            _save(
                api,
                "create_goal",
                name.strip(),
                _money_str(target),
                due,
                start_amount=_money_str(start),
                currency=in_currency,
            )
    if goals:
        with right:
            st.subheader("Change or delete a goal")
            names = {g["id"]: g["name"] for g in goals}
            targets = {g["id"]: float(g["target_amount"]) for g in goals}
            _edit_one(api, "goal", names, targets, field="target_amount", prompt="Target",
                      save="Save goal", key="goal_t")  # fmt: skip
    _debts(api, currency)


def _goal_row(
    api: DashboardApi, g: dict[str, Any], currency: str, today: dt.date
) -> dict[str, Any]:
    """One goal with its forecast: chance by its date, monthly savings needed, pace date."""
    goal, saved = Decimal(str(g["target_amount"])), Decimal(str(g["start_amount"]))
    due = dt.date.fromisoformat(str(g["target_date"]))
    currency = g.get("currency") or currency
    row: dict[str, Any] = {
        "Goal": g["name"],
        "Currency": currency,
        "Target": data.money(goal, currency),
        "By": due.isoformat(),
        "Saved": data.money(saved, currency),
    }
    try:
        f = data.read(api, "goal_forecast", goal_id=g["id"])
    except DashboardError as exc:
        months = max(1, (due.year - today.year) * 12 + due.month - today.month)
        row["Needed per month"] = data.money((goal - saved) / months, currency)
        row["Chance by date"] = f"no forecast yet ({exc})"
        return row
    need = f["monthly_savings_needed"] or {}
    row["Chance by date"] = "-" if f["probability"] is None else f"{f['probability']:.0%}"
    row["Save a month (80%)"] = data.money(need["80%"], currency) if need else "-"
    row["Save a month (95%)"] = data.money(need["95%"], currency) if need else "-"
    row["Reached at current pace"] = f["pace_month"] or "not at this pace"
    row["Status"] = f["status"].replace("_", " ")
    return row


def _debts(api: DashboardApi, currency: str) -> None:
    st.header("Debts")
    debts = data.rows(api, "debts")
    if debts:
        st.table(
            pd.DataFrame(
                [
                    {
                        "Debt": d["name"],
                        "Currency": d.get("currency") or currency,
                        "Balance": data.money(d["balance"], d.get("currency") or currency),
                        "APR": f"{Decimal(str(d['apr'])):.2f}%",
                        "Minimum payment": data.money(
                            d["minimum_payment"], d.get("currency") or currency
                        ),
                    }
                    for d in debts
                ]
            ).set_index("Debt")
        )
    else:
        st.info("No debts recorded.")
    left, right = st.columns(2)
    with left, st.form("new-debt", clear_on_submit=True):
        st.subheader("New debt")
        name = st.text_input("Name", placeholder="e.g. Car loan")
        balance = st.number_input("Balance", min_value=0.01, value=1000.0, step=100.0)
        apr = st.number_input("APR (%)", min_value=0.0, max_value=100.0, value=19.99, step=0.5)
        minimum = st.number_input("Minimum monthly payment", min_value=0.01, value=50.0, step=10.0)
        in_currency = _currency_input(api, "debt_currency")
        if st.form_submit_button("Create debt", type="primary") and name.strip():
            _save(
                api,
                "create_debt",
                name.strip(),
                _money_str(balance),
                _money_str(apr),
                _money_str(minimum),
                currency=in_currency,
            )
    if debts:
        with right:
            st.subheader("Change or delete a debt")
            names = {d["id"]: d["name"] for d in debts}
            balances = {d["id"]: float(d["balance"]) for d in debts}
            _edit_one(api, "debt", names, balances, field="balance", prompt="Balance now",
                      save="Save debt", key="debt_b")  # fmt: skip
