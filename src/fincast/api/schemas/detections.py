"""Schemas of the detections a user reviews: recurring series and anomaly flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from fincast.api.schemas.common import PublicSchema, Schema, Timestamp

Status = Literal["new", "confirmed", "dismissed"]


class ReviewUpdate(Schema):
    """The user's decision on a detection.

    ``confirmed`` or ``dismissed`` (kept after every later import), or ``new`` to undo either.
    """

    status: Status


class PriceChangePublic(BaseModel):
    """A steady price that changed on ``date`` (the first payment at the new price)."""

    date: dt.date
    old_amount: Decimal
    new_amount: Decimal


class RecurringPublic(PublicSchema):
    """A recurring payment or income: when it comes, what it costs, what changed."""

    id: int
    payee: str
    payee_key: str = Field(description="The normalised payee; with `cadence`, the stable key.")
    cadence: Literal["weekly", "biweekly", "monthly", "quarterly", "annual"]
    currency: str = Field(
        description="ISO 4217: that of the accounts its payments are in, and of every amount "
        "here (a payee paid in two currencies is two series)."
    )
    status: Status
    state: Literal["active", "late", "ended"] = Field(
        description="`late`: the latest expected payment has not come; `ended`: two have not."
    )
    category_id: int | None
    account_id: int | None
    amount: Decimal = Field(description="Typical amount (signed; negative = money out).")
    expected_amount: Decimal = Field(description="What the next payment should be.")
    amount_varies: bool
    first_date: dt.date
    last_date: dt.date
    next_date: dt.date
    occurrences: int
    missed: list[dt.date] = Field(description="Expected dates inside the series with no payment.")
    price_changes: list[PriceChangePublic]
    confidence: float
    detected_at: Timestamp


class RecurringsPublic(BaseModel):
    """A page of recurring series and the total count."""

    data: list[RecurringPublic]
    count: int


class AnomalyPublic(PublicSchema):
    """Something that looks off, with its score and a reason."""

    id: int
    kind: Literal[
        "unusual_amount", "new_merchant", "duplicate", "category_spike", "monthly_behaviour"
    ]
    status: Status
    detector: str = Field(description="`robust`, `isolation_forest` or both (months).")
    transaction_id: int | None
    category_id: int | None
    posted_date: dt.date
    month: str
    amount: Decimal | None
    currency: str = Field(
        description="ISO 4217, of `amount`: the transaction's account's, or that of the "
        "monthly panel a month or category spike was judged in."
    )
    payee: str | None
    score: float
    reason: str
    detected_at: Timestamp


class AnomaliesPublic(BaseModel):
    """A page of anomaly flags and the total count."""

    data: list[AnomalyPublic]
    count: int
