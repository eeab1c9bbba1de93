"""Bank-file uploads: one multipart request per file, answered with the import result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status

from fincast.api.deps import CurrentUser, EngineDep, IdPath, Limit, Offset, SessionDep, SettingsDep
from fincast.api.limits import WorkLimiterDep
from fincast.api.problems import responses
from fincast.api.schemas.common import MAX_INT
from fincast.api.schemas.ledger import (
    ImportBatchesPublic,
    ImportBatchPublic,
    ImportResultPublic,
)
from fincast.services import imports as service
from fincast.services.resources import imports

router = APIRouter(prefix="/api/imports", tags=["imports"], responses=responses(401, 422))


@router.post(
    "",
    response_model=ImportResultPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 404, 409, 413, 429),
)
def upload_import(
    file: Annotated[UploadFile, File(description="The bank export (CSV, OFX, QIF, CAMT, MT940).")],
    account_id: Annotated[int, Form(ge=1, le=MAX_INT, description="Account to import into.")],
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    format: Annotated[
        str, Form(pattern=r"^[a-z0-9_]{1,16}$", description="File format, or 'auto'.")
    ] = "auto",
) -> ImportResultPublic:
    """Import one bank file into one of the user's accounts; re-imports add nothing."""
    limiter.before("import", user.id)
    result = service.import_upload(
        engine,
        session,
        user_id=user.id,
        account_id=account_id,
        stream=file.file,
        filename=file.filename or "upload",
        format=format,
        max_bytes=settings.max_upload_bytes,
    )
    return ImportResultPublic.model_validate(result)


@router.get("", response_model=ImportBatchesPublic)
def list_imports(
    session: SessionDep, user: CurrentUser, offset: Offset = 0, limit: Limit = 100
) -> ImportBatchesPublic:
    """The user's past imports, newest first."""
    rows, count = imports.list(session, user.id, offset=offset, limit=limit)
    return ImportBatchesPublic(
        data=[ImportBatchPublic.model_validate(r) for r in rows], count=count
    )


@router.get("/{import_id}", response_model=ImportBatchPublic, responses=responses(404))
def get_import(import_id: IdPath, session: SessionDep, user: CurrentUser) -> ImportBatchPublic:
    """One of the user's past imports."""
    return ImportBatchPublic.model_validate(imports.get(session, user.id, import_id))
