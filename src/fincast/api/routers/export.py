"""Full export of the current user's data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from fincast.api.deps import CurrentUser, SessionDep
from fincast.api.problems import responses
from fincast.services import export as service

router = APIRouter(prefix="/api/export", tags=["export"], responses=responses(401, 422))


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
    format: Annotated[Literal["json", "csv"], Query(description="json or csv (zip)")] = "json",
) -> Response:
    """Everything the user owns: ``json`` (one document) or ``csv`` (a zip, one file per table).

    CSV text cells starting with ``= + - @``, tab or CR are prefixed with ``'`` against
    formula injection; numbers stay numbers.
    """
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
