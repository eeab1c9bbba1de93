"""Answers for someone with no history: the second source's 17 profile fields in, insights out.

From one month's profile (income, age, dependents, occupation, city tier, the eleven expense
fields and the desired savings percentage):

* disposable income = income minus the eleven expense fields;
* desired savings = income x ``desired_savings_percentage`` / 100, and the savings-target
  attainment = disposable income / desired savings (met when at least 1);
* overspending status: ``spending_over_income`` when disposable income is below 0,
  ``short_of_savings_target`` when it is below the desired savings, ``on_track`` otherwise;
* how unusual the spending pattern is: the squared Mahalanobis distance of the eleven
  spending shares of income from a reference population's, and the share of that population
  at or below it (``typical`` below 0.90, ``uncommon`` to 0.99, ``unusual`` above), with the
  three shares furthest from the population's in standard deviations;
* a profile health score, 0-100 from four components of 25 points each (see
  :func:`health`), tiers Healthy 80-100, Coping 40-79, Vulnerable 0-39; the indicators a
  single month's profile cannot measure are listed as "not enough data", never scored;
* recommendations, with the peer targets (:mod:`fincast.insights.peers`).

Pure: numbers in, dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fincast.errors import InputError
from fincast.insights.peers import PEER_FIELDS, FloatArray, PeerPopulation, PeerTargets

OCCUPATIONS = ("Professional", "Self_Employed", "Student", "Retired")
CITY_TIERS = ("Tier_1", "Tier_2", "Tier_3")
#: Population share at or below the profile's distance from which it is uncommon / unusual.
UNCOMMON, UNUSUAL = 0.90, 0.99
HOUSING_OK, HOUSING_BAD = 0.30, 0.50
DEBT_OK, DEBT_BAD = 0.10, 0.40
SAVINGS_GOOD = 0.20
TIERS = ((80, "Healthy"), (40, "Coping"), (0, "Vulnerable"))
#: What the transaction-based health score measures that one month's profile cannot.
NOT_MEASURED = (
    "bills paid on time, no overdraft or late fees",
    "liquid savings in months of expenses",
    "long-term saving over 12 months",
    "budgets and goals on track",
)


@dataclass(frozen=True)
class Profile:
    """The second source's profile fields (one month), snake-case."""

    income: float
    age: int
    dependents: int
    occupation: str
    city_tier: str
    rent: float
    loan_repayment: float
    insurance: float
    groceries: float
    transport: float
    eating_out: float
    entertainment: float
    utilities: float
    healthcare: float
    education: float
    miscellaneous: float
    desired_savings_percentage: float

    def __post_init__(self) -> None:
        if not np.isfinite(self.income) or self.income < 0:
            raise InputError("income must be a number of at least 0")
        for name in PEER_FIELDS:
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise InputError(f"{name} must be a number of at least 0")
        if not 0 <= self.desired_savings_percentage <= 100:
            raise InputError("desired_savings_percentage must be between 0 and 100")
        if self.occupation not in OCCUPATIONS:
            raise InputError(f"occupation must be one of {', '.join(OCCUPATIONS)}")
        if self.city_tier not in CITY_TIERS:
            raise InputError(f"city_tier must be one of {', '.join(CITY_TIERS)}")
        if self.dependents < 0 or self.age < 0:
            raise InputError("age and dependents must not be negative")

    @property
    def spending(self) -> dict[str, float]:
        """The eleven expense fields."""
        return {f: float(getattr(self, f)) for f in PEER_FIELDS}

    @property
    def total_expense(self) -> float:
        """The eleven expense fields added up."""
        return float(sum(self.spending.values()))

    @property
    def disposable_income(self) -> float:
        """Income minus the eleven expense fields."""
        return float(self.income - self.total_expense)

    @property
    def desired_savings(self) -> float:
        """Income times the desired savings percentage."""
        return float(self.income * self.desired_savings_percentage / 100)


