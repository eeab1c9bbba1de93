"""Schemas of accounts, categories, rules, transactions and imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, Field, field_validator, model_validator

from fincast.api.schemas.common import (
    Currency,
    Day,
    Id,
    Money,
    Name,
    PublicSchema,
    Schema,
    Slug,
    Text255,
    Text500,
    Timestamp,
)
from fincast.ingest.categorize import compile_pattern
from fincast.ingest.values import check_date_range
from fincast.ledger.models import AccountType, CategorySource, ImportStatus
from fincast.taxonomy import CategoryKind

Priority = Field(default=100, ge=0, le=1_000_000)
# A transaction's date: the same range an import accepts (fincast.ingest.values).
TransactionDay = Annotated[Day, AfterValidator(check_date_range)]


# -- accounts ----------------------------------------------------------------------------


class AccountCreate(Schema):
    """A new account."""

    name: Name
    type: AccountType = AccountType.CHECKING
    currency: Currency = "USD"
    opening_balance: Money = Decimal("0.00")


class AccountUpdate(Schema):
    """Fields of an account to change."""

    name: Name | None = None
    type: AccountType | None = None
    currency: Currency | None = None
    opening_balance: Money | None = None
    archived: bool | None = None


class AccountPublic(PublicSchema):
    """An account as the API shows it."""

    id: int
    name: str
    type: AccountType
    currency: str
    opening_balance: Decimal
    archived: bool
    created_at: Timestamp


class AccountsPublic(PublicSchema):
    """A page of accounts."""

    data: list[AccountPublic]
    count: int


# -- categories --------------------------------------------------------------------------


class CategoryCreate(Schema):
    """A new category; ``slug`` is its stable machine name."""

    slug: Slug
    name: Name
    kind: CategoryKind = CategoryKind.EXPENSE
    essential: bool = False


class CategoryUpdate(Schema):
    """Fields of a category to change."""

    name: Name | None = None
    kind: CategoryKind | None = None
    essential: bool | None = None


class CategoryPublic(PublicSchema):
    """A category as the API shows it."""

    id: int
    slug: str
    name: str
    kind: CategoryKind
    essential: bool


class CategoriesPublic(PublicSchema):
    """A page of categories."""

    data: list[CategoryPublic]
    count: int


# -- rules -------------------------------------------------------------------------------


def _valid_regex(value: str | None) -> str | None:
    if value is None:
        return value
    compile_pattern(value)  # raises ValueError: too long, or not RE2 syntax
    return value


def _amount_order(lo: Decimal | None, hi: Decimal | None) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise ValueError("amount_min must not be greater than amount_max")


class RuleCreate(Schema):
    """A categorization rule: payee-contains / regex / amount range -> category."""

    category_id: Id
    priority: int = Priority
    payee_contains: Text255 | None = None
    pattern: Text255 | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    account_id: Id | None = None
    is_active: bool = True

    _check_pattern = field_validator("pattern")(_valid_regex)

    @model_validator(mode="after")
    def _check_amounts(self) -> RuleCreate:
        _amount_order(self.amount_min, self.amount_max)
        return self


class RuleUpdate(Schema):
    """Fields of a rule to change."""

    NULLABLE = frozenset({"payee_contains", "pattern", "amount_min", "amount_max", "account_id"})

    category_id: Id | None = None
    priority: int | None = Field(default=None, ge=0, le=1_000_000)
    payee_contains: Text255 | None = None
    pattern: Text255 | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    account_id: Id | None = None
    is_active: bool | None = None

    _check_pattern = field_validator("pattern")(_valid_regex)

    @model_validator(mode="after")
    def _check_amounts(self) -> RuleUpdate:
        _amount_order(self.amount_min, self.amount_max)
        return self


class RulePublic(PublicSchema):
    """A rule as the API shows it."""

    id: int
    category_id: int
    priority: int
    payee_contains: str | None
    pattern: str | None
    amount_min: Decimal | None
    amount_max: Decimal | None
    account_id: int | None
    is_active: bool
    created_at: Timestamp


class RulesPublic(PublicSchema):
    """A page of rules."""

    data: list[RulePublic]
    count: int


# -- transactions ------------------------------------------------------------------------


class TransactionCreate(Schema):
    """A manually entered transaction; amount is signed (negative = money out)."""

    account_id: Id
    posted_date: TransactionDay
    amount: Money
    currency: Currency | None = None
    payee: Text255 | None = None
    description: Text500 | None = None
    category_id: Id | None = None
    external_id: Text255 | None = None


class TransactionUpdate(Schema):
    """Fields of a transaction to change; sending ``category_id`` is a user correction."""

    NULLABLE = frozenset({"payee", "description", "category_id"})

    posted_date: TransactionDay | None = None
    amount: Money | None = None
    currency: Currency | None = None
    payee: Text255 | None = None
    description: Text500 | None = None
    category_id: Id | None = None


class TransactionPublic(PublicSchema):
    """A transaction as the API shows it."""

    id: int
    account_id: int
    posted_date: dt.date
    amount: Decimal
    currency: str
    payee: str | None
    payee_raw: str | None
    description: str | None
    category_id: int | None
    category_source: CategorySource | None
    suggested_category_id: int | None = Field(
        default=None, description="The learned categorizer's suggestion, if it had one."
    )
    confidence: float | None = Field(
        default=None,
        validation_alias=AliasChoices("confidence", "category_confidence"),
        description="The categorizer's confidence (0-1) in its suggestion.",
    )
    external_id: str | None
    import_batch_id: int | None
    created_at: Timestamp


class TransactionsPublic(PublicSchema):
    """A page of transactions."""

    data: list[TransactionPublic]
    count: int


# -- imports -----------------------------------------------------------------------------


class ImportResultPublic(PublicSchema):
    """What one uploaded file did to the ledger."""

    file: str
    format: str
    imported: int
    duplicates: int
    skipped: int
    errors: list[str]
    warnings: list[str] = Field(
        default_factory=list, description="E.g. a gap of months between file and history."
    )
    accounts: dict[str, int] = Field(
        default_factory=dict, description="Rows per account (several for multi-account files)."
    )
    created_accounts: list[str] = Field(default_factory=list)


class ExportImportPublic(PublicSchema):
    """What loading a JSON export into the account added, per table."""

    rows: dict[str, int]
    total: int
    left_out: list[str] = Field(description="Tables in the export that are never imported.")


class ImportBatchPublic(PublicSchema):
    """A past import."""

    id: int
    account_id: int
    file_name: str
    format: str
    status: ImportStatus
    n_rows: int
    n_imported: int
    n_duplicates: int
    n_skipped: int
    errors: list[str] | None
    created_at: Timestamp


class ImportBatchesPublic(PublicSchema):
    """A page of past imports."""

    data: list[ImportBatchPublic]
    count: int
