"""Local (per-series) candidate models behind one small interface.

Each candidate maps a history array to an ``h``-step point forecast. They are plain
functions over numpy arrays so the engine can run them at every backtest origin cheaply;
statsforecast's models are used through their array-level ``forecast`` method.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

LocalForecaster = Callable[[np.ndarray, int, int], np.ndarray]


def naive(y: np.ndarray, h: int, season_length: int = 12) -> np.ndarray:
    """Repeat the last observation."""
    return np.full(h, float(y[-1]))


def seasonal_naive(y: np.ndarray, h: int, season_length: int = 12) -> np.ndarray:
    """Repeat the last full season; naive when the history is shorter than one season."""
    m = season_length
    if y.size < m or m <= 1:
        return naive(y, h, season_length)
    last = y[-m:]
    return np.asarray([last[i % m] for i in range(h)], dtype=float)


def robust_median(y: np.ndarray, h: int, season_length: int = 12, window: int = 6) -> np.ndarray:
    """Median of the last ``window`` months: robust to one-off spikes and missing months."""
    return np.full(h, float(np.median(y[-window:])))


def _stats_model(name: str, season_length: int) -> object:
    from statsforecast.models import AutoETS, AutoTheta, DynamicOptimizedTheta, Theta

    m = season_length if season_length > 1 else 1
    factories: dict[str, Callable[[], object]] = {
        "theta": lambda: Theta(season_length=m),
        "dotm": lambda: DynamicOptimizedTheta(season_length=m),
        "autotheta": lambda: AutoTheta(season_length=m),
        "autoets": lambda: AutoETS(season_length=m),
    }
    return factories[name]()


def statsforecast_model(name: str) -> LocalForecaster:
    """Return a local forecaster running statsforecast model ``name`` on one array.

    ``name`` is one of ``theta``, ``dotm`` (dynamic optimised Theta), ``autotheta``,
    ``autoets``. Tiny histories (fewer than 4 points) or a failed fit fall back to the
    robust median, so a candidate never breaks a panel.
    """

    def forecast(y: np.ndarray, h: int, season_length: int = 12) -> np.ndarray:
        if y.size < 4 or np.ptp(y) == 0:
            return robust_median(y, h, season_length)
        model = _stats_model(name, season_length)
        try:
            with warnings.catch_warnings():
                # statsforecast/numpy warn on flat or tiny segments; the fallback covers it.
                warnings.simplefilter("ignore")
                out = model.forecast(y=y.astype(float), h=h)  # type: ignore[attr-defined]
            mean = np.asarray(out["mean"], dtype=float)
        except Exception:
            return robust_median(y, h, season_length)
        if not np.all(np.isfinite(mean)):
            return robust_median(y, h, season_length)
        return mean

    forecast.__name__ = name
    return forecast


LOCAL_MODELS: dict[str, LocalForecaster] = {
    "naive": naive,
    "seasonal_naive": seasonal_naive,
    "median": robust_median,
    "theta": statsforecast_model("theta"),
    "dotm": statsforecast_model("dotm"),
    "autotheta": statsforecast_model("autotheta"),
    "autoets": statsforecast_model("autoets"),
}
