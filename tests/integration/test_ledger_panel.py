"""Ledger storage and the monthly panel on every database backend."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from fincast.db.engine import session_scope
from fincast.errors import ConflictError, InputError
from fincast.ingest.mint import MINT_CATEGORY_MAP, read_mint_csv
from fincast.ledger import service
from fincast.ledger.loader import load_transactions_frame
from fincast.ledger.models import Transaction, User
from fincast.panel import build_panel, panel_to_monthly_wide
from fincast.taxonomy import CATEGORY_BY_SLUG, DEFAULT_CATEGORIES

HOUSEHOLDS = "households.fincast.invalid"


def _tx(rows):
    return pd.DataFrame(
        rows, columns=["user_id", "account", "account_type", "date", "amount", "category", "payee"]
    )


def test_user_gets_default_taxonomy_and_unique_email(engine) -> None:
    with session_scope(engine) as s:
        user = service.create_user(s, "A@Example.com")
        assert user.email == "a@example.com"
        assert set(service.category_ids(s, user.id)) == {c.slug for c in DEFAULT_CATEGORIES}
    with pytest.raises(ConflictError), session_scope(engine) as s:
        service.create_user(s, "a@example.com")


def test_money_is_exact_decimal(engine) -> None:
    df = _tx(
        [
            ["u1", "Checking", "checking", "2024-01-05", "0.10", "income", "x"],
            ["u1", "Checking", "checking", "2024-01-06", "0.20", "income", "y"],
            ["u1", "Checking", "checking", "2024-01-07", "-1234567890123.45", "other", "z"],
        ]
    )
    load_transactions_frame(engine, df)
    with session_scope(engine) as s:
        amounts = sorted(s.scalars(select(Transaction.amount)))
        total = s.scalar(select(func.sum(Transaction.amount)))
    assert amounts[0] == Decimal("-1234567890123.45")
    assert isinstance(amounts[1], Decimal)
    assert total == Decimal("-1234567890123.15")


def test_reload_adds_nothing_but_identical_same_day_purchases_survive(engine) -> None:
    df = _tx(
        [
            ["u1", "Visa", "credit_card", "2024-02-03", "-4.50", "dining", "Coffee Bar"],
            ["u1", "Visa", "credit_card", "2024-02-03", "-4.50", "dining", "Coffee Bar"],
            ["u1", "Visa", "credit_card", "2024-02-04", "-4.50", "dining", "Coffee Bar"],
        ]
    )
    first = load_transactions_frame(engine, df)
    second = load_transactions_frame(engine, df)
    assert first["imported"] == 3
    assert second == {"rows": 3, "imported": 0, "duplicates": 3, "users": 1}


def test_bad_rows_are_refused_with_the_row(engine) -> None:
    df = _tx([["u1", "Checking", "checking", "2024-01-05", "12,x", "income", "x"]])
    with pytest.raises(InputError, match="row 2: field 'amount'"):
        load_transactions_frame(engine, df)
    df = _tx([["u1", "Checking", "checking", "2024-01-05", "1.00", "nonsense", "x"]])
    with pytest.raises(InputError, match="unknown category"):
        load_transactions_frame(engine, df)


def test_panel_zero_fills_excludes_transfers_and_drops_partial_month(engine) -> None:
    df = _tx(
        [
            ["u1", "Checking", "checking", "2024-01-01", "3000.00", "income", "Employer"],
            ["u1", "Checking", "checking", "2024-01-02", "-1000.00", "housing", "Landlord"],
            ["u1", "Checking", "checking", "2024-01-31", "-500.00", "transfers", "To savings"],
            ["u1", "Savings", "savings", "2024-01-31", "500.00", "transfers", "From checking"],
            ["u1", "Visa", "credit_card", "2024-03-15", "-80.00", "groceries", "Market"],
            ["u1", "Visa", "credit_card", "2024-03-20", "20.00", "groceries", "Market refund"],
            ["u1", "Checking", "checking", "2024-03-25", "-60.00", "credit_card_payment", "Visa"],
            ["u1", "Visa", "credit_card", "2024-03-25", "60.00", "credit_card_payment", "Payment"],
            ["u1", "Checking", "checking", "2024-04-02", "-10.00", "dining", "current month"],
        ]
    )
    load_transactions_frame(engine, df)
    panel = build_panel(engine, as_of=dt.date(2024, 4, 15))
    assert panel.attrs["partial_month"] == "2024-04"
    assert build_panel(engine, as_of=dt.date(2030, 1, 1)).attrs["partial_month"] is None
    wide = panel.pivot(index="ds", columns="unique_id", values="y")
    uid = next(iter(panel["unique_id"])).split("/")[0]
    assert list(wide.index.strftime("%Y-%m")) == ["2024-01", "2024-02", "2024-03"]
    assert wide[f"{uid}/total_income"].tolist() == [3000.0, 0.0, 0.0]
    assert wide[f"{uid}/total_expense"].tolist() == [1000.0, 0.0, 60.0]
    assert wide[f"{uid}/cat:groceries"].tolist() == [0.0, 0.0, 60.0]
    assert wide[f"{uid}/savings"].tolist() == [2000.0, 0.0, -60.0]
    assert not any("transfers" in c or "credit_card" in c for c in wide.columns)
    full = build_panel(engine, as_of=dt.date(2024, 4, 15), include_partial=True)
    assert full["ds"].max() == pd.Timestamp("2024-04-01")


def test_a_gap_of_empty_months_starts_the_history_again(engine) -> None:
    """An old file next to this year's: the panel starts after the gap (issue 14)."""
    rows = [["g1", "Old", "checking", "2016-03-18", "-2680.89", "housing", "Old rent"]]
    for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11"):
        rows.append(["g1", "New", "checking", f"{month}-02", "-100.00", "groceries", "Market"])
    # a short break (five empty months) is still history: months of zero spending
    rows.append(["g2", "A", "checking", "2025-01-05", "-10.00", "groceries", "Market"])
    rows.append(["g2", "A", "checking", "2025-07-05", "-20.00", "groceries", "Market"])
    load_transactions_frame(engine, _tx(rows))
    with session_scope(engine) as session:
        ids = {
            key: session.scalar(select(User.id).where(User.email == f"{key}@{HOUSEHOLDS}"))
            for key in ("g1", "g2")
        }
    panel = build_panel(engine, [ids["g1"], ids["g2"]], as_of=dt.date(2026, 12, 2))
    g1, g2 = str(ids["g1"]), str(ids["g2"])
    users = {u: panel[panel["unique_id"] == f"{u}/total_expense"] for u in (g1, g2)}
    assert users[g1]["ds"].min() == pd.Timestamp("2026-07-01")
    assert len(users[g1]) == 5
    assert panel.attrs["history_gaps"][g1] == {
        "history_from": "2026-07",
        "left_out": "2016-03 to 2016-03",
        "empty_months": 123,
    }
    assert len(users[g2]) == 7 and users[g2]["y"].tolist() == [10.0] + [0.0] * 5 + [20.0]
    assert g2 not in panel.attrs["history_gaps"]


