"""CRUD for the user-owned resources that need no special logic beyond ownership.

Each resource is one :class:`OwnedResource`; modules with more behaviour (transactions,
rules) build on the same helpers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fincast.ledger.models import (
    Account,
    Budget,
    CategorizationRule,
    Category,
    Debt,
    ImportBatch,
    SavingsGoal,
)
from fincast.services._owned import (
    T,
    create_owned,
    delete_owned,
    get_owned,
    list_owned,
    update_owned,
)


@dataclass(frozen=True)
class OwnedResource(Generic[T]):
    """List, get, create, update and delete rows of ``model`` scoped to one user."""

    model: type[T]
    label: str
    order_by: tuple[Any, ...] = field(default_factory=tuple)

    def list(
        self,
        session: Session,
        user_id: int,
        *,
        offset: int = 0,
        limit: int = 100,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[list[T], int]:
        """One page of the user's rows and the total count."""
        return list_owned(
            session,
            self.model,
            user_id,
            offset=offset,
            limit=limit,
            where=where,
            order_by=self.order_by,
        )

    def get(self, session: Session, user_id: int, obj_id: int) -> T:
        """The user's row ``obj_id`` (NotFoundError for unknown or someone else's)."""
        return get_owned(session, self.model, user_id, obj_id, self.label)

    def create(self, session: Session, user_id: int, fields: Mapping[str, Any]) -> T:
        """Create a row for the user from validated ``fields``."""
        return create_owned(session, self.model, user_id, fields, self.label)

    def update(self, session: Session, user_id: int, obj_id: int, fields: Mapping[str, Any]) -> T:
        """Change the fields the client sent on the user's row ``obj_id``."""
        obj = self.get(session, user_id, obj_id)
        return update_owned(session, obj, user_id, fields, self.label)

    def delete(self, session: Session, user_id: int, obj_id: int) -> None:
        """Delete the user's row ``obj_id``."""
        delete_owned(session, self.get(session, user_id, obj_id))


accounts: OwnedResource[Account] = OwnedResource(Account, "account", (Account.name, Account.id))
categories: OwnedResource[Category] = OwnedResource(
    Category, "category", (Category.kind, Category.slug, Category.id)
)
rules: OwnedResource[CategorizationRule] = OwnedResource(
    CategorizationRule,
    "rule",
    (CategorizationRule.priority, CategorizationRule.id),
)
budgets: OwnedResource[Budget] = OwnedResource(Budget, "budget", (Budget.id,))
goals: OwnedResource[SavingsGoal] = OwnedResource(
    SavingsGoal, "goal", (SavingsGoal.target_date, SavingsGoal.id)
)
debts: OwnedResource[Debt] = OwnedResource(Debt, "debt", (Debt.id,))
imports: OwnedResource[ImportBatch] = OwnedResource(
    ImportBatch, "import", (ImportBatch.created_at.desc(), ImportBatch.id.desc())
)
