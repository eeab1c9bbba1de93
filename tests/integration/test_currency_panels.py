"""Panels per currency (issue 14): a EUR and a USD account are never added together.

Runs on SQLite, PostgreSQL and MariaDB (the ``engine`` fixture).
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from sqlalchemy import Engine, select

import fincast.panel.build as build_module
from fincast.db.engine import session_scope
from fincast.errors import InputError
from fincast.ledger.loader import load_transactions_frame
from fincast.ledger.models import User
from fincast.panel import (
    build_panel,
    normalize_currency,
    panel_to_monthly_wide,
    primary_currency,
    transactions_to_panel,
    user_currencies,
)
from fincast.services import anomalies, insights
from fincast.services.panels import panel_currency
from fincast.taxonomy import CATEGORY_BY_SLUG

AS_OF = dt.date(2025, 1, 15)
COLUMNS = ["user_id", "account", "account_type", "date", "amount", "category", "payee", "currency"]
MONTHS = ("2024-01", "2024-02", "2024-03")


def _usd(user: str, account: str = "Checking") -> list[list[str]]:
    rows = []
    for m in MONTHS:
        rows += [
            [user, account, "checking", f"{m}-01", "3000.00", "income", "Employer", "USD"],
            [user, account, "checking", f"{m}-03", "-1000.00", "housing", "Landlord", "USD"],
            [user, account, "checking", f"{m}-09", "-400.00", "groceries", "Market", "USD"],
        ]
    return rows


def _eur(user: str, account: str = "Girokonto") -> list[list[str]]:
    rows = []
    for m in MONTHS[1:]:
        rows += [
            [user, account, "checking", f"{m}-02", "2000.00", "income", "Arbeitgeber", "EUR"],
            [user, account, "checking", f"{m}-12", "-150.00", "dining", "Gasthaus", "EUR"],
        ]
    return rows


def _load(engine: Engine, rows: list[list[str]]) -> dict[str, int]:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    load_transactions_frame(engine, frame)
    with session_scope(engine) as session:
        return {
            key: int(session.scalar(select(User.id).where(User.email == f"{key}@{_DOMAIN}")))
            for key in frame["user_id"].unique()
        }


_DOMAIN = "households.fincast.invalid"


def _wide(panel: pd.DataFrame, user: int) -> pd.DataFrame:
    return panel_to_monthly_wide(panel, user).set_index("year_month")


def test_a_usd_and_a_eur_account_give_two_panels_never_a_mixed_total(engine: Engine) -> None:
    ids = _load(engine, _usd("m1") + _eur("m1"))
    user = ids["m1"]
    usd = build_panel(engine, [user], as_of=AS_OF)
    assert usd.attrs["currency"] == {str(user): "USD"}
    assert usd.attrs["other_currencies"] == {str(user): ["EUR"]}
    wide = _wide(usd, user)
    assert list(wide.index) == list(MONTHS)
    assert wide["total_income"].tolist() == [3000.0] * 3
    assert wide["total_expense"].tolist() == [1400.0] * 3
    assert "dining" not in wide.columns

    eur = build_panel(engine, [user], currency="eur", as_of=AS_OF)
    assert eur.attrs["currency"] == {str(user): "EUR"}
    assert eur.attrs["other_currencies"] == {str(user): ["USD"]}
    wide = _wide(eur, user)
    # the EUR history starts with its own first month, not the USD account's
    assert list(wide.index) == list(MONTHS[1:])
    assert wide["total_income"].tolist() == [2000.0] * 2
    assert wide["total_expense"].tolist() == [150.0] * 2
    assert set(wide.columns) == {"total_income", "dining", "total_expense", "savings"}
    assert user_currencies(engine, user) == ("USD", ["EUR", "USD"])


def test_the_primary_currency_holds_most_transactions_ties_go_to_the_first_account(
    engine: Engine,
) -> None:
    # p1: the EUR account was created first but USD holds 9 transactions to EUR's 4
    # p2: EUR holds more (three EUR accounts' worth), p3: a tie of 4 and 4, EUR first
    tie_usd = [r for r in _usd("p3", "Checking") if r[3] >= "2024-02"][:4]
    ids = _load(
        engine,
        _eur("p1") + _usd("p1") + _usd("p2") + _eur("p2", "A") + _eur("p2", "B") + _eur("p2", "C")
        + _eur("p3") + tie_usd,
    )  # fmt: skip
    expected = {"p1": "USD", "p2": "EUR", "p3": "EUR"}
    panel = build_panel(engine, list(ids.values()), as_of=AS_OF)
    for key, currency in expected.items():
        assert panel.attrs["currency"][str(ids[key])] == currency, key
        assert user_currencies(engine, ids[key])[0] == currency, key
    p2 = _wide(panel, ids["p2"])
    assert p2["total_income"].tolist() == [6000.0, 6000.0]  # three EUR accounts, no USD


def test_primary_currency_rule() -> None:
    assert primary_currency({"USD": 5, "EUR": 7}, "USD") == "EUR"
    assert primary_currency({"USD": 5, "EUR": 5}, "USD") == "USD"
    assert primary_currency({"USD": 5, "EUR": 5}, "GBP") == "EUR"  # then alphabetical
    assert primary_currency({}, "CHF") == "CHF"
    assert normalize_currency(" eur ") == "EUR"
    with pytest.raises(InputError, match="'E1R'"):
        normalize_currency("E1R")


def test_a_single_currency_users_panel_is_all_their_transactions(engine: Engine) -> None:
    """The panel of a one-currency user equals the pandas cross-check, next to others."""
    rows = _usd("s1") + _usd("m2") + _eur("m2")
    ids = _load(engine, rows)
    single = ids["s1"]
    both = build_panel(engine, list(ids.values()), as_of=AS_OF)
    alone = build_panel(engine, [single], as_of=AS_OF)
    given = build_panel(engine, [single], currency="USD", as_of=AS_OF)
    assert alone.attrs["other_currencies"] == {str(single): []}
    mine = both[both["unique_id"].str.startswith(f"{single}/")].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone, check_exact=True)
    pd.testing.assert_frame_equal(given, alone, check_exact=True)

    tx = pd.DataFrame([r for r in rows if r[0] == "s1"], columns=COLUMNS)
    tx = tx.assign(user_id=single, date=pd.to_datetime(tx["date"]), amount=tx["amount"])
    kinds = {slug: CATEGORY_BY_SLUG[slug].kind.value for slug in tx["category"].unique()}
    expected = transactions_to_panel(tx, kinds)
    expected = expected[expected["ds"] < pd.Timestamp("2025-01-01")].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone[["unique_id", "ds", "y"]], expected, check_dtype=False)
    # and the multi-currency user's USD panel is that same ledger's, EUR left out
    m2 = _wide(both, ids["m2"])
    pd.testing.assert_frame_equal(m2, _wide(alone, single), check_exact=True)


def test_a_currency_without_an_account_is_refused_by_name(engine: Engine) -> None:
    ids = _load(engine, _usd("r1") + _eur("r1"))
    user = ids["r1"]
    assert build_panel(engine, [user], currency="GBP", as_of=AS_OF).empty
    with session_scope(engine) as session:
        with pytest.raises(InputError, match=r"currency GBP: you have no account in GBP"):
            panel_currency(engine, session, user, "gbp")
        assert panel_currency(engine, session, user).currency == "USD"
        eur = panel_currency(engine, session, user, "eur")
        assert (eur.currency, eur.primary, eur.currencies) == ("EUR", "USD", ("EUR", "USD"))
        assert not eur.is_primary


def test_the_monthly_overview_is_per_currency_and_cached_per_currency(engine: Engine) -> None:
    ids = _load(engine, _usd("o1") + _eur("o1"))
    user = ids["o1"]
    with session_scope(engine) as session:
        v_usd = insights.monthly_version(session, user)
        v_eur = insights.monthly_version(session, user, currency="eur")
        assert insights.monthly_version(session, user, currency="EUR") == v_eur
    assert v_usd != v_eur
    a = insights.monthly_overview(engine, user, version=v_usd)
    b = insights.monthly_overview(engine, user, version=v_eur, currency="EUR")
    assert (a["currency"], a["currencies"]) == ("USD", ["EUR", "USD"])
    assert (b["currency"], b["currencies"]) == ("EUR", ["EUR", "USD"])
    assert [r["total_income"] for r in a["data"]] == [3000.0] * 3
    assert [r["total_income"] for r in b["data"]] == [2000.0] * 2
    with pytest.raises(InputError, match="GBP"):
        insights.monthly_overview(engine, user, currency="GBP")


def test_many_mixed_accounts_are_told_apart_all_alike(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the id-list limit every account is grouped apart: the same panels."""
    ids = _load(engine, _usd("k1") + _eur("k1") + _usd("k2"))
    users = list(ids.values())
    expected = build_panel(engine, users, as_of=AS_OF)
    monkeypatch.setattr(build_module, "_MAX_SPLIT_ACCOUNTS", 0)
    again = build_panel(engine, users, as_of=AS_OF)
    pd.testing.assert_frame_equal(again, expected, check_exact=True)
    assert again.attrs["currency"] == {str(ids["k1"]): "USD", str(ids["k2"]): "USD"}
    assert _wide(again, ids["k1"])["total_income"].tolist() == [3000.0] * 3


