"""Served household forecasts: the population model, and one household's labelled forecast.

Every forecast a user sees (``/api/forecast``, ``/api/predict/*``, ``fincast predict``, the
dashboard) comes from :func:`serve`: the household model (:mod:`fincast.ml.household`)
applied to the user's monthly table, with the labels a reader needs to trust it - the
months it is for, how much history it rests on, its method, its measured calibration and
warnings when the data are stale or short.

The household model learns across households. It is one shared, read-only model file
(``population``) in the models folder; a fresh install trains it from synthetic households
(:mod:`fincast.synth`) the first time it is needed, or ahead of time with
``fincast train-population``.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fincast.errors import InputError
from fincast.ml.household import CHECK_LEVEL, HouseholdForecaster, bucket_label
from fincast.ml.household_batch import forecast_many, intervals_many, probabilities_above
from fincast.ml.household_forecast import HouseholdForecast
from fincast.ml.household_table import HouseholdArrays
from fincast.services.forecasting.known import floors_for
from fincast.services.forecasting.modelfiles import load_model_file, read_metadata, save_model_file

POPULATION_MODEL = "population"
KIND = "fincast-household"
POPULATION_SEED = 7_777_777
POPULATION_HOUSEHOLDS = 300
POPULATION_MONTHS = 60
#: Newest data older than this many months makes a forecast "stale".
STALE_MONTHS = 2
#: Below this many months of history a forecast says it rests mostly on other households.
SHORT_HISTORY = 12
CALIBRATION_METHOD = "share of held-out households' outcomes inside the 95% range"

log = logging.getLogger(__name__)
_lock = threading.RLock()  # population_model trains (and forgets) under the same lock
_loaded: dict[Path, tuple[int, HouseholdForecaster]] = {}


def synthetic_tables(households: int, months: int, seed: int) -> list[pd.DataFrame]:
    """Monthly tables of synthetic households (the population a fresh install learns from)."""
    from fincast.synth import generate_households

    monthly = generate_households(households, months, seed).monthly
    tables = []
    for _, rows in monthly.groupby("user_id", observed=True, sort=False):
        table = rows.drop(columns=["user_id"]).reset_index(drop=True)
        table["year_month"] = table["year_month"].astype(str)
        for col in table.columns[1:]:
            table[col] = table[col].astype(float)
        tables.append(table)
    return tables


def train_population(
    models_dir: Path,
    *,
    households: int = POPULATION_HOUSEHOLDS,
    months: int = POPULATION_MONTHS,
    seed: int = POPULATION_SEED,
    tables: Sequence[pd.DataFrame] | None = None,
    ledgers: Sequence[pd.DataFrame] = (),
) -> dict[str, Any]:
    """Fit the household model on a population and save it as the shared model file.

    Args:
        models_dir: The models folder.
        households: Synthetic households to learn from (when ``tables`` is not given).
        months: Months each synthetic household spans.
        seed: Generator seed of the synthetic population.
        tables: Monthly tables to learn from instead of synthetic households.
        ledgers: Users' own monthly tables, learned from beside the others.

    Returns:
        The saved model's metadata.
    """
    source = "given monthly tables"
    if tables is None:
        tables = synthetic_tables(households, months, seed)
        source = f"{households} synthetic households x {months} months (seed {seed})"
    if ledgers:
        source += f" and {len(ledgers)} users' ledgers"
    model = HouseholdForecaster().fit([*tables, *ledgers])
    meta = save_model_file(
        models_dir,
        POPULATION_MODEL,
        KIND,
        model.to_arrays(),
        {
            "trained_on": source,
            "n_households": model.n_households_,
            "n_ledgers": len(ledgers),
            "horizon": model.horizon,
        },
    )
    with _lock:
        _loaded.pop(Path(models_dir), None)
    return meta


def population_model(models_dir: Path) -> HouseholdForecaster:
    """The shared household model: loaded once per file version, trained if there is none."""
    return versioned_population_model(models_dir)[1]


def versioned_population_model(
    models_dir: Path, *, train: bool = True
) -> tuple[int, HouseholdForecaster]:
    """:func:`population_model` with the version (file time) of the file it came from.

    ``train=False`` never trains: a missing file raises ``FileNotFoundError`` and a file of
    another version's layout its ``InputError``.
    """
    folder = Path(models_dir)
    meta_path = folder / f"{POPULATION_MODEL}.meta.json"
    with _lock:
        if not meta_path.exists():
            if not train:
                raise FileNotFoundError(meta_path)
            train_population(folder)
        stamp = meta_path.stat().st_mtime_ns
        hit = _loaded.get(folder)
        if hit is not None and hit[0] == stamp:
            return hit
        _, arrays = load_model_file(folder, POPULATION_MODEL, kind=KIND)
        try:
            model = HouseholdForecaster.from_arrays(arrays)
        except InputError as exc:
            if not train:
                raise
            # Signed by this installation but laid out by another version of fincast (an
            # upgrade): the model is ours to rebuild, so rebuild it rather than fail.
            log.warning("household model %s: %s; retraining", POPULATION_MODEL, exc)
            train_population(folder)
            stamp = meta_path.stat().st_mtime_ns
            _, arrays = load_model_file(folder, POPULATION_MODEL, kind=KIND)
            model = HouseholdForecaster.from_arrays(arrays)
        _loaded[folder] = (stamp, model)
        settle_heap()
        return stamp, model


def settle_heap() -> None:
    """Move what this process holds now out of the garbage collector's way.

    A served process keeps a large heap of long-lived objects (the household model, the
    scientific stack's modules and compiled functions). Python's full (generation 2)
    collections walk all of it: in a worker under load they took 0.3-1.4 s each, a few
    times a minute, and every request in flight waited (docs/benchmarks.md, "API under
    load"). After one collection, :func:`gc.freeze` moves the survivors to a permanent
    generation that later collections skip; they are still freed by reference counting.
    Called after a model is loaded and when a worker starts, both rare.
    """
    gc.collect()
    gc.freeze()


def preload(models_dir: Path) -> bool:
    """Load the shared household model if its file is there and current (never train here).

    A missing file, or one of another version's layout, is left to the first request that
    needs the model (it trains or rebuilds it there).
    """
    try:
        versioned_population_model(models_dir, train=False)
    except (FileNotFoundError, InputError):
        return False
    return True


def population_info(models_dir: Path) -> dict[str, Any]:
    """Metadata of the shared household model (training source, size, version)."""
    population_model(models_dir)
    meta = read_metadata(models_dir, POPULATION_MODEL)
    return {k: v for k, v in meta.items() if k not in {"signature", "payload_sha256"}}


# ------------------------------------------------------------------ serving


def _months_between(a: pd.Period, b: pd.Period) -> int:
    return (b - a).n


def _warnings(fc: HouseholdForecast, today: dt.date) -> list[str]:
    last = fc.months[0] - 1
    now = pd.Period(today, freq="M")
    out = []
    age = _months_between(last, now)
    if age > STALE_MONTHS:
        out.append(
            f"the newest complete month in your data is {last}; this forecasts "
            f"{fc.months[0]}, not next month - import recent transactions for a current forecast"
        )
    if fc.history_months < SHORT_HISTORY:
        out.append(
            f"only {fc.history_months} months of history: the ranges are wide and rest mostly "
            "on what other households did"
        )
    return out


def serve(
    model: HouseholdForecaster,
    table: pd.DataFrame,
    *,
    horizon: int = 1,
    level: float = 95.0,
    today: dt.date | None = None,
    bills: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, Any]:
    """One household's forecast for ``horizon`` months, every series, with its labels.

    ``bills`` (``{category: {"YYYY-MM": amount}}``, the user's confirmed bills) floor the
    categories they belong to (:meth:`HouseholdForecast.with_floors`); the months they
    touch carry the ``known`` amount.

    Returns:
        ``month`` (the first month forecast), ``history`` (months, first, last), ``level``,
        ``method``, ``warnings`` and ``series``: per series its name, kind, method, the
        measured ``calibration`` of its 95 % range, and per month the forecast (what to
        expect; for spending that comes in some months and not others, often nothing),
        the ``expected`` amount (the mean: the categories' expected amounts add up to the
        total), the range and, for spending, the probability of any spending.
    """
    fc = model.forecast(table, horizon)
    known = floors_for(fc.months, bills or {})
    if known:
        fc = fc.with_floors(known)
    lo, hi = fc.interval(level)
    p_any = np.array(
        [
            [fc.probability_above(i, j, ANY_SPENDING) for j in range(fc.point.shape[1])]
            if kind.startswith("category/")
            else [np.nan] * fc.point.shape[1]
            for i, kind in enumerate(fc.classes)
        ]
    )
    return _labelled(model, fc, lo, hi, p_any, known, level, today or dt.date.today())


#: The amount above which a month counts as "any spending" (``p_any``).
ANY_SPENDING = 0.005


def serve_many(
    model: HouseholdForecaster,
    households: Sequence[HouseholdArrays],
    *,
    horizon: int = 1,
    level: float = 95.0,
    today: dt.date | None = None,
    bills: Sequence[Mapping[str, Mapping[str, float]]] | None = None,
) -> list[dict[str, Any] | InputError]:
    """:func:`serve` of many households at once (the batch): the same answers, vectorised.

    ``households`` are monthly tables as :func:`fincast.ml.household_table.household_arrays`
    gives them and ``bills`` each one's confirmed bills. A household that cannot be
    forecast gets the ``InputError`` :func:`serve` would raise, in its place.
    """
    outcomes = forecast_many(model, households, horizon)
    floored: list[HouseholdForecast] = []
    knowns: list[dict[str, list[float]]] = []
    for k, fc in enumerate(outcomes):
        if isinstance(fc, HouseholdForecast):
            known = floors_for(fc.months, (bills[k] if bills is not None else None) or {})
            floored.append(fc.with_floors(known) if known else fc)
            knowns.append(known)
    ranges = intervals_many(floored, level)
    day = today or dt.date.today()
    served = iter(
        _labelled(model, fc, lo, hi, _p_any(fc), known, level, day)
        for fc, (lo, hi), known in zip(floored, ranges, knowns, strict=True)
    )
    return [fc if isinstance(fc, InputError) else next(served) for fc in outcomes]


def _p_any(fc: HouseholdForecast) -> np.ndarray:
    """P(any spending) of every category row and step; NaN on the other rows."""
    steps = fc.point.shape[1]
    p = probabilities_above(
        fc.point, np.repeat(fc.scale[:, None], steps, axis=1), fc.quantiles, ANY_SPENDING
    )
    spending = np.array([c.startswith("category/") for c in fc.classes])
    return np.where(spending[:, None], p, np.nan)


def _labelled(
    model: HouseholdForecaster,
    fc: HouseholdForecast,
    lo: np.ndarray,
    hi: np.ndarray,
    p_any: np.ndarray,
    known: Mapping[str, Sequence[float]],
    level: float,
    today: dt.date,
) -> dict[str, Any]:
    """The served answer of one forecast, its range and its odds of any spending."""
    likely = np.clip(fc.likely, lo, hi)  # what to expect never lies outside its own range
    labels = fc.months.strftime("%Y-%m").tolist()
    # Rounded a whole matrix at a time (numpy's rounding, for the batch's thousands of
    # households; the same function serves one household, so both paths agree).
    cents = [np.round(m, 2).tolist() for m in (likely, fc.point, lo, hi)]
    odds = np.round(p_any, 3).tolist()
    series = []
    for i, name in enumerate(fc.series):
        spending = fc.classes[i].startswith("category/")
        bill = known.get(name) if spending else None
        months = []
        for j, (month, f, e, low, up) in enumerate(
            zip(labels, cents[0][i], cents[1][i], cents[2][i], cents[3][i], strict=True)
        ):
            entry: dict[str, Any] = {
                "month": month,
                "forecast": f,
                "expected": e,
                "lower": low,
                "upper": up,
            }
            if spending:
                entry["p_any"] = odds[i][j]
                if bill is not None and bill[j] > 0:
                    entry["known"] = round(bill[j], 2)
            months.append(entry)
        coverage, n = model.calibration(fc.classes[i], fc.bucket, 1)
        series.append(
            {
                "name": name,
                "kind": fc.classes[i],
                "method": fc.methods[i],
                "months": months,
                "calibration": {
                    "level": CHECK_LEVEL / 100,
                    "coverage": None if np.isnan(coverage) else round(coverage, 3),
                    "n": n,
                    "history": bucket_label(fc.bucket),
                    "method": CALIBRATION_METHOD,
                },
            }
        )
    first = fc.months[0] - fc.history_months
    return {
        "month": str(fc.months[0]),
        "months": [str(m) for m in fc.months],
        "history": {
            "months": fc.history_months,
            "first": str(first),
            "last": str(fc.months[0] - 1),
        },
        "level": level / 100,
        "method": (
            "household model learned across "
            f"{model.n_households_} households: a method per kind of series and length of "
            "history, ranges from their errors on other households"
        ),
        "warnings": _warnings(fc, today),
        "series": series,
        "_forecast": fc,
    }


def public(served: dict[str, Any]) -> dict[str, Any]:
    """A served forecast without the internal forecast object."""
    return {k: v for k, v in served.items() if not k.startswith("_")}


def series_entry(served: dict[str, Any], name: str) -> dict[str, Any]:
    """The served entry of series ``name``."""
    for entry in served["series"]:
        if entry["name"] == name:
            return dict(entry)
    raise InputError(f"no series {name!r} in this forecast")
