"""Categories at import: the user's rules, then a keyword map, then transfer pairing.

Precedence, strongest first: a category the user set by hand (``user``, never touched), the
user's :class:`~fincast.ledger.models.CategorizationRule` rows by ascending priority
(``rule``), a model's guess (``model``, kept unless a rule matches), the default keyword map
for the default taxonomy (``import``). Whatever matches nothing stays uncategorized.

Money moving between a user's own accounts is never spending: card payments are recognised by
keywords ("payment thank you", "autopay", ...) and a pairing pass marks both sides of opposite
amounts on two of the user's accounts within three days as ``transfers``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from sqlalchemy import Connection, Engine, Table, bindparam, or_, select, update

from fincast.ledger import service as ledger
from fincast.ledger.fingerprint import normalize_payee
from fincast.ledger.models import CategorizationRule, CategorySource, Transaction
from fincast.taxonomy import CATEGORY_BY_SLUG, CategoryKind

PAIR_WINDOW_DAYS = 3
_TX = cast(Table, Transaction.__table__)
TRANSFER_SLUGS = frozenset(
    s for s, c in CATEGORY_BY_SLUG.items() if c.kind is CategoryKind.TRANSFER
)

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


def keyword_slug(text: str, amount: Decimal) -> str | None:
    """The default-taxonomy slug whose keywords match ``text`` (normalised), if any."""
    norm = normalize_payee(text)
    if not norm:
        return None
    for slug, pattern in _KEYWORD_RES:
        if slug == "income" and amount <= 0:
            continue
        if pattern.search(norm):
            return slug
    return None


@dataclass(frozen=True)
class _Rule:
    id: int
    category_id: int
    account_id: int | None
    contains: str | None
    pattern: re.Pattern[str] | None
    amount_min: Decimal | None
    amount_max: Decimal | None

    def matches(self, account_id: int, amount: Decimal, payee: str, text: str) -> bool:
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

    def __init__(self, rules: Sequence[_Rule], category_ids: dict[str, int]) -> None:
        self.rules = list(rules)
        self.category_ids = category_ids
        self.notes: list[str] = []

    @classmethod
    def load(cls, conn: Connection, user_id: int) -> Categorizer:
        """Read ``user_id``'s active rules (ascending priority) and category ids."""
        from sqlalchemy.orm import Session

        stmt = (
            select(CategorizationRule)
            .where(CategorizationRule.user_id == user_id, CategorizationRule.is_active.is_(True))
            .order_by(CategorizationRule.priority, CategorizationRule.id)
        )
        rules: list[_Rule] = []
        notes: list[str] = []
        with Session(bind=conn) as session:
            cat_ids = ledger.category_ids(session, user_id)
            stored = list(session.scalars(stmt))
        for rule in stored:
            pattern = None
            if rule.pattern:
                try:
                    pattern = re.compile(rule.pattern, re.IGNORECASE)
                except re.error as exc:
                    notes.append(f"rule {rule.id}: invalid regular expression ignored ({exc})")
                    continue
            rules.append(
                _Rule(
                    id=rule.id,
                    category_id=rule.category_id,
                    account_id=rule.account_id,
                    contains=(rule.payee_contains or "").strip().lower() or None,
                    pattern=pattern,
                    amount_min=rule.amount_min,
                    amount_max=rule.amount_max,
                )
            )
        out = cls(rules, cat_ids)
        out.notes.extend(notes)
        return out

    def rule_category(
        self, account_id: int, amount: Decimal, payee: str | None, description: str | None
    ) -> int | None:
        """The category of the first matching user rule, if any."""
        if not self.rules:
            return None
        text = f"{payee or ''}\n{description or ''}"
        for rule in self.rules:
            if rule.matches(account_id, amount, payee or description or "", text):
                return rule.category_id
        return None

    def categorize(
        self, account_id: int, amount: Decimal, payee: str | None, description: str | None
    ) -> tuple[int | None, str | None]:
        """(category id, category source) for a new transaction; (None, None) if nothing fits."""
        cid = self.rule_category(account_id, amount, payee, description)
        if cid is not None:
            return cid, CategorySource.RULE.value
        slug = keyword_slug(f"{payee or ''} {description or ''}", amount)
        if slug is not None and slug in self.category_ids:
            return self.category_ids[slug], CategorySource.IMPORT.value
        return None, None


@dataclass(frozen=True, slots=True)
class PairRow:
    """What transfer pairing needs to know about one transaction."""

    id: int
    account_id: int
    date: dt.date
    amount: Decimal


def find_transfer_pairs(candidates: Iterable[PairRow], counterparts: Iterable[PairRow]) -> set[int]:
    """Ids on both sides of opposite amounts on different accounts within the window.

    Each transaction pairs at most once; the counterpart with the nearest date wins.
    """
    by_amount: dict[Decimal, list[PairRow]] = defaultdict(list)
    for row in counterparts:
        if row.amount:
            by_amount[row.amount].append(row)
    used: set[int] = set()
    for row in sorted(candidates, key=lambda r: (r.date, r.id)):
        if not row.amount or row.id in used:
            continue
        best: PairRow | None = None
        for other in by_amount.get(-row.amount, ()):
            if other.id in used or other.account_id == row.account_id or other.id == row.id:
                continue
            gap = abs((other.date - row.date).days)
            if gap <= PAIR_WINDOW_DAYS and (best is None or gap < abs((best.date - row.date).days)):
                best = other
        if best is not None:
            used.update((row.id, best.id))
    return used


