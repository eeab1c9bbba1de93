"""Predictions and training for one user, on their stored ledger or on inline monthly rows.

The forecasting engine lives in :mod:`fincast.forecasts` / :mod:`fincast.ml` and is imported
lazily, so the API starts (and every other endpoint works) without loading it. Results are
cached in-process per user, keyed by a cheap fingerprint of the user's ledger (one aggregate
query), so repeated predictions on unchanged data do not refit anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from fincast.errors import FincastError, InputError, ModelFileError, NotFoundError
from fincast.ledger.models import Category, Transaction

ENGINE_MODULES = ("fincast.forecasts", "fincast.ml")
MIN_MONTHS = 3


class EngineUnavailableError(FincastError):
    """The forecasting engine (or the piece of it a request needs) is not installed."""

    http_status = 503
    title = "Forecasting engine unavailable"


def engine_attr(name: str) -> Any:
    """The first ``name`` exported by one of :data:`ENGINE_MODULES`."""
    for module_name in ENGINE_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise EngineUnavailableError(
        f"the forecasting engine does not provide {name!r} (looked in {', '.join(ENGINE_MODULES)})"
    )


def jsonable(value: Any) -> Any:
    """Engine output (numpy scalars, arrays, frames, NaN) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


# ---------------------------------------------------------------------------------------
# Monthly data: from the ledger or from the request


def data_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """A cheap fingerprint that changes whenever the user's monthly panel can change."""
    t = Transaction
    day_code = (
        func.extract("year", t.posted_date) * 372
        + func.extract("month", t.posted_date) * 31
        + func.extract("day", t.posted_date)
    )
    tx = session.execute(
        select(
            func.count(),
            func.max(t.id),
            func.sum(t.amount),
            func.sum(func.coalesce(t.category_id, 0) * (t.id % 997 + 1)),
            func.sum(day_code * (t.id % 991 + 1)),
        ).where(t.user_id == user_id)
    ).one()
    kind_code = case((Category.kind == "income", 1), (Category.kind == "expense", 2), else_=3)
    cats = session.execute(
        select(func.count(), func.sum(Category.id * kind_code)).where(Category.user_id == user_id)
    ).one()
    month = dt.date.today().strftime("%Y-%m")
    return (month, *(str(v) for v in tx), *(str(v) for v in cats))


VERSION_TTL_SECONDS = 1.0
_versions: dict[int, tuple[float, tuple[Any, ...]]] = {}


def current_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """:func:`data_version`, re-read at most once a second per user.

    Writes through the services call :func:`invalidate`, so the API's own changes are seen
    at once; changes made by other processes (CLI imports) within a second.
    """
    now = time.monotonic()
    hit = _versions.get(user_id)
    if hit is not None and now - hit[0] < VERSION_TTL_SECONDS:
        return hit[1]
    version = data_version(session, user_id)
    _versions[user_id] = (now, version)
    return version


def invalidate(user_id: int) -> None:
    """Forget the remembered data version of ``user_id`` (their ledger just changed)."""
    _versions.pop(user_id, None)


def ledger_monthly(engine: Engine, user_id: int) -> pd.DataFrame:
    """The user's stored data in the source document's monthly layout."""
    from fincast.panel import build_panel, panel_to_monthly_wide

    return panel_to_monthly_wide(build_panel(engine, [user_id]), user_id)


