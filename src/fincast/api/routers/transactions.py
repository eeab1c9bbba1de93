"""Transactions of the current user: filtered listing, manual entry, correction, deletion."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import Field

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.encoding import cached_json, dumps, etag_for
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
from fincast.services.forecasting.cache import ResultCache

router = APIRouter(prefix="/api/transactions", tags=["transactions"], responses=responses(401, 422))

# Encoded pages, keyed by the user's data revision (renewed by every write to their ledger:
# fincast/ledger/revisions.py) and the exact query, so a page is never stale. Their own LRU:
# many distinct searches must not push forecasts out of the result cache.
PAGES = ResultCache(max_entries=1024)
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is still current."}
}


class TransactionsPage(TransactionsPublic):
    """A page of transactions and the cursor that continues after it."""

    next_cursor: str | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


@router.get("", response_model=TransactionsPage, responses=NOT_MODIFIED)
def list_transactions(
    request: Request,
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
    previous page passed as ``after``. The answer carries an ``ETag``; send it back as
    ``If-None-Match`` to get a 304 while the ledger has not changed.
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
    if after is not None and offset:
        raise InputError("use either offset or after, not both")
    # The user's row came with the token look-up: its data revision needs no query.
    key = (user.id, user.data_revision, flt, offset, limit, after)

    def page() -> bytes:
        found = service.list_transactions(
            session, user.id, flt, offset=offset, limit=limit, after=after
        )
        # Rows straight from the columns TransactionPublic shows, encoded once
        # (docs/benchmarks.md, "API under load"); the response model above documents them.
        body = {"data": found.rows, "count": found.count, "next_cursor": found.next_cursor}
        return dumps(body)

    return cached_json(request, etag_for(key), lambda: PAGES.get_or_compute(key, page))


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
