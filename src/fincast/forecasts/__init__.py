"""fincast.forecasts: forecasting service, safe model files and their registry."""

from fincast.forecasts.modelfile import list_models, load_model_file, save_model_file
from fincast.forecasts.service import (
    forecast_panel,
    load_forecaster,
    predict_panel_model,
    registry,
    save_forecaster,
    train_panel_model,
)

__all__ = [
    "forecast_panel",
    "list_models",
    "load_forecaster",
    "load_model_file",
    "predict_panel_model",
    "registry",
    "save_forecaster",
    "save_model_file",
    "train_panel_model",
]
