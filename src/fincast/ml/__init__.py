"""fincast.ml: pure forecasting library - long frames in, long frames out.

The names below are loaded on first use (PEP 562): importing a submodule that needs none of
them (the categorizer, on every import of a bank file) does not load the forecasting engine
and what it imports (statsforecast, LightGBM), which took about a second of a cold import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fincast.ml.conformal import conformal_quantiles
    from fincast.ml.engine import DEFAULT_MODELS, FincastForecaster
    from fincast.ml.features import global_windows, source_features
    from fincast.ml.forest import forest_forecast
    from fincast.ml.global_model import GlobalLGBM
    from fincast.ml.household import HouseholdForecast, HouseholdForecaster
    from fincast.ml.metrics import evaluate_forecasts, mase_scale

_WHERE = {
    "DEFAULT_MODELS": "engine",
    "FincastForecaster": "engine",
    "GlobalLGBM": "global_model",
    "HouseholdForecast": "household",
    "HouseholdForecaster": "household",
    "conformal_quantiles": "conformal",
    "evaluate_forecasts": "metrics",
    "forest_forecast": "forest",
    "global_windows": "features",
    "mase_scale": "metrics",
    "source_features": "features",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
