"""Insight endpoints over the user's monthly panel (add one: a route here, a service there)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from fincast.api.deps import CurrentUser, EngineDep
from fincast.api.problems import responses
from fincast.services import insights as service

router = APIRouter(prefix="/api/insights", tags=["insights"], responses=responses(401))


class MonthlyOverview(BaseModel):
    """Complete months of the monthly table (docs/compatibility.md), oldest first."""

    data: list[dict[str, Any]]
    count: int
    partial_month: str | None


@router.get("/monthly", response_model=MonthlyOverview)
def monthly(engine: EngineDep, user: CurrentUser) -> Any:
    """Income, spending per category, total spending and savings for each complete month."""
    return service.monthly_overview(engine, user.id)
