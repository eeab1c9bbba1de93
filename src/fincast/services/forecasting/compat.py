"""The compatible Python API (docs/compatibility.md): three forecasters on the monthly table.

Layout: ``year_month, total_income, <one column per category>, total_expense, savings``.
The method names and returned keys are the original design's; underneath, every forecast is
the served one (:mod:`fincast.services.forecasting.predictions` over the household model),
so a script and the API give the same numbers. ``prepare_data``/``train`` still fit the
original random forest on leak-free features, for ``feature_importance``; the forest is
refit from the saved training arrays on ``load`` rather than serialized.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fincast.errors import InputError
from fincast.frames import DS, UID, Y
from fincast.insights.health import monthly_check
from fincast.ml.features import SOURCE_FEATURES, source_features
from fincast.ml.household import HouseholdForecast, HouseholdForecaster
from fincast.services.forecasting.modelfiles import load_model_file, save_model_file

INCOME = "total_income"
EXPENSE = "total_expense"
SAVINGS = "savings"
MONTH = "year_month"
_NOT_CATEGORIES = {MONTH, INCOME, EXPENSE, SAVINGS}


def category_columns(df: pd.DataFrame) -> list[str]:
    """Spending category columns of a monthly wide frame."""
    return [
        c for c in df.columns if c not in _NOT_CATEGORIES and pd.api.types.is_numeric_dtype(df[c])
    ]


def validate_monthly(df: pd.DataFrame) -> pd.DataFrame:
    """Check the monthly table's layout; return a copy sorted by month with ``ds``."""
    missing = [c for c in (MONTH, INCOME, EXPENSE) if c not in df.columns]
    if missing:
        raise InputError(f"monthly data: the following columns are missing: {missing}")
    out = df.copy()
    try:
        out[DS] = pd.to_datetime(out[MONTH].astype(str)).dt.to_period("M").dt.to_timestamp()
    except (ValueError, TypeError) as exc:
        raise InputError(f"monthly data: column {MONTH!r} holds non-dates ({exc})") from exc
    if out[DS].duplicated().any():
        raise InputError("monthly data: the same year_month appears twice")
    if len(out) < 3:
        raise InputError(f"monthly data: need at least 3 months, got {len(out)}")
    out = out.sort_values(DS).reset_index(drop=True)
    if SAVINGS not in out:
        out[SAVINGS] = out[INCOME] - out[EXPENSE]
    num = [INCOME, EXPENSE, SAVINGS, *category_columns(out)]
    if out[num].isna().any().any():
        bad = out[num].columns[out[num].isna().any()].tolist()
        raise InputError(f"monthly data: empty values in columns {bad}")
    return out


def _table(df: pd.DataFrame) -> pd.DataFrame:
    """The checked monthly table, sorted, as the served path takes it."""
    return validate_monthly(df).drop(columns=[DS])


