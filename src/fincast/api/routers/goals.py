"""Savings goals of the current user: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.planning import (
    GoalCreate,
    GoalPublic,
    GoalsPublic,
    GoalUpdate,
)
from fincast.services.resources import goals

router = APIRouter(prefix="/api/goals", tags=["goals"], responses=responses(401, 422))


@router.get("", response_model=GoalsPublic)
def list_goals(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
) -> GoalsPublic:
    """List the user's goals."""
    rows, count = goals.list(session, user.id, offset=offset, limit=limit)
    return GoalsPublic(data=[GoalPublic.model_validate(r) for r in rows], count=count)


@router.post(
    "",
    response_model=GoalPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409),
)
def create_goal(body: GoalCreate, session: SessionDep, user: CurrentUser) -> GoalPublic:
    """Create a goal."""
    return GoalPublic.model_validate(goals.create(session, user.id, body.model_dump()))


@router.get("/{goal_id}", response_model=GoalPublic, responses=responses(404))
def get_goal(goal_id: IdPath, session: SessionDep, user: CurrentUser) -> GoalPublic:
    """One of the user's goals."""
    return GoalPublic.model_validate(goals.get(session, user.id, goal_id))


@router.patch("/{goal_id}", response_model=GoalPublic, responses=responses(404, 409))
def update_goal(
    goal_id: IdPath, body: GoalUpdate, session: SessionDep, user: CurrentUser
) -> GoalPublic:
    """Change some fields of a goal."""
    return GoalPublic.model_validate(goals.update(session, user.id, goal_id, body.changes()))


@router.delete("/{goal_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
def delete_goal(goal_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete a goal."""
    goals.delete(session, user.id, goal_id)
