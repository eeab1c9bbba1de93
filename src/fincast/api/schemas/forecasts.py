"""Schemas of training and the prediction endpoints (the compatible API, docs/compatibility.md)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fincast.api.schemas.common import InCurrency, Schema

Amount = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
MAX_MONTHS = 600
MAX_CATEGORIES = 64


class MonthlyRow(BaseModel):
    """One month of the monthly table (docs/compatibility.md); other keys are category expenses."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Amount] = Field(init=False)

    year_month: Annotated[str, StringConstraints(pattern=r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$")]
    total_income: Amount
    total_expense: Amount
    savings: Amount | None = None

    @model_validator(mode="after")
    def _check_category_names(self) -> MonthlyRow:
        extra = self.__pydantic_extra__ or {}
        if len(extra) > MAX_CATEGORIES:
            raise ValueError(f"at most {MAX_CATEGORIES} category columns are allowed")
        for key in extra:
            if not key or len(key) > 64 or not key.isprintable() or key in {"month", "date"}:
                raise ValueError(f"invalid category column name: {key[:70]!r}")
        return self

    def as_row(self) -> dict[str, Any]:
        """The row as a plain dict (category columns included, absent savings left out)."""
        row = self.model_dump(exclude_none=True)
        return row


MonthlyData = Annotated[list[MonthlyRow], Field(min_length=1, max_length=MAX_MONTHS)]


class PredictRequest(Schema):
    """Predict from inline ``monthly_data`` or, when it is absent, the user's stored data."""

    monthly_data: MonthlyData | None = None

    def rows(self) -> list[dict[str, Any]] | None:
        """Inline rows as dicts, or None to use the ledger."""
        if self.monthly_data is None:
            return None
        return [r.as_row() for r in self.monthly_data]


class ExpensePredictRequest(PredictRequest):
    """Next month's total expense."""

    confidence_level: float = Field(default=0.95, gt=0.5, lt=1.0, allow_inf_nan=False)


class CategoriesPredictRequest(PredictRequest):
    """Per-category forecasts, overspending risks and budget recommendations."""

    risk_threshold: float = Field(default=1.2, ge=1.0, le=10.0, allow_inf_nan=False)
    total_budget: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    safety_margin: float = Field(default=0.1, ge=0.0, le=0.9, allow_inf_nan=False)


class SavingsPredictRequest(PredictRequest):
    """Savings trajectory and financial health."""

    periods: list[Annotated[int, Field(ge=1, le=12)]] = Field(
        default_factory=lambda: [3, 6, 12], min_length=1, max_length=12
    )


class ForecastRequest(PredictRequest):
    """Every series of the household, ``horizon`` months ahead, ranges at ``level``."""

    horizon: int = Field(default=3, ge=1, le=12, description="Months ahead (1-12).")
    level: float = Field(default=0.95, gt=0.5, lt=1.0, allow_inf_nan=False)


class ExpensePrediction(InCurrency):
    """Next month's predicted total expense and its interval."""

    model_config = ConfigDict(extra="allow")

    predicted_expense: float | None
    confidence_interval: list[float | None] | dict[str, Any]
    confidence_level: float


class CategoriesPrediction(InCurrency):
    """Per-category forecasts, risks and recommended budgets (engine's own structure)."""

    forecasts: dict[str, Any] | list[Any]
    risks: dict[str, Any] | list[Any]
    budget_recommendations: dict[str, Any] | list[Any]


class SavingsPrediction(InCurrency):
    """Projected savings per horizon and a financial-health assessment."""

    trajectory: dict[str, Any] | list[Any]
    financial_health: dict[str, Any]


class Calibration(BaseModel):
    """How often the 95 % range held the truth for held-out households like this one."""

    level: float
    coverage: float | None
    n: int
    history: str
    method: str


class ForecastMonth(BaseModel):
    """One month of one series: the forecast and its range."""

    month: str
    forecast: float = Field(
        description="What to expect: the mean, or for spending that comes in some months "
        "and not others the amount closest in sMAPE to what such spending does (often "
        "nothing)."
    )
    expected: float = Field(
        description="The mean; the categories' expected amounts add up to the total."
    )
    lower: float
    upper: float
    p_any: float | None = Field(default=None, description="Probability of any spending.")
    known: float | None = Field(
        default=None,
        description="What the bills you confirmed take this month: the category's forecast "
        "and range never go below it.",
    )


class SeriesForecast(BaseModel):
    """One series (income, a category, the total expense, savings) month by month."""

    name: str
    kind: str
    method: str
    months: list[ForecastMonth]
    calibration: Calibration


class HistorySpan(BaseModel):
    """The complete months the forecast rests on."""

    months: int
    first: str
    last: str


class StepRecord(BaseModel):
    """Outcomes one step ahead scored on the household's own past, and how many were inside."""

    n: int
    inside: int
    coverage: float | None


class OwnBacktest(BaseModel):
    """How the ranges did on this household's own past months.

    Rolling origin, nothing after each cutoff seen; per group (total_expense, total_income,
    category, savings) and step ahead.
    """

    level: float
    cutoffs: int
    first_month: str | None
    last_month: str | None
    groups: dict[str, dict[str, StepRecord]]


class HouseholdForecastPublic(InCurrency):
    """The household's forecast: every series, with its labels."""

    month: str = Field(description="The first month forecast: the month after the last one.")
    months: list[str]
    history: HistorySpan
    level: float
    method: str
    warnings: list[str]
    series: list[SeriesForecast]
    own_backtest: OwnBacktest | None = Field(
        default=None, description="The same ranges tried on this household's own past months."
    )


class TrainRequest(Schema):
    """Options for (re)training the user's models."""

    force: bool = Field(default=False, description="Refit even when the data did not change.")


class ModelPublic(BaseModel):
    """A trained model's metadata."""

    model_config = ConfigDict(extra="allow")

    model_id: str


class TrainResult(BaseModel):
    """The models trained for the user and their backtest metrics."""

    model_config = ConfigDict(extra="allow")

    models: list[ModelPublic]
