"""Split-conformal intervals from rolling-origin residuals, scaled per series.

Backtest residuals ``(y - f) / scale`` are pooled across series by forecast step; the
interval at step ``j`` is ``f + scale * [q_lo(j), q_hi(j)]`` with the finite-sample
conformal rank. Steps with too few residuals borrow from the last well-estimated step
(growing with sqrt(step)), tiny pools fall back to a Student-t band, and the band never
narrows as the horizon grows. :func:`recency_factor` scales the band by how much the newer
backtest windows' errors exceed the older ones'.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as student_t

MIN_POOL = 20
#: Fewest residuals the newest window and the older ones each need to set a factor.
MIN_RECENT = 50
#: Factors tried by :func:`recency_factor` (log-spaced; 1 is among them).
FACTORS = np.exp(np.linspace(np.log(0.5), np.log(2.0), 141))


def _conformal_pair(r: np.ndarray, level: float) -> tuple[float, float] | None:
    """Finite-sample conformal (lo, hi) quantiles of signed residuals, or None if too few."""
    n = r.size
    alpha = 1.0 - level / 100.0
    k_hi = math.ceil((n + 1) * (1.0 - alpha / 2.0))
    k_lo = math.floor((n + 1) * (alpha / 2.0))
    if n < MIN_POOL or k_hi > n or k_lo < 1:
        return None
    srt = np.sort(r)
    return float(srt[k_lo - 1]), float(srt[k_hi - 1])


def _student_pair(r: np.ndarray, level: float) -> tuple[float, float]:
    """A t-based band for pools too small for a conformal rank."""
    n = max(r.size, 1)
    sd = float(np.sqrt(np.mean(r**2))) if r.size else 1.0
    q = float(student_t.ppf(0.5 + level / 200.0, df=max(n - 1, 1))) * math.sqrt(1 + 1 / n)
    return -q * sd, q * sd


def conformal_quantiles(
    steps: np.ndarray, residuals: np.ndarray, horizon: int, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return per-step scaled lower/upper offsets for ``level`` percent intervals.

    Args:
        steps: Forecast step (1-based) of every residual.
        residuals: Scaled signed residuals ``(y - f) / scale``.
        horizon: Number of steps to return.
        level: Interval level in percent.

    Returns:
        ``(q_lo, q_hi)`` arrays of length ``horizon``; ``q_lo <= 0 <= q_hi`` is not
        assumed (a biased model gets a shifted band) but the width never shrinks with step.
    """
    steps = np.asarray(steps, dtype=int)
    residuals = np.asarray(residuals, dtype=float)
    ok = np.isfinite(residuals)
    steps, residuals = steps[ok], residuals[ok]
    q_lo = np.full(horizon, np.nan)
    q_hi = np.full(horizon, np.nan)
    last_good: tuple[int, float, float] | None = None
    for j in range(1, horizon + 1):
        pair = _conformal_pair(residuals[steps == j], level)
        if pair is not None:
            q_lo[j - 1], q_hi[j - 1] = pair
            last_good = (j, *pair)
        elif last_good is not None:
            j0, lo0, hi0 = last_good
            grow = math.sqrt(j / j0)
            q_lo[j - 1], q_hi[j - 1] = lo0 * grow, hi0 * grow
        else:
            near = residuals[steps <= j] if np.any(steps <= j) else residuals
            q_lo[j - 1], q_hi[j - 1] = _student_pair(near, level)
    # Uncertainty does not shrink further ahead.
    q_hi = np.maximum.accumulate(q_hi)
    q_lo = np.minimum.accumulate(q_lo)
    return q_lo, q_hi


def recency_factor(
    steps: np.ndarray, residuals: np.ndarray, windows: np.ndarray, horizon: int, level: float
) -> float:
    """The factor on the band that makes the older windows' band hold the newer at ``level``.

    Backtest window 0 ends nearest the forecast origin; windows 1, 2, ... end earlier. The
    newest half of the windows (at least one; a half, so one window's calendar months do not
    set the factor alone) is held against the band built from the older half's residuals,
    scaled by each of :data:`FACTORS`; the factor whose coverage is nearest ``level`` is
    returned, never below 1 (1 when either side has fewer than :data:`MIN_RECENT`
    residuals). It measures how much errors grew from older to newer windows, a drift a
    band pooled over all windows misses: on M1 (h=18) pooled bands held 93.9 % of the test
    points (91.5 % on a split inside the history), with this factor 94.5 % (93.1 %);
    docs/benchmarks.md.

    Args:
        steps: Forecast step (1-based) of every residual.
        residuals: Scaled signed residuals.
        windows: Backtest window of every residual (0 = the newest).
        horizon: Steps the band covers.
        level: Interval level in percent.
    """
    steps = np.asarray(steps, dtype=int)
    residuals = np.asarray(residuals, dtype=float)
    windows = np.asarray(windows)
    ok = np.isfinite(residuals)
    newest = max(1, np.unique(windows[ok]).size // 2)
    old, new = ok & (windows >= newest), ok & (windows < newest)
    if old.sum() < MIN_RECENT or new.sum() < MIN_RECENT:
        return 1.0
    q_lo, q_hi = conformal_quantiles(steps[old], residuals[old], horizon, level)
    r, j = residuals[new], steps[new] - 1
    lo, hi = q_lo[j], q_hi[j]
    coverage = np.array([np.mean((r >= c * lo) & (r <= c * hi)) for c in FACTORS])
    # Never below 1: newer windows train on more months, so their errors shrink even
    # when the months ahead will not be easier (M1 with 12 months, h=1: 89.5 % -> 86.7 %).
    return max(1.0, float(FACTORS[int(np.argmin(np.abs(coverage - level / 100.0)))]))
