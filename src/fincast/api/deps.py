"""Dependencies every router shares, defined once: session, settings, current user, paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
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


# The dependencies that only read app state are ``async``: FastAPI runs a sync dependency in
# the threadpool, and each such hop costs more than the work it does (docs/benchmarks.md,
# "API under load").


async def get_engine(request: Request) -> Engine:
    """The engine the app was created with."""
    engine: Engine = request.app.state.engine
    return engine


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request; services commit their writes, anything else is rolled back.

    Opening a session touches no database (it connects on first use, in the route's thread);
    closing hands its connection back to the pool, which rolls back: one short call, made
    here rather than through two more threadpool hops per request.
    """
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


async def get_current_user(auth: AuthDep) -> User:
    """The authenticated user."""
    return auth.user


CurrentUser = Annotated[User, Depends(get_current_user)]

IdPath = Annotated[int, Path(ge=1, le=MAX_INT, description="The resource's id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="Rows to skip.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Most rows to return.")]
