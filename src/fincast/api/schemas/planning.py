"""Schemas of budgets, savings goals and debts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import model_validator

from fincast.api.schemas.common import (
    Day,
    Id,
    Month,
    Name,
    PositiveMoney,
    PublicSchema,
    Rate,
    Schema,
    Timestamp,
)


def _month_order(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValueError("start_month must not be after end_month")


# -- budgets -----------------------------------------------------------------------------


class BudgetCreate(Schema):
    """A monthly limit for a category (or for total spending when ``category_id`` is empty)."""

    category_id: Id | None = None
    amount: PositiveMoney
    start_month: Month | None = None
    end_month: Month | None = None

    @model_validator(mode="after")
    def _check_months(self) -> BudgetCreate:
        _month_order(self.start_month, self.end_month)
        return self


class BudgetUpdate(Schema):
    """Fields of a budget to change."""

    NULLABLE = frozenset({"category_id", "start_month", "end_month"})

    category_id: Id | None = None
    amount: PositiveMoney | None = None
    start_month: Month | None = None
    end_month: Month | None = None

    @model_validator(mode="after")
    def _check_months(self) -> BudgetUpdate:
        _month_order(self.start_month, self.end_month)
        return self


class BudgetPublic(PublicSchema):
    """A budget as the API shows it."""

    id: int
    category_id: int | None
    amount: Decimal
    start_month: dt.date | None
    end_month: dt.date | None
    created_at: Timestamp


class BudgetsPublic(PublicSchema):
    """A page of budgets."""

    data: list[BudgetPublic]
    count: int


# -- goals -------------------------------------------------------------------------------


class GoalCreate(Schema):
    """An amount to have saved by a date."""

    name: Name
    target_amount: PositiveMoney
    target_date: Day
    start_amount: PositiveMoney = Decimal("0.00")


class GoalUpdate(Schema):
    """Fields of a goal to change."""

    name: Name | None = None
    target_amount: PositiveMoney | None = None
    target_date: Day | None = None
    start_amount: PositiveMoney | None = None


class GoalPublic(PublicSchema):
    """A savings goal as the API shows it."""

    id: int
    name: str
    target_amount: Decimal
    target_date: dt.date
    start_amount: Decimal
    created_at: Timestamp


class GoalsPublic(PublicSchema):
    """A page of goals."""

    data: list[GoalPublic]
    count: int


# -- debts -------------------------------------------------------------------------------


class DebtCreate(Schema):
    """A debt: balance, APR in percent, minimum monthly payment."""

    name: Name
    balance: PositiveMoney
    apr: Rate
    minimum_payment: PositiveMoney
    account_id: Id | None = None


class DebtUpdate(Schema):
    """Fields of a debt to change."""

    NULLABLE = frozenset({"account_id"})

    name: Name | None = None
    balance: PositiveMoney | None = None
    apr: Rate | None = None
    minimum_payment: PositiveMoney | None = None
    account_id: Id | None = None


class DebtPublic(PublicSchema):
    """A debt as the API shows it."""

    id: int
    name: str
    balance: Decimal
    apr: Decimal
    minimum_payment: Decimal
    account_id: int | None
    created_at: Timestamp


class DebtsPublic(PublicSchema):
    """A page of debts."""

    data: list[DebtPublic]
    count: int
