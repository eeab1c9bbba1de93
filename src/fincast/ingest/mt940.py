"""SWIFT MT940 statements, including German SEPA ``:86:`` subfields and Dutch ``/NAME/`` tags.

Hand-written on purpose. The installed ``mt940`` package (Tryton's, 0.8) reads plain files but,
on the real exports in the test data, drops all but the last of Rabobank's repeated ``:86:``
lines, fails with an AttributeError on Sberbank's ``:NS:`` fields and blank transaction-type
codes, dates entry dates in the wrong year across New Year, and has no German ``?20``..``?33``
subfield support; WoLpH's ``mt-940`` would be a new dependency. The format is line-based and
small; this module keeps its ``:61:`` grammar (value date, entry date, mark, funds code,
amount, type, references) and adds the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from fincast.errors import EmptyImportError, ParseError
from fincast.ingest._text import decode_bytes, squash
from fincast.ingest.rows import ParseContext, ParsedTransaction

_TAG = re.compile(r"^:([0-9A-Z]{2,3}):(.*)$")
_LINE_61 = re.compile(
    r"(?P<date>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D)(?P<fund>[A-Z])?"
    r"(?P<amount>\d[\d,]{0,14}(?:\.\d+)?)(?P<type>[A-Z][A-Z0-9 ]{3})(?P<rest>.*)",
    re.DOTALL,
)
_END = re.compile(r"-(?:\}.*|[A-Z]{0,4})")
_BALANCE = re.compile(r"[CD](\d{6})([A-Z]{3})")
_GERMAN = re.compile(r"^\d{3}\s*\?")
_SUBFIELD = re.compile(r"\?(\d{2})")
_DUTCH_TAGS = re.compile(r"/(NAME|REMI|EREF|TRTP|IBAN|BIC|CSID|MARF|ORDP|BENM|ID|ADDR|PREF|CNTP)/")
_SEPA_KEYS = re.compile(r"\b(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")


@dataclass
class _Pending:
    line: int
    head: str
    details: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    currency: str | None = None
    ns: list[str] = field(default_factory=list)


def _tokens(text: str) -> list[tuple[int, str, list[str]]]:
    """(line, tag, lines) for every ``:TAG:`` field, with envelopes and headers dropped."""
    out: list[tuple[int, str, list[str]]] = []
    open_field = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if line.startswith("{") and ":" in line:
            # SWIFT envelope "{1:...}{2:...}{4:" -- a tag may follow on the same line.
            line = line[line.rfind("{4:") + 3 :] if "{4:" in line else ""
        m = _TAG.match(line)
        if m:
            out.append((number, m.group(1), [m.group(2)]))
            open_field = True
        elif _END.fullmatch(line.strip(" \x01\x03")):
            open_field = False
        elif open_field and out:
            out[-1][2].append(line)
    return out


def _entry_date(value: dt.date, mmdd: str) -> dt.date:
    month, day = int(mmdd[:2]), int(mmdd[2:])
    year = value.year
    if value.month == 12 and month == 1:
        year += 1
    elif value.month == 1 and month == 12:
        year -= 1
    return dt.date(year, month, day)


def _german(info: str) -> tuple[str | None, str | None]:
    fields: dict[str, str] = {}
    parts = _SUBFIELD.split(info)
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        fields[key] = fields.get(key, "") + value
    purpose_keys = [f"{i}" for i in range(20, 30)] + [f"{i}" for i in range(60, 64)]
    purpose = "".join(fields.get(k, "") for k in purpose_keys)
    payee = (fields.get("32", "") + fields.get("33", "")).strip() or None
    svwz = re.search(
        r"SVWZ\+(.*?)(?=\b(?:EREF|KREF|MREF|CRED|DEBT|ABWA|ABWE|IBAN|BIC)\+|$)", purpose
    )
    text = svwz.group(1) if svwz else _SEPA_KEYS.sub(" ", purpose)
    posting = fields.get("00", "").strip()
    return payee, squash(" ".join(x for x in (posting, text) if x))


def _dutch(info: str) -> tuple[str | None, str | None]:
    parts = _DUTCH_TAGS.split(info)
    values: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        values.setdefault(key, value)
    return squash(values.get("NAME")), squash(values.get("REMI")) or squash(info)


def parse_mt940(data: bytes, context: ParseContext) -> list[ParsedTransaction]:
    """Read every ``:61:`` transaction of an MT940 file (pure: bytes in, rows out)."""
    filename = context.filename
    text, _ = decode_bytes(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    tokens = _tokens(text)
    if not any(tag in ("20", "25", "60F", "60M", "61") for _, tag, _ in tokens):
        raise ParseError(
            "not an MT940 statement (no :20:, :25:, :60F: or :61: field)", file=filename
        )
    pending: list[_Pending] = []
    currency = context.default_currency
    last = ""
    for number, tag, lines in tokens:
        if tag in ("60F", "60M"):
            m = _BALANCE.match(lines[0].strip())
            if m:
                currency = m.group(2)
        elif tag == "61":
            pending.append(_Pending(number, lines[0], lines[1:], currency=currency))
        elif tag == "86" and last in ("61", "86") and pending:
            pending[-1].info.append("\n".join(lines))
        elif tag == "NS" and last == "61" and pending:
            pending[-1].ns.extend(lines)
        if tag != "86" or last not in ("61", "86"):
            last = tag
    if not pending:
        raise EmptyImportError(f"{filename}: the MT940 statement(s) hold balances only, no :61:")
    parsed = [_parse_61(p, filename) for p in pending]
    # A bank reference is the row's id only where it is unique in the file.
    bank_refs = Counter(ref for _, ref in parsed if ref)
    return [
        row._replace(external_id=ref) if ref and bank_refs[ref] == 1 else row for row, ref in parsed
    ]


def _parse_61(p: _Pending, filename: str) -> tuple[ParsedTransaction, str | None]:
    m = _LINE_61.match(p.head.strip())
    if m is None:
        raise ParseError(
            "not a valid :61: statement line",
            file=filename,
            line=p.line,
            field=":61:",
            value=p.head,
        )
    try:
        value_date = dt.datetime.strptime(m.group("date"), "%y%m%d").date()
        posted = _entry_date(value_date, m.group("entry")) if m.group("entry") else value_date
    except ValueError as exc:
        raise ParseError(
            "not a valid date", file=filename, line=p.line, field=":61: date", value=p.head[:10]
        ) from exc
    raw_amount = m.group("amount")
    try:
        amount = Decimal(raw_amount.replace(",", "."))
    except InvalidOperation as exc:
        raise ParseError(
            "not an amount", file=filename, line=p.line, field=":61: amount", value=raw_amount
        ) from exc
    if m.group("mark") in ("D", "RC"):
        amount = -amount
    rest = m.group("rest")
    if "//" in rest[:18]:
        _, after = rest.split("//", 1)
        bank_ref, trailing = after[:16].strip() or None, after[16:]
    else:
        bank_ref, trailing = None, rest[16:]
    info = "\n".join(p.info)
    flat = "".join(x.strip("\n") for x in p.info)
    if _GERMAN.match(flat) or "?20" in flat or "?32" in flat:
        payee, description = _german(flat)
    elif _DUTCH_TAGS.search(flat):
        payee, description = _dutch(flat)
    else:
        payee, description = None, squash(info)
    if p.ns and payee is None:
        # Non-standard :NS: subfields (Hungarian/Polish banks): 15-16 name, 09 detail.
        sub = {x[:2]: x[2:] for x in p.ns if len(x) > 2 and x[:2].isdigit()}
        payee = squash(sub.get("15", "") + sub.get("16", ""))
        description = description or squash(sub.get("09"))
    if payee is None:
        supplementary = squash(" ".join(p.details))
        payee = supplementary or squash(trailing)
    row = ParsedTransaction(
        date=posted,
        amount=amount,
        payee=payee,
        description=description,
        external_id=None,
        currency=p.currency,
        line=p.line,
    )
    return row, bank_ref
