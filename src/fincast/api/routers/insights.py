"""Insight endpoints over the user's monthly panel (add one: a route here, a service there)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from fincast.api.deps import CurrentUser, EngineDep, SessionDep
from fincast.api.encoding import cached_json, dumps
from fincast.api.problems import responses
from fincast.api.schemas.common import CurrencyQuery, InCurrency
from fincast.services import insights as service

router = APIRouter(prefix="/api/insights", tags=["insights"], responses=responses(401, 422))

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is still current."}
}


class HistoryGap(BaseModel):
    """Older months left out: they end in a run of months with no transaction at all."""

    history_from: str
    left_out: str
    empty_months: int


class MonthlyOverview(InCurrency):
    """Complete months of the monthly table (docs/compatibility.md), oldest first."""

    data: list[dict[str, Any]]
    count: int
    partial_month: str | None
    history_gap: HistoryGap | None = None


@router.get("/monthly", response_model=MonthlyOverview, responses=NOT_MODIFIED)
def monthly(
    request: Request,
    engine: EngineDep,
    session: SessionDep,
    user: CurrentUser,
    currency: CurrencyQuery = None,
) -> Any:
    """Income, spending per category, total spending and savings for each complete month.

    In one currency (``currency``, default your primary one; ``currencies`` lists yours).
    The answer carries an ``ETag``; send it back as ``If-None-Match`` to get a 304 while
    the ledger has not changed.
    """
    # The user's row came with the token look-up: its data revision needs no query.
    version = service.monthly_version(session, user.id, user.data_revision, currency=currency)
    return cached_json(
        request,
        f'"{version}"',
        lambda: dumps(
            service.monthly_overview(engine, user.id, version=version, currency=currency)
        ),
    )
