"""Subscriptions and bills: detected recurring series, next dates, price changes, review.

Every series is in its own currency (that of the accounts it is paid from); amounts are
shown in it, and the monthly cost is one total per currency, never a sum across them.
"""

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
    """What the outgoing, not ended series cost a month (a positive amount).

    For series of one currency (:func:`monthly_costs` keeps currencies apart).
    """
    total = Decimal(0)
    for s in series:
        amount = Decimal(str(s["expected_amount"]))
        if amount < 0 and s["state"] != "ended":
            total += -amount * PER_MONTH[s["cadence"]]
    return total.quantize(Decimal("0.01"))


def monthly_costs(series: Sequence[dict[str, Any]], fallback: str) -> dict[str, Decimal]:
    """:func:`monthly_cost` per currency, by code (a series without one is in ``fallback``)."""
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for s in series:
        by_currency.setdefault(str(s.get("currency") or fallback), []).append(s)
    return {code: monthly_cost(by_currency[code]) for code in sorted(by_currency)}


def price_change_text(s: dict[str, Any], currency: str) -> str:
    """The latest price change of a series, or an empty string."""
    if not s["price_changes"]:
        return ""
    c = s["price_changes"][-1]
    old, new = data.money(c["old_amount"], currency), data.money(c["new_amount"], currency)
    return f"{old} → {new} on {c['date']}"


def series_table(series: Sequence[dict[str, Any]], currency: str) -> pd.DataFrame:
    """One row per series: payee, cadence, expected next payment in its currency, changes.

    ``currency`` is that of a series that names none.
    """
    return pd.DataFrame(
        [
            {
                "Payee": s["payee"],
                "Every": s["cadence"],
                "Currency": s.get("currency") or currency,
                "Next date": s["next_date"],
                "Expected": data.money(s["expected_amount"], s.get("currency") or currency)
                + (" (varies)" if s["amount_varies"] else ""),
                "State": s["state"],
                "Price change": price_change_text(s, s.get("currency") or currency),
                "Missed": ", ".join(str(d) for d in s["missed"]),
                "Review": STATUS_LABEL[s["status"]],
            }
            for s in series
        ],
        columns=[
            "Payee",
            "Every",
            "Currency",
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
    costs = monthly_costs(shown, currency) or {currency: Decimal("0.00")}
    cells = st.columns(len(costs) + 2)
    for cell, (code, cost) in zip(cells, costs.items(), strict=False):
        # one total per currency: amounts in two currencies are never added
        label = "Monthly cost" if len(costs) == 1 else f"Monthly cost in {code}"
        cell.metric(label, data.money(cost, code))
    cells[-2].metric("Series", str(len(shown)))
    cells[-1].metric("Price changes", str(sum(1 for s in shown if s["price_changes"])))
    st.caption(
        "Monthly cost: the expected amount of every outgoing series that has not ended, on a "
        "monthly scale (a yearly bill counts a twelfth), per currency: amounts are never "
        "converted or added across currencies. A dismissed series stays dismissed after "
        "later imports."
    )
    if shown:
        st.dataframe(series_table(shown, currency), width="stretch", hide_index=True)
    if dismissed:
        with st.expander(f"Dismissed ({len(dismissed)})"):
            st.dataframe(series_table(dismissed, currency), width="stretch", hide_index=True)
    st.subheader("Review")
    labels = {
        s["id"]: f"{s['payee']} ({s['cadence']}, "
        f"{data.money(s['expected_amount'], s.get('currency') or currency)})"
        for s in series
    }
    review_controls(api, labels, write="review_recurring", key="recurring", noun="Series")
