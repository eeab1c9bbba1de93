"""Financial health score: 0-100 from eight indicators a ledger can measure.

In the spirit of the FinHealth framework (spend, save, borrow, plan), the eight indicators
below are the ones transaction data, accounts, debts, budgets and goals can measure. Each is
worth :data:`POINTS` (12.5) points, scaled linearly between a "worst" and a "best" value
(docs/insights.md lists them):

1. ``spend_less_than_income`` - spending / income over the last 12 months (best <= 0.85,
   worst >= 1.05);
2. ``bills_on_time`` - share of expected recurring payments made in the last 12 months
   (best 1.0, worst <= 0.8);
3. ``no_fees`` - overdraft, late and returned-payment fees in the last 12 months (best 0,
   worst >= 3);
4. ``liquid_savings`` - checking, savings and cash balances in months of average spending
   (best >= 6, worst <= 0);
5. ``long_term_saving_rate`` - savings / income over the last 36 months, at least 12 of them
   (best >= 20 %, worst <= 0);
6. ``debt_to_income`` - debt balances / a year of income (best <= 0.2, worst >= 1.0);
7. ``debt_payments`` - minimum debt payments / monthly income (best <= 0.10, worst >= 0.43;
   no points while a debt's minimum does not cover its interest);
8. ``planning`` - a budget set, budgets kept last month, a goal set, goals on track (a
   quarter each).

An indicator with too little data says "not enough data" and scores nothing: the score is the
points of the measured indicators over their maximum, times 100, and says how many it rests
on; with fewer than :data:`MIN_MEASURED` measured there is no score. Tiers: Healthy 80-100,
Coping 40-79, Vulnerable 0-39.

Pure: frames, numbers and dataclasses in, dataclasses out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fincast.ml.household_table import EXPENSE, INCOME, MONTH, SAVINGS
from fincast.taxonomy import DEFAULT_CATEGORIES

POINTS = 12.5
#: Fewest measured indicators a score needs.
MIN_MEASURED = 4
#: Months of activity (any income or spending) a 12-month window needs to be read.
MIN_ACTIVE = 3
WINDOW = 12
LONG_WINDOW = 36
LONG_MIN = 12
#: APR (percent) from which a debt counts as high-interest.
HIGH_INTEREST_APR = 8.0
#: A goal is on track when its probability of being reached by its date is at least this.
ON_TRACK = 0.8
NOT_ENOUGH = "not enough data"
TIERS = ((80, "Healthy"), (40, "Coping"), (0, "Vulnerable"))


@dataclass(frozen=True)
class DebtInfo:
    """One debt as the score reads it (APR in percent)."""

    name: str
    balance: float
    apr: float
    minimum_payment: float

    @property
    def monthly_interest(self) -> float:
        """Interest one month adds at the APR."""
        return self.balance * self.apr / 100 / 12


@dataclass(frozen=True)
class BillSeries:
    """A recurring payment series: when it ran, how often it was paid, which dates it missed."""

    payee: str
    first_date: dt.date
    last_date: dt.date
    occurrences: int
    missed: tuple[dt.date, ...]


@dataclass(frozen=True)
class GoalStatus:
    """One goal's standing for the planning indicator."""

    name: str
    probability: float | None  # None: no forecast (too little history)


@dataclass(frozen=True)
class HealthInputs:
    """Everything the score reads, as of the end of ``table``'s last month."""

    table: pd.DataFrame
    essential: frozenset[str] = frozenset()
    liquid_balance: float | None = None
    fee_dates: tuple[dt.date, ...] | None = None
    bills: tuple[BillSeries, ...] = ()
    debts: tuple[DebtInfo, ...] = ()
    budgets: Mapping[str, float] = field(default_factory=dict)
    total_budget: float | None = None
    goals: tuple[GoalStatus, ...] = ()


@dataclass(frozen=True)
class Component:
    """One indicator: its value, its points and the one step that would help most."""

    key: str
    name: str
    value: float | None
    display: str
    points: float | None
    max_points: float
    status: str  # good | fair | poor | not enough data
    step: str


