"""Payee normalisation, invisible-character stripping and the transaction fingerprints."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

_NOISE = re.compile(r"[^0-9a-z& ]+")
_DIGIT_RUNS = re.compile(r"\b\d{4,}\b")
_SPACES = re.compile(r"\s+")


def strip_invisible(text: str | None) -> str | None:
    """Remove invisible format characters (Unicode ``Cf``: bidi controls, zero-width marks).

    Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), the LRM/RLM marks
    (U+200E/U+200F), zero-width spaces and joiners, soft hyphens and BOMs can make a stored
    payee display as something else ("Shop\u202egnp.exe" reads "Shopexe.png"); none of
    them carries meaning in a bank statement.
    """
    if text is None or text.isprintable():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


# Bank files repeat a few thousand payees a million times: each is normalised once.
@lru_cache(maxsize=65536)
def normalize_payee(text: str | None) -> str:
    """Lower-case, accent-free payee with long digit runs and punctuation removed."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = _NOISE.sub(" ", folded.lower())
    folded = _DIGIT_RUNS.sub(" ", folded)
    return _SPACES.sub(" ", folded).strip()


def content_fingerprint(
    account_id: int, posted: dt.date, amount: Decimal, payee_norm: str, occurrence: int
) -> str:
    """Fingerprint of a transaction without a bank id; ``occurrence`` keeps real twins apart."""
    key = f"c|{account_id}|{posted.isoformat()}|{amount:.2f}|{payee_norm}|{occurrence}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def external_fingerprint(account_id: int, external_id: str) -> str:
    """Fingerprint of a transaction the bank gave an id to (OFX FITID, CAMT entry reference)."""
    key = f"x|{account_id}|{external_id.strip()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def moved_fingerprint(
    fingerprint: str,
    *,
    old_account_id: int,
    new_account_id: int,
    posted: dt.date,
    amount: Decimal,
    payees: Iterable[str | None],
    external_id: str | None,
    occurrences: int,
) -> str | None:
    """The fingerprint a transaction gets when it moves to ``new_account_id``, or None.

    Fingerprints name their account, so a transaction carried to an account with another id
    (an export loaded into another installation) must be re-keyed, or a re-import of the
    same bank file would add it again. The old fingerprint is matched against the bank-id
    form and against the content form for each candidate normalised payee and occurrence
    index below ``occurrences`` (how many transactions of the account share its date and
    amount); None when it is neither, i.e. not one fincast computed from these fields.
    """
    if external_id and fingerprint == external_fingerprint(old_account_id, external_id):
        return external_fingerprint(new_account_id, external_id)
    for payee in dict.fromkeys(p or "" for p in payees):
        for occurrence in range(max(occurrences, 1)):
            if fingerprint == content_fingerprint(
                old_account_id, posted, amount, payee, occurrence
            ):
                return content_fingerprint(new_account_id, posted, amount, payee, occurrence)
    return None
