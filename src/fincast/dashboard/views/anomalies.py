"""Anomalies with their reasons (confirm, dismiss) and the rules the categorizer offers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError
from fincast.dashboard.views.review import STATUS_LABEL, review_controls

KIND_LABEL = {
    "unusual_amount": "Unusual amount",
    "new_merchant": "Large, new merchant",
    "duplicate": "Possible duplicate",
    "category_spike": "Category spike",
    "monthly_behaviour": "Unusual month",
}


def flags_table(flags: Sequence[dict[str, Any]], currency: str) -> pd.DataFrame:
    """One row per flag: when, what, how unusual and why; each amount in its currency.

    ``currency`` is that of a flag that names none.
    """
    return pd.DataFrame(
        [
            {
                "Date": f["posted_date"],
                "Kind": KIND_LABEL[f["kind"]],
                "Payee": f["payee"] or "",
                "Amount": ""
                if f["amount"] is None
                else data.money(f["amount"], f.get("currency") or currency),
                "Score": round(float(f["score"]), 2),
                "Reason": f["reason"],
                "Review": STATUS_LABEL[f["status"]],
            }
            for f in flags
        ],
        columns=["Date", "Kind", "Payee", "Amount", "Score", "Reason", "Review"],
    )


def flag_label(f: Mapping[str, Any]) -> str:
    """How a flag reads in the review box."""
    who = f["payee"] or f["month"]
    return f"{f['posted_date']} · {KIND_LABEL[f['kind']]} · {who}"


def _suggestions(api: DashboardApi) -> None:
    st.subheader("Rule suggestions")
    offers = data.rows(api, "rule_suggestions")
    if not offers:
        st.caption(
            "When you correct the category of one payee three times, a rule is offered here."
        )
        return
    names = {c["id"]: c["name"] for c in data.categories(api)}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Payee contains": o["payee_contains"],
                    "File under": names.get(o["category_id"], str(o["category_id"])),
                    "Corrections": o["corrections"],
                    "Example": o["example"],
                }
                for o in offers
            ]
        ),
        width="stretch",
        hide_index=True,
    )
    labels = {
        i: f"Always file “{o['payee_contains']}” under "
        f"{names.get(o['category_id'], o['category_id'])}"
        for i, o in enumerate(offers)
    }
    pick = st.selectbox("Suggestion", list(labels), format_func=labels.__getitem__, key="rule_pick")
    if st.button("Accept the rule", key="rule_accept", type="primary") and pick is not None:
        offer = offers[int(pick)]
        try:
            api.write("accept_rule_suggestion", offer["payee_contains"], offer["category_id"])
        except DashboardError as exc:
            st.error(str(exc))
        else:
            st.session_state["_flash"] = f"Rule created: {labels[pick]}."
            st.rerun()


def render(api: DashboardApi) -> None:
    """The anomalies page."""
    st.header("Anomalies")
    # one currency at a time, so each amount is shown in its own currency
    currency = data.currency_selector(api)
    several = len(data.currencies(api)) > 1
    flags = data.rows(api, "anomalies", limit=500, currency=currency if several else None)
    shown = [f for f in flags if f["status"] != "dismissed"]
    dismissed = [f for f in flags if f["status"] == "dismissed"]
    if not flags:
        st.info("Nothing looks off in your transactions.")
    else:
        c1, c2 = st.columns(2)
        c1.metric("To review", str(sum(1 for f in shown if f["status"] == "new")))
        c2.metric("Confirmed", str(sum(1 for f in shown if f["status"] == "confirmed")))
        st.caption(
            "Each flag says why it was raised and how unusual it is (the score). "
            "A dismissed flag stays dismissed after later imports."
        )
        if shown:
            st.dataframe(flags_table(shown, currency), width="stretch", hide_index=True)
        if dismissed:
            with st.expander(f"Dismissed ({len(dismissed)})"):
                st.dataframe(flags_table(dismissed, currency), width="stretch", hide_index=True)
        st.subheader("Review")
        labels = {f["id"]: flag_label(f) for f in flags}
        review_controls(api, labels, write="review_anomaly", key="anomaly", noun="Flag")
    _suggestions(api)
