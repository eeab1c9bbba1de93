"""The row builder: its per-distinct-value caches give exactly the uncached results."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import get_args

from fincast.db.dialect import copy_text
from fincast.ingest._text import squash
from fincast.ingest.builder import RowBuilder
from fincast.ingest.categorize import KEYWORD_SOURCE, RULE_SOURCE, Categorizer, Rule
from fincast.ingest.fingerprint import content_fingerprint, external_fingerprint, normalize_payee
from fincast.ingest.rows import TRANSACTION_COLUMNS, ParsedTransaction, TransactionRow
from fincast.ledger.models import CategorySource, Transaction

_CATS = {"shopping": 1, "dining": 2, "income": 3, "groceries": 4}
_NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)


def _builder(rules: list[Rule]) -> RowBuilder:
    return RowBuilder(
        user_id=1,
        account_id=7,
        batch_id=3,
        currency="EUR",
        categorizer=Categorizer(rules, dict(_CATS)),
        filename="f.csv",
        created_at=_NOW,
    )


def _rows() -> list[ParsedTransaction]:
    day = dt.date(2024, 5, 1)
    return [
        ParsedTransaction(day, Decimal("-5.005"), "Lidl  #12", None),
        ParsedTransaction(day, Decimal("-5.01"), "LIDL #12", None),
        ParsedTransaction(day, Decimal("-5.005"), "Lidl  #12", None),
        ParsedTransaction(day, Decimal("-500"), "Lidl  #12", None),
        ParsedTransaction(day, Decimal("12.5"), "Lidl  #12", "refund"),
        ParsedTransaction(day, Decimal("-3"), None, "Card  Diner 4711"),
        ParsedTransaction(day, Decimal("2500"), "ACME", "salary", currency="usd"),
        ParsedTransaction(day, Decimal("-1"), "X", None, external_id=" ab1 "),
    ]


def test_fingerprints_and_categories_match_the_uncached_computation() -> None:
    ranged = Rule(
        id=1,
        category_id=2,
        account_id=None,
        contains="lidl",
        pattern=None,
        amount_min=Decimal("-100"),
        amount_max=None,
    )
    plain = Rule(
        id=2,
        category_id=1,
        account_id=7,
        contains=None,
        pattern=re.compile("diner", re.IGNORECASE),
        amount_min=None,
        amount_max=None,
    )
    for rules in ([], [ranged, plain]):
        builder = _builder(rules)
        reference = Categorizer(rules, dict(_CATS))
        seen: dict[tuple[object, ...], int] = {}
        for p in _rows():
            row = dict(zip(TRANSACTION_COLUMNS, builder.build(p), strict=True))
            amount = p.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            payee_raw = squash(p.payee or p.description, 255)
            norm = normalize_payee(payee_raw)
            desc = squash(p.description, 500)
            if p.external_id:
                fp = external_fingerprint(7, p.external_id.strip())
            else:
                key = (p.date, amount, norm)
                occ = seen.get(key, 0)
                seen[key] = occ + 1
                fp = content_fingerprint(7, p.date, amount, norm, occ)
            assert row["amount"] == amount
            assert row["payee_raw"] == payee_raw
            assert row["payee"] == (norm or None)
            assert row["description"] == desc
            assert row["fingerprint"] == fp
            assert (row["category_id"], row["category_source"]) == reference.categorize(
                7, amount, payee_raw, desc
            )
            assert (row["import_batch_id"], row["created_at"]) == (3, _NOW)
        # The amount range decides between the first Lidl rows and the -500 one.
        if rules:
            cats = [builder.build(p)[TRANSACTION_COLUMNS.index("category_id")] for p in _rows()[:4]]
            assert cats[:3] == [2, 2, 2]
            assert cats[3] != 2


def test_copy_text_escapes_the_copy_format() -> None:
    assert copy_text(None) == "\\N"
    assert copy_text("a\tb\\c\nd\re") == "a\\tb\\\\c\\nd\\re"
    assert copy_text(dt.date(2024, 1, 2)) == "2024-01-02"
    assert copy_text(Decimal("-5.00")) == "-5.00"
    assert copy_text(12) == "12"


def test_rows_are_transactions_columns_and_sources_are_the_ledgers() -> None:
    assert len(TRANSACTION_COLUMNS) == len(get_args(TransactionRow))
    assert set(TRANSACTION_COLUMNS) <= set(Transaction.__table__.c.keys())
    assert (RULE_SOURCE, KEYWORD_SOURCE) == (CategorySource.RULE, CategorySource.IMPORT)


def _many_days(order: str) -> list[ParsedTransaction]:
    """40 dates, three payees a day, a twin of every first row (same date, amount, payee)."""
    rows = []
    for d in range(40):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=d)
        for k in range(3):
            rows.append(ParsedTransaction(day, Decimal(f"-{k + 1}.50"), f"Shop {k}", None))
        rows.append(ParsedTransaction(day, Decimal("-1.50"), "Shop 0", None))
    if order == "descending":
        rows.reverse()
    elif order == "interleaved":  # every date comes back after 20 others
        rows = rows[::2] + rows[1::2]
    return rows


def _fingerprints(rows: list[ParsedTransaction], *, bounded: bool, kept: int) -> list[str]:
    builder = _builder([])
    builder.bounded = bounded
    builder.DATES_KEPT = kept
    try:
        return [builder.build(p)[12] for p in rows]
    finally:
        builder.close()


def test_bounded_occurrence_counts_give_the_same_fingerprints() -> None:
    for order in ("ascending", "descending", "interleaved"):
        rows = _many_days(order)
        expected = []
        seen: dict[tuple[dt.date, Decimal, str], int] = {}
        for p in rows:
            key = (p.date, p.amount.quantize(Decimal("0.01")), normalize_payee(p.payee or ""))
            expected.append(content_fingerprint(7, key[0], key[1], key[2], seen.get(key, 0)))
            seen[key] = seen.get(key, 0) + 1
        assert _fingerprints(rows, bounded=False, kept=8) == expected, order
        assert _fingerprints(rows, bounded=True, kept=8) == expected, order
        assert len(set(expected)) == len(rows)  # the twins got occurrence 1


def test_bounded_counts_stay_within_the_dates_kept_for_a_file_in_date_order() -> None:
    builder = _builder([])
    builder.bounded = True
    builder.DATES_KEPT = 8
    try:
        held = []
        for p in _many_days("ascending"):
            builder.build(p)
            held.append(len(builder._occurrences))
        assert max(held) == 8 and builder.bounded
        assert len(builder._spilled) == 40 - len(builder._occurrences)
    finally:
        builder.close()


def test_a_file_whose_dates_keep_coming_back_stops_spilling() -> None:
    builder = _builder([])
    builder.bounded = True
    builder.DATES_KEPT = 8
    try:
        for p in _many_days("interleaved"):
            builder.build(p)
        # 40 dates, each back once after 20 others: more returns than dates kept.
        assert not builder.bounded
        assert builder._returns >= 8
    finally:
        builder.close()
