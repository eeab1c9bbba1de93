"""Wellbeing endpoints: a goal's forecast, disposable income, health score, readiness.

Routes are sync so the forecast work runs in the threadpool; each answers for the current
user only (another user's goal is a 404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fincast.api.deps import CurrentUser, EngineDep, IdPath, SessionDep, SettingsDep
from fincast.api.problems import responses
from fincast.api.schemas.common import CurrencyQuery
from fincast.api.schemas.wellbeing import (
    DisposableIncomePublic,
    GoalForecastPublic,
    HealthPublic,
    ReadinessPublic,
)
from fincast.services import wellbeing as service

router = APIRouter(prefix="/api", tags=["insights"], responses=responses(401, 422))


@router.get(
    "/goals/{goal_id}/forecast", response_model=GoalForecastPublic, responses=responses(404, 422)
)
def goal_forecast(
    goal_id: IdPath,
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    currency: CurrencyQuery = None,
) -> Any:
    """A goal's chance of being reached by its date, what it takes, and when at this pace.

    The monthly savings needed for an 80 % and a 95 % chance, and the month the goal is
    reached at the forecast's pace.
    """
    return service.goal_forecast(
        engine,
        session,
        user.id,
        goal_id,
        models_dir=settings.resolved_models_dir,
        currency=currency,
    )


@router.get(
    "/insights/disposable-income",
    response_model=DisposableIncomePublic,
    responses=responses(422),
)
def disposable_income(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    currency: CurrencyQuery = None,
) -> Any:
    """Next month's income minus essential spending, with its range."""
    return service.disposable_income(
        engine, session, user.id, models_dir=settings.resolved_models_dir, currency=currency
    )


@router.get("/insights/health", response_model=HealthPublic)
def health(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    currency: CurrencyQuery = None,
) -> Any:
    """Financial health score 0-100 from eight indicators, each with its points and one step."""
    return service.health(
        engine, session, user.id, models_dir=settings.resolved_models_dir, currency=currency
    )


@router.get("/insights/investment-readiness", response_model=ReadinessPublic)
def investment_readiness(
    engine: EngineDep, session: SessionDep, user: CurrentUser, currency: CurrencyQuery = None
) -> Any:
    """Not ready, building or ready to invest, with the reasons."""
    return service.investment_readiness(session, engine, user.id, currency=currency)
