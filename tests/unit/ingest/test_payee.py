"""Payee extraction: the merchant inside bank boilerplate, in the languages fincast imports.

The strings are as the readers return them from the bank files in ../shared/data/bank-exports
(ABN AMRO, Rabobank, ASN, Knab MT940; ING Espana, Outbank DE, Chase-style, US OFX CSVs),
written out here so the tests need no data folder.
"""

from __future__ import annotations

import pytest

from fincast.ingest.fingerprint import normalize_payee
from fincast.ingest.payee import extract_payee


@pytest.mark.parametrize(
    ("payee", "description", "expected"),
    [
        # the example, as the ledger's normalised payee shows it
        ("bea nr xxx1234 24 05 11 09 18 pets place katwijk", None, "pets place katwijk"),
        # ABN AMRO MT940: everything is in the description; card, date/time, branch, pass no.
        (
            None,
            "BEA NR:XXX1234 24.05.11/09.18 PETS PLACE KATWIJK KATWI,PAS999",
            "pets place katwijk katwi",
        ),
        (None, "BEA NR:XXX1234 21.05.11/12.54 DIRCKIII FIL2500 KATWIJK,PAS999", "dirckiii katwijk"),
        (None, "BEA NR:XXX1234 22.05.11/14.25 MC DONALDS A44 LEIDEN,PAS999", "mc donalds leiden"),
        (None, "BEA NR:XXX1234 21.05.11/12.09 PRINCE FIL. 55 KATWIJK Z,PAS999", "prince katwijk z"),
        # Rabobank: the payee field is clean; the terminal text is in the description
        (
            "TOMTE TUMMETOT AMERSFOORT",
            "Betaalautomaat 14:23 pasnr. 065",
            "tomte tummetot amersfoort",
        ),
        # Knab: structured NAAM: field after an IBAN
        (None, "FACTUUR 201403110, 201403113 REK: NL65INGB0123456789/NAAM: PICQER", "picqer"),
        # SEPA structured remittance (/NAME/)
        (
            None,
            "/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/J DOE/REMI/HUUR",
            "j doe",
        ),
        # ING Espana
        (
            "Pago en SPORTS BAR DANI JARQUE S BOI LLOBREGES",
            None,
            "sports bar dani jarque s boi llobreges",
        ),
        ("Devolución Tarjeta AMZN Mktp ES", None, "amzn mktp es"),
        ("Compra en MERCADONA VALENCIA, Tarjeta 4000********1234", None, "mercadona valencia"),
        # German card payment and SEPA direct debit
        ("KARTENZAHLUNG girocard 24.05 12:31 REWE SAGT DANKE", None, "rewe sagt danke"),
        ("SEPA-LASTSCHRIFT Vattenfall Europe DE89370400440532013000", None, "vattenfall europe"),
        # French
        ("PAIEMENT PAR CARTE 12/03 CARREFOUR CITY PARIS CB*1234", None, "carrefour city paris"),
        ("PRLV SEPA FREE MOBILE", None, "free mobile"),
        # English card and ACH text
        ("DEBIT CARD PURCHASE 05/12 STARBUCKS #1234 SEATTLE WA", None, "starbucks seattle wa"),
        ("EMPLOYER INC DIRECT DEP PPD ID: 1111111111", None, "employer inc direct dep"),
        ("POS MERCHANDISE;MCDONALD'S #112", None, "mcdonald s"),
        # Dutch IBAN and bank words around a name (ASN)
        (
            "hr gjlm paulissen",
            "NL47INGB9999999999 hr gjlm paulissen Betaling sieraden",
            "hr gjlm paulissen",
        ),
        # nothing but boilerplate in the payee: the description names the merchant
        ("POS 4000 XXXX 1234", "ALBERT HEIJN 1234 AMSTERDAM", "albert heijn amsterdam"),
        # accents fold, small numbers in names stay
        ("Café de l'Été", None, "cafe de l ete"),
        ("7-Eleven", None, "7 eleven"),
    ],
)
def test_extract_payee(payee: str | None, description: str | None, expected: str) -> None:
    assert extract_payee(payee, description) == expected


def test_nothing_to_name_gives_an_empty_payee() -> None:
    assert extract_payee(None, None) == ""
    assert extract_payee("", "") == ""
    assert extract_payee("POS 24.05.11 09:18", None) == ""


def test_the_extracted_name_is_inside_the_normalised_payee() -> None:
    """Rules match normalised payees by 'contains'; a rule made from an extracted name fires."""
    for raw in (
        "BEA NR:XXX1234 24.05.11/09.18 PETS PLACE KATWIJK KATWI,PAS999",
        "DEBIT CARD PURCHASE 05/12 STARBUCKS #1234 SEATTLE WA",
        "POS MERCHANDISE;MCDONALD'S #112",
    ):
        assert extract_payee(raw) in normalize_payee(raw)


def test_extraction_leaves_fingerprint_normalisation_alone() -> None:
    # Fingerprints (de-duplication across re-imports) use normalize_payee, which must not move.
    raw = "BEA NR:XXX1234 24.05.11/09.18 PETS PLACE KATWIJK KATWI,PAS999"
    assert normalize_payee(raw) == "bea nr xxx1234 24 05 11 09 18 pets place katwijk katwi pas999"


def test_an_xx_inside_a_word_is_not_a_card_mask() -> None:
    from fincast.ingest.payee import extract_payee

    assert extract_payee("Exxon Mobil Corporation") == "exxon mobil corporation"
    assert extract_payee("CARD PURCHASE ****1234 XXL SPORTS") == "xxl sports"
    assert extract_payee("POS XX1234 TESCO") == "tesco"
