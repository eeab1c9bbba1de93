"""Dependencies every router shares, defined once: session, settings, current user, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.api.schemas.common import MAX_INT
from fincast.config import Settings
from fincast.errors import AuthError
from fincast.ledger.models import User
from fincast.services import auth as auth_service
from fincast.services.auth import Authenticated

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_engine(request: Request) -> Engine:
    """The engine the app was created with."""
    engine: Engine = request.app.state.engine
    return engine


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; services commit their writes, anything else is rolled back."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def get_authenticated(
    session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Authenticated:
    """The user and token behind the request's bearer token (401 otherwise)."""
    if not token:
        raise AuthError("not authenticated: send 'Authorization: Bearer <token>'")
    return auth_service.authenticate(session, token)


AuthDep = Annotated[Authenticated, Depends(get_authenticated)]


def get_current_user(auth: AuthDep) -> User:
    """The authenticated user."""
    return auth.user


CurrentUser = Annotated[User, Depends(get_current_user)]

IdPath = Annotated[int, Path(ge=1, le=MAX_INT, description="The resource's id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="Rows to skip.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most rows to return.")]
