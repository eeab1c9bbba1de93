"""CSV exports without a preset: layouts recognised from headers (seven languages) and content.

The files under ``data/`` were written by hand after real exports of each bank or wallet; the
expected rows below were read off those files by hand (dates, signs, amounts, payees).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from fincast.errors import ParseError
from fincast.ingest.formats import parse_stream
from fincast.ingest.infer import infer_layout, normalize_header, stated_currency
from fincast.ingest.rows import ParsedTransaction, ParseReport

DATA = Path(__file__).parent / "data"
D = dt.date

# file -> (rows as (date, amount, payee substring or None, currency, kind), skipped)
EXPECTED: dict[str, tuple[list[tuple[dt.date, str, str | None, str, str | None]], int]] = {
    "paypal_activity_us.csv": (
        [
            (D(2024, 1, 15), "150.00", "Jane Smith", "USD", None),
            (D(2024, 1, 15), "-4.65", "Jane Smith fee", "USD", "fee"),
            (D(2024, 1, 18), "-40.00", "Acme Books", "EUR", None),
            (D(2024, 1, 18), "40.00", None, "EUR", "transfer"),
            (D(2024, 1, 18), "-44.12", None, "USD", "transfer"),
            (D(2024, 1, 25), "-100.00", None, "USD", "transfer"),
        ],
        2,  # Pending, Denied
    ),
    "venmo_statement.csv": (
        [
            (D(2024, 2, 3), "-22.00", "Sam Park", "USD", None),
            (D(2024, 2, 5), "450.00", "Maria Gomez", "USD", None),
            (D(2024, 2, 14), "-220.00", None, "USD", "transfer"),
            (D(2024, 2, 20), "-100.00", None, "USD", "transfer"),
        ],
        3,  # the beginning and ending balance rows, the pending charge
    ),
    "swiss_fr_releve.csv": (
        [
            (D(2024, 3, 4), "-79.35", "Coop Lausanne", "CHF", None),
            (D(2024, 3, 12), "-1850.00", "Loyer mars", "CHF", None),
            (D(2024, 3, 25), "6250.00", "Salaire mars", "CHF", None),
            (D(2024, 3, 28), "-23.40", "TWINT Migros", "CHF", None),
            (D(2024, 3, 31), "-5.00", "Frais de tenue", "CHF", None),
        ],
        0,
    ),
    "santander_es.csv": (
        [
            (D(2024, 4, 2), "-45.67", "MERCADONA", "EUR", None),
            (D(2024, 4, 5), "-750.00", "alquiler", "EUR", None),
            (D(2024, 4, 15), "1820.50", "Nómina ACME", "EUR", None),
            (D(2024, 4, 20), "-12.99", "NETFLIX", "EUR", None),
            (D(2024, 4, 28), "-200.00", "Traspaso", "EUR", None),
        ],
        0,
    ),
    "intesa_it.csv": (
        [
            (D(2024, 5, 3), "-58.20", "ESSELUNGA", "EUR", None),
            (D(2024, 5, 10), "2150.00", "STIPENDIO", "EUR", None),
            (D(2024, 5, 16), "-84.30", "ENEL", "EUR", None),
            (D(2024, 5, 27), "-100.00", "BANCOMAT", "EUR", None),
        ],
        0,
    ),
    "millennium_pt.csv": (
        [
            # The file states no currency: its rows are in the account's (USD here).
            (D(2024, 6, 1), "-32.45", "CONTINENTE", "USD", None),
            (D(2024, 6, 14), "1200.00", "SALARIO", "USD", None),
            (D(2024, 6, 21), "-67.89", "EDP", "USD", None),
            (D(2024, 6, 30), "-60.00", "LEVANTAMENTO", "USD", None),
        ],
        0,
    ),
    "ing_nl.csv": (
        [
            (D(2024, 7, 3), "-23.45", "Albert Heijn", "EUR", None),
            (D(2024, 7, 15), "2450.00", "Werkgever", "EUR", None),
            (D(2024, 7, 20), "-112.30", "Vattenfall", "EUR", None),
            (D(2024, 7, 31), "-300.00", "Oranje Spaarrekening", "EUR", None),
        ],
        0,
    ),
}


def _parse(raw: bytes, name: str = "t.csv", currency: str = "USD") -> tuple[list, ParseReport]:
    report = ParseReport()
    rows = list(
        parse_stream(
            "csv", io.BytesIO(raw), filename=name, default_currency=currency, report=report
        )
    )
    return rows, report


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_layout_without_preset_is_read_exactly(name: str) -> None:
    expected, skipped = EXPECTED[name]
    rows, report = _parse((DATA / name).read_bytes(), name)
    assert report.skipped == skipped, report.notes
    assert len(rows) == len(expected)
    for row, (date, amount, payee, currency, kind) in zip(rows, expected, strict=True):
        assert row.date == date
        assert row.amount == Decimal(amount)
        assert row.currency == currency
        assert row.kind == kind
        if payee is None:
            assert not row.payee
        else:
            assert payee in (row.payee or "")
    assert report.layout is not None and report.layout["source"] == "inferred"


def test_every_data_file_has_expectations() -> None:
    assert {p.name for p in DATA.glob("*.csv")} == set(EXPECTED)


def test_wallet_statuses_and_fees_are_explained() -> None:
    rows, report = _parse((DATA / "paypal_activity_us.csv").read_bytes(), "pp.csv")
    assert report.notes == [
        "line 6: status 'Pending' is not completed; not imported",
        "line 8: status 'Denied' is not completed; not imported",
    ]
    layout = report.layout
    assert layout is not None
    assert layout["mapping"]["amount"] == "Gross" and layout["mapping"]["fee"] == "Fee"
    assert any("separate transactions" in n for n in layout["notes"])
    fee = rows[1]
    assert fee.external_id == "1AB23456CD789012E:fee" and fee.line == 2
    venmo, vreport = _parse((DATA / "venmo_statement.csv").read_bytes(), "v.csv")
    assert any("netted" in n for n in vreport.layout["notes"])  # type: ignore[index]
    assert [r.external_id for r in venmo][:2] == ["3912345678901234567", "3912345678901234568"]


def test_swiss_layout_is_found_by_names_and_checked_by_its_balance() -> None:
    _, report = _parse((DATA / "swiss_fr_releve.csv").read_bytes(), "ch.csv")
    layout = report.layout
    assert layout is not None
    assert layout["header_line"] == 6
    assert layout["currency"] == "CHF"
    assert layout["mapping"]["debit"] == "Débit" and layout["mapping"]["credit"] == "Crédit"
    assert layout["confidence"]["date"] == 0.95  # a value date, no booking date
    assert any("value dates" in n for n in layout["notes"])
    assert "the running balance 'Solde' checks the amounts of the sample" in layout["notes"]


def test_unnamed_columns_are_recognised_by_content() -> None:
    raw = (
        b"Wann;Wer;Wieviel;Stand\n"
        b"14.01.2024;Edeka;-12,50;987,50\n"
        b"15.01.2024;Lohn;2.000,00;2.987,50\n"
        b"20.01.2024;Miete;-900,00;2.087,50\n"
    )
    rows, report = _parse(raw)
    assert [(r.date, r.amount) for r in rows] == [
        (D(2024, 1, 14), Decimal("-12.50")),
        (D(2024, 1, 15), Decimal("2000.00")),
        (D(2024, 1, 20), Decimal("-900.00")),
    ]
    layout = report.layout
    assert layout is not None
    assert layout["mapping"]["amount"] == "Wieviel" and layout["mapping"]["balance"] == "Stand"
    assert layout["confidence"]["date"] == 0.8


def test_debit_credit_pair_by_content_needs_the_balance() -> None:
    with_balance = (
        b"When,Who,Out,In,Left\n"
        b"2024-03-01,Shop,10.00,,90.00\n"
        b"2024-03-02,Pay,,50.00,140.00\n"
        b"2024-03-03,Cafe,4.50,,135.50\n"
    )
    rows, report = _parse(with_balance)
    assert [r.amount for r in rows] == [Decimal("-10.00"), Decimal("50.00"), Decimal("-4.50")]
    assert report.layout["mapping"]["debit"] == "Out"  # type: ignore[index]
    assert report.layout["mapping"]["balance"] == "Left"  # type: ignore[index]
    without = b"When,Who,Out,In\n2024-03-01,Shop,10.00,\n2024-03-02,Pay,,50.00\n"
    with pytest.raises(ParseError) as info:
        _parse(without, "pair.csv")
    assert "'Out' and 'In' look like a debit/credit pair" in str(info.value)
    assert info.value.file == "pair.csv" and info.value.line == 1


def test_ambiguity_is_named_exactly() -> None:
    two_dates = b"Eins,Zwei,Betrag\n2024-01-02,2024-01-03,-5.00\n2024-01-04,2024-01-05,7.00\n"
    with pytest.raises(ParseError, match=r"columns 'Eins', 'Zwei' all hold dates"):
        _parse(two_dates)
    unsigned = b"Wann,Wer,Wieviel\n2024-01-02,A,5.00\n2024-01-04,B,7.00\n"
    with pytest.raises(ParseError, match=r"'Wieviel' holds amounts without signs"):
        _parse(unsigned)
    many = b"Wann,X,Y\n2024-01-02,-5.00,3.00\n2024-01-04,7.00,-1.00\n"
    with pytest.raises(ParseError, match=r"columns 'X', 'Y' all hold amounts"):
        _parse(many)


def test_day_month_ambiguity_stays_an_error() -> None:
    raw = b"Date,Name,Gross,Fee,Net\n01/02/2024,A,5.00,0.00,5.00\n03/04/2024,B,7.00,0.00,7.00\n"
    with pytest.raises(ParseError, match="ambiguous") as info:
        _parse(raw)
    assert info.value.field == "Date" and info.value.line == 2


def test_bad_cell_of_a_recognised_layout_names_line_and_field() -> None:
    raw = b"Fecha;Concepto;Importe\n14/02/2024;A;-1,00\n15/02/2024;B;doce\n"
    with pytest.raises(ParseError) as info:
        _parse(raw, "es.csv")
    err = info.value
    assert (err.file, err.line, err.field, err.value) == ("es.csv", 3, "Importe", "doce")


def test_header_words_and_stated_currencies() -> None:
    assert normalize_header(" Débit (CHF) ") == "debit chf"
    assert stated_currency([["Monnaie:", "CHF", ""]], ["Date"]) == "CHF"
    assert stated_currency([], ["Datum", "Bedrag (EUR)"]) == "EUR"
    assert stated_currency([["Konto", "123"]], ["Date", "Amount"]) is None
    assert infer_layout(["Account Activity", ""], [["x", ""]]) is None


def test_mint_rows_name_their_account(shared_data: Path) -> None:
    path = shared_data / "bank-exports" / "csv" / "mint_export.csv"
    rows, _ = _parse(path.read_bytes(), "mint.csv")
    accounts = {r.account for r in rows}
    assert len(accounts) > 1 and "Amazon Store Card" in accounts
    assert all(isinstance(r, ParsedTransaction) for r in rows)
