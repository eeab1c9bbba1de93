"""Broken, truncated and hostile files only ever raise fincast errors."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fincast.errors import FincastError, ParseError
from fincast.ingest.formats import parse_stream
from fincast.ingest.rows import ParsedTransaction

OFX = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD
<BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240105<TRNAMT>-12.50<FITID>A1<NAME>SHOP</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240106<TRNAMT>100.00<FITID>A2<NAME>PAY</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""
QIF = b"""!Type:Bank
D01/05/2024
T-12.50
PSHOP
^
D01/16/2024
T100.00
PPAY
^
"""
CAMT = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Acct><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-05</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>
<Ntry><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
<BookgDt><Dt>2024-01-06</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""
MT940 = b""":20:STMT
:25:DE89370400440532013000
:28C:1/1
:60F:C240101EUR100,00
:61:2401050105D12,50NTRFNONREF//B1
:86:166?00SEPA-UEBERWEISUNG?20SVWZ+Rechnung 42?32Stadtwerke?33 Musterstadt
:61:2401060106C100,00NTRFNONREF
:86:GEHALT
:62F:C240106EUR187,50
-
"""
CSV = b"Date,Payee,Amount\n2024-01-05,SHOP,-12.50\n2024-01-06,PAY,100.00\n"
SAMPLES = {"ofx": OFX, "qif": QIF, "camt": CAMT, "mt940": MT940, "csv": CSV}


def _parse(fmt: str, data: bytes) -> list[ParsedTransaction]:
    return list(parse_stream(fmt, io.BytesIO(data), filename=f"f.{fmt}", default_currency="USD"))


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_samples_parse(fmt: str) -> None:
    rows = _parse(fmt, SAMPLES[fmt])
    assert rows[0].amount == -12.5


def test_german_mt940_subfields() -> None:
    first, second = _parse("mt940", MT940)
    assert first.payee == "Stadtwerke Musterstadt"
    assert first.description == "SEPA-UEBERWEISUNG Rechnung 42"
    assert first.external_id == "B1"
    assert second.description == "GEHALT"


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[fmt])
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if op == "cut":
            data = data[:pos]
        elif op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[pos : pos + draw(st.integers(1, 20))]
    return fmt, bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_fuzzed_files_raise_only_fincast_errors(case: tuple[str, bytes]) -> None:
    fmt, data = case
    try:
        rows = _parse(fmt, data)
    except FincastError:
        return
    assert all(isinstance(r, ParsedTransaction) for r in rows)


@pytest.mark.parametrize("fmt", ["camt", "ofx"])
def test_entity_expansion_and_external_entities_are_refused(fmt: str) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<Document><BkToCstmrStmt><Stmt><Ntry><Amt>&lol2;</Amt></Ntry></Stmt>"
        b"</BkToCstmrStmt></Document>"
    )
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<OFX><Document>&x;</Document></OFX>"
    )
    for data in (bomb, xxe):
        with pytest.raises(ParseError):
            _parse(fmt, data)
