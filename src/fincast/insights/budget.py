"""A monthly budget plan: per-category amounts that respect what cannot be cut.

The plan splits what the user has to spend (``total_budget`` less a ``safety_margin``) in
priority order, and says why for every line:

1. **Floors**: every category first gets its known fixed bills (recurring payments) and, for
   debt payments, the minimum payments on the user's debts. A floor is never cut; when the
   floors alone do not fit, there is no plan (:class:`InputError` naming ``total_budget``).
2. **Essentials** (rent, groceries, utilities, ...) get their target next: the user's own
   budget where set, otherwise next month's expected spending from the forecast.
3. **Discretionary** categories get their target from what is left.
4. **Savings** is what remains; never below zero.

Where a group's targets do not fit in what is left, each of its lines gets its floor plus
the same share of the part above the floor, so no line falls below its floor and the lines
add up to no more than the budget. The 50/30/20 rule (needs, wants, savings as shares of
the total budget) is shown beside the plan as a reference, not applied.

Pure: numbers in, dataclasses out; money as :class:`~decimal.Decimal` to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from fincast.errors import InputError

CENT = Decimal("0.01")
#: The 50/30/20 reference: shares of the total budget for needs, wants and savings.
REFERENCE_SHARES = {"needs": Decimal("0.50"), "wants": Decimal("0.30"), "savings": Decimal("0.20")}
#: Largest safety margin accepted (a share of the total budget kept unplanned).
MAX_SAFETY_MARGIN = Decimal("0.5")


def cents(value: Decimal | float | int, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``value`` as a Decimal to the cent."""
    return Decimal(str(value)).quantize(CENT, rounding=rounding)


def money(amount: Decimal) -> str:
    """An amount as people read it: ``1,960.00``."""
    return f"{amount:,.2f}"


@dataclass(frozen=True)
class CategoryNeed:
    """What one category needs next month, as the plan sees it.

    Attributes:
        category: The category's slug.
        expected: Next month's expected spending (the forecast's mean), never negative.
        essential: Whether it is a need (the category's essential flag).
        fixed: Known fixed bills and minimum debt payments that month (the floor).
        fixed_detail: What the fixed amount is made of, for the reason (e.g. "Rent 1,960.00").
        own_budget: The user's budget for the category, where set.
    """

    category: str
    expected: Decimal
    essential: bool
    fixed: Decimal = Decimal("0")
    fixed_detail: str = ""
    own_budget: Decimal | None = None

    @property
    def floor(self) -> Decimal:
        """The least the line may get."""
        return max(self.fixed, Decimal("0"))

    @property
    def target(self) -> Decimal:
        """What the line should get when the budget allows: own budget or forecast, >= floor."""
        wanted = self.own_budget if self.own_budget is not None else self.expected
        return max(wanted, self.floor)


@dataclass(frozen=True)
class BudgetLine:
    """One line of the plan and why it is what it is."""

    category: str
    amount: Decimal
    expected: Decimal
    floor: Decimal
    own_budget: Decimal | None
    essential: bool
    basis: str  # "own_budget", "forecast", "fixed", "cut" or "savings"
    reason: str


