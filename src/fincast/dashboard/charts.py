"""Plotly figures and tables for the dashboard: pure functions of API answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

NON_CATEGORY = {"year_month", "total_income", "total_expense", "savings"}


def interval(ci: Sequence[Any] | Mapping[str, Any]) -> tuple[float, float]:
    """(lower, upper) from an interval given as a pair or as ``{"lower", "upper"}``."""
    if isinstance(ci, Mapping):
        return float(ci["lower"]), float(ci["upper"])
    return float(ci[0]), float(ci[1])


def income_vs_expense(monthly: pd.DataFrame) -> go.Figure:
    """Monthly income and spending bars with the savings line."""
    fig = go.Figure()
    fig.add_bar(x=monthly["year_month"], y=monthly["total_income"], name="Income")
    fig.add_bar(x=monthly["year_month"], y=monthly["total_expense"], name="Spending")
    fig.add_scatter(
        x=monthly["year_month"], y=monthly["savings"], name="Saved", mode="lines+markers"
    )
    fig.update_layout(
        barmode="group",
        title="Income, spending and savings per month",
        yaxis_title="amount",
        legend_orientation="h",
    )
    return fig


def category_stack(monthly: pd.DataFrame) -> go.Figure:
    """Stacked spending per category and month."""
    fig = go.Figure()
    for col in [c for c in monthly.columns if c not in NON_CATEGORY]:
        fig.add_bar(x=monthly["year_month"], y=monthly[col], name=col)
    fig.update_layout(barmode="stack", title="Spending by category", legend_orientation="h")
    return fig


def expense_forecast(monthly: pd.DataFrame, prediction: Mapping[str, Any]) -> go.Figure:
    """Spending history with next month's forecast and its interval as an error bar."""
    lo, hi = interval(prediction["confidence_interval"])
    point = float(prediction["predicted_expense"])
    month = prediction.get("month") or "next month"
    level = round(100 * float(prediction["confidence_level"]))
    fig = go.Figure()
    fig.add_scatter(
        x=monthly["year_month"], y=monthly["total_expense"], name="Spending", mode="lines+markers"
    )
    fig.add_scatter(
        x=[month],
        y=[point],
        name=f"Forecast ({level}% range)",
        mode="markers",
        marker={"size": 12, "symbol": "diamond"},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [hi - point],
            "arrayminus": [point - lo],
        },
    )
    fig.update_layout(title="Monthly spending and next month's forecast", legend_orientation="h")
    return fig


def category_table(answer: Mapping[str, Any]) -> pd.DataFrame:
    """One row per category: forecast, range, usual level, risk flag, recommended budget."""
    forecasts = answer.get("forecasts") or {}
    risks = answer.get("risks") or {}
    budget = (answer.get("budget_recommendations") or {}).get("categories", {})
    rows = []
    for cat, f in forecasts.items():
        risk = risks.get(cat, {})
        rows.append(
            {
                "category": cat,
                "forecast": round(float(f.get("predicted", 0.0)), 2),
                "lower": round(float(f.get("lower", 0.0)), 2),
                "upper": round(float(f.get("upper", 0.0)), 2),
                "usual": round(float(f.get("historical_average", 0.0)), 2),
                "at risk": bool(risk.get("at_risk", False)),
                "recommended budget": round(
                    float(budget.get(cat, {}).get("recommended_budget", 0.0)), 2
                ),
            }
        )
    return pd.DataFrame(rows).sort_values("forecast", ascending=False) if rows else pd.DataFrame()


def category_forecast_bars(table: pd.DataFrame) -> go.Figure:
    """Forecast per category with its range, beside the usual level."""
    fig = go.Figure()
    fig.add_bar(
        x=table["category"],
        y=table["forecast"],
        name="Forecast",
        error_y={
            "type": "data",
            "symmetric": False,
            "array": table["upper"] - table["forecast"],
            "arrayminus": table["forecast"] - table["lower"],
        },
        marker_color=["crimson" if r else "steelblue" for r in table["at risk"]],
    )
    fig.add_scatter(
        x=table["category"],
        y=table["usual"],
        name="Usual",
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 18},
    )
    fig.update_layout(
        title="Next month by category (red: heading for overspending)", legend_orientation="h"
    )
    return fig


def savings_trajectory(answer: Mapping[str, Any]) -> go.Figure:
    """Cumulative savings now and at each horizon with the interval band."""
    traj = answer.get("trajectory") or {}
    points = sorted(
        (
            (int(k.split("_")[0]), v)
            for k, v in traj.items()
            if k.endswith("_months") and isinstance(v, Mapping)
        ),
        key=lambda kv: kv[0],
    )
    months = [0] + [m for m, _ in points]
    current = float(traj.get("current_savings", 0.0))
    mid = [current] + [float(v["projected_savings"]) for _, v in points]
    lo = [current] + [float(v["lower"]) for _, v in points]
    hi = [current] + [float(v["upper"]) for _, v in points]
    fig = go.Figure()
    fig.add_scatter(
        x=months + months[::-1],
        y=hi + lo[::-1],
        fill="toself",
        name="range",
        line={"width": 0},
        opacity=0.3,
    )
    fig.add_scatter(x=months, y=mid, name="projected", mode="lines+markers")
    fig.update_layout(
        title="Cumulative savings ahead",
        xaxis_title="months from now",
        yaxis_title="savings",
        legend_orientation="h",
    )
    return fig
