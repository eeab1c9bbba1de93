"""Tell a bank file's format from its first bytes; the extension only breaks ties."""

from __future__ import annotations

import re
from typing import IO

from fincast.errors import ParseError
from fincast.ingest._text import bom_encoding

HEAD_BYTES = 8192

_OFX = re.compile(r"OFXHEADER|<\?OFX|<OFX>", re.IGNORECASE)
_CAMT = re.compile(r"<(?:\w+:)?BkToCstmrStmt\b|camt\.053", re.IGNORECASE)
_XML = re.compile(r"^\s*<(?:\?xml|[A-Za-z])")
_QIF = re.compile(r"^\s*!(?:Type|Account|Option|Clear)", re.IGNORECASE | re.MULTILINE)
_MT940 = re.compile(r"^(?:\{1:|:20:|:25:|:28C?:|:60[FM]:|:940:)", re.MULTILINE)
_BINARY = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a ZIP/Excel (.xlsx) file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) file",
}


def _head_text(head: bytes) -> str:
    enc = bom_encoding(head)
    return head.decode(enc or "latin-1", errors="replace").lstrip("\ufeff")


def detect_format(head: bytes, filename: str = "") -> str:
    """Return csv, ofx, qfx, qif, camt or mt940 for a file starting with ``head``."""
    for magic, what in _BINARY.items():
        if head.startswith(magic):
            raise ParseError(
                f"this is {what}, not a bank export fincast reads; export CSV, OFX/QFX, QIF, "
                "CAMT.053 or MT940 from your bank",
                file=filename,
            )
    text = _head_text(head)
    lowered_name = filename.lower()
    if _OFX.search(text):
        return "qfx" if lowered_name.endswith(".qfx") else "ofx"
    if _CAMT.search(text):
        return "camt"
    if _XML.match(text):
        raise ParseError("an XML file that is neither OFX nor a CAMT.053 statement", file=filename)
    if _QIF.search(text):
        return "qif"
    if _MT940.search(text.replace("\r", "")):
        return "mt940"
    if "\x00" in text and bom_encoding(head) is None:
        raise ParseError("a binary file, not a bank export", file=filename)
    if lowered_name.endswith((".ofx", ".qfx")):
        raise ParseError("the file is named OFX but holds no <OFX> element", file=filename)
    return "csv"


def detect_stream_format(stream: IO[bytes], filename: str = "") -> str:
    """:func:`detect_format` of a seekable stream's first bytes; the stream is rewound."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    return detect_format(head, filename)
