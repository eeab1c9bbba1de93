import numpy as np
import pandas as pd
import pytest

from fincast.errors import InputError
from fincast.ml import FincastForecaster, conformal_quantiles, evaluate_forecasts, mase_scale

FAST = ("naive", "seasonal_naive", "median", "lgbm")


def _split(panel: pd.DataFrame, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    pos = panel.groupby("unique_id").cumcount(ascending=False)
    return panel[pos >= h], panel[pos < h]


def test_conformal_intervals_are_near_nominal_on_unseen_data():
    from tests.support.panels import make_panel

    panel = make_panel(n_series=150, n_months=30, seed=3)
    hist, test = _split(panel, 3)
    model = FincastForecaster(models=FAST, lgbm_params={"n_estimators": 20})
    fc = model.fit(hist, 3).predict(3, [80, 95])
    scores = evaluate_forecasts(hist, test, fc, ["fincast"], level=95)
    assert 0.91 <= scores.loc["fincast", "coverage"] <= 0.99
    inside80 = test.merge(fc, on=["unique_id", "ds"])
    cov80 = (
        (inside80.y >= inside80["fincast-lo-80"]) & (inside80.y <= inside80["fincast-hi-80"])
    ).mean()
    assert 0.72 <= cov80 <= 0.90  # 150 series share one calendar: correlated outcomes


def test_intervals_widen_with_horizon_and_never_go_negative(panel):
    model = FincastForecaster(models=FAST, lgbm_params={"n_estimators": 20})
    fc = model.fit(panel, 6).predict(6, [95])
    width = (fc["fincast-hi-95"] - fc["fincast-lo-95"]).to_numpy().reshape(-1, 6)
    assert np.all(np.diff(width, axis=1) >= -1e-9)
    assert (fc[["fincast", "fincast-lo-95"]] >= 0).all().all()
    assert set(fc.columns) == {"unique_id", "ds", "fincast", "fincast-lo-95", "fincast-hi-95"}


def test_short_noisy_intermittent_series_get_sensible_forecasts():
    ds3 = pd.date_range("2024-01-01", periods=3, freq="MS")
    ds5 = pd.date_range("2023-11-01", periods=5, freq="MS")
    ds24 = pd.date_range("2022-01-01", periods=24, freq="MS")
    rng = np.random.default_rng(0)
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": "three", "ds": ds3, "y": [120.0, 80.0, 100.0]}),
            pd.DataFrame({"unique_id": "five", "ds": ds5, "y": [50.0, 0.0, 70.0, 60.0, 55.0]}),
            pd.DataFrame(
                {
                    "unique_id": "intermittent",
                    "ds": ds24,
                    "y": np.where(rng.random(24) < 0.7, 0.0, 300.0),
                }
            ),
        ]
    )
    fc = FincastForecaster(models=FAST, lgbm_params={"n_estimators": 20}).forecast(df, 3)
    assert fc.groupby("unique_id").size().to_dict() == {"five": 3, "intermittent": 3, "three": 3}
    assert (fc.drop(columns=["unique_id", "ds"]) >= 0).all().all()
    three = fc[fc.unique_id == "three"]["fincast"]
    assert three.between(60, 140).all()


def test_bad_input_raises_input_error(panel):
    with pytest.raises(InputError, match="horizon"):
        FincastForecaster().fit(panel, 0)
    with pytest.raises(InputError, match="missing"):
        FincastForecaster().fit(panel.drop(columns=["y"]), 3)
    with pytest.raises(InputError, match="unknown candidate"):
        FincastForecaster(models=("prophet",)).fit(panel, 3)
    gap = panel[panel.ds != panel.ds.unique()[5]]
    with pytest.raises(InputError, match="gaps"):
        FincastForecaster(models=FAST).fit(gap, 3)


