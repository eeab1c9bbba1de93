"""Disposable income on a hand-made forecast: income minus essentials, and its range."""

from __future__ import annotations

import pytest
from scipy.stats import norm

from fincast.insights.disposable import disposable_income
from tests.unit.insights.wellbeing_support import forecast

ESSENTIAL = {"housing", "groceries"}


def test_income_minus_essentials_with_an_independent_range() -> None:
    fc = forecast(
        income=4000,
        categories={"housing": (1500.0, 0.0), "groceries": (400.0, 50.0), "dining": (300.0, 80.0)},
    )
    d = disposable_income(fc, ESSENTIAL)
    assert d.month == "2026-01"
    assert d.expected_income == 4000 and d.essential_spending == 1900
    assert d.essential == {"housing": 1500.0, "groceries": 400.0}  # dining is not essential
    assert d.disposable == 2100
    sd = (100**2 + 50**2) ** 0.5
    assert d.upper_95 - d.lower_95 == pytest.approx(2 * norm.ppf(0.975) * sd, rel=0.08)
    assert d.upper_80 - d.lower_80 == pytest.approx(2 * norm.ppf(0.9) * sd, rel=0.08)
    assert d.lower_95 < d.lower_80 < d.disposable < d.upper_80 < d.upper_95
    assert d.probability_negative == 0.0


def test_no_essential_categories_leaves_income() -> None:
    fc = forecast(income=3000, categories={"dining": (300.0, 80.0)})
    d = disposable_income(fc, set())
    assert d.essential_spending == 0 and d.essential == {} and d.disposable == 3000


def test_a_month_without_income_is_negative() -> None:
    fc = forecast(income=0, income_scale=0.0, categories={"housing": (1200.0, 0.0)})
    d = disposable_income(fc, ESSENTIAL)
    assert d.disposable == -1200
    assert d.upper_95 == pytest.approx(-1200)
    assert d.probability_negative == 1.0
