"""Cross-learning LightGBM: one model trained across all series on scale-free windows.

Each row is (series, origin, step): features are the series' recent values divided by its
recent level (see ``features.global_windows``), the target is the value ``step`` months
after the origin divided by the same level. Because it learns from every series at once, it
also serves series with only a few months of history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fincast.ml.features import GLOBAL_FEATURES, global_windows


@dataclass(frozen=True)
class SeriesArray:
    """One series as arrays: values and the calendar month (1-12) of its first point."""

    uid: str
    y: np.ndarray
    first_month: int

    def months(self, length: int) -> np.ndarray:
        """Calendar month of indices 0..length-1."""
        return (self.first_month - 1 + np.arange(length)) % 12 + 1


class GlobalLGBM:
    """Direct multi-step LightGBM trained on every series at once (scale-free targets).

    Args:
        n_estimators: Boosting rounds.
        learning_rate: Shrinkage per round.
        num_leaves: Leaves per tree.
        min_child_samples: Minimum rows per leaf.
        max_rows: Training rows kept (a uniform random subsample when there are more).
        objective: LightGBM objective; ``l1`` fits the conditional median.
        min_history: Fewest observed points an origin needs to become a training row.
        random_state: Seed for subsampling and LightGBM.
        n_jobs: LightGBM threads.
    """

    def __init__(
        self,
        n_estimators: int = 150,
        learning_rate: float = 0.1,
        num_leaves: int = 31,
        min_child_samples: int = 50,
        max_rows: int = 60_000,
        objective: str = "l1",
        min_history: int = 3,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.max_rows = max_rows
        self.objective = objective
        self.min_history = min_history
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _params(self) -> dict[str, object]:
        return {
            "objective": self.objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": 0.9,
            "bagging_fraction": 0.9,
            "bagging_freq": 1,
            "seed": self.random_state,
            "num_threads": self.n_jobs,
            "verbosity": -1,
            "deterministic": True,
            "force_col_wise": True,
        }

    def fit(self, series: Sequence[SeriesArray], horizon: int) -> GlobalLGBM:
        """Train on every (origin, step) pair whose target lies inside each history."""
        import lightgbm as lgb

        rng = np.random.default_rng(self.random_state)
        xs, ys = [], []
        for s in series:
            n = s.y.size
            origins = np.arange(self.min_history - 1, n - 1)
            if origins.size == 0:
                continue
            X, scale = global_windows(s.y, s.months(n + horizon), horizon, origins)
            o = np.repeat(origins, horizon)
            j = np.tile(np.arange(1, horizon + 1), origins.size)
            ok = o + j <= n - 1
            xs.append(X[ok])
            ys.append(s.y[(o + j)[ok]] / scale[ok])
        if not xs or sum(len(v) for v in ys) < 20:
            self.booster_ = None
            self.horizon_ = horizon
            return self
        X_all = np.vstack(xs)
        y_all = np.concatenate(ys)
        if y_all.size > self.max_rows:
            keep = rng.choice(y_all.size, size=self.max_rows, replace=False)
            X_all, y_all = X_all[keep], y_all[keep]
        data = lgb.Dataset(X_all, y_all, feature_name=list(GLOBAL_FEATURES), free_raw_data=True)
        self.booster_ = lgb.train(self._params(), data, num_boost_round=self.n_estimators)
        self.horizon_ = horizon
        return self

    def predict(
        self, series: Sequence[SeriesArray], horizon: int | None = None
    ) -> list[np.ndarray]:
        """Forecast ``horizon`` steps after the last point of each series."""
        h = horizon or self.horizon_
        booster = getattr(self, "booster_", None)
        if booster is None:
            return [np.full(h, float(np.median(s.y[-6:]))) for s in series]
        blocks, scales = [], []
        for s in series:
            n = s.y.size
            X, scale = global_windows(s.y, s.months(n + h), h, np.array([n - 1]))
            blocks.append(X)
            scales.append(scale)
        pred = np.asarray(booster.predict(np.vstack(blocks)), dtype=float)
        out, pos = [], 0
        for sc in scales:
            out.append(np.asarray(pred[pos : pos + h] * sc, dtype=float))
            pos += h
        return out

    def to_text(self) -> str:
        """Return the LightGBM text model ('' when untrained)."""
        booster = getattr(self, "booster_", None)
        return "" if booster is None else str(booster.model_to_string())

    @classmethod
    def from_text(cls, text: str, horizon: int) -> GlobalLGBM:
        """Rebuild a fitted model from ``to_text`` output (no pickle involved)."""
        import lightgbm as lgb

        model = cls()
        model.booster_ = lgb.Booster(model_str=text) if text else None
        model.horizon_ = horizon
        return model
