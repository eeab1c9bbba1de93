"""Schemas of budgets, savings goals and debts.

Each is in one currency: the one sent, which must be that of one of your accounts (else
422 naming it), or your primary currency; a debt tied to an account is in that account's
currency. Answers in a currency count only the budgets, goals and debts in it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field, model_validator

from fincast.api.schemas.common import (
    Currency,
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

_CURRENCY_DOC = (
    "ISO 4217 code of one of your accounts' currencies (default: your primary currency; "
    "a debt with an account: the account's)."
)
_CURRENCY_PUBLIC = "The currency of the amounts; answers in this currency count it."


def _month_order(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValueError("start_month must not be after end_month")


# -- budgets -----------------------------------------------------------------------------


class BudgetCreate(Schema):
    """A monthly limit for a category (or for total spending when ``category_id`` is empty)."""

    category_id: Id | None = None
    amount: PositiveMoney
    currency: Currency | None = Field(None, description=_CURRENCY_DOC)
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
    currency: Currency | None = Field(None, description=_CURRENCY_DOC)
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
    currency: str = Field(description=_CURRENCY_PUBLIC)
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
    currency: Currency | None = Field(None, description=_CURRENCY_DOC)


class GoalUpdate(Schema):
    """Fields of a goal to change."""

    name: Name | None = None
    target_amount: PositiveMoney | None = None
    target_date: Day | None = None
    start_amount: PositiveMoney | None = None
    currency: Currency | None = Field(None, description=_CURRENCY_DOC)


class GoalPublic(PublicSchema):
    """A savings goal as the API shows it."""

    id: int
    name: str
    target_amount: Decimal
    target_date: dt.date
    start_amount: Decimal
    currency: str = Field(description=_CURRENCY_PUBLIC)
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
    currency: Currency | None = Field(None, description=_CURRENCY_DOC)


class DebtUpdate(Schema):
    """Fields of a debt to change."""

    NULLABLE = frozenset({"account_id"})

    name: Name | None = None
    balance: PositiveMoney | None = None
    apr: Rate | None = None
    minimum_payment: PositiveMoney | None = None
    account_id: Id | None = None
    currency: Currency | None = Field(None, description=_CURRENCY_DOC)


class DebtPublic(PublicSchema):
    """A debt as the API shows it."""

    id: int
    name: str
    balance: Decimal
    apr: Decimal
    minimum_payment: Decimal
    account_id: int | None
    currency: str = Field(description=_CURRENCY_PUBLIC)
    created_at: Timestamp


class DebtsPublic(PublicSchema):
    """A page of debts."""

    data: list[DebtPublic]
    count: int
