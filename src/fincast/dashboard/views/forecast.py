"""Forecast: every series of the household months ahead, each drawn with its 95% range.

In one currency at a time: a user with accounts in several picks which.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fincast.dashboard import charts, data
from fincast.dashboard.session import DashboardApi

LEVEL = 0.95
HISTORY = {"total_expense": "total_expense", "income": "total_income", "savings": "savings"}


def render(api: DashboardApi) -> None:
    """The forecast chart with its range, the numbers, and the model's warnings."""
    st.header("Forecast")
    currency = data.currency_selector(api)
    monthly = data.monthly(api, currency)
    if len(monthly) < 1:
        st.info("Forecasts need at least one complete month of transactions: import a bank file.")
        return
    names = data.category_names(api)
    horizon = st.slider("Months ahead", 1, 12, 3, key="fc_horizon")
    with st.spinner("Forecasting..."):
        answer = data.read(
            api,
            "forecast",
            horizon=horizon,
            level=LEVEL,
            currency=data.currency_param(api, currency),
        )
    for warning in answer.get("warnings") or []:
        st.warning(warning)
    series = {s["name"]: s for s in answer["series"]}
    order = sorted(series, key=lambda n: (n not in HISTORY, n != "total_expense", n))
    name = st.selectbox(
        "Series", order, format_func=lambda n: data.category_label(n, names), key="fc_series"
    )
    chosen = series[name]
    label = data.category_label(name, names)
    first = chosen["months"][0]
    pct = round(100 * LEVEL)
    c1, c2 = st.columns(2)
    c1.metric(f"{label}, {first['month']}", data.money(first["forecast"], currency))
    c2.markdown(
        f"**{pct}% range:** {data.money(first['lower'], currency)} to "
        f"{data.money(first['upper'], currency)}"
    )
    column = HISTORY.get(name, name)
    st.plotly_chart(
        charts.household_forecast(
            monthly, chosen, history_column=column, level=LEVEL, currency=currency, name=label
        ),
        width="stretch",
    )
    cal = chosen.get("calibration") or {}
    if cal.get("coverage") is not None:
        st.caption(
            f"On {cal['n']:,} held-out households with {cal['history']} of history, the "
            f"{round(100 * cal['level'])}% range held the truth {100 * cal['coverage']:.0f}% "
            f"of the time ({cal['method']})."
        )
    st.subheader("Every series")
    table = charts.forecast_table(answer, names)
    if not table.empty:
        shown = table.assign(
            **{
                col: table[col].map(lambda v: data.money(v, currency))
                for col in ("forecast", "lower", "upper")
            }
        ).rename(columns={"lower": f"{pct}% low", "upper": f"{pct}% high"})
        st.dataframe(pd.DataFrame(shown), width="stretch", hide_index=True)
    st.caption(answer.get("method", ""))
