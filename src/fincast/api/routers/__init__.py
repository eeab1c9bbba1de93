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
    insights,
    predictions,
    rules,
    transactions,
)

#: Routers mounted by :func:`fincast.api.app.create_app`; each carries its own URL prefix.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    accounts.router,
    categories.router,
    rules.router,
    transactions.router,
    imports.router,
    budgets.router,
    goals.router,
    debts.router,
    predictions.router,
    insights.router,
    export.router,
)
