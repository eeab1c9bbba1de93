"""Schemas of users, login tokens and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from fincast.api.schemas.common import Name, Schema, Timestamp, _clean_text

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=320,
        pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}$",
    ),
    AfterValidator(_clean_text),
]
Password = Annotated[
    str, StringConstraints(min_length=8, max_length=1024), AfterValidator(_clean_text)
]
TokenString = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserCreate(Schema):
    """Registration: an email and a password of at least 8 characters."""

    email: Email
    password: Password


class UserPublic(BaseModel):
    """A user as the API shows it (never the password hash)."""

    id: int
    email: str
    display_name: str | None
    created_at: Timestamp


class TokenPublic(BaseModel):
    """The answer of the OAuth2 password flow and of refresh."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    refresh_token: str
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(Schema):
    """A refresh token to trade for a new token pair."""

    refresh_token: TokenString


class LogoutRequest(Schema):
    """Optionally, the refresh token to revoke together with the access token."""

    refresh_token: TokenString | None = None


class PersonalTokenCreate(Schema):
    """A named token for scripts; no expiry unless ``expires_in_days`` is given."""

    name: Name
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class PersonalTokenPublic(BaseModel):
    """A personal token without its secret."""

    model_config = {"from_attributes": True}

    id: int
    name: str | None
    created_at: Timestamp
    expires_at: Timestamp | None
    last_used_at: Timestamp | None


class PersonalTokenCreated(PersonalTokenPublic):
    """A new personal token; ``token`` is shown only in this answer."""

    token: str


class PersonalTokensPublic(BaseModel):
    """The user's live personal tokens."""

    data: list[PersonalTokenPublic]
    count: int
