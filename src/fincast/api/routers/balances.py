"""Account balances now and month by month: what the dashboard's accounts page draws."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from fincast.api.deps import CurrentUser, SessionDep
from fincast.api.problems import responses
from fincast.services.balances import account_balances

router = APIRouter(prefix="/api/balances", tags=["accounts"], responses=responses(401))


class AccountBalance(BaseModel):
    """One account's balance at the end of each month with transactions, and now."""

    account_id: int
    name: str
    currency: str
    archived: bool
    balance: Decimal
    months: dict[str, Decimal]


class BalancesPublic(BaseModel):
    """Every account's balance (opening balance plus its transactions)."""

    data: list[AccountBalance]
    count: int


@router.get("", response_model=BalancesPublic)
def balances(session: SessionDep, user: CurrentUser) -> Any:
    """Each account's balance now and at the end of every month it has transactions in."""
    data = [asdict(b) for b in account_balances(session, user.id)]
    return {"data": data, "count": len(data)}
