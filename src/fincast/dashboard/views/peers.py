"""Peers: targets from households like yours who save more, and answers for a bare profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError

#: The profile form's fields (the second source's names) and their defaults.
EXPENSE_FIELDS = (
    "Rent",
    "Loan_Repayment",
    "Insurance",
    "Groceries",
    "Transport",
    "Eating_Out",
    "Entertainment",
    "Utilities",
    "Healthcare",
    "Education",
    "Miscellaneous",
)


def targets_table(body: Mapping[str, Any], currency: str) -> pd.DataFrame:
    """One row per category: now, target, what the peers who save more spend."""
    return pd.DataFrame(
        [
            {
                "Category": t["field"].replace("_", " ").capitalize(),
                "Now": data.money(t["current"], currency),
                "Target": data.money(t["target"], currency),
                "Peers' median": data.money(t["peer_median"], currency),
                "Why": t["reason"],
            }
            for t in body["targets"]
        ]
    )


def render(api: DashboardApi) -> None:
    """The peers page: the ledger's peer targets, then the profile form."""
    st.header("Peers")
    currency = data.main_currency(api)
    try:
        body = api.call("peers")
    except DashboardError as exc:
        st.info(f"Peer targets are not available yet: {exc}")
    else:
        left, mid, right = st.columns(3)
        left.metric("Your savings rate", f"{100 * body['savings_rate']:.1f}%")
        mid.metric("Peers who save more", f"{100 * body['peer_savings_rate']:.1f}%")
        right.metric("Target savings rate", f"{100 * body['target_savings_rate']:.1f}%")
        st.caption(
            f"Segment {body['segment']} ({body['segment_size']} households); "
            f"{body['peers']} peers ({body['peer_rule']}); means over "
            f"{body['measured']['months']} months."
        )
        st.dataframe(targets_table(body, currency), hide_index=True)
        for note in body["notes"]:
            st.caption(note)
    st.subheader("A profile with no history")
    with st.form("profile"):
        income = st.number_input("Income", min_value=0.0, value=4000.0, step=100.0)
        cols = st.columns(3)
        age = cols[0].number_input("Age", min_value=0, max_value=130, value=35)
        dependents = cols[1].number_input("Dependents", min_value=0, max_value=20, value=0)
        desired = cols[2].number_input(
            "Desired savings %", min_value=0.0, max_value=100.0, value=10.0
        )
        occupation = st.selectbox(
            "Occupation", ["Professional", "Self_Employed", "Student", "Retired"]
        )
        tier = st.selectbox("City tier", ["Tier_1", "Tier_2", "Tier_3"])
        spend = {}
        grid = st.columns(4)
        for i, name in enumerate(EXPENSE_FIELDS):
            spend[name] = grid[i % 4].number_input(
                name.replace("_", " "), min_value=0.0, value=0.0, step=10.0
            )
        submitted = st.form_submit_button("Get answers", type="primary")
    if submitted:
        fields = {
            "Income": income,
            "Age": int(age),
            "Dependents": int(dependents),
            "Occupation": occupation,
            "City_Tier": tier,
            **spend,
            "Desired_Savings_Percentage": desired,
        }
        show_profile(api.call("profile", fields), currency)


def show_profile(body: Mapping[str, Any], currency: str) -> None:
    """The profile answers: disposable income, status, health, unusualness, advice."""
    left, mid, right = st.columns(3)
    left.metric("Disposable income", data.money(body["disposable_income"], currency))
    health = body["health"]
    mid.metric("Health score", "-" if health["score"] is None else f"{health['score']:g} / 100")
    right.metric("Pattern", body["unusualness"]["label"])
    st.markdown(
        f"**{body['overspending']['status'].replace('_', ' ')}**: "
        f"{body['overspending']['message']} · {health['tier']}"
    )
    for line in body["recommendations"]:
        st.markdown(f"- {line}")