@dataclass(frozen=True)
class Reference:
    """A population's spending shares: mean, inverse covariance, sorted distances, spreads."""

    name: str
    mean: FloatArray
    inverse_covariance: FloatArray
    sorted_distances: FloatArray
    std: FloatArray
    size: int

    def distance(self, shares: FloatArray) -> float:
        """Squared Mahalanobis distance of ``shares`` from the population mean."""
        d = shares - self.mean
        return float(d @ self.inverse_covariance @ d)


def reference(population: PeerPopulation, name: str) -> Reference:
    """The reference distribution of spending shares of ``population``."""
    x = population.shares
    if len(x) <= len(PEER_FIELDS):
        raise InputError(f"reference population {name!r}: {len(x)} households are too few")
    mean = x.mean(axis=0)
    cov = np.cov(x, rowvar=False)
    inv = np.linalg.pinv(cov)
    diff = x - mean
    d2 = np.einsum("ij,jk,ik->i", diff, inv, diff)
    return Reference(
        name=name,
        mean=mean,
        inverse_covariance=np.asarray(inv, dtype=float),
        sorted_distances=np.sort(d2),
        std=np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0),
        size=len(x),
    )


def unusualness(profile: Profile, ref: Reference) -> dict[str, Any]:
    """How far the profile's spending shares sit from the reference population's."""
    if profile.income <= 0:
        return {
            "reference": ref.name,
            "distance": None,
            "percentile": None,
            "label": "not enough data",
            "furthest": [],
            "reason": "no income: spending shares of income are undefined",
        }
    shares = np.array([profile.spending[f] for f in PEER_FIELDS]) / profile.income
    d2 = ref.distance(shares)
    pct = float(np.searchsorted(ref.sorted_distances, d2, side="right") / ref.size)
    label = "unusual" if pct > UNUSUAL else ("uncommon" if pct > UNCOMMON else "typical")
    z = (shares - ref.mean) / ref.std
    order = np.argsort(-np.abs(z))[:3]
    return {
        "reference": ref.name,
        "distance": round(d2, 3),
        "percentile": round(pct, 4),
        "label": label,
        "furthest": [
            {
                "field": PEER_FIELDS[i],
                "share": round(float(shares[i]), 4),
                "population_share": round(float(ref.mean[i]), 4),
                "z": round(float(z[i]), 2),
            }
            for i in order
        ],
        "reason": (
            f"{pct:.1%} of the {ref.name} households spend in a pattern at least this close "
            "to the average"
        ),
    }


def _linear(value: float, good: float, bad: float) -> float:
    """25 points at ``good`` or better, 0 at ``bad`` or worse, linear between."""
    # good > bad: higher is better
    frac = (value - bad) / (good - bad) if good > bad else (bad - value) / (bad - good)
    return float(25 * np.clip(frac, 0.0, 1.0))


def tier(score: float) -> str:
    """Healthy 80-100, Coping 40-79, Vulnerable 0-39."""
    return next(name for floor, name in TIERS if score >= floor)


