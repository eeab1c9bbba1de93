"""Accounts of the current user: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.ledger import (
    AccountCreate,
    AccountPublic,
    AccountsPublic,
    AccountUpdate,
)
from fincast.services.resources import accounts

router = APIRouter(prefix="/api/accounts", tags=["accounts"], responses=responses(401, 422))


@router.get("", response_model=AccountsPublic)
def list_accounts(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
) -> AccountsPublic:
    """List the user's accounts."""
    rows, count = accounts.list(session, user.id, offset=offset, limit=limit)
    return AccountsPublic(data=[AccountPublic.model_validate(r) for r in rows], count=count)


@router.post(
    "",
    response_model=AccountPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409),
)
def create_account(body: AccountCreate, session: SessionDep, user: CurrentUser) -> AccountPublic:
    """Create a account."""
    return AccountPublic.model_validate(accounts.create(session, user.id, body.model_dump()))


@router.get("/{account_id}", response_model=AccountPublic, responses=responses(404))
def get_account(account_id: IdPath, session: SessionDep, user: CurrentUser) -> AccountPublic:
    """One of the user's accounts."""
    return AccountPublic.model_validate(accounts.get(session, user.id, account_id))


@router.patch("/{account_id}", response_model=AccountPublic, responses=responses(404, 409))
def update_account(
    account_id: IdPath, body: AccountUpdate, session: SessionDep, user: CurrentUser
) -> AccountPublic:
    """Change some fields of a account."""
    return AccountPublic.model_validate(
        accounts.update(session, user.id, account_id, body.changes())
    )


@router.delete("/{account_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
def delete_account(account_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete a account and every transaction on it."""
    accounts.delete(session, user.id, account_id)
