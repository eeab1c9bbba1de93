"""Household forecasts: every series of one household's monthly table, calibrated on many.

A household's monthly table (docs/compatibility.md) holds income and one expense series per
category; the total is their sum and savings are income minus the total. Served forecasts
must hold for *this* household, including one with three months of history, so
:class:`HouseholdForecaster` learns across households:

* ``fit`` cuts windows of every history length from a population of monthly tables
  (synthetic households on a fresh install, the users' own ledgers later). In every window
  each series is put in a class (income or category; fixed, intermittent or variable,
  judged from the window alone) and a history bucket (:data:`HISTORY_BUCKETS`). The point
  method of each class and bucket is the one with the lowest out-of-sample squared error; the
  errors of that method, scaled by each series' own scale (from data before the origin
  only), give the predictive distribution per class, bucket and step, stored as quantiles.
  Selection and calibration use different households (even and odd), so the errors that
  set the ranges never chose the method.
* ``forecast`` applies them to one household: point forecasts per category (a fixed bill
  is its last amount), the total built from its parts (categories are never moved to fit a
  total), savings from income minus the total, and ranges at any level, plus the
  probability of any spending.

Pure: frames and arrays in and out; no database, no settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fincast.errors import InputError
from fincast.ml.household_forecast import PROBS, SHORTEST, HouseholdForecast, range_quantiles
from fincast.ml.household_table import EXPENSE, SAVINGS, HouseholdArrays, household_arrays
from fincast.ml.metrics import smape
from fincast.ml.point_methods import (
    METHOD_NAMES,
    METHODS,
    SAME_AMOUNT,
    SHAPES,
    Method,
    series_scale,
    series_shape,
)

#: History lengths (months) where a new bucket starts. Fine steps where uncertainty changes
#: fast with each month of history, coarse where it no longer does.
HISTORY_BUCKETS = (3, 4, 5, 6, 8, 10, 12, 15, 18, 21, 24, 30, 36, 42, 48)
MAX_HORIZON = 12
MIN_HISTORY = 3
#: Fewest scaled errors a (class, bucket, step) needs before it is used on its own.
MIN_KEY = 60
#: Months of history from which a series' own backtest may override the population's method.
LOCAL_MIN = 18
#: Last months each method forecasts in that backtest, one step ahead each.
LOCAL_ORIGINS = 6
#: How much lower (as a share) the series' own best error must be to override.
LOCAL_MARGIN = 0.7
#: Pseudo-count pulling a calendar month's error factor toward 1.
MONTH_PRIOR = 200
#: Scaled errors per (class, bucket, step), each with the calendar month it forecast.
Errors = dict[tuple[int, int, int], list[tuple[np.ndarray, np.ndarray]]]
#: Revision of what ``fit`` learns; a model file of another revision is refused by
#: :meth:`HouseholdForecaster.from_arrays` (and rebuilt by the service) even when its arrays
#: have the same layout. 2: each step keeps its own error quantiles (no running maximum).
REVISION = 2
#: The interval level whose held-out coverage every forecast reports.
CHECK_LEVEL = 95.0
CLASSES = (
    *(f"income/{s}" for s in SHAPES),
    *(f"category/{s}" for s in SHAPES),
    "expense_total",
    "savings",
    "savings_cumulative",
)
_SERIES_CLASSES = CLASSES[: 2 * len(SHAPES)]
_CATEGORY = len(SHAPES)  # offset of the category classes after the income ones
#: Classes whose served forecast is the method with the lowest sMAPE (see ``fit``).
LIKELY_BY_SMAPE = np.array([CLASSES.index("category/intermittent")])


def history_bucket(n: int) -> int:
    """Index into :data:`HISTORY_BUCKETS` of a history of ``n`` months."""
    return int(np.searchsorted(HISTORY_BUCKETS, n, side="right") - 1)


def bucket_label(index: int) -> str:
    """A bucket as people read it: ``3 months``, ``6-7 months``, ..., ``48+ months``."""
    lo = HISTORY_BUCKETS[index]
    if index + 1 == len(HISTORY_BUCKETS):
        return f"{lo}+ months"
    hi = HISTORY_BUCKETS[index + 1] - 1
    return f"{lo} months" if hi == lo else f"{lo}-{hi} months"


# ------------------------------------------------------------------ the model


class HouseholdForecaster:
    """Forecasts for one household's monthly table, learned across many households.

    Args:
        horizon: Longest horizon learned (months).
        lengths: History lengths the population is cut to for learning; None uses every
            length from 3 to 48 months.
        stride: Months between the starts of windows of one length inside a household, so
            a short history is learned from every stage of a household's life, not only its
            first months; 5 is coprime with 12, so the windows end in every calendar month.
        min_key: Fewest errors a (class, bucket, step) needs to be used on its own.
    """

    def __init__(
        self,
        horizon: int = MAX_HORIZON,
        lengths: Sequence[int] | None = None,
        stride: int = 5,
        min_key: int = MIN_KEY,
    ) -> None:
        self.horizon = horizon
        self.lengths = lengths
        self.stride = stride
        self.min_key = min_key

    # -------------------------------------------------------------- fit
    def fit(self, tables: Iterable[pd.DataFrame]) -> HouseholdForecaster:
        """Learn methods and error distributions from many households' monthly tables."""
        if not 1 <= self.horizon <= MAX_HORIZON:
            raise InputError(f"horizon must be between 1 and {MAX_HORIZON}, got {self.horizon}")
        households = [household_arrays(t) for t in tables]
        households = [hh for hh in households if hh.n_months > MIN_HISTORY]
        if not households:
            raise InputError(f"learning needs households with more than {MIN_HISTORY} months")
        longest = max(hh.n_months for hh in households)
        lengths = self.lengths or range(MIN_HISTORY, min(longest, 48) + 1)
        windows = [
            (start, int(n))
            for n in sorted({int(n) for n in lengths if MIN_HISTORY <= n < longest})
            for start in range(0, longest - n, max(1, self.stride))
        ]
        n_b, n_m = len(HISTORY_BUCKETS), len(METHODS)
        # Three disjoint groups of households: one chooses the method per class and bucket,
        # one calibrates the spread of its errors, one measures the coverage that results
        # (what a served forecast reports as its calibration).
        choose, calibrate, check = households[0::3], households[1::3], households[2::3]
        calibrate = calibrate or choose
        err_sum = np.zeros((len(_SERIES_CLASSES), n_b, n_m))
        err_n = np.zeros_like(err_sum)
        pct_sum = np.zeros_like(err_sum)
        for start, n in windows:
            cut = self._cut(choose, start, n)
            if cut is None:
                continue
            for m, name in enumerate(METHOD_NAMES):
                # Squared error picks methods that are right on average: the total is the
                # sum of its parts, and a sum of medians would miss a household's spikes.
                point = self._point(cut.history, METHODS[name])
                r = ((cut.future - point) / cut.scale[:, None]) ** 2
                ok = np.isfinite(r)
                pct = np.where(ok, smape(np.nan_to_num(cut.future), point), 0.0)
                np.add.at(err_sum[:, :, m], (cut.classes, cut.bucket), np.where(ok, r, 0).sum(1))
                np.add.at(err_n[:, :, m], (cut.classes, cut.bucket), ok.sum(1))
                np.add.at(pct_sum[:, :, m], (cut.classes, cut.bucket), pct.sum(1))
        self.method_ = self._choose(err_sum, err_n)
        # What a person reads for spending that comes and goes: the method with the lowest
        # sMAPE, which says "nothing" when nothing is the likelier outcome. The mean
        # (method_) stays what ranges, the total and savings are built from.
        self.likely_method_ = np.where(
            np.isin(np.arange(len(_SERIES_CLASSES)), LIKELY_BY_SMAPE)[:, None],
            self._choose(pct_sum, err_n),
            self.method_,
        )
        errors: Errors = {}
        for start, n in windows:
            cut = self._cut(calibrate, start, n)
            if cut is not None:
                self._collect(cut, errors)
        self.month_factors_ = self._month_factors(errors)
        self.quantiles_, self.counts_ = self._tables(errors)
        self.coverage_, self.coverage_n_ = self._coverage(check, windows, CHECK_LEVEL)
        self.n_households_ = len(households)
        return self

    def _coverage(
        self,
        households: Sequence[HouseholdArrays],
        windows: Sequence[tuple[int, int]],
        level: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Share of held-out outcomes inside the ``level`` % range, per class, bucket, step."""
        shape = (len(CLASSES), len(HISTORY_BUCKETS), self.horizon)
        inside = np.zeros(shape)
        counts = np.zeros(shape, dtype=np.int64)
        shortest = np.array([c in SHORTEST for c in CLASSES])[:, None, None]
        lo_q, hi_q = range_quantiles(self.quantiles_, level, shortest)
        errors: Errors = {}
        for start, n in windows:
            cut = self._cut(households, start, n)
            if cut is not None:
                self._collect(cut, errors)
        for (c, b, j), pairs in errors.items():
            r = np.concatenate([p[0] / self.month_factors_[c, p[1]] for p in pairs])
            r = r[np.isfinite(r)]
            inside[c, b, j] = np.sum((r >= lo_q[c, b, j]) & (r <= hi_q[c, b, j]))
            counts[c, b, j] = r.size
        with np.errstate(invalid="ignore", divide="ignore"):
            coverage = np.where(counts > 0, inside / np.maximum(counts, 1), np.nan)
        return coverage, counts

    @dataclass
    class _Cut:
        """Every household cut at one origin: series rows, their classes, the future."""

        history: np.ndarray
        future: np.ndarray  # actuals, NaN beyond each household's end
        classes: np.ndarray
        bucket: np.ndarray
        scale: np.ndarray
        owner: np.ndarray  # household index per row
        is_income: np.ndarray
        future_total: np.ndarray  # per household: all its spending, new categories included
        first_month: np.ndarray  # calendar month (0-11) of the first step, per row
        household_first_month: np.ndarray  # the same per household

    def _cut(self, households: Sequence[HouseholdArrays], start: int, n: int) -> _Cut | None:
        """Months ``start .. start + n - 1`` of every household that has a month after them.

        Series with nothing but zeros before the cut are left out: a household does not
        use that category yet (or has no income in the window), and errors scaled by an
        empty history's floor would be meaningless.
        """
        h = self.horizon
        rows, futures, owners, income, totals, firsts = [], [], [], [], [], []
        for i, hh in enumerate(households):
            t = start + n
            if hh.n_months <= t:
                continue
            fut = np.full((hh.values.shape[0], h), np.nan)
            avail = hh.values[:, t : t + h]
            fut[:, : avail.shape[1]] = avail
            used = np.abs(hh.values[:, start:t]).sum(axis=1) > 0
            rows.append(hh.values[used, start:t])
            futures.append(fut[used])
            owners.append(np.full(int(used.sum()), i))
            income.append(np.flatnonzero(used) == 0)
            totals.append(fut[1:].sum(axis=0))
            firsts.append((hh.months[t - 1] + 1).month - 1)
        if not rows:
            return None
        history = np.vstack(rows)
        is_income = np.concatenate(income)
        shape = series_shape(history)
        classes = np.where(is_income, shape, shape + _CATEGORY)
        bucket = np.full(history.shape[0], history_bucket(n))
        return self._Cut(
            history,
            np.vstack(futures),
            classes,
            bucket,
            series_scale(history),
            np.concatenate(owners),
            is_income,
            np.vstack(totals),
            np.repeat(firsts, [len(o) for o in owners]),
            np.asarray(firsts),
        )

    def _point(self, history: np.ndarray, method: Method) -> np.ndarray:
        return np.maximum(method(history, self.horizon), 0.0)

    def _residuals(self, cut: _Cut, method: Method) -> np.ndarray:
        return (cut.future - self._point(cut.history, method)) / cut.scale[:, None]

    def _choose(self, err_sum: np.ndarray, err_n: np.ndarray) -> np.ndarray:
        """The best method per (class, bucket); thin cells borrow from the class overall."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = err_sum / err_n
            overall = err_sum.sum(axis=1) / err_n.sum(axis=1)
        overall = np.where(np.isfinite(overall), overall, np.inf)
        best = np.argmin(np.where(np.isfinite(mean), mean, np.inf), axis=2)
        thin = err_n.min(axis=2) < self.min_key
        chosen = np.where(thin, np.argmin(overall, axis=1)[:, None], best)
        # A fixed bill is forecast as itself: its last amount.
        # Two shapes say how to forecast them: a fixed bill is its last amount, spending
        # that recurs in the same calendar month is what that month was in past years.
        seasonal = SHAPES.index("seasonal")
        for same in SAME_AMOUNT:
            chosen[[same, _CATEGORY + same]] = METHOD_NAMES.index("naive")
        chosen[[seasonal, _CATEGORY + seasonal]] = METHOD_NAMES.index("seasonal_mean")
        return chosen

    def _served(self, cut: _Cut) -> tuple[np.ndarray, np.ndarray | None]:
        """The served forecast per row and its recent one-step errors (as forecast has them)."""
        _, point, local = self._choose_and_point(cut.history, cut.classes, int(cut.bucket[0]))
        return point, local

    def _choose_and_point(
        self, history: np.ndarray, classes: np.ndarray, bucket: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Each row's method, its forecasts, and its one-step errors on the last months."""
        backtest = self._backtest(history)
        methods = self._methods(classes, bucket, backtest)
        local = None if backtest is None else backtest[np.arange(methods.size), methods]
        return methods, self._points(history, methods), local

    def _backtest(self, history: np.ndarray) -> np.ndarray | None:
        """One-step errors of every method on each row's last months (rows x methods x k).

        None below :data:`LOCAL_MIN` months, where a series' own months are too few to judge.
        """
        n = history.shape[1]
        if n < LOCAL_MIN:
            return None
        out = np.empty((history.shape[0], len(METHOD_NAMES), LOCAL_ORIGINS))
        for k in range(1, LOCAL_ORIGINS + 1):
            past, actual = history[:, : n - k], history[:, n - k]
            for m, name in enumerate(METHOD_NAMES):
                out[:, m, k - 1] = actual - self._point(past, METHODS[name])[:, 0]
        return out

    def _points(self, history: np.ndarray, methods: np.ndarray) -> np.ndarray:
        f = np.empty((history.shape[0], self.horizon))
        for m in np.unique(methods):
            rows = methods == m
            f[rows] = self._point(history[rows], METHODS[METHOD_NAMES[m]])
        return f

    def _methods(
        self,
        classes: np.ndarray,
        bucket: int,
        backtest: np.ndarray | None,
    ) -> np.ndarray:
        """The population's method per row, or the series' own best where it clearly wins.

        With :data:`LOCAL_MIN` months or more, every method forecasts each of the series'
        last :data:`LOCAL_ORIGINS` months from the months before it; a method whose squared
        error is below :data:`LOCAL_MARGIN` times the population method's replaces it. Fixed,
        steady and seasonal series keep the method their shape names.
        """
        methods = self.method_[classes, bucket].copy()
        own = ~np.isin(classes % _CATEGORY, [*SAME_AMOUNT, SHAPES.index("seasonal")])
        if backtest is None or not own.any():
            return methods
        rows = np.flatnonzero(own)
        err = (backtest[rows] ** 2).sum(axis=2)
        best = np.argmin(err, axis=1)
        current = err[np.arange(rows.size), methods[rows]]
        better = err[np.arange(rows.size), best] < LOCAL_MARGIN * current
        methods[rows[better]] = best[better]
        return methods

    def _collect(self, cut: _Cut, errors: Errors) -> None:
        """Add the scaled errors of every series, the total and savings at one origin.

        Each error is kept with the calendar month (0-11) of the month it forecast.
        """
        f, local = self._served(cut)
        r = (cut.future - f) / cut.scale[:, None]
        b = int(cut.bucket[0])
        for c in range(len(_SERIES_CLASSES)):
            rows = cut.classes == c
            for j in range(self.horizon):
                month = (cut.first_month[rows] + j) % 12
                errors.setdefault((c, b, j), []).append((r[rows, j], month))
        owners = np.unique(cut.owner)
        idx = np.searchsorted(owners, cut.owner)
        spend = ~cut.is_income

        def per_household(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
            out = np.zeros((owners.size, values.shape[1]))
            np.add.at(out, idx[rows], values[rows])
            return out

        hist_total = per_household(cut.history, spend)
        hist_income = per_household(cut.history, cut.is_income)
        # The truth is everything the household spent, also in categories it had not used
        # before: that is the total a user compares the forecast with.
        total_f, total_y = per_household(f, spend), cut.future_total
        income_f, income_y = (
            per_household(f, cut.is_income),
            per_household(cut.future, cut.is_income),
        )
        local_total = local_savings = None
        if local is not None:
            local_total = per_household(local, spend)
            local_savings = per_household(local, cut.is_income) - local_total
        kinds = {
            "expense_total": (
                total_y - total_f,
                adaptive_scale(series_scale(hist_total), local_total),
            ),
            "savings": (
                (income_y - total_y) - (income_f - total_f),
                adaptive_scale(
                    series_scale(hist_income - hist_total),
                    local_savings,
                ),
            ),
        }
        kinds["savings_cumulative"] = (np.cumsum(kinds["savings"][0], axis=1), kinds["savings"][1])
        for name, (err, scale) in kinds.items():
            c = CLASSES.index(name)
            scaled = err / scale[:, None]
            for j in range(self.horizon):
                month = (cut.household_first_month + j) % 12
                errors.setdefault((c, b, j), []).append((scaled[:, j], month))

    def _month_factors(self, errors: Errors) -> np.ndarray:
        """How much wider errors are in each calendar month than in the year, per class.

        December's spending misses by more than March's; ranges that are right on average
        would be too narrow in December and too wide in March. The factor is the median
        absolute error in that month over the class's, shrunk toward 1 when data are few.
        """
        factors = np.ones((len(CLASSES), 12))
        for c in range(len(CLASSES)):
            parts = [pair for (cc, _, _), pairs in errors.items() if cc == c for pair in pairs]
            if not parts:
                continue
            r = np.abs(np.concatenate([p[0] for p in parts]))
            m = np.concatenate([p[1] for p in parts])
            ok = np.isfinite(r)
            r, m = r[ok], m[ok]
            overall = float(np.median(r)) if r.size else 0.0
            if overall <= 0:
                continue
            for month in range(12):
                here = r[m == month]
                if here.size:
                    raw = float(np.median(here)) / overall
                    factors[c, month] = (here.size * raw + MONTH_PRIOR) / (here.size + MONTH_PRIOR)
        return factors

    def _tables(self, errors: Errors) -> tuple[np.ndarray, np.ndarray]:
        """Quantiles of month-adjusted scaled errors per (class, bucket, step)."""
        shape = (len(CLASSES), len(HISTORY_BUCKETS), self.horizon)
        q = np.full((*shape, PROBS.size), np.nan)
        counts = np.zeros(shape, dtype=np.int64)
        pooled: dict[tuple[int, int], list[np.ndarray]] = {}
        for (c, b, j), pairs in errors.items():
            r = np.concatenate([p[0] / self.month_factors_[c, p[1]] for p in pairs])
            r = r[np.isfinite(r)]
            counts[c, b, j] = r.size
            pooled.setdefault((c, j), []).append(r)
            if r.size >= self.min_key:
                q[c, b, j] = np.quantile(r, PROBS)
        for c in range(shape[0]):
            for j in range(shape[2]):
                allr = np.concatenate(pooled.get((c, j), [np.zeros(0)]))
                fallback = np.quantile(allr, PROBS) if allr.size else np.zeros(PROBS.size)
                for b in range(shape[1]):
                    if np.isnan(q[c, b, j, 0]):
                        q[c, b, j] = _nearest_bucket(q[c, :, j], b, fallback)
        # Each step keeps the quantiles of its own errors. Raising every step to the widest
        # before it (a running maximum) kept the upward draws of each step's sampling noise
        # and none of the downward ones: income three months ahead at 12 months of history
        # covered 0.976 (120 households of an unused seed), 0.958 without, and every other
        # cell moved toward 0.95 (docs/benchmarks.md, "Served forecasts"). Only a running
        # sum's errors are cumulative by construction; that class keeps the running maximum.
        c = CLASSES.index("savings_cumulative")
        q[c][..., PROBS >= 0.5] = np.maximum.accumulate(q[c][..., PROBS >= 0.5], axis=1)
        q[c][..., PROBS < 0.5] = np.minimum.accumulate(q[c][..., PROBS < 0.5], axis=1)
        return q, counts

    # -------------------------------------------------------------- persistence
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as plain arrays (no Python objects), for a model file."""
        return {
            "config": np.array([self.horizon, self.stride, self.min_key], dtype=np.int64),
            "method": self.method_.astype(np.int64),
            "likely_method": self.likely_method_.astype(np.int64),
            "quantiles": self.quantiles_,
            "month_factors": self.month_factors_,
            "counts": self.counts_,
            "coverage": self.coverage_,
            "coverage_n": self.coverage_n_,
            "n_households": np.array([self.n_households_], dtype=np.int64),
            "probs": PROBS,
            "buckets": np.asarray(HISTORY_BUCKETS, dtype=np.int64),
            "revision": np.array([REVISION], dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> HouseholdForecaster:
        """Rebuild a fitted forecaster from :meth:`to_arrays` output; InputError if it differs."""
        try:
            horizon, stride, min_key = (int(v) for v in arrays["config"])
            same = np.array_equal(arrays["probs"], PROBS) and np.array_equal(
                arrays["buckets"], np.asarray(HISTORY_BUCKETS)
            )
            q = np.asarray(arrays["quantiles"], dtype=float)
            month_factors = np.asarray(arrays["month_factors"], dtype=float)
            likely_method = np.asarray(arrays["likely_method"], dtype=np.int64)
            expected = (len(CLASSES), len(HISTORY_BUCKETS), horizon, PROBS.size)
        except (KeyError, ValueError, TypeError) as exc:
            raise InputError(f"household model arrays are incomplete ({exc})") from exc
        revision = int(arrays["revision"][0]) if "revision" in arrays else 1
        if not same or q.shape != expected or revision != REVISION:
            raise InputError("household model arrays were made by another version of fincast")
        model = cls(horizon=horizon, stride=stride, min_key=min_key)
        model.method_ = np.asarray(arrays["method"], dtype=np.int64)
        model.likely_method_ = likely_method
        model.quantiles_ = q
        model.month_factors_ = month_factors
        model.counts_ = np.asarray(arrays["counts"], dtype=np.int64)
        model.coverage_ = np.asarray(arrays["coverage"], dtype=float)
        model.coverage_n_ = np.asarray(arrays["coverage_n"], dtype=np.int64)
        model.n_households_ = int(arrays["n_households"][0])
        return model

    def calibration(self, cls_name: str, bucket: int, step: int) -> tuple[float, int]:
        """Held-out coverage of the 95 % range and how many outcomes it was measured on."""
        c = CLASSES.index(cls_name)
        return float(self.coverage_[c, bucket, step - 1]), int(
            self.coverage_n_[c, bucket, step - 1]
        )

    # -------------------------------------------------------------- forecast
    def forecast(self, table: pd.DataFrame, horizon: int = 1) -> HouseholdForecast:
        """Forecast every series of one household ``horizon`` months after its last month."""
        if not hasattr(self, "quantiles_"):
            raise InputError("this forecaster is not fitted yet; call fit(tables) first")
        if not 1 <= horizon <= self.horizon:
            raise InputError(f"horizon must be between 1 and {self.horizon}, got {horizon}")
        hh = household_arrays(table)
        n = hh.n_months
        if n < MIN_HISTORY:
            raise InputError(
                f"at least {MIN_HISTORY} complete months of data are needed to forecast; found {n}"
            )
        y = hh.values
        b = history_bucket(n)
        shape = series_shape(y)
        classes = np.where(np.arange(y.shape[0]) == 0, shape, shape + _CATEGORY)
        methods, point, local = self._choose_and_point(y, classes, b)
        likely = point.copy()
        rows_likely = np.isin(classes, LIKELY_BY_SMAPE)
        if rows_likely.any():
            likely[rows_likely] = self._points(
                y[rows_likely], self.likely_method_[classes[rows_likely], b]
            )
        scale = series_scale(y)
        total_hist = y[1:].sum(axis=0, keepdims=True)
        sav_hist = y[:1] - total_hist
        total = point[1:].sum(axis=0)
        savings = point[0] - total
        local_total = None if local is None else local[1:].sum(axis=0, keepdims=True)
        local_savings = None if local is None or local_total is None else local[:1] - local_total
        rows = [
            (
                name,
                CLASSES[c],
                "last amount" if s in SAME_AMOUNT else METHOD_NAMES[m],
                point[i],
                scale[i],
                likely[i],
            )
            for i, (name, c, s, m) in enumerate(zip(hh.names, classes, shape, methods, strict=True))
        ]
        total_scale = float(adaptive_scale(series_scale(total_hist), local_total)[0])
        savings_scale = float(adaptive_scale(series_scale(sav_hist), local_savings)[0])
        rows += [
            (EXPENSE, "expense_total", "sum of categories", total, total_scale, total),
            (SAVINGS, "savings", "income minus expense", savings, savings_scale, savings),
            (
                "cumulative_savings",
                "savings_cumulative",
                "sum of savings",
                np.cumsum(savings),
                savings_scale,
                np.cumsum(savings),
            ),
        ]
        months_out = pd.period_range(hh.months[-1] + 1, periods=horizon, freq="M")
        return HouseholdForecast(
            series=tuple(r[0] for r in rows),
            classes=tuple(r[1] for r in rows),
            methods=tuple(r[2] for r in rows),
            point=np.vstack([r[3][:horizon] for r in rows]),
            likely=np.vstack([r[5][:horizon] for r in rows]),
            scale=np.array([r[4] for r in rows], dtype=float),
            quantiles=np.stack(
                [
                    self.quantiles_[CLASSES.index(r[1]), b, :horizon]
                    * self.month_factors_[CLASSES.index(r[1]), months_out.month - 1][:, None]
                    for r in rows
                ]
            ),
            months=months_out,
            history_months=n,
            bucket=b,
        )


def adaptive_scale(base: np.ndarray, local_errors: np.ndarray | None) -> np.ndarray:
    """A total's scale, adapted to how well its parts' methods did on its recent months.

    The geometric mean of the history's scale and the root mean square of the recent
    one-step errors (floored at a fifth of the scale), so a household whose total the
    parts track well gets a narrower range and an erratic one a wider one; the error
    distribution learned on other households is measured in the same units, so ranges stay
    calibrated. Used for the total and savings: on single series (a salary after a raise,
    a category) it measured worse than the plain scale (docs/benchmarks.md).
    """
    if local_errors is None:
        return base
    rms = np.sqrt(np.mean(local_errors**2, axis=1))
    return np.sqrt(base * np.maximum(rms, 0.2 * base))


def _nearest_bucket(q: np.ndarray, b: int, fallback: np.ndarray) -> np.ndarray:
    """The filled quantile row of the nearest bucket (longer histories first), or ``fallback``."""
    for d in range(1, q.shape[0]):
        for k in (b + d, b - d):
            if 0 <= k < q.shape[0] and not np.isnan(q[k, 0]):
                return q[k]
    return fallback
