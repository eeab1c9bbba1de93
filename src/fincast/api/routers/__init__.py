"""Every router of the API, registered from :data:`ROUTERS` (add a domain: add one line)."""

from __future__ import annotations

from fastapi import APIRouter

from fincast.api.routers import (
    auth,
    balances,
    debt_plan,
    export,
    health,
    imports,
    insights,
    insights_budget,
    insights_health,
    owned,
    peers,
    predictions,
    rule_suggestions,
    transactions,
)

#: Routers mounted by :func:`fincast.api.app.create_app`; each carries its own URL prefix.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    owned.accounts,
    balances.router,
    owned.categories,
    rule_suggestions.router,  # before owned.rules: /api/rules/suggestions is no rule id
    owned.rules,
    transactions.router,
    imports.router,
    owned.budgets,
    owned.goals,
    debt_plan.router,  # before owned.debts: /api/debts/plan is no debt id
    owned.debts,
    predictions.router,
    insights.router,
    insights_budget.router,
    peers.router,
    insights_health.router,
    export.router,
)
