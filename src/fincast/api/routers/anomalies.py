"""Anomalies in the current user's ledger: list with reasons, confirm, dismiss."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.common import CurrencyQuery
from fincast.api.schemas.detections import AnomaliesPublic, AnomalyPublic, ReviewUpdate, Status
from fincast.ledger.models import ReviewStatus
from fincast.services import anomalies as service

router = APIRouter(prefix="/api/anomalies", tags=["anomalies"], responses=responses(401, 422))

Kind = Literal["unusual_amount", "new_merchant", "duplicate", "category_spike", "monthly_behaviour"]


@router.get("", response_model=AnomaliesPublic)
def list_anomalies(
    session: SessionDep,
    user: CurrentUser,
    offset: Offset = 0,
    limit: Limit = 100,
    status: Status | None = Query(None, description="Only flags with this status."),
    kind: Kind | None = Query(None, description="Only flags of this kind."),
    currency: CurrencyQuery = None,
) -> AnomaliesPublic:
    """The user's flags, newest first (detected again first when the ledger changed).

    With ``currency``: the flags of that currency only, i.e. those of transactions in your
    accounts in it, and the month and category-spike flags of its monthly panel (a currency
    other than your primary one is named in their subject, e.g. ``2024-05 EUR``). A
    currency none of your accounts is in is a 422 naming it.
    """
    rows, count = service.list_flags(
        session,
        user.id,
        status=ReviewStatus(status) if status else None,
        kind=kind,
        currency=currency,
        offset=offset,
        limit=limit,
    )
    return AnomaliesPublic(data=[AnomalyPublic.model_validate(r) for r in rows], count=count)


@router.patch("/{anomaly_id}", response_model=AnomalyPublic, responses=responses(404))
def review_anomaly(
    anomaly_id: IdPath, body: ReviewUpdate, session: SessionDep, user: CurrentUser
) -> AnomalyPublic:
    """Confirm or dismiss a flag; a dismissed flag stays dismissed after later imports."""
    return AnomalyPublic.model_validate(
        service.set_status(session, user.id, anomaly_id, ReviewStatus(body.status))
    )
