"""Transactions of the current user: filtered listing, manual entry, correction, deletion."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import Field

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.encoding import dumps, json_response
from fincast.api.problems import responses
from fincast.api.schemas.common import MAX_INT, Day, Money
from fincast.api.schemas.ledger import (
    TransactionCreate,
    TransactionPublic,
    TransactionsPublic,
    TransactionUpdate,
)
from fincast.errors import InputError
from fincast.services import transactions as service

router = APIRouter(prefix="/api/transactions", tags=["transactions"], responses=responses(401, 422))


class TransactionsPage(TransactionsPublic):
    """A page of transactions and the cursor that continues after it."""

    next_cursor: str | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


@router.get("", response_model=TransactionsPage)
def list_transactions(
    session: SessionDep,
    user: CurrentUser,
    date_from: Annotated[Day | None, Query(description="First posted date to include.")] = None,
    date_to: Annotated[Day | None, Query(description="Last posted date to include.")] = None,
    account_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    category_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in payee or description.")
    ] = None,
    amount_min: Annotated[Money | None, Query()] = None,
    amount_max: Annotated[Money | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
    after: Annotated[
        str | None,
        Query(max_length=64, description="Continue after this cursor (keyset pagination)."),
    ] = None,
) -> Any:
    """List the user's transactions, newest first, filtered and paginated.

    Page with ``offset`` or, cheaper for long ledgers, with the ``next_cursor`` of the
    previous page passed as ``after``.
    """
    if q is not None and "\x00" in q:
        raise InputError("q must not contain NUL characters")
    flt = service.TransactionFilter(
        date_from=date_from,
        date_to=date_to,
        account_id=account_id,
        category_id=category_id,
        text=q.strip() if q else None,
        amount_min=amount_min,
        amount_max=amount_max,
    )
    page = service.list_transactions(session, user.id, flt, offset=offset, limit=limit, after=after)
    # Rows straight from the columns TransactionPublic shows, encoded once (docs/benchmarks.md,
    # "API under load"); the response model above still documents them.
    body = {"data": page.rows, "count": page.count, "next_cursor": page.next_cursor}
    return json_response(dumps(body))


@router.post(
    "",
    response_model=TransactionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, 409),
)
def create_transaction(
    body: TransactionCreate, session: SessionDep, user: CurrentUser
) -> TransactionPublic:
    """Enter a transaction by hand; a category given here counts as the user's choice."""
    return TransactionPublic.model_validate(
        service.create_transaction(session, user.id, body.model_dump())
    )


@router.get("/{transaction_id}", response_model=TransactionPublic, responses=responses(404))
def get_transaction(
    transaction_id: IdPath, session: SessionDep, user: CurrentUser
) -> TransactionPublic:
    """One of the user's transactions."""
    return TransactionPublic.model_validate(
        service.get_transaction(session, user.id, transaction_id)
    )


@router.patch("/{transaction_id}", response_model=TransactionPublic, responses=responses(404, 409))
def update_transaction(
    transaction_id: IdPath, body: TransactionUpdate, session: SessionDep, user: CurrentUser
) -> TransactionPublic:
    """Correct a transaction; changing ``category_id`` sets ``category_source`` to ``user``."""
    return TransactionPublic.model_validate(
        service.update_transaction(session, user.id, transaction_id, body.changes())
    )


@router.delete(
    "/{transaction_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404)
)
def delete_transaction(transaction_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete one of the user's transactions."""
    service.delete_transaction(session, user.id, transaction_id)
