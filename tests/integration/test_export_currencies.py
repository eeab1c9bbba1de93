"""Exports carry the currency of budgets, goals and debts; older exports without it get the
currency those rows counted in then (issue 14), on every database backend."""

from __future__ import annotations

from sqlalchemy import Engine

from fincast.services.export import import_json
from tests.integration.test_export_reimport import _export, _new_user, _seed


def _currencies(doc: dict, table: str) -> list[tuple[str, str]]:
    return [(row.get("name") or str(row["amount"]), row["currency"]) for row in doc[table]]


def test_an_export_carries_each_plans_currency(engine: Engine) -> None:
    owner = _seed(engine)
    doc = _export(engine, owner)
    assert _currencies(doc, "budgets") == [("300.00", "EUR"), ("2000.00", "EUR")]
    assert _currencies(doc, "goals") == [("Holiday", "EUR")]
    assert _currencies(doc, "debts") == [("Card debt", "USD"), ("Family loan", "EUR")]
    other = _new_user(engine, "copy@example.org")
    import_json(engine, other, doc)
    again = _export(engine, other)
    for table in ("budgets", "goals", "debts"):
        assert _currencies(again, table) == _currencies(doc, table)


def test_an_export_from_before_plan_currencies_gets_the_primary_and_the_accounts(
    engine: Engine,
) -> None:
    owner = _seed(engine)
    doc = _export(engine, owner)
    for table in ("budgets", "goals", "debts"):
        for row in doc[table]:
            del row["currency"]
    other = _new_user(engine, "old@example.org")
    import_json(engine, other, doc)
    again = _export(engine, other)
    # the EUR checking account holds most transactions: EUR; the card debt is the card's USD
    assert _currencies(again, "budgets") == [("300.00", "EUR"), ("2000.00", "EUR")]
    assert _currencies(again, "goals") == [("Holiday", "EUR")]
    assert _currencies(again, "debts") == [("Card debt", "USD"), ("Family loan", "EUR")]


def test_an_export_from_before_detection_currencies_gets_the_accounts_and_subjects(
    engine: Engine,
) -> None:
    """Series and flags of an export made before migration 0011: a series its account's
    currency (else the primary one), a transaction flag its transaction's account's, a
    month or spike flag the currency its subject names (else the primary one)."""
    owner = _seed(engine)
    doc = _export(engine, owner)
    assert [(r["payee_key"], r["currency"]) for r in doc["recurring_series"]] == [
        ("netflix", "EUR"),
        ("gym", "USD"),
    ]
    spike = dict(doc["anomalies"][1], subject="groceries:2024-02 USD", status="new")
    doc["anomalies"].append({**spike, "id": spike["id"] + 1000})
    for table in ("recurring_series", "anomalies"):
        for row in doc[table]:
            del row["currency"]
    other = _new_user(engine, "older@example.org")
    import_json(engine, other, doc)
    again = _export(engine, other)
    # netflix is the EUR checking account's; the gym series has no account: the primary EUR
    assert [(r["payee_key"], r["currency"]) for r in again["recurring_series"]] == [
        ("netflix", "EUR"),
        ("gym", "EUR"),
    ]
    assert [(r["kind"], r["currency"]) for r in again["anomalies"]] == [
        ("transaction", "EUR"),  # its transaction is in the EUR checking account
        ("category_spike", "EUR"),  # no currency named: the primary one
        ("category_spike", "USD"),  # named in its subject
    ]
