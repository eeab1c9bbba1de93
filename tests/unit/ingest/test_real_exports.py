"""Every real bank export in ../shared/data/bank-exports parses to the values read by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from fincast.errors import EmptyImportError
from fincast.ingest.detect import detect_format
from fincast.ingest.formats import parse_stream
from fincast.ingest.rows import ParseReport

D = dt.date

# file -> (format, count, [(index, date, amount, payee-substring or None)], skipped)
EXPECTED: dict[str, tuple[str, int, list[tuple[int, dt.date, str, str | None]], int]] = {
    "csv/capitalone_us_creditcard.csv": (
        "csv",
        2,
        [(0, D(2016, 1, 2), "-1000.00", "Airplanes"), (1, D(2016, 1, 2), "1000.00", "AUTOPAY")],
        0,
    ),
    "csv/chase_style_checking.csv": (
        "csv",
        6,
        [
            (0, D(2016, 3, 18), "-2680.89", "Payment to Chafe"),
            (1, D(2016, 3, 15), "2590.73", "EMPLOYER"),
            (5, D(2016, 3, 4), "-1300.00", "BOOGLE"),
        ],
        0,
    ),
    "csv/csb43_es.csv": (
        "csv",
        2,
        [
            (0, D(2019, 11, 2), "1500.00", "MY_INCOME"),
            (1, D(2019, 11, 10), "-500.00", "MY_EXPENSE"),
        ],
        0,
    ),
    "csv/gls_bank_de.csv": ("csv", 1, [(0, D(2017, 10, 10), "-98.76", "Drillisch")], 0),
    "csv/ing_es.csv": (
        "csv",
        10,
        [
            (0, D(2022, 3, 24), "2.83", "Abono"),
            (3, D(2022, 12, 23), "1394.11", "Nomina"),
            (6, D(2022, 7, 29), "-1000.00", "Reintegro"),
            (9, D(2022, 11, 13), "500.00", "Traspaso recibido Cuenta Nómina"),
        ],
        0,
    ),
    "csv/mint_export.csv": (
        "csv",
        7,
        [
            (0, D(2017, 3, 27), "-7.99", "Amazon"),
            (4, D(2016, 8, 10), "-2.45", "Starbucks"),
            (5, D(2013, 11, 27), "66.88", "Transfer from My Checking"),
            (6, D(2013, 12, 2), "-66.88", "National Federal"),
        ],
        0,
    ),
    "csv/n26_fr.csv": (
        "csv",
        2,
        [(0, D(2020, 3, 7), "328.00", "Compte courant"), (1, D(2020, 3, 7), "-328.00", None)],
        0,
    ),
    "csv/outbank_de.csv": (
        "csv",
        4,
        [
            (0, D(2019, 2, 20), "100.00", "Jane Doe"),
            (1, D(2019, 2, 8), "-63.89", "Shell"),
            (3, D(2019, 1, 5), "-25.00", "PayPal"),
        ],
        0,
    ),
    "csv/pc_financial_ca_mastercard.csv": (
        "csv",
        2,
        [(0, D(2019, 1, 10), "-36.33", "Mobil"), (1, D(2018, 12, 15), "-13.98", "ITUNES")],
        0,
    ),
    "csv/schwab_us_checking.csv": (
        "csv",
        4,
        [
            (0, D(2022, 8, 17), "20.00", "Deposit"),
            (1, D(2022, 8, 14), "-103.00", "BMO"),
            (3, D(2022, 8, 4), "-57.27", "PAYPAL"),
        ],
        0,
    ),
    "ofx/amex_creditcard.ofx": (
        "ofx",
        3,
        [(0, D(2013, 11, 24), "-143.94", "PRUNE"), (2, D(2013, 11, 26), "-18.76", "UNION MARKET")],
        0,
    ),
    "ofx/anz_au_creditcard.ofx": ("ofx", 1, [(0, D(2017, 5, 8), "-5.50", None)], 0),
    "ofx/us_checking_sgml102.ofx": (
        "ofx",
        3,
        [(0, D(2011, 3, 31), "0.01", "DIVIDEND"), (2, D(2011, 4, 7), "-25.00", "RETURNED")],
        0,
    ),
    "ofx/us_bank_medium_oneline.ofx": (
        "ofx",
        3,
        [(0, D(2009, 4, 1), "-6.60", "MCDONALD"), (1, D(2009, 4, 2), "-316.67", "Joe's")],
        0,
    ),
    "ofx/fidelity_savings.ofx": (
        "ofx",
        4,
        [(0, D(2012, 7, 20), "-1500.0000", "Check Paid"), (1, D(2012, 7, 27), "115.8331", None)],
        0,
    ),
    "ofx/ofx102_empty_tags.ofx": ("ofx", 1, [(0, D(2018, 5, 7), "12.34", None)], 0),
    "ofx/suncorp_au_checking.ofx": ("ofx", 1, [(0, D(2013, 12, 15), "-16.85", "ALDI")], 0),
    "ofx/nubank_br_creditcard.ofx": (
        "ofx",
        6,
        [(0, D(2024, 3, 23), "-13.00", None), (5, D(2024, 3, 22), "-959.00", None)],
        0,
    ),
    "qif/quiffen_test.qif": (
        "qif",
        5,
        [
            (0, D(2020, 2, 14), "67.50", "T-Mobile"),
            (2, D(2020, 2, 12), "-10.00", "Target"),
            (4, D(2020, 2, 10), "-100.00", "Amazon.com"),
        ],
        2,
    ),
    "camt/genkgo_camt053_v02_multi.xml": (
        "camt",
        2,
        [(0, D(2014, 12, 31), "8.85", "Company Name 1"), (1, D(2014, 12, 31), "-7.00", "Company")],
        0,
    ),
    "camt/genkgo_camt053_v04.xml": ("camt", 1, [(0, D(2014, 12, 31), "8.85", "NAME NAME")], 0),
    "camt/genkgo_camt053_v08.xml": ("camt", 1, [(0, D(2014, 12, 31), "8.85", "NAME NAME")], 0),
    "mt940/abnamro_nl.sta": (
        "mt940",
        10,
        [(0, D(2011, 5, 24), "-9", None), (1, D(2011, 5, 23), "-11.59", None)],
        0,
    ),
    "mt940/asn_bank_nl.940.txt": (
        "mt940",
        8,
        [
            (0, D(2020, 1, 1), "-65.00", "paulissen"),
            (1, D(2020, 1, 5), "1000.00", "paulissen"),
            (7, D(2020, 1, 31), "-903.76", "international card services"),
        ],
        0,
    ),
    "mt940/ing_nl.sta": (
        "mt940",
        7,
        [(0, D(2010, 7, 22), "-25.03", None), (6, D(2010, 7, 23), "1.00", None)],
        0,
    ),
    "mt940/knab_nl.sta": (
        "mt940",
        3,
        [(0, D(2014, 5, 7), "500", None), (1, D(2014, 7, 29), "-7260", None)],
        0,
    ),
    "mt940/mbank_pl.sta": ("mt940", 3, [(0, D(2017, 1, 19), "0.01", None)], 0),
    "mt940/rabobank_nl.sta": (
        "mt940",
        5,
        [
            (0, D(2011, 5, 27), "-1213.28", "W.P. Jansen"),
            (4, D(2012, 8, 29), "-6.20", "NS-Utrecht"),
        ],
        0,
    ),
    "mt940/sberbank_ru.sta": (
        "mt940",
        3,
        [(0, D(2017, 10, 11), "-2402.00", "ERGO"), (2, D(2017, 10, 11), "-3575.00", "ERGO")],
        0,
    ),
}

REFUSED = {
    "ofx/td_ameritrade_investment.ofx": "investment statement",
    "ofx/multiple_accounts.ofx": "balances only",
}

pytestmark = pytest.mark.realdata


def _parse(path: Path, report: ParseReport) -> tuple[str, list]:
    head = path.read_bytes()[:8192]
    fmt = detect_format(head, path.name)
    with path.open("rb") as fh:
        rows = list(
            parse_stream(fmt, fh, filename=path.name, default_currency="USD", report=report)
        )
    return fmt, rows


def test_every_file_is_covered(shared_data: Path) -> None:
    folder = shared_data / "bank-exports"
    files = {
        str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.suffix != ".csv"
    } | {str(p.relative_to(folder)) for p in (folder / "csv").glob("*.csv")}
    assert files == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_export_parses(shared_data: Path, name: str) -> None:
    fmt, count, checks, skipped = EXPECTED[name]
    report = ParseReport()
    got_fmt, rows = _parse(shared_data / "bank-exports" / name, report)
    assert got_fmt == fmt
    assert len(rows) == count
    assert report.skipped == skipped
    for index, date, amount, payee in checks:
        row = rows[index]
        assert row.date == date
        assert row.amount == Decimal(amount)
        if payee is not None:
            assert payee in (row.payee or "")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_non_bank_files_are_refused(shared_data: Path, name: str) -> None:
    with pytest.raises(EmptyImportError, match=REFUSED[name]):
        _parse(shared_data / "bank-exports" / name, ParseReport())


def test_bank_ids_are_used_where_present(shared_data: Path) -> None:
    folder = shared_data / "bank-exports"
    _, ofx = _parse(folder / "ofx/amex_creditcard.ofx", ParseReport())
    assert [r.external_id for r in ofx] == [
        "320133280255184014",
        "320133290268683266",
        "320133300285014247",
    ]
    _, empty_fitid = _parse(folder / "ofx/ofx102_empty_tags.ofx", ParseReport())
    assert empty_fitid[0].external_id is None
    _, camt = _parse(folder / "camt/genkgo_camt053_v04.xml", ParseReport())
    assert camt[0].external_id == "acctsvcr:AAAASESS-FP-CN_98765/01"
    _, knab = _parse(folder / "mt940/knab_nl.sta", ParseReport())
    assert [r.external_id for r in knab] == [
        "B4E07XM00J000023",
        "B4G29PGCVO7Q06US",
        "B4G29PGDCK1QFV3E",
    ]
    _, latin = _parse(folder / "csv/gls_bank_de.csv", ParseReport())
    assert latin[0].currency == "EUR"
    assert "987 SIMply Rechnung" in (latin[0].description or "")
