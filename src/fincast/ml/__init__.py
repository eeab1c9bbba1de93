"""fincast.ml: pure forecasting library - long frames in, long frames out."""

from fincast.ml.conformal import conformal_quantiles
from fincast.ml.engine import DEFAULT_MODELS, FincastForecaster
from fincast.ml.features import global_windows, source_features
from fincast.ml.forest import forest_forecast
from fincast.ml.global_model import GlobalLGBM
from fincast.ml.household import HouseholdForecast, HouseholdForecaster
from fincast.ml.metrics import evaluate_forecasts, mase_scale

__all__ = [
    "DEFAULT_MODELS",
    "FincastForecaster",
    "GlobalLGBM",
    "HouseholdForecast",
    "HouseholdForecaster",
    "conformal_quantiles",
    "evaluate_forecasts",
    "forest_forecast",
    "global_windows",
    "mase_scale",
    "source_features",
]
