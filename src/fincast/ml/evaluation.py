"""Hold-out evaluation: fincast beside the baselines on the same frames, with the same clock.

Pure: long frames in, metric tables out (no database, no settings, no web framework). Used by
``fincast evaluate`` and by the forecasting benchmark. The baselines are seasonal naive,
naive, AutoETS and AutoTheta (statsforecast) and the compatible API's random forest
(docs/compatibility.md).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence

import pandas as pd

from fincast.errors import InputError
from fincast.frames import DS, UID, Y, validate_long_frame
from fincast.ml.engine import NAME, FincastForecaster
from fincast.ml.forest import forest_forecast
from fincast.ml.metrics import evaluate_forecasts

BASELINES = ("seasonal_naive", "naive", "autoets", "autotheta", "forest")
MODELS = (NAME, *BASELINES)
Progress = Callable[[str, int, int], None]


def last_points(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """Keep the last ``n`` points of every series (a shorter history for the models)."""
    if n < 1:
        raise InputError(f"history must be at least 1 point, got {n}")
    return frame.groupby(UID, sort=False).tail(n).reset_index(drop=True)


def holdout(frame: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the last ``horizon`` points of every series off as the test."""
    if horizon < 1:
        raise InputError(f"horizon must be at least 1, got {horizon}")
    frame = validate_long_frame(frame)
    pos = frame.groupby(UID).cumcount(ascending=False)
    test = frame[pos < horizon]
    hist = frame[pos >= horizon]
    short = set(frame[UID]) - set(hist[UID])
    if short:
        raise InputError(
            f"{len(short)} series have no history left after holding out {horizon} points, "
            f"e.g. {sorted(short)[0]!r}"
        )
    return hist.reset_index(drop=True), test.reset_index(drop=True)


def _statsforecast(name: str, history: pd.DataFrame, h: int, level: int) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta, Naive, SeasonalNaive

    models = {
        "seasonal_naive": SeasonalNaive(season_length=12, alias="seasonal_naive"),
        "naive": Naive(alias="naive"),
        "autoets": AutoETS(season_length=12, alias="autoets"),
        "autotheta": AutoTheta(season_length=12, alias="autotheta"),
    }
    sf = StatsForecast(models=[models[name]], freq="MS", n_jobs=1)
    with warnings.catch_warnings():
        # statsforecast warns on short or flat series and falls back on its own.
        warnings.simplefilter("ignore")
        return sf.forecast(df=history, h=h, level=[level])


def _forest(history: pd.DataFrame, h: int, level: int, progress: Progress | None) -> pd.DataFrame:
    out = []
    groups = list(history.groupby(UID, sort=True))
    for i, (uid, g) in enumerate(groups):
        ds = pd.DatetimeIndex(g[DS])
        mean, lo, hi = forest_forecast(g[Y].to_numpy(float), int(ds[0].month), h, level=level)
        fut = pd.date_range(ds[-1] + pd.offsets.MonthBegin(1), periods=h, freq="MS")
        out.append(
            pd.DataFrame(
                {
                    UID: uid,
                    DS: fut,
                    "forest": mean,
                    f"forest-lo-{level}": lo,
                    f"forest-hi-{level}": hi,
                }
            )
        )
        if progress and (i % 25 == 0 or i == len(groups) - 1):
            progress("forest", i + 1, len(groups))
    return pd.concat(out, ignore_index=True)


def _warm_up(history: pd.DataFrame, h: int, level: int) -> None:
    """Compile numba kernels outside the timed sections (all models alike)."""
    few = history[history[UID].isin(history[UID].drop_duplicates().iloc[:2])]
    for name in ("seasonal_naive", "naive", "autoets", "autotheta"):
        _statsforecast(name, few, h, level)
    FincastForecaster(models=("theta", "dotm")).fit(few, h).predict(h, [level])


def compare_models(
    history: pd.DataFrame,
    test: pd.DataFrame,
    h: int,
    *,
    level: int = 95,
    models: Sequence[str] = MODELS,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Fit every model on ``history``, forecast ``h``, score on ``test``; one row per model.

    Columns are the metrics of :func:`fincast.ml.metrics.evaluate_forecasts` plus ``seconds``
    (fit and forecast, wall clock) and ``series_per_second``.
    """
    history = validate_long_frame(history, name="history")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise InputError(f"unknown models {unknown}; use some of {list(MODELS)}")
    n_series = history[UID].nunique()
    _warm_up(history, h, level)
    rows = []
    for name in models:
        t0 = time.perf_counter()
        if name == NAME:
            fc = FincastForecaster(progress=progress, n_jobs=1).fit(history, h).predict(h, [level])
        elif name == "forest":
            fc = _forest(history, h, level, progress)
        else:
            if progress:
                progress(name, 0, 1)
            fc = _statsforecast(name, history, h, level)
        seconds = time.perf_counter() - t0
        scores = evaluate_forecasts(history, test, fc, [name], level=level)
        scores["seconds"] = seconds
        scores["series_per_second"] = n_series / seconds if seconds > 0 else float("inf")
        rows.append(scores)
    return pd.concat(rows)