@dataclass(frozen=True)
class HealthScore:
    """The score, its tier, its components and the compatible health-check fields."""

    month: str | None
    score: int | None
    tier: str
    measured: int
    components: tuple[Component, ...]
    status: str
    message: str
    savings_rate: float | None
    recommendations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        out = asdict(self)
        out["components"] = [asdict(c) for c in self.components]
        out["recommendations"] = list(self.recommendations)
        return out


def tier(score: int | None) -> str:
    """Healthy 80-100, Coping 40-79, Vulnerable 0-39; no score is "not enough data"."""
    if score is None:
        return NOT_ENOUGH
    return next(name for lo, name in TIERS if score >= lo)


def ramp(value: float, best: float, worst: float) -> float:
    """Share of the points: 1 at ``best`` or better, 0 at ``worst`` or worse, linear between."""
    if best == worst:
        raise ValueError("best and worst must differ")
    share = (value - worst) / (best - worst)
    return float(np.clip(share, 0.0, 1.0))


def _component(
    key: str, name: str, value: float | None, display: str, share: float | None, step: str
) -> Component:
    if share is None:
        return Component(key, name, None, NOT_ENOUGH, None, POINTS, NOT_ENOUGH, step)
    points = round(POINTS * share, 2)
    status = "good" if share >= 0.8 else "fair" if share >= 0.4 else "poor"
    return Component(key, name, value, display, points, POINTS, status, step)


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _window(table: pd.DataFrame, months: int) -> pd.DataFrame:
    return table.tail(months)


def _active(frame: pd.DataFrame) -> int:
    return int(((frame[INCOME] > 0) | (frame[EXPENSE] > 0)).sum())


def _largest_discretionary(frame: pd.DataFrame, essential: Collection[str]) -> str | None:
    cats = [c for c in frame.columns if c not in (MONTH, INCOME, EXPENSE, SAVINGS)]
    spend = {c: float(frame[c].sum()) for c in cats if c not in essential}
    spend = {c: v for c, v in spend.items() if v > 0}
    return max(spend, key=lambda c: spend[c]) if spend else None


def spend_less_than_income(inp: HealthInputs) -> Component:
    """Spending as a share of income over the last 12 months."""
    w = _window(inp.table, WINDOW)
    name = "Spend less than income"
    income, spend = float(w[INCOME].sum()), float(w[EXPENSE].sum())
    if len(w) == 0 or _active(w) < MIN_ACTIVE or income <= 0:
        return _component(
            "spend_less_than_income",
            name,
            None,
            "",
            None,
            "Import at least 3 months of transactions with your income to measure this.",
        )
    ratio = spend / income
    share = ramp(ratio, 0.85, 1.05)
    cat = _largest_discretionary(w, inp.essential)
    if share >= 1:
        step = "Keep spending under 85% of income; move the surplus to savings each payday."
    else:
        cut = max(spend - 0.85 * income, 0.0) / len(w)
        where = f", starting with {cat}" if cat else ""
        step = (
            f"Spend about {_money(cut)} a month less to bring spending under 85% of income{where}."
        )
    deficits = int((w[EXPENSE] > w[INCOME]).sum())
    display = f"spent {ratio:.0%} of income; {deficits} of {len(w)} months over income"
    return _component("spend_less_than_income", name, round(ratio, 4), display, share, step)


def _window_start(end: pd.Period, months: int) -> dt.date:
    return (end - (months - 1)).start_time.date()


