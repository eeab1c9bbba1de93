"""CRUD for the user-owned resources that need no special logic beyond ownership.

Each resource is one :class:`OwnedResource`; modules with more behaviour (transactions,
rules) build on the same helpers.

Budgets, savings goals and debts are each in one currency (:func:`plan_currency`): the one
the client names, which must be the currency of one of the user's accounts, or else the
user's primary currency; a debt tied to an account is in that account's currency. Every
answer in a currency counts only the budgets, goals and debts in it (:func:`in_currency`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from fincast.errors import InputError
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
from fincast.services.panels import PanelCurrency, session_currency

#: The currency of the budgets, goals and debts of a user without accounts: the one a new
#: account gets (``AccountCreate``'s default).
NO_ACCOUNT_CURRENCY = "USD"

#: Fills in and checks the fields of a create (``obj`` None) or an update of ``obj``.
Prepare = Callable[[Session, int, dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class OwnedResource(Generic[T]):
    """List, get, create, update and delete rows of ``model`` scoped to one user."""

    model: type[T]
    label: str
    order_by: tuple[Any, ...] = field(default_factory=tuple)
    prepare: Prepare | None = None

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
        if self.prepare is not None:
            fields = self.prepare(session, user_id, dict(fields), None)
        return create_owned(session, self.model, user_id, fields, self.label)

    def update(self, session: Session, user_id: int, obj_id: int, fields: Mapping[str, Any]) -> T:
        """Change the fields the client sent on the user's row ``obj_id``."""
        obj = self.get(session, user_id, obj_id)
        if self.prepare is not None:
            fields = self.prepare(session, user_id, dict(fields), obj)
        return update_owned(session, obj, user_id, fields, self.label)

    def delete(self, session: Session, user_id: int, obj_id: int) -> None:
        """Delete the user's row ``obj_id``."""
        delete_owned(session, self.get(session, user_id, obj_id))


def _account_fields(
    session: Session, user_id: int, fields: dict[str, Any], obj: Any
) -> dict[str, Any]:
    """An account's new currency moves the debts tied to it along (saved together)."""
    currency = fields.get("currency")
    if obj is not None and currency is not None and currency.upper() != obj.currency.upper():
        tied = select(Debt).where(Debt.user_id == user_id, Debt.account_id == obj.id)
        for debt in session.scalars(tied):
            debt.currency = currency.upper()
    return fields


accounts: OwnedResource[Account] = OwnedResource(
    Account, "account", (Account.name, Account.id), prepare=_account_fields
)
categories: OwnedResource[Category] = OwnedResource(
    Category, "category", (Category.kind, Category.slug, Category.id)
)
rules: OwnedResource[CategorizationRule] = OwnedResource(
    CategorizationRule,
    "rule",
    (CategorizationRule.priority, CategorizationRule.id),
)


def plan_currency(session: Session, user_id: int, currency: str | None) -> str:
    """The currency of a budget, goal or debt of ``user_id``: ``currency`` or their primary.

    A user without accounts has :data:`NO_ACCOUNT_CURRENCY` only.

    Raises:
        InputError: ``currency`` is not the currency of any of the user's accounts (the
            message names it and theirs).
    """
    if currency is not None and currency.strip().upper() == NO_ACCOUNT_CURRENCY:
        pc = session_currency(session, user_id)
        if not pc.currencies:
            return NO_ACCOUNT_CURRENCY
    pc = session_currency(session, user_id, currency)
    return pc.currency or NO_ACCOUNT_CURRENCY


def answer_currency(pc: PanelCurrency) -> str:
    """The currency whose budgets, goals and debts count in an answer in ``pc``."""
    return pc.currency or NO_ACCOUNT_CURRENCY


def in_currency(column: InstrumentedAttribute[str], pc: PanelCurrency) -> ColumnElement[bool]:
    """``column`` (a plan's ``currency``) is the currency of the answer in ``pc``."""
    return column == answer_currency(pc)


def _plan_fields(
    session: Session, user_id: int, fields: dict[str, Any], obj: Any
) -> dict[str, Any]:
    """A budget's or goal's currency: the one sent (checked), else the primary on create."""
    if obj is None or fields.get("currency") is not None:
        fields["currency"] = plan_currency(session, user_id, fields.get("currency"))
    return fields


def _debt_fields(
    session: Session, user_id: int, fields: dict[str, Any], obj: Any
) -> dict[str, Any]:
    """A debt's currency: its account's when it has one, else as for budgets and goals.

    Raises:
        InputError: the currency sent is not the account's, or no account's of the user.
        NotFoundError: the account is not the user's.
    """
    account_id = fields.get("account_id", obj.account_id if obj is not None else None)
    sent = fields.get("currency")
    if account_id is None:
        return _plan_fields(session, user_id, fields, obj)
    account = get_owned(session, Account, user_id, account_id, "account")
    held = account.currency.upper()
    if sent is not None and sent.upper() != held:
        raise InputError(
            f"currency {sent.upper()}: the debt's account {account_id} is in {held}; "
            "a debt tied to an account is in that account's currency"
        )
    fields["currency"] = held
    return fields


budgets: OwnedResource[Budget] = OwnedResource(Budget, "budget", (Budget.id,), prepare=_plan_fields)
goals: OwnedResource[SavingsGoal] = OwnedResource(
    SavingsGoal, "goal", (SavingsGoal.target_date, SavingsGoal.id), prepare=_plan_fields
)
debts: OwnedResource[Debt] = OwnedResource(Debt, "debt", (Debt.id,), prepare=_debt_fields)
imports: OwnedResource[ImportBatch] = OwnedResource(
    ImportBatch, "import", (ImportBatch.created_at.desc(), ImportBatch.id.desc())
)
