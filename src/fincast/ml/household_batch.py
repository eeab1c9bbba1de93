"""Household forecasts for many households at once: the numbers of ``forecast``, vectorised.

:meth:`fincast.ml.household.HouseholdForecaster.forecast` spends most of its time in numpy
calls on a dozen rows (one household's series), so a batch of households paid that
overhead once per household. Every step of the forecast is row-wise (a series' shape,
method, backtest, point and scale depend on that series alone) or a sum over one
household's rows (the total, savings), so :func:`forecast_many` stacks the series of all
households with the same history length into one matrix, runs each step once on it, and
sums per household. The results are those of ``forecast`` for
each household (tests/unit/ml/test_household_batch.py compares them);
:func:`intervals_many` and :func:`probabilities_above` do the same for the ranges and the
probability of spending read from the forecasts.

Pure: arrays in and out; no database, no settings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fincast.errors import InputError
from fincast.ml.household import (
    _CATEGORY,
    CLASSES,
    LIKELY_BY_SMAPE,
    MIN_HISTORY,
    HouseholdForecaster,
    adaptive_scale,
    history_bucket,
)
from fincast.ml.household_forecast import (
    NONNEGATIVE,
    PROBS,
    SHORTEST,
    HouseholdForecast,
    range_quantiles,
)
from fincast.ml.household_table import EXPENSE, SAVINGS, HouseholdArrays, household_arrays
from fincast.ml.point_methods import METHOD_NAMES, SAME_AMOUNT, series_scale, series_shape

#: The rows every forecast ends with, after the household's own series.
_TOTAL_ROWS = (
    (EXPENSE, "expense_total", "sum of categories"),
    (SAVINGS, "savings", "income minus expense"),
    ("cumulative_savings", "savings_cumulative", "sum of savings"),
)
_TOTAL_CLASSES = np.array([CLASSES.index(c) for _, c, _ in _TOTAL_ROWS])
_SHORTEST = np.array([c in SHORTEST for c in CLASSES])
_NONNEGATIVE = np.array([c in NONNEGATIVE for c in CLASSES])

#: One household's result: its forecast, or why it has none.
Outcome = HouseholdForecast | InputError


def forecast_many(
    model: HouseholdForecaster, households: Sequence[HouseholdArrays], horizon: int = 1
) -> list[Outcome]:
    """``model.forecast`` of every household (as :func:`household_arrays` gives them).

    A household with fewer than :data:`~fincast.ml.household.MIN_HISTORY` months gets the
    ``InputError`` ``forecast`` raises for it, in its place; the others are forecast.

    Raises:
        InputError: The model is not fitted, or ``horizon`` is out of its range.
    """
    if not hasattr(model, "quantiles_"):
        raise InputError("this forecaster is not fitted yet; call fit(tables) first")
    if not 1 <= horizon <= model.horizon:
        raise InputError(f"horizon must be between 1 and {model.horizon}, got {horizon}")
    out: list[Outcome | None] = [None] * len(households)
    by_length: dict[int, list[int]] = {}
    for k, hh in enumerate(households):
        n = hh.n_months
        if n < MIN_HISTORY:
            out[k] = InputError(
                f"at least {MIN_HISTORY} complete months of data are needed to forecast; found {n}"
            )
        else:
            by_length.setdefault(n, []).append(k)
    for n, members in by_length.items():
        group = [households[k] for k in members]
        for k, fc in zip(members, _forecast_group(model, group, n, horizon), strict=True):
            out[k] = fc
    return [o for o in out if o is not None]


def forecast_tables(
    model: HouseholdForecaster, tables: Sequence[pd.DataFrame], horizon: int = 1
) -> list[Outcome]:
    """:func:`forecast_many` of monthly tables; a table ``forecast`` refuses gets its error."""
    arrays: list[HouseholdArrays] = []
    errors: dict[int, InputError] = {}
    for k, table in enumerate(tables):
        try:
            arrays.append(household_arrays(table))
        except InputError as exc:
            errors[k] = exc
    done = iter(forecast_many(model, arrays, horizon))
    return [errors[k] if k in errors else next(done) for k in range(len(tables))]


def _forecast_group(
    model: HouseholdForecaster, group: Sequence[HouseholdArrays], n: int, horizon: int
) -> list[HouseholdForecast]:
    """Forecasts of households that all have ``n`` months of history."""
    b = history_bucket(n)
    sizes = np.array([hh.values.shape[0] for hh in group])
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    y = np.vstack([hh.values for hh in group])
    first = np.zeros(y.shape[0], dtype=bool)
    first[starts] = True  # income, the first row of every household
    shape = series_shape(y)
    classes = np.where(first, shape, shape + _CATEGORY)
    methods, point, local = model._choose_and_point(y, classes, b)
    likely = point.copy()
    rows_likely = np.isin(classes, LIKELY_BY_SMAPE)
    if rows_likely.any():
        likely[rows_likely] = model._points(
            y[rows_likely], model.likely_method_[classes[rows_likely], b]
        )
    scale = series_scale(y)

    total_hist = _category_sums(y, first, sizes)
    sav_hist = y[first] - total_hist
    total = _category_sums(point, first, sizes)
    savings = point[first] - total
    cumulative = np.cumsum(savings, axis=1)
    local_total = local_savings = None
    if local is not None:
        local_total = _category_sums(local, first, sizes)
        local_savings = local[first] - local_total
    total_scale = adaptive_scale(series_scale(total_hist), local_total)
    savings_scale = adaptive_scale(series_scale(sav_hist), local_savings)

    method_names = np.array([*METHOD_NAMES, "last amount"], dtype=object)
    same = np.isin(shape, SAME_AMOUNT)
    labels = method_names[np.where(same, len(METHOD_NAMES), methods)]
    class_names = np.array(CLASSES, dtype=object)
    tables: dict[int, np.ndarray] = {}
    months_of: dict[int, pd.PeriodIndex] = {}
    out = []
    for k, hh in enumerate(group):
        s, e = int(starts[k]), int(starts[k] + sizes[k])
        last = int(hh.months[-1].ordinal)
        if last not in months_of:
            months_of[last] = pd.period_range(hh.months[-1] + 1, periods=horizon, freq="M")
            tables[last] = _quantile_table(model, b, months_of[last], horizon)
        row_classes = np.r_[classes[s:e], _TOTAL_CLASSES]
        out.append(
            HouseholdForecast(
                series=(*hh.names, *(r[0] for r in _TOTAL_ROWS)),
                classes=tuple(class_names[row_classes].tolist()),
                methods=(*labels[s:e].tolist(), *(r[2] for r in _TOTAL_ROWS)),
                point=np.vstack(
                    [
                        point[s:e, :horizon],
                        total[k, :horizon],
                        savings[k, :horizon],
                        cumulative[k, :horizon],
                    ]
                ),
                likely=np.vstack(
                    [
                        likely[s:e, :horizon],
                        total[k, :horizon],
                        savings[k, :horizon],
                        cumulative[k, :horizon],
                    ]
                ),
                scale=np.r_[scale[s:e], total_scale[k], savings_scale[k], savings_scale[k]],
                quantiles=tables[last][row_classes],
                months=months_of[last],
                history_months=n,
                bucket=b,
            )
        )
    return out


def _category_sums(values: np.ndarray, first: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per household, the sum of its rows after the first (its categories): households x cols.

    One ``sum(axis=0)`` per household, as ``forecast`` adds them: numpy's vectorised
    alternatives (``np.add.reduceat``) add in another order and differ in the last bits.
    """
    starts = np.flatnonzero(first)
    out = np.empty((sizes.size, values.shape[1]))
    for k, (s, n) in enumerate(zip(starts.tolist(), sizes.tolist(), strict=True)):
        out[k] = values[s + 1 : s + n].sum(axis=0)
    return out


