"""Investment readiness: not ready, building, or ready, and why.

Four checks, each ``pass``, ``building``, ``fail`` or ``unknown``:

* **emergency fund** - liquid balances in months of average spending: ``pass`` at 6 months
  or more (3 when income is stable), ``building`` from 1 month, ``fail`` below 1;
* **high-interest debt** - any debt at :data:`HIGH_INTEREST_APR` % APR or more is ``fail``
  (paying it off is a sure return at that rate); debt payments in the ledger with no debt
  recorded are ``unknown``;
* **saving rate** - savings / income over the last 12 months: ``pass`` at 10 % or more,
  ``building`` above 0, ``fail`` at 0 or below;
* **income stability** - the coefficient of variation of monthly income over the last 12
  months: ``pass`` at :data:`STABLE_CV` or less with income every month, else ``building``
  (a larger emergency fund is needed first).

The verdict: ``not ready`` when any check fails; otherwise ``not enough data`` when any is
unknown; ``ready`` when all pass; ``building`` otherwise.

Pure: plain numbers in, a dataclass out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from fincast.insights.health import (
    HIGH_INTEREST_APR,
    MIN_ACTIVE,
    NOT_ENOUGH,
    WINDOW,
    DebtInfo,
)
from fincast.ml.household_table import EXPENSE, INCOME

#: Highest coefficient of variation of monthly income that counts as stable.
STABLE_CV = 0.25
MIN_SAVING_RATE = 0.10


@dataclass(frozen=True)
class Check:
    """One readiness check."""

    key: str
    status: str  # pass | building | fail | unknown
    value: float | None
    reason: str


@dataclass(frozen=True)
class Readiness:
    """The verdict and its checks."""

    verdict: str  # not ready | building | ready | not enough data
    checks: tuple[Check, ...]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "verdict": self.verdict,
            "checks": [asdict(c) for c in self.checks],
            "reasons": list(self.reasons),
        }


def income_cv(table: pd.DataFrame) -> tuple[float | None, int]:
    """Coefficient of variation of income over the last 12 months, and months without income."""
    w = table.tail(WINDOW)
    income = w[INCOME].to_numpy(dtype=float)
    if len(w) < MIN_ACTIVE or income.mean() <= 0:
        return None, int((income <= 0).sum())
    return float(income.std() / income.mean()), int((income <= 0).sum())


def readiness(
    table: pd.DataFrame, *, liquid_balance: float | None, debts: Sequence[DebtInfo]
) -> Readiness:
    """Whether the household is ready to invest, from its monthly table, balances and debts."""
    w = table.tail(WINDOW)
    active = int(((w[INCOME] > 0) | (w[EXPENSE] > 0)).sum()) if len(w) else 0
    cv, zero_months = income_cv(table) if len(w) else (None, 0)
    stable = cv is not None and cv <= STABLE_CV and zero_months == 0
    checks = [
        _income_check(cv, zero_months, stable),
        _emergency_check(w, active, liquid_balance, stable),
        _debt_check(debts, paying=_pays_debts(w)),
        _rate_check(w, active),
    ]
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        verdict = "not ready"
    elif "unknown" in statuses:
        verdict = NOT_ENOUGH
    elif statuses == {"pass"}:
        verdict = "ready"
    else:
        verdict = "building"
    order = {"fail": 0, "unknown": 1, "building": 2, "pass": 3}
    reasons = tuple(c.reason for c in sorted(checks, key=lambda c: order[c.status]))
    return Readiness(verdict=verdict, checks=tuple(checks), reasons=reasons)


def _income_check(cv: float | None, zero_months: int, stable: bool) -> Check:
    if cv is None:
        return Check("income_stability", "unknown", None, "Income: not enough data yet.")
    if stable:
        return Check(
            "income_stability",
            "pass",
            round(cv, 3),
            f"Income is steady (varies {cv:.0%} month to month).",
        )
    gaps = f", {zero_months} month(s) without income" if zero_months else ""
    return Check(
        "income_stability",
        "building",
        round(cv, 3),
        f"Income varies {cv:.0%} month to month{gaps}: keep 6 months of spending before investing.",
    )


def _emergency_check(w: pd.DataFrame, active: int, balance: float | None, stable: bool) -> Check:
    spend = w[EXPENSE][(w[INCOME] > 0) | (w[EXPENSE] > 0)]
    if balance is None or active < MIN_ACTIVE or float(spend.mean()) <= 0:
        return Check(
            "emergency_fund",
            "unknown",
            None,
            "Emergency fund: add your accounts and 3 months of spending to measure it.",
        )
    months = max(balance, 0.0) / float(spend.mean())
    need = 3.0 if stable else 6.0
    if months >= need:
        reason = f"Emergency fund covers {months:.1f} months."
        return Check("emergency_fund", "pass", round(months, 2), reason)
    status = "building" if months >= 1 else "fail"
    return Check(
        "emergency_fund",
        status,
        round(months, 2),
        f"Emergency fund covers {months:.1f} months; build it to {need:.0f} months first.",
    )


def _pays_debts(w: pd.DataFrame) -> bool:
    return "debt_payments" in w.columns and float(w["debt_payments"].sum()) > 0


def _debt_check(debts: Sequence[DebtInfo], *, paying: bool) -> Check:
    if paying and not debts:
        return Check(
            "high_interest_debt",
            "unknown",
            None,
            "Debt payments appear in your ledger but no debt is recorded: add your debts "
            "(balance, APR, minimum) so their rates can be checked.",
        )
    high = [d for d in debts if d.apr >= HIGH_INTEREST_APR and d.balance > 0]
    if high:
        names = ", ".join(f"{d.name} ({d.apr:g}%)" for d in high)
        total = sum(d.balance for d in high)
        return Check(
            "high_interest_debt",
            "fail",
            round(total, 2),
            f"Pay off high-interest debt first: {names}; paying it is a sure return at that rate.",
        )
    return Check(
        "high_interest_debt",
        "pass",
        0.0,
        f"No debt at {HIGH_INTEREST_APR:g}% APR or more.",
    )


def _rate_check(w: pd.DataFrame, active: int) -> Check:
    income = float(w[INCOME].sum()) if len(w) else 0.0
    if active < MIN_ACTIVE or income <= 0:
        return Check("saving_rate", "unknown", None, "Saving rate: not enough data yet.")
    rate = float(np.round((income - float(w[EXPENSE].sum())) / income, 4))
    if rate >= MIN_SAVING_RATE:
        return Check("saving_rate", "pass", rate, f"Saving {rate:.0%} of income.")
    if rate > 0:
        return Check(
            "saving_rate",
            "building",
            rate,
            f"Saving {rate:.0%} of income; reach {MIN_SAVING_RATE:.0%} before investing.",
        )
    return Check(
        "saving_rate",
        "fail",
        rate,
        f"Spending is {-rate:.0%} above income over 12 months; there is nothing to invest yet.",
    )
