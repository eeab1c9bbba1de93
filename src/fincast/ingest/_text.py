"""Text helpers shared by the parsers: encoding detection, whitespace, safe truncation."""

from __future__ import annotations

import codecs

# Tried in order when a file has no byte-order mark; latin-1 never fails, so it is last.
FALLBACK_ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark (or UTF-16 NUL pattern) announces, if any."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:200]
    if len(sample) >= 4:
        # ASCII text in UTF-16 without a BOM: every other byte is NUL.
        if sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
            return "utf-16-le"
        if sample[0::2].count(0) > len(sample) // 4 and sample[1::2].count(0) == 0:
            return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a whole (small) file: BOM first, then UTF-8, cp1252, latin-1; returns text, codec."""
    enc = bom_encoding(data[:4096])
    candidates = (enc,) if enc else FALLBACK_ENCODINGS
    for candidate in candidates:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    # Only reachable with a BOM-announced encoding that does not decode.
    return data.decode(candidates[0], errors="replace"), candidates[0]


def squash(text: str | None, limit: int | None = None) -> str | None:
    """Collapse whitespace runs to one space and trim; empty becomes None."""
    if text is None:
        return None
    out = " ".join(text.split())
    if limit is not None:
        out = out[:limit].rstrip()
    return out or None
