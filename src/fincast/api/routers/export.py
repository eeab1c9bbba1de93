"""Full export of the current user's data, and a JSON export loaded into a fresh account."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from fincast.api.deps import CurrentUser, EngineDep, SessionDep, SettingsDep
from fincast.api.limits import WorkLimiterDep
from fincast.api.problems import responses
from fincast.api.schemas.ledger import ExportImportPublic
from fincast.services import export as service

router = APIRouter(prefix="/api/export", tags=["export"], responses=responses(401, 422, 429))


@router.get(
    "",
    response_class=Response,
    responses={
        200: {
            "description": "JSON document, or a zip with one CSV per table.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def export_data(
    session: SessionDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv (zip)")] = "json",
) -> Response:
    """Everything the user owns: ``json`` (one document) or ``csv`` (a zip, one file per table).

    CSV text cells starting with ``= + - @``, tab or CR are prefixed with ``'`` against
    formula injection; numbers stay numbers.
    """
    limiter.before("export", user.id)
    stamp = dt.date.today().isoformat()
    if format == "csv":
        return Response(
            service.export_csv_zip(session, user.id),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="fincast-export-{stamp}.zip"'},
        )
    return JSONResponse(
        service.export_json(session, user.id),
        headers={"Content-Disposition": f'attachment; filename="fincast-export-{stamp}.json"'},
    )


@router.post(
    "/import",
    response_model=ExportImportPublic,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 413),
)
def import_export(
    file: Annotated[UploadFile, File(description="A JSON export (GET /api/export).")],
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limiter: WorkLimiterDep,
) -> ExportImportPublic:
    """Load a JSON export into the user's account, which must hold no data yet (409 otherwise).

    Every row comes back with every field and new ids; tokens are never imported.
    """
    limiter.before("import", user.id)
    session.close()  # the load runs in a transaction of its own
    result = service.import_export_upload(
        engine,
        user.id,
        file.file,
        filename=file.filename or "export.json",
        max_bytes=settings.max_upload_bytes,
    )
    return ExportImportPublic(rows=result.rows, total=result.total, left_out=result.left_out)
