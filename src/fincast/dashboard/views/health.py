"""Health: the health score with its components and history, disposable income, readiness."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError

TIER_BANDS = (
    (0, 40, "#f8d7da", "Vulnerable"),
    (40, 80, "#fff3cd", "Coping"),
    (80, 100, "#d1e7dd", "Healthy"),
)


def history_chart(history: Sequence[dict[str, Any]]) -> go.Figure:
    """The score month by month over the tier bands; months without a score are gaps."""
    months = [h["month"] for h in history]
    fig = go.Figure()
    for lo, hi, colour, name in TIER_BANDS:
        fig.add_hrect(y0=lo, y1=hi, fillcolor=colour, opacity=0.5, line_width=0)
        fig.add_annotation(
            x=0, xref="paper", y=(lo + hi) / 2, text=name, showarrow=False, xanchor="left"
        )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[h["score"] for h in history],
            mode="lines+markers",
            name="score",
            connectgaps=False,
        )
    )
    fig.update_layout(
        title="Score by month", yaxis={"range": [0, 100], "title": "score"}, height=320
    )
    return fig


def components_table(components: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per indicator: what was measured, the points, the step."""
    return pd.DataFrame(
        [
            {
                "Indicator": c["name"],
                "Measured": c["display"],
                "Points": "-" if c["points"] is None else f"{c['points']:g} / {c['max_points']:g}",
                "Next step": c["step"],
            }
            for c in components
        ]
    )


def render(api: DashboardApi) -> None:
    """The health page."""
    st.header("Financial health")
    currency = data.main_currency(api)
    h = data.read(api, "health")
    left, right = st.columns([1, 3])
    score = "-" if h["score"] is None else f"{h['score']} / 100"
    left.metric("Health score", score)
    left.markdown(f"**{h['tier']}**")
    right.markdown(h["message"])
    right.caption(h["basis"])
    st.dataframe(components_table(h["components"]), width="stretch", hide_index=True)
    if any(m["score"] is not None for m in h["history"]):
        st.plotly_chart(history_chart(h["history"]), width="stretch")
    else:
        st.info("No monthly history yet: the score needs at least 4 measurable indicators.")
    st.subheader("Disposable income next month")
    try:
        d = data.read(api, "disposable_income")
    except DashboardError as exc:
        st.info(f"Not available yet: {exc}")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric(f"Disposable, {d['month']}", data.money(d["disposable"], currency))
        c2.metric("Expected income", data.money(d["expected_income"], currency))
        c3.metric("Essential spending", data.money(d["essential_spending"], currency))
        st.markdown(
            f"80% range {data.money(d['lower_80'], currency)} to "
            f"{data.money(d['upper_80'], currency)}; 95% range "
            f"{data.money(d['lower_95'], currency)} to {data.money(d['upper_95'], currency)}."
        )
        st.caption(d["method"])
    st.subheader("Investment readiness")
    r = data.read(api, "investment_readiness")
    st.markdown(f"**{r['verdict'].capitalize()}**")
    for reason in r["reasons"]:
        st.markdown(f"- {reason}")
