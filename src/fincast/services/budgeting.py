"""A user's recommended budget and their budget alerts (the API and CLI call these).

The plan (:func:`recommend_budget`, rules in :mod:`fincast.insights.budget`) reads:

- next month's expected spending per category from the served household forecast
  (:func:`fincast.services.forecasting.served.user_forecast`);
- the essential flag of the user's categories (the ``categories`` table);
- fixed bills: the user's recurring series (:mod:`fincast.services.recurring`) that are not
  dismissed, not ended, paid out at a steady amount and come at least monthly (weekly,
  biweekly or monthly), as a monthly amount per category; quarterly and annual ones are not
  due every month and series whose amount varies (a monthly grocery run) are no fixed
  bill, so they raise no floor (essential categories are still served first);
- minimum debt payments: the sum over the ``debts`` table, the floor of ``debt_payments``
  (the larger of it and the recurring debt payments found, never both);
- the user's own budgets (``budgets`` table) active next month; one without a category is
  the total budget when the request names none.

The total budget is, first found: the request's, the user's own total budget, next month's
expected income. The alerts (:func:`budget_alerts`, rules in :mod:`fincast.insights.alerts`)
cover the month of the latest transaction (today's month when the ledger has this month's
transactions).

Both are in one currency (default: the user's primary one) and count the budgets and debts
in that currency only (each has its own: :mod:`fincast.services.resources`), and so the
recurring bills: a series is in the currency of its accounts (:mod:`fincast.services.recurring`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.insights import alerts as alert_rules
from fincast.insights.budget import CategoryNeed, cents, money, plan_budget
from fincast.ledger.models import (
    Account,
    Budget,
    Category,
    Debt,
    RecurringSeriesRecord,
    ReviewStatus,
    Transaction,
)
from fincast.ml.household_table import EXPENSE, INCOME
from fincast.panel import build_panel, panel_to_monthly_wide
from fincast.services import recurring
from fincast.services.forecasting.served import user_forecast
from fincast.services.panels import PanelCurrency, panel_currency
from fincast.services.resources import answer_currency
from fincast.services.users import find_user
from fincast.taxonomy import CATEGORY_BY_SLUG, CategoryKind

DEBT_CATEGORY = "debt_payments"
#: Cadences that bring a bill every month (their monthly cost is a floor).
MONTHLY_CADENCES = {"weekly": 7.0, "biweekly": 14.0, "monthly": 365.25 / 12}
_DAYS_PER_MONTH = 365.25 / 12


def month_start(month: pd.Period | dt.date) -> dt.date:
    """The first day of ``month``."""
    if isinstance(month, pd.Period):
        return month.start_time.date()
    return month.replace(day=1)


def active_budgets(
    session: Session, user_id: int, month: dt.date, currency: str
) -> list[tuple[int, str, Decimal]]:
    """The user's budgets in ``currency`` in force in ``month``: ``(id, slug or "total", amount)``.

    Where several cover the same category, the newest one counts.
    """
    rows = session.execute(
        select(Budget.id, Category.slug, Budget.amount)
        .outerjoin(Category, Category.id == Budget.category_id)
        .where(
            Budget.user_id == user_id,
            Budget.currency == currency,
            (Budget.start_month.is_(None)) | (Budget.start_month <= month),
            (Budget.end_month.is_(None)) | (Budget.end_month >= month),
        )
        .order_by(Budget.id)
    ).all()
    newest: dict[str, tuple[int, str, Decimal]] = {}
    for budget_id, slug, amount in rows:
        key = slug or alert_rules.TOTAL
        newest[key] = (budget_id, key, Decimal(amount))
    return sorted(newest.values(), key=lambda b: b[0])


def essential_flags(session: Session, user_id: int) -> dict[str, bool]:
    """Slug -> essential of the user's expense categories."""
    rows = session.execute(
        select(Category.slug, Category.essential).where(
            Category.user_id == user_id, Category.kind == CategoryKind.EXPENSE
        )
    ).all()
    return {slug: bool(essential) for slug, essential in rows}


