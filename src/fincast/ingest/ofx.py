"""OFX / QFX statements (1.x SGML and 2.x XML) through ``ofxparse``.

``ofxparse`` is used rather than ``ofxtools`` because real bank files are sloppy: on the ten
real exports in the test data, ofxtools' spec validation refuses six (header-less files, IDs
longer than the spec allows, private ``INTU.*`` tags, missing ledger balances), while ofxparse
reads nine and the tenth after removing empty elements. Two things are done around it:

* empty elements (``<CURDEF></CURDEF>``) are removed before parsing (ofxparse fails on them)
  and an empty ``FITID`` becomes "no bank id" instead of an error;
* dates keep the calendar day the bank wrote, ignoring the ``[-5:EST]`` offset ofxparse would
  use to shift a late-evening posting into the next day.

Safety: a file with a DTD or entity declaration is refused before parsing; ofxparse reads
through BeautifulSoup's ``html.parser``, which never fetches or expands declared entities.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from decimal import Decimal
from typing import Any

from fincast.errors import EmptyImportError, ParseError
from fincast.ingest.rows import ParseContext, ParsedTransaction

_NO_FITID = "fincast-no-fitid"
_EMPTY_FITID = re.compile(rb"<FITID>\s*(?:</FITID>)?(?=\s*<)", re.IGNORECASE)
# Simple tags, text runs, and any other "<"; one pass over these removes nested empties.
_TOKEN = re.compile(rb"<(/?)([A-Za-z0-9_.]+)>|[^<]+|<")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_TZ = re.compile(r"\[[^\]]*\]\s*$")


def _parser() -> Any:
    from ofxparse import OfxParser

    class LocalDateParser(OfxParser):
        """ofxparse that keeps the bank's calendar day instead of converting to UTC."""

        @classmethod
        def parseOfxDateTime(cls, ofxDateTime: str) -> dt.datetime | None:
            return super().parseOfxDateTime(_TZ.sub("", ofxDateTime.strip()))

    return LocalDateParser


def _clean(data: bytes) -> bytes:
    data = data.lstrip(b"\xef\xbb\xbf").lstrip()
    data = _EMPTY_FITID.sub(b"<FITID>" + _NO_FITID.encode() + b"</FITID>", data)
    return _drop_empty_elements(data)


def _drop_empty_elements(data: bytes) -> bytes:
    """Remove ``<X>`` whitespace ``</X>`` repeatedly (nested empties too) in one linear pass.

    Same result as substituting the pattern until nothing changes, which is quadratic in the
    nesting depth (24,000 nested empty tags took minutes). Output tokens are kept on a list;
    a closing tag looks back over whitespace tokens only, and those are either removed with
    the element or sealed off by the closing tag appended after them, so each is read once.
    """
    out: list[bytes] = []
    opens: list[bytes | None] = []  # per output token: the name of a simple open tag, or None
    for m in _TOKEN.finditer(data):
        token, slash, name = m.group(0), m.group(1), m.group(2)
        if slash and name is not None:
            i = len(out) - 1
            while i >= 0 and opens[i] is None and out[i].isspace():
                i -= 1
            if i >= 0 and opens[i] == name:
                del out[i:], opens[i:]
                continue
        out.append(token)
        opens.append(name if name is not None and not slash else None)
    return b"".join(out)


def parse_ofx(data: bytes, context: ParseContext) -> list[ParsedTransaction]:
    """Read the bank and card transactions of an OFX/QFX file (pure: bytes in, rows out)."""
    filename, report = context.filename, context.report
    if _DECLARATION.search(data[:65536]) or _DECLARATION.search(data):
        raise ParseError(
            "OFX files may not declare a DTD or entities (refused for safety)", file=filename
        )
    from bs4 import XMLParsedAsHTMLWarning

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
            warnings.filterwarnings(
                "ignore", message="Call to deprecated method", category=DeprecationWarning
            )
            ofx = _parser().parse(io.BytesIO(_clean(data)))
    except RecursionError as exc:
        raise ParseError("OFX nesting is too deep", file=filename) from exc
    except Exception as exc:
        raise ParseError(f"unreadable OFX: {exc}".strip(), file=filename) from exc

    from ofxparse.ofxparse import InvestmentStatement, Transaction

    rows: list[ParsedTransaction] = []
    statements = 0
    investment = 0
    record = 0
    for account in getattr(ofx, "accounts", None) or []:
        statement = getattr(account, "statement", None)
        if statement is None:
            continue
        statements += 1
        is_investment = isinstance(statement, InvestmentStatement)
        investment += is_investment
        currency = (getattr(statement, "currency", None) or context.default_currency or "").upper()
        # The file's own id of the account, so a multi-statement file goes into matching
        # accounts (a one-statement file goes into the account the user chose).
        account_ref = str(getattr(account, "account_id", None) or "").strip() or None
        for txn in getattr(statement, "transactions", None) or []:
            record += 1
            if not isinstance(txn, Transaction):
                report.skip(f"record {record}: investment transaction (trade/income) not imported")
                continue
            rows.append(_row(txn, record, currency or None, filename)._replace(account=account_ref))
    if not rows:
        if statements == 0:
            raise EmptyImportError(f"{filename}: no bank or card statement in this OFX file")
        if investment == statements:
            raise EmptyImportError(
                f"{filename}: an investment statement (positions, trades) with no bank "
                "transactions; fincast imports bank and card transactions only"
            )
        raise EmptyImportError(
            f"{filename}: the statement(s) hold balances only, no transactions "
            f"({statements} account(s))"
        )
    return rows


def _row(txn: Any, record: int, currency: str | None, filename: str) -> ParsedTransaction:
    when = txn.date
    if when is None:
        raise ParseError("no posting date", file=filename, line=record, field="DTPOSTED")
    amount = txn.amount
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    if not amount.is_finite():
        raise ParseError("not an amount", file=filename, line=record, field="TRNAMT", value=amount)
    fitid = (txn.id or "").strip()
    payee = (txn.payee or "").strip() or None
    memo = (txn.memo or "").strip() or None
    return ParsedTransaction(
        date=when.date() if isinstance(when, dt.datetime) else when,
        amount=amount,
        payee=payee,
        description=memo,
        external_id=None if fitid in ("", _NO_FITID) else fitid,
        currency=currency,
        line=record,
    )
