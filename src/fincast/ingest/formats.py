"""The bank-file formats fincast reads, and the one dispatch from a format to its parser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

from fincast.errors import InputError, ParseError
from fincast.ingest.camt import parse_camt
from fincast.ingest.csv import parse_csv
from fincast.ingest.mapping import CsvMapping
from fincast.ingest.mt940 import parse_mt940
from fincast.ingest.ofx import parse_ofx
from fincast.ingest.qif import parse_qif
from fincast.ingest.rows import ParseContext, ParsedTransaction, ParseReport

FORMATS: tuple[str, ...] = ("csv", "ofx", "qfx", "qif", "camt", "mt940")

_ALIASES = {
    "auto": "auto",
    "csv": "csv",
    "txt": "csv",
    "ofx": "ofx",
    "qfx": "qfx",
    "qif": "qif",
    "camt": "camt",
    "camt053": "camt",
    "camt.053": "camt",
    "xml": "camt",
    "mt940": "mt940",
    "mt-940": "mt940",
    "940": "mt940",
    "sta": "mt940",
}

# Formats read whole: their files are statements of a few thousand records at most.
_WHOLE_FILE_PARSERS: dict[str, Callable[[bytes, ParseContext], list[ParsedTransaction]]] = {
    "ofx": parse_ofx,
    "qfx": parse_ofx,
    "qif": parse_qif,
    "camt": parse_camt,
    "mt940": parse_mt940,
}


def canonical_format(name: str) -> str:
    """Map a user-supplied format name (``CAMT.053``, ``sta``, ...) to a canonical one."""
    key = name.strip().lower()
    if key not in _ALIASES:
        allowed = ", ".join(("auto", *FORMATS))
        raise InputError(f"unknown import format {name!r}; use one of: {allowed}")
    return _ALIASES[key]


def parse_stream(
    fmt: str,
    stream: IO[bytes],
    *,
    filename: str,
    mapping: CsvMapping | None = None,
    default_currency: str | None = None,
    report: ParseReport | None = None,
    mapping_optional: bool = False,
) -> Iterator[ParsedTransaction]:
    """The transactions of a seekable binary ``stream`` in format ``fmt`` (a canonical name).

    CSV is streamed, so a file of millions of rows never sits in memory; the other formats
    are read whole. ``mapping_optional`` marks ``mapping`` as a saved one that gives way to
    the recognised layout when no header row fits it.
    """
    context = ParseContext(
        filename=filename,
        mapping=mapping,
        default_currency=default_currency,
        report=report if report is not None else ParseReport(),
        mapping_optional=mapping_optional,
    )
    if fmt == "csv":
        return parse_csv(stream, context)
    parser = _WHOLE_FILE_PARSERS.get(fmt)
    if parser is None:
        raise ParseError(f"unsupported format {fmt!r}", file=filename)
    stream.seek(0)
    return iter(parser(stream.read(), context))
