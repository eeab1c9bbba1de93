"""A household's forecast: a point and an error distribution per series and month."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from fincast.errors import InputError
from fincast.ml.household_table import EXPENSE, SAVINGS
from fincast.ml.point_methods import SAME_AMOUNT, SHAPES

#: Probabilities at which the scaled-error distribution of every key is stored.
PROBS = np.r_[0.001, 0.005, np.round(np.arange(0.01, 1.0, 0.01), 2), 0.995, 0.999]

#: Weights that turn values at :data:`PROBS` into an expectation (each value stands for the
#: probability mass halfway to its neighbours; the tails beyond the first and last go to them).
_MASS = np.diff(np.r_[0.0, (PROBS[1:] + PROBS[:-1]) / 2, 1.0])
CUMULATIVE_SAVINGS = "cumulative_savings"

NONNEGATIVE = frozenset(
    {*(f"income/{s}" for s in SHAPES), *(f"category/{s}" for s in SHAPES), "expense_total"}
)
#: Classes whose range is the shortest one holding the level, not the central one: a bill
#: that stayed the same either stays or moves one way (a renewal, a price rise), so its
#: errors are an atom at zero and a tail; the central range would reach into the tail on
#: both counts.
SHORTEST = frozenset(f"{kind}/{SHAPES[s]}" for kind in ("income", "category") for s in SAME_AMOUNT)


def at_probability(quantiles: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """Quantile tables (last axis at :data:`PROBS`) read at ``p`` (broadcast), linearly."""
    p = np.asarray(p, dtype=float)
    k = np.clip(np.searchsorted(PROBS, p) - 1, 0, PROBS.size - 2)
    w = np.clip((p - PROBS[k]) / (PROBS[k + 1] - PROBS[k]), 0.0, 1.0)
    k = np.broadcast_to(k, quantiles.shape[:-1])
    w = np.broadcast_to(w, quantiles.shape[:-1])
    lo = np.take_along_axis(quantiles, k[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(quantiles, k[..., None] + 1, axis=-1)[..., 0]
    return np.asarray((1 - w) * lo + w * hi)


def range_quantiles(
    quantiles: np.ndarray, level: float, shortest: np.ndarray | bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled-error bounds of the ``level`` % range from quantile tables (last axis).

    The central range (``alpha/2`` to ``1 - alpha/2``), or where ``shortest`` is true (it
    broadcasts over the leading axes) the narrowest of the ranges holding ``level`` %.
    """
    if not 0 < level < 100:
        raise InputError(f"level must be between 0 and 100 (percent), got {level}")
    alpha = 1 - level / 100
    lo = at_probability(quantiles, alpha / 2)
    hi = at_probability(quantiles, 1 - alpha / 2)
    mask = np.broadcast_to(np.asarray(shortest, dtype=bool), lo.shape)
    if mask.any():
        starts = np.linspace(PROBS[0], alpha - PROBS[0], 25)
        lows = np.stack([at_probability(quantiles, p) for p in starts])
        highs = np.stack([at_probability(quantiles, p + level / 100) for p in starts])
        best = np.argmin(highs - lows, axis=0)[None]
        lo = np.where(mask, np.take_along_axis(lows, best, axis=0)[0], lo)
        hi = np.where(mask, np.take_along_axis(highs, best, axis=0)[0], hi)
    return lo, hi


