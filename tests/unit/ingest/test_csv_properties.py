"""CSV exports in many dialects round-trip through the parser (property-based)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fincast.errors import ParseError
from fincast.ingest.formats import parse_stream
from fincast.ingest.mapping import load_mapping

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàüöäßñç&'\"-,;"
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", "%d-%m-%Y", "%m/%d/%y"]


def _amount_text(value: Decimal, decimal: str, thousands: str) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{thousands.join(groups)}{decimal}{frac}"


payees = st.text(alphabet=LETTERS, min_size=1, max_size=20).map(lambda s: " ".join(s.split()))
rows = st.lists(
    st.tuples(
        st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31)),
        st.decimals(min_value=-999_999, max_value=999_999, places=2, allow_nan=False),
        payees.filter(bool),
    ),
    min_size=1,
    max_size=15,
)


@st.composite
def dialects(draw: st.DrawFn) -> dict[str, object]:
    decimal = draw(st.sampled_from([".", ","]))
    thousands = draw(st.sampled_from(["", " ", "'", "," if decimal == "." else "."]))
    return {
        "delimiter": draw(st.sampled_from([",", ";", "\t", "|"])),
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        "encoding": draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])),
        "decimal": decimal,
        "thousands": thousands,
        "date_format": draw(st.sampled_from(DATE_FORMATS)),
        "split": draw(st.booleans()),
        "crlf": draw(st.booleans()),
    }


def _build(data: list[tuple[dt.date, Decimal, str]], d: dict[str, object]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=str(d["delimiter"]),
        quoting=int(d["quoting"]),  # type: ignore[call-overload]
        lineterminator="\r\n" if d["crlf"] else "\n",
    )
    fmt = str(d["date_format"])
    if d["split"]:
        writer.writerow(["Date", "Payee", "Debit", "Credit", "Balance"])
    else:
        writer.writerow(["Date", "Payee", "Amount"])
    for date, amount, payee in data:
        text = _amount_text(amount, str(d["decimal"]), str(d["thousands"]))
        if d["split"]:
            debit = text.lstrip("-") if amount < 0 else ""
            credit = text if amount >= 0 else ""
            writer.writerow([date.strftime(fmt), payee, debit, credit, "x"])
        else:
            writer.writerow([date.strftime(fmt), payee, text])
    return out.getvalue().encode(str(d["encoding"]))


# A row that makes the day/month order and the decimal separator decidable.
SENTINEL = (dt.date(2021, 12, 25), Decimal("1234.56"), "Sentinel Store")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=rows, d=dialects())
def test_csv_dialects_round_trip(data: list[tuple[dt.date, Decimal, str]], d: dict) -> None:
    data = [*data, SENTINEL]
    if d["date_format"] == "%m/%d/%y":
        data = [(x.replace(year=2000 + x.year % 60), a, p) for x, a, p in data]
    raw = _build(data, d)
    parsed = list(parse_stream("csv", io.BytesIO(raw), filename="gen.csv"))
    assert [(p.date, p.amount, p.payee) for p in parsed] == [
        (date, amount, payee) for date, amount, payee in data
    ]


def test_ambiguous_date_column_asks_for_a_mapping() -> None:
    raw = b"Date,Payee,Amount\n03/04/2020,A,1.00\n05/06/2020,B,2.00\n"
    with pytest.raises(ParseError, match="ambiguous") as info:
        list(parse_stream("csv", io.BytesIO(raw), filename="amb.csv"))
    assert info.value.file == "amb.csv"
    assert info.value.field == "Date"
    fixed = load_mapping({"date": "Date", "amount": "Amount", "date_format": "%d/%m/%Y"})
    rows_ = list(parse_stream("csv", io.BytesIO(raw), filename="amb.csv", mapping=fixed))
    assert rows_[0].date == dt.date(2020, 4, 3)


def test_same_day_and_month_everywhere_is_not_ambiguous() -> None:
    raw = b"Date,Payee,Amount\n03/03/2020,A,1.00\n"
    assert next(iter(parse_stream("csv", io.BytesIO(raw), filename="x.csv"))).date == dt.date(
        2020, 3, 3
    )


def test_bad_row_names_file_line_field_and_value() -> None:
    raw = b"Date,Payee,Amount\n2020-01-01,A,1.00\n2020-01-02,B,12abc\n"
    with pytest.raises(ParseError) as info:
        list(parse_stream("csv", io.BytesIO(raw), filename="bad.csv"))
    err = info.value
    assert (err.file, err.line, err.field, err.value) == ("bad.csv", 3, "Amount", "12abc")
    assert "bad.csv" in str(err) and "line 3" in str(err) and "12abc" in str(err)


def test_invalid_date_is_reported_with_its_line() -> None:
    raw = b"Date,Payee,Amount\n2020-01-01,A,1.00\n2020-02-31,B,2.00\n"
    with pytest.raises(ParseError) as info:
        list(parse_stream("csv", io.BytesIO(raw), filename="d.csv"))
    assert info.value.line == 3 and info.value.value == "2020-02-31"


def test_mixed_decimal_separators_are_an_error() -> None:
    raw = b'Date;Payee;Amount\n2020-01-01;A;"1,50"\n2020-01-02;B;2.25\n'
    with pytest.raises(ParseError, match="mix decimal"):
        list(parse_stream("csv", io.BytesIO(raw), filename="m.csv"))


def test_preamble_lines_before_header_are_skipped() -> None:
    raw = (
        "Kontoauszug;Girokonto\nZeitraum;01.01.2020 - 31.01.2020\n\n"
        "Buchungstag;Empfänger;Verwendungszweck;Betrag\n"
        "15.01.2020;REWE Markt;Einkauf;-1.234,56\n"
    ).encode("cp1252")
    rows_ = list(parse_stream("csv", io.BytesIO(raw), filename="dkb.csv"))
    assert len(rows_) == 1
    assert rows_[0].amount == Decimal("-1234.56")
    assert rows_[0].payee == "REWE Markt"


def test_credit_card_sign_conventions() -> None:
    raw = (
        b"Date,Description,Amount,Type\n"
        b"2020-01-03,SHOP,12.50,debit\n2020-01-04,PAYMENT,100.00,credit\n"
    )
    mapping = load_mapping(
        {"date": "Date", "amount": "Amount", "direction": "Type", "payee": "Description"}
    )
    rows_ = list(parse_stream("csv", io.BytesIO(raw), filename="cc.csv", mapping=mapping))
    assert [r.amount for r in rows_] == [Decimal("-12.50"), Decimal("100.00")]
    flipped = load_mapping({"date": "Date", "amount": "Amount", "negate": True})
    rows_ = list(
        parse_stream(
            "csv", io.BytesIO(b"Date,Amount\n2020-01-03,12.50\n"), filename="c.csv", mapping=flipped
        )
    )
    assert rows_[0].amount == Decimal("-12.50")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.56", "1234.56"),
        ("(12.00)", "-12.00"),
        ("12.00-", "-12.00"),
        ("-$5.00", "-5.00"),
        ("1'234.50", "1234.50"),
        ("EUR 7.10", "7.10"),
        ("12.00 CR", "12.00"),
        ("12.00 DR", "-12.00"),
    ],
)
def test_amount_spellings(text: str, expected: str) -> None:
    raw = f'Date,Amount\n2020-01-01,"{text}"\n2020-01-02,0.25\n'.encode()
    assert next(iter(parse_stream("csv", io.BytesIO(raw), filename="a.csv"))).amount == Decimal(
        expected
    )


def test_mapping_file_in_toml_and_json(tmp_path) -> None:
    toml = tmp_path / "bank.toml"
    toml.write_text('date = "Tag"\namount = "Summe"\ndecimal = ","\ndate_format = "%d.%m.%Y"\n')
    raw = b"Tag;Summe\n01.02.2020;-3,50\n"
    rows_ = list(parse_stream("csv", io.BytesIO(raw), filename="t.csv", mapping=load_mapping(toml)))
    assert (rows_[0].date, rows_[0].amount) == (dt.date(2020, 2, 1), Decimal("-3.50"))
    js = tmp_path / "bank.json"
    js.write_text('{"preset": "chase", "payee": "Description"}')
    assert load_mapping(js).date == "Posting Date"  # type: ignore[union-attr]
