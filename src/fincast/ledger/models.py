"""The ledger's tables: the only module that defines fincast's database schema.

Money is ``NUMERIC(18, 2)`` and ``Decimal`` in Python, never float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fincast.db.base import Base
from fincast.ledger import revisions
from fincast.taxonomy import CategoryKind

MONEY = Numeric(18, 2, asdecimal=True)


def utcnow() -> dt.datetime:
    """Current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


# The columns every table repeats, declared once (SQLAlchemy 2's Annotated column types).
IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]
OwnerId = Annotated[int, mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)]
CreatedAt = Annotated[dt.datetime, mapped_column(DateTime(timezone=True), default=utcnow)]


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class AccountType(StrEnum):
    """What kind of account money sits in."""

    CHECKING = "checking"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"
    CASH = "cash"
    LOAN = "loan"
    INVESTMENT = "investment"


class CategorySource(StrEnum):
    """How a transaction's category was set; ``user`` is never overwritten by rules."""

    RULE = "rule"
    MODEL = "model"
    USER = "user"
    IMPORT = "import"


class ImportStatus(StrEnum):
    """Lifecycle of an import batch."""

    COMPLETED = "completed"
    FAILED = "failed"


class TokenKind(StrEnum):
    """Kinds of opaque credentials stored hashed."""

    ACCESS = "access"
    REFRESH = "refresh"
    PERSONAL = "personal"


class User(Base):
    """A person whose data is kept apart from everyone else's."""

    __tablename__ = "users"

    id: Mapped[IntPK]
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]
    # Renewed by every write to the user's ledger (fincast/ledger/revisions.py).
    data_revision: Mapped[int] = mapped_column(
        BigInteger, default=revisions.new_token, server_default="0"
    )

    accounts: Mapped[list[Account]] = relationship(back_populates="user", cascade="all")


class AuthToken(Base):
    """An opaque credential (access, refresh or personal API token), stored as a hash.

    Tokens form trees. ``session_id`` is the id of the tree's root: a login's first refresh
    token, or a personal token made with the password; every token made from a token of the
    tree carries it. ``parent_id`` is the token whose holder made this one. Neither is a
    foreign key: the rows go with their user (``user_id`` cascades), and a table referring to
    itself makes MariaDB cascade row by row, 15 levels deep at most.
    """

    __tablename__ = "auth_tokens"

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    kind: Mapped[TokenKind] = mapped_column(_enum(TokenKind, "token_kind"))
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)


class RateLimitCounter(Base):
    """One fixed-window rate-limit counter, shared by every worker that uses the database.

    ``key`` is the SHA-256 of the limit's key, so client addresses and emails are not kept.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Account(Base):
    """A bank, card, cash, loan or investment account of one user."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[AccountType] = mapped_column(_enum(AccountType, "account_type"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    opening_balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # Archived accounts keep their history (balances, panels) but take no new imports.
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The CSV mapping the user confirmed for this account's files (mapping_from_dict JSON).
    import_mapping: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    # The bank's own id or name of the account in files (OFX ACCTID, Mint account name).
    bank_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[CreatedAt]

    user: Mapped[User] = relationship(back_populates="accounts")