@dataclass(frozen=True)
class BudgetPlan:
    """The whole plan: lines (savings last), totals, the 50/30/20 reference and warnings."""

    total_budget: Decimal
    total_budget_source: str
    safety_margin: Decimal
    available: Decimal
    lines: tuple[BudgetLine, ...]
    planned_spending: Decimal
    savings: Decimal
    expected_spending: Decimal
    fixed_total: Decimal
    reference_50_30_20: dict[str, dict[str, Decimal]]
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values (Decimals kept)."""
        out = asdict(self)
        out["lines"] = [asdict(line) for line in self.lines]
        out["warnings"] = list(self.warnings)
        return out


def plan_budget(
    needs: Sequence[CategoryNeed],
    total_budget: Decimal,
    *,
    safety_margin: Decimal = Decimal("0"),
    total_budget_source: str = "request",
) -> BudgetPlan:
    """The budget plan for ``needs`` within ``total_budget`` less ``safety_margin``.

    Raises:
        InputError: ``total_budget`` is negative or too small for the floors, or
            ``safety_margin`` is outside ``[0, 0.5]``.
    """
    if not total_budget.is_finite() or total_budget < 0:
        raise InputError(f"total_budget must be a non-negative amount, got {total_budget}")
    if not safety_margin.is_finite() or not 0 <= safety_margin <= MAX_SAFETY_MARGIN:
        raise InputError(
            f"safety_margin must be between 0 and {MAX_SAFETY_MARGIN}, got {safety_margin}"
        )
    total = cents(total_budget)
    available = cents(total * (1 - safety_margin), ROUND_DOWN)
    floors = {n.category: cents(n.floor) for n in needs}
    fixed_total = sum(floors.values(), Decimal("0"))
    if fixed_total > available:
        detail = ", ".join(
            f"{n.category} {money(floors[n.category])}" for n in needs if floors[n.category] > 0
        )
        least = cents(fixed_total / (1 - safety_margin), ROUND_HALF_UP)
        after = f" leaves {money(available)} after the {safety_margin:.0%} safety margin, and is"
        raise InputError(
            f"total_budget: {money(total)}{after if safety_margin > 0 else ' is'} less than the "
            f"{money(fixed_total)} of fixed bills and minimum debt payments ({detail}); "
            f"it must be at least {money(least)}"
        )
    amounts = dict(floors)
    left = available - fixed_total
    cut_share: dict[str, Decimal] = {}
    for essential in (True, False):
        group = [n for n in needs if n.essential is essential]
        above = {n.category: cents(n.target) - floors[n.category] for n in group}
        wanted = sum(above.values(), Decimal("0"))
        share = Decimal("1") if wanted <= left else (left / wanted if wanted > 0 else Decimal(0))
        for n in group:
            extra = cents(above[n.category] * share, ROUND_DOWN)
            amounts[n.category] += extra
            left -= extra
            if share < 1 and above[n.category] > 0:
                cut_share[n.category] = share
        if share < 1:
            # The cents rounding left over stay in this group: a cut group passes nothing on.
            short = [n.category for n in group if amounts[n.category] < cents(n.target)]
            while left >= CENT and short:
                for category in list(short):
                    if left < CENT:
                        break
                    amounts[category] += CENT
                    left -= CENT
                short = [n.category for n in group if amounts[n.category] < cents(n.target)]
    lines = [_line(n, amounts[n.category], floors[n.category], cut_share) for n in needs]
    lines.sort(key=lambda ln: (not ln.essential, -ln.amount, ln.category))
    planned = sum((ln.amount for ln in lines), Decimal("0"))
    savings = available - planned
    expected_total = sum((cents(max(n.expected, Decimal(0))) for n in needs), Decimal("0"))
    warnings = []
    if cut_share:
        wanted_total = sum((cents(n.target) for n in needs), Decimal("0"))
        warnings.append(
            f"the lines' targets ({money(wanted_total)}: your budgets where set, else the "
            f"forecast) do not fit in {money(available)}: {len(cut_share)} line(s) were cut"
        )
    if savings == 0:
        warnings.append("nothing is left to save this month")
    savings_reason = f"what is left of {money(available)} after the spending lines"
    if safety_margin > 0:
        savings_reason += (
            f"; the {safety_margin:.0%} safety margin of {money(total - available)} is kept apart"
        )
    lines.append(
        BudgetLine(
            category="savings",
            amount=savings,
            expected=Decimal("0"),
            floor=Decimal("0"),
            own_budget=None,
            essential=False,
            basis="savings",
            reason=savings_reason,
        )
    )
    needs_amount = sum((ln.amount for ln in lines if ln.essential), Decimal("0"))
    wants_amount = planned - needs_amount
    plan_values = {"needs": needs_amount, "wants": wants_amount, "savings": savings}
    reference = {
        key: {
            "reference": cents(total * share),
            "planned": plan_values[key],
            "planned_share": (plan_values[key] / total).quantize(Decimal("0.001"))
            if total > 0
            else Decimal("0"),
        }
        for key, share in REFERENCE_SHARES.items()
    }
    return BudgetPlan(
        total_budget=total,
        total_budget_source=total_budget_source,
        safety_margin=safety_margin,
        available=available,
        lines=tuple(lines),
        planned_spending=planned,
        savings=savings,
        expected_spending=expected_total,
        fixed_total=fixed_total,
        reference_50_30_20=reference,
        warnings=tuple(warnings),
    )


def _line(
    n: CategoryNeed, amount: Decimal, floor: Decimal, cut_share: dict[str, Decimal]
) -> BudgetLine:
    expected = cents(max(n.expected, Decimal("0")))
    fixed_text = f"fixed bills and minimum payments of {money(floor)}" + (
        f" ({n.fixed_detail})" if n.fixed_detail else ""
    )
    if n.category in cut_share:
        basis = "cut"
        wanted = "your budget" if n.own_budget is not None else "the forecast"
        reason = (
            f"cut to {cut_share[n.category]:.0%} of the part above its floor to fit the budget "
            f"({wanted}: {money(cents(n.target))})"
        )
        if floor > 0:
            reason += f"; never below its {fixed_text}"
    elif floor > 0 and amount == floor and cents(n.target) == floor:
        basis = "fixed"
        reason = f"covers the {fixed_text}"
        if n.own_budget is not None and n.own_budget < floor:
            reason += f"; your budget of {money(cents(n.own_budget))} is below them"
        elif expected < floor:
            reason += f", above the forecast of {money(expected)}"
    elif n.own_budget is not None:
        basis = "own_budget"
        reason = f"your budget of {money(cents(n.own_budget))} (forecast {money(expected)})"
    else:
        basis = "forecast"
        reason = f"next month's expected spending of {money(expected)}"
        if floor > 0:
            reason += f", which covers the {fixed_text}"
    kind = "essential" if n.essential else "discretionary"
    return BudgetLine(
        category=n.category,
        amount=amount,
        expected=expected,
        floor=floor,
        own_budget=None if n.own_budget is None else cents(n.own_budget),
        essential=n.essential,
        basis=basis,
        reason=f"{kind}: {reason}",
    )