def fixed_bills(
    session: Session, user_id: int, currency: str
) -> dict[str, tuple[Decimal, list[str]]]:
    """Known monthly fixed bills in ``currency`` per expense category: ``(amount, [...])``.

    The list names each bill: ``["payee 12.00", ...]``.
    """
    recurring.refresh(session, user_id)
    rows = session.execute(
        select(RecurringSeriesRecord, Category.slug)
        .join(Category, Category.id == RecurringSeriesRecord.category_id)
        .where(
            RecurringSeriesRecord.user_id == user_id,
            RecurringSeriesRecord.status != ReviewStatus.DISMISSED,
            RecurringSeriesRecord.state != "ended",
            RecurringSeriesRecord.amount_varies.is_(False),
            RecurringSeriesRecord.cadence.in_(tuple(MONTHLY_CADENCES)),
            RecurringSeriesRecord.currency == currency,
            Category.kind == CategoryKind.EXPENSE,
        )
    ).all()
    out: dict[str, tuple[Decimal, list[str]]] = {}
    parts: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    for record, slug in rows:
        if record.expected_amount >= 0:
            continue
        per_month = cents(
            -float(record.expected_amount) * _DAYS_PER_MONTH / MONTHLY_CADENCES[record.cadence]
        )
        parts[slug].append((per_month, f"{record.payee} {money(per_month)}"))
    for slug, items in parts.items():
        items.sort(key=lambda p: -p[0])
        out[slug] = (sum((p[0] for p in items), Decimal("0")), [p[1] for p in items])
    return out


def minimum_debt_payments(session: Session, user_id: int, currency: str) -> Decimal:
    """The sum of the minimum payments on the user's debts in ``currency``."""
    total = session.scalar(
        select(func.coalesce(func.sum(Debt.minimum_payment), 0)).where(
            Debt.user_id == user_id, Debt.balance > 0, Debt.currency == currency
        )
    )
    return cents(Decimal(total or 0))


def _floors(session: Session, user_id: int, pc: PanelCurrency) -> dict[str, tuple[Decimal, str]]:
    # the recurring bills in the answer's currency
    bills = fixed_bills(session, user_id, answer_currency(pc))
    floors = {slug: (amount, ", ".join(detail)) for slug, (amount, detail) in bills.items()}
    minimums = minimum_debt_payments(session, user_id, answer_currency(pc))
    found = floors.get(DEBT_CATEGORY, (Decimal("0"), ""))[0]
    if minimums > 0 and minimums >= found:
        floors[DEBT_CATEGORY] = (minimums, f"minimum payments on your debts {money(minimums)}")
    return floors


def recommend_budget(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    models_dir: Path,
    total_budget: Decimal | None = None,
    safety_margin: Decimal = Decimal("0"),
    currency: str | None = None,
) -> dict[str, Any]:
    """Next month's budget plan of the user (``POST /api/insights/budget``) in ``currency``.

    Raises:
        InputError: too little history to forecast, no total budget and no income
            expected, a total budget below the fixed bills and minimum debt payments, or a
            currency the user has no account in.
    """
    uf = user_forecast(engine, session, user_id, models_dir=models_dir, currency=currency)
    fc = uf.forecast
    month = month_start(fc.months[0])
    flags = essential_flags(session, user_id)
    currency_of = answer_currency(uf.currency)
    own = {slug: amount for _, slug, amount in active_budgets(session, user_id, month, currency_of)}
    floors = _floors(session, user_id, uf.currency)
    expected: dict[str, Decimal] = {}
    for i, (name, kind) in enumerate(zip(fc.series, fc.classes, strict=True)):
        if kind.startswith("category/"):
            expected[name] = cents(max(float(fc.point[i, 0]), 0.0))
    names = list(expected)
    names += [s for s in (*own, *floors) if s not in expected and s != alert_rules.TOTAL]
    needs = []
    for name in dict.fromkeys(names):
        floor, detail = floors.get(name, (Decimal("0"), ""))
        default = CATEGORY_BY_SLUG[name].essential if name in CATEGORY_BY_SLUG else False
        needs.append(
            CategoryNeed(
                category=name,
                expected=expected.get(name, Decimal("0")),
                essential=flags.get(name, default),
                fixed=floor,
                fixed_detail=detail,
                own_budget=own.get(name),
            )
        )
    income = cents(float(fc.point[fc.series.index(INCOME), 0]))
    if total_budget is not None:
        total, source = total_budget, "request"
    elif alert_rules.TOTAL in own:
        total, source = own[alert_rules.TOTAL], "your total budget"
    elif income > 0:
        total, source = income, "expected income"
    else:
        raise InputError(
            f"total_budget: no income is expected in {fc.months[0]} (forecast {money(income)}); "
            "send a total_budget to plan with"
        )
    plan = plan_budget(needs, total, safety_margin=safety_margin, total_budget_source=source)
    out = plan.to_dict()
    out.update(
        month=str(fc.months[0]),
        expected_income=income,
        history_months=len(uf.table),
        **uf.currency.labels(),
    )
    return out


