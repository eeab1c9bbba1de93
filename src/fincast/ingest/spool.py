"""A seekable, size-limited copy of a bank file (bytes, a path or an upload), with its sha256."""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NamedTuple

from fincast.errors import FileTooLargeError, ParseError

_BLOCK = 1 << 20
_IN_MEMORY = 8 << 20


class Spooled(NamedTuple):
    """A file ready for parsing: a seekable binary stream and the sha256 of its contents."""

    stream: IO[bytes]
    sha256: str


@contextmanager
def spool(data: bytes | IO[bytes] | Path, filename: str, limit: int) -> Iterator[Spooled]:
    """Open ``data`` as a seekable stream, refusing more than ``limit`` bytes.

    Bytes are wrapped and a path is opened as it is; any other stream (an upload) is copied
    into a temporary spool as it is read, so nothing over the limit is ever kept.

    Raises:
        FileTooLargeError: ``data`` holds more than ``limit`` bytes.
        ParseError: The path cannot be read.
    """

    def too_large(size: int | str) -> FileTooLargeError:
        return FileTooLargeError(
            f"{filename}: file is {size} bytes, over the upload limit of {limit} bytes "
            "(FINCAST_MAX_UPLOAD_BYTES)"
        )

    digest = hashlib.sha256()
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > limit:
            raise too_large(len(raw))
        digest.update(raw)
        yield Spooled(io.BytesIO(raw), digest.hexdigest())
        return
    if isinstance(data, Path | str):
        path = Path(data)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ParseError(f"cannot read the file: {exc.strerror}", file=filename) from exc
        if size > limit:
            raise too_large(size)
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                digest.update(block)
            fh.seek(0)
            yield Spooled(fh, digest.hexdigest())
        return
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as copy:
        total = 0
        for block in iter(lambda: data.read(_BLOCK), b""):
            total += len(block)
            if total > limit:
                raise too_large(f"more than {limit}")
            digest.update(block)
            copy.write(block)
        copy.seek(0)
        yield Spooled(copy, digest.hexdigest())
