"""Format detection by content, keyword categories and transfer pairing (pure functions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fincast.errors import InputError, ParseError
from fincast.ingest.categorize import keyword_slug
from fincast.ingest.detect import detect_format
from fincast.ingest.formats import canonical_format
from fincast.ingest.transfers import PairRow, find_transfer_pairs


@pytest.mark.parametrize(
    ("head", "name", "fmt"),
    [
        (b"OFXHEADER:100\nDATA:OFXSGML\n<OFX>", "statement.txt", "ofx"),
        (b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?><OFX>', "a.qfx", "qfx"),
        (b"<OFX><SIGNONMSGSRSV1>", "download", "ofx"),
        (
            b'<?xml version="1.0"?>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
            b"<BkToCstmrStmt>",
            "x.csv",
            "camt",
        ),
        (b"### comment\n!Type:Bank\nD1/2/2020\n", "x.txt", "qif"),
        (b"{1:F01ABNANL2A}{2:O940}{4:\n:20:X\n:25:1\n", "x", "mt940"),
        (b":20:STARTUMS\r\n:25:123\r\n", "x.sta", "mt940"),
        (b"\xef\xbb\xbfDate,Amount\n2020-01-01,1\n", "x.ofx.csv", "csv"),
        ("Date;Betrag\n".encode("utf-16"), "x", "csv"),
    ],
)
def test_detect_format_by_content(head: bytes, name: str, fmt: str) -> None:
    assert detect_format(head, name) == fmt


@pytest.mark.parametrize("head", [b"%PDF-1.4", b"PK\x03\x04zip", b"<html><body>"])
def test_detect_refuses_non_bank_files(head: bytes) -> None:
    with pytest.raises(ParseError):
        detect_format(head, "upload")


def test_canonical_format_names() -> None:
    assert canonical_format("CAMT.053") == "camt"
    assert canonical_format("sta") == "mt940"
    with pytest.raises(InputError):
        canonical_format("xlsx")


@pytest.mark.parametrize(
    ("text", "amount", "slug"),
    [
        ("PAYMENT THANK YOU", "500", "credit_card_payment"),
        ("CAPITAL ONE AUTOPAY PYMT", "1000", "credit_card_payment"),
        ("Payment to Chase card ending in 1234", "-20", "credit_card_payment"),
        ("ONLINE TRANSFER TO SAVINGS", "-100", "transfers"),
        ("EMPLOYER INC DIRECT DEP", "2500", "income"),
        ("EMPLOYER INC DIRECT DEP", "-25", None),
        ("WHOLE FOODS MARKET #123", "-50", "groceries"),
        ("STARBUCKS STORE 12345", "-3", "dining"),
        ("Random Person", "-3", None),
    ],
)
def test_keyword_map(text: str, amount: str, slug: str | None) -> None:
    assert keyword_slug(text, Decimal(amount)) == slug


def test_transfer_pairing_rules() -> None:
    d = dt.date(2024, 1, 10)
    rows = [
        PairRow(1, 10, d, Decimal("-100")),
        PairRow(2, 20, d + dt.timedelta(days=2), Decimal("100")),  # pairs with 1
        PairRow(3, 20, d + dt.timedelta(days=5), Decimal("100")),  # too late
        PairRow(4, 10, d, Decimal("-7")),
        PairRow(5, 10, d, Decimal("7")),  # same account: never a transfer
        PairRow(6, 30, d, Decimal("-100")),  # 2 is taken already
    ]
    assert find_transfer_pairs(rows, rows) == {1, 2}
