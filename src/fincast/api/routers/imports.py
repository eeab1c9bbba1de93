"""Bank-file uploads: one multipart request per file, answered with the import result."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile, status

from fincast.api.deps import CurrentUser, EngineDep, IdPath, Limit, Offset, SessionDep, SettingsDep
from fincast.api.limits import WorkLimiterDep
from fincast.api.problems import responses
from fincast.api.schemas.common import MAX_INT
from fincast.api.schemas.imports import ImportPreviewPublic
from fincast.api.schemas.ledger import (
    ImportBatchesPublic,
    ImportBatchPublic,
    ImportResultPublic,
)
from fincast.errors import InputError
from fincast.ingest.mapping import PRESETS
from fincast.services import imports as service
from fincast.services.resources import imports

router = APIRouter(prefix="/api/imports", tags=["imports"], responses=responses(401, 422))


MappingForm = Annotated[
    str | None,
    Form(
        max_length=4096,
        description="CSV column mapping as JSON (the preview's `layout.mapping`), or a preset.",
    ),
]
FormatForm = Annotated[
    str, Form(pattern=r"^[a-z0-9_]{1,16}$", description="File format, or 'auto'.")
]
CreateForm = Annotated[
    bool, Form(description="Create the accounts of a multi-account file that you have not.")
]


def _mapping(raw: str | None) -> dict[str, Any] | str | None:
    """The ``mapping`` form field: a preset name or a JSON object."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.startswith("{"):
        # Never a path: a mapping file on the server is not the client's to name.
        if text.lower() not in PRESETS:
            raise InputError(
                f"mapping: neither a JSON object nor a CSV preset ({', '.join(PRESETS)})"
            )
        return text.lower()
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InputError(f"mapping: not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise InputError("mapping: must be a JSON object")
    return value


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
    format: FormatForm = "auto",
    mapping: MappingForm = None,
    save_mapping: Annotated[
        bool, Form(description="Keep `mapping` for this account's next CSV files.")
    ] = False,
    create_accounts: CreateForm = False,
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
        mapping=_mapping(mapping),
        save_mapping=save_mapping,
        create_accounts=create_accounts,
    )
    return ImportResultPublic.model_validate(result)


@router.post(
    "/preview", response_model=ImportPreviewPublic, responses=responses(400, 404, 409, 413, 429)
)
def preview_import(
    file: Annotated[UploadFile, File(description="The bank export (CSV, OFX, QIF, CAMT, MT940).")],
    account_id: Annotated[int, Form(ge=1, le=MAX_INT, description="Account it would go into.")],
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    format: FormatForm = "auto",
    mapping: MappingForm = None,
    create_accounts: CreateForm = False,
) -> ImportPreviewPublic:
    """What importing the file would do (format, column mapping, first rows); nothing is written.

    A file the import would refuse is answered with 200 and ``error`` (plus the layout, so
    the mapping can be fixed); a bad mapping or another user's account are errors as usual.
    """
    limiter.before("import", user.id)
    result = service.preview_upload(
        engine,
        session,
        user_id=user.id,
        account_id=account_id,
        stream=file.file,
        filename=file.filename or "upload",
        format=format,
        max_bytes=settings.max_upload_bytes,
        mapping=_mapping(mapping),
        create_accounts=create_accounts,
    )
    return ImportPreviewPublic.model_validate(result)


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
