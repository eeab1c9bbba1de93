"""The default category taxonomy every new user starts with."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CategoryKind(StrEnum):
    """What a category means for the panel: money in, money out, or moving money."""

    INCOME = "income"
    EXPENSE = "expense"
    TRANSFER = "transfer"


@dataclass(frozen=True, slots=True)
class CategorySpec:
    """One default category."""

    slug: str
    name: str
    kind: CategoryKind
    essential: bool


DEFAULT_CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("income", "Income", CategoryKind.INCOME, True),
    CategorySpec("housing", "Housing", CategoryKind.EXPENSE, True),
    CategorySpec("groceries", "Groceries", CategoryKind.EXPENSE, True),
    CategorySpec("dining", "Dining", CategoryKind.EXPENSE, False),
    CategorySpec("transport", "Transport", CategoryKind.EXPENSE, True),
    CategorySpec("utilities", "Utilities", CategoryKind.EXPENSE, True),
    CategorySpec("healthcare", "Healthcare", CategoryKind.EXPENSE, True),
    CategorySpec("insurance", "Insurance", CategoryKind.EXPENSE, True),
    CategorySpec("education", "Education", CategoryKind.EXPENSE, True),
    CategorySpec("entertainment", "Entertainment", CategoryKind.EXPENSE, False),
    CategorySpec("shopping", "Shopping", CategoryKind.EXPENSE, False),
    CategorySpec("travel", "Travel", CategoryKind.EXPENSE, False),
    CategorySpec("subscriptions", "Subscriptions", CategoryKind.EXPENSE, False),
    CategorySpec("debt_payments", "Debt payments", CategoryKind.EXPENSE, True),
    CategorySpec("other", "Other", CategoryKind.EXPENSE, False),
    CategorySpec("transfers", "Savings & transfers", CategoryKind.TRANSFER, False),
    CategorySpec("credit_card_payment", "Credit card payment", CategoryKind.TRANSFER, False),
)

CATEGORY_BY_SLUG: dict[str, CategorySpec] = {c.slug: c for c in DEFAULT_CATEGORIES}
EXPENSE_SLUGS: tuple[str, ...] = tuple(
    c.slug for c in DEFAULT_CATEGORIES if c.kind is CategoryKind.EXPENSE
)
