"""Every router of the API, registered from :data:`ROUTERS` (add a domain: add one line)."""

from __future__ import annotations

from fastapi import APIRouter

from fincast.api.routers import (
    accounts,
    auth,
    budgets,
    categories,
    debts,
    export,
    goals,
    health,
    imports,
    predictions,
    rules,
    transactions,
)

#: (router, URL prefix) pairs mounted by :func:`fincast.api.app.create_app`.
ROUTERS: tuple[tuple[APIRouter, str], ...] = (
    (health.router, ""),
    (auth.router, "/api/auth"),
    (accounts.router, "/api/accounts"),
    (categories.router, "/api/categories"),
    (rules.router, "/api/rules"),
    (transactions.router, "/api/transactions"),
    (imports.router, "/api/imports"),
    (budgets.router, "/api/budgets"),
    (goals.router, "/api/goals"),
    (debts.router, "/api/debts"),
    (predictions.router, "/api"),
    (export.router, "/api/export"),
)
