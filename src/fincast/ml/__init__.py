"""fincast.ml: pure forecasting library - long frames in, long frames out."""

from fincast.ml.conformal import conformal_quantiles
from fincast.ml.engine import DEFAULT_MODELS, FincastForecaster
from fincast.ml.features import global_windows, source_features
from fincast.ml.forest import forest_forecast
from fincast.ml.global_model import GlobalLGBM
from fincast.ml.metrics import evaluate_forecasts, mase_scale
from fincast.ml.reconcile import reconcile_to_total, savings_from
from fincast.ml.trajectory import Trajectory, simulate_paths

__all__ = [
    "DEFAULT_MODELS",
    "FincastForecaster",
    "GlobalLGBM",
    "Trajectory",
    "conformal_quantiles",
    "evaluate_forecasts",
    "forest_forecast",
    "global_windows",
    "mase_scale",
    "reconcile_to_total",
    "savings_from",
    "simulate_paths",
    "source_features",
]
