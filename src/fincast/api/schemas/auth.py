"""Schemas of users, login tokens, sessions and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from fincast.api.schemas.common import Name, Schema, Timestamp, _clean_text
from fincast.services.passwords import MAX_LENGTH, MIN_LENGTH, password_problem

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
#: A new password: the policy of :mod:`fincast.services.passwords` (12+ characters, not common).
Password = Annotated[
    str,
    StringConstraints(min_length=MIN_LENGTH, max_length=MAX_LENGTH),
    AfterValidator(_clean_text),
]
#: A password being checked, not set: any length the policy could ever have allowed.
CurrentPassword = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_LENGTH), AfterValidator(_clean_text)
]
TokenString = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _policy(password: str, email: str | None) -> str:
    problem = password_problem(password, email=email)
    if problem is not None:
        raise ValueError(f"password {problem}")
    return password


class UserCreate(Schema):
    """Registration: an email and a password of at least 12 characters that is not common."""

    email: Email
    password: Password

    @field_validator("password")
    @classmethod
    def _password_policy(cls, value: str, info: ValidationInfo) -> str:
        return _policy(value, info.data.get("email"))


class RegistrationAccepted(BaseModel):
    """The answer to every well-formed registration, whether or not the email was free."""

    detail: str = Field(
        default=(
            "If the address was not registered yet, the account has been created; "
            "log in with it to continue."
        )
    )


class PasswordChange(Schema):
    """The current password, and the new one (the same policy as at registration)."""

    current_password: CurrentPassword
    new_password: Password

    @field_validator("new_password")
    @classmethod
    def _password_policy(cls, value: str) -> str:
        return _policy(value, None)  # the account's email is checked by the service


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
    """Optional: a refresh token to revoke as well, or ``everywhere`` to sign out everywhere."""

    refresh_token: TokenString | None = None
    everywhere: bool = Field(
        default=False,
        description="End every session and personal token of the user, not only this one.",
    )


class PersonalTokenCreate(Schema):
    """A named token for scripts.

    Without ``password`` the token is a child of the token that makes it: it expires no
    later than that token and is revoked with it. With the current ``password`` it stands on
    its own and lives until ``expires_in_days`` (never, if not given) or until revoked.
    """

    name: Name
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    password: CurrentPassword | None = Field(
        default=None, description="Your current password, for a token independent of this one."
    )


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


class SessionPublic(BaseModel):
    """A login session, without secrets: when it began, was last refreshed, and will end."""

    id: int
    created_at: Timestamp
    last_used_at: Timestamp
    expires_at: Timestamp
    current: bool = Field(description="True for the session this request belongs to.")


class SessionsPublic(BaseModel):
    """The user's live login sessions."""

    data: list[SessionPublic]
    count: int
