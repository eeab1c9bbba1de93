"""The Quick start's demo data: a login, its households, and plans every page can show."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from fincast.db.engine import session_scope
from fincast.insights.debts import DebtInput, simulate
from fincast.ledger.models import Account, Budget, Category, Debt, SavingsGoal, User
from fincast.services.demo import DEMO_EMAIL, DEMO_LOAN_APR, ensure_demo_data
from tests.api.conftest import make_settings

TODAY = dt.date(2026, 12, 2)


def test_the_demo_user_gets_budgets_a_goal_and_the_loan_behind_its_payments(
    engine: Engine, tmp_path: Path
) -> None:
    settings = make_settings(data_dir=tmp_path)
    login = ensure_demo_data(engine, settings, today=TODAY)
    assert login.created and login.email == DEMO_EMAIL
    saved = json.loads((tmp_path / "demo-credentials.json").read_text())
    assert saved["password"] == login.password
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.email == DEMO_EMAIL))
        assert user is not None
        slugs = {
            c.id: c.slug for c in s.scalars(select(Category).where(Category.user_id == user.id))
        }
        budgets = {slugs[b.category_id]: b.amount for b in s.scalars(select(Budget))}
        goals = list(s.scalars(select(SavingsGoal).where(SavingsGoal.user_id == user.id)))
        debts = list(s.scalars(select(Debt).where(Debt.user_id == user.id)))
        held = set(s.scalars(select(Account.currency).where(Account.user_id == user.id)))
        plan_currencies = {b.currency for b in s.scalars(select(Budget))}
    # the plans are in the demo ledger's (only) currency
    assert len(held) == 1 and plan_currencies == held
    assert {g.currency for g in goals} | {d.currency for d in debts} == held
    assert set(budgets) == {"groceries", "dining"}
    assert all(amount > 0 for amount in budgets.values())
    assert len(goals) == 1 and goals[0].target_date == dt.date(2027, 12, 1)
    assert goals[0].target_amount > 0 and goals[0].target_amount % 100 == 0
    if debts:  # the demo household pays a loan: the loan is recorded with its payment
        (loan,) = debts
        assert loan.apr == DEMO_LOAN_APR
        # the balance is what 48 more minimum payments repay at that rate
        debt = DebtInput(
            id=1,
            name="loan",
            balance=loan.balance,
            apr=loan.apr,
            minimum_payment=loan.minimum_payment,
        )
        plan = simulate([debt], Decimal("0"), "avalanche")
        assert plan.months == 48
    # a second start finds them and adds nothing
    again = ensure_demo_data(engine, settings, today=TODAY)
    assert not again.created and again.password == login.password
    with session_scope(engine) as s:
        assert len(list(s.scalars(select(Budget)))) == 2
