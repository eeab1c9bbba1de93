"""Constrained field types shared by every schema.

The constraints mirror the database columns (string lengths, ``NUMERIC(18, 2)``, 32-bit
ids) so anything a client can send is refused with a 422 naming the field, never passed on
to the database to fail there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from fincast.ingest.values import check_date_range

MAX_INT = 2**31 - 1
MAX_MONEY = Decimal("9999999999999999.99")


def _clean_text(value: str) -> str:
    """Refuse NUL and unpaired surrogates, which some databases cannot store."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def _date_range(value: dt.date) -> dt.date:
    # One range for imports and the API: the ledger's (fincast.ingest.values).
    return check_date_range(value)


def _first_of_month(value: dt.date) -> dt.date:
    return value.replace(day=1)


def _utc(value: dt.datetime) -> dt.datetime:
    """Stored times are UTC; databases without time zones hand them back naive."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


#: A timestamp in responses: always with its UTC offset (RFC 3339).
Timestamp = Annotated[dt.datetime, AfterValidator(_utc)]
Id = Annotated[int, Field(ge=1, le=MAX_INT)]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _basis_points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


Money = Annotated[
    Decimal,
    Field(max_digits=18, decimal_places=2, ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False),
    AfterValidator(_cents),
]
PositiveMoney = Annotated[
    Decimal,
    Field(max_digits=18, decimal_places=2, ge=0, le=MAX_MONEY, allow_inf_nan=False),
    AfterValidator(_cents),
]
Rate = Annotated[
    Decimal,
    Field(max_digits=7, decimal_places=4, ge=0, le=Decimal("999.9999"), allow_inf_nan=False),
    AfterValidator(_basis_points),
]
Day = Annotated[dt.date, AfterValidator(_date_range)]
Month = Annotated[dt.date, AfterValidator(_date_range), AfterValidator(_first_of_month)]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_clean_text),
]
OptName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(_clean_text)
]
Text255 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=255), AfterValidator(_clean_text)
]
Text500 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_clean_text)
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)]

#: The ``?currency=`` of every answer built on the ledger's monthly panel.
CurrencyQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z]{3}$",
        description="Answer in this currency (one of `currencies`); default: your primary "
        "currency, the one of the accounts holding most of your transactions.",
    ),
]


class InCurrency(BaseModel):
    """What an answer built on the ledger says about its currency.

    Every amount of one answer is in one currency: the accounts in other currencies are
    left out, never converted (fincast takes no exchange rates) nor added in.
    """

    currency: str | None = Field(
        None,
        description="The currency of every amount: only your accounts in it count (null: "
        "inline monthly_data, or no accounts yet).",
    )
    currencies: list[str] = Field(
        default_factory=list,
        description="Every currency of your accounts; ask for another with `?currency=`. "
        "Amounts are never converted or added across currencies (no exchange rates).",
    )


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]


class Schema(BaseModel):
    """Base of request bodies: unknown fields are refused, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    #: Fields that may be set to ``null`` on update; others ignore an explicit ``null``.
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, minus ``null`` for columns that cannot be empty."""
        return {
            k: v
            for k, v in self.model_dump(exclude_unset=True).items()
            if v is not None or k in self.NULLABLE
        }


class PublicSchema(BaseModel):
    """Base of responses: built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Message(BaseModel):
    """A plain acknowledgement."""

    message: str