def budget_alerts(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    models_dir: Path,
    today: dt.date | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """Each of the user's budgets in the current month: spent, projected, level reached.

    The month is today's when the ledger has transactions in it (in ``currency``, default
    the primary one), else the month of the latest transaction (then complete). The
    projection adds the forecast's rest of the month when the served forecast covers that
    month, else it extrapolates the pace.

    Raises:
        InputError: a currency the user has no account in.
    """
    today = today or dt.date.today()
    pc = panel_currency(engine, session, user_id, currency)
    in_currency = select(Account.id).where(
        Account.user_id == user_id, Account.currency == pc.currency
    )
    last = session.scalar(
        select(func.max(Transaction.posted_date)).where(
            Transaction.user_id == user_id, Transaction.account_id.in_(in_currency)
        )
    )
    if last is None:
        empty = _empty_alerts(today, "no transactions yet: nothing to measure a budget against")
        return {**empty, **pc.labels()}
    this_month = today.replace(day=1)
    as_of = today if last >= this_month else pd.Period(last, freq="M").end_time.date()
    month = pd.Period(as_of, freq="M")
    budgets = [
        alert_rules.BudgetInput(budget_id, slug, cents(amount))
        for budget_id, slug, amount in active_budgets(
            session, user_id, month_start(month), answer_currency(pc)
        )
    ]
    notes: list[str] = []
    if not budgets:
        notes.append(f"no {pc.currency} budgets set for this month: add one to get alerts")
    panel = build_panel(engine, [user_id], currency=pc.currency, as_of=as_of, include_partial=True)
    spent: dict[str, Decimal] = {}
    if not panel.empty:
        wide = panel_to_monthly_wide(panel, user_id)
        row = wide[wide["year_month"].astype(str) == str(month)]
        if not row.empty:
            values = row.iloc[0]
            for col in wide.columns:
                if col in ("year_month", INCOME, "savings"):
                    continue
                key = alert_rules.TOTAL if col == EXPENSE else str(col)
                spent[key] = cents(max(float(values[col]), 0.0))
    complete = as_of >= month.end_time.date()
    expected = (
        None
        if complete
        else _month_expected(engine, session, user_id, models_dir, month, notes, pc.currency)
    )
    result = alert_rules.month_alerts(budgets, spent, as_of=as_of, expected=expected)
    out = result.to_dict()
    out["notes"] = notes
    return {**out, **pc.labels()}


def _month_expected(
    engine: Engine,
    session: Session,
    user_id: int,
    models_dir: Path,
    month: pd.Period,
    notes: list[str],
    currency: str | None,
) -> dict[str, Decimal] | None:
    try:
        fc = user_forecast(
            engine, session, user_id, models_dir=models_dir, currency=currency
        ).forecast
    except InputError as exc:
        notes.append(f"projection by pace: no forecast ({exc})")
        return None
    if fc.months[0] != month:
        return None
    out = {}
    for i, (name, kind) in enumerate(zip(fc.series, fc.classes, strict=True)):
        if kind.startswith("category/"):
            out[name] = cents(max(float(fc.point[i, 0]), 0.0))
        elif name == EXPENSE:
            out[alert_rules.TOTAL] = cents(max(float(fc.point[i, 0]), 0.0))
    return out


def _empty_alerts(today: dt.date, note: str) -> dict[str, Any]:
    empty = alert_rules.month_alerts([], {}, as_of=today)
    out = empty.to_dict()
    out["notes"] = [note]
    return out


def budget_for_cli(
    engine: Engine,
    email: str,
    *,
    models_dir: Path,
    total_budget: Decimal | None = None,
    safety_margin: Decimal = Decimal("0"),
    currency: str | None = None,
) -> dict[str, Any]:
    """The budget plan of the user with ``email``, for ``fincast insights budget``."""
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        return recommend_budget(
            engine,
            session,
            user_id,
            models_dir=models_dir,
            total_budget=total_budget,
            safety_margin=safety_margin,
            currency=currency,
        )


def alerts_for_cli(
    engine: Engine, email: str, *, models_dir: Path, currency: str | None = None
) -> dict[str, Any]:
    """The budget alerts of the user with ``email``, for ``fincast insights alerts``."""
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        return budget_alerts(engine, session, user_id, models_dir=models_dir, currency=currency)
