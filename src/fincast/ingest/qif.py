"""QIF (Quicken Interchange Format) through ``quiffen``.

``quiffen`` (maintained, typed, understands splits, classes, categories and the many QIF date
spellings such as ``2/10'2020``) does the reading. fincast adds what it lacks: the day/month
order is decided from every ``D`` line of the file at once (quiffen takes it as a flag), and its
exceptions become ParseErrors. Split transactions import as one transaction (their total);
investment records and "Opening Balance" entries are skipped and reported.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from decimal import Decimal
from typing import Any

from fincast.errors import EmptyImportError, ParseError
from fincast.ingest._text import decode_bytes
from fincast.ingest.rows import ParseContext, ParsedTransaction, ParseReport

_DATE_LINE = re.compile(r"^D\s*(\d{1,4})\s*[/.\-']\s*(\d{1,2})", re.MULTILINE)
_CASH_TYPES = {"Bank", "Cash", "CCard", "Oth A", "Oth L"}


def _day_first(text: str, filename: str, date_format: str | None) -> bool:
    if date_format:
        return date_format.find("%d") < date_format.find("%m")
    max_a = max_b = 0
    differs = None
    for m in _DATE_LINE.finditer(text):
        a, b = m.group(1), m.group(2)
        if len(a) == 4:
            continue
        max_a, max_b = max(max_a, int(a)), max(max_b, int(b))
        if int(a) != int(b) and differs is None:
            differs = m.group(0)[1:].strip()
    if max_a > 12 and max_b > 12:
        raise ParseError("dates read as neither D/M/Y nor M/D/Y", file=filename, field="D")
    if max_a > 12:
        return True
    if max_b > 12 or differs is None:
        return False
    raise ParseError(
        "dates are ambiguous: every value reads as both D/M/Y and M/D/Y; "
        "give a mapping with date_format (e.g. '%d/%m/%Y')",
        file=filename,
        field="D",
        value=differs,
    )


def parse_qif(data: bytes, context: ParseContext) -> list[ParsedTransaction]:
    """Read the bank, cash and card transactions of a QIF file (pure: bytes in, rows out).

    The day/month order comes from the mapping's ``date_format`` when it has one.
    """
    from quiffen import Qif

    filename, report = context.filename, context.report
    date_format = context.mapping.date_format if context.mapping else None
    text, _ = decode_bytes(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text.lstrip().startswith(("!", "#")):
        raise ParseError("a QIF file starts with a '!Type:' or '!Account' line", file=filename)
    day_first = _day_first(text, filename, date_format)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # quiffen warns on odd but readable records
            qif = Qif.parse_string(text, day_first=day_first)
    except RecursionError as exc:
        raise ParseError("QIF nesting is too deep", file=filename) from exc
    except Exception as exc:
        line = _line_of(exc)
        raise ParseError(f"unreadable QIF: {exc}", file=filename, line=line) from exc
    rows: list[ParsedTransaction] = []
    for account in qif.accounts.values():
        for acc_type, transactions in account.transactions.items():
            kind = getattr(acc_type, "value", str(acc_type))
            for txn in transactions:
                line = getattr(txn, "line_number", None)
                if kind not in _CASH_TYPES:
                    report.skip(f"line {line}: {kind} record not imported (not a bank transaction)")
                    continue
                row = _row(txn, line, context.default_currency, filename, report)
                if row is not None:
                    rows.append(row)
    if not rows:
        raise EmptyImportError(f"{filename}: no bank, cash or card transactions in this QIF file")
    return rows


def _line_of(exc: Exception) -> int | None:
    m = re.search(r"line (\d+)", str(exc))
    return int(m.group(1)) if m else None


def _row(
    txn: Any, line: int | None, currency: str | None, filename: str, report: ParseReport
) -> ParsedTransaction | None:
    payee = (getattr(txn, "payee", None) or "").strip() or None
    if payee and payee.lower() == "opening balance":
        report.skip(f"line {line}: opening balance entry not imported")
        return None
    when = getattr(txn, "date", None)
    if when is None:
        raise ParseError("transaction has no date", file=filename, line=line, field="D")
    amount = getattr(txn, "amount", None)
    if amount is None:
        raise ParseError("transaction has no amount", file=filename, line=line, field="T")
    try:
        amount = Decimal(str(amount))
    except ArithmeticError as exc:
        raise ParseError(
            "not an amount", file=filename, line=line, field="T", value=amount
        ) from exc
    if not amount.is_finite():
        raise ParseError("not an amount", file=filename, line=line, field="T", value=amount)
    memo = (getattr(txn, "memo", None) or "").strip() or None
    return ParsedTransaction(
        date=when.date() if isinstance(when, dt.datetime) else when,
        amount=amount,
        payee=payee,
        description=memo,
        external_id=None,
        currency=currency,
        line=line if line is None else int(line),
    )
