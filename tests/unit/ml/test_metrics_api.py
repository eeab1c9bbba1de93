import numpy as np
import pandas as pd
import pytest

import fincast.ml
from fincast.ml import evaluate_forecasts, mase_scale

PUBLIC_ML = {
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
}


def test_public_api_is_curated_and_documented():
    # Adding or removing a public name is a decision: update PUBLIC_ML with it.
    assert set(fincast.ml.__all__) == PUBLIC_ML
    namespace: dict[str, object] = {}
    exec("from fincast.ml import *", namespace)
    assert set(namespace) - {"__builtins__"} == PUBLIC_ML
    for name in PUBLIC_ML - {"DEFAULT_MODELS"}:
        doc = getattr(fincast.ml, name).__doc__
        assert doc and doc.strip(), f"fincast.ml.{name} has no docstring"


def test_metrics_follow_evaluation_md():
    ds = pd.date_range("2020-01-01", periods=4, freq="MS")
    hist = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 2.0, 3.0, 4.0]})
    test = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2020-05-01", periods=2, freq="MS"), "y": [5.0, 0.0]}
    )
    fc = test.rename(columns={"y": "m"}).assign(m=[4.0, 1.0])
    fc["m-lo-95"] = [3.0, 0.5]
    fc["m-hi-95"] = [6.0, 2.0]
    r = evaluate_forecasts(hist, test, fc, ["m"]).loc["m"]
    assert mase_scale(np.array([1.0, 2.0, 3.0, 4.0])) == 1.0  # lag 1 for short history
    assert r["MASE"] == 1.0
    assert r["sMAPE"] == np.mean([200 * 1 / 9, 200.0])
    assert r["MAPE_skipped"] == 1 and r["MAPE"] == 20.0
    assert r["coverage"] == 0.5
    assert r["MSIS"] == pytest.approx(np.mean([3.0, 1.5 + 40 * 0.5]))