def health(profile: Profile) -> dict[str, Any]:
    """The profile health score: four measurable components of 25 points each.

    * spend less than income: savings rate (disposable / income), 25 at 20% or more, 0 at 0
      or below;
    * housing cost: rent / income, 25 at 30% or less, 0 at 50% or more;
    * manageable debt: loan repayments / income, 25 at 10% or less, 0 at 40% or more;
    * planning: attainment of the desired savings, 25 x min(1, attainment) (no target set:
      0 points, "set a savings target").
    """
    if profile.income <= 0:
        return {
            "score": None,
            "tier": "not enough data",
            "components": [],
            "not_measured": list(NOT_MEASURED),
            "reason": "no income: every component is a share of income",
        }
    income = profile.income
    rate = profile.disposable_income / income
    housing = profile.rent / income
    debt = profile.loan_repayment / income
    desired = profile.desired_savings
    attainment = profile.disposable_income / desired if desired > 0 else None
    components: list[dict[str, Any]] = [
        {
            "name": "spend less than income",
            "value": round(rate, 4),
            "points": round(_linear(rate, SAVINGS_GOOD, 0.0), 1),
            "step": "keep saving at least 20% of income"
            if rate >= SAVINGS_GOOD
            else f"save {max(SAVINGS_GOOD * income - profile.disposable_income, 0):.2f} more "
            "a month to reach 20% of income",
        },
        {
            "name": "housing cost",
            "value": round(housing, 4),
            "points": round(_linear(housing, HOUSING_OK, HOUSING_BAD), 1),
            "step": "housing is within 30% of income"
            if housing <= HOUSING_OK
            else f"housing takes {housing:.0%} of income; within 30% is {HOUSING_OK * income:.2f}",
        },
        {
            "name": "manageable debt",
            "value": round(debt, 4),
            "points": round(_linear(debt, DEBT_OK, DEBT_BAD), 1),
            "step": "loan repayments are within 10% of income"
            if debt <= DEBT_OK
            else f"loan repayments take {debt:.0%} of income; pay the dearest loan first",
        },
        {
            "name": "planning",
            "value": None if attainment is None else round(attainment, 4),
            "points": 0.0
            if attainment is None
            else round(25 * float(np.clip(attainment, 0, 1)), 1),
            "step": "set a desired savings percentage"
            if attainment is None
            else (
                "the savings target is met"
                if attainment >= 1
                else f"{desired - profile.disposable_income:.2f} a month short of the target"
            ),
        },
    ]
    score = round(float(sum(float(c["points"]) for c in components)), 1)
    return {
        "score": score,
        "tier": tier(score),
        "components": components,
        "not_measured": list(NOT_MEASURED),
        "reason": "a single month's profile; the ledger-based score measures more",
    }


def answers(profile: Profile, ref: Reference, targets: PeerTargets | None) -> dict[str, Any]:
    """Every profile answer: disposable income, status, unusualness, savings, health, advice."""
    disposable = profile.disposable_income
    desired = profile.desired_savings
    if disposable < 0:
        status = "spending_over_income"
        message = f"spending is {-disposable:.2f} more than income"
    elif disposable < desired:
        status = "short_of_savings_target"
        message = (
            f"{desired - disposable:.2f} short of saving {profile.desired_savings_percentage}%"
        )
    else:
        status = "on_track"
        message = "income covers spending and the desired savings"
    attainment = disposable / desired if desired > 0 else None
    rate = disposable / profile.income if profile.income > 0 else None
    return {
        "disposable_income": round(disposable, 2),
        "total_expense": round(profile.total_expense, 2),
        "overspending": {
            "status": status,
            "overspending": disposable < desired,
            "message": message,
        },
        "savings_target": {
            "desired_savings": round(desired, 2),
            "attainment": None if attainment is None else round(attainment, 4),
            "met": disposable >= desired,
            "shortfall": round(max(desired - disposable, 0.0), 2),
        },
        "savings_rate": None if rate is None else round(rate, 4),
        "unusualness": unusualness(profile, ref),
        "health": health(profile),
        "peers": None if targets is None else targets.as_dict(),
        "recommendations": recommendations(profile, targets),
    }


def recommendations(profile: Profile, targets: PeerTargets | None) -> list[str]:
    """Concrete steps, most pressing first."""
    out = []
    disposable, desired = profile.disposable_income, profile.desired_savings
    if profile.income <= 0:
        return ["record an income: every other answer is a share of it"]
    if disposable < 0:
        out.append(f"spending is {-disposable:.2f} above income: cut that much first")
    elif disposable < desired:
        out.append(
            f"save {desired:.2f} ({profile.desired_savings_percentage}% of income): "
            f"{desired - disposable:.2f} a month more is needed"
        )
    if targets is not None:
        cuts = sorted(
            (t for t in targets.targets if t.current - t.target >= 0.01),
            key=lambda t: t.current - t.target,
            reverse=True,
        )
        for t in cuts[:3]:
            out.append(
                f"{t.field}: {t.target:.2f} instead of {t.current:.2f} "
                f"(peers who save more spend {t.peer_median:.2f})"
            )
    if profile.rent / profile.income > HOUSING_OK:
        out.append(f"housing takes {profile.rent / profile.income:.0%} of income (aim for 30%)")
    if profile.loan_repayment / profile.income > DEBT_OK:
        out.append("loan repayments are above 10% of income: pay the dearest loan first")
    if not out:
        out.append("on track: keep the desired savings going each month")
    return out
