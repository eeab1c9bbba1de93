"""Recurring payments and subscriptions of the current user: list, confirm, dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Query

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.common import CurrencyQuery
from fincast.api.schemas.detections import (
    RecurringPublic,
    RecurringsPublic,
    ReviewUpdate,
    Status,
)
from fincast.ledger.models import ReviewStatus
from fincast.services import recurring as service

router = APIRouter(prefix="/api/recurring", tags=["recurring"], responses=responses(401, 422))


@router.get("", response_model=RecurringsPublic)
def list_recurring(
    session: SessionDep,
    user: CurrentUser,
    offset: Offset = 0,
    limit: Limit = 100,
    status: Status | None = Query(None, description="Only series with this status."),
    currency: CurrencyQuery = None,
) -> RecurringsPublic:
    """The user's recurring series (detected again first when the ledger changed).

    Each series is in the currency of the accounts its payments are in (``currency``). With
    ``currency``: the series in that currency only; a currency none of your accounts is in
    is a 422 naming it.
    """
    rows, count = service.list_series(
        session,
        user.id,
        status=ReviewStatus(status) if status else None,
        currency=currency,
        offset=offset,
        limit=limit,
    )
    return RecurringsPublic(data=[RecurringPublic.model_validate(r) for r in rows], count=count)


@router.patch("/{series_id}", response_model=RecurringPublic, responses=responses(404))
def review_recurring(
    series_id: IdPath, body: ReviewUpdate, session: SessionDep, user: CurrentUser
) -> RecurringPublic:
    """Confirm or dismiss a series; a dismissed series stays dismissed after later imports."""
    row = service.set_status(session, user.id, series_id, ReviewStatus(body.status))
    return RecurringPublic.model_validate(row)