def test_monthly_anomalies_are_judged_in_each_currency_on_its_own(engine: Engine) -> None:
    """A wild EUR month is flagged as a EUR month; it does not disturb the USD months."""
    rng = random.Random(5)
    rows = []
    for i in range(12):
        m = f"2023-{i + 1:02d}"
        groceries = f"-{400 + rng.uniform(-30, 30):.2f}"
        dining = f"-{150 + rng.uniform(-15, 15):.2f}" if m != "2023-08" else "-1900.00"
        rows += [
            ["a1", "Checking", "checking", f"{m}-01", "3000.00", "income", "Employer", "USD"],
            ["a1", "Checking", "checking", f"{m}-03", "-1000.00", "housing", "Landlord", "USD"],
            ["a1", "Checking", "checking", f"{m}-09", groceries, "groceries", "Market", "USD"],
            ["a1", "Konto", "checking", f"{m}-02", "2000.00", "income", "Arbeitgeber", "EUR"],
            ["a1", "Konto", "checking", f"{m}-12", dining, "dining", "Gasthaus", "EUR"],
        ]
    user = _load(engine, rows)["a1"]
    with session_scope(engine) as session:
        flags = anomalies._months(session, user)
    eur = [f for f in flags if f.subject.endswith(" EUR")]
    assert [f.subject for f in eur] == ["2023-08 EUR"]
    assert all(f.reason.startswith("EUR: ") for f in eur)
    assert not any(f.subject == "2023-08" for f in flags), "the USD months were calm"