def test_predict_with_newer_history_reuses_calibration(panel):
    model = FincastForecaster(models=FAST, lgbm_params={"n_estimators": 20}).fit(panel, 2)
    residuals = model.residuals_.copy()
    newer = panel.copy()
    newer["ds"] = newer["ds"] + pd.DateOffset(months=1)
    newer["y"] = newer["y"] * 1.5
    fc = model.predict(2, [95], df=newer)
    assert fc["ds"].min() > panel["ds"].max()
    np.testing.assert_array_equal(model.residuals_, residuals)  # predict never refits
    # Band = point + the newer history's scale x the fitted model's conformal quantiles.
    _, qhi = model.band(95, 2)
    for uid, rows in fc.groupby("unique_id"):
        y = newer.loc[newer["unique_id"] == uid, "y"].to_numpy()
        half = (rows["fincast-hi-95"] - rows["fincast"]).to_numpy()
        np.testing.assert_allclose(half, mase_scale(y, model.season_length) * qhi, rtol=1e-9)


def test_conformal_quantiles_small_pool_and_monotone():
    steps = np.repeat([1, 2, 3], [50, 50, 5])
    res = np.random.default_rng(0).normal(0, 1, steps.size) * steps
    lo, hi = conformal_quantiles(steps, res, 5, 95)
    assert np.all(np.diff(hi) >= 0) and np.all(np.diff(lo) <= 0)
    assert hi[0] > 1.2 and lo[0] < -1.2
    _lo_t, hi_t = conformal_quantiles(np.ones(5, int), np.ones(5), 2, 95)
    assert np.all(np.isfinite(hi_t))


def test_calibration_residuals_come_from_weights_that_did_not_see_their_window():
    # Model "a" is exact in window 0 and far off in window 1; "b" the other way round.
    # Weights chosen on all windows pick whichever is better overall; the residuals that
    # calibrate the ranges must not: window 0 is combined with weights learned on window 1.
    bt = pd.DataFrame(
        {
            "unique_id": ["s"] * 4,
            "window": [0, 0, 1, 1],
            "step": [1, 2, 1, 2],
            "y": [10.0, 10.0, 10.0, 10.0],
            "a": [10.0, 10.0, 20.0, 20.0],
            "b": [15.0, 15.0, 10.0, 10.0],
        }
    )
    model = FincastForecaster(models=("a", "b"), top_k=1, shrinkage=0.0)
    model.models_ = ["a", "b"]
    model.scales_ = {"s": 1.0}
    combined = model._out_of_window_combination(bt)
    np.testing.assert_allclose(combined, [15.0, 15.0, 20.0, 20.0])


def test_recency_factor_widens_a_band_when_the_newest_window_errs_more():
    from fincast.ml.conformal import recency_factor

    rng = np.random.default_rng(1)
    steps = np.tile([1, 2], 600)
    windows = np.repeat([0, 1, 2], 400)
    res = rng.normal(0, 1, steps.size)
    res[windows == 0] *= 1.5  # the newest window's errors are half again as large
    c = recency_factor(steps, res, windows, 2, 95)
    assert 1.3 <= c <= 1.7
    # The same errors in every window need no factor; too few newest residuals get none.
    same = rng.normal(0, 1, steps.size)
    assert 1.0 <= recency_factor(steps, same, windows, 2, 95) <= 1.1
    shrinking = same.copy()
    shrinking[windows == 0] *= 0.5  # newer windows err less: the band is not narrowed
    assert recency_factor(steps, shrinking, windows, 2, 95) == 1.0
    assert recency_factor(steps[:420], res[:420], np.r_[np.zeros(20), np.ones(400)], 2, 95) == 1.0


def test_band_is_the_conformal_band_times_its_level_s_recency_factor(panel):
    from fincast.ml.conformal import recency_factor

    model = FincastForecaster(models=FAST, lgbm_params={"n_estimators": 20}).fit(panel, 3)
    bt = model.backtest_
    raw = ((bt["y"] - bt["fincast"]) / bt["unique_id"].map(model.scales_)).to_numpy()
    np.testing.assert_allclose(model.residuals_, raw)
    for level in (80, 95):
        c = recency_factor(bt["step"].to_numpy(), raw, bt["window"].to_numpy(), 3, level)
        q_lo, q_hi = conformal_quantiles(bt["step"].to_numpy(), raw, 3, level)
        lo, hi = model.band(level)
        np.testing.assert_allclose(lo, c * q_lo)
        np.testing.assert_allclose(hi, c * q_hi)
