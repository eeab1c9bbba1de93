"""Point methods for monthly series, and the scale and shape of a history.

Each method maps a history matrix (series x months, the last column the newest month) to a
(series x h) forecast, vectorised over series so one call serves a whole population at one
origin. Seasonal methods count back 12 columns: the same calendar month last year.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Method = Callable[[np.ndarray, int], np.ndarray]
SHAPES = ("fixed", "seasonal", "intermittent", "variable", "steady")
#: Shapes served as their last amount: a bill that stayed the same.
SAME_AMOUNT = (SHAPES.index("fixed"), SHAPES.index("steady"))


def _mean_of_last(k: int) -> Method:
    def method(y: np.ndarray, h: int) -> np.ndarray:
        return np.repeat(y[:, -k:].mean(axis=1, keepdims=True), h, axis=1)

    return method


def _median6(y: np.ndarray, h: int) -> np.ndarray:
    return np.repeat(np.median(y[:, -6:], axis=1, keepdims=True), h, axis=1)


def _naive(y: np.ndarray, h: int) -> np.ndarray:
    return np.repeat(y[:, -1:], h, axis=1)


def _same_month_mean(y: np.ndarray, h: int) -> np.ndarray:
    """Mean over past years of the same calendar month as each future step."""
    n = y.shape[1]
    out = np.empty((y.shape[0], h))
    for j in range(h):
        cols = np.arange(n - 12 + (j % 12), -1, -12)
        cols = cols[(cols >= 0) & (cols < n)]
        out[:, j] = y[:, cols].mean(axis=1)
    return out


def _seasonal_naive(y: np.ndarray, h: int) -> np.ndarray:
    if y.shape[1] < 12:
        return _mean_of_last(6)(y, h)
    n = y.shape[1]
    return y[:, [n - 12 + (j % 12) for j in range(h)]]


def _seasonal_mean(y: np.ndarray, h: int) -> np.ndarray:
    if y.shape[1] < 12:
        return _mean_of_last(6)(y, h)
    return _same_month_mean(y, h)


def _seasonal_blend(y: np.ndarray, h: int) -> np.ndarray:
    """Half the year's level, half the same month's history: spikes recur, damped."""
    if y.shape[1] < 12:
        return _mean_of_last(6)(y, h)
    return 0.5 * _same_month_mean(y, h) + 0.5 * _mean_of_last(12)(y, h)


def _smoothing(alpha: float) -> Method:
    """Simple exponential smoothing with a fixed weight: the level, forecast flat."""

    def method(y: np.ndarray, h: int) -> np.ndarray:
        level = y[:, 0].astype(float)
        for col in range(1, y.shape[1]):
            level = alpha * y[:, col] + (1 - alpha) * level
        return np.repeat(level[:, None], h, axis=1)

    return method


METHODS: dict[str, Method] = {
    "naive": _naive,
    "mean3": _mean_of_last(3),
    "mean6": _mean_of_last(6),
    "mean12": _mean_of_last(12),
    "median6": _median6,
    "seasonal_naive": _seasonal_naive,
    "seasonal_mean": _seasonal_mean,
    "seasonal_blend": _seasonal_blend,
    "smoothing_0.2": _smoothing(0.2),
    "smoothing_0.5": _smoothing(0.5),
}
METHOD_NAMES = tuple(METHODS)


def series_scale(y: np.ndarray) -> np.ndarray:
    """Per-series scale from the history alone: mean absolute monthly change, floored.

    The floor (5% of the level, at least 1) keeps fixed bills and empty categories from
    getting a zero scale.
    """
    recent = y[:, -13:]
    change = np.abs(np.diff(recent, axis=1)).mean(axis=1) if recent.shape[1] > 1 else 0.0
    level = np.abs(y[:, -12:]).mean(axis=1)
    return np.maximum(np.maximum(change, 0.05 * level), 1.0)


#: Months a bill must have stayed the same to count as fixed (all of a shorter history).
FIXED_RUN = 6
#: Months a bill must have stayed the same to count as steady: a whole year, so a yearly
#: renewal (rent, insurance) would have shown.
STEADY_RUN = 12


def series_shape(y: np.ndarray) -> np.ndarray:
    """Index into :data:`SHAPES` per series: fixed, seasonal, intermittent, variable, steady.

    Fixed: the same positive amount for the last :data:`FIXED_RUN` months (every month of a
    shorter history). Steady: the same for the last :data:`STEADY_RUN` months or more (a
    loan payment, a plan whose price has not moved in a year; a rent renewed within the
    year is only fixed, and its ranges allow for the next renewal). Seasonal: with more
    than a year of history, no spending in a quarter or more of the last 12 months, and
    spending in the same calendar month a year before for at least three quarters of the
    months that had any (December travel, a yearly bill). Intermittent: the other series
    with a quarter or more empty months.
    """
    fixed = _same_for(y, FIXED_RUN)
    steady = _same_for(y, STEADY_RUN) & (y.shape[1] >= STEADY_RUN)
    intermittent = (y[:, -12:] == 0).mean(axis=1) >= 0.25
    seasonal = np.zeros(y.shape[0], dtype=bool)
    if y.shape[1] > 12:
        now = y[:, -12:] > 0
        before = y[:, -24:-12] > 0 if y.shape[1] >= 24 else y[:, : y.shape[1] - 12] > 0
        width = before.shape[1]
        spent = now[:, -width:]
        repeats = (spent & before).sum(axis=1)
        seasonal = intermittent & (spent.sum(axis=1) > 0) & (repeats >= 0.75 * spent.sum(axis=1))
    shape = np.where(seasonal, 1, np.where(intermittent, 2, 3))
    return np.where(steady, 4, np.where(fixed, 0, shape))


def _same_for(y: np.ndarray, months: int) -> np.ndarray:
    """Rows whose last ``months`` values (all of a shorter history) are one positive amount."""
    last = y[:, -months:]
    return (np.abs(last - last[:, -1:]) < 0.005).all(axis=1) & (y[:, -1] > 0)
