"""The compatible API's random forest (docs/compatibility.md), kept as a leak-free baseline.

A random forest per series on lags 1-3, rolling 3/6 mean/std/trend, growth rates and the
cyclical month, forecasting recursively. Its "95% confidence" is the original's in-sample
residual band (prediction ± z·std of training residuals), reproduced to show how far from
calibrated that is. Forests are refit from the data when needed, never serialized.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from fincast.ml.features import SOURCE_FEATURES, source_features


def _predict_one(model: object, row: np.ndarray) -> float:
    """Forest mean for one row without joblib's per-call overhead (same arithmetic)."""
    x = np.ascontiguousarray(row, dtype=np.float32)
    trees = model.estimators_  # type: ignore[attr-defined]
    return float(np.mean([t.tree_.predict(x)[0, 0] for t in trees]))


def forest_forecast(
    y: np.ndarray,
    first_month: int,
    h: int,
    *,
    level: float = 95.0,
    n_estimators: int = 100,
    max_depth: int = 10,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit the original random forest on one history and forecast ``h`` steps recursively.

    Returns:
        ``(mean, lo, hi)`` with the original's in-sample residual interval at ``level``.
    """
    from sklearn.ensemble import RandomForestRegressor

    n = y.size
    if n < 4:
        med = np.full(h, float(np.median(y)))
        spread = float(np.std(y)) if n > 1 else 0.0
        z = float(norm.ppf(0.5 + level / 200.0))
        return med, med - z * spread, med + z * spread
    months = (first_month - 1 + np.arange(n + h + 1)) % 12 + 1
    feats = source_features(y, months[: n + 1])
    X = feats.iloc[1:n].to_numpy()
    target = y[1:]
    model = RandomForestRegressor(
        n_estimators=n_estimators, max_depth=max_depth, random_state=random_state, n_jobs=1
    )
    model.fit(X, target)
    resid_sd = float(np.std(target - model.predict(X)))
    path = y.astype(float).copy()
    out = np.empty(h)
    for step in range(h):
        row = source_features(path, months[: path.size + 1]).iloc[[-1]][list(SOURCE_FEATURES)]
        out[step] = _predict_one(model, row.to_numpy())
        path = np.append(path, out[step])
    z = float(norm.ppf(0.5 + level / 200.0))
    return out, out - z * resid_sd, out + z * resid_sd