def wide_to_long(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Turn the monthly wide layout into the long frame (one series per column)."""
    data = validate_monthly(df)
    cols = columns or [INCOME, EXPENSE, *category_columns(data)]
    long = data.melt(id_vars=[DS], value_vars=cols, var_name=UID, value_name=Y)
    return long[[UID, DS, Y]]


class BaseFinancePredictor:
    """Shared source-compatible API: prepare_data, train, feature_importance, save/load.

    Args:
        n_estimators: Trees of the original random forest (used by ``train``).
        max_depth: Depth of those trees.
        random_state: Seed for the forest and the forecaster.
    """

    target_column = EXPENSE
    # Model-file kinds are part of the file format: renaming them would refuse old files.
    kind = "legacy-base"

    def __init__(self, n_estimators: int = 100, max_depth: int = 10, random_state: int = 42):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.random_state = random_state

    def prepare_data(
        self, df: pd.DataFrame, target_column: str | None = None
    ) -> tuple[pd.DataFrame, pd.Series]:
        """Leak-free features (row t uses months before t only) and the target column."""
        data = validate_monthly(df)
        target = target_column or self.target_column
        if target not in data:
            raise InputError(f"monthly data: target column {target!r} not found")
        y = data[target].to_numpy(dtype=float)
        months = np.append(data[DS].dt.month.to_numpy(), (data[DS].dt.month.iloc[-1] % 12) + 1)
        X = source_features(y, months).iloc[1 : len(y)].reset_index(drop=True)
        self.target_column_ = target
        return X, pd.Series(y[1:], name=target)

    def train(self, X: pd.DataFrame, y: pd.Series) -> BaseFinancePredictor:
        """Fit the original random forest on prepared features; return self."""
        from sklearn.ensemble import RandomForestRegressor

        if len(X) < 2:
            raise InputError(f"training needs at least 2 rows of features, got {len(X)}")
        self.forest_ = RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            random_state=self.random_state,
            n_jobs=1,
        ).fit(X.to_numpy(dtype=float), np.asarray(y, dtype=float))
        self.train_X_ = X.to_numpy(dtype=float)
        self.train_y_ = np.asarray(y, dtype=float)
        return self

    def feature_importance(self) -> dict[str, float]:
        """Forest feature importances, largest first."""
        if not hasattr(self, "forest_"):
            raise InputError("train the model before asking for feature importance")
        pairs = zip(SOURCE_FEATURES, self.forest_.feature_importances_, strict=True)
        return dict(sorted(((k, float(v)) for k, v in pairs), key=lambda kv: -kv[1]))

    def _household(self) -> HouseholdForecaster:
        """The shared household model every served forecast uses."""
        from fincast.config import get_settings
        from fincast.services.forecasting.household import population_model

        return population_model(get_settings().resolved_models_dir)

    def save(self, path: str | Path) -> dict[str, Any]:
        """Save training arrays and parameters as a signed npz model file (no pickle)."""
        p = Path(path)
        arrays = {
            "params": np.array([self.n_estimators, self.max_depth, self.random_state], dtype=float)
        }
        if hasattr(self, "train_X_"):
            arrays["train_X"] = self.train_X_
            arrays["train_y"] = self.train_y_
        meta = {
            "features": list(SOURCE_FEATURES),
            "target": getattr(self, "target_column_", self.target_column),
            "note": "the random forest is refit from train_X/train_y on load",
        }
        return save_model_file(p.parent, p.stem, self.kind, arrays, meta)

    def load(self, path: str | Path) -> BaseFinancePredictor:
        """Load a file written by ``save`` (verified) and refit the forest; return self."""
        p = Path(path)
        meta, arrays = load_model_file(p.parent, p.stem, kind=self.kind)
        n_est, depth, seed = arrays["params"].tolist()
        self.n_estimators, self.max_depth, self.random_state = int(n_est), int(depth), int(seed)
        self.target_column_ = str(meta.get("target", self.target_column))
        if "train_X" in arrays:
            cols = list(SOURCE_FEATURES)
            self.train(pd.DataFrame(arrays["train_X"], columns=cols), pd.Series(arrays["train_y"]))
        return self


class ExpenseForecaster(BaseFinancePredictor):
    """Next-month total expense with a calibrated range."""

    kind = "legacy-expense"

    def forecast_next_month(
        self, df: pd.DataFrame, confidence_level: float = 0.95
    ) -> dict[str, Any]:
        """Next month's total expense with its range at ``confidence_level`` (0-1)."""
        if not 0 < confidence_level < 1:
            raise InputError(f"confidence_level must be in (0, 1), got {confidence_level}")
        from fincast.services.forecasting.predictions import predict_expense

        return predict_expense(_table(df), confidence_level, model=self._household())


class CategorySpendingPredictor(BaseFinancePredictor):
    """Category forecasts whose sum is the total, overspending risk, budgets."""

    kind = "legacy-category"

    def _answer(self, df: pd.DataFrame, threshold: float = 1.2) -> dict[str, Any]:
        from fincast.services.forecasting.predictions import predict_categories

        data = _table(df)
        if not category_columns(data):
            raise InputError("monthly data: no category columns found")
        return predict_categories(
            data,
            threshold=threshold,
            total_budget=None,
            safety_margin=0.0,
            model=self._household(),
        )

    def forecast_categories(self, df: pd.DataFrame) -> dict[str, Any]:
        """Next-month forecast per category with its 95 % range."""
        forecasts: dict[str, Any] = self._answer(df)["forecasts"]
        return forecasts

    def detect_overspending_risks(self, df: pd.DataFrame, threshold: float = 1.2) -> dict[str, Any]:
        """Flag categories whose forecast exceeds ``threshold`` times their average."""
        risks: dict[str, Any] = self._answer(df, threshold)["risks"]
        return risks

    def generate_budget_recommendations(
        self, df: pd.DataFrame, total_budget: float, safety_margin: float = 0.1
    ) -> dict[str, Any]:
        """Split ``total_budget`` (minus a safety margin) across categories by forecast."""
        from fincast.services.forecasting.predictions import budget_split

        return budget_split(self.forecast_categories(df), total_budget, safety_margin)


class SavingsForecaster(BaseFinancePredictor):
    """Savings trajectory with calibrated ranges, and a financial-health check."""

    target_column = SAVINGS
    kind = "legacy-savings"

    def forecast_trajectory(
        self, df: pd.DataFrame, periods: list[int] | None = None
    ) -> dict[str, Any]:
        """Cumulative savings after each period (months) with 95 % ranges."""
        from fincast.services.forecasting.predictions import predict_savings

        periods = periods or [3, 6, 12]
        data = _table(df)
        trajectory: dict[str, Any] = predict_savings(data, periods, model=self._household())[
            "trajectory"
        ]
        return trajectory

    def probability_of_reaching(self, df: pd.DataFrame, amount: float, months: int) -> float:
        """Probability that savings so far plus the next ``months`` months reach ``amount``."""
        from fincast.services.forecasting.household import serve

        data = _table(df)
        model = self._household()
        if not 1 <= months <= model.horizon:
            raise InputError(f"months must be between 1 and {model.horizon}, got {months}")
        fc: HouseholdForecast = serve(model, data, horizon=months)["_forecast"]
        start = float((data[INCOME] - data[EXPENSE]).sum())
        i = fc.series.index("cumulative_savings")
        return fc.probability_above(i, months - 1, amount - start)

    def assess_financial_health(self, df: pd.DataFrame) -> dict[str, Any]:
        """Savings rate over 12 months, trend and a status with plain recommendations.

        Too little data is ``not_enough_data`` (see :func:`fincast.insights.health.monthly_check`).
        """
        return monthly_check(validate_monthly(df).drop(columns=[DS]))
