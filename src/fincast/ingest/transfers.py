"""Money moving between a user's own accounts: the pairing of its two sides, as pure code.

Card payments are recognised by keywords (:mod:`fincast.ingest.categorize`); everything else
is found by pairing: opposite amounts on two of the user's accounts within three days.
Marking the pairs in the ledger is :func:`fincast.ledger.categorization.mark_transfers`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from fincast.taxonomy import CATEGORY_BY_SLUG, CategoryKind

PAIR_WINDOW_DAYS = 3
TRANSFER_SLUGS = frozenset(
    s for s, c in CATEGORY_BY_SLUG.items() if c.kind is CategoryKind.TRANSFER
)


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