def bills_on_time(inp: HealthInputs, end: pd.Period) -> Component:
    """Share of the recurring payments expected in the last 12 months that were made."""
    start, stop = _window_start(end, WINDOW), end.end_time.date()
    expected = missed = 0.0
    for s in inp.bills:
        lo, hi = max(s.first_date, start), min(s.last_date, stop)
        span = (s.last_date - s.first_date).days
        if hi < lo:
            paid = 0.0
        elif span <= 0:
            paid = float(s.occurrences)
        else:
            paid = s.occurrences * ((hi - lo).days + 1) / (span + 1)
        m = sum(1 for d in s.missed if start <= d <= stop)
        expected += paid + m
        missed += m
    name = "Bills paid on time"
    if expected < 1:
        return _component(
            "bills_on_time",
            name,
            None,
            "",
            None,
            "No recurring bills found yet; import a few months so fincast can follow them.",
        )
    made = 1.0 - missed / expected
    share = ramp(made, 1.0, 0.8)
    step = (
        "Keep paying every bill on time; automatic payments make it effortless."
        if missed == 0
        else f"{int(missed)} expected payment(s) were missed in 12 months; set up automatic "
        "payments for your bills."
    )
    display = f"{made:.0%} of {expected:.0f} expected payments made"
    return _component("bills_on_time", name, round(made, 4), display, share, step)


def no_fees(inp: HealthInputs, end: pd.Period) -> Component:
    """Overdraft, late and returned-payment fees in the last 12 months."""
    w = _window(inp.table, WINDOW)
    name = "No overdraft or late fees"
    if inp.fee_dates is None or _active(w) < MIN_ACTIVE:
        return _component(
            "no_fees",
            name,
            None,
            "",
            None,
            "Import at least 3 months of your current account to check for fees.",
        )
    start, stop = _window_start(end, WINDOW), end.end_time.date()
    n = sum(1 for d in inp.fee_dates if start <= d <= stop)
    share = ramp(float(n), 0.0, 3.0)
    step = (
        "No fees in 12 months; keep a small buffer in your current account."
        if n == 0
        else f"{n} fee(s) in 12 months; keep a buffer in your current account and turn on "
        "low-balance alerts."
    )
    return _component("no_fees", name, float(n), f"{n} fee(s) in 12 months", share, step)


def _monthly_spending(inp: HealthInputs) -> float | None:
    w = _window(inp.table, WINDOW)
    active = w[(w[INCOME] > 0) | (w[EXPENSE] > 0)]
    if len(active) < MIN_ACTIVE or float(active[EXPENSE].mean()) <= 0:
        return None
    return float(active[EXPENSE].mean())


def liquid_savings(inp: HealthInputs) -> Component:
    """Checking, savings and cash balances in months of average spending."""
    name = "Liquid savings"
    monthly = _monthly_spending(inp)
    if monthly is None or inp.liquid_balance is None:
        return _component(
            "liquid_savings",
            name,
            None,
            "",
            None,
            "Add your current and savings accounts with their balances and 3 months of "
            "spending to measure this.",
        )
    months = max(inp.liquid_balance, 0.0) / monthly
    share = ramp(months, 6.0, 0.0)
    if months >= 6:
        step = "Six months of spending put by; savings beyond that can work harder invested."
    else:
        goal = 3 if months < 3 else 6
        step = (
            f"Build an emergency fund of {goal} months of spending: "
            f"{_money(goal * monthly - max(inp.liquid_balance, 0.0))} more."
        )
    display = f"{months:.1f} months of spending"
    return _component("liquid_savings", name, round(months, 2), display, share, step)


def long_term_saving_rate(inp: HealthInputs) -> Component:
    """Savings as a share of income over the last 36 months (at least 12)."""
    w = _window(inp.table, LONG_WINDOW)
    name = "Long-term saving rate"
    income = float(w[INCOME].sum())
    if len(w) < LONG_MIN or _active(w) < LONG_MIN // 2 or income <= 0:
        return _component(
            "long_term_saving_rate",
            name,
            None,
            "",
            None,
            "A year of transactions with your income is needed to measure this.",
        )
    rate = (income - float(w[EXPENSE].sum())) / income
    share = ramp(rate, 0.20, 0.0)
    if rate >= 0.2:
        step = "Saving 20% or more; keep it automatic."
    else:
        more = (0.2 - rate) * income / len(w)
        step = f"Save about {_money(more)} a month more to reach 20% of income."
    display = f"{rate:.0%} of income over {len(w)} months"
    return _component("long_term_saving_rate", name, round(rate, 4), display, share, step)


