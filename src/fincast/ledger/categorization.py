"""Categories in the ledger: a user's rules read for import, re-applied, and transfers marked.

The matching itself is pure (:mod:`fincast.ingest.categorize`, :mod:`fincast.ingest.transfers`);
this module reads what it needs and writes the categories back. A category the user set by
hand (source ``user``) is never touched.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from sqlalchemy import Connection, Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from fincast.ingest.categorize import Categorizer
from fincast.ingest.transfers import TRANSFER_SLUGS, PairRow, find_transfer_pairs
from fincast.ledger import service as ledger
from fincast.ledger.models import CategorizationRule, CategorySource, Transaction

_TX = cast(Table, Transaction.__table__)
_NOT_BY_USER = or_(
    _TX.c.category_source.is_(None), _TX.c.category_source != CategorySource.USER.value
)


def _category_ids(conn: Connection, user_id: int) -> dict[str, int]:
    with Session(bind=conn) as session:
        return ledger.category_ids(session, user_id)


def load_categorizer(conn: Connection, user_id: int) -> Categorizer:
    """The categorizer of ``user_id``: active rules by ascending priority, category ids."""
    stmt = (
        select(CategorizationRule)
        .where(CategorizationRule.user_id == user_id, CategorizationRule.is_active.is_(True))
        .order_by(CategorizationRule.priority, CategorizationRule.id)
    )
    with Session(bind=conn) as session:
        category_ids = ledger.category_ids(session, user_id)
        stored = list(session.scalars(stmt))
    return Categorizer.from_stored(stored, category_ids)


def _pairable(conn: Connection, user_id: int) -> list[tuple[PairRow, int | None, str | None]]:
    t = _TX
    stmt = select(
        t.c.id, t.c.account_id, t.c.posted_date, t.c.amount, t.c.category_id, t.c.category_source
    ).where(t.c.user_id == user_id, _NOT_BY_USER)
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
    for start in range(0, len(changes), 500):
        conn.execute(
            update(t)
            .where(t.c.id.in_(changes[start : start + 500]))
            .values(category_id=transfers, category_source=CategorySource.IMPORT.value)
        )
    return len(changes)


def apply_rules(conn: Connection, user_id: int) -> int:
    """Re-run rules, keywords and transfer pairing over ``user_id``'s transactions.

    Transactions whose category the user set by hand are skipped, and a model's guess is kept
    unless a rule matches. Returns how many transactions got a different category.
    """
    t = _TX
    categorizer = load_categorizer(conn, user_id)
    transfers = categorizer.category_ids.get("transfers")
    stmt = select(
        t.c.id,
        t.c.account_id,
        t.c.amount,
        t.c.payee_raw,
        t.c.description_raw,
        t.c.category_id,
        t.c.category_source,
    ).where(t.c.user_id == user_id, _NOT_BY_USER)
    updates: list[dict[str, object]] = []
    for tid, acc, amount, payee, desc, cid, src in conn.execute(stmt).all():
        amount = Decimal(amount)
        rule_cid = categorizer.rule_category(acc, amount, payee, desc)
        if rule_cid is not None:
            new: tuple[int | None, str | None] = (rule_cid, CategorySource.RULE.value)
        elif src == CategorySource.MODEL.value:
            continue
        else:
            sid = categorizer.keyword_category(amount, payee, desc)
            new = (sid, CategorySource.IMPORT.value if sid is not None else None)
            paired = cid is not None and cid == transfers
            if src == CategorySource.IMPORT.value and sid is None and paired:
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
    return len(updates) + mark_transfers(conn, user_id)