class Category(Base):
    """A spending, income or transfer category of one user (seeded from the taxonomy)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("user_id", "slug"),)

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[CategoryKind] = mapped_column(_enum(CategoryKind, "category_kind"))
    essential: Mapped[bool] = mapped_column(Boolean, default=False)


class ImportBatch(Base):
    """One imported file: what it was, what it added, how it ended."""

    __tablename__ = "import_batches"

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[ImportStatus] = mapped_column(_enum(ImportStatus, "import_status"))
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    n_imported: Mapped[int] = mapped_column(Integer, default=0)
    n_duplicates: Mapped[int] = mapped_column(Integer, default=0)
    n_skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[CreatedAt]


class Transaction(Base):
    """One posted movement of money on an account; the amount is signed (negative = out)."""

    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("account_id", "fingerprint"),
        Index("ix_transactions_user_id_posted_date", "user_id", "posted_date"),
        Index("ix_transactions_account_id_posted_date", "account_id", "posted_date"),
    )

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    posted_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    payee_raw: Mapped[str | None] = mapped_column(String(255))
    payee: Mapped[str | None] = mapped_column(String(255))
    description_raw: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(String(500))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    category_source: Mapped[CategorySource | None] = mapped_column(
        _enum(CategorySource, "category_source")
    )
    # The learned categorizer's suggestion and its confidence (0..1), set on import
    # (services/categorization.py); the category itself only where nothing better set one.
    suggested_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    category_confidence: Mapped[float | None] = mapped_column(Float)
    external_id: Mapped[str | None] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[CreatedAt]

    category: Mapped[Category | None] = relationship(foreign_keys=[category_id])
    account: Mapped[Account] = relationship()


class Budget(Base):
    """A monthly spending limit for one category (or the total when category is empty)."""

    __tablename__ = "budgets"

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # ISO 4217; the budget counts in answers in this currency only (services/resources.py).
    currency: Mapped[str] = mapped_column(String(3))
    start_month: Mapped[dt.date | None] = mapped_column(Date)
    end_month: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[CreatedAt]


class SavingsGoal(Base):
    """An amount a user wants to have saved by a date."""

    __tablename__ = "savings_goals"

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    name: Mapped[str] = mapped_column(String(100))
    target_amount: Mapped[Decimal] = mapped_column(MONEY)
    target_date: Mapped[dt.date] = mapped_column(Date)
    start_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # ISO 4217; forecast on the savings of the accounts in this currency.
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[CreatedAt]


class Debt(Base):
    """A debt to pay off: balance, APR in percent, minimum monthly payment."""

    __tablename__ = "debts"

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    balance: Mapped[Decimal] = mapped_column(MONEY)
    apr: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    minimum_payment: Mapped[Decimal] = mapped_column(MONEY)
    # ISO 4217; that of ``account_id``'s account when the debt has one.
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[CreatedAt]


class CategorizationRule(Base):
    """Payee-contains / regex / amount-range -> category, applied by ascending priority."""

    __tablename__ = "categorization_rules"

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(Integer, default=100)
    payee_contains: Mapped[str | None] = mapped_column(String(255))
    pattern: Mapped[str | None] = mapped_column(String(255))
    amount_min: Mapped[Decimal | None] = mapped_column(MONEY)
    amount_max: Mapped[Decimal | None] = mapped_column(MONEY)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]


# --- recurring series and anomaly flags (detected, then reviewed by the user) ----------------


class ReviewStatus(StrEnum):
    """Where a detection stands with its user; ``dismissed`` survives every later detection."""

    NEW = "new"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class RecurringSeriesRecord(Base):
    """A recurring series found in a user's ledger (``fincast.insights.recurring``).

    The key is (user, normalised payee, cadence, currency): detection runs again after every
    import and updates the row in place, keeping ``status``; payments to one payee from
    accounts in two currencies are two series. Dates in ``missed`` and the price changes
    (``date``, ``old_amount``, ``new_amount`` as decimal strings) are JSON lists.
    """

    __tablename__ = "recurring_series"
    __table_args__ = (UniqueConstraint("user_id", "payee_key", "cadence", "currency"),)

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    payee_key: Mapped[str] = mapped_column(String(255))
    cadence: Mapped[str] = mapped_column(String(16))
    # ISO 4217: that of the accounts its payments are in (every amount below is in it).
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[ReviewStatus] = mapped_column(
        _enum(ReviewStatus, "review_status"), default=ReviewStatus.NEW
    )
    payee: Mapped[str] = mapped_column(String(255))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    expected_amount: Mapped[Decimal] = mapped_column(MONEY)
    amount_varies: Mapped[bool] = mapped_column(Boolean, default=False)
    first_date: Mapped[dt.date] = mapped_column(Date)
    last_date: Mapped[dt.date] = mapped_column(Date)
    next_date: Mapped[dt.date] = mapped_column(Date)
    occurrences: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    missed: Mapped[list[str]] = mapped_column(JSON, default=list)
    price_changes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(Float)
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[CreatedAt]


class AnomalyRecord(Base):
    """Something in a user's ledger that looks off (``fincast.insights.anomalies``).

    The key is (user, kind, subject): ``subject`` is the transaction's fingerprint for a
    transaction flag, ``<category>:<YYYY-MM>`` for a category spike and ``<YYYY-MM>`` for a
    month, so a dismissed flag stays dismissed however often detection runs again.
    ``currency`` is that of ``amount``: the transaction's account's, or the panel's a month
    or category spike was judged in (a subject of a non-primary currency names it).
    """

    __tablename__ = "anomalies"
    __table_args__ = (UniqueConstraint("user_id", "kind", "subject"),)

    id: Mapped[IntPK]
    user_id: Mapped[OwnerId]
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))
    status: Mapped[ReviewStatus] = mapped_column(
        _enum(ReviewStatus, "review_status"), default=ReviewStatus.NEW
    )
    detector: Mapped[str] = mapped_column(String(40))
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transactions.id", ondelete="SET NULL")
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    posted_date: Mapped[dt.date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    # ISO 4217, of ``amount``; a flag is judged against history in this currency only.
    currency: Mapped[str] = mapped_column(String(3))
    payee: Mapped[str | None] = mapped_column(String(255))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(500))
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[CreatedAt]


# ------------------------------------------------------------------ batch results (issue 16)


class BatchRun(Base):
    """One ``fincast batch train|score`` run: its parameters, partitions and final summary.

    ``params_key`` identifies the work (kind, users, partition size, model), so a rerun after
    a crash resumes the unfinished run with the same key instead of starting over.
    """

    __tablename__ = "batch_runs"

    id: Mapped[IntPK]
    kind: Mapped[str] = mapped_column(String(16))
    params_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(64))
    n_partitions: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, object] | None] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class BatchPartition(Base):
    """One partition of a batch run: its users, and once finished what it produced."""

    __tablename__ = "batch_partitions"
    __table_args__ = (UniqueConstraint("run_id", "number"),)

    id: Mapped[IntPK]
    run_id: Mapped[int] = mapped_column(ForeignKey("batch_runs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    user_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    users: Mapped[int] = mapped_column(Integer, default=0)
    series: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class BatchHousehold(Base):
    """A user's served household forecast (12 months, 95 %) as the API answers it, stored."""

    __tablename__ = "batch_households"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data_version: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


#: Views: tables of no model (not in ``Base.metadata``, so neither created, backed up nor
#: exported as tables), defined by their migration in each dialect's SQL.
VIEWS = MetaData()

#: One series' forecast for one month, ``horizon`` months after the user's last month: a
#: **view** of the stored household forecasts (:class:`BatchHousehold` ``payload``, whose
#: stamps its rows have; migration 0009), so that SQL reads them as rows while the batch
#: writes each answer once. ``point`` is what is shown as the forecast; the 95 % range is
#: calibrated.
batch_forecasts = Table(
    "batch_forecasts",
    VIEWS,
    Column("user_id", Integer),
    Column("series", String(64)),
    Column("month", String(7)),
    Column("horizon", Integer),
    Column("point", MONEY),
    Column("lo_95", MONEY),
    Column("hi_95", MONEY),
)


class BatchInsight(Base):
    """One insight computed by the batch from a user's forecast (e.g. overspending odds).

    A row of the user's stored household forecast (:class:`BatchHousehold`): it has that
    row's data version and model (the foreign key deletes it with that row; migration 0009).
    """

    __tablename__ = "batch_insights"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("batch_households.user_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