def _monthly_income(inp: HealthInputs) -> float | None:
    w = _window(inp.table, WINDOW)
    if _active(w) < MIN_ACTIVE or float(w[INCOME].sum()) <= 0:
        return None
    return float(w[INCOME].mean())


def _debts_unknown(inp: HealthInputs) -> bool:
    """Debt payments in the ledger but no debt recorded: the balances are not known."""
    w = _window(inp.table, WINDOW)
    paying = "debt_payments" in w.columns and float(w["debt_payments"].sum()) > 0
    return paying and not inp.debts


def _debt_not_measured(key: str, name: str, income: float | None) -> Component:
    """A debt indicator that cannot be measured: no income yet, or debts not recorded."""
    step = (
        "Record your debts (balance, APR, minimum payment) so fincast can check them."
        if income is not None
        else "Import at least 3 months of transactions with your income to measure this."
    )
    return _component(key, name, None, "", None, step)


def debt_to_income(inp: HealthInputs) -> Component:
    """Debt balances against a year of income."""
    name = "Manageable debt: debt to income"
    income = _monthly_income(inp)
    if income is None or _debts_unknown(inp):
        return _debt_not_measured("debt_to_income", name, income)
    balance = sum(d.balance for d in inp.debts)
    ratio = balance / (12 * income)
    share = ramp(ratio, 0.2, 1.0)
    if not inp.debts:
        step = "No debts recorded; keep it that way by paying cards in full."
    elif share >= 1:
        step = "Debt is small against income; keep paying more than the minimums."
    else:
        top = max(inp.debts, key=lambda d: d.apr)
        step = f"Pay extra on {top.name} ({top.apr:g}% APR) first: the highest rate costs most."
    display = f"debts {ratio:.0%} of a year's income"
    return _component("debt_to_income", name, round(ratio, 4), display, share, step)


def debt_payments(inp: HealthInputs) -> Component:
    """Minimum debt payments against monthly income."""
    name = "Manageable debt: payments"
    income = _monthly_income(inp)
    if income is None or _debts_unknown(inp):
        return _debt_not_measured("debt_payments", name, income)
    payments = sum(d.minimum_payment for d in inp.debts)
    ratio = payments / income
    share = ramp(ratio, 0.10, 0.43)
    underwater = [d for d in inp.debts if d.minimum_payment <= d.monthly_interest]
    if underwater:
        share = 0.0
        d = underwater[0]
        step = (
            f"The minimum on {d.name} ({_money(d.minimum_payment)}) does not cover its "
            f"interest ({_money(d.monthly_interest)} a month): pay more or the balance grows."
        )
    elif not inp.debts:
        step = "No debt payments; nothing to do."
    elif share >= 1:
        step = "Debt payments are a small share of income."
    else:
        step = (
            "Debt payments take a large share of income; pay the highest rate first or refinance."
        )
    display = f"payments {ratio:.0%} of monthly income"
    return _component("debt_payments", name, round(ratio, 4), display, share, step)


def _budgets_kept(inp: HealthInputs) -> float:
    if inp.table.empty or (not inp.budgets and inp.total_budget is None):
        return 0.0
    last = inp.table.iloc[-1]
    checks = [float(last.get(c, 0.0)) <= b for c, b in inp.budgets.items()]
    if inp.total_budget is not None:
        checks.append(float(last[EXPENSE]) <= inp.total_budget)
    return float(np.mean(checks))


