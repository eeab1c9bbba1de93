"""CSV bank exports: dialect, encoding, header, date order and decimal separator, streamed.

The file is read three times, never held whole: a sample decides the dialect and the header
row; a first full pass observes every date and amount (so the date order and decimal separator
are decided from whole columns, never row by row); a second pass yields transactions.
"""

from __future__ import annotations

import csv as _csv
import html
import io
import re
from collections import Counter
from collections.abc import Generator, Iterator
from contextlib import closing, suppress
from decimal import Decimal
from typing import IO, Any

from fincast.errors import ParseError
from fincast.ingest._text import FALLBACK_ENCODINGS, bom_encoding, squash
from fincast.ingest.infer import Layout, infer_layout, normalize_header, stated_currency
from fincast.ingest.mapping import CsvMapping, mapping_to_dict, preset_for
from fincast.ingest.rows import ParseContext, ParsedTransaction
from fincast.ingest.values import AmountFormat, DateColumn

SAMPLE_BYTES = 64 * 1024
_ZERO = Decimal(0)
HEADER_SEARCH_ROWS = 30
CONTENT_ROWS = 200
_CACHE_LIMIT = 100_000
DELIMITERS = (",", ";", "\t", "|")
_DEBIT_WORDS = frozenset(
    {"debit", "dr", "d", "withdrawal", "out", "soll", "s", "charge", "af", "cargo", "debito"}
)
_CREDIT_WORDS = frozenset(
    {"credit", "cr", "c", "deposit", "in", "haben", "h", "payment", "bij", "abono", "credito"}
)

_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)

# A field of a bank CSV is never legitimately larger than this; bigger means a broken file.
_csv.field_size_limit(1024 * 1024)


