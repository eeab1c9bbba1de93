"""Rule suggestions of the learned categorizer: what is offered, and accepting one."""

from __future__ import annotations

from fincast.api.schemas.common import Id, PublicSchema, Schema, Text255


class RuleSuggestionPublic(PublicSchema):
    """'Always categorize payees containing ``payee_contains`` as ``category_id``'."""

    payee_contains: str
    category_id: int
    corrections: int
    example: str


class RuleSuggestionsPublic(PublicSchema):
    """The rules the categorizer offers, most corrected payee first."""

    data: list[RuleSuggestionPublic]
    count: int


class RuleSuggestionAccept(Schema):
    """The suggestion to turn into a rule (as listed by ``GET /api/rules/suggestions``)."""

    payee_contains: Text255
    category_id: Id
