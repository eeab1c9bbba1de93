"""Learned categorization against a real database: signed model files, the user's model, CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select, update

from fincast.db.engine import session_scope
from fincast.errors import ModelFileError
from fincast.ledger import service as ledger
from fincast.ledger.models import CategorizationRule, CategorySource, Transaction
from fincast.services import categorization
from fincast.services.imports import import_file


def test_the_global_model_is_a_signed_array_file_and_tampering_is_refused(tmp_path: Path) -> None:
    meta = categorization.train_global_model(tmp_path)
    folder = tmp_path / "categorization"
    assert meta["kind"] == "fincast-categorizer" and meta["rows"] > 5000
    with np.load(folder / "categorizer-global.npz", allow_pickle=False) as npz:
        assert {"coef", "columns", "intercept", "state_json"} <= set(npz.files)
    model = categorization.global_model(tmp_path)
    assert "groceries" in model.classes_
    payload = folder / "categorizer-global.npz"
    payload.write_bytes(payload.read_bytes()[:-10] + b"0123456789")
    categorization._global_cache.clear()
    with pytest.raises(ModelFileError, match="hash mismatch"):
        categorization.global_model(tmp_path)


def _user_with_history(engine: Engine) -> tuple[int, int, dict[str, int]]:
    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, "learn@example.com")
        account = ledger.get_or_create_account(s, user.id, "Main")
        user_id, account_id = user.id, account.id
        cats = ledger.category_ids(s, user_id)
    lines = ["Date,Payee,Amount"]
    for i in range(12):
        lines.append(f"2024-0{1 + i % 9}-1{i % 9},GYM NORTH {i:03d},-30.00")
        lines.append(f"2024-0{1 + i % 9}-2{i % 9},BOOKSHOP CENTRAL,-1{i}.00")
    data = ("\n".join(lines) + "\n").encode()
    import_file(engine, user_id=user_id, account_id=account_id, data=data, filename="h.csv")
    with session_scope(engine) as s:
        for tx in s.scalars(select(Transaction).where(Transaction.user_id == user_id)):
            slug = "entertainment" if "GYM" in (tx.payee_raw or "") else "education"
            tx.category_id, tx.category_source = cats[slug], CategorySource.USER
    return user_id, account_id, cats


def test_the_users_model_is_saved_reused_and_retrained_when_labels_change(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    categorization.train_global_model(tmp_path)
    user_id, _, cats = _user_with_history(sqlite_engine)
    folder = tmp_path / "categorization" / "users" / str(user_id)
    with sqlite_engine.connect() as conn:
        first = categorization.user_suggester(conn, user_id, models_dir=tmp_path)
    assert first.user_model is not None
    meta = json.loads((folder / "categorizer-user.meta.json").read_text())
    assert meta["rows"] == 24
    categorization._user_cache.clear()  # a new process: the saved file is read, not refitted
    stamp = (folder / "categorizer-user.npz").stat().st_mtime_ns
    with sqlite_engine.connect() as conn:
        again = categorization.user_suggester(conn, user_id, models_dir=tmp_path)
    assert (folder / "categorizer-user.npz").stat().st_mtime_ns == stamp
    assert list(again.user_model.classes_) == list(first.user_model.classes_)
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(Transaction)
            .where(Transaction.user_id == user_id, Transaction.payee_raw == "BOOKSHOP CENTRAL")
            .values(category_id=cats["shopping"])
        )
    with sqlite_engine.connect() as conn:
        changed = categorization.user_suggester(conn, user_id, models_dir=tmp_path)
    digest = json.loads((folder / "categorizer-user.meta.json").read_text())["data_digest"]
    assert digest != meta["data_digest"]
    assert str(cats["shopping"]) in changed.user_model.classes_
    assert str(cats["education"]) not in changed.user_model.classes_


def test_import_never_touches_a_hand_set_category_or_a_rule(engine: Engine) -> None:
    user_id, account_id, cats = _user_with_history(engine)
    # a manual entry the user categorized, then a file holding a row that looks just like it
    with session_scope(engine) as s:
        s.add(
            Transaction(
                user_id=user_id,
                account_id=account_id,
                posted_date=dt.date(2024, 11, 5),
                amount=Decimal("-30.00"),
                currency="USD",
                payee_raw="GYM NORTH 999",
                payee="gym north",
                category_id=cats["travel"],
                category_source=CategorySource.USER,
                fingerprint="manual-1",
            )
        )
        # and a rule that says otherwise than the memory does for this payee
        s.add(
            CategorizationRule(
                user_id=user_id, category_id=cats["shopping"], payee_contains="bookshop"
            )
        )
    data = (
        b"Date,Payee,Amount\n2024-11-06,GYM NORTH 998,-30.00\n2024-11-07,BOOKSHOP CENTRAL,-9.00\n"
    )
    import_file(engine, user_id=user_id, account_id=account_id, data=data, filename="n.csv")
    with session_scope(engine) as s:
        rows = {
            t.payee_raw: (t.category_id, t.category_source)
            for t in s.scalars(
                select(Transaction).where(Transaction.posted_date >= dt.date(2024, 11, 1))
            )
        }
    assert rows["GYM NORTH 999"] == (cats["travel"], CategorySource.USER)
    # and the new row follows the user's latest choice for that payee
    assert rows["GYM NORTH 998"] == (cats["travel"], CategorySource.MODEL)
    assert rows["BOOKSHOP CENTRAL"] == (cats["shopping"], CategorySource.RULE)


def test_cli_lists_rule_suggestions_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from fincast.cli.main import app
    from fincast.config import get_settings
    from fincast.db.engine import get_engine

    monkeypatch.setenv("FINCAST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        runner = CliRunner()
        empty = runner.invoke(app, ["categorize", "rules", "--user", "learn@example.com", "--json"])
        assert empty.exit_code != 0  # no such user yet
        from fincast.services.database import migrated_engine

        _, _, cats = _user_with_history(migrated_engine())
        out = runner.invoke(app, ["categorize", "rules", "--user", "learn@example.com", "--json"])
        assert out.exit_code == 0, out.output
        body = json.loads(out.stdout)
        offered = {(r["payee_contains"], r["category_id"]) for r in body["data"]}
        # "GYM NORTH 000", "GYM NORTH 001", ... differ only in numbers: one payee, one rule
        assert offered == {
            ("bookshop central", cats["education"]),
            ("gym north", cats["entertainment"]),
        }
        assert body["data"][0]["corrections"] == 12
    finally:
        get_engine.cache_clear()
        get_settings.cache_clear()


def test_the_users_model_weighs_a_rare_category_up(engine: Engine, tmp_path: Path) -> None:
    from fincast.ml.categorizer import TextCategorizer

    with session_scope(engine) as s:
        user = ledger.get_or_create_user(s, "rare@example.com")
        account = ledger.get_or_create_account(s, user.id, "Main")
        user_id, account_id = user.id, account.id
        cats = ledger.category_ids(s, user_id)
    words = ["NORTH", "SOUTH", "EAST", "WEST", "FRESH", "CORNER", "CITY", "GREEN", "BLUE", "ROYAL"]
    lines = ["Date,Payee,Amount"]
    for i, (a, b) in enumerate((a, b) for a in words for b in words[:6]):
        lines.append(f"2024-{1 + i % 12:02d}-{1 + i % 27:02d},{a} MARKET {b},-{20 + i}.00")
    lines += ["2024-03-14,PET MARKET,-18.00", "2024-07-09,PET SUPPLIES,-25.00"]
    data = ("\n".join(lines) + "\n").encode()
    import_file(engine, user_id=user_id, account_id=account_id, data=data, filename="h.csv")
    with session_scope(engine) as s:
        for tx in s.scalars(select(Transaction).where(Transaction.user_id == user_id)):
            slug = "healthcare" if "PET" in (tx.payee_raw or "") else "groceries"
            tx.category_id, tx.category_source = cats[slug], CategorySource.USER
    with engine.connect() as conn:
        served = categorization.user_suggester(conn, user_id, models_dir=tmp_path)
        taught = categorization._taught(conn, user_id)
    model = served.user_model
    assert model is not None and model.class_weight_power == 0.5
    assert model.margin_weight == 0.0  # the margin layer is off in the served model
    meta = json.loads(
        (
            tmp_path / "categorization" / "users" / str(user_id) / "categorizer-user.meta.json"
        ).read_text()
    )
    assert meta["rows"] == 62
    new = taught.frame.iloc[:1].assign(payee=["PET CORNER"], description=[None])
    # 60 grocery rows against 2: unweighted, "CORNER" (a grocery word 16 times over) makes
    # the rare category a coin toss; weighted, "PET" decides.
    plain = TextCategorizer(class_weight_power=0.0, margin_weight=0.0).fit(
        taught.frame, taught.labels, sample_weight=taught.weights
    )
    rare = str(cats["healthcare"])
    assert model.predict(new)[0] == rare
    assert model.confidence(model.predict_proba(new))[0] > 0.75
    assert plain.confidence(plain.predict_proba(new))[0] < 0.6
