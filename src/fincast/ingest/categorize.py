"""Categories at import as pure functions: the user's rules, then a default keyword map.

Precedence, strongest first: a category the user set by hand (never touched), the user's
rules by ascending priority (source ``rule``), a model's guess (kept unless a rule matches),
the default keyword map for the default taxonomy (source ``import``). Whatever matches
nothing stays uncategorized. Reading the rules from the database and writing categories
back is the ledger's part (:mod:`fincast.ledger.categorization`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

import re2

from fincast.ingest.fingerprint import normalize_payee

# The ledger's ``CategorySource`` values for the categories set here.
RULE_SOURCE = "rule"
KEYWORD_SOURCE = "import"

# User rule patterns run on every imported row, so they match with RE2 (linear time, no
# catastrophic backtracking) and are short; the API refuses longer ones with a 422.
MAX_PATTERN_LENGTH = 200


def _re2_options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 1 << 20
    return options


_RE2_OPTIONS = _re2_options()


def compile_pattern(pattern: str) -> Any:
    """Compile a user rule pattern with RE2 (case-insensitive); raises ValueError if unsafe."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"must be at most {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except (re2.error, TypeError, ValueError) as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise ValueError(
            "not a regular expression RE2 accepts (backreferences and lookarounds such as "
            f"\\1, (?=...), (?<!...) are not supported): {detail}"
        ) from exc


# Checked in this order; the first slug whose pattern matches the normalised payee and
# description wins. Patterns are regular expressions over lower-case ASCII words.
DEFAULT_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "credit_card_payment",
        (
            "payment thank you",
            "payment received thank you",
            "autopay",
            "auto pay",
            "cr card payment",
            "credit card payment",
            "card payment",
            r"payment to \w+ card",
            "creditcard",
            "kreditkartenabrechnung",
            "international card services",
            "amex epayment",
            "epayment",
        ),
    ),
    (
        "transfers",
        (
            "transfer",
            "xfer",
            "trnsfr",
            "overboeking",
            "traspaso",
            "transferencia",
            "umbuchung",
            "virement",
            "dauerauftrag",
            "to savings",
            "from savings",
        ),
    ),
    (
        "income",
        (
            "payroll",
            "direct dep",
            "salary",
            "nomina",
            "gehalt",
            "lohn",
            "salaris",
            "dividend",
            "interest paid",
            "interest earned",
            "tax refund",
            "taxrfd",
        ),
    ),
    ("housing", ("rent", "mortgage", "miete", "hoa dues", "huur", "alquiler")),
    (
        "groceries",
        (
            "grocery",
            "groceries",
            "supermarket",
            "aldi",
            "lidl",
            "kroger",
            "safeway",
            "whole foods",
            "trader joe",
            "albert heijn",
            "rewe",
            "edeka",
            "mercadona",
            "tesco",
            "sainsbury",
            "union market",
        ),
    ),
    (
        "dining",
        (
            "restaurant",
            "mcdonald",
            "mc donalds",
            "starbucks",
            "cafe",
            "coffee",
            "pizza",
            "burger",
            "doordash",
            "uber eats",
            "grubhub",
            "sports bar",
        ),
    ),
    (
        "subscriptions",
        ("netflix", "spotify", "itunes", "apple com bill", "hulu", "disney plus", "patreon"),
    ),
    (
        "transport",
        (
            "shell",
            "exxon",
            "mobil",
            "chevron",
            "esso",
            "uber",
            "lyft",
            "parking",
            "fuel",
            "gas station",
            "tankstelle",
            "taxi",
            "transit",
        ),
    ),
    (
        "utilities",
        (
            "electric",
            "energy",
            "vattenfall",
            "water bill",
            "comcast",
            "verizon",
            "t mobile",
            "kpn",
            "vodafone",
            "telekom",
            "internet",
            "drillisch",
            "digitenne",
        ),
    ),
    (
        "healthcare",
        ("pharmacy", "walgreens", "cvs", "doctor", "dental", "hospital", "apotheke", "clinic"),
    ),
    ("insurance", ("insurance", "versicherung", "geico", "allstate", "seguro", "verzekering")),
    ("education", ("tuition", "university", "udemy", "coursera", "kinderopvang")),
    ("entertainment", ("steam games", "cinema", "theater", "theatre", "ticketmaster")),
    (
        "shopping",
        ("amazon", "amzn", "walmart", "target", "ebay", "ikea", "best buy", "media markt"),
    ),
    ("travel", ("airline", "airlines", "hotel", "airbnb", "expedia", "airplanes")),
    ("debt_payments", ("loan pmt", "loan payment", "student loan")),
    ("other", ("atm withdrawal", "atm", "cash withdrawal", "reintegro", "geldautomaat")),
)

