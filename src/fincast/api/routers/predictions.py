"""Forecast endpoints: train, predict expense / categories / savings, model info.

Predictions run on the user's stored ledger (in one currency: ``?currency=``, default the
user's primary one; the answer names it and lists the user's ``currencies``), or on
``monthly_data`` sent in the body. Routes
are sync so the CPU work runs in the threadpool, not on the event loop. Bodies are read up to
:data:`~fincast.api.limits.MAX_JSON_BODY_BYTES` (413 beyond); each user has a budget of
trainings and of predictions on sent data (429 with Retry-After beyond), since those are the
requests whose work no cache absorbs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from fincast.api.deps import CurrentUser, EngineDep, SessionDep, SettingsDep
from fincast.api.limits import BoundedJsonRoute, WorkLimiterDep
from fincast.api.problems import responses
from fincast.api.schemas.common import CurrencyQuery
from fincast.api.schemas.forecasts import (
    CategoriesPrediction,
    CategoriesPredictRequest,
    ExpensePrediction,
    ExpensePredictRequest,
    ForecastRequest,
    HouseholdForecastPublic,
    ModelPublic,
    PredictRequest,
    SavingsPrediction,
    SavingsPredictRequest,
    TrainRequest,
    TrainResult,
)
from fincast.services.forecasting import predictions, training
from fincast.services.ratelimit import WorkRateLimiter

router = APIRouter(
    prefix="/api",
    tags=["predictions"],
    responses=responses(401, 413, 422, 429),
    route_class=BoundedJsonRoute,
)


def _count_inline(limiter: WorkRateLimiter, user_id: int, body: PredictRequest) -> None:
    if body.monthly_data is not None:
        limiter.before("predict", user_id)


@router.post("/train", response_model=TrainResult)
def train(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    body: Annotated[TrainRequest | None, Body()] = None,
) -> Any:
    """Prepare the user's forecasts for their current data from the shared household model.

    Nothing is fitted per user: the answer names the shared model file, the data version and
    how the ranges did on the user's own past months (``retrained`` is false when training
    already ran for this data and model).
    """
    body = body or TrainRequest()
    limiter.before("train", user.id)
    return training.train(
        engine,
        session,
        user.id,
        models_dir=settings.resolved_models_dir,
        force=body.force,
    )


@router.post("/predict/expense", response_model=ExpensePrediction)
def predict_expense(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    currency: CurrencyQuery = None,
    body: Annotated[ExpensePredictRequest | None, Body()] = None,
) -> Any:
    """Next month's total expense with a confidence interval."""
    body = body or ExpensePredictRequest()
    _count_inline(limiter, user.id, body)
    return predictions.predict_answer(
        engine,
        session,
        user.id,
        "expense",
        {"confidence_level": body.confidence_level},
        body.rows(),
        models_dir=settings.resolved_models_dir,
        revision=user.data_revision,
        currency=currency,
    )


@router.post("/predict/categories", response_model=CategoriesPrediction)
def predict_categories(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    currency: CurrencyQuery = None,
    body: Annotated[CategoriesPredictRequest | None, Body()] = None,
) -> Any:
    """Per-category forecasts, overspending risks and budget recommendations."""
    body = body or CategoriesPredictRequest()
    _count_inline(limiter, user.id, body)
    params = {
        "threshold": body.risk_threshold,
        "total_budget": body.total_budget,
        "safety_margin": body.safety_margin,
    }
    return predictions.predict_answer(
        engine,
        session,
        user.id,
        "categories",
        params,
        body.rows(),
        models_dir=settings.resolved_models_dir,
        revision=user.data_revision,
        currency=currency,
    )


@router.post("/predict/savings", response_model=SavingsPrediction)
def predict_savings(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    currency: CurrencyQuery = None,
    body: Annotated[SavingsPredictRequest | None, Body()] = None,
) -> Any:
    """Savings trajectory (default 3, 6 and 12 months) and financial health."""
    body = body or SavingsPredictRequest()
    _count_inline(limiter, user.id, body)
    return predictions.predict_answer(
        engine,
        session,
        user.id,
        "savings",
        {"periods": list(body.periods)},
        body.rows(),
        models_dir=settings.resolved_models_dir,
        revision=user.data_revision,
        currency=currency,
    )


@router.post("/forecast", response_model=HouseholdForecastPublic)
def forecast(
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    currency: CurrencyQuery = None,
    body: Annotated[ForecastRequest | None, Body()] = None,
) -> Any:
    """Every series (income, each category, total expense, savings) for 1-12 months ahead.

    Each answer names its months, how much history it rests on, its method, the measured
    calibration of its 95 % range, and warns when the data are stale or short.
    """
    body = body or ForecastRequest()
    _count_inline(limiter, user.id, body)
    return predictions.predict_answer(
        engine,
        session,
        user.id,
        "household",
        {"horizon": body.horizon, "level": body.level * 100},
        body.rows(),
        models_dir=settings.resolved_models_dir,
        revision=user.data_revision,
        currency=currency,
    )


@router.get("/models/{model_id}", response_model=ModelPublic, responses=responses(404))
def get_model(
    model_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9._\-]{1,128}$")],
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Any:
    """The model serving the user (``household``).

    The shared file it comes from, the data version, and how its ranges did on the user's
    own past months.
    """
    return training.model_info(
        engine, session, user.id, model_id, models_dir=settings.resolved_models_dir
    )