def planning(inp: HealthInputs) -> Component:
    """Budgets and goals in place and on track (a quarter of the points each)."""
    has_budget = bool(inp.budgets) or inp.total_budget is not None
    kept = _budgets_kept(inp)
    on_track = (
        float(np.mean([(g.probability or 0.0) >= ON_TRACK for g in inp.goals]))
        if inp.goals
        else 0.0
    )
    parts = [float(has_budget), kept, float(bool(inp.goals)), on_track]
    share = float(np.mean(parts))
    if not has_budget:
        step = "Set a monthly budget for your largest spending categories."
    elif not inp.goals:
        step = "Set a savings goal with a date (an emergency fund is a good first one)."
    elif kept < 1:
        step = "Last month went over a budget; review that category or adjust the budget."
    elif on_track < 1:
        step = "A goal is not on track; raise its monthly saving or move its date."
    else:
        step = "Budgets kept and goals on track; review them once a quarter."
    display = (
        f"{'budget set' if has_budget else 'no budget'}, {kept:.0%} kept; "
        f"{len(inp.goals)} goal(s), {on_track:.0%} on track"
    )
    return _component("planning", "Planning ahead", round(share, 4), display, share, step)


def health_score(inp: HealthInputs) -> HealthScore:
    """The score as of the end of the table's last month."""
    table = inp.table
    if table.empty:
        end = None
        comps = [
            _component(k, n, None, "", None, "Import your transactions to get a score.")
            for k, n in (
                ("spend_less_than_income", "Spend less than income"),
                ("bills_on_time", "Bills paid on time"),
                ("no_fees", "No overdraft or late fees"),
                ("liquid_savings", "Liquid savings"),
                ("long_term_saving_rate", "Long-term saving rate"),
                ("debt_to_income", "Manageable debt: debt to income"),
                ("debt_payments", "Manageable debt: payments"),
            )
        ]
        comps.append(planning(inp))
    else:
        end = pd.Period(str(table[MONTH].iloc[-1]), freq="M")
        comps = [
            spend_less_than_income(inp),
            bills_on_time(inp, end),
            no_fees(inp, end),
            liquid_savings(inp),
            long_term_saving_rate(inp),
            debt_to_income(inp),
            debt_payments(inp),
            planning(inp),
        ]
    measured = [c for c in comps if c.points is not None]
    score = (
        round(100 * sum(c.points or 0.0 for c in measured) / (POINTS * len(measured)))
        if len(measured) >= MIN_MEASURED
        else None
    )
    w = _window(table, WINDOW) if not table.empty else table
    income = float(w[INCOME].sum()) if not table.empty else 0.0
    savings_rate = (
        round((income - float(w[EXPENSE].sum())) / income, 4)
        if not table.empty and income > 0 and _active(w) >= MIN_ACTIVE
        else None
    )
    status, message = _status(score, len(measured), savings_rate)
    lost = sorted(
        (c for c in comps if c.points is not None and c.points < c.max_points),
        key=lambda c: c.points or 0.0,
    )
    recs = [c.step for c in lost[:3]] + [c.step for c in comps if c.points is None][:2]
    return HealthScore(
        month=None if end is None else str(end),
        score=score,
        tier=tier(score),
        measured=len(measured),
        components=tuple(comps),
        status=status,
        message=message,
        savings_rate=savings_rate,
        recommendations=tuple(dict.fromkeys(recs)),
    )


def _status(score: int | None, measured: int, rate: float | None) -> tuple[str, str]:
    """The compatible health check's status and message, read from the score."""
    if score is None:
        return (
            "not_enough_data",
            f"Not enough data for a score: {measured} of 8 indicators could be measured "
            f"(at least {MIN_MEASURED} are needed).",
        )
    rate_text = f"; saving {rate:.0%} of income over 12 months" if rate is not None else ""
    base = f"Score {score}/100 ({tier(score)}) from {measured} of 8 indicators{rate_text}."
    if score >= 80:
        return "excellent", base
    if score >= 60:
        return "good", base
    if score >= 40:
        return "needs_attention", base
    return "critical", base


