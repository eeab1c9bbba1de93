"""Leak-free features: every feature of a row uses only values strictly before its target.

Two families:

* ``source_features`` reproduces the feature set of the compatible API's random forest
  (docs/compatibility.md: lags 1-3, rolling 3/6 mean, std and trend, month-over-month and
  year-over-year growth, cyclical month), computed from the past only.
* ``global_windows`` builds scale-free rows (values divided by the series' recent level)
  for the cross-learning LightGBM model: one row per (series, origin, horizon).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

SOURCE_FEATURES = (
    "lag_1",
    "lag_2",
    "lag_3",
    "roll_mean_3",
    "roll_std_3",
    "trend_3",
    "roll_mean_6",
    "roll_std_6",
    "trend_6",
    "mom_growth",
    "yoy_growth",
    "month_sin",
    "month_cos",
)

GLOBAL_FEATURES = (
    *(f"r_lag_{k}" for k in range(12)),
    "r_same_month",
    "r_mean_3",
    "r_mean_6",
    "r_std_6",
    "r_slope_6",
    "r_yoy",
    "n_obs",
    "horizon",
    "month_sin",
    "month_cos",
    "nonneg",
)

_LOOKBACK = 24


def _past_windows(y: np.ndarray, width: int) -> np.ndarray:
    """Row t holds y[t-width:t] (NaN-padded): the ``width`` values strictly before t."""
    padded = np.concatenate([np.full(width, np.nan), y.astype(float)])
    return sliding_window_view(padded, width)[: y.size + 1]


def _nan_slope(win: np.ndarray) -> np.ndarray:
    """Least-squares slope per row of ``win`` (NaN entries ignored)."""
    x = np.arange(win.shape[1], dtype=float)
    mask = np.isfinite(win)
    cnt = mask.sum(axis=1)
    xm = np.where(mask, x, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    ym = np.where(mask, win, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    dx = np.where(mask, x - xm[:, None], 0.0)
    dy = np.where(mask, win - ym[:, None], 0.0)
    den = (dx**2).sum(axis=1)
    return np.where((cnt >= 2) & (den > 0), (dx * dy).sum(axis=1) / np.where(den > 0, den, 1), 0.0)


def _nanstat(win: np.ndarray, fn: str) -> np.ndarray:
    """NaN-aware mean/std per row that returns NaN (not a warning) for all-NaN rows."""
    ok = np.isfinite(win)
    cnt = ok.sum(axis=1)
    mean = np.where(ok, win, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    if fn == "mean":
        out = mean
    else:
        dev = np.where(ok, win - mean[:, None], 0.0)
        out = np.sqrt((dev**2).sum(axis=1) / np.maximum(cnt - 1, 1))
    return np.where(cnt > 0, out, np.nan)


def source_features(y: np.ndarray, months: np.ndarray) -> pd.DataFrame:
    """Source-document features for targets t = 0..len(y), each from y[:t] only.

    Args:
        y: History of one series.
        months: Calendar month (1-12) of every target row, length ``len(y) + 1``.

    Returns:
        Frame with ``len(y) + 1`` rows; row ``t`` describes the month to predict at ``t``
        (the last row is the next, unseen month). Missing values are filled neutrally.
    """
    w6 = _past_windows(y, 6)
    w13 = _past_windows(y, 13)
    w3 = w6[:, 3:]
    lag1, lag2, lag3 = w6[:, -1], w6[:, -2], w6[:, -3]
    with np.errstate(divide="ignore", invalid="ignore"):
        mom = np.where(np.abs(lag2) > 0, lag1 / lag2 - 1.0, 0.0)
        yoy = np.where(np.abs(w13[:, 0]) > 0, lag1 / w13[:, 0] - 1.0, 0.0)
    first = float(y[0]) if y.size else 0.0
    mean3 = _nanstat(w3, "mean")
    frame = pd.DataFrame(
        {
            "lag_1": lag1,
            "lag_2": lag2,
            "lag_3": lag3,
            "roll_mean_3": mean3,
            "roll_std_3": _nanstat(w3, "std"),
            "trend_3": _nan_slope(w3),
            "roll_mean_6": _nanstat(w6, "mean"),
            "roll_std_6": _nanstat(w6, "std"),
            "trend_6": _nan_slope(w6),
            "mom_growth": np.nan_to_num(mom, nan=0.0, posinf=0.0, neginf=0.0),
            "yoy_growth": np.nan_to_num(yoy, nan=0.0, posinf=0.0, neginf=0.0),
            "month_sin": np.sin(2 * np.pi * (months - 1) / 12.0),
            "month_cos": np.cos(2 * np.pi * (months - 1) / 12.0),
        }
    )
    # Before enough history exists, lags fall back to the oldest known value (never a later one).
    for col in ("lag_1", "lag_2", "lag_3", "roll_mean_3", "roll_mean_6"):
        frame[col] = frame[col].fillna(frame["lag_1"]).fillna(first)
    return frame.fillna(0.0)


def global_windows(
    y: np.ndarray,
    months: np.ndarray,
    horizon: int,
    origins: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Scale-free feature rows for origins ``o`` (last seen index) and steps 1..horizon.

    Args:
        y: History of one series (values after an origin are never read for its features).
        months: Calendar month (1-12) of index 0..len(y)+horizon-1.
        horizon: Number of steps ahead.
        origins: Indices of the last observed point of each row block.

    Returns:
        ``(X, scale)``: X has ``len(origins) * horizon`` rows ordered origin-major with the
        columns of ``GLOBAL_FEATURES``; ``scale`` is the per-row level to multiply back.
    """
    origins = np.asarray(origins, dtype=int)
    win = _past_windows(y, _LOOKBACK)[origins + 1]  # values y[o-23..o]
    last12 = win[:, -12:]
    scale = _nanstat(np.abs(last12), "mean")
    scale = np.where(np.isfinite(scale) & (scale > 1e-9), scale, 1.0)
    r = win / scale[:, None]
    n_o = origins.size
    steps = np.arange(1, horizon + 1)
    lag_cols = r[:, ::-1][:, :12]  # r_lag_0 = y[o]/s
    prev12 = _nanstat(r[:, :12], "mean")
    last12m = _nanstat(r[:, 12:], "mean")
    base = np.column_stack(
        [
            lag_cols,
            np.zeros(n_o),  # placeholder for r_same_month (per horizon)
            _nanstat(r[:, -3:], "mean"),
            _nanstat(r[:, -6:], "mean"),
            _nanstat(r[:, -6:], "std"),
            _nan_slope(r[:, -6:]),
            np.where(
                np.abs(prev12) > 1e-9, last12m / np.where(np.abs(prev12) > 1e-9, prev12, 1), np.nan
            ),
            np.minimum(origins + 1, 60).astype(float),
            np.zeros(n_o),
            np.zeros(n_o),
            np.zeros(n_o),
            (np.minimum.accumulate(y)[origins] >= 0).astype(float),
        ]
    )
    X = np.repeat(base, horizon, axis=0)
    j = np.tile(steps, n_o)
    o = np.repeat(origins, horizon)
    # Same calendar month in the most recent year that is already observed.
    back = 12 * np.ceil(j / 12.0).astype(int)
    same_idx = o + j - back
    pos = _LOOKBACK - 1 - (o - same_idx)  # column inside the window
    rr = np.repeat(r, horizon, axis=0)
    ok = (same_idx >= 0) & (pos >= 0)
    same = np.full(o.size, np.nan)
    same[ok] = rr[np.nonzero(ok)[0], pos[ok]]
    X[:, 12] = same
    X[:, 19] = j
    tgt_month = months[o + j]
    X[:, 20] = np.sin(2 * np.pi * (tgt_month - 1) / 12.0)
    X[:, 21] = np.cos(2 * np.pi * (tgt_month - 1) / 12.0)
    return X, np.repeat(scale, horizon)
