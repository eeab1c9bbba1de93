"""Fitted panel forecasters as signed model files: fit and save, load, predict from a file.

Model files use :mod:`fincast.services.forecasting.modelfiles` (npz + signed JSON, no
pickle); the forecaster itself becomes arrays through :mod:`fincast.ml.serialization`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from fincast.frames import DS, validate_long_frame
from fincast.ml.engine import FincastForecaster, ProgressCallback
from fincast.ml.features import GLOBAL_FEATURES
from fincast.ml.serialization import forecaster_from_arrays, forecaster_to_arrays
from fincast.services.forecasting.modelfiles import load_model_file, save_model_file

KIND = "fincast-panel"


def forecast_panel(
    panel_df: pd.DataFrame,
    horizon: int,
    levels: Iterable[int | float] = (95,),
    *,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Forecast every series of a long panel ``horizon`` months ahead with intervals.

    Returns:
        Long frame ``unique_id, ds, fincast, fincast-lo-<L>, fincast-hi-<L>`` per level.
    """
    model = FincastForecaster(progress=progress)
    return model.fit(panel_df, horizon).predict(horizon, list(levels))


def save_forecaster(
    model: FincastForecaster,
    models_dir: str | Path,
    name: str,
    extra_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Save a fitted forecaster as a signed model file; return its metadata."""
    last = list(model.last_ds_.values())
    meta = {
        "horizon": model.h_,
        "n_series": len(model.series_),
        "training_span": [min(last).strftime("%Y-%m"), max(last).strftime("%Y-%m")]
        if last
        else None,
        "features": list(GLOBAL_FEATURES),
        "candidates": list(model.models_),
        "backtest_mase": {k: round(float(v), 4) for k, v in model.global_scores_.items()},
        **(extra_meta or {}),
    }
    return save_model_file(models_dir, name, KIND, forecaster_to_arrays(model), meta)


def load_forecaster(models_dir: str | Path, name: str) -> FincastForecaster:
    """Load and verify a saved forecaster; ModelFileError if tampered or incompatible."""
    _, arrays = load_model_file(models_dir, name, kind=KIND)
    return forecaster_from_arrays(arrays)


def fit_and_save(
    panel_df: pd.DataFrame,
    horizon: int,
    models_dir: str | Path,
    name: str = "panel",
    *,
    extra_meta: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Fit the forecaster on a panel and save it as ``name``; return the model metadata."""
    frame = validate_long_frame(panel_df, name="panel")
    model = FincastForecaster(progress=progress).fit(frame, horizon)
    first = frame[DS].min().strftime("%Y-%m")
    return save_forecaster(model, models_dir, name, {"data_start": first, **(extra_meta or {})})


def predict_from_file(
    panel_df: pd.DataFrame | None,
    models_dir: str | Path,
    name: str = "panel",
    horizon: int | None = None,
    levels: Sequence[int | float] = (95,),
) -> pd.DataFrame:
    """Forecast with a saved model, from ``panel_df`` (newer history) or its own history."""
    model = load_forecaster(models_dir, name)
    return model.predict(horizon, list(levels), df=panel_df)
