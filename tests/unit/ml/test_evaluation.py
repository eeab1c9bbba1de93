"""Hold-out evaluation (``fincast.ml.evaluation``): the split and the model comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fincast.errors import InputError
from fincast.ml.evaluation import compare_models, holdout, last_points


def test_holdout_splits_the_last_points_of_every_series(panel: pd.DataFrame) -> None:
    hist, test = holdout(panel, 3)
    assert test.groupby("unique_id").size().eq(3).all()
    assert len(hist) + len(test) == len(panel)
    assert (test.groupby("unique_id")["ds"].min() > hist.groupby("unique_id")["ds"].max()).all()


def test_holdout_names_a_series_left_without_history(panel: pd.DataFrame) -> None:
    short = pd.DataFrame({"unique_id": "tiny", "ds": panel["ds"].iloc[:2], "y": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"1 series have no history .* 'tiny'"):
        holdout(pd.concat([panel, short]), 2)
    with pytest.raises(InputError, match="horizon must be at least 1"):
        holdout(panel, 0)


def test_last_points_keeps_the_newest(panel: pd.DataFrame) -> None:
    out = last_points(panel, 5)
    assert out.groupby("unique_id").size().eq(5).all()
    assert out.groupby("unique_id")["ds"].max().equals(panel.groupby("unique_id")["ds"].max())
    with pytest.raises(InputError, match="at least 1"):
        last_points(panel, 0)


def test_compare_models_scores_seasonal_naive_by_hand(panel: pd.DataFrame) -> None:
    few = panel[panel["unique_id"].isin(["s000", "s001"])]
    hist, test = holdout(few, 3)
    table = compare_models(hist, test, 3, models=["seasonal_naive"])
    errors = []
    for uid, g in hist.groupby("unique_id"):
        truth = test.loc[test["unique_id"] == uid, "y"].to_numpy()
        errors.append(np.abs(truth - g["y"].to_numpy()[-12:][:3]))
    assert list(table.index) == ["seasonal_naive"]
    assert table.loc["seasonal_naive", "MAE"] == pytest.approx(np.concatenate(errors).mean())
    assert table.loc["seasonal_naive", "series_per_second"] > 0


def test_compare_models_rejects_unknown_models(panel: pd.DataFrame) -> None:
    hist, test = holdout(panel, 3)
    with pytest.raises(InputError, match=r"unknown models \['prophet'\]"):
        compare_models(hist, test, 3, models=["prophet"])
