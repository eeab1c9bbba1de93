"""Overview: the last complete month, income against spending, spending by category.

In one currency at a time: a user with accounts in several picks which.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fincast.dashboard import charts, data
from fincast.dashboard.session import DashboardApi


def render(api: DashboardApi) -> None:
    """Metrics of the last complete month and the monthly charts."""
    st.header("Overview")
    currency = data.currency_selector(api)
    monthly = data.monthly(api, currency)
    if monthly.empty:
        if not data.accounts(api):
            st.info("No accounts yet: create one on the **Accounts** page, then import a file.")
        else:
            st.info("No complete month of transactions yet: import a bank file on **Import**.")
        return
    gap = data.history_gap(api, currency)
    if gap:
        st.caption(
            f"History from {gap['history_from']}: transactions of {gap['left_out']} are kept "
            f"but left out of the charts and forecasts, {gap['empty_months']} months without "
            "any transaction lie between."
        )
    names = data.category_names(api)
    last = monthly.iloc[-1]
    month = str(last["year_month"])
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(f"Income {month}", data.money(last["total_income"], currency))
    c2.metric(f"Spending {month}", data.money(last["total_expense"], currency))
    c3.metric(f"Saved {month}", data.money(last["savings"], currency))
    income = float(last["total_income"] or 0)
    rate = f"{100 * float(last['savings']) / income:.0f}%" if income > 0 else "n/a"
    c4.metric("Savings rate", rate)
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.income_vs_expense(monthly, currency), width="stretch")
    cats = [c for c in monthly.columns if c not in charts.NON_CATEGORY]
    totals = {c: float(pd.to_numeric(last[c], errors="coerce") or 0) for c in cats}
    right.plotly_chart(
        charts.category_donut(totals, names, f"Where the money went in {month}"),
        width="stretch",
    )
    st.plotly_chart(charts.category_stack(monthly, names, currency), width="stretch")
    st.subheader(f"Spending by category, {month}")
    table = pd.DataFrame(
        [
            {"Category": data.category_label(c, names), "Spent": data.money(v, currency)}
            for c, v in sorted(totals.items(), key=lambda kv: -kv[1])
            if v > 0
        ]
    )
    st.table(table.set_index("Category") if not table.empty else table)
