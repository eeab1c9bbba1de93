"""Budgets of the current user: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.planning import (
    BudgetCreate,
    BudgetPublic,
    BudgetsPublic,
    BudgetUpdate,
)
from fincast.services.resources import budgets

router = APIRouter(prefix="/api/budgets", tags=["budgets"], responses=responses(401, 422))


@router.get("", response_model=BudgetsPublic)
def list_budgets(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
) -> BudgetsPublic:
    """List the user's budgets."""
    rows, count = budgets.list(session, user.id, offset=offset, limit=limit)
    return BudgetsPublic(data=[BudgetPublic.model_validate(r) for r in rows], count=count)


@router.post(
    "",
    response_model=BudgetPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, 409),
)
def create_budget(body: BudgetCreate, session: SessionDep, user: CurrentUser) -> BudgetPublic:
    """Create a budget."""
    return BudgetPublic.model_validate(budgets.create(session, user.id, body.model_dump()))


@router.get("/{budget_id}", response_model=BudgetPublic, responses=responses(404))
def get_budget(budget_id: IdPath, session: SessionDep, user: CurrentUser) -> BudgetPublic:
    """One of the user's budgets."""
    return BudgetPublic.model_validate(budgets.get(session, user.id, budget_id))


@router.patch("/{budget_id}", response_model=BudgetPublic, responses=responses(404, 409))
def update_budget(
    budget_id: IdPath, body: BudgetUpdate, session: SessionDep, user: CurrentUser
) -> BudgetPublic:
    """Change some fields of a budget."""
    return BudgetPublic.model_validate(budgets.update(session, user.id, budget_id, body.changes()))


@router.delete("/{budget_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
def delete_budget(budget_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete a budget."""
    budgets.delete(session, user.id, budget_id)
