"""Answers of the wellbeing endpoints: goal forecasts, disposable income, health, readiness.

Amounts here are model outputs (floats, rounded to cents), like the forecast answers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from fincast.api.schemas.common import InCurrency

GoalStatus = Literal["reached", "date_passed", "on_track", "at_risk", "off_track"]
Tier = Literal["Healthy", "Coping", "Vulnerable", "not enough data"]
HealthStatus = Literal["excellent", "good", "needs_attention", "critical", "not_enough_data"]
ComponentStatus = Literal["good", "fair", "poor", "not enough data"]
Verdict = Literal["ready", "building", "not ready", "not enough data"]
CheckStatus = Literal["pass", "building", "fail", "unknown"]


class GoalForecastPublic(InCurrency):
    """A savings goal's forecast: probability by its date, amount needed, date at this pace."""

    goal_id: int
    name: str
    target_date: str
    forecast_from: str
    history_months: int
    target_amount: float
    saved: float
    remaining: float
    target_month: str
    months_left: int
    status: GoalStatus
    probability: float | None
    beyond_horizon: bool
    expected_monthly_savings: float
    monthly_savings_needed: dict[str, float] | None
    extra_per_month_needed: dict[str, float] | None
    expected_at_target: float | None
    pace_month: str | None
    message: str
    assumptions: list[str]


class DisposableIncomePublic(InCurrency):
    """Next month's income minus essential spending, with 80 % and 95 % ranges."""

    month: str
    expected_income: float
    essential_spending: float
    essential: dict[str, float]
    disposable: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float
    probability_negative: float
    method: str
    essential_categories: list[str]
    history_months: int


class HealthComponentPublic(BaseModel):
    """One indicator of the score."""

    key: str
    name: str
    value: float | None
    display: str
    points: float | None
    max_points: float
    status: ComponentStatus
    step: str


class HealthMonthPublic(BaseModel):
    """The score at the end of one month."""

    month: str
    score: int | None
    tier: Tier
    measured: int


class HealthPublic(InCurrency):
    """The financial health score, its components and history, and the source's check."""

    month: str | None
    score: int | None
    tier: Tier
    measured: int
    components: list[HealthComponentPublic]
    status: HealthStatus
    message: str
    savings_rate: float | None
    recommendations: list[str]
    history: list[HealthMonthPublic]
    basis: str


class ReadinessCheckPublic(BaseModel):
    """One investment-readiness check."""

    key: str
    status: CheckStatus
    value: float | None
    reason: str


class ReadinessPublic(InCurrency):
    """Not ready / building / ready to invest, with the checks and reasons."""

    month: str | None
    verdict: Verdict
    checks: list[ReadinessCheckPublic]
    reasons: list[str]
