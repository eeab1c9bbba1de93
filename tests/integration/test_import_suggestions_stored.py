"""The model's suggestions are written with the rows; pairing, when it can run, comes first.

An import stores each row's suggestion (``suggested_category_id``, ``category_confidence``)
in its INSERT. When no transfer pair can change a row (no second account with rows), the
rule of ``suggestion_replaces`` is settled before the write; otherwise pairing runs and the
same rule is applied in one UPDATE. Both paths must store the same rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased

from fincast.db.engine import session_scope
from fincast.ledger import service as ledger
from fincast.ledger.models import CategorizationRule, Category, Transaction
from fincast.services import imports
from fincast.services.imports import import_file

_TAUGHT = b"Date,Payee,Amount\n" + b"".join(
    f"2024-01-{1 + i:02d},ZORBLAX TRADING {i},-1{i}.00\n".encode() for i in range(12)
)
# Rows the model knows (ZORBLAX), keyword rows (STARBUCKS, SHELL), a rule row (GYM) and
# rows nothing knows.
_FILE = (
    b"Date,Payee,Amount\n"
    b"2024-02-03,ZORBLAX TRADING 3,-13.00\n"
    b"2024-02-04,STARBUCKS STORE 12,-4.50\n"
    b"2024-02-05,SHELL OIL 7,-40.00\n"
    b"2024-02-06,IRONWORKS GYM,-30.00\n"
    b"2024-02-07,QWXYZ,-2.00\n"
    b"2024-02-08,ZORBLAX TRADING 9,-19.00\n"
    b"2024-02-09,ACME PAYROLL,2500.00\n"
)


def _user(engine: Engine, email: str, *, second_account: bool) -> tuple[int, int]:
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, email)
        account = ledger.get_or_create_account(s, user.id, "Checking")
        cats = ledger.category_ids(s, user.id)
        s.add(
            CategorizationRule(user_id=user.id, category_id=cats["healthcare"], pattern="ironworks")
        )
        user_id, account_id = user.id, account.id
        other = ledger.get_or_create_account(s, user.id, "Savings").id if second_account else None
    import_file(engine, user_id=user_id, account_id=account_id, data=_TAUGHT, filename="a.csv")
    with session_scope(engine) as s:
        for tx in s.scalars(select(Transaction).where(Transaction.user_id == user_id)):
            tx.category_id, tx.category_source = cats["education"], "user"
    if other is not None:
        one = b"Date,Payee,Amount\n2023-06-01,OPENING DEPOSIT,100.00\n"
        import_file(engine, user_id=user_id, account_id=other, data=one, filename="s.csv")
    return user_id, account_id


def _stored(engine: Engine, batch_id: int | None) -> list[tuple[Any, ...]]:
    suggested = aliased(Category)
    with session_scope(engine) as s:
        rows = s.execute(
            select(
                Transaction.posted_date,
                Transaction.amount,
                Transaction.payee,
                Category.slug,
                Transaction.category_source,
                suggested.slug,
                Transaction.category_confidence,
            )
            .outerjoin(Category, Category.id == Transaction.category_id)
            .outerjoin(suggested, suggested.id == Transaction.suggested_category_id)
            .where(Transaction.import_batch_id == batch_id)
            .order_by(Transaction.id)
        ).all()
    return [(*r[:4], str(r[4]) if r[4] else None, *r[5:]) for r in rows]


def test_suggestions_are_stored_alike_with_and_without_transfer_pairing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    paired: list[int] = []
    real = imports.categorization.mark_transfers

    def mark_transfers(conn: Any, user_id: int, batch_id: int | None = None) -> int:
        paired.append(user_id)
        return real(conn, user_id, batch_id)

    monkeypatch.setattr(imports.categorization, "mark_transfers", mark_transfers)
    alone, alone_account = _user(engine, "alone@example.com", second_account=False)
    two, two_account = _user(engine, "two@example.com", second_account=True)
    paired.clear()
    first = import_file(
        engine, user_id=alone, account_id=alone_account, data=_FILE, filename="f.csv"
    )
    assert paired == []  # one account with rows: settled before the write
    second = import_file(engine, user_id=two, account_id=two_account, data=_FILE, filename="f.csv")
    assert paired == [two]  # a second account with rows: pairing, then the UPDATE
    settled, after_pairing = _stored(engine, first.batch_id), _stored(engine, second.batch_id)
    assert settled == after_pairing
    by_payee = {r[2]: r[3:6] for r in settled}
    # The model's category replaced an empty one; an agreeing keyword stays put, with the
    # suggestion kept; a rule stays; below the threshold nothing is suggested.
    assert by_payee["zorblax trading 3"] == ("education", "model", "education")
    assert by_payee["shell oil 7"] == ("transport", "import", "transport")
    assert by_payee["ironworks gym"][:2] == ("healthcare", "rule")
    assert by_payee["qwxyz"] == (None, None, None)


def test_a_transfer_pair_keeps_its_category_over_the_models(engine: Engine) -> None:
    user_id, checking = _user(engine, "pair@example.com", second_account=True)
    with session_scope(engine) as s:
        savings = ledger.get_or_create_account(s, user_id, "Savings").id
    out = b"Date,Payee,Amount\n2024-03-01,ZORBLAX TRADING 3,-13.00\n"
    back = b"Date,Payee,Amount\n2024-03-01,QWXYZ,13.00\n"  # nothing categorises it
    import_file(engine, user_id=user_id, account_id=savings, data=back, filename="b.csv")
    result = import_file(engine, user_id=user_id, account_id=checking, data=out, filename="o.csv")
    ((_, _, _, slug, source, suggested, _),) = _stored(engine, result.batch_id)
    assert (slug, source) == ("transfers", "import")
    assert suggested == "education"


def test_a_re_import_asks_the_model_only_about_new_rows(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fincast.ml.categorizer import CategorySuggester

    user_id, account_id = _user(engine, "again@example.com", second_account=False)
    real = CategorySuggester.suggest
    asked: list[int] = []

    def suggest(self: CategorySuggester, *args: Any, **kwargs: Any) -> Any:
        asked.append(len(args[0]))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CategorySuggester, "suggest", suggest)
    first = import_file(engine, user_id=user_id, account_id=account_id, data=_FILE, filename="f")
    more = _FILE + b"2024-02-10,ZORBLAX TRADING 5,-15.00\n"
    second = import_file(engine, user_id=user_id, account_id=account_id, data=more, filename="g")
    assert asked == [7, 1]
    assert (first.imported, second.imported, second.duplicates) == (7, 1, 7)
    (new,) = _stored(engine, second.batch_id)
    assert new[3:6] == ("education", "model", "education")
