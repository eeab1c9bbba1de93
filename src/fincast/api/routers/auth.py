"""Registration, OAuth2 password login, refresh, logout, password change, sessions, API tokens.

Every route that checks a password goes through the rate limits first (per client IP, per
account, global); answers that carry a token are marked ``no-store`` (RFC 6749, 5.1).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from fincast.api.client_ip import client_ip
from fincast.api.deps import AuthDep, CurrentUser, IdPath, SessionDep, SettingsDep
from fincast.api.problems import responses
from fincast.api.schemas.auth import (
    LogoutRequest,
    PasswordChange,
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenPublic,
    PersonalTokensPublic,
    RefreshRequest,
    RegistrationAccepted,
    SessionPublic,
    SessionsPublic,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from fincast.errors import AuthError
from fincast.services import auth as service
from fincast.services.passwords import MAX_LENGTH
from fincast.services.ratelimit import AuthRateLimiter

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=responses(422))
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def get_rate_limiter(request: Request) -> AuthRateLimiter:
    """The app's limits on password checks (shared by every worker)."""
    limiter: AuthRateLimiter = request.app.state.rate_limiter
    return limiter


def get_client_ip(request: Request) -> str:
    """The client's address, through the trusted proxies only."""
    return client_ip(request, request.app.state.trusted_proxies)


LimiterDep = Annotated[AuthRateLimiter, Depends(get_rate_limiter)]
ClientIp = Annotated[str, Depends(get_client_ip)]


def _user_public(user: object) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


def _tokens(pair: service.TokenPair, response: Response) -> TokenPublic:
    response.headers.update(NO_STORE)
    return TokenPublic(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post(
    "/register",
    response_model=RegistrationAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(429),
)
def register(
    body: UserCreate, session: SessionDep, limiter: LimiterDep, ip: ClientIp
) -> RegistrationAccepted:
    """Create an account (password: 12+ characters, not a common one), then log in.

    The answer is the same whether or not the email already had an account, so nobody can
    use this endpoint to find out who has one.
    """
    limiter.before_registration(ip)
    service.register(session, body.email, body.password)
    return RegistrationAccepted()


@router.post("/token", response_model=TokenPublic, responses=responses(401, 429))
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIp,
) -> TokenPublic:
    """OAuth2 password flow: ``username`` is the email; answers an access and refresh token."""
    email = form.username.strip().lower()
    limiter.before_login(ip, email)
    try:
        if len(form.password) > MAX_LENGTH or "\x00" in form.password:
            raise AuthError("incorrect email or password")
        user = service.check_password(session, email, form.password)
    except AuthError:
        limiter.login_failed(email)
        raise
    pair = service.issue_pair(
        session,
        user,
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
    )
    return _tokens(pair, response)


@router.post("/refresh", response_model=TokenPublic, responses=responses(401))
def refresh(
    body: RefreshRequest, response: Response, session: SessionDep, settings: SettingsDep
) -> TokenPublic:
    """Trade a refresh token for a new pair; replaying a used one ends the whole session."""
    pair = service.refresh(
        session, body.refresh_token, access_minutes=settings.access_token_minutes
    )
    return _tokens(pair, response)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401))
def logout(
    auth: AuthDep,
    session: SessionDep,
    body: Annotated[LogoutRequest | None, Body()] = None,
) -> None:
    """End this session (its access and refresh tokens); ``everywhere`` ends all of them."""
    service.logout(
        session,
        auth,
        refresh_token=body.refresh_token if body else None,
        everywhere=body.everywhere if body else False,
    )


@router.get("/me", response_model=UserPublic, responses=responses(401))
def me(user: CurrentUser) -> UserPublic:
    """The authenticated user."""
    return _user_public(user)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401, 429))
def change_password(
    body: PasswordChange, auth: AuthDep, session: SessionDep, limiter: LimiterDep, ip: ClientIp
) -> None:
    """Change the password (the current one is needed); every other session ends."""
    limiter.before_password_confirmation(ip, auth.user.email)
    try:
        service.change_password(session, auth, body.current_password, body.new_password)
    except AuthError:
        limiter.login_failed(auth.user.email)
        raise


@router.get("/sessions", response_model=SessionsPublic, responses=responses(401))
def list_sessions(auth: AuthDep, session: SessionDep) -> SessionsPublic:
    """The user's live login sessions, without secrets; ``current`` marks this one."""
    rows = service.list_sessions(session, auth.user.id, auth.session_id)
    return SessionsPublic(
        data=[SessionPublic.model_validate(r, from_attributes=True) for r in rows],
        count=len(rows),
    )


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 404),
)
def revoke_session(session_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """End one of the user's login sessions and every token made from it."""
    service.revoke_session(session, user.id, session_id)


@router.post(
    "/tokens",
    response_model=PersonalTokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 429),
)
def create_token(
    body: PersonalTokenCreate,
    response: Response,
    auth: AuthDep,
    session: SessionDep,
    limiter: LimiterDep,
    ip: ClientIp,
) -> PersonalTokenCreated:
    """Create a personal API token for scripts; the secret is shown only in this answer.

    Made without ``password`` it ends with the token that made it; with the current password
    it stands on its own.
    """
    parent: service.Authenticated | None = auth
    if body.password is not None:
        limiter.before_password_confirmation(ip, auth.user.email)
        try:
            service.confirm_password(auth.user, body.password)
        except AuthError:
            limiter.login_failed(auth.user.email)
            raise
        parent = None
    secret, row = service.create_personal_token(
        session, auth.user.id, body.name, body.expires_in_days, parent=parent
    )
    response.headers.update(NO_STORE)
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
    """Revoke one of the user's personal tokens and every token made from it."""
    service.revoke_personal_token(session, user.id, token_id)
