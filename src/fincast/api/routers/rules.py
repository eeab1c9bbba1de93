"""Categorization rules of the current user: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from fincast.api.deps import CurrentUser, IdPath, Limit, Offset, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.ledger import (
    RuleCreate,
    RulePublic,
    RulesPublic,
    RuleUpdate,
)
from fincast.services.resources import rules

router = APIRouter(prefix="/api/rules", tags=["rules"], responses=responses(401, 422))


@router.get("", response_model=RulesPublic)
def list_rules(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
) -> RulesPublic:
    """List the user's rules."""
    rows, count = rules.list(session, user.id, offset=offset, limit=limit)
    return RulesPublic(data=[RulePublic.model_validate(r) for r in rows], count=count)


@router.post(
    "",
    response_model=RulePublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, 409),
)
def create_rule(body: RuleCreate, session: SessionDep, user: CurrentUser) -> RulePublic:
    """Create a rule."""
    return RulePublic.model_validate(rules.create(session, user.id, body.model_dump()))


@router.get("/{rule_id}", response_model=RulePublic, responses=responses(404))
def get_rule(rule_id: IdPath, session: SessionDep, user: CurrentUser) -> RulePublic:
    """One of the user's rules."""
    return RulePublic.model_validate(rules.get(session, user.id, rule_id))


@router.patch("/{rule_id}", response_model=RulePublic, responses=responses(404, 409))
def update_rule(
    rule_id: IdPath, body: RuleUpdate, session: SessionDep, user: CurrentUser
) -> RulePublic:
    """Change some fields of a rule."""
    return RulePublic.model_validate(rules.update(session, user.id, rule_id, body.changes()))


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
def delete_rule(rule_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete a rule."""
    rules.delete(session, user.id, rule_id)