def _text_rows(
    stream: IO[bytes], encoding: str, delimiter: str, filename: str
) -> Generator[tuple[int, list[str]], None, None]:
    """Yield (line number, cells) from the start of ``stream``; detaches the text wrapper after."""
    stream.seek(0)
    wrapper = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = _csv.reader(wrapper, delimiter=delimiter, quotechar='"', doublequote=True)
    try:
        for row in reader:
            yield reader.line_num, row
    except _csv.Error as exc:
        raise ParseError(f"broken CSV: {exc}", file=filename, line=reader.line_num + 1) from exc
    finally:
        with suppress(ValueError):  # the stream may already be closed by its owner
            wrapper.detach()


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's lines into the most consistent, widest rows."""
    lines = sample.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    body = "\n".join(lines)
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        try:
            rows = list(_csv.reader(io.StringIO(body), delimiter=delim))
        except _csv.Error:
            continue
        widths = Counter(len(r) for r in rows if r)
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda kv: (kv[1] * (kv[0] > 1), kv[0]))
        score = (count if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _unhtml(text: str) -> str:
    return _BREAKS.sub(" ", html.unescape(text))


class CsvReader:
    """Reads one CSV bank export from a seekable binary stream."""

    def __init__(self, stream: IO[bytes], context: ParseContext) -> None:
        self.stream = stream
        self.filename = context.filename
        self.mapping = context.mapping
        self.default_currency = context.default_currency
        self.report = context.report
        self.mapping_optional = context.mapping_optional

    def _sample(self) -> bytes:
        self.stream.seek(0)
        return self.stream.read(SAMPLE_BYTES)

    def _encodings(self, head: bytes) -> tuple[str, ...]:
        if self.mapping is not None and self.mapping.encoding:
            return (self.mapping.encoding,)
        enc = bom_encoding(head)
        return (enc,) if enc else FALLBACK_ENCODINGS

    def _header(self, rows: list[list[str]]) -> tuple[int, list[str], CsvMapping]:
        mapping = self.mapping
        if mapping is not None:
            for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
                cells = [c.strip() for c in row]
                if mapping.date.lower() in {c.lower() for c in cells}:
                    self._describe(i, cells, mapping, None)
                    return i, cells, mapping
            if not self.mapping_optional:
                raise ParseError(
                    f"no header row names the date column {mapping.date!r} "
                    f"of mapping {mapping.name!r}",
                    file=self.filename,
                )
            self.report.notes.append(
                f"the account's saved mapping names the date column {mapping.date!r}, which "
                "this file has not; its columns were recognised instead"
            )
        unsure: tuple[int, list[str], Layout] | None = None
        for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            cells = [c.strip() for c in row]
            preset = preset_for(cells)
            if preset is not None:
                self._describe(i, cells, preset, None)
                return i, cells, preset
            layout = infer_layout(cells, rows[i + 1 : i + 1 + CONTENT_ROWS])
            if layout is None:
                continue
            if layout.sure:
                self._describe(i, cells, layout.mapping, layout)
                return i, cells, layout.mapping
            if unsure is None:
                unsure = (i, cells, layout)
        if unsure is not None:
            i, cells, layout = unsure
            self._describe(i, cells, layout.mapping, layout)
            raise ParseError(
                "cannot tell the columns for sure: "
                + "; ".join(layout.ambiguities or ["low confidence"])
                + "; pass --mapping (or fix the mapping in the import preview)",
                file=self.filename,
                line=i + 1,
            )
        raise ParseError(
            "cannot tell which columns hold the date and the amount; "
            "pass --mapping with a preset or a mapping file",
            file=self.filename,
        )

    def _describe(
        self, at: int, headers: list[str], mapping: CsvMapping, layout: Layout | None
    ) -> None:
        """Keep what was decided about the layout on the report (for the import preview)."""
        roles = mapping_to_dict(mapping)
        for key in ("date_format", "decimal", "negate", "delimiter", "encoding", "html_unescape"):
            roles.pop(key, None)
        if layout is not None:
            confidence = dict(layout.confidence)
            source = "inferred"
        else:
            confidence = dict.fromkeys(roles, 1.0)
            source = "preset" if mapping.signature else "mapping"
        self.report.layout = {
            "source": source,
            "name": mapping.name,
            "header_line": at + 1,
            "headers": [h for h in headers],
            "mapping": mapping_to_dict(mapping),
            "confidence": confidence,
            "notes": list(layout.notes) if layout else [],
            "ambiguities": list(layout.ambiguities) if layout else [],
        }

    def __iter__(self) -> Iterator[ParsedTransaction]:
        """Yield the file's transactions; raises ParseError (before yielding) on bad values."""
        head = self._sample()
        if not head.strip():
            return
        last_error: UnicodeDecodeError | None = None
        for encoding in self._encodings(head):
            try:
                plan = self._plan(head, encoding)
            except UnicodeDecodeError as exc:
                last_error = exc
                continue
            yield from self._rows(plan)
            return
        raise ParseError(
            f"cannot decode the file as text ({last_error})",
            file=self.filename,
        )

    def _plan(self, head: bytes, encoding: str) -> dict[str, Any]:
        sample = head.decode(encoding, errors="ignore")
        delimiter = (self.mapping.delimiter if self.mapping else None) or _sniff_delimiter(sample)
        first_rows: list[list[str]] = []
        with closing(_text_rows(self.stream, encoding, delimiter, self.filename)) as rows:
            for _, row in rows:
                first_rows.append(row)
                if len(first_rows) >= HEADER_SEARCH_ROWS + CONTENT_ROWS:
                    break
        header_at, headers, mapping = self._header(first_rows)
        index = {h.lower(): i for i, h in reversed(list(enumerate(headers)))}

        def col(name: str | None) -> int | None:
            if not name:
                return None
            if name.lower() not in index:
                raise ParseError(
                    f"column {name!r} of mapping {mapping.name!r} is not in the header",
                    file=self.filename,
                    line=header_at + 1,
                )
            return index[name.lower()]

        cols = {
            "date": col(mapping.date),
            "amount": col(mapping.amount),
            "debit": col(mapping.debit),
            "credit": col(mapping.credit),
            "direction": col(mapping.direction),
            "payee": col(mapping.payee),
            "external_id": col(mapping.external_id),
            "currency": col(mapping.currency),
            "fee": col(mapping.fee),
            "status": col(mapping.status),
            "type": col(mapping.type),
            "payee_from": col(mapping.payee_from),
            "payee_to": col(mapping.payee_to),
            "account": col(mapping.account),
        }
        desc_cols = [c for c in (col(d) for d in mapping.description) if c is not None]
        dates = DateColumn(file=self.filename, field=mapping.date, date_format=mapping.date_format)
        amounts = AmountFormat(
            file=self.filename,
            decimal=mapping.decimal,
            default="," if delimiter == ";" else ".",
        )
        money: list[tuple[int, str]] = []
        for key in ("amount", "debit", "credit", "fee"):
            c = cols[key]
            if c is not None:
                money.append((c, str(getattr(mapping, key))))
        date_col = cols["date"]
        assert date_col is not None
        with closing(_text_rows(self.stream, encoding, delimiter, self.filename)) as scan:
            for n, (line, row) in enumerate(scan):
                if n <= header_at:
                    continue
                if date_col < len(row):
                    dates.observe(row[date_col], line)
                for c, name in money:
                    if c < len(row):
                        amounts.observe(row[c], line, name)
        stated = stated_currency(first_rows[:header_at], headers)
        if self.report.layout is not None:
            self.report.layout["currency"] = stated
        return {
            "currency": stated or self.default_currency,
            "encoding": encoding,
            "delimiter": delimiter,
            "header_at": header_at,
            "width": len(headers),
            "mapping": mapping,
            "cols": cols,
            "desc_cols": desc_cols,
            "dates": dates.decide(),
            "amounts": amounts,
        }

    def _rows(self, plan: dict[str, Any]) -> Iterator[ParsedTransaction]:
        mapping: CsvMapping = plan["mapping"]
        cols: dict[str, int | None] = plan["cols"]
        desc_cols: list[int] = plan["desc_cols"]
        dates: dict[str, Any] = plan["dates"]
        amounts: AmountFormat = plan["amounts"]
        amounts.decide()
        with closing(
            _text_rows(self.stream, plan["encoding"], plan["delimiter"], self.filename)
        ) as rows:
            yield from self._convert(rows, plan, mapping, cols, desc_cols, dates, amounts)

    def _convert(
        self,
        rows: Iterator[tuple[int, list[str]]],
        plan: dict[str, Any],
        mapping: CsvMapping,
        cols: dict[str, int | None],
        desc_cols: list[int],
        dates: dict[str, Any],
        amounts: AmountFormat,
    ) -> Iterator[ParsedTransaction]:
        c_date, c_amount, c_debit, c_credit = (
            cols["date"],
            cols["amount"],
            cols["debit"],
            cols["credit"],
        )
        c_dir, c_payee, c_ext, c_cur = (
            cols["direction"],
            cols["payee"],
            cols["external_id"],
            cols["currency"],
        )
        c_fee, c_status, c_type = cols["fee"], cols["status"], cols["type"]
        c_from, c_to, c_account = cols["payee_from"], cols["payee_to"], cols["account"]
        default_currency = plan["currency"]
        wallet = any(c is not None for c in (c_fee, c_status, c_type, c_from, c_to, c_account))
        assert c_date is not None
        needed = max(c for c in (c_date, c_amount, c_debit, c_credit) if c is not None)
        unescape = mapping.html_unescape
        header_at = plan["header_at"]
        # A statement repeats a few thousand amounts and payees a million times: each
        # distinct amount cell is parsed once, each distinct text cell squashed once.
        parsed_amounts: dict[str, Decimal | None] = {}
        squashed: dict[str | None, str | None] = {}
        amount_name = mapping.amount or "amount"
        one_desc = desc_cols[0] if len(desc_cols) == 1 else None
        for n, (line, row) in enumerate(rows):
            if n <= header_at or not "".join(row).strip():
                continue
            if len(row) <= needed:
                raise ParseError(
                    f"row has {len(row)} fields, the header has {plan['width']}",
                    file=self.filename,
                    line=line,
                    value=plan["delimiter"].join(row),
                )
            raw_date = row[c_date].strip()
            if c_amount is not None:
                cell = row[c_amount]
                if cell in parsed_amounts:
                    amount = parsed_amounts[cell]
                else:
                    amount = amounts.parse(cell, line, amount_name)
                    if len(parsed_amounts) >= _CACHE_LIMIT:
                        parsed_amounts.clear()
                    parsed_amounts[cell] = amount
            else:
                debit = (
                    amounts.parse(row[c_debit], line, mapping.debit or "debit")
                    if c_debit is not None
                    else None
                )
                credit = (
                    amounts.parse(row[c_credit], line, mapping.credit or "credit")
                    if c_credit is not None
                    else None
                )
                if debit is None and credit is None:
                    amount = None
                else:
                    amount = (credit or _ZERO) - abs(debit or _ZERO)
            if not raw_date:
                if amount is None:
                    self.report.skip(f"line {line}: row without date and amount skipped")
                    continue
                raise ParseError(
                    "date is empty", file=self.filename, line=line, field=mapping.date, value=""
                )
            if amount is None:
                field = mapping.amount or f"{mapping.debit}/{mapping.credit}"
                raise ParseError(
                    "amount is empty", file=self.filename, line=line, field=field, value=""
                )
            if c_dir is not None:
                word = row[c_dir].strip().lower()
                if word in _DEBIT_WORDS:
                    amount = -abs(amount)
                elif word in _CREDIT_WORDS:
                    amount = abs(amount)
                else:
                    raise ParseError(
                        "direction is neither debit nor credit",
                        file=self.filename,
                        line=line,
                        field=mapping.direction,
                        value=row[c_dir],
                    )
            if mapping.negate:
                amount = -amount
            payee = row[c_payee] if c_payee is not None and c_payee < len(row) else None
            kind = account = None
            fee: Decimal | None = None
            if wallet:
                if c_status is not None and c_status < len(row):
                    status = row[c_status].strip()
                    if normalize_header(status) not in COMPLETED:
                        self.report.skip(
                            f"line {line}: status {status!r} is not completed; not imported"
                        )
                        continue
                if c_type is not None and c_type < len(row):
                    kind = transfer_kind(row[c_type])
                if c_from is not None and c_to is not None:
                    side = c_to if amount < 0 else c_from
                    payee = row[side] if side < len(row) else payee
                if c_account is not None and c_account < len(row):
                    account = row[c_account].strip() or None
                if c_fee is not None and c_fee < len(row):
                    fee = amounts.parse(row[c_fee], line, mapping.fee or "fee")
            if one_desc is not None:  # the usual single description column
                desc = row[one_desc].strip() if one_desc < len(row) else ""
            elif not desc_cols:  # a payee and no description
                desc = ""
            else:
                desc = " ".join(
                    row[c].strip() for c in desc_cols if c < len(row) and row[c].strip()
                )
            if unescape:
                payee = _unhtml(payee) if payee else payee
                desc = _unhtml(desc)
            ext = row[c_ext].strip() if c_ext is not None and c_ext < len(row) else ""
            cur = row[c_cur].strip().upper() if c_cur is not None and c_cur < len(row) else ""
            if len(squashed) >= _CACHE_LIMIT:
                squashed.clear()
            if payee in squashed:
                payee_text = squashed[payee]
            else:
                payee_text = squashed[payee] = squash(payee)
            if desc in squashed:
                desc_text = squashed[desc]
            else:
                desc_text = squashed[desc] = squash(desc)
            currency = cur if len(cur) == 3 and cur.isalpha() else default_currency
            # (date, amount, payee, description, external_id, currency, line, kind, account)
            yield ParsedTransaction(
                dates[raw_date],
                amount,
                payee_text,
                desc_text,
                ext or None,
                currency,
                line,
                kind,
                account,
            )
            if fee:
                yield ParsedTransaction(
                    date=dates[raw_date],
                    amount=fee,
                    payee=squash(f"{payee_text} fee" if payee_text else "Fee"),
                    description=f"fee of line {line}",
                    external_id=f"{ext}:fee" if ext else None,
                    currency=currency,
                    line=line,
                    kind="fee",
                    account=account,
                )


#: Status words (normalised) of a row that happened; any other status is skipped.
COMPLETED = frozenset(
    {
        "",
        "completed",
        "complete",
        "cleared",
        "posted",
        "booked",
        "settled",
        "success",
        "successful",
        "abgeschlossen",
        "gebucht",
        "ausgefuhrt",
        "erledigt",
        "termine",
        "terminee",
        "effectue",
        "effectuee",
        "comptabilise",
        "completado",
        "completada",
        "realizado",
        "realizada",
        "liquidado",
        "completato",
        "eseguito",
        "contabilizzato",
        "concluido",
        "concluida",
        "efetuado",
        "efetuada",
        "issued",
        "voltooid",
        "geboekt",
        "uitgevoerd",
    }
)
_TRANSFER_TYPES = (
    "conversion",
    "umrechnung",
    "conversione",
    "conversao",
    "omrekening",
    "valutawissel",
    "transfer",
    "withdrawal",
    "bank deposit",
    "top up",
    "topup",
    "virement",
    "ueberweisung eigene",
    "traspaso",
    "trasferimento",
    "overboeking",
)


def transfer_kind(value: str) -> str | None:
    """``"transfer"`` when a wallet's transaction type is a conversion or a bank transfer."""
    word = normalize_header(value)
    return "transfer" if word and any(t in word for t in _TRANSFER_TYPES) else None


def parse_csv(stream: IO[bytes], context: ParseContext) -> Iterator[ParsedTransaction]:
    """Yield the transactions of a CSV export read from a seekable binary ``stream``."""
    return iter(CsvReader(stream, context))
