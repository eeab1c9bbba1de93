"""Savings-goal forecasts on a hand-made forecast with normal errors (exact expectations)."""

from __future__ import annotations

import datetime as dt

import pytest
from scipy.stats import norm

from fincast.insights.goals import goal_forecast, months_until
from tests.unit.insights.wellbeing_support import forecast

# income 4000, housing 1500: 2500 saved a month; cumulative sd at step k = 100 * sqrt(k)
FC = forecast()


def test_months_until_counts_the_target_month() -> None:
    first = FC.months[0]  # 2026-01
    assert months_until(first, dt.date(2026, 1, 31)) == 1
    assert months_until(first, dt.date(2026, 6, 1)) == 6
    assert months_until(first, dt.date(2025, 12, 31)) == 0


def test_goal_at_the_expected_savings_is_a_coin_flip() -> None:
    g = goal_forecast(FC, target_amount=15_000, saved=0, target_date=dt.date(2026, 6, 15))
    assert g.months_left == 6 and g.remaining == 15_000
    assert g.probability == pytest.approx(0.5, abs=0.01)
    assert g.status == "at_risk"  # 50% or more, below 80%
    assert g.expected_at_target == 15_000
    # steady savings s with P(6 s + noise >= 15000) = 80%: s = (15000 + 100 sqrt(6) z_0.8) / 6
    sd = 100 * 6**0.5
    assert g.monthly_savings_needed is not None and g.extra_per_month_needed is not None
    assert g.monthly_savings_needed["80%"] == pytest.approx(
        (15_000 + sd * norm.ppf(0.8)) / 6, abs=1
    )
    assert g.monthly_savings_needed["95%"] == pytest.approx(
        (15_000 + sd * norm.ppf(0.95)) / 6, abs=1
    )
    assert g.extra_per_month_needed["80%"] == pytest.approx(sd * norm.ppf(0.8) / 6, abs=1)
    assert g.pace_month == "2026-06"
    assert not g.beyond_horizon


def test_saved_amount_counts_and_an_easy_goal_is_on_track() -> None:
    g = goal_forecast(FC, target_amount=15_000, saved=5_000, target_date=dt.date(2026, 6, 1))
    assert g.remaining == 10_000
    # 15000 expected against 10000 needed, sd 245: practically certain
    assert g.probability is not None and g.probability > 0.99
    assert g.status == "on_track"
    assert g.extra_per_month_needed == {"80%": 0.0, "95%": 0.0}
    assert g.pace_month == "2026-04"  # 3 x 2500 = 7500 < 10000 <= 4 x 2500


def test_goal_already_reached() -> None:
    g = goal_forecast(FC, target_amount=1_000, saved=1_200, target_date=dt.date(2026, 3, 1))
    assert g.status == "reached" and g.probability == 1.0 and g.remaining == 0
    assert g.monthly_savings_needed == {"80%": 0.0, "95%": 0.0}
    assert g.pace_month == "2025-12"  # already: the month before the forecast starts


def test_goal_date_in_the_past() -> None:
    g = goal_forecast(FC, target_amount=10_000, saved=2_000, target_date=dt.date(2025, 6, 30))
    assert g.status == "date_passed" and g.probability == 0.0 and g.months_left == 0
    assert g.monthly_savings_needed is None
    assert g.pace_month == "2026-04"
    assert "passed" in g.message and "2026-04" in g.message


def test_goal_beyond_the_horizon_is_extended_and_says_so() -> None:
    # 24 months: expected 24 x 2500 = 60000; month 12's sd (100 sqrt 12) widened by sqrt(2)
    g = goal_forecast(FC, target_amount=60_000, saved=0, target_date=dt.date(2027, 12, 1))
    assert g.months_left == 24 and g.beyond_horizon
    assert g.probability == pytest.approx(0.5, abs=0.01)
    assert g.expected_at_target == pytest.approx(60_000)
    assert g.pace_month == "2027-12"
    assert any("square root of time" in a for a in g.assumptions)
    sd = 100 * 12**0.5 * 2**0.5
    assert g.monthly_savings_needed is not None
    assert g.monthly_savings_needed["95%"] == pytest.approx(
        (60_000 + sd * norm.ppf(0.95)) / 24, abs=1
    )


def test_negative_savings_never_reach_the_goal() -> None:
    fc = forecast(income=1000, categories={"housing": (1500.0, 0.0)})  # -500 a month
    g = goal_forecast(fc, target_amount=5_000, saved=0, target_date=dt.date(2026, 12, 1))
    assert g.probability is not None and g.probability < 0.001
    assert g.status == "off_track"
    assert g.pace_month is None
    assert g.expected_monthly_savings == -500
    assert g.monthly_savings_needed is not None
    assert g.monthly_savings_needed["80%"] > 5_000 / 12
    # the extra on top of the forecast makes up the deficit too
    assert g.extra_per_month_needed is not None
    assert g.extra_per_month_needed["80%"] > 5_000 / 12 + 500


def test_bad_goal_values_name_the_field() -> None:
    with pytest.raises(ValueError, match="target_amount"):
        goal_forecast(FC, target_amount=0, saved=0, target_date=dt.date(2026, 6, 1))
    with pytest.raises(ValueError, match="saved"):
        goal_forecast(FC, target_amount=10, saved=-1, target_date=dt.date(2026, 6, 1))
