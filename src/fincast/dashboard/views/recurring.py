"""Subscriptions and bills: detected recurring series, next dates, price changes, review."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi
from fincast.dashboard.views.review import STATUS_LABEL, review_controls

#: Payments per month of each cadence, to put every series on one monthly scale.
PER_MONTH = {
    "weekly": Decimal(52) / Decimal(12),
    "biweekly": Decimal(26) / Decimal(12),
    "monthly": Decimal(1),
    "quarterly": Decimal(1) / Decimal(3),
    "annual": Decimal(1) / Decimal(12),
}


def monthly_cost(series: Sequence[dict[str, Any]]) -> Decimal:
    """What the outgoing, not ended series cost a month (a positive amount)."""
    total = Decimal(0)
    for s in series:
        amount = Decimal(str(s["expected_amount"]))
        if amount < 0 and s["state"] != "ended":
            total += -amount * PER_MONTH[s["cadence"]]
    return total.quantize(Decimal("0.01"))


def price_change_text(s: dict[str, Any], currency: str) -> str:
    """The latest price change of a series, or an empty string."""
    if not s["price_changes"]:
        return ""
    c = s["price_changes"][-1]
    old, new = data.money(c["old_amount"], currency), data.money(c["new_amount"], currency)
    return f"{old} → {new} on {c['date']}"


def series_table(series: Sequence[dict[str, Any]], currency: str) -> pd.DataFrame:
    """One row per series: payee, cadence, expected next payment, what changed."""
    return pd.DataFrame(
        [
            {
                "Payee": s["payee"],
                "Every": s["cadence"],
                "Next date": s["next_date"],
                "Expected": data.money(s["expected_amount"], currency)
                + (" (varies)" if s["amount_varies"] else ""),
                "State": s["state"],
                "Price change": price_change_text(s, currency),
                "Missed": ", ".join(str(d) for d in s["missed"]),
                "Review": STATUS_LABEL[s["status"]],
            }
            for s in series
        ],
        columns=[
            "Payee",
            "Every",
            "Next date",
            "Expected",
            "State",
            "Price change",
            "Missed",
            "Review",
        ],
    )


def render(api: DashboardApi) -> None:
    """The subscriptions and bills page."""
    st.header("Subscriptions and bills")
    currency = data.main_currency(api)
    series = data.rows(api, "recurring", limit=500)
    if not series:
        st.info(
            "No recurring payments found yet. They show up after a few months of "
            "transactions with the same payee at a steady rhythm."
        )
        return
    shown = [s for s in series if s["status"] != "dismissed"]
    dismissed = [s for s in series if s["status"] == "dismissed"]
    c1, c2, c3 = st.columns(3)
    c1.metric("Monthly cost", data.money(monthly_cost(shown), currency))
    c2.metric("Series", str(len(shown)))
    c3.metric("Price changes", str(sum(1 for s in shown if s["price_changes"])))
    st.caption(
        "Monthly cost: the expected amount of every outgoing series that has not ended, on a "
        "monthly scale (a yearly bill counts a twelfth). A dismissed series stays dismissed "
        "after later imports."
    )
    if shown:
        st.dataframe(series_table(shown, currency), width="stretch", hide_index=True)
    if dismissed:
        with st.expander(f"Dismissed ({len(dismissed)})"):
            st.dataframe(series_table(dismissed, currency), width="stretch", hide_index=True)
    st.subheader("Review")
    labels = {
        s["id"]: f"{s['payee']} ({s['cadence']}, {data.money(s['expected_amount'], currency)})"
        for s in series
    }
    review_controls(api, labels, write="review_recurring", key="recurring", noun="Series")
