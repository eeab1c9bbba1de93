"""Registration, OAuth2 password login, refresh, logout and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from fincast.api.deps import AuthDep, CurrentUser, IdPath, SessionDep, SettingsDep
from fincast.api.problems import responses
from fincast.api.schemas.auth import (
    LogoutRequest,
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenPublic,
    PersonalTokensPublic,
    RefreshRequest,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from fincast.errors import AuthError
from fincast.services import auth as service

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=responses(422))


def _user_public(user: object) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post(
    "/register",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409),
)
def register(body: UserCreate, session: SessionDep) -> UserPublic:
    """Create an account with an email and a password (at least 8 characters)."""
    return _user_public(service.register(session, body.email, body.password))


@router.post("/token", response_model=TokenPublic, responses=responses(401, 429))
def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenPublic:
    """OAuth2 password flow: ``username`` is the email; answers an access and refresh token."""
    email = form.username.strip().lower()
    client = request.client.host if request.client else "unknown"
    request.app.state.login_limiter.hit(f"{email}|{client}")
    if len(form.password) > 1024 or "\x00" in form.password:
        raise AuthError("incorrect email or password")
    user = service.check_password(session, email, form.password)
    pair = service.issue_pair(
        session,
        user,
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
    )
    return TokenPublic(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post("/refresh", response_model=TokenPublic, responses=responses(401))
def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPublic:
    """Trade a refresh token for a new token pair (the old refresh token stops working)."""
    pair = service.refresh(
        session,
        body.refresh_token,
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
    )
    return TokenPublic(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401))
def logout(
    auth: AuthDep,
    session: SessionDep,
    body: Annotated[LogoutRequest | None, Body()] = None,
) -> None:
    """Revoke the token this request used and, if given, a refresh token."""
    service.logout(session, auth.user.id, auth.token_id, body.refresh_token if body else None)


@router.get("/me", response_model=UserPublic, responses=responses(401))
def me(user: CurrentUser) -> UserPublic:
    """The authenticated user."""
    return _user_public(user)


@router.post(
    "/tokens",
    response_model=PersonalTokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401),
)
def create_token(
    body: PersonalTokenCreate, session: SessionDep, user: CurrentUser
) -> PersonalTokenCreated:
    """Create a personal API token for scripts; the secret is shown only in this answer."""
    secret, row = service.create_personal_token(session, user.id, body.name, body.expires_in_days)
    public = PersonalTokenPublic.model_validate(row)
    return PersonalTokenCreated(**public.model_dump(), token=secret)


@router.get("/tokens", response_model=PersonalTokensPublic, responses=responses(401))
def list_tokens(session: SessionDep, user: CurrentUser) -> PersonalTokensPublic:
    """The user's live personal tokens, without secrets."""
    rows = service.list_personal_tokens(session, user.id)
    return PersonalTokensPublic(
        data=[PersonalTokenPublic.model_validate(r) for r in rows], count=len(rows)
    )


@router.delete(
    "/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401, 404)
)
def revoke_token(token_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Revoke one of the user's personal tokens."""
    service.revoke_personal_token(session, user.id, token_id)