def test_panel_of_the_real_household_equals_pandas(engine, shared_data) -> None:
    path = shared_data / "personal-finance" / "personal_transactions_normalized.csv"
    tx = read_mint_csv(path)
    assert len(tx) == 806
    load_transactions_frame(engine, tx)
    panel = build_panel(engine, as_of=dt.date(2030, 1, 1))
    uid = panel["unique_id"].iloc[0].split("/")[0]
    wide = panel_to_monthly_wide(panel, uid).set_index("year_month")

    # Independent computation straight from the raw export.
    raw = pd.read_csv(path)
    raw["slug"] = raw["category"].map(MINT_CATEGORY_MAP)
    raw["kind"] = raw["slug"].map(lambda s: CATEGORY_BY_SLUG[s].kind.value)
    raw["ym"] = raw["date"].str.slice(0, 7)
    exp = raw[raw["kind"] == "expense"].groupby("ym")["signed_amount"].sum().mul(-1)
    inc = raw[raw["kind"] == "income"].groupby("ym")["signed_amount"].sum()
    months = sorted(raw["ym"].unique())
    assert list(wide.index) == months
    np.testing.assert_allclose(wide["total_expense"], exp.reindex(months, fill_value=0), atol=0.005)
    np.testing.assert_allclose(wide["total_income"], inc.reindex(months, fill_value=0), atol=0.005)
    groceries = raw[raw["slug"] == "groceries"].groupby("ym")["signed_amount"].sum().mul(-1)
    np.testing.assert_allclose(
        wide["groceries"], groceries.reindex(months, fill_value=0), atol=0.005
    )
    np.testing.assert_allclose(wide["savings"], wide["total_income"] - wide["total_expense"])
