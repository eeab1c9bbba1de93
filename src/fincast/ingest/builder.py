"""Parsed transactions -> ledger rows: rounding, normalising, categorising, fingerprinting."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tempfile
from array import array
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain
from typing import IO, Any

from fincast.errors import ParseError
from fincast.ingest._text import squash
from fincast.ingest.categorize import KEYWORD_SOURCE, Categorizer
from fincast.ingest.fingerprint import external_fingerprint, normalize_payee, strip_invisible
from fincast.ingest.rows import ParsedTransaction, TransactionRow
from fincast.ingest.values import MAX_DATE, MIN_DATE

_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal(10) ** 16
_sha256 = hashlib.sha256


class RowBuilder:
    """Turns the parsed transactions of one file into ``transactions`` rows of one account.

    Bank files repeat themselves: a million rows hold a few thousand payees, amounts and
    dates. So everything derived from one of them alone (normalised payee, rounded amount,
    ISO date, category) is computed once per distinct value and looked up afterwards; only the
    fingerprint (which carries the occurrence index) is computed per row. The rows are what
    the uncached computation gives: amounts rounded half-up to cents, payee and description
    squashed, fingerprints as :mod:`fincast.ingest.fingerprint` defines them.
    """

    _CACHE_LIMIT = 200_000
    #: Dates whose occurrence counts are kept at most, when ``bounded`` (see :meth:`build`).
    DATES_KEPT = 512

    def __init__(
        self,
        *,
        user_id: int,
        account_id: int,
        batch_id: int | None,
        currency: str,
        categorizer: Categorizer,
        filename: str,
        created_at: dt.datetime,
        bounded: bool = False,
    ) -> None:
        self.user_id = user_id
        self.account_id = account_id
        self.batch_id = batch_id
        self.currency = currency
        self.categorizer = categorizer
        self.filename = filename
        self.created_at = created_at
        self.count = 0
        # Occurrence counts per date: a fingerprint's occurrence index counts the earlier
        # rows of the file with its date, amount and payee, so only rows of one date share
        # counts. Bounded, the counts of at most DATES_KEPT dates stay in memory: past that,
        # those of the dates farthest from the row's go to a temporary file (a bank file
        # comes in date order, so they are not needed again) and come back from it if their
        # date does. A file whose dates keep coming back (unordered) stops the spilling
        # after DATES_KEPT such returns and keeps every count in memory from then on.
        self.bounded = bounded
        self._occurrences: dict[dt.date, dict[int, int]] = {}
        self._spilled: dict[dt.date, tuple[int, int]] = {}
        self._spill: IO[bytes] | None = None
        self._returns = 0
        self._prefix = f"c|{account_id}|"
        # Categories depend on the amount only through its sign, unless a rule has a range.
        self._by_amount = categorizer.uses_amounts
        self._amounts: dict[Decimal, tuple[Decimal, str]] = {}
        self._texts: dict[tuple[str | None, str | None], tuple[str | None, str, str | None]] = {}
        self._dates: dict[dt.date, str] = {}
        self._categories: dict[tuple[Any, ...], tuple[int | None, str | None]] = {}

    def _amount(self, raw: Decimal, line: int | None) -> tuple[Decimal, str]:
        amount = raw.quantize(_CENT, rounding=ROUND_HALF_UP)
        if abs(amount) >= _MAX_AMOUNT:
            raise ParseError(
                "amount is too large",
                file=self.filename,
                line=line,
                field="amount",
                value=raw,
            )
        if len(self._amounts) >= self._CACHE_LIMIT:
            self._amounts.clear()
        out = self._amounts[raw] = (amount, f"{amount:.2f}")
        return out

    def _texts_of(
        self, payee: str | None, description: str | None
    ) -> tuple[str | None, str, str | None]:
        # payee_raw (and description_raw, the row's p.description) keep what the bank sent;
        # the normalised payee and the shown description lose invisible format characters.
        payee_raw = squash(payee or description, 255)
        payee_clean = strip_invisible(payee_raw)
        payee_norm = normalize_payee(payee_clean) if payee_clean else ""
        if len(self._texts) >= self._CACHE_LIMIT:
            self._texts.clear()
        out = self._texts[(payee, description)] = (
            payee_raw,
            payee_norm,
            squash(strip_invisible(description), 500),
        )
        return out

    def _category(
        self, key: tuple[Any, ...], amount: Decimal, payee: str | None, description: str | None
    ) -> tuple[int | None, str | None]:
        category = self.categorizer.categorize(self.account_id, amount, payee, description)
        if len(self._categories) >= self._CACHE_LIMIT:
            self._categories.clear()
        self._categories[key] = category
        return category

    def _counts_of(self, day: dt.date) -> dict[int, int]:
        """The occurrence counts of ``day`` (back from the spill, or new), spilling far ones."""
        held = self._occurrences
        if self.bounded and len(held) >= self.DATES_KEPT:
            by_distance = sorted(held, key=lambda d: abs((d - day).days))
            for far in by_distance[self.DATES_KEPT // 2 :]:
                self._spill_counts(far, held.pop(far))
        place = self._spilled.pop(day, None)
        counts: dict[int, int] = {}
        if place is not None:
            assert self._spill is not None
            self._spill.seek(place[0])
            values = array("q")
            values.frombytes(self._spill.read(place[1]))
            counts = dict(zip(values[::2], values[1::2], strict=True))
            self._returns += 1
            if self._returns >= self.DATES_KEPT:
                self.bounded = False  # unordered: spilling would cost more than it saves
        held[day] = counts
        return counts

    def _spill_counts(self, day: dt.date, counts: dict[int, int]) -> None:
        if self._spill is None:
            self._spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        blob = array("q", chain.from_iterable(counts.items())).tobytes()
        self._spill.seek(0, io.SEEK_END)
        self._spilled[day] = (self._spill.tell(), len(blob))
        self._spill.write(blob)

    def close(self) -> None:
        """Release the spill file of occurrence counts (the builder builds no more rows)."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def build(self, p: ParsedTransaction) -> TransactionRow:
        """The ledger row for ``p``; raises ParseError for an amount or date out of range."""
        cached = self._amounts.get(p.amount)
        amount, amount_text = cached if cached is not None else self._amount(p.amount, p.line)
        texts = self._texts.get((p.payee, p.description))
        if texts is None:
            texts = self._texts_of(p.payee, p.description)
        payee_raw, payee_norm, description = texts
        ext = (p.external_id or "").strip()[:255] or None
        if ext is not None:
            fingerprint = external_fingerprint(self.account_id, ext)
        else:
            # Same key and text as content_fingerprint(), with the ISO date looked up.
            counts = self._occurrences.get(p.date)
            if counts is None:
                counts = self._counts_of(p.date)
            key = hash((amount, payee_norm))
            occ = counts.get(key, 0)
            counts[key] = occ + 1
            iso = self._dates.get(p.date)
            if iso is None:
                iso = self._dates[p.date] = p.date.isoformat()
            fingerprint = _sha256(
                f"{self._prefix}{iso}|{amount_text}|{payee_norm}|{occ}".encode()
            ).hexdigest()
        currency = p.currency if p.currency and len(p.currency) == 3 else self.currency
        ckey = (payee_raw, description, amount if self._by_amount else amount > 0)
        category = self._categories.get(ckey)
        if p.kind == "transfer" and "transfers" in self.categorizer.category_ids:
            # A wallet's currency conversion or bank transfer moves the user's own money.
            category = (self.categorizer.category_ids["transfers"], KEYWORD_SOURCE)
        elif category is None:
            category = self._category(ckey, amount, payee_raw, description)
        if not MIN_DATE <= p.date <= MAX_DATE:
            raise ParseError(
                f"date must be between {MIN_DATE} and {MAX_DATE}",
                file=self.filename,
                line=p.line,
                field="date",
                value=p.date,
            )
        self.count += 1
        return (
            self.user_id,
            self.account_id,
            p.date,
            amount,
            currency.upper(),
            payee_raw,
            payee_norm[:255] or None,
            p.description,
            description,
            category[0],
            category[1],
            ext,
            fingerprint,
            self.batch_id,
            self.created_at,
        )
