"""Insights: next month's overspending risks, the recommended budget and this month's alerts.

Every figure is the API's (``/api/insights/overspending``, ``/api/insights/budget``,
``/api/alerts``); the page only shapes the answers into tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError

BASIS_LABELS = {
    "own_budget": "your budget",
    "forecast": "forecast",
    "fixed": "fixed bills",
    "cut": "cut to fit",
    "savings": "what is left",
}


def risk_table(result: Mapping[str, Any], names: Mapping[str, str], currency: str) -> pd.DataFrame:
    """One row per category, riskiest first: expected, limit, probability, the rule's flag."""
    rows = [
        {
            "Category": data.category_label(c["category"], names),
            "Expected": data.money(c["expected"], currency),
            "Limit": data.money(c["limit"], currency),
            "Limit from": "your budget"
            if c["limit_source"] == "budget"
            else f"{result['threshold']:g} x average",
            "Chance over limit": float(c["probability_over_limit"]),
            "Rule flag": "over" if c["rule_flag"] else "-",
        }
        for c in sorted(result["categories"], key=lambda c: -c["probability_over_limit"])
    ]
    return pd.DataFrame(rows)


def plan_table(plan: Mapping[str, Any], names: Mapping[str, str], currency: str) -> pd.DataFrame:
    """The plan's lines (savings last) with the amount, the forecast, the floor and why."""
    return pd.DataFrame(
        [
            {
                "Line": "Savings"
                if line["category"] == "savings"
                else data.category_label(line["category"], names),
                "Amount": data.money(line["amount"], currency),
                "Expected": "-"
                if line["category"] == "savings"
                else data.money(line["expected"], currency),
                "Floor": data.money(line["floor"], currency),
                "Basis": BASIS_LABELS.get(line["basis"], line["basis"]),
                "Why": line["reason"],
            }
            for line in plan["lines"]
        ]
    )


def reference_table(plan: Mapping[str, Any], currency: str) -> pd.DataFrame:
    """The 50/30/20 reference beside the plan's own split."""
    return pd.DataFrame(
        [
            {
                "Part": part.capitalize(),
                "50/30/20 reference": data.money(v["reference"], currency),
                "This plan": data.money(v["planned"], currency),
                "Share of total": f"{float(v['planned_share']):.0%}",
            }
            for part, v in plan["reference_50_30_20"].items()
        ]
    )


def alert_rows(
    result: Mapping[str, Any], names: Mapping[str, str], currency: str
) -> list[dict[str, Any]]:
    """Each budget of the month as a progress line: label, share used (0..1), the message."""
    out = []
    for b in result["budgets"]:
        name = (
            "All spending"
            if b["category"] == "total"
            else data.category_label(b["category"], names)
        )
        used = b["used_pct"]
        share = 1.0 if used is None else min(max(used / 100, 0.0), 1.0)
        text = (
            f"{name}: {data.money(b['spent'], currency)} of {data.money(b['limit'], currency)}"
            f" - month end {data.money(b['projected'], currency)}"
            f" ({b['projection'].replace('_', ' ')})"
        )
        out.append({"label": text, "share": share, "level": b["level"], "message": b["message"]})
    return out


def _overspending(api: DashboardApi, names: Mapping[str, str], currency: str) -> None:
    st.subheader("Overspending risk next month")
    threshold = st.number_input(
        "Rule: flag a forecast above this many times the 6-month average",
        min_value=1.0,
        max_value=5.0,
        value=1.2,
        step=0.1,
        key="insights_threshold",
    )
    try:
        result = data.read(
            api,
            "overspending",
            threshold=round(float(threshold), 2),
            currency=data.currency_param(api, currency),
        )
    except DashboardError as exc:
        st.info(f"Not available yet: {exc}")
        return
    left, right = st.columns(2)
    left.metric(
        f"Chance spending exceeds income in {result['month']}",
        f"{result['probability_expense_over_income']:.0%}",
    )
    right.metric(
        "Expected spending",
        data.money(result["expected_expense"], currency),
        help=f"of {data.money(result['expected_income'], currency)} expected income",
    )
    if result["probability_over_total_budget"] is not None:
        st.markdown(
            f"Chance of going over your total budget of "
            f"{data.money(result['total_budget'], currency)}: "
            f"**{result['probability_over_total_budget']:.0%}**"
        )
    st.dataframe(
        risk_table(result, names, currency),
        hide_index=True,
        width="stretch",
        column_config={
            "Chance over limit": st.column_config.ProgressColumn(
                "Chance over limit", min_value=0.0, max_value=1.0, format="percent"
            )
        },
    )
    st.caption(
        "The chance comes from the forecast's whole distribution; the rule flag is the "
        "yes/no rule (forecast above the threshold times the average). docs/insights.md "
        "gives their measured Brier scores."
    )
    for note in result["notes"]:
        st.caption(note)


def _budget(api: DashboardApi, names: Mapping[str, str], currency: str) -> None:
    st.subheader("Recommended budget for next month")
    left, right = st.columns(2)
    total = left.number_input(
        "Total budget (0: your total budget, else expected income)",
        min_value=0.0,
        value=0.0,
        step=50.0,
        key="insights_total_budget",
    )
    margin = right.slider(
        "Safety margin kept unplanned", 0.0, 0.5, 0.0, 0.05, key="insights_safety_margin"
    )
    total_budget = None if total <= 0 else Decimal(str(total)).quantize(Decimal("0.01"))
    try:
        plan = data.read(
            api,
            "budget_plan",
            total_budget=total_budget,
            safety_margin=round(float(margin), 2),
            currency=data.currency_param(api, currency),
        )
    except DashboardError as exc:
        st.warning(str(exc))
        return
    st.markdown(
        f"**{data.money(plan['available'], currency)}** to plan in {plan['month']} "
        f"(total {data.money(plan['total_budget'], currency)}, "
        f"from {plan['total_budget_source']}); "
        f"savings **{data.money(plan['savings'], currency)}**."
    )
    for warning in plan["warnings"]:
        st.warning(warning)
    st.dataframe(plan_table(plan, names, currency), hide_index=True, width="stretch")
    st.caption("The 50/30/20 rule as a reference: needs, wants and savings as shares of the total.")
    st.dataframe(reference_table(plan, currency), hide_index=True, width="stretch")


def _alerts(api: DashboardApi, names: Mapping[str, str], currency: str) -> None:
    try:
        result = data.read(api, "alerts", currency=data.currency_param(api, currency))
    except DashboardError as exc:
        st.info(f"Not available yet: {exc}")
        return
    st.subheader(f"Budget alerts for {result['month']}")
    st.caption(f"Day {result['days_elapsed']} of {result['days_in_month']}.")
    for note in result["notes"]:
        st.info(note)
    for row in alert_rows(result, names, currency):
        st.progress(row["share"], text=row["label"])
        if row["level"] == 100:
            st.error(row["message"])
        elif row["level"] is not None:
            st.warning(row["message"])


def render(api: DashboardApi) -> None:
    """The insights page."""
    st.header("Insights")
    # one currency at a time: its forecast, and the budgets in it
    currency = data.currency_selector(api)
    names = data.category_names(api)
    _overspending(api, names, currency)
    _budget(api, names, currency)
    _alerts(api, names, currency)
