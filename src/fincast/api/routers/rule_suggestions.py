"""Rules the learned categorizer offers after repeated corrections, and accepting one.

Mounted before the rules CRUD router, so ``/api/rules/suggestions`` is not read as a rule id.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from fincast.api.deps import CurrentUser, SessionDep
from fincast.api.problems import responses
from fincast.api.schemas.categorization import (
    RuleSuggestionAccept,
    RuleSuggestionPublic,
    RuleSuggestionsPublic,
)
from fincast.api.schemas.ledger import RulePublic
from fincast.services import categorization as service

router = APIRouter(prefix="/api/rules/suggestions", tags=["rules"], responses=responses(401, 422))


@router.get("", response_model=RuleSuggestionsPublic)
def list_rule_suggestions(session: SessionDep, user: CurrentUser) -> RuleSuggestionsPublic:
    """Payees the user corrected to one category at least three times, offered as rules."""
    rows = service.rule_suggestions(session, user.id)
    return RuleSuggestionsPublic(
        data=[RuleSuggestionPublic.model_validate(r.to_dict()) for r in rows], count=len(rows)
    )


@router.post(
    "/accept",
    response_model=RulePublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, 409),
)
def accept_rule_suggestion(
    body: RuleSuggestionAccept, session: SessionDep, user: CurrentUser
) -> RulePublic:
    """Create the offered rule and re-categorize the user's transactions with it."""
    rule = service.accept_rule_suggestion(
        session, user.id, payee_contains=body.payee_contains, category_id=body.category_id
    )
    return RulePublic.model_validate(rule)
