"""Spools of an import: the bank file (seekable, size-limited, hashed) and its built rows."""

from __future__ import annotations

import hashlib
import io
import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Generic, NamedTuple, TypeVar

from fincast.errors import FileTooLargeError, ParseError

_BLOCK = 1 << 20
_IN_MEMORY = 8 << 20
_Row = TypeVar("_Row")


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


class RowSpool(Generic[_Row]):
    """Rows built ahead of a write, kept on disk in chunks and replayed in the same order.

    An import builds and checks every row of a file before it opens its write transaction;
    the rows wait here instead of in memory, so a million-row file costs a temporary file,
    not a list of a million tuples. Chunks are pickled: the spool holds only rows this
    process built, in a private temporary file that nothing else reads.
    """

    _CHUNK = 10_000

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._pending: list[_Row] = []
        self.count = 0

    def add(self, row: _Row) -> None:
        """Keep ``row`` for the replay."""
        self._pending.append(row)
        self.count += 1
        if len(self._pending) >= self._CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def replay(self) -> Iterator[_Row]:
        """Every row added, in order (once the adding is done)."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                chunk = pickle.load(self._file)  # noqa: S301 - our own rows, see the class doc
            except EOFError:
                return
            yield from chunk


class ChunkSpool(Generic[_Row]):
    """Chunks of rows built ahead of a write, one pickle each, replayed chunk by chunk.

    Like :class:`RowSpool`, for a producer that makes its rows a chunk at a time and a
    consumer that takes them so (a driver's batch): no per-row step on either side.
    """

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._chunks = 0
        self.count = 0

    def add(self, chunk: list[_Row]) -> None:
        """Keep the rows of ``chunk`` for the replay (an empty chunk is not kept)."""
        if chunk:
            pickle.dump(chunk, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._chunks += 1
            self.count += len(chunk)

    def replay(self) -> Iterator[list[_Row]]:
        """Every chunk added, in order (once the adding is done)."""
        self._file.seek(0)
        for _ in range(self._chunks):
            yield pickle.load(self._file)  # noqa: S301 - our own rows, see RowSpool


@contextmanager
def spool_chunks() -> Iterator[ChunkSpool[Any]]:
    """An empty :class:`ChunkSpool`, in memory up to 8 MiB and on disk beyond; gone afterwards."""
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as file:
        yield ChunkSpool(file)


@contextmanager
def spool_rows() -> Iterator[RowSpool[Any]]:
    """An empty :class:`RowSpool`, in memory up to 8 MiB and on disk beyond; gone afterwards."""
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY) as file:
        yield RowSpool(file)