@dataclass(frozen=True)
class HouseholdForecast:
    """Forecasts of one household: a point and an error distribution per series and month.

    ``quantiles[i, j]`` are the scaled-error quantiles at :data:`PROBS` of series ``i`` at
    step ``j``; the predictive distribution is ``point + scale * error``. ``point`` is its
    mean (what the total adds up); ``likely`` is what a person reads: the mean, or for
    spending that comes in some months and not others the forecast with the lowest sMAPE
    on other households (often nothing).
    """

    series: tuple[str, ...]
    classes: tuple[str, ...]
    methods: tuple[str, ...]
    point: np.ndarray
    likely: np.ndarray
    scale: np.ndarray
    quantiles: np.ndarray
    months: pd.PeriodIndex
    history_months: int
    bucket: int

    def quantile(self, p: float) -> np.ndarray:
        """The ``p`` quantile of every series at every step (series x steps)."""
        return self._amounts(at_probability(self.quantiles, p))

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` of the ``level`` % range (series x steps).

        The central range, or for the :data:`SHORTEST` classes the narrowest one.
        """
        shortest = np.array([c in SHORTEST for c in self.classes])[:, None]
        lo, hi = range_quantiles(self.quantiles, level, shortest)
        return self._amounts(lo), self._amounts(hi)

    def _amounts(self, q: np.ndarray) -> np.ndarray:
        """Scaled errors (series x steps) as amounts, never below zero where they cannot be."""
        out = self.point + self.scale[:, None] * q
        nonneg = np.array([c in NONNEGATIVE for c in self.classes])
        out[nonneg] = np.maximum(out[nonneg], 0.0)
        return out

    def probability_above(self, i: int, j: int, amount: float) -> float:
        """P(series ``i`` at step ``j`` exceeds ``amount``)."""
        z = (amount - self.point[i, j]) / self.scale[i]
        return float(1.0 - np.interp(z, self.quantiles[i, j], PROBS, left=0.0, right=1.0))

    def with_floors(self, floors: Mapping[str, Sequence[float]]) -> HouseholdForecast:
        """This forecast knowing that at least ``floors[name][j]`` goes out in step ``j``.

        For bills the user confirmed (a subscription, the rent): a category's spending in a
        month is at least what those bills will take, so its distribution is floored there
        (``max(X, known)``: the quantiles below the known amount move up to it, and the mean
        with them), what to expect is never below it, and the total, savings and cumulative
        savings shift by the change of the category's mean. Names that are not spending
        categories of this forecast, and steps past its horizon, are ignored.
        """
        point, likely, quantiles = self.point.copy(), self.likely.copy(), self.quantiles.copy()
        steps = point.shape[1]
        added = np.zeros(steps)
        index = {name: i for i, name in enumerate(self.series)}
        for name, amounts in floors.items():
            i = index.get(name)
            if i is None or not self.classes[i].startswith("category/"):
                continue
            known = np.zeros(steps)
            given = np.asarray(amounts, dtype=float)[:steps]
            known[: given.size] = np.maximum(given, 0.0)
            for j in np.flatnonzero(known > 0):
                before = np.maximum(point[i, j] + self.scale[i] * quantiles[i, j], 0.0)
                after = np.maximum(before, known[j])
                shift = float(_MASS @ after - _MASS @ before)
                point[i, j] += shift
                if self.scale[i] > 0:
                    quantiles[i, j] = (after - point[i, j]) / self.scale[i]
                likely[i, j] = max(likely[i, j], known[j])
                added[j] += shift
        if not added.any():
            return self
        for total, sign, delta in (
            (EXPENSE, 1.0, added),
            (SAVINGS, -1.0, added),
            (CUMULATIVE_SAVINGS, -1.0, np.cumsum(added)),
        ):
            if total in index:
                point[index[total]] += sign * delta
                likely[index[total]] += sign * delta
        return replace(self, point=point, likely=likely, quantiles=quantiles)

    def to_frame(self, levels: Sequence[float] = (95,)) -> pd.DataFrame:
        """Long frame: ``series, class, method, month, step, forecast, lo-L, hi-L``."""
        n, h = self.point.shape
        out = pd.DataFrame(
            {
                "series": np.repeat(self.series, h),
                "class": np.repeat(self.classes, h),
                "method": np.repeat(self.methods, h),
                "month": np.tile(self.months.strftime("%Y-%m"), n),
                "step": np.tile(np.arange(1, h + 1), n),
                "forecast": self.point.ravel(),
            }
        )
        for level in levels:
            lo, hi = self.interval(level)
            name = f"{level:g}"
            out[f"lo-{name}"] = lo.ravel()
            out[f"hi-{name}"] = hi.ravel()
        return out
