"""Account balances now and month by month: what the dashboard's accounts page draws.

One GROUP BY over the user's transactions (account, year, month); the running sums are
added up here. A read with no use case of its own beyond showing it, so it has no service.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import func, select

from fincast.api.deps import CurrentUser, SessionDep
from fincast.api.problems import responses
from fincast.ledger.models import Account, Transaction

router = APIRouter(prefix="/api/balances", tags=["accounts"], responses=responses(401))


class AccountBalance(BaseModel):
    """One account's balance at the end of each month with transactions, and now."""

    account_id: int
    name: str
    currency: str
    balance: Decimal
    months: dict[str, Decimal]


class BalancesPublic(BaseModel):
    """Every account's balance (opening balance plus its transactions)."""

    data: list[AccountBalance]
    count: int


@router.get("", response_model=BalancesPublic)
def balances(session: SessionDep, user: CurrentUser) -> Any:
    """Each account's balance now and at the end of every month it has transactions in."""
    t = Transaction
    year, month = func.extract("year", t.posted_date), func.extract("month", t.posted_date)
    rows = session.execute(
        select(t.account_id, year, month, func.sum(t.amount))
        .where(t.user_id == user.id)
        .group_by(t.account_id, year, month)
        .order_by(t.account_id, year, month)
    ).all()
    accounts = session.scalars(
        select(Account).where(Account.user_id == user.id).order_by(Account.id)
    ).all()
    by_account: dict[int, list[tuple[str, Decimal]]] = {}
    for account_id, y, m, total in rows:
        by_account.setdefault(account_id, []).append((f"{int(y):04d}-{int(m):02d}", total))
    data = []
    for account in accounts:
        running = Decimal(account.opening_balance or 0)
        months: dict[str, Decimal] = {}
        for key, total in by_account.get(account.id, []):
            running += Decimal(total or 0)
            months[key] = running
        data.append(
            AccountBalance(
                account_id=account.id,
                name=account.name,
                currency=account.currency,
                balance=running,
                months=months,
            )
        )
    return BalancesPublic(data=data, count=len(data))
