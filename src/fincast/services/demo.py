"""Demo data for the Quick start: synthetic households and a demo login, created once."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from fincast.config import Settings, private_dir, write_private_file
from fincast.db.engine import session_scope
from fincast.ledger.models import Budget, Category, Debt, SavingsGoal, User
from fincast.panel import build_panel, panel_to_monthly_wide
from fincast.services.auth import HASHER
from fincast.services.households import load_transactions
from fincast.services.resources import NO_ACCOUNT_CURRENCY
from fincast.synth import generate_households

DEMO_EMAIL = "demo@fincast.local"
DEMO_HOUSEHOLDS = 24
DEMO_MONTHS = 36
DEMO_SEED = 20240101
#: The demo's loan, for the debt plan and the readiness check: the synthetic ledger has the
#: payments but no balance or rate, so the demo states them (a student loan at the US federal
#: undergraduate rate, four years of payments left).
DEMO_LOAN_APR = Decimal("6.53")
DEMO_LOAN_MONTHS_LEFT = 48


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """The demo user's credentials and whether they were created just now."""

    email: str
    password: str
    created: bool


def demo_credentials_file(settings: Settings) -> Path:
    """Where the demo login is kept (mode 0600): ``<data_dir>/demo-credentials.json``."""
    return settings.data_dir / "demo-credentials.json"


def demo_start_month(today: dt.date, months: int = DEMO_MONTHS) -> str:
    """The first month of a demo history that ends with the last complete month."""
    first = (today.year * 12 + today.month - 1) - months
    return f"{first // 12:04d}-{first % 12 + 1:02d}"


def ensure_demo_data(engine: Engine, settings: Settings, today: dt.date | None = None) -> DemoLogin:
    """Load demo households and create the demo login unless they exist already.

    The first synthetic household belongs to the demo user; the others give the global
    forecasting model other households to learn from. The random password is kept in
    ``<data_dir>/demo-credentials.json`` (mode 600) so later runs can print it again.
    """
    cred_file = demo_credentials_file(settings)
    with session_scope(engine) as s:
        existing = s.scalar(select(User).where(User.email == DEMO_EMAIL))
        if existing is not None and existing.password_hash and cred_file.is_file():
            saved = json.loads(cred_file.read_text())
            return DemoLogin(DEMO_EMAIL, saved["password"], created=False)

    households = generate_households(
        n_users=DEMO_HOUSEHOLDS,
        n_months=DEMO_MONTHS,
        seed=DEMO_SEED,
        start=demo_start_month(today or dt.date.today()),
    )
    tx = households.transactions
    first = str(tx["user_id"].iloc[0])
    load_transactions(engine, tx, emails={first: DEMO_EMAIL})
    password = secrets.token_urlsafe(12)
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.email == DEMO_EMAIL))
        assert user is not None
        user.password_hash = HASHER.hash(password)
        user.display_name = "Demo household"
    add_demo_plans(engine, user.id, today or dt.date.today())
    private_dir(cred_file.parent)
    write_private_file(
        cred_file, json.dumps({"email": DEMO_EMAIL, "password": password}).encode("utf-8")
    )
    return DemoLogin(DEMO_EMAIL, password, created=True)


def add_demo_plans(engine: Engine, user_id: int, today: dt.date) -> None:
    """A budget, a savings goal and the loan behind the demo's debt payments.

    So that every page of the dashboard (budget progress and alerts, goal forecast, debt
    plan, health, investment readiness) has something of the demo user's own to show. The
    amounts come from the demo ledger's last six complete months, in its primary currency,
    which the plans are in.
    """
    panel = build_panel(engine, [user_id], as_of=today)
    monthly = panel_to_monthly_wide(panel, user_id)
    currency = panel.attrs.get("currency", {}).get(str(user_id)) or NO_ACCOUNT_CURRENCY
    recent = monthly.tail(6)
    if recent.empty:
        return

    def average(column: str) -> Decimal:
        if column not in recent:
            return Decimal("0.00")
        return Decimal(str(round(float(recent[column].mean()), 2)))

    with session_scope(engine) as s:
        slugs = {
            c.slug: c.id for c in s.scalars(select(Category).where(Category.user_id == user_id))
        }
        groceries, dining = average("groceries"), average("dining")
        if groceries > 0 and "groceries" in slugs:
            s.add(
                Budget(
                    user_id=user_id,
                    category_id=slugs["groceries"],
                    amount=groceries,
                    currency=currency,
                )
            )
        if dining > 0 and "dining" in slugs:
            # a tighter line than usual: the alerts have something to say
            s.add(
                Budget(
                    user_id=user_id,
                    category_id=slugs["dining"],
                    amount=dining * Decimal("0.8"),
                    currency=currency,
                )
            )
        spending = average("total_expense")
        if spending > 0:
            s.add(
                SavingsGoal(
                    user_id=user_id,
                    name="Emergency fund",
                    target_amount=(spending * 6 / 100).quantize(Decimal("1")) * 100,
                    target_date=today.replace(year=today.year + 1, day=1),
                    currency=currency,
                )
            )
        payment = average("debt_payments")
        if payment > 0:
            s.add(
                Debt(
                    user_id=user_id,
                    name="Student loan",
                    balance=_loan_balance(payment, DEMO_LOAN_APR, DEMO_LOAN_MONTHS_LEFT),
                    apr=DEMO_LOAN_APR,
                    minimum_payment=payment,
                    currency=currency,
                )
            )


def _loan_balance(payment: Decimal, apr: Decimal, months: int) -> Decimal:
    """What ``months`` more payments of ``payment`` repay at ``apr`` % (an annuity's value)."""
    rate = float(apr) / 1200
    value = float(payment) * (1 - (1 + rate) ** -months) / rate
    return Decimal(str(round(value, 2)))
