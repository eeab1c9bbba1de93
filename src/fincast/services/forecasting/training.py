"""What "training" means for one user: their forecasts prepared from the shared model.

Every served forecast comes from the shared household model (learned across households,
:mod:`fincast.services.forecasting.household`); nothing is fitted per user, so no per-user
model file exists that a prediction would have to find. ``POST /api/train`` prepares the
user's forecasts for their current data (cached per data version) and reports what they
rest on: the shared model's file, the data version and how the ranges did on the user's own
past months. Retraining the shared model across users is ``fincast train-population``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.errors import NotFoundError
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.household import POPULATION_MODEL, population_info
from fincast.services.forecasting.predictions import jsonable, predict
from fincast.services.forecasting.versions import current_version

#: The one model id a user can ask about: the shared household model, as it serves them.
HOUSEHOLD_MODEL = "household"
TRAIN_HORIZON = 12


def train(
    engine: Engine, session: Session, user_id: int, *, models_dir: Path, force: bool = False
) -> dict[str, Any]:
    """Prepare the user's forecasts (1-12 months) for their current data; report the model.

    ``retrained`` is false when training already ran for this data version and shared
    model (in this process); ``force`` forgets the user's cached results and recomputes.
    """
    if force:
        CACHE.discard_user(user_id)
    model = _household_model(engine, session, user_id, models_dir=models_dir)
    computed: list[bool] = []

    def first_time() -> bool:
        computed.append(True)
        return True

    key = (user_id, "trained", str(model["data_version"]), str(model["shared_model"]))
    CACHE.get_or_compute(key, first_time)
    return {"models": [model], "retrained": bool(computed)}


def model_info(
    engine: Engine, session: Session, user_id: int, model_id: str, *, models_dir: Path
) -> dict[str, Any]:
    """The model ``model_id`` as it serves ``user_id`` (only ``household`` exists)."""
    if model_id != HOUSEHOLD_MODEL:
        raise NotFoundError(f"model {model_id!r} not found")
    return _household_model(engine, session, user_id, models_dir=models_dir)


def _household_model(
    engine: Engine, session: Session, user_id: int, *, models_dir: Path
) -> dict[str, Any]:
    served = predict(
        engine,
        session,
        user_id,
        "household",
        {"horizon": TRAIN_HORIZON, "level": 95.0},
        models_dir=models_dir,
    )
    shared = population_info(models_dir)
    return {
        "model_id": HOUSEHOLD_MODEL,
        "shared_model": {**jsonable(shared), "name": POPULATION_MODEL},
        "data_version": jsonable(current_version(session, user_id)),
        "history": served["history"],
        "months": served["months"],
        "own_backtest": served["own_backtest"],
    }
