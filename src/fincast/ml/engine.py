"""The fincast forecaster: candidates chosen per series by rolling-origin backtest.

``FincastForecaster`` runs every candidate (local statistical models and one global
LightGBM) at several cutoffs inside each series' history, scores them on the points after
each cutoff (never in-sample), combines the best few per series with weights shrunk toward
the panel-wide ranking, and calibrates intervals with conformal prediction on the same
out-of-sample residuals (each window combined with weights from the other windows), widened
by how much the newer windows' errors exceed the band of the older ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from fincast.errors import InputError
from fincast.frames import DS, UID, Y, validate_long_frame
from fincast.ml.baselines import LOCAL_MODELS
from fincast.ml.conformal import conformal_quantiles, recency_factor
from fincast.ml.global_model import GlobalLGBM, SeriesArray
from fincast.ml.metrics import mase_scale

DEFAULT_MODELS: tuple[str, ...] = ("naive", "seasonal_naive", "median", "theta", "dotm", "lgbm")
NAME = "fincast"
ProgressCallback = Callable[[str, int, int], None]


def _to_series(df: pd.DataFrame) -> list[SeriesArray]:
    out = []
    for uid, g in df.groupby(UID, sort=True):
        ds = pd.DatetimeIndex(g[DS])
        expected = pd.date_range(ds[0], periods=len(ds), freq="MS")
        if not ds.equals(expected):
            raise InputError(
                f"series {uid!r} has gaps in its months between {ds[0]:%Y-%m} and "
                f"{ds[-1]:%Y-%m}; fill missing months (e.g. with 0) before forecasting"
            )
        out.append(SeriesArray(str(uid), g[Y].to_numpy(dtype=float), int(ds[0].month)))
    return out


def _levels(level: int | float | Iterable[int | float] | None) -> list[float]:
    if level is None:
        return []
    vals = [level] if isinstance(level, int | float) else list(level)
    for v in vals:
        if not 0 < float(v) < 100:
            raise InputError(f"interval level must be between 0 and 100 (exclusive), got {v}")
    return [float(v) for v in vals]


def _level_name(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else str(level)


class FincastForecaster:
    """Backtest-selected, conformally calibrated monthly forecaster for a long panel.

    Args:
        models: Candidate names: any of ``naive, seasonal_naive, median, theta, dotm,
            autotheta, autoets, lgbm``.
        season_length: Season of the data (12 for monthly).
        n_windows: Rolling-origin cutoffs per series; ``None`` picks 3-6 from the horizon.
        step: Months between cutoffs; ``None`` uses ``ceil(h / 3)``, at least
            ``ceil(12 / n_windows)`` so the cutoffs span a year.
        top_k: How many of the best candidates each series combines.
        shrinkage: Pseudo-windows pulling a series' scores toward the panel-wide scores.
        combine: ``"median"`` of the selected candidates (robust default) or ``"inverse"``
            (weights proportional to 1 / backtest error).
        min_train: Fewest points a cutoff leaves for training.
        nonnegative: ``"auto"`` clips forecasts of series whose history is never negative
            at zero; ``True``/``False`` force it for all series.
        lgbm_params: Keyword arguments for ``GlobalLGBM``.
        random_state: Seed for the global model.
        n_jobs: Threads for LightGBM.
        progress: Optional callback ``(stage, done, total)`` for progress bars.
    """

    def __init__(
        self,
        models: Sequence[str] = DEFAULT_MODELS,
        season_length: int = 12,
        n_windows: int | None = None,
        step: int | None = None,
        top_k: int = 4,
        shrinkage: float = 10.0,
        combine: str = "median",
        min_train: int = 3,
        nonnegative: bool | str = "auto",
        lgbm_params: dict[str, object] | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.models = models
        self.season_length = season_length
        self.n_windows = n_windows
        self.step = step
        self.top_k = top_k
        self.shrinkage = shrinkage
        self.combine = combine
        self.min_train = min_train
        self.nonnegative = nonnegative
        self.lgbm_params = lgbm_params
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.progress = progress

    # ------------------------------------------------------------------ helpers
    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _new_global(self) -> GlobalLGBM:
        params: dict[str, object] = {"random_state": self.random_state, "n_jobs": self.n_jobs}
        params.update(self.lgbm_params or {})
        return GlobalLGBM(**params)  # type: ignore[arg-type]

    def _local_names(self) -> list[str]:
        return [m for m in self.models_ if m != "lgbm"]

    def _run_candidates(
        self, series: Sequence[SeriesArray], h: int, stage: str, global_model: GlobalLGBM | None
    ) -> dict[str, list[np.ndarray]]:
        """Forecast every series with every candidate from its last point."""
        out: dict[str, list[np.ndarray]] = {m: [] for m in self.models_}
        local = self._local_names()
        total = len(series)
        for i, s in enumerate(series):
            for m in local:
                out[m].append(LOCAL_MODELS[m](s.y, h, self.season_length))
            if i % 25 == 0 or i == total - 1:
                self._tick(stage, i + 1, total)
        if "lgbm" in self.models_:
            model = global_model if global_model is not None else self._new_global()
            out["lgbm"] = model.predict(series, h)
        return out

    def _series_offsets(self, n: int, h: int) -> list[int]:
        """Cutoffs (points held back) for a series of length ``n``.

        Full-horizon cutoffs go back in steps while at least half the history (and
        ``min_train`` points) stays for training, so backtest models resemble the final
        one; short series add partial windows inside the horizon instead.
        """
        k = self.n_windows or int(min(6, max(3, math.ceil(24 / h))))
        # Cutoffs spread over at least a year, so every seasonal phase is represented in
        # the calibration residuals (panels often share one calendar).
        step = self.step or max(1, math.ceil(h / 3), math.ceil(12 / k))
        keep = max(self.min_train, math.ceil(n / 2))
        full = [h + i * step for i in range(k) if n - (h + i * step) >= keep]
        partial = [d for d in range(h - step, 0, -step) if n - d >= self.min_train]
        out = (full + partial)[:k]
        if not out and n - self.min_train >= 1:
            out = [n - self.min_train]
        return out

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, h: int) -> FincastForecaster:
        """Backtest candidates, learn per-series weights and conformal residuals; return self."""
        if not isinstance(h, int | np.integer) or h < 1:
            raise InputError(f"horizon must be a positive whole number of months, got {h!r}")
        unknown = [m for m in self.models if m not in LOCAL_MODELS and m != "lgbm"]
        if unknown or not self.models:
            raise InputError(f"unknown candidate models: {unknown or 'none given'}")
        if self.combine not in ("median", "inverse"):
            raise InputError(f"combine must be 'median' or 'inverse', got {self.combine!r}")
        frame = validate_long_frame(df, name="history")
        if frame.empty:
            raise InputError("history: the frame has no rows")
        series = _to_series(frame)
        self.models_ = list(dict.fromkeys(self.models))
        self.h_ = int(h)
        self.scales_ = {s.uid: mase_scale(s.y, self.season_length) for s in series}
        self.nonneg_ = {s.uid: self._is_nonneg(s.y) for s in series}
        records = []  # (uid, window, step, y, {model: f})
        plan = {s.uid: self._series_offsets(s.y.size, h) for s in series}
        for w in range(max((len(v) for v in plan.values()), default=0)):
            cut: list[SeriesArray] = []
            actual: list[np.ndarray] = []
            for s in series:
                if w >= len(plan[s.uid]):
                    continue
                dd = plan[s.uid][w]
                cut.append(SeriesArray(s.uid, s.y[: s.y.size - dd], s.first_month))
                actual.append(s.y[s.y.size - dd : s.y.size - dd + h])
            if not cut:
                continue
            gm = self._new_global().fit(cut, h) if "lgbm" in self.models_ else None
            preds = self._run_candidates(cut, h, f"backtest window {w + 1}", gm)
            n_a = np.array([a.size for a in actual])
            block: dict[str, np.ndarray] = {
                UID: np.repeat([s.uid for s in cut], n_a),
                "window": np.full(n_a.sum(), w),
                "cutoff_index": np.repeat([s.y.size - 1 for s in cut], n_a),
                "step": np.concatenate([np.arange(1, k + 1) for k in n_a]),
                Y: np.concatenate(actual),
            }
            for m in self.models_:
                block[m] = np.concatenate([p[:k] for p, k in zip(preds[m], n_a, strict=True)])
            records.append(pd.DataFrame(block))
        bt = pd.concat(records, ignore_index=True) if records else pd.DataFrame()
        self._learn_weights(bt, series)
        if not bt.empty:
            bt[NAME] = self._out_of_window_combination(bt)
            self._clip_frame(bt, [NAME])
            scale = bt[UID].map(self.scales_).to_numpy(dtype=float)
            self.residual_steps_ = bt["step"].to_numpy(dtype=int)
            self.residuals_ = ((bt[Y] - bt[NAME]) / scale).to_numpy(dtype=float)
            self.residual_windows_ = bt["window"].to_numpy(dtype=int)
        else:
            self.residual_steps_ = np.zeros(0, dtype=int)
            self.residuals_ = np.zeros(0)
            self.residual_windows_ = np.zeros(0, dtype=int)
        self.backtest_ = bt
        # Final fit on the full history.
        self.global_ = self._new_global().fit(series, h) if "lgbm" in self.models_ else None
        self.series_ = series
        self.last_ds_ = {str(k): pd.Timestamp(v) for k, v in frame.groupby(UID)[DS].max().items()}
        return self

    def _is_nonneg(self, y: np.ndarray) -> bool:
        if self.nonnegative == "auto":
            return bool(np.all(y >= 0))
        return bool(self.nonnegative)

    def _clip_frame(self, frame: pd.DataFrame, cols: Sequence[str]) -> None:
        nonneg = frame[UID].map(self.nonneg_).fillna(False).to_numpy(dtype=bool)
        for c in cols:
            frame.loc[nonneg, c] = frame.loc[nonneg, c].clip(lower=0.0)

    def _learn_weights(self, bt: pd.DataFrame, series: Sequence[SeriesArray]) -> None:
        """Score candidates out of sample and keep the top-k per series (shrunk scores)."""
        uids = [s.uid for s in series]
        weights, glob_weights, per, glob = self._weights_from(bt, uids)
        self.global_weights_ = glob_weights
        self.weights_ = weights
        self.scores_ = per
        self.global_scores_ = glob

    def _weights_from(
        self, bt: pd.DataFrame, uids: Sequence[str]
    ) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
        """Per-series and panel-wide weights, and the scores behind them, from backtest rows."""
        models = self.models_
        if bt.empty:
            glob = pd.Series(1.0, index=models)
            per = pd.DataFrame(np.nan, index=uids, columns=models)
            n_win = pd.Series(0.0, index=uids)
        else:
            scale = bt[UID].map(self.scales_).to_numpy(dtype=float)
            err = pd.DataFrame(
                {m: np.abs(bt[Y].to_numpy() - bt[m].to_numpy()) / scale for m in models}
            )
            err[UID] = bt[UID].to_numpy()
            per = err.groupby(UID).mean().reindex(uids)
            glob = per.mean()
            n_win = bt.groupby(UID)["window"].nunique().reindex(uids).fillna(0.0)
        lam = self.shrinkage
        shrunk = per.fillna(glob).mul(n_win, axis=0).add(lam * glob, axis=1)
        shrunk = shrunk.div(n_win + lam, axis=0)
        k = max(1, min(self.top_k, len(models)))
        weights = pd.DataFrame(
            _top_k_weights(shrunk.to_numpy(dtype=float), k), index=uids, columns=models
        )
        glob_weights = pd.Series(
            _top_k_weights(glob.to_numpy(dtype=float)[None, :], k)[0], index=models
        )
        return weights, glob_weights, per, glob

    def _out_of_window_combination(self, bt: pd.DataFrame) -> np.ndarray:
        """The combined backtest forecast of each window with weights from the other windows.

        The residuals that calibrate intervals must come from forecasts whose combination
        weights did not see them: weights chosen on a window fit that window's outcomes,
        so their residuals are smaller than a future month's (ranges covered 93.6 % on M1
        before this, docs/benchmarks.md).
        """
        out = np.empty(len(bt))
        windows = bt["window"].to_numpy()
        uids = list(dict.fromkeys(bt[UID]))
        for w in np.unique(windows):
            rows = windows == w
            weights = self._weights_from(bt[~rows], uids)[0]
            part = bt[rows]
            wts = weights.reindex(part[UID].to_numpy()).to_numpy(dtype=float)
            out[rows] = self._combine_rows(wts, part[self.models_].to_numpy(dtype=float))
        return out

    def _weights_for(self, uid: str) -> pd.Series:
        if uid in self.weights_.index:
            return self.weights_.loc[uid]
        return self.global_weights_

    def _combine_rows(self, w: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Combine candidate forecasts ``f`` (rows x models) with selection weights ``w``."""
        if self.combine == "median":
            masked = np.where(w > 0, f, np.nan)
            return np.asarray(np.nanmedian(masked, axis=1), dtype=float)
        return np.asarray(np.sum(w * f, axis=1), dtype=float)

    # ------------------------------------------------------------------ predict
    def predict(
        self,
        h: int | None = None,
        level: int | float | Iterable[int | float] | None = (95,),
        df: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Forecast ``h`` months after each series' last point with ``level`` % intervals.

        Args:
            h: Horizon (at most the fitted horizon); defaults to the fitted one.
            level: Interval level(s) in percent, or None for point forecasts only.
            df: Newer history to forecast from (same series or new ones); the fitted
                weights, global model and calibration are reused.

        Returns:
            Long frame ``unique_id, ds, fincast, fincast-lo-<L>, fincast-hi-<L>``.
        """
        if not hasattr(self, "weights_"):
            raise InputError("this forecaster is not fitted yet; call fit(df, h) first")
        h = self.h_ if h is None else int(h)
        if not 1 <= h <= self.h_:
            raise InputError(f"horizon must be between 1 and the fitted {self.h_}, got {h}")
        levels = _levels(level)
        if df is None:
            series = self.series_
            scales = self.scales_
            nonneg = self.nonneg_
        else:
            series = _to_series(validate_long_frame(df, name="history"))
            scales = {s.uid: mase_scale(s.y, self.season_length) for s in series}
            nonneg = {s.uid: self._is_nonneg(s.y) for s in series}
        preds = self._run_candidates(series, h, "forecast", self.global_)
        frames = []
        for i, s in enumerate(series):
            w = self._weights_for(s.uid).reindex(self.models_).fillna(0.0).to_numpy()
            f = np.column_stack([preds[m][i][:h] for m in self.models_])
            mean = self._combine_rows(np.tile(w, (h, 1)), f)
            frames.append((s, mean))
        last_ds = self.last_ds_ if df is None else _last_months(df)
        bands = {lv: self.band(lv, h) for lv in levels}
        uids = [s.uid for s, _ in frames]
        mean_all = np.concatenate([m for _, m in frames])
        scale_all = np.repeat([scales[u] for u in uids], h)
        ds_all = np.concatenate(
            [
                pd.date_range(last_ds[u] + pd.offsets.MonthBegin(1), periods=h, freq="MS")
                for u in uids
            ]
        )
        cols: dict[str, np.ndarray] = {UID: np.repeat(uids, h), DS: ds_all, NAME: mean_all}
        for lv, (qlo, qhi) in bands.items():
            name = _level_name(lv)
            cols[f"{NAME}-lo-{name}"] = mean_all + scale_all * np.tile(qlo, len(uids))
            cols[f"{NAME}-hi-{name}"] = mean_all + scale_all * np.tile(qhi, len(uids))
        out = pd.DataFrame(cols)
        clip = np.repeat([nonneg[u] for u in uids], h)
        num = list(out.columns[2:])
        out.loc[clip, num] = out.loc[clip, num].clip(lower=0.0)
        return out

    def band(self, level: float, h: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scaled ``(lo, hi)`` offsets per step of the ``level`` % band.

        The conformal quantiles of every backtest window's residuals, times the
        :func:`~fincast.ml.conformal.recency_factor` for that level: the newer windows are
        the closest to the months ahead, so the band is widened by what makes the older
        windows' band hold the newer ones at ``level`` (never narrowed).
        """
        h = self.h_ if h is None else int(h)
        factor = recency_factor(
            self.residual_steps_, self.residuals_, self.residual_windows_, h, level
        )
        q_lo, q_hi = conformal_quantiles(self.residual_steps_, self.residuals_, h, level)
        return factor * q_lo, factor * q_hi

    def forecast(
        self,
        df: pd.DataFrame,
        h: int,
        level: int | float | Iterable[int | float] | None = (95,),
    ) -> pd.DataFrame:
        """Fit on ``df`` and forecast ``h`` months (statsforecast-style one call)."""
        return self.fit(df, h).predict(h, level)


def _last_months(df: pd.DataFrame) -> dict[str, pd.Timestamp]:
    frame = validate_long_frame(df, name="history")
    return {str(k): pd.Timestamp(v) for k, v in frame.groupby(UID)[DS].max().items()}


def _top_k_weights(scores: np.ndarray, k: int) -> np.ndarray:
    """Inverse-score weights over each row's ``k`` lowest scores (rows sum to 1)."""
    order = np.argsort(scores, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(scores, order, axis=1)
    inv = 1.0 / np.maximum(best, 1e-6)
    out = np.zeros_like(scores, dtype=float)
    np.put_along_axis(out, order, inv / inv.sum(axis=1, keepdims=True), axis=1)
    return out
