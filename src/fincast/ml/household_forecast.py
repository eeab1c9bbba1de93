"""A household's forecast: a point and an error distribution per series and month."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fincast.errors import InputError
from fincast.ml.point_methods import SHAPES

#: Probabilities at which the scaled-error distribution of every key is stored.
PROBS = np.r_[0.001, 0.005, np.round(np.arange(0.01, 1.0, 0.01), 2), 0.995, 0.999]

NONNEGATIVE = frozenset(
    {*(f"income/{s}" for s in SHAPES), *(f"category/{s}" for s in SHAPES), "expense_total"}
)


@dataclass(frozen=True)
class HouseholdForecast:
    """Forecasts of one household: a point and an error distribution per series and month.

    ``quantiles[i, j]`` are the scaled-error quantiles at :data:`PROBS` of series ``i`` at
    step ``j``; the predictive distribution is ``point + scale * error``.
    """

    series: tuple[str, ...]
    classes: tuple[str, ...]
    methods: tuple[str, ...]
    point: np.ndarray
    scale: np.ndarray
    quantiles: np.ndarray
    months: pd.PeriodIndex
    history_months: int
    bucket: int

    def quantile(self, p: float) -> np.ndarray:
        """The ``p`` quantile of every series at every step (series x steps)."""
        k = int(np.clip(np.searchsorted(PROBS, p) - 1, 0, PROBS.size - 2))
        w = float(np.clip((p - PROBS[k]) / (PROBS[k + 1] - PROBS[k]), 0.0, 1.0))
        q = (1 - w) * self.quantiles[..., k] + w * self.quantiles[..., k + 1]
        out = self.point + self.scale[:, None] * q
        nonneg = np.array([c in NONNEGATIVE for c in self.classes])
        out[nonneg] = np.maximum(out[nonneg], 0.0)
        return out

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` of the central ``level`` % range (series x steps)."""
        if not 0 < level < 100:
            raise InputError(f"level must be between 0 and 100 (percent), got {level}")
        alpha = 1 - level / 100
        return self.quantile(alpha / 2), self.quantile(1 - alpha / 2)

    def probability_above(self, i: int, j: int, amount: float) -> float:
        """P(series ``i`` at step ``j`` exceeds ``amount``)."""
        z = (amount - self.point[i, j]) / self.scale[i]
        return float(1.0 - np.interp(z, self.quantiles[i, j], PROBS, left=0.0, right=1.0))

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