def _pairable(conn: Connection, user_id: int) -> list[tuple[PairRow, int | None, str | None]]:
    t = _TX
    stmt = select(
        t.c.id, t.c.account_id, t.c.posted_date, t.c.amount, t.c.category_id, t.c.category_source
    ).where(
        t.c.user_id == user_id,
        or_(t.c.category_source.is_(None), t.c.category_source != CategorySource.USER.value),
    )
    return [(PairRow(r[0], r[1], r[2], Decimal(r[3])), r[4], r[5]) for r in conn.execute(stmt)]


def mark_transfers(conn: Connection, user_id: int, batch_id: int | None = None) -> int:
    """Pair opposite movements between the user's accounts and mark both as transfers.

    With ``batch_id`` only pairs involving that import batch are looked for. Hand-set
    categories and user-rule categories are left alone; card payments keep their category.
    Returns how many transactions changed.
    """
    t = _TX
    accounts = conn.execute(
        select(t.c.account_id).where(t.c.user_id == user_id).distinct().limit(2)
    ).all()
    if len(accounts) < 2:
        return 0
    cat_ids = _category_ids(conn, user_id)
    transfers = cat_ids.get("transfers")
    if transfers is None:
        return 0
    rows = [
        (row, cid, src)
        for row, cid, src in _pairable(conn, user_id)
        if src not in (CategorySource.RULE.value, CategorySource.MODEL.value)
    ]
    if batch_id is not None:
        batch_ids = set(conn.scalars(select(t.c.id).where(t.c.import_batch_id == batch_id)).all())
        candidates = [r for r, _, _ in rows if r.id in batch_ids]
    else:
        candidates = [r for r, _, _ in rows]
    paired = find_transfer_pairs(candidates, [r for r, _, _ in rows])
    keep = {cat_ids[s] for s in TRANSFER_SLUGS if s in cat_ids}
    changes = [r.id for r, cid, _ in rows if r.id in paired and cid not in keep]
    _set_category(conn, changes, transfers, CategorySource.IMPORT.value)
    return len(changes)


def _category_ids(conn: Connection, user_id: int) -> dict[str, int]:
    from sqlalchemy.orm import Session

    with Session(bind=conn) as session:
        return ledger.category_ids(session, user_id)


def _set_category(
    conn: Connection, ids: list[int], category_id: int | None, source: str | None
) -> None:
    t = _TX
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(
            update(t)
            .where(t.c.id.in_(chunk))
            .values(category_id=category_id, category_source=source)
        )


def apply_rules(engine: Engine, user_id: int) -> int:
    """Re-run rules, keywords and transfer pairing over ``user_id``'s transactions.

    Transactions whose category the user set by hand are skipped. Returns how many
    transactions got a different category.
    """
    t = _TX
    changed = 0
    with engine.begin() as conn:
        categorizer = Categorizer.load(conn, user_id)
        stmt = select(
            t.c.id,
            t.c.account_id,
            t.c.amount,
            t.c.payee_raw,
            t.c.description_raw,
            t.c.category_id,
            t.c.category_source,
        ).where(
            t.c.user_id == user_id,
            or_(t.c.category_source.is_(None), t.c.category_source != CategorySource.USER.value),
        )
        updates: list[dict[str, object]] = []
        for tid, acc, amount, payee, desc, cid, src in conn.execute(stmt).all():
            amount = Decimal(amount)
            rule_cid = categorizer.rule_category(acc, amount, payee, desc)
            if rule_cid is not None:
                new: tuple[int | None, str | None] = (rule_cid, CategorySource.RULE.value)
            elif src == CategorySource.MODEL.value:
                continue
            else:
                slug = keyword_slug(f"{payee or ''} {desc or ''}", amount)
                sid = categorizer.category_ids.get(slug) if slug else None
                new = (sid, CategorySource.IMPORT.value if sid is not None else None)
                if (
                    src == CategorySource.IMPORT.value
                    and cid is not None
                    and new[0] is None
                    and cid == categorizer.category_ids.get("transfers")
                ):
                    continue  # a transfer found by pairing; pairing below re-checks it
            if new != (cid, src):
                updates.append({"b_id": tid, "b_cid": new[0], "b_src": new[1]})
        if updates:
            stmt_upd = (
                update(t)
                .where(t.c.id == bindparam("b_id"))
                .values(category_id=bindparam("b_cid"), category_source=bindparam("b_src"))
            )
            for start in range(0, len(updates), 1000):
                conn.execute(stmt_upd, updates[start : start + 1000])
        changed = len(updates)
        changed += mark_transfers(conn, user_id)
    return changed
