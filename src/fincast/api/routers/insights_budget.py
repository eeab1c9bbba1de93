"""Overspending risks, the recommended budget and budget alerts of the current user.

``GET /api/insights/overspending``, ``POST /api/insights/budget`` and ``GET /api/alerts``;
each answer is the service's (:mod:`fincast.services.overspending`,
:mod:`fincast.services.budgeting`) on the user's own ledger and budgets only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from fincast.api.deps import CurrentUser, EngineDep, SessionDep, SettingsDep
from fincast.api.problems import responses
from fincast.api.schemas.common import CurrencyQuery, InCurrency
from fincast.insights.overspending import THRESHOLD
from fincast.services import budgeting, overspending

router = APIRouter(tags=["insights"], responses=responses(401, 422))


class CategoryRiskPublic(BaseModel):
    """One category: the rule's flag and the probabilities of going over."""

    category: str
    expected: float
    trailing_average: float
    limit: float
    limit_source: str = Field(description="`budget` (yours) or `rule` (threshold x average).")
    rule_flag: bool
    probability_over_limit: float
    probability_over_rule_line: float


class OverspendingPublic(InCurrency):
    """Next month's overspending risks, riskiest category first."""

    month: str
    threshold: float
    categories: list[CategoryRiskPublic]
    expected_expense: float
    expected_income: float
    total_budget: float | None
    probability_expense_over_income: float
    probability_over_total_budget: float | None
    notes: list[str]
    history_months: int


class BudgetRequest(BaseModel):
    """What to plan with; both optional."""

    model_config = ConfigDict(extra="forbid")

    total_budget: Decimal | None = Field(
        None,
        ge=0,
        le=Decimal("1000000000"),
        max_digits=14,
        decimal_places=2,
        description="Money to plan for the month (default: your total budget, else income).",
    )
    safety_margin: Decimal = Field(
        Decimal("0"),
        ge=0,
        le=Decimal("0.5"),
        max_digits=4,
        decimal_places=3,
        description="Share of the total kept unplanned, 0 to 0.5.",
    )


class BudgetLinePublic(BaseModel):
    """One line of the plan and why."""

    category: str
    amount: Decimal
    expected: Decimal
    floor: Decimal
    own_budget: Decimal | None
    essential: bool
    basis: str = Field(description="own_budget, forecast, fixed, cut or savings")
    reason: str


class ReferenceShare(BaseModel):
    """One part of the 50/30/20 reference beside the plan's."""

    reference: Decimal
    planned: Decimal
    planned_share: Decimal


class BudgetPlanPublic(InCurrency):
    """Next month's plan: lines (savings last), totals and the 50/30/20 reference."""

    month: str
    total_budget: Decimal
    total_budget_source: str
    safety_margin: Decimal
    available: Decimal
    lines: list[BudgetLinePublic]
    planned_spending: Decimal
    savings: Decimal
    expected_spending: Decimal
    expected_income: Decimal
    fixed_total: Decimal
    reference_50_30_20: dict[str, ReferenceShare]
    warnings: list[str]
    history_months: int


class BudgetAlertPublic(BaseModel):
    """Where one budget stands this month."""

    budget_id: int
    category: str = Field(description="A category slug, or `total` for all spending.")
    limit: Decimal
    spent: Decimal
    used_pct: float | None
    level: int | None = Field(description="80, 90 or 100: the highest level spent reached.")
    projected: Decimal
    projected_pct: float | None
    projected_level: int | None
    projection: str = Field(description="forecast, pace or month_complete")
    message: str


class AlertsPublic(InCurrency):
    """Every budget of the month, and those at a level."""

    month: str
    as_of: dt.date
    days_elapsed: int
    days_in_month: int
    budgets: list[BudgetAlertPublic]
    alerts: list[BudgetAlertPublic]
    notes: list[str]


@router.get("/api/insights/overspending", response_model=OverspendingPublic)
def get_overspending(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    threshold: Annotated[
        float,
        Query(gt=0, le=overspending.MAX_THRESHOLD, description="The rule's multiple of average."),
    ] = THRESHOLD,
    currency: CurrencyQuery = None,
) -> Any:
    """Next month per category: the rule's flag and P(spending > your budget or the line)."""
    return overspending.user_overspending(
        engine,
        session,
        user.id,
        models_dir=settings.resolved_models_dir,
        threshold=threshold,
        currency=currency,
    )


@router.post("/api/insights/budget", response_model=BudgetPlanPublic)
def post_budget(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    body: Annotated[BudgetRequest | None, Body()] = None,
    currency: CurrencyQuery = None,
) -> Any:
    """Next month's budget: fixed bills and minimum debt payments first, then essentials."""
    body = body or BudgetRequest()
    return budgeting.recommend_budget(
        engine,
        session,
        user.id,
        models_dir=settings.resolved_models_dir,
        total_budget=body.total_budget,
        safety_margin=body.safety_margin,
        currency=currency,
    )


@router.get("/api/alerts", response_model=AlertsPublic)
def get_alerts(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    currency: CurrencyQuery = None,
) -> Any:
    """Your budgets this month: spent so far, projected month end, 80/90/100 % reached."""
    return budgeting.budget_alerts(
        engine, session, user.id, models_dir=settings.resolved_models_dir, currency=currency
    )
