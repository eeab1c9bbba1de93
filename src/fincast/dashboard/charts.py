"""Plotly figures for the dashboard: pure functions of API answers.

Every category keeps one colour on every chart (:func:`fincast.dashboard.data.colour`) and
shows its human name; amounts carry the currency symbol on the axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from fincast.dashboard.data import CURRENCY_SYMBOLS, category_label, colour

NON_CATEGORY = {"year_month", "total_income", "total_expense", "savings"}
HEIGHT = 360


def _layout(fig: go.Figure, title: str, currency: str, **extra: Any) -> go.Figure:
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ").strip()
    fig.update_layout(
        title=title,
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        yaxis={"tickprefix": symbol if len(symbol) == 1 else "", "tickformat": ",.0f"},
        **extra,
    )
    return fig


def interval(ci: Sequence[Any] | Mapping[str, Any]) -> tuple[float, float]:
    """(lower, upper) from an interval given as a pair or as ``{"lower", "upper"}``."""
    if isinstance(ci, Mapping):
        return float(ci["lower"]), float(ci["upper"])
    return float(ci[0]), float(ci[1])


def income_vs_expense(monthly: pd.DataFrame, currency: str = "USD") -> go.Figure:
    """Monthly income and spending bars with the savings line."""
    fig = go.Figure()
    x = monthly["year_month"]
    fig.add_bar(x=x, y=monthly["total_income"], name="Income", marker_color=colour("income"))
    fig.add_bar(
        x=x, y=monthly["total_expense"], name="Spending", marker_color=colour("total_expense")
    )
    fig.add_scatter(
        x=x, y=monthly["savings"], name="Saved", mode="lines+markers", line_color=colour("savings")
    )
    return _layout(fig, "Income, spending and savings per month", currency, barmode="group")


def category_stack(
    monthly: pd.DataFrame, names: Mapping[str, str] | None = None, currency: str = "USD"
) -> go.Figure:
    """Stacked spending per category and month, biggest category at the bottom."""
    fig = go.Figure()
    cols = [c for c in monthly.columns if c not in NON_CATEGORY]
    cols.sort(key=lambda c: -float(pd.to_numeric(monthly[c], errors="coerce").fillna(0).sum()))
    for col in cols:
        fig.add_bar(
            x=monthly["year_month"],
            y=monthly[col],
            name=category_label(col, names),
            marker_color=colour(col),
        )
    return _layout(fig, "Spending by category", currency, barmode="stack")


def category_donut(
    totals: Mapping[str, float], names: Mapping[str, str] | None = None, title: str = ""
) -> go.Figure:
    """Share of spending per category."""
    slugs = [s for s, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v > 0]
    fig = go.Figure(
        go.Pie(
            labels=[category_label(s, names) for s in slugs],
            values=[totals[s] for s in slugs],
            marker={"colors": [colour(s) for s in slugs]},
            hole=0.5,
            sort=False,
        )
    )
    fig.update_layout(title=title, height=HEIGHT, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def net_worth(series: Mapping[str, float], currency: str = "USD") -> go.Figure:
    """Net worth at the end of each month."""
    months = sorted(series)
    fig = go.Figure()
    fig.add_scatter(
        x=months,
        y=[series[m] for m in months],
        mode="lines+markers",
        name="Net worth",
        fill="tozeroy",
        line_color=colour("savings"),
    )
    return _layout(fig, "Net worth over time (all accounts)", currency)


def household_forecast(
    monthly: pd.DataFrame,
    series: Mapping[str, Any],
    *,
    history_column: str,
    level: float,
    currency: str = "USD",
    name: str = "",
) -> go.Figure:
    """One series' history, its forecast months and the shaded ``level`` range around them."""
    months = [m["month"] for m in series["months"]]
    point = [float(m["forecast"]) for m in series["months"]]
    lo = [float(m["lower"]) for m in series["months"]]
    hi = [float(m["upper"]) for m in series["months"]]
    pct = round(100 * level)
    line = colour(series["name"])
    fig = go.Figure()
    if history_column in monthly.columns and not monthly.empty:
        fig.add_scatter(
            x=monthly["year_month"],
            y=monthly[history_column],
            name="Actual",
            mode="lines+markers",
            line_color=line,
        )
    fig.add_scatter(
        x=months + months[::-1],
        y=hi + lo[::-1],
        fill="toself",
        mode="lines",
        name=f"{pct}% range",
        line={"width": 0},
        fillcolor="rgba(99, 110, 250, 0.22)",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=months,
        y=point,
        name="Forecast",
        mode="lines+markers",
        line={"dash": "dash", "color": line},
        marker={"symbol": "diamond", "size": 9},
    )
    return _layout(fig, f"{name}: history and forecast", currency)


def forecast_table(
    answer: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per series and month: forecast and range."""
    out = []
    for s in answer.get("series") or []:
        for m in s["months"]:
            out.append(
                {
                    "series": category_label(s["name"], names),
                    "month": m["month"],
                    "forecast": float(m["forecast"]),
                    "lower": float(m["lower"]),
                    "upper": float(m["upper"]),
                    "method": s["method"],
                }
            )
    return pd.DataFrame(out)
