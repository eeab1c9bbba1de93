"""What the API and CLI call: forecast a panel, train and save a model, predict from it.

Plain signatures - pandas frames and dicts in, frames and dicts out - so entry points stay
thin. Model files use ``fincast.forecasts.modelfile`` (npz + signed JSON, no pickle).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fincast.errors import ModelFileError
from fincast.forecasts.modelfile import (
    array_text,
    list_models,
    load_model_file,
    save_model_file,
    text_array,
)
from fincast.frames import DS, UID, validate_long_frame
from fincast.ml.engine import FincastForecaster, ProgressCallback
from fincast.ml.features import GLOBAL_FEATURES
from fincast.ml.global_model import GlobalLGBM, SeriesArray

KIND = "fincast-panel"
_CONFIG_KEYS = (
    "models",
    "season_length",
    "n_windows",
    "step",
    "top_k",
    "shrinkage",
    "combine",
    "min_train",
    "nonnegative",
    "random_state",
)


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


def forecaster_to_arrays(model: FincastForecaster) -> dict[str, np.ndarray]:
    """Serialise a fitted forecaster into plain arrays (no Python objects)."""
    series = model.series_
    config = {k: getattr(model, k) for k in _CONFIG_KEYS}
    config["models"] = list(config["models"])
    state = {
        "config": config,
        "models_": model.models_,
        "h_": model.h_,
        "uids": [s.uid for s in series],
        "first_month": [s.first_month for s in series],
        "lengths": [int(s.y.size) for s in series],
        "last_ds": {k: v.strftime("%Y-%m-%d") for k, v in model.last_ds_.items()},
        "scales": model.scales_,
        "nonneg": model.nonneg_,
        "weight_index": list(model.weights_.index),
        "global_weights": model.global_weights_.to_dict(),
        "global_scores": model.global_scores_.to_dict(),
    }
    glob = model.global_.to_text() if model.global_ is not None else ""
    return {
        "state_json": text_array(json.dumps(state)),
        "lgbm_text": text_array(glob),
        "values": np.concatenate([s.y for s in series]).astype(float),
        "weights": model.weights_.to_numpy(dtype=float),
        "residual_steps": np.asarray(model.residual_steps_, dtype=np.int64),
        "residuals": np.asarray(model.residuals_, dtype=float),
    }


def forecaster_from_arrays(arrays: dict[str, np.ndarray]) -> FincastForecaster:
    """Rebuild a fitted forecaster from ``forecaster_to_arrays`` output."""
    try:
        state = json.loads(array_text(arrays["state_json"]))
        config = state["config"]
        model = FincastForecaster(**{k: config[k] for k in _CONFIG_KEYS})
        model.models_ = list(state["models_"])
        model.h_ = int(state["h_"])
        values = np.asarray(arrays["values"], dtype=float)
        ends = np.cumsum(state["lengths"])
        starts = ends - np.asarray(state["lengths"])
        model.series_ = [
            SeriesArray(uid, values[a:b], int(fm))
            for uid, fm, a, b in zip(state["uids"], state["first_month"], starts, ends, strict=True)
        ]
        model.last_ds_ = {k: pd.Timestamp(v) for k, v in state["last_ds"].items()}
        model.scales_ = {k: float(v) for k, v in state["scales"].items()}
        model.nonneg_ = {k: bool(v) for k, v in state["nonneg"].items()}
        model.weights_ = pd.DataFrame(
            arrays["weights"], index=state["weight_index"], columns=model.models_
        )
        model.global_weights_ = pd.Series(state["global_weights"]).reindex(model.models_)
        model.global_scores_ = pd.Series(state["global_scores"]).reindex(model.models_)
        model.residual_steps_ = np.asarray(arrays["residual_steps"], dtype=int)
        model.residuals_ = np.asarray(arrays["residuals"], dtype=float)
        text = array_text(arrays["lgbm_text"])
        model.global_ = GlobalLGBM.from_text(text, model.h_) if "lgbm" in model.models_ else None
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"model payload is incomplete or incompatible ({exc})") from exc
    return model


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


def train_panel_model(
    panel_df: pd.DataFrame,
    horizon: int,
    models_dir: str | Path,
    name: str = "panel",
    *,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Fit the forecaster on a user's panel and save it; return the model metadata."""
    frame = validate_long_frame(panel_df, name="panel")
    model = FincastForecaster(progress=progress).fit(frame, horizon)
    first = frame[DS].min().strftime("%Y-%m")
    return save_forecaster(model, models_dir, name, {"data_start": first})


def predict_panel_model(
    panel_df: pd.DataFrame | None,
    models_dir: str | Path,
    name: str = "panel",
    horizon: int | None = None,
    levels: Sequence[int | float] = (95,),
) -> pd.DataFrame:
    """Forecast with a saved model, from ``panel_df`` (newer history) or its own history."""
    model = load_forecaster(models_dir, name)
    return model.predict(horizon, list(levels), df=panel_df)


def registry(models_dir: str | Path) -> list[dict[str, Any]]:
    """List model files in ``models_dir`` (name, kind, span, metrics, valid/error)."""
    return list_models(models_dir)


def series_ids(frame: pd.DataFrame) -> list[str]:
    """Series ids of a long frame, sorted."""
    return sorted(frame[UID].astype(str).unique())