def inline_monthly(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows sent by a client (``year_month, total_income, <cats>, total_expense[, savings]``)."""
    from fincast.panel import read_monthly_csv

    df = pd.DataFrame(list(rows))
    read_monthly_csv(df)  # validates columns, months and numbers; raises InputError
    df = df.sort_values("year_month", kind="stable").reset_index(drop=True)
    if df["year_month"].duplicated().any():
        raise InputError("monthly_data: each year_month may appear only once")
    if "savings" not in df.columns:
        df["savings"] = df["total_income"] - df["total_expense"]
    cats = [
        c for c in df.columns if c not in ("year_month", "total_income", "total_expense", "savings")
    ]
    return df[["year_month", "total_income", *cats, "total_expense", "savings"]]


def rows_key(rows: Sequence[Mapping[str, Any]]) -> str:
    """A stable hash of inline rows, for the cache."""
    blob = json.dumps(list(rows), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def require_history(df: pd.DataFrame) -> None:
    """Refuse data too short to forecast from, naming what is missing."""
    if len(df) < MIN_MONTHS:
        raise InputError(
            f"at least {MIN_MONTHS} complete months of data are needed to forecast; found {len(df)}"
        )


# ---------------------------------------------------------------------------------------
# Cache


class ResultCache:
    """A small thread-safe LRU cache with single-flight computation per key."""

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for ``key``, computing it once even under concurrency."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:
                    return self._data[key]
            value = compute()
            with self._lock:
                self._data[key] = value
                while len(self._data) > self.max_entries:
                    self._data.popitem(last=False)
                self._key_locks.pop(key, None)
            return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()


CACHE = ResultCache()


# ---------------------------------------------------------------------------------------
# Engine calls (legacy-compatible interface)


def _fitted(class_name: str, df: pd.DataFrame) -> Any:
    """An instance of the engine's ``class_name`` fitted on ``df`` if it needs fitting."""
    model = engine_attr(class_name)()
    fit = getattr(model, "fit", None)
    if callable(fit):
        fitted = fit(df)
        return model if fitted is None else fitted
    return model


def predict_expense(df: pd.DataFrame, confidence_level: float) -> dict[str, Any]:
    """Next month's total expense with its interval."""
    require_history(df)
    model = _fitted("ExpenseForecaster", df)
    out = jsonable(model.forecast_next_month(df, confidence_level=confidence_level))
    out.setdefault("confidence_level", confidence_level)
    return dict(out)


def predict_categories(
    df: pd.DataFrame, *, threshold: float, total_budget: float | None, safety_margin: float
) -> dict[str, Any]:
    """Per-category forecasts, overspending risks and budget recommendations."""
    require_history(df)
    model = _fitted("CategorySpendingPredictor", df)
    budget = float(df["total_income"].iloc[-1]) if total_budget is None else total_budget
    return {
        "forecasts": jsonable(model.forecast_categories(df)),
        "risks": jsonable(model.detect_overspending_risks(df, threshold=threshold)),
        "budget_recommendations": jsonable(
            model.generate_budget_recommendations(
                df, total_budget=budget, safety_margin=safety_margin
            )
        ),
    }


def predict_savings(df: pd.DataFrame, periods: Sequence[int]) -> dict[str, Any]:
    """Savings trajectory over ``periods`` months and the financial-health assessment."""
    require_history(df)
    model = _fitted("SavingsForecaster", df)
    return {
        "trajectory": jsonable(model.forecast_trajectory(df, periods=list(periods))),
        "financial_health": jsonable(model.assess_financial_health(df)),
    }


PREDICTORS: dict[str, Callable[..., dict[str, Any]]] = {
    "expense": predict_expense,
    "categories": predict_categories,
    "savings": predict_savings,
}


def predict(
    engine: Engine,
    session: Session,
    user_id: int,
    kind: str,
    params: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run predictor ``kind`` on inline ``rows`` or the user's ledger, cached per data version."""
    fn = PREDICTORS[kind]
    params_key = json.dumps(dict(params), sort_keys=True, default=str)
    if rows is not None:
        key: tuple[Any, ...] = (user_id, "inline", rows_key(rows), kind, params_key)

        def load() -> pd.DataFrame:
            return inline_monthly(rows)
    else:
        key = (user_id, "ledger", current_version(session, user_id), kind, params_key)

        def load() -> pd.DataFrame:
            return ledger_monthly(engine, user_id)

    result: dict[str, Any] = CACHE.get_or_compute(key, lambda: fn(load(), **params))
    return result


PANEL_MODEL = "panel"
TRAIN_HORIZON = 12
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def user_models_dir(models_dir: Path, user_id: int) -> Path:
    """Each user's model files live in a folder of their own, so ids cannot cross users."""
    return Path(models_dir) / "users" / str(int(user_id))


def _public_meta(meta: Mapping[str, Any], model_id: str) -> dict[str, Any]:
    hidden = {"signature", "payload_sha256"}
    out = {k: jsonable(v) for k, v in meta.items() if k not in hidden}
    out["model_id"] = model_id
    return out


def train(
    engine: Engine, session: Session, user_id: int, *, models_dir: Path, force: bool = False
) -> dict[str, Any]:
    """Fit the forecaster on the user's monthly panel and save it as the user's model.

    Training is skipped (and the saved model reported) when the ledger has not changed
    since the last training, unless ``force``.
    """
    from fincast.panel import build_panel

    save_forecaster = engine_attr("save_forecaster")
    forecaster_cls = engine_attr("FincastForecaster")
    registry = engine_attr("registry")
    folder = user_models_dir(models_dir, user_id)
    version = hashlib.sha256(repr(data_version(session, user_id)).encode()).hexdigest()[:16]
    if not force:
        for meta in registry(folder):
            if meta.get("name") == PANEL_MODEL and meta.get("data_version") == version:
                return {"models": [_public_meta(meta, PANEL_MODEL)], "retrained": False}
    panel = build_panel(engine, [user_id])
    if panel.empty or panel["ds"].nunique() < MIN_MONTHS:
        months = int(panel["ds"].nunique()) if not panel.empty else 0
        raise InputError(
            f"at least {MIN_MONTHS} complete months of data are needed to train; found {months}"
        )
    model = forecaster_cls().fit(panel, TRAIN_HORIZON)
    meta = save_forecaster(
        model,
        folder,
        PANEL_MODEL,
        {"data_version": version, "data_start": panel["ds"].min().strftime("%Y-%m")},
    )
    return {"models": [_public_meta(meta, PANEL_MODEL)], "retrained": True}


def model_info(user_id: int, model_id: str, *, models_dir: Path) -> dict[str, Any]:
    """Metadata (span, candidates, backtest metrics) of ``user_id``'s model ``model_id``."""
    if not _MODEL_ID.match(model_id):
        raise NotFoundError(f"model {model_id!r} not found")
    registry = engine_attr("registry")
    for meta in registry(user_models_dir(models_dir, user_id)):
        if meta.get("name") == model_id:
            if not meta.get("valid", True):
                raise ModelFileError(f"model {model_id!r} is unusable: {meta.get('error')}")
            return _public_meta(meta, model_id)
    raise NotFoundError(f"model {model_id!r} not found")
