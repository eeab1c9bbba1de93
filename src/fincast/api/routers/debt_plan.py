"""The debt plan: avalanche, snowball and the user's own order, and the surplus split.

Mounted before the plain debts router, so ``/api/debts/plan`` is never read as a debt id.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from fincast.api.deps import CurrentUser, EngineDep, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.common import CurrencyQuery, InCurrency
from fincast.errors import InputError
from fincast.services import debt_plan as service

router = APIRouter(prefix="/api/debts", tags=["debts"], responses=responses(401, 422))


class DebtLine(BaseModel):
    """One debt in one month of a schedule."""

    id: int
    interest: Decimal
    payment: Decimal
    balance: Decimal


class ScheduleMonth(BaseModel):
    """One month of a strategy: totals over the debts and each debt's line."""

    month: int
    interest: Decimal
    payment: Decimal
    balance: Decimal
    debts: list[DebtLine]


class StrategyPublic(BaseModel):
    """One strategy: months to debt-free (null when never or past the cap) and its schedule."""

    months: int | None
    total_interest: Decimal
    total_paid: Decimal
    order: list[int]
    payoff_month: dict[str, int | None]
    capped: bool
    never_paid_off: bool
    schedule: list[ScheduleMonth]


class PlanDebt(BaseModel):
    """A debt the plan covers."""

    id: int
    name: str
    balance: Decimal
    apr: Decimal
    minimum_payment: Decimal


class Shortfall(BaseModel):
    """A debt whose minimum payment does not cover its interest."""

    id: int
    name: str
    monthly_interest: Decimal
    minimum_payment: Decimal
    extra_needed: Decimal


class SurplusSplitPublic(BaseModel):
    """How the monthly surplus is split between extra debt payments and savings, and why."""

    monthly_surplus: Decimal
    to_debt: Decimal
    to_savings: Decimal
    stage: str
    reason: str
    emergency_fund: Decimal
    essential_monthly: Decimal
    starter_fund_target: Decimal
    full_fund_target: Decimal
    months_measured: int
    from_month: str | None
    to_month: str | None


class DebtPlanPublic(InCurrency):
    """Every strategy for the user's debts in one currency with the same monthly extra."""

    extra: Decimal
    extra_source: str
    monthly_budget: Decimal
    principal: Decimal
    first_month_interest: Decimal
    extra_needed: Decimal
    max_months: int
    debts: list[PlanDebt]
    strategies: dict[str, StrategyPublic]
    shortfalls: list[Shortfall]
    surplus: SurplusSplitPublic | None
    notes: list[str]


def _order(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise InputError("order: a comma-separated list of debt ids, e.g. 3,1,2") from exc


@router.get("/plan", response_model=DebtPlanPublic)
def debt_plan(
    engine: EngineDep,
    session: SessionDep,
    user: CurrentUser,
    extra: Annotated[
        Decimal | None,
        Query(
            ge=0,
            le=Decimal("1000000000"),
            max_digits=14,
            decimal_places=2,
            description="Money a month on top of the minimums (default: the surplus split's).",
        ),
    ] = None,
    order: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="Your own order as comma-separated debt ids (default: creation order).",
        ),
    ] = None,
    currency: CurrencyQuery = None,
) -> Any:
    """Months to debt-free, total interest and the month-by-month schedule per strategy.

    Of your debts in ``currency`` (default: your primary one), with the surplus and the
    emergency fund of your accounts in it.
    """
    return service.debt_plan(
        engine, session, user.id, extra=extra, order=_order(order), currency=currency
    )