def _quantile_table(
    model: HouseholdForecaster, bucket: int, months: pd.PeriodIndex, horizon: int
) -> np.ndarray:
    """Scaled-error quantiles of every class for these months (classes x steps x probs)."""
    factors = model.month_factors_[:, months.month - 1]  # classes x steps
    return np.asarray(model.quantiles_[:, bucket, :horizon] * factors[:, :, None])


# ------------------------------------------------------------------ reading many forecasts


def intervals_many(
    forecasts: Sequence[HouseholdForecast], level: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``fc.interval(level)`` of every forecast, in one pass over all their rows."""
    if not forecasts:
        return []
    classes = np.concatenate([_class_index(fc) for fc in forecasts])
    quantiles = np.concatenate([fc.quantiles for fc in forecasts])
    point = np.concatenate([fc.point for fc in forecasts])
    scale = np.concatenate([fc.scale for fc in forecasts])
    shortest = _SHORTEST[classes]
    # Households forecast from the same history length in the same months share their
    # quantile tables (all but the floored ones): each distinct table's range once.
    flat = np.ascontiguousarray(quantiles.reshape(len(classes), -1))
    first_of: dict[tuple[bool, bytes], int] = {}
    inverse = np.array(
        [
            first_of.setdefault((bool(short), row.tobytes()), len(first_of))
            for short, row in zip(shortest.tolist(), flat, strict=True)
        ]
    )
    distinct = np.zeros(len(first_of), dtype=np.int64)
    distinct[inverse] = np.arange(inverse.size)  # any row of each distinct table
    lo_d, hi_d = range_quantiles(quantiles[distinct], level, shortest[distinct][:, None])
    lo_q, hi_q = lo_d[inverse], hi_d[inverse]
    nonneg = _NONNEGATIVE[classes]
    bounds = []
    for q in (lo_q, hi_q):
        amounts = point + scale[:, None] * q
        amounts[nonneg] = np.maximum(amounts[nonneg], 0.0)
        bounds.append(amounts)
    sizes = np.array([fc.point.shape[0] for fc in forecasts])
    ends = np.cumsum(sizes)
    starts = ends - sizes
    return [(bounds[0][s:e], bounds[1][s:e]) for s, e in zip(starts, ends, strict=True)]


def _class_index(fc: HouseholdForecast) -> np.ndarray:
    return np.array([CLASSES.index(c) for c in fc.classes])


def probabilities_above(
    point: np.ndarray, scale: np.ndarray, quantiles: np.ndarray, amount: np.ndarray | float
) -> np.ndarray:
    """``HouseholdForecast.probability_above`` for many cells at once.

    ``point`` and ``amount`` (broadcast) hold one value per cell, ``scale`` the cell's
    series scale and ``quantiles`` its scaled-error quantiles (cells x :data:`PROBS`). The
    same arithmetic as ``np.interp(z, quantiles, PROBS, left=0, right=1)`` per cell.
    """
    point = np.asarray(point, dtype=float)
    z = (np.asarray(amount, dtype=float) - point) / scale
    z = np.broadcast_to(z, point.shape).ravel()
    xp = quantiles.reshape(-1, PROBS.size)
    # np.interp finds the last knot at or below z; it is strictly below the next knot.
    j = (xp <= z[:, None]).sum(axis=1) - 1
    inside = (j >= 0) & (j < PROBS.size - 1)
    jj = np.clip(j, 0, PROBS.size - 2)
    rows = np.arange(z.size)
    x0, x1 = xp[rows, jj], xp[rows, jj + 1]
    f0, f1 = PROBS[jj], PROBS[jj + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (f1 - f0) / (x1 - x0)
        cdf = slope * (z - x0) + f0
    cdf = np.where(inside, cdf, np.where(j < 0, 0.0, 1.0))
    # z equal to the last knot is the last probability, as np.interp has it
    cdf = np.where(z == xp[:, -1], PROBS[-1], cdf)
    return np.asarray(1.0 - cdf).reshape(point.shape)


__all__ = [
    "Outcome",
    "forecast_many",
    "forecast_tables",
    "intervals_many",
    "probabilities_above",
]