_KEYWORD_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (slug, re.compile(r"\b(?:" + "|".join(words) + r")\b")) for slug, words in DEFAULT_KEYWORDS
)


# Payee texts repeat within a file and across imports: each is matched once.
@lru_cache(maxsize=65536)
def _keyword_slugs(text: str) -> tuple[str | None, str | None]:
    """The keyword slug of ``text`` for money in and for money out (income needs money in)."""
    norm = normalize_payee(text)
    money_in = money_out = None
    if norm:
        for slug, pattern in _KEYWORD_RES:
            if pattern.search(norm):
                if money_in is None:
                    money_in = slug
                if slug != "income":
                    money_out = slug
                    break
    return money_in, money_out


def keyword_slug(text: str, amount: Decimal) -> str | None:
    """The default-taxonomy slug whose keywords match ``text`` (normalised), if any."""
    money_in, money_out = _keyword_slugs(text)
    return money_in if amount > 0 else money_out


class StoredRule(Protocol):
    """The fields of a stored categorisation rule that matching needs."""

    id: int
    category_id: int
    account_id: int | None
    payee_contains: str | None
    pattern: str | None
    amount_min: Decimal | None
    amount_max: Decimal | None


@dataclass(frozen=True)
class Rule:
    """One user rule, ready to match: payee text, regular expression, amount range, account."""

    id: int
    category_id: int
    account_id: int | None
    contains: str | None
    pattern: Any  # a compiled RE2 pattern, or None
    amount_min: Decimal | None
    amount_max: Decimal | None

    def matches(self, account_id: int, amount: Decimal, payee: str, text: str) -> bool:
        """Whether a transaction with these values falls under the rule."""
        if self.account_id is not None and self.account_id != account_id:
            return False
        if self.amount_min is not None and amount < self.amount_min:
            return False
        if self.amount_max is not None and amount > self.amount_max:
            return False
        if (
            self.contains is not None
            and self.contains not in text.lower()
            and self.contains not in normalize_payee(payee)
        ):
            return False
        return not (self.pattern is not None and self.pattern.search(text) is None)


class Categorizer:
    """Categorises transactions of one user: rules first, then the default keyword map."""

    def __init__(
        self,
        rules: Sequence[Rule],
        category_ids: Mapping[str, int],
        notes: Iterable[str] = (),
    ) -> None:
        self.rules = list(rules)
        self.category_ids = dict(category_ids)
        self.notes = list(notes)

    @classmethod
    def from_stored(
        cls, stored: Iterable[StoredRule], category_ids: Mapping[str, int]
    ) -> Categorizer:
        """Compile stored rules (in priority order); an invalid pattern is left out, with a note."""
        rules: list[Rule] = []
        notes: list[str] = []
        for rule in stored:
            pattern = None
            if rule.pattern:
                try:
                    pattern = compile_pattern(rule.pattern)
                except ValueError as exc:
                    notes.append(f"rule {rule.id}: invalid regular expression ignored ({exc})")
                    continue
            rules.append(
                Rule(
                    id=rule.id,
                    category_id=rule.category_id,
                    account_id=rule.account_id,
                    contains=(rule.payee_contains or "").strip().lower() or None,
                    pattern=pattern,
                    amount_min=rule.amount_min,
                    amount_max=rule.amount_max,
                )
            )
        return cls(rules, category_ids, notes)

    @property
    def uses_amounts(self) -> bool:
        """True when a rule has an amount range, so more than the sign decides a category."""
        return any(r.amount_min is not None or r.amount_max is not None for r in self.rules)

    def rule_category(
        self, account_id: int, amount: Decimal, payee: str | None, description: str | None
    ) -> int | None:
        """The category of the first matching user rule, if any."""
        if not self.rules:
            return None
        # No trailing newline without a description: RE2's ``$`` matches only at the very end.
        text = f"{payee or ''}\n{description}" if description else payee or ""
        for rule in self.rules:
            if rule.matches(account_id, amount, payee or description or "", text):
                return rule.category_id
        return None

    def keyword_category(
        self, amount: Decimal, payee: str | None, description: str | None
    ) -> int | None:
        """The user's category for the default keyword map's slug, if it matches and exists."""
        slug = keyword_slug(f"{payee or ''} {description or ''}", amount)
        return self.category_ids.get(slug) if slug is not None else None

    def categorize(
        self, account_id: int, amount: Decimal, payee: str | None, description: str | None
    ) -> tuple[int | None, str | None]:
        """(category id, category source) for a new transaction; (None, None) if nothing fits."""
        cid = self.rule_category(account_id, amount, payee, description)
        if cid is not None:
            return cid, RULE_SOURCE
        cid = self.keyword_category(amount, payee, description)
        if cid is not None:
            return cid, KEYWORD_SOURCE
        return None, None
