"""Each user's data revision: a token renewed in the same transaction as any ledger write.

Reading "has anything changed?" is then one primary-key look-up.

Every answer derived from the ledger (the monthly panel, insights, predictions) is cached
under the user's data version (:mod:`fincast.services.forecasting.versions`), which reads
this token. It replaced a fingerprint over all of the user's transactions (counts and
weighted sums): about 1 ms per request for 1,221 rows on SQLite and growing with the ledger
(docs/benchmarks.md, "API under load").

How it stays right without every write path remembering it:

- Every statement that writes one of :data:`TRACKED` (whatever issues it: the ORM, Core, a
  bulk ``executemany``, text SQL) marks its connection's transaction as *dirty*
  (``before_cursor_execute``).
- ORM flushes name their users (the ``user_id`` of each new, changed or deleted object);
  Core paths that know their user call :func:`touch`.
- When a dirty transaction commits, the users it named get a new token, before the commit
  itself, through the same DBAPI connection: the new token and the write become visible
  together. A dirty transaction that named no user gives *every* user a new token: coarser
  (others' caches miss once) but never stale.

The token is random, not a counter: a token identifies one state of the ledger, so a
database restored from a backup brings back its old tokens together with the data they
describe, and two databases served by one process (or sharing one Redis cache) do not
collide. Writes made by another program straight into the database are not seen until
fincast writes for that user again (or the program sets a new token).

Statements written through a DBAPI cursor of their own (PostgreSQL's ``COPY``) are not seen
by the engine's events: their callers :func:`touch` the connection.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, UOWTransaction

TRACKED = frozenset({"transactions", "categories", "recurring_series", "accounts"})
"""Tables a user's derived answers are computed from (panel, bills, balances, kinds)."""

MAX_NAMED_USERS = 1000
"""A transaction naming more users than this renews every user's token."""

_DIRTY = "fincast_ledger_dirty"
_USERS = "fincast_ledger_users"
OFF = "fincast_revisions_off"
"""``conn.info`` key set by the migration runner: the column may not exist yet."""

_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?(?:IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)"
    r"\s+[`\"\[]?(\w+)",
    re.IGNORECASE,
)


def new_token() -> int:
    """A fresh revision token (62 random bits: fits a signed BIGINT everywhere)."""
    return secrets.randbits(62)


def touch(conn: Connection, *user_ids: int) -> None:
    """Say that this transaction changes the ledgers of ``user_ids`` (none: unknown users)."""
    conn.info[_DIRTY] = True
    conn.info.setdefault(_USERS, set()).update(int(u) for u in user_ids)


@contextmanager
def kept(conn: Connection) -> Iterator[None]:
    """Write without renewing tokens: for a restore, which brings back the saved tokens too.

    A token names one state of a user's ledger; a backup restored whole is that state again,
    so its tokens are right as they were saved (answers cached for them are still true).
    """
    conn.info[OFF] = True
    try:
        yield
    finally:
        conn.info.pop(OFF, None)


def _statement_writes(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    match = _WRITE.match(statement)
    if match and match.group(1).lower() in TRACKED:
        conn.info[_DIRTY] = True


def _flush_users(session: Session, flush: UOWTransaction, instances: Any) -> None:
    users = {
        uid
        for obj in (*session.new, *session.dirty, *session.deleted)
        if getattr(obj, "__tablename__", None) in TRACKED
        and (uid := getattr(obj, "user_id", None)) is not None
    }
    if users:
        touch(session.connection(), *users)


def _bump(conn: Connection) -> None:
    info = conn.info
    dirty = info.pop(_DIRTY, False)
    users: set[int] = info.pop(_USERS, set())
    if not dirty or info.get(OFF):
        return
    # Many users at once (a bulk load of households): renewing everyone's is as good, and
    # keeps the statement short.
    named = users and len(users) <= MAX_NAMED_USERS
    where = f" WHERE id IN ({', '.join(str(u) for u in sorted(users))})" if named else ""
    # One token for every user named here: the key of a cached answer always holds the user.
    # Through the DBAPI cursor: SQLAlchemy's own transaction is already committing.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        # Only integers are formatted in (the token and user ids).
        cursor.execute(f"UPDATE users SET data_revision = {new_token()}{where}")  # noqa: S608
    finally:
        cursor.close()


def _forget(conn: Connection) -> None:
    conn.info.pop(_DIRTY, None)
    conn.info.pop(_USERS, None)


event.listen(Engine, "before_cursor_execute", _statement_writes)
event.listen(Engine, "commit", _bump)
event.listen(Engine, "rollback", _forget)
event.listen(Session, "before_flush", _flush_users)
