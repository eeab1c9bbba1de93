"""Dates and amounts as banks write them, decided once per column rather than row by row.

A file's date order (D/M/Y or M/D/Y) and decimal separator are properties of the whole file:
``03/04/2020`` is only readable after seeing ``13/04/2020`` elsewhere in the same column. So
columns are *observed* first, then *decided*, and only then parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from fincast.errors import ParseError

_NUMERIC_DATE = re.compile(r"(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})(?:(?:[ T]|, ?).*)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{4,6}(?:\.\d+)?)?")
_NAMED_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%d.%b.%Y",
    "%d/%b/%Y",
)
DATE_ORDERS = ("ymd", "dmy", "mdy")

# The dates the ledger holds, at import and through the API alike (panels, forecasts and
# pandas timestamps all work inside this range).
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)


def check_date_range(value: dt.date) -> dt.date:
    """Return ``value`` if the ledger accepts it; raises ValueError naming the range if not."""
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"must be between {MIN_DATE} and {MAX_DATE}")
    return value


def _year(raw: str) -> int:
    year = int(raw)
    if len(raw) <= 2:
        # The strptime %y pivot: 69-99 -> 1900s, 00-68 -> 2000s.
        year += 1900 if year >= 69 else 2000
    return year


class DateColumn:
    """Collects the distinct values of one date column, then decides how to read all of them."""

    def __init__(self, *, file: str, field: str, date_format: str | None = None) -> None:
        self.file = file
        self.field = field
        self.date_format = date_format
        self._first_line: dict[str, int] = {}

    def observe(self, raw: str, line: int) -> None:
        """Remember ``raw`` (and the first line it appeared on)."""
        value = raw.strip()
        if value and value not in self._first_line:
            self._first_line[value] = line

    def decide(self) -> dict[str, dt.date]:
        """Return value -> date for every observed value, or raise a ParseError naming why."""
        values = self._first_line
        if not values:
            return {}
        if self.date_format:
            return self._with_format(self.date_format)
        numeric: dict[str, tuple[str, str, str]] = {}
        other: list[str] = []
        for value in values:
            m = _COMPACT_DATE.fullmatch(value)
            if m:
                numeric[value] = (m.group(1), m.group(2), m.group(3))
                continue
            m = _NUMERIC_DATE.fullmatch(value)
            if m:
                numeric[value] = (m.group(1), m.group(3), m.group(4))
            else:
                other.append(value)
        if other and numeric:
            bad = other[0]
            raise self._error("date does not match the format of the rest of the column", bad)
        if other:
            return self._named(other)
        return self._numeric(numeric)

    def _error(self, message: str, value: str) -> ParseError:
        return ParseError(
            message, file=self.file, line=self._first_line.get(value), field=self.field, value=value
        )

    def _numeric(self, parts: dict[str, tuple[str, str, str]]) -> dict[str, dt.date]:
        year_first = {len(a) == 4 for a, _, _ in parts.values()}
        if year_first == {True, False}:
            sample = next(v for v, (a, _, _) in parts.items() if len(a) != 4)
            raise self._error("date column mixes year-first and year-last dates", sample)
        if year_first == {True}:
            order = "ymd"
        else:
            max_first = max(int(a) for a, _, _ in parts.values())
            max_second = max(int(b) for _, b, _ in parts.values())
            if max_first > 12 and max_second > 12:
                sample = next(v for v, (_, b, _) in parts.items() if int(b) > 12)
                raise self._error("neither D/M/Y nor M/D/Y reads every date", sample)
            if max_first > 12:
                order = "dmy"
            elif max_second > 12:
                order = "mdy"
            elif all(a == b or int(a) == int(b) for a, b, _ in parts.values()):
                order = "dmy"  # both readings give the same dates
            else:
                sample = next(v for v, (a, b, _) in parts.items() if int(a) != int(b))
                raise self._error(
                    "dates are ambiguous: every value reads as both D/M/Y and M/D/Y; "
                    "give a mapping with date_format (e.g. '%d/%m/%Y' or '%m/%d/%Y')",
                    sample,
                )
        out: dict[str, dt.date] = {}
        for value, (a, b, c) in parts.items():
            try:
                if order == "ymd":
                    out[value] = dt.date(int(a), int(b), int(c))
                elif order == "dmy":
                    out[value] = dt.date(_year(c), int(b), int(a))
                else:
                    out[value] = dt.date(_year(c), int(a), int(b))
            except ValueError as exc:
                raise self._error(
                    f"not a valid date ({exc}; read as {order.upper()})", value
                ) from exc
        return out

    def _named(self, values: list[str]) -> dict[str, dt.date]:
        for fmt in _NAMED_FORMATS:
            try:
                return {v: dt.datetime.strptime(v, fmt).date() for v in values}
            except ValueError:
                continue
        raise self._error("not a date fincast can read; give a mapping with date_format", values[0])

    def _with_format(self, fmt: str) -> dict[str, dt.date]:
        out: dict[str, dt.date] = {}
        for value in self._first_line:
            try:
                out[value] = dt.datetime.strptime(value, fmt).date()
            except ValueError as exc:
                raise self._error(f"date does not match date_format {fmt!r}", value) from exc
        return out


_AMOUNT = re.compile(
    r"(?P<s1>[+-])?\s*(?P<c1>[^\d\s+\-.,()']{1,4})?\s*(?P<s2>[+-])?\s*"
    r"(?P<num>\d[\d.,' \u00a0\u202f]*|[.,]\d+)"
    r"\s*(?P<c2>[^\d\s+\-.,()']{1,4})?\s*(?P<s3>-)?"
)
_THOUSANDS_SPACES = str.maketrans("", "", " \u00a0\u202f'")
_GROUPED = {
    ".": re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+"),
    ",": re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d*)?|,\d+"),
}
_AMBIGUOUS = {
    ",": re.compile(r"\d{1,3}(?:,\d{3})+"),
    ".": re.compile(r"\d{1,3}(?:\.\d{3})+"),
}
_PLAIN_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d{1,2}|[+-]?\d+\.\d{4,}")
_PLAIN_INTEGER = re.compile(r"[+-]?\d+")
_PLAIN = {
    ".": re.compile(r"[+-]?\d+(?:\.\d+)?"),
    ",": re.compile(r"[+-]?\d+(?:,\d+)?"),
}
_LIMIT = Decimal(10) ** 15
_CREDIT_SUFFIX = re.compile(r"\s*(CR|DR)\.?\s*$", re.IGNORECASE)
_CURRENCY_WORDS = re.compile(r"^[A-Z]{3}$|^[^\w\s]{1,3}$|^[A-Z]{1,2}[^\w\s]$")


def _split_amount(raw: str) -> tuple[bool, str] | None:
    """Split ``raw`` into (negative, digits-with-separators), or None when it is no amount."""
    text = raw.strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    suffix = _CREDIT_SUFFIX.search(text)
    if suffix:
        if suffix.group(1).upper() == "DR":
            negative = not negative
        text = text[: suffix.start()]
    m = _AMOUNT.fullmatch(text)
    if m is None:
        return None
    for cur in (m.group("c1"), m.group("c2")):
        if cur and not _CURRENCY_WORDS.match(cur):
            return None
    signs = [s for s in (m.group("s1"), m.group("s2"), m.group("s3")) if s]
    if len(signs) > 1:
        return None
    if signs and signs[0] == "-":
        negative = not negative
    return negative, m.group("num").strip()


class AmountFormat:
    """Decides one decimal separator for all amount columns of a file, then parses amounts."""

    def __init__(self, *, file: str, decimal: str | None = None, default: str = ".") -> None:
        self.file = file
        self.decimal = decimal
        self.default = default
        self.votes = {".": 0, ",": 0}
        self._vote_sample: dict[str, tuple[int, str, str]] = {}
        self._seen: dict[str, str | None] = {}

    def observe(self, raw: str, line: int, field: str) -> None:
        """Count which decimal separator ``raw`` implies (if it implies one)."""
        if self.decimal is not None:
            return
        if raw in self._seen:
            sep = self._seen[raw]
        else:
            sep = self._vote(raw.strip())
            if len(self._seen) >= 100_000:
                self._seen.clear()
            self._seen[raw] = sep
        if sep is not None:
            self.votes[sep] += 1
            if sep not in self._vote_sample:
                self._vote_sample[sep] = (line, field, raw.strip())

    @staticmethod
    def _vote(raw: str) -> str | None:
        """The decimal separator the (stripped) amount ``raw`` implies, if any."""
        if not raw or _PLAIN_INTEGER.fullmatch(raw):
            return None
        if _PLAIN_DOT_DECIMAL.fullmatch(raw):
            return "."
        parts = _split_amount(raw)
        if parts is None:
            return None  # reported with its line when parsed
        num = parts[1].translate(_THOUSANDS_SPACES)
        dot, comma = num.rfind("."), num.rfind(",")
        if dot >= 0 and comma >= 0:
            sep = "." if dot > comma else ","
        elif comma >= 0:
            if _AMBIGUOUS[","].fullmatch(num):
                return None
            sep = ","
        elif dot >= 0:
            if _AMBIGUOUS["."].fullmatch(num):
                return None
            sep = "."
        else:
            return None
        return sep

    def decide(self) -> str:
        """The decimal separator for this file; a file voting for both is an error."""
        if self.decimal is not None:
            return self.decimal
        dots, commas = self.votes["."], self.votes[","]
        if dots and commas:
            line, field, raw = self._vote_sample["," if commas < dots else "."]
            raise ParseError(
                "amounts mix decimal point and decimal comma; give a mapping with decimal",
                file=self.file,
                line=line,
                field=field,
                value=raw,
            )
        self.decimal = "," if commas else "." if dots else self.default
        return self.decimal

    def parse(self, raw: str, line: int, field: str) -> Decimal | None:
        """Parse one amount with the decided separator; blank is None, junk is a ParseError."""
        raw = raw.strip()
        if not raw:
            return None
        decimal = self.decimal or self.decide()
        if _PLAIN[decimal].fullmatch(raw):
            value = Decimal(raw.replace(",", ".") if decimal == "," else raw)
            if abs(value) < _LIMIT:
                return value
        parts = _split_amount(raw)
        if parts is not None:
            negative, num = parts
            num = num.translate(_THOUSANDS_SPACES)
            if _GROUPED[decimal].fullmatch(num):
                other = "," if decimal == "." else "."
                plain = num.replace(other, "").replace(decimal, ".")
                try:
                    parsed: Decimal | None = Decimal(plain)
                except InvalidOperation:
                    parsed = None
                if parsed is not None and parsed.is_finite() and abs(parsed) < _LIMIT:
                    return -parsed if negative else parsed
        raise ParseError(
            f"not an amount (decimal separator {decimal!r})",
            file=self.file,
            line=line,
            field=field,
            value=raw,
        )
