"""The user-owned resources with plain CRUD: accounts, categories, rules, budgets, goals, debts.

Each router is :func:`fincast.api.crud.owned_router` over the resource's service in
:mod:`fincast.services.resources` and its schema family.
"""

from __future__ import annotations

from fincast.api.crud import OwnedSchemas, owned_router
from fincast.api.schemas import ledger as L
from fincast.api.schemas import planning as P
from fincast.services import resources

accounts = owned_router(
    resources.accounts,
    OwnedSchemas(L.AccountCreate, L.AccountUpdate, L.AccountPublic, L.AccountsPublic),
    plural="accounts",
    delete_doc="Delete an account and every transaction on it.",
)
categories = owned_router(
    resources.categories,
    OwnedSchemas(L.CategoryCreate, L.CategoryUpdate, L.CategoryPublic, L.CategoriesPublic),
    plural="categories",
    delete_doc="Delete a category (its transactions become uncategorized).",
)
rules = owned_router(
    resources.rules,
    OwnedSchemas(L.RuleCreate, L.RuleUpdate, L.RulePublic, L.RulesPublic),
    plural="rules",
    create_refs=True,
)
budgets = owned_router(
    resources.budgets,
    OwnedSchemas(P.BudgetCreate, P.BudgetUpdate, P.BudgetPublic, P.BudgetsPublic),
    plural="budgets",
    create_refs=True,
)
goals = owned_router(
    resources.goals,
    OwnedSchemas(P.GoalCreate, P.GoalUpdate, P.GoalPublic, P.GoalsPublic),
    plural="goals",
)
debts = owned_router(
    resources.debts,
    OwnedSchemas(P.DebtCreate, P.DebtUpdate, P.DebtPublic, P.DebtsPublic),
    plural="debts",
    create_refs=True,
)
