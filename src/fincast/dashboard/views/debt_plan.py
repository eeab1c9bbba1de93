"""Debt plan: the balance over time per strategy, months and interest, and the surplus split."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi

LABELS = {"avalanche": "Avalanche", "snowball": "Snowball", "own": "Your order"}


def balance_chart(strategies: Mapping[str, Mapping[str, Any]]) -> go.Figure:
    """Total balance left at the end of each month, one line per strategy."""
    fig = go.Figure()
    for key, plan in strategies.items():
        schedule = plan["schedule"]
        fig.add_trace(
            go.Scatter(
                x=[0, *(m["month"] for m in schedule)],
                y=[None, *(float(m["balance"]) for m in schedule)],
                mode="lines",
                name=LABELS.get(key, key),
                connectgaps=True,
            )
        )
    fig.update_layout(
        title="Debt left by month", xaxis_title="month", yaxis_title="balance", height=340
    )
    return fig


def strategies_table(body: Mapping[str, Any], currency: str) -> pd.DataFrame:
    """One row per strategy: months to debt-free, total interest, total paid."""
    rows = []
    for key, plan in body["strategies"].items():
        if plan["never_paid_off"]:
            months = "never"
        elif plan["capped"]:
            months = f"more than {body['max_months']}"
        else:
            months = str(plan["months"])
        rows.append(
            {
                "Strategy": LABELS.get(key, key),
                "Months to debt-free": months,
                "Total interest": data.money(plan["total_interest"], currency),
                "Total paid": data.money(plan["total_paid"], currency),
            }
        )
    return pd.DataFrame(rows)


def render(api: DashboardApi) -> None:
    """The debt plan page."""
    st.header("Debt plan")
    # the debts in one currency, with the surplus and savings of the accounts in it
    currency = data.currency_selector(api)
    extra = st.number_input(
        "Extra a month on top of the minimums (0 = use the suggested split)",
        min_value=0.0,
        value=0.0,
        step=25.0,
    )
    body = api.call(
        "debt_plan",
        extra=f"{extra:.2f}" if extra > 0 else None,
        currency=data.currency_param(api, currency),
    )
    if not body["debts"]:
        st.info(
            f"No debts yet in {currency}: add them on the Goals & debts page to see a payoff plan."
        )
        return
    st.caption(
        f"Minimums plus {data.money(body['extra'], currency)} a month "
        f"({data.money(body['monthly_budget'], currency)} in all), simulated month by month."
    )
    st.dataframe(strategies_table(body, currency), hide_index=True)
    if any(p["schedule"] for p in body["strategies"].values()):
        st.plotly_chart(balance_chart(body["strategies"]))
    for s in body["shortfalls"]:
        st.warning(
            f"**{s['name']}**: the minimum {data.money(s['minimum_payment'], currency)} does not "
            f"cover the monthly interest {data.money(s['monthly_interest'], currency)}; at the "
            f"minimum alone it is never paid off. At least "
            f"{data.money(s['extra_needed'], currency)} more a month is needed."
        )
    split = body["surplus"]
    if split is not None:
        st.subheader("Your monthly surplus")
        left, right = st.columns(2)
        left.metric("To debt", data.money(split["to_debt"], currency))
        right.metric("To savings", data.money(split["to_savings"], currency))
        st.caption(
            f"Surplus {data.money(split['monthly_surplus'], currency)} a month over "
            f"{split['months_measured']} months: {split['reason']}."
        )
    for note in body["notes"]:
        st.caption(note)
