"""Savings trajectories: simulated joint paths from backtest residuals.

Paths keep each step's calibrated out-of-sample error distribution (empirical residual
quantiles, pooled across series and scaled per series) and the correlation between
consecutive steps seen in the backtests (an AR(1) Gaussian copula), so cumulative sums get
honest, widening bands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from fincast.ml.conformal import MIN_POOL


@dataclass(frozen=True)
class Trajectory:
    """Simulated cumulative savings: ``paths[i, j]`` is the total after month ``j + 1``."""

    paths: np.ndarray

    def interval(self, month: int, level: float = 95.0) -> tuple[float, float]:
        """Equal-tailed interval of the cumulative total after ``month`` months."""
        a = (1 - level / 100.0) / 2
        col = self.paths[:, month - 1]
        return float(np.quantile(col, a)), float(np.quantile(col, 1 - a))

    def median(self, month: int) -> float:
        """Median cumulative total after ``month`` months."""
        return float(np.median(self.paths[:, month - 1]))

    def probability_at_least(self, amount: float, month: int) -> float:
        """Probability that the cumulative total after ``month`` months is >= ``amount``."""
        return float(np.mean(self.paths[:, month - 1] >= amount))


def step_correlation(windows: np.ndarray, steps: np.ndarray, residuals: np.ndarray) -> float:
    """Lag-1 correlation of residuals within backtest windows, clipped to [0, 0.95]."""
    if residuals.size < 3:
        return 0.5
    order = np.lexsort((steps, windows))
    w, s, r = windows[order], steps[order], residuals[order]
    nxt = (w[1:] == w[:-1]) & (s[1:] == s[:-1] + 1)
    if nxt.sum() < 3:
        return 0.5
    a, b = r[:-1][nxt], r[1:][nxt]
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.5
    return float(np.clip(np.corrcoef(a, b)[0, 1], 0.0, 0.95))


def simulate_paths(
    point: np.ndarray,
    scale: float,
    steps: np.ndarray,
    residuals: np.ndarray,
    *,
    rho: float = 0.5,
    start: float = 0.0,
    n_paths: int = 4000,
    random_state: int = 0,
) -> Trajectory:
    """Simulate cumulative paths ``start + cumsum(point + scale * e)``.

    Args:
        point: Monthly point forecasts (length h).
        scale: Scale of this series (residuals are in its units after multiplying).
        steps: Forecast step of each pooled residual.
        residuals: Scaled backtest residuals.
        rho: Correlation of consecutive steps' errors.
        start: Amount already saved.
        n_paths: Number of simulated paths.
        random_state: Seed of the generator.
    """
    rng = np.random.default_rng(random_state)
    h = point.size
    z = np.empty((n_paths, h))
    z[:, 0] = rng.standard_normal(n_paths)
    for j in range(1, h):
        z[:, j] = rho * z[:, j - 1] + math.sqrt(1 - rho**2) * rng.standard_normal(n_paths)
    u = norm.cdf(z)
    err = np.empty_like(u)
    ok = np.isfinite(residuals)
    steps, residuals = steps[ok], residuals[ok]
    last_pool: tuple[int, np.ndarray] | None = None
    for j in range(1, h + 1):
        pool = residuals[steps == j]
        if pool.size >= MIN_POOL:
            err[:, j - 1] = np.quantile(pool, u[:, j - 1])
            last_pool = (j, pool)
        elif last_pool is not None:
            j0, p0 = last_pool
            err[:, j - 1] = np.quantile(p0, u[:, j - 1]) * math.sqrt(j / j0)
        else:
            sd = float(np.sqrt(np.mean(residuals**2))) if residuals.size else 1.0
            err[:, j - 1] = norm.ppf(u[:, j - 1]) * sd * math.sqrt(j)
    monthly = point[None, :] + scale * err
    return Trajectory(paths=start + np.cumsum(monthly, axis=1))
