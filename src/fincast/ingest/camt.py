"""ISO 20022 CAMT.053 bank-to-customer statements (v02 and later), namespace-agnostic.

Parsed with ``defusedxml`` (no DTDs, no entity expansion, no external fetches). Each booked
``Ntry`` becomes one transaction: booking date, signed amount (``CdtDbtInd``), counterparty
(creditor for debits, debtor for credits, with the v08+ ``Pty`` wrapper), remittance text and
the bank's reference (``AcctSvcrRef``, else a unique ``EndToEndId``). Pending entries are
skipped and reported.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from fincast.errors import EmptyImportError, ParseError
from fincast.ingest._text import squash
from fincast.ingest.rows import ParseContext, ParsedTransaction


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: Element | None, *path: str) -> Element | None:
    """Follow local names (ignoring namespaces) down from ``el``."""
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _children(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _text(el: Element | None, *path: str) -> str | None:
    found = _child(el, *path) if path else el
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _party_name(parties: Element | None, role: str) -> str | None:
    party = _child(parties, role)
    return _text(party, "Nm") or _text(party, "Pty", "Nm")


def parse_camt(data: bytes, context: ParseContext) -> list[ParsedTransaction]:
    """Read the booked entries of a CAMT.053 statement file (pure: bytes in, rows out)."""
    filename, report = context.filename, context.report
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseError(f"XML refused for safety: {exc}", file=filename) from exc
    except XmlParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ParseError(f"not well-formed XML: {exc}", file=filename, line=line) from exc
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"unreadable XML: {exc}", file=filename) from exc
    statement_root = _child(root, "BkToCstmrStmt")
    if statement_root is None:
        kind = next((_local(c.tag) for c in root), _local(root.tag))
        raise ParseError(
            f"not a CAMT.053 statement (found <{kind}>, expected <BkToCstmrStmt>)", file=filename
        )
    entries: list[tuple[int, Element, str | None]] = []
    for stmt in _children(statement_root, "Stmt"):
        acct_ccy = _text(stmt, "Acct", "Ccy")
        for ntry in _children(stmt, "Ntry"):
            entries.append((len(entries) + 1, ntry, acct_ccy))
    refs = Counter(_reference(ntry) for _, ntry, _ in entries)
    rows: list[ParsedTransaction] = []
    for record, ntry, acct_ccy in entries:
        status = _text(ntry, "Sts") or _text(ntry, "Sts", "Cd") or "BOOK"
        if status.upper() != "BOOK":
            report.skip(f"entry {record}: status {status} (not booked) not imported")
            continue
        ref = _reference(ntry)
        rows.append(
            _row(
                ntry,
                record,
                filename,
                acct_ccy or context.default_currency,
                ref if refs[ref] == 1 else None,
            )
        )
    if not rows:
        raise EmptyImportError(
            f"{filename}: no booked entries in this CAMT.053 file "
            f"({len(_children(statement_root, 'Stmt'))} statement(s), balances only)"
        )
    return rows


def _reference(ntry: Element) -> str | None:
    ref = _text(ntry, "AcctSvcrRef")
    if ref:
        return f"acctsvcr:{ref}"
    tx = _child(ntry, "NtryDtls", "TxDtls")
    for name in ("AcctSvcrRef", "EndToEndId", "TxId"):
        value = _text(tx, "Refs", name)
        if value and value.upper() != "NOTPROVIDED":
            return f"{name.lower()}:{value}"
    return None


def _row(
    ntry: Element, record: int, filename: str, currency: str | None, ref: str | None
) -> ParsedTransaction:
    where = f"Ntry[{record}]"
    amt = _child(ntry, "Amt")
    raw = _text(amt)
    try:
        amount = Decimal(raw or "")
    except InvalidOperation as exc:
        raise ParseError(
            "not an amount", file=filename, line=record, field=f"{where}/Amt", value=raw
        ) from exc
    if not amount.is_finite():
        raise ParseError(
            "not an amount", file=filename, line=record, field=f"{where}/Amt", value=raw
        )
    sign = (_text(ntry, "CdtDbtInd") or "").upper()
    if sign not in ("CRDT", "DBIT"):
        raise ParseError(
            "credit/debit indicator must be CRDT or DBIT",
            file=filename,
            line=record,
            field=f"{where}/CdtDbtInd",
            value=sign,
        )
    if sign == "DBIT":
        amount = -abs(amount)
    raw_date = (
        _text(ntry, "BookgDt", "Dt")
        or _text(ntry, "BookgDt", "DtTm")
        or _text(ntry, "ValDt", "Dt")
        or _text(ntry, "ValDt", "DtTm")
    )
    try:
        posted = dt.date.fromisoformat((raw_date or "")[:10])
    except ValueError as exc:
        raise ParseError(
            "not an ISO date", file=filename, line=record, field=f"{where}/BookgDt", value=raw_date
        ) from exc
    tx = _child(ntry, "NtryDtls", "TxDtls")
    parties = _child(tx, "RltdPties")
    first, second = ("Cdtr", "Dbtr") if sign == "DBIT" else ("Dbtr", "Cdtr")
    payee = _party_name(parties, first) or _party_name(parties, second)
    remittance = [
        (u.text or "").strip() for u in _children(_child(tx, "RmtInf"), "Ustrd") if u.text
    ]
    strd = _text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref")
    extra = _text(ntry, "AddtlNtryInf") or _text(tx, "AddtlTxInf")
    description = squash(" ".join(x for x in (*remittance, strd or "", extra or "") if x))
    ccy = amt.get("Ccy") if amt is not None else None
    return ParsedTransaction(
        date=posted,
        amount=amount,
        payee=squash(payee),
        description=description,
        external_id=ref,
        currency=(ccy or currency or None),
        line=record,
    )