def score_history(
    inp: HealthInputs,
    *,
    balances: Mapping[str, float] | None = None,
    months: int = WINDOW,
) -> list[dict[str, Any]]:
    """The score at the end of each of the last ``months`` months of the table.

    Each month reads the ledger up to its end (and ``balances[month]``, the liquid balance
    at that month's end); debts, budgets and goals are as recorded today, since fincast
    keeps no history of them.
    """
    out = []
    table = inp.table
    for n in range(max(len(table) - months + 1, 1), len(table) + 1):
        part = table.iloc[:n]
        month = str(part[MONTH].iloc[-1])
        bal = None if balances is None else balances.get(month)
        res = health_score(_replace(inp, table=part, liquid_balance=bal))
        out.append({"month": month, "score": res.score, "tier": res.tier, "measured": res.measured})
    return out


def _replace(inp: HealthInputs, **changes: Any) -> HealthInputs:
    fields = {k: getattr(inp, k) for k in inp.__dataclass_fields__}
    fields.update(changes)
    return HealthInputs(**fields)


def fee_matches(texts: Sequence[str]) -> np.ndarray:
    """Which transaction texts are overdraft, late or returned-payment fees."""
    s = pd.Series(list(texts), dtype=object).fillna("").str.lower()
    return s.str.contains(FEE_PATTERN, regex=True).to_numpy(dtype=bool)


#: Words that mark a bank fee for an overdraft, a late payment or a returned payment.
FEE_PATTERN = (
    r"overdraft|overdrawn|late (?:payment )?fee|late charge|\bnsf\b|non-sufficient|"
    r"insufficient funds|returned (?:item|payment)|over.?limit fee|unpaid item"
)


def monthly_check(table: pd.DataFrame) -> dict[str, Any]:
    """The source's health check from a monthly table alone (the compatible API's answer).

    The source's savings-rate rule (below 0 critical, below 10 % needs attention, below 20 %
    good, else excellent), read over the last 12 months, and only when
    ``spend_less_than_income`` can be measured: too little data is ``not_enough_data``,
    never "excellent". Debts, balances, bills, budgets and goals are not in a monthly table;
    the full score is :func:`health_score` (``GET /api/insights/health``).
    """
    # A monthly table carries no essential flags: the default taxonomy's stand in.
    essential = frozenset(c.slug for c in DEFAULT_CATEGORIES if c.essential)
    inp = HealthInputs(table=table, essential=essential)
    spend = spend_less_than_income(inp)
    long = long_term_saving_rate(inp)
    recent = table.tail(6)
    income = float(recent[INCOME].mean()) if len(recent) else 0.0
    expense = float(recent[EXPENSE].mean()) if len(recent) else 0.0
    sav = (table[INCOME] - table[EXPENSE]).to_numpy(dtype=float)
    trend = float(np.polyfit(np.arange(sav.size), sav, 1)[0]) if sav.size >= 3 else 0.0
    recs: list[str] = []
    if spend.value is None:
        status = "not_enough_data"
        message = "Not enough data: at least 3 months with income in the last 12 are needed."
        rate = None
        recs.append(spend.step)
    else:
        rate = round(1.0 - spend.value, 4)
        if rate < 0:
            status, message = "critical", "Spending exceeded income over the last 12 months."
        elif rate < 0.1:
            status, message = "needs_attention", "Savings rate is below 10% of income."
        elif rate < 0.2:
            status, message = "good", "Savings rate is between 10% and 20% of income."
        else:
            status, message = "excellent", "Savings rate is 20% of income or more."
        recs += [c.step for c in (spend, long) if c.points is not None and c.points < POINTS]
        if trend < 0:
            recs.append("Monthly savings are trending down; review recent spending increases.")
    recs.append(
        "The full health score (debts, balances, bills, budgets, goals) is at "
        "GET /api/insights/health."
    )
    return {
        "status": status,
        "message": message,
        "recommendations": recs,
        "savings_rate": rate,
        "average_income": income,
        "average_expense": expense,
        "savings_trend_per_month": trend,
        "components": [asdict(spend), asdict(long)],
    }
