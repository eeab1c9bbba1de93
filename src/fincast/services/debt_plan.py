"""The debt plan of a user: avalanche, snowball and their own order, and the surplus split.

The API (``GET /api/debts/plan``) and the CLI (``fincast debts plan``) call :func:`debt_plan`.
The debts table has no order column, so the user's own order is the order the debts were
created in (their ids), unless the caller passes one. The monthly surplus is the mean savings
(income minus spending) of the user's last :data:`RECENT_MONTHS` complete months; the
emergency fund is the balance of their checking, savings and cash accounts. The plan is in
one currency (default: the user's primary one): the debts, months and accounts in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.insights import debts as rules
from fincast.ledger.models import Account, AccountType, Debt, Transaction
from fincast.services.forecasting.served import user_history_in
from fincast.services.resources import answer_currency
from fincast.services.users import find_user
from fincast.taxonomy import CATEGORY_BY_SLUG

#: Complete months the surplus and essential spending are averaged over (fewer if fewer).
RECENT_MONTHS = 6
LIQUID_TYPES = (AccountType.CHECKING, AccountType.SAVINGS, AccountType.CASH)


def user_debts(session: Session, user_id: int, currency: str) -> list[rules.DebtInput]:
    """The user's debts in ``currency`` in creation order."""
    rows = session.scalars(
        select(Debt).where(Debt.user_id == user_id, Debt.currency == currency).order_by(Debt.id)
    ).all()
    return [rules.DebtInput(d.id, d.name, d.balance, d.apr, d.minimum_payment) for d in rows]


def liquid_balance(session: Session, user_id: int, currency: str | None) -> Decimal:
    """Opening balances plus transactions of the user's checking, savings and cash accounts.

    Of the accounts in ``currency`` (None: no account, nothing).
    """
    accounts = session.execute(
        select(Account.id, Account.opening_balance).where(
            Account.user_id == user_id,
            Account.type.in_(LIQUID_TYPES),
            Account.currency == currency,
        )
    ).all()
    if not accounts:
        return Decimal("0")
    ids = [a.id for a in accounts]
    moved = session.scalar(
        select(func.coalesce(func.sum(Transaction.amount), 0)).where(
            Transaction.user_id == user_id, Transaction.account_id.in_(ids)
        )
    )
    opening = sum((Decimal(a.opening_balance or 0) for a in accounts), Decimal("0"))
    return rules.cents(opening + Decimal(moved or 0))


def recent_months(table: pd.DataFrame) -> dict[str, Any]:
    """Mean surplus and essential spending over the last complete months of ``table``."""
    if table.empty:
        return {"months": 0, "surplus": None, "essential": None, "first": None, "last": None}
    recent = table.tail(RECENT_MONTHS)
    essential_cols = [
        c
        for c in recent.columns
        if c in CATEGORY_BY_SLUG and CATEGORY_BY_SLUG[c].essential and c != "income"
    ]
    essential = recent[essential_cols].sum(axis=1).mean() if essential_cols else 0.0
    surplus = (recent["total_income"] - recent["total_expense"]).mean()
    return {
        "months": len(recent),
        "surplus": _money(float(surplus)),
        "essential": _money(float(essential)),
        "first": str(recent["year_month"].iloc[0]),
        "last": str(recent["year_month"].iloc[-1]),
    }


def _money(value: float) -> Decimal:
    return rules.cents(Decimal(str(round(value, 2))))


def debt_plan(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    extra: Decimal | None = None,
    order: Sequence[int] | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """The user's debt plan in ``currency`` (default: primary) as the API answers it.

    Args:
        engine: The database.
        session: The request's session.
        user_id: Whose debts and ledger.
        extra: Money a month on top of the minimums; default the debt share of the surplus
            split (0 without a surplus).
        order: The user's own order as debt ids (default: creation order); debts left out
            follow in creation order.
        currency: The plan's currency: its debts and the surplus and emergency fund of the
            accounts in it.

    Raises:
        InputError: ``extra`` is negative, ``order`` names a debt the user does not have
            (in this currency), or a currency the user has no account in.
    """
    if extra is not None and extra < 0:
        raise InputError("extra must not be negative")
    _, table, pc = user_history_in(engine, session, user_id, currency=currency)
    debts = user_debts(session, user_id, answer_currency(pc))
    recent = recent_months(table)
    split = None
    if recent["surplus"] is not None:
        split = rules.split_surplus(
            recent["surplus"],
            emergency_fund=liquid_balance(session, user_id, pc.currency),
            essential_monthly=recent["essential"],
            debts=debts,
        )
    used_extra = extra if extra is not None else (split.to_debt if split else Decimal("0"))
    result = rules.plan(debts, rules.cents(used_extra), own_order=order)
    notes = list(result.notes)
    if order is None:
        notes.append("own order: the order the debts were created in (no order stored)")
    if not debts:
        notes.append("no debts: nothing to plan")
    return {
        "extra": result.extra,
        "extra_source": "query" if extra is not None else "surplus_split",
        "monthly_budget": result.monthly_budget,
        "principal": result.principal,
        "first_month_interest": result.first_month_interest,
        "extra_needed": result.extra_needed,
        "max_months": rules.MAX_MONTHS,
        "debts": [
            {
                "id": d.id,
                "name": d.name,
                "balance": d.balance,
                "apr": d.apr,
                "minimum_payment": d.minimum_payment,
            }
            for d in debts
        ],
        "strategies": {k: strategy_dict(v) for k, v in result.strategies.items()},
        "shortfalls": [
            {
                "id": s.id,
                "name": s.name,
                "monthly_interest": s.monthly_interest,
                "minimum_payment": s.minimum_payment,
                "extra_needed": s.extra_needed,
            }
            for s in result.shortfalls
        ],
        "surplus": None if split is None else split_dict(split, recent),
        "notes": notes,
        **pc.labels(),
    }


def strategy_dict(p: rules.StrategyPlan) -> dict[str, Any]:
    """One strategy as plain values."""
    return {
        "months": p.months,
        "total_interest": p.total_interest,
        "total_paid": p.total_paid,
        "order": list(p.order),
        "payoff_month": {str(k): v for k, v in p.payoff_month.items()},
        "capped": p.capped,
        "never_paid_off": p.never_paid_off,
        "schedule": [
            {
                "month": m.month,
                "interest": m.interest,
                "payment": m.payment,
                "balance": m.balance,
                "debts": [
                    {"id": d.id, "interest": d.interest, "payment": d.payment, "balance": d.balance}
                    for d in m.debts
                ],
            }
            for m in p.schedule
        ],
    }


def split_dict(s: rules.SurplusSplit, recent: dict[str, Any]) -> dict[str, Any]:
    """The surplus split with the months it was measured over."""
    return {
        "monthly_surplus": s.surplus,
        "to_debt": s.to_debt,
        "to_savings": s.to_savings,
        "stage": s.stage,
        "reason": s.reason,
        "emergency_fund": s.emergency_fund,
        "essential_monthly": s.essential_monthly,
        "starter_fund_target": s.starter_target,
        "full_fund_target": s.full_target,
        "months_measured": recent["months"],
        "from_month": recent["first"],
        "to_month": recent["last"],
    }


def plan_for_cli(
    engine: Engine,
    email: str,
    *,
    extra: Decimal | None = None,
    order: Sequence[int] | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """The debt plan of the user with ``email``, for ``fincast debts plan``."""
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        return debt_plan(engine, session, user_id, extra=extra, order=order, currency=currency)
