"""A fitted :class:`~fincast.ml.engine.FincastForecaster` as plain arrays, and back.

No Python objects cross this boundary: JSON state and LightGBM's text model are stored as
UTF-8 byte arrays, so the arrays can be written with ``numpy.savez`` and read with
``allow_pickle=False``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from fincast.errors import ModelFileError
from fincast.ml.engine import FincastForecaster
from fincast.ml.global_model import GlobalLGBM, SeriesArray

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


def text_array(text: str) -> np.ndarray:
    """Encode text as a uint8 array for an array payload."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def array_text(arr: np.ndarray) -> str:
    """Decode a uint8 array written by ``text_array``."""
    return bytes(np.asarray(arr, dtype=np.uint8)).decode("utf-8")


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
        "residual_windows": np.asarray(model.residual_windows_, dtype=np.int64),
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
        if "residual_windows" not in arrays:
            raise ModelFileError("model file predates calibration by window; fit and save it again")
        model.residual_windows_ = np.asarray(arrays["residual_windows"], dtype=int)
        text = array_text(arrays["lgbm_text"])
        model.global_ = GlobalLGBM.from_text(text, model.h_) if "lgbm" in model.models_ else None
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"model payload is incomplete or incompatible ({exc})") from exc
    return model
