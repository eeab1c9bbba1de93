"""What an import reads before its write transaction is relied on only while nothing changed.

Rows found stored by the look-ups before the write are not sent again, and with no transfer
pair possible the rows are encoded with their final category. Both rest on reads made
before the write transaction; the user's data revision tells whether the ledger changed
since. When it did, the transaction writes nothing and the file is imported again relying
on nothing read before: the result is that of the import running after the change.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select

from fincast.db.engine import session_scope
from fincast.ledger import service as ledger
from fincast.ledger.models import Category, Transaction
from fincast.services import imports
from fincast.services.imports import import_file

_FILE = b"Date,Payee,Amount\n" + b"".join(
    f"2024-02-{1 + i % 28:02d},SHOP {i % 5},-{10 + i}.00\n".encode() for i in range(40)
)


def _account(engine: Engine, email: str, name: str = "Checking") -> tuple[int, int]:
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, email)
        return user.id, ledger.get_or_create_account(s, user.id, name).id


@pytest.fixture()
def runs(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The ``trusted`` flag of every pass an import makes over its file."""
    seen: list[bool] = []
    real = imports._Job._run

    def run(self: Any, not_chosen: frozenset[str], *, trusted: bool) -> Any:
        seen.append(trusted)
        return real(self, not_chosen, trusted=trusted)

    monkeypatch.setattr(imports._Job, "_run", run)
    return seen


@pytest.fixture()
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each import hands to the insert."""
    counts: list[int] = []
    real = imports.TransactionStage.write

    def write(self: Any, *args: Any, **kwargs: Any) -> int:
        counts.append(self.count)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(imports.TransactionStage, "write", write)
    return counts


def _between_reads_and_write(monkeypatch: pytest.MonkeyPatch, action: Any) -> None:
    """Run ``action`` once, after the file's look-ups and before the write transaction."""
    real = imports._history
    done: list[bool] = []

    def history(conn: Any, account_ids: list[int]) -> Any:
        if not done:
            done.append(True)
            action()
        return real(conn, account_ids)

    monkeypatch.setattr(imports, "_history", history)


def _count(engine: Engine, account_id: int) -> int:
    with session_scope(engine) as s:
        n = s.scalar(select(func.count()).where(Transaction.account_id == account_id))
        return int(n or 0)


def test_a_re_import_sends_no_stored_row(engine: Engine, runs: list[bool], sent: list[int]) -> None:
    user_id, account_id = _account(engine, "again-trusted@example.com")
    first = import_file(engine, user_id=user_id, account_id=account_id, data=_FILE, filename="f")
    again = import_file(engine, user_id=user_id, account_id=account_id, data=_FILE, filename="f")
    assert (first.imported, again.imported, again.duplicates) == (40, 0, 40)
    assert sent == [40, 0]
    assert runs == [True, True]
    assert _count(engine, account_id) == 40


def test_a_row_deleted_after_the_look_ups_is_imported_again(
    engine: Engine, runs: list[bool], sent: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, account_id = _account(engine, "deleted-meanwhile@example.com")
    import_file(engine, user_id=user_id, account_id=account_id, data=_FILE, filename="f")
    runs.clear()
    sent.clear()

    def delete_one() -> None:
        with session_scope(engine) as s:
            victim = s.scalar(
                select(Transaction.id).where(Transaction.account_id == account_id).limit(1)
            )
            s.execute(delete(Transaction).where(Transaction.id == victim))

    _between_reads_and_write(monkeypatch, delete_one)
    again = import_file(engine, user_id=user_id, account_id=account_id, data=_FILE, filename="f")
    # The first pass saw 40 stored rows; the delete changed the ledger, so the second pass
    # offers every row to the insert-or-ignore and the deleted one is back.
    assert runs == [True, False]
    assert sent == [40]
    assert (again.imported, again.duplicates) == (1, 39)
    assert _count(engine, account_id) == 40


def test_a_second_account_with_rows_after_the_first_chunk_means_pairing(
    engine: Engine, runs: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, checking = _account(engine, "paired-meanwhile@example.com")
    _, savings = _account(engine, "paired-meanwhile@example.com", "Savings")
    out = b"Date,Payee,Amount\n2024-03-01,QWXYZ OUT,-13.00\n2024-03-02,SHOP 1,-5.00\n"
    back = b"Date,Payee,Amount\n2024-03-01,QWXYZ BACK,13.00\n"

    def import_back() -> None:
        import_file(engine, user_id=user_id, account_id=savings, data=back, filename="b.csv")

    _between_reads_and_write(monkeypatch, import_back)
    result = import_file(engine, user_id=user_id, account_id=checking, data=out, filename="o.csv")
    # Decided before the write: one account with rows, no pairing; in the transaction the
    # savings account has a row, so the file is imported again with pairing.
    assert runs[0] is True and runs[-1] is False
    with session_scope(engine) as s:
        slugs = dict(
            s.execute(
                select(Transaction.payee, Category.slug)
                .join(Category, Category.id == Transaction.category_id, isouter=True)
                .where(Transaction.import_batch_id == result.batch_id)
            ).all()
        )
    assert slugs["qwxyz out"] == "transfers"
    assert result.imported == 2
