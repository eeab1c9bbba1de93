"""Financial wellbeing for one user: goal forecasts, disposable income, health, readiness.

The API (``/api/goals/{id}/forecast``, ``/api/insights/disposable-income``,
``/api/insights/health``, ``/api/insights/investment-readiness``), the CLI (``fincast
insights ...``) and, through the API, the dashboard call these functions. Forecast-based
answers read the served household forecast
(:func:`fincast.services.forecasting.served.user_forecast`), the same one the forecast
endpoints answer with; the rules are pure code in :mod:`fincast.insights`. Each answer is in
one currency (default: the user's primary one; a goal's forecast: the goal's); the goals,
debts and budgets in that currency count, and balances are of the accounts in it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.insights.disposable import disposable_income as _disposable
from fincast.insights.goals import goal_forecast as _goal_forecast
from fincast.insights.health import (
    BillSeries,
    DebtInfo,
    GoalStatus,
    HealthInputs,
    fee_matches,
    health_score,
    score_history,
)
from fincast.insights.readiness import readiness
from fincast.ledger.models import (
    Account,
    AccountType,
    Budget,
    Category,
    Debt,
    RecurringSeriesRecord,
    ReviewStatus,
    SavingsGoal,
    Transaction,
)
from fincast.services import recurring
from fincast.services._owned import get_owned
from fincast.services.forecasting.served import UserForecast, user_forecast, user_history_in
from fincast.services.panels import PanelCurrency, panel_currency
from fincast.services.resources import in_currency
from fincast.services.users import find_user
from fincast.taxonomy import CategoryKind

#: Accounts whose balances count as liquid savings.
LIQUID = (AccountType.CHECKING, AccountType.SAVINGS, AccountType.CASH)


# ------------------------------------------------------------------ goals


def goal_forecast(
    engine: Engine,
    session: Session,
    user_id: int,
    goal_id: int,
    *,
    models_dir: Path,
    currency: str | None = None,
) -> dict[str, Any]:
    """The user's goal ``goal_id``: probability by its date, monthly amount needed, pace date.

    Forecast on the savings of the user's accounts in the goal's currency (``currency``, if
    given, must be it: a goal is never measured against savings in another currency).

    Raises:
        NotFoundError: no such goal of this user.
        InputError: the ledger has fewer complete months than a forecast needs, a currency
            the user has no account in, or ``currency`` is not the goal's.
    """
    goal = get_owned(session, SavingsGoal, user_id, goal_id, "goal")
    if currency is not None and currency.strip().upper() != goal.currency:
        raise InputError(
            f"currency {currency.strip().upper()}: goal {goal_id} is in {goal.currency}; "
            f"its forecast is in {goal.currency} only"
        )
    # a user without accounts: their goals are in NO_ACCOUNT_CURRENCY, their ledger empty
    held = panel_currency(engine, session, user_id).currencies
    wanted = goal.currency if held else None
    uf = user_forecast(engine, session, user_id, models_dir=models_dir, currency=wanted)
    return {**_goal_answer(goal, uf), **uf.currency.labels()}


def _goal_answer(goal: SavingsGoal, uf: UserForecast) -> dict[str, Any]:
    result = _goal_forecast(
        uf.forecast,
        target_amount=float(goal.target_amount),
        saved=float(goal.start_amount),
        target_date=goal.target_date,
    )
    return {
        "goal_id": goal.id,
        "name": goal.name,
        "target_date": goal.target_date.isoformat(),
        "forecast_from": str(uf.forecast.months[0]),
        "history_months": uf.forecast.history_months,
        **result.to_dict(),
        "assumptions": list(result.assumptions),
    }


def goal_forecasts(
    engine: Engine, session: Session, user_id: int, *, models_dir: Path, pc: PanelCurrency
) -> list[dict[str, Any]]:
    """The user's goals in ``pc``'s currency, each forecast on the savings in it.

    Empty without such goals or without enough history to forecast.
    """
    goals = _goals_in(session, user_id, pc)
    if not goals:
        return []
    try:
        uf = user_forecast(engine, session, user_id, models_dir=models_dir, currency=pc.currency)
    except InputError:
        return []
    return [_goal_answer(g, uf) for g in goals]


def _goals_in(session: Session, user_id: int, pc: PanelCurrency) -> list[SavingsGoal]:
    return list(
        session.scalars(
            select(SavingsGoal)
            .where(SavingsGoal.user_id == user_id, in_currency(SavingsGoal.currency, pc))
            .order_by(SavingsGoal.id)
        )
    )


# ------------------------------------------------------------------ disposable income


def disposable_income(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    models_dir: Path,
    currency: str | None = None,
) -> dict[str, Any]:
    """Next month's income minus essential spending (categories marked essential), with a range.

    Raises:
        InputError: the ledger has fewer complete months than a forecast needs, or a
            currency the user has no account in.
    """
    uf = user_forecast(engine, session, user_id, models_dir=models_dir, currency=currency)
    essential = _essential(session, user_id)
    answer = _disposable(uf.forecast, essential).to_dict()
    answer["essential_categories"] = sorted(essential)
    answer["history_months"] = uf.forecast.history_months
    return {**answer, **uf.currency.labels()}


def _essential(session: Session, user_id: int) -> frozenset[str]:
    rows = session.scalars(
        select(Category.slug).where(
            Category.user_id == user_id,
            Category.essential.is_(True),
            Category.kind == CategoryKind.EXPENSE,
        )
    )
    return frozenset(rows)


# ------------------------------------------------------------------ health


def health(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    models_dir: Path,
    currency: str | None = None,
) -> dict[str, Any]:
    """The health score (0-100), its tier, its eight components and its monthly history.

    Raises:
        InputError: a currency the user has no account in.
    """
    _, table, pc = user_history_in(engine, session, user_id, currency=currency)
    balances = liquid_balances(session, user_id, table, pc.currency)
    last = str(table["year_month"].iloc[-1]) if len(table) else None
    goals = [
        GoalStatus(g["name"], g["probability"])
        for g in goal_forecasts(engine, session, user_id, models_dir=models_dir, pc=pc)
    ]
    if not goals:  # goals without a forecast (too little history)
        goals = [GoalStatus(g.name, None) for g in _goals_in(session, user_id, pc)]
    budgets, total_budget = _budgets(session, user_id, last, pc)
    inputs = HealthInputs(
        table=table,
        essential=_essential(session, user_id),
        liquid_balance=None if last is None else balances.get(last),
        fee_dates=_fee_dates(session, user_id, pc.currency),
        bills=_bills(session, user_id, pc.currency),
        debts=_debts(session, user_id, pc),
        budgets=budgets,
        total_budget=total_budget,
        goals=tuple(goals),
    )
    answer = health_score(inputs).to_dict()
    answer["history"] = score_history(inputs, balances=balances)
    answer["basis"] = (
        f"{answer['measured']} of 8 indicators measured; the history reads the ledger up to "
        f"each month's end, with the {pc.currency + ' ' if pc.currency else ''}debts, budgets "
        "and goals as recorded today"
    )
    return {**answer, **pc.labels()}


def liquid_balances(
    session: Session, user_id: int, table: pd.DataFrame, currency: str | None = None
) -> dict[str, float]:
    """Checking, savings and cash balances (in ``currency``; None: all accounts) by month.

    At the end of every month of ``table``. None of the user's accounts liquid: an empty
    dict (the balance is not known).
    """
    mine = [Account.user_id == user_id, Account.type.in_(LIQUID)]
    if currency is not None:
        mine.append(Account.currency == currency)
    accounts = list(session.execute(select(Account.id, Account.opening_balance).where(*mine)))
    if not accounts or table.empty:
        return {}
    opening = sum(float(a[1] or 0) for a in accounts)
    ids = [a[0] for a in accounts]
    rows = session.execute(
        select(Transaction.posted_date, Transaction.amount).where(
            Transaction.user_id == user_id, Transaction.account_id.in_(ids)
        )
    ).all()
    flows = pd.Series(
        [float(r[1]) for r in rows],
        index=pd.PeriodIndex([pd.Period(r[0], freq="M") for r in rows], freq="M"),
        dtype=float,
    )
    by_month = flows.groupby(level=0).sum() if len(flows) else flows
    months = pd.PeriodIndex(table["year_month"].astype(str), freq="M")
    out: dict[str, float] = {}
    for m in months:
        moved = float(by_month[by_month.index <= m].sum()) if len(by_month) else 0.0
        out[str(m)] = round(opening + moved, 2)
    return out


def _fee_dates(session: Session, user_id: int, currency: str | None) -> tuple[dt.date, ...] | None:
    t = Transaction
    where = [t.user_id == user_id, t.amount < 0]
    if currency is not None:
        accounts = select(Account.id).where(
            Account.user_id == user_id, Account.currency == currency
        )
        where.append(t.account_id.in_(accounts))
    rows = session.execute(
        select(t.posted_date, t.payee, t.payee_raw, t.description, t.description_raw).where(*where)
    ).all()
    if not rows:
        return None
    texts = [" ".join(x or "" for x in r[1:]) for r in rows]
    hits = fee_matches(texts)
    return tuple(r[0] for r, hit in zip(rows, hits, strict=True) if hit)


def _bills(session: Session, user_id: int, currency: str | None) -> tuple[BillSeries, ...]:
    """The bills paid from the accounts in ``currency`` (those of the answer's panel)."""
    recurring.refresh(session, user_id)
    rows = session.scalars(
        select(RecurringSeriesRecord).where(
            RecurringSeriesRecord.user_id == user_id,
            RecurringSeriesRecord.status != ReviewStatus.DISMISSED,
            RecurringSeriesRecord.amount < 0,
            RecurringSeriesRecord.currency == currency,
        )
    )
    return tuple(
        BillSeries(
            payee=r.payee,
            first_date=r.first_date,
            last_date=r.last_date,
            occurrences=r.occurrences,
            missed=tuple(dt.date.fromisoformat(str(d)) for d in (r.missed or [])),
        )
        for r in rows
    )


def _debts(session: Session, user_id: int, pc: PanelCurrency) -> tuple[DebtInfo, ...]:
    rows = session.scalars(
        select(Debt)
        .where(Debt.user_id == user_id, in_currency(Debt.currency, pc))
        .order_by(Debt.id)
    )
    return tuple(
        DebtInfo(d.name, float(d.balance), float(d.apr), float(d.minimum_payment)) for d in rows
    )


def _budgets(
    session: Session, user_id: int, month: str | None, pc: PanelCurrency
) -> tuple[dict[str, float], float | None]:
    """Budgets in ``pc``'s currency in force in ``month``: per category slug, and the total."""
    rows = session.execute(
        select(Budget, Category.slug)
        .outerjoin(Category, Category.id == Budget.category_id)
        .where(Budget.user_id == user_id, in_currency(Budget.currency, pc))
        .order_by(Budget.id)
    ).all()
    per: dict[str, float] = {}
    total: float | None = None
    day = pd.Period(month, freq="M").start_time.date() if month else None
    for budget, slug in rows:
        if day is not None and (
            (budget.start_month and budget.start_month > day)
            or (budget.end_month and budget.end_month < day)
        ):
            continue
        if budget.category_id is None:
            total = float(budget.amount)
        elif slug:
            per[slug] = float(budget.amount)
    return per, total


# ------------------------------------------------------------------ investment readiness


def investment_readiness(
    session: Session, engine: Engine, user_id: int, *, currency: str | None = None
) -> dict[str, Any]:
    """Not ready / building / ready to invest, from emergency fund, debt, saving and income.

    Raises:
        InputError: a currency the user has no account in.
    """
    _, table, pc = user_history_in(engine, session, user_id, currency=currency)
    balances = liquid_balances(session, user_id, table, pc.currency)
    last = str(table["year_month"].iloc[-1]) if len(table) else None
    result = readiness(
        table,
        liquid_balance=None if last is None else balances.get(last),
        debts=_debts(session, user_id, pc),
    )
    return {"month": last, **result.to_dict(), **pc.labels()}


# ------------------------------------------------------------------ CLI


def for_cli(
    engine: Engine,
    email: str,
    what: str,
    *,
    models_dir: Path,
    goal_id: int | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """One answer for the user with ``email``: goal, disposable, health or readiness."""
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        if what == "goal":
            if goal_id is None:
                raise InputError("goal_id is required")
            return goal_forecast(
                engine, session, user_id, goal_id, models_dir=models_dir, currency=currency
            )
        if what == "disposable":
            return disposable_income(
                engine, session, user_id, models_dir=models_dir, currency=currency
            )
        if what == "health":
            return health(engine, session, user_id, models_dir=models_dir, currency=currency)
        if what == "readiness":
            return investment_readiness(session, engine, user_id, currency=currency)
    raise InputError(f"unknown answer {what!r}")
