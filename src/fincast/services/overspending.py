"""A user's overspending risks for next month (``GET /api/insights/overspending``).

The rules are :func:`fincast.insights.overspending.overspending`; this module feeds them the
served household forecast of the user's ledger and the user's own budgets in force next
month (a budget without a category is the total budget). Categories without a budget are
measured against the rule's line, ``threshold`` x their trailing six-month average. The
answer is in one currency and counts the budgets in that currency only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.insights.alerts import TOTAL
from fincast.insights.overspending import THRESHOLD, overspending, trailing_averages
from fincast.services.budgeting import active_budgets, month_start
from fincast.services.forecasting.served import user_forecast
from fincast.services.resources import answer_currency
from fincast.services.users import find_user

#: Largest rule multiple accepted (a line ten times the average flags nothing real).
MAX_THRESHOLD = 10.0


def user_overspending(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    models_dir: Path,
    threshold: float = THRESHOLD,
    currency: str | None = None,
) -> dict[str, Any]:
    """Per category the rule's flag and the probabilities of going over, riskiest first.

    In ``currency`` (default: the user's primary one).

    Raises:
        InputError: ``threshold`` out of range, too little history to forecast, or a
            currency the user has no account in.
    """
    if not 0 < threshold <= MAX_THRESHOLD:
        raise InputError(f"threshold must be above 0 and at most {MAX_THRESHOLD}, got {threshold}")
    uf = user_forecast(engine, session, user_id, models_dir=models_dir, currency=currency)
    fc = uf.forecast
    budgets = {
        slug: float(amount)
        for _, slug, amount in active_budgets(
            session, user_id, month_start(fc.months[0]), answer_currency(uf.currency)
        )
    }
    total_budget = budgets.pop(TOTAL, None)
    result = overspending(
        fc,
        trailing_averages(uf.table),
        budgets=budgets,
        total_budget=total_budget,
        threshold=threshold,
    )
    out = result.to_dict()
    known = {c["category"] for c in out["categories"]}
    out["notes"] = [
        f"{slug}: a budget is set but there is no spending in it to forecast"
        for slug in sorted(budgets)
        if slug not in known
    ]
    out["history_months"] = len(uf.table)
    return {**out, **uf.currency.labels()}


def overspending_for_cli(
    engine: Engine,
    email: str,
    *,
    models_dir: Path,
    threshold: float = THRESHOLD,
    currency: str | None = None,
) -> dict[str, Any]:
    """The overspending risks of the user with ``email``, for ``fincast insights overspending``."""
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        return user_overspending(
            engine, session, user_id, models_dir=models_dir, threshold=threshold, currency=currency
        )
