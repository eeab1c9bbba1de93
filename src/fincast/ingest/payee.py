"""The merchant inside bank text: card numbers, terminals, dates and bank words stripped.

Bank files bury the counterparty in boilerplate ("BEA NR:XXX1234 24.05.11/09.18 PETS PLACE
KATWIJK,PAS999"). :func:`extract_payee` keeps what names the merchant ("pets place
katwijk"), for the EN, DE, FR, ES and NL files fincast imports, so the categorizer learns
from the merchant rather than from the terminal or the day. It is separate from
:func:`~fincast.ingest.fingerprint.normalize_payee` on purpose: fingerprints (and so
de-duplication of re-imported files) must never change when these word lists grow.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Structured remittance fields that name the counterparty outright (SEPA /NAME/, "NAAM:").
_NAMED = re.compile(r"(?:/name/|\bnaam:\s*|\bname:\s*|\bnom:\s*)([^/]+)")
_IBAN = re.compile(r"\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){2,7}(?:\s?[a-z0-9]{1,4})?\b")
_DATE_TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:t[\d:.+-]+)?"  # ISO dates and timestamps
    r"|\b\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?(?:[/ ]\d{1,2}[.:]\d{2})?\b"  # 24.05.11/09.18
    r"|\b\d{1,2}[:.h]\d{2}(?::\d{2})?\b"  # 14:23, 09.18, 9h30
)
# A card or account mask ("xxx1234", "****1234"), not an "xx" inside a word ("exxon", "xxl").
_MASKED = re.compile(r"(?<![a-z0-9])[x*]{2,}\d*(?![a-z])|\*+")
# Runs of two or more short numbers are what a date or time becomes after normalising.
_NUMBER_RUN = re.compile(r"\b\d{1,2}(?: \d{1,2}){1,}\b")
_NON_WORD = re.compile(r"[^0-9a-z& ]+")
_SPACES = re.compile(r"\s+")

# Bank words (card, terminal, transfer and booking vocabulary) in EN, DE, FR, ES, NL; they
# say how money moved, not to whom. Multi-word phrases first, so they are removed whole.
_PHRASES: tuple[str, ...] = (
    # English
    "debit card purchase",
    "card purchase",
    "pos merchandise",
    "pos purchase",
    "point of sale",
    "purchase authorized on",
    "recurring payment",
    "contactless payment",
    "miscellaneous payments",
    "ach debit",
    "ach credit",
    "web id",
    "ppd id",
    "apple pay",
    "google pay",
    "eftpos wdl",
    # German
    "sepa lastschrift",
    "sepa ueberweisung",
    "sepa gutschrift",
    "ec kartenzahlung",
    # French
    "paiement par carte",
    "paiement carte",
    "carte bancaire",
    "prlv sepa",
    "vir sepa",
    "retrait dab",
    # Spanish
    "compra en",
    "pago en",
    "pago con tarjeta",
    "compra tarjeta",
    "abono por campana",
    "reintegro efectivo tarjeta",
    # Dutch
    "sepa incasso",
    "sepa overboeking",
    "ideal betaling",
    "betaling aan",
)
_WORDS: frozenset[str] = frozenset(
    {
        # English
        "pos",
        "sepa",
        "purchase",
        "debit",
        "visa",
        "mastercard",
        "maestro",
        "checkcard",
        "contactless",
        "tap",
        "terminal",
        "term",
        "ref",
        "auth",
        "trace",
        "seq",
        "txn",
        "id",
        "nr",
        "no",
        "ppd",
        "web",
        "ach",
        "eftpos",
        "pmt",
        "pymt",
        # German
        "lastschrift",
        "basislastschrift",
        "kartenzahlung",
        "girocard",
        "ec",
        "folgenr",
        "folgenummer",
        "verfalld",
        "kaufumsatz",
        "gutschrift",
        "ueberweisung",
        "einzug",
        "mandat",
        "mandatsref",
        "glaeubiger",
        "iban",
        "bic",
        "kref",
        "eref",
        "mref",
        "cred",
        "svwz",
        # French
        "cb",
        "carte",
        "paiement",
        "achat",
        "prlv",
        "prelevement",
        "facture",
        # Spanish
        "tarjeta",
        "recibo",
        "pago",
        "compra",
        "devolucion",
        # Dutch
        "bea",
        "gea",
        "betaalautomaat",
        "pasnr",
        "pas",
        "ideal",
        "incasso",
        "betalingskenm",
        "kenmerk",
        "transactienr",
        "transactiedatum",
        "machtiging",
        "omschrijving",
        "kn",
        "giro",
    }
)
_PHRASE_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in _PHRASES) + r")\b")
# Card-network or branch tags glued to a number: pas999, fil2500, fil. 55, #112, a44.
_TAGGED_NUMBER = re.compile(r"\b(?:pas|fil|filiale|nr|no|store|str|#)\.? ?\d+\b|#\s*\d+")
_MIXED = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]*\d[a-z0-9]*\d[a-z0-9]*\b")
_LONG_NUMBER = re.compile(r"\b\d{3,}\b")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _strip(text: str) -> str:
    text = _IBAN.sub(" ", text)
    text = _DATE_TIME.sub(" ", text)
    text = _MASKED.sub(" ", text)
    text = _TAGGED_NUMBER.sub(" ", text)
    # Punctuation separates words, as in normalize_payee ("McDonald's" -> "mcdonald s"), so
    # a rule made from an extracted name matches the normalised payee it came from.
    text = _NON_WORD.sub(" ", text.replace("-", " ").replace("_", " "))
    text = _PHRASE_RE.sub(" ", _SPACES.sub(" ", text))
    text = _MIXED.sub(" ", text)
    text = _LONG_NUMBER.sub(" ", text)
    text = _NUMBER_RUN.sub(" ", text)
    return " ".join(w for w in text.split() if w not in _WORDS)


@lru_cache(maxsize=65536)
def _extract(text: str) -> str:
    folded = _fold(text)
    named = _NAMED.search(folded)
    if named is not None:
        name = _strip(named.group(1))
        if name:
            return name
    return _strip(folded)


def extract_payee(payee: str | None, description: str | None = None) -> str:
    """The merchant named by a payee and description, lower-case without bank boilerplate.

    The payee field wins when anything is left of it; otherwise the description is used
    (MT940 and some CSV exports put everything there). Empty when neither names anyone.
    """
    for text in (payee, description):
        if text:
            out = _extract(text)
            if out:
                return out
    return ""
