"""Uploads of bank files, handed to the shared importer ``fincast.ingest.service.import_file``."""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.errors import FileTooLargeError
from fincast.ledger.models import Account
from fincast.services._owned import get_owned
from fincast.services.forecasting import EngineUnavailableError, invalidate

CHUNK = 1024 * 1024


def read_limited(stream: IO[bytes], max_bytes: int, filename: str) -> bytes:
    """Read ``stream`` fully, refusing more than ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLargeError(f"{filename}: file is over the limit of {max_bytes} bytes")
        parts.append(chunk)
    return b"".join(parts)


def import_upload(
    engine: Engine,
    session: Session,
    *,
    user_id: int,
    account_id: int,
    stream: IO[bytes],
    filename: str,
    format: str = "auto",
    max_bytes: int,
) -> dict[str, Any]:
    """Import an uploaded file into ``user_id``'s account; returns the import result dict."""
    get_owned(session, Account, user_id, account_id, "account")
    session.close()  # the importer uses its own connection; do not hold a SQLite lock here
    data = read_limited(stream, max_bytes, filename)
    try:
        from fincast.ingest.service import import_file
    except ImportError as exc:  # the importer ships separately
        raise EngineUnavailableError(
            "the importer (fincast.ingest.service) is not installed"
        ) from exc
    result = import_file(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=data,
        filename=filename[:255],
        format=format,
        max_bytes=max_bytes,
    )
    invalidate(user_id)
    out: dict[str, Any] = result.to_dict()
    return out
