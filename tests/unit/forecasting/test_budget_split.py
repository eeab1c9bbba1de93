"""The compatible budget split: essentials keep their forecast before anything is cut."""

from __future__ import annotations

import pytest

from fincast.errors import InputError
from fincast.services.forecasting.predictions import budget_split


def test_rent_is_not_cut_by_the_same_share_as_dining() -> None:
    forecasts = {"housing": {"predicted": 1960.0}, "dining": {"predicted": 500.0}}
    out = budget_split(forecasts, 2000.0, 0.0)
    cats = out["categories"]
    # the old equal-share split gave housing 1,593.50 here
    assert cats["housing"]["recommended_budget"] == 1960.0
    assert cats["dining"]["recommended_budget"] == 40.0
    assert cats["housing"]["essential"] is True and cats["dining"]["essential"] is False
    assert "cut" in cats["dining"]["reason"]
    assert out["fits_budget"] is False and out["predicted_total"] == 2460.0
    assert out["available_budget"] == 2000.0


def test_everything_fits_and_bad_input() -> None:
    out = budget_split({"food": {"predicted": 300.0}}, 1000.0, 0.1)
    assert out["categories"]["food"]["recommended_budget"] == 300.0
    assert out["fits_budget"] is True and out["available_budget"] == pytest.approx(900.0)
    with pytest.raises(InputError, match="safety_margin"):
        budget_split({"food": {"predicted": 300.0}}, 1000.0, 1.0)
