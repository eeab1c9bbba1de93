"""Debts of the current user: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.planning import (
    DebtCreate,
    DebtPublic,
    DebtsPublic,
    DebtUpdate,
)
from fincast.services.resources import debts

router = APIRouter(prefix="/api/debts", tags=["debts"], responses=responses(401, 422))


@router.get("", response_model=DebtsPublic)
def list_debts(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
) -> DebtsPublic:
    """List the user's debts."""
    rows, count = debts.list(session, user.id, offset=offset, limit=limit)
    return DebtsPublic(data=[DebtPublic.model_validate(r) for r in rows], count=count)


@router.post(
    "",
    response_model=DebtPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, 409),
)
def create_debt(body: DebtCreate, session: SessionDep, user: CurrentUser) -> DebtPublic:
    """Create a debt."""
    return DebtPublic.model_validate(debts.create(session, user.id, body.model_dump()))


@router.get("/{debt_id}", response_model=DebtPublic, responses=responses(404))
def get_debt(debt_id: IdPath, session: SessionDep, user: CurrentUser) -> DebtPublic:
    """One of the user's debts."""
    return DebtPublic.model_validate(debts.get(session, user.id, debt_id))


@router.patch("/{debt_id}", response_model=DebtPublic, responses=responses(404, 409))
def update_debt(
    debt_id: IdPath, body: DebtUpdate, session: SessionDep, user: CurrentUser
) -> DebtPublic:
    """Change some fields of a debt."""
    return DebtPublic.model_validate(debts.update(session, user.id, debt_id, body.changes()))


@router.delete("/{debt_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
def delete_debt(debt_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete a debt."""
    debts.delete(session, user.id, debt_id)
