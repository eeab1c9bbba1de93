"""Point and interval accuracy on long frames, with the formulas of docs/evaluation.md.

The protocol's MASE scale (lag 12, or lag 1 when the history has 12 points or fewer) and
its MAPE (skip y = 0 and count the skips) differ from utilsforecast's defaults, so the
formulas are written out here once, in numpy, and used by every benchmark and test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fincast.frames import DS, UID, Y

_EPS = 1e-12


def mase_scale(history: np.ndarray, season_length: int = 12) -> float:
    """Return the MASE scale of one series: mean |y_t - y_{t-m}| over its history."""
    y = np.asarray(history, dtype=float)
    lag = season_length if y.size > season_length else 1
    if y.size <= lag:
        return float(max(np.mean(np.abs(y)) if y.size else 1.0, _EPS)) if y.size else 1.0
    diffs = np.abs(y[lag:] - y[:-lag])
    scale = float(np.mean(diffs))
    if scale <= _EPS:
        # A constant history has no natural scale; fall back to its level (or 1).
        level = float(np.mean(np.abs(y)))
        scale = level if level > _EPS else 1.0
    return scale


def series_scales(history: pd.DataFrame, season_length: int = 12) -> pd.Series:
    """Return the MASE scale of every series of a long frame, indexed by unique_id."""
    return history.groupby(UID, sort=True)[Y].apply(
        lambda s: mase_scale(s.to_numpy(), season_length)
    )


def smape(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Return the pointwise sMAPE in percent (M3/M4 definition; 0 when y = f = 0)."""
    den = np.abs(y) + np.abs(f)
    out = np.where(den > 0, 200.0 * np.abs(y - f) / np.where(den > 0, den, 1.0), 0.0)
    return np.asarray(out, dtype=float)


def interval_score(
    y: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float = 95.0
) -> np.ndarray:
    """Return the pointwise (unscaled) M4 interval score at ``level`` percent."""
    alpha = 1.0 - level / 100.0
    return np.asarray(
        (hi - lo) + (2.0 / alpha) * (lo - y) * (y < lo) + (2.0 / alpha) * (y - hi) * (y > hi),
        dtype=float,
    )


def evaluate_forecasts(
    history: pd.DataFrame,
    test: pd.DataFrame,
    forecasts: pd.DataFrame,
    models: Sequence[str],
    *,
    level: int = 95,
    season_length: int = 12,
) -> pd.DataFrame:
    """Score forecasts against a hold-out, one row per model (docs/evaluation.md formulas).

    Args:
        history: Long frame the models saw (for the MASE/MSIS scale).
        test: Long frame of the held-out points.
        forecasts: Frame with ``unique_id, ds`` and, per model, ``<m>``, ``<m>-lo-<level>``,
            ``<m>-hi-<level>`` (intervals optional).
        models: Model column names to score.
        level: Interval level in percent.
        season_length: Season used for the MASE scale.

    Returns:
        Frame indexed by model with MAE, RMSE, MAPE, MAPE_skipped, sMAPE, MASE, R2,
        coverage and MSIS (sMAPE/MASE/MSIS averaged per series, then over series).
    """
    scales = series_scales(history, season_length).rename("scale")
    merged = test[[UID, DS, Y]].merge(forecasts, on=[UID, DS], how="left")
    merged = merged.merge(scales, left_on=UID, right_index=True, how="left")
    y = merged[Y].to_numpy(dtype=float)
    scale = merged["scale"].to_numpy(dtype=float)
    rows = []
    for m in models:
        f = merged[m].to_numpy(dtype=float)
        err = y - f
        nz = y != 0
        sm = smape(y, f)
        per = pd.DataFrame({UID: merged[UID], "smape": sm, "ase": np.abs(err) / scale})
        row: dict[str, float] = {
            "MAE": float(np.mean(np.abs(err))),
            "RMSE": float(np.sqrt(np.mean(err**2))),
            "MAPE": float(np.mean(np.abs(err[nz] / y[nz])) * 100) if nz.any() else float("nan"),
            "MAPE_skipped": float((~nz).sum()),
        }
        grouped = per.groupby(UID, sort=False)
        row["sMAPE"] = float(grouped["smape"].mean().mean())
        row["MASE"] = float(grouped["ase"].mean().mean())
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        row["R2"] = 1.0 - float(np.sum(err**2)) / ss_tot if ss_tot > 0 else float("nan")
        lo_c, hi_c = f"{m}-lo-{level}", f"{m}-hi-{level}"
        if lo_c in merged and hi_c in merged:
            lo = merged[lo_c].to_numpy(dtype=float)
            hi = merged[hi_c].to_numpy(dtype=float)
            row["coverage"] = float(np.mean((y >= lo) & (y <= hi)))
            per["is"] = interval_score(y, lo, hi, level) / scale
            row["MSIS"] = float(per.groupby(UID, sort=False)["is"].mean().mean())
        else:
            row["coverage"] = float("nan")
            row["MSIS"] = float("nan")
        rows.append(pd.Series(row, name=m))
    return pd.DataFrame(rows)
