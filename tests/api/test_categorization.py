"""Learned categories through the API: suggestions on import, corrections, rule offers."""

from __future__ import annotations

from typing import Any

from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, register_and_login

JAN = (
    b"Date,Description,Amount\n"
    b'2024-01-03,"BEA NR:XXX1234 03.01.24/09.18 PETS PLACE KATWIJK KATWI,PAS999",-23.50\n'
    b"2024-01-04,PANERA BREAD #4411,-12.40\n"
    b"2024-01-05,CORNER DELI 0012 LEIDEN,-8.10\n"
    b"2024-01-12,CORNER DELI 0012 LEIDEN,-9.30\n"
    b"2024-01-19,CORNER DELI 0012 LEIDEN,-7.75\n"
    b"2024-01-20,XQJZV WQPK,-4.00\n"
)
FEB = (
    b"Date,Description,Amount\n"
    b'2024-02-14,"BEA NR:XXX1234 14.02.24/17.02 PETS PLACE KATWIJK KATWI,PAS999",-31.20\n'
    b"2024-02-15,PANERA BREAD #4411,-15.10\n"
    b"2024-02-16,CORNER DELI 0012 LEIDEN,-6.60\n"
)


def _account(client: ApiClient, user: LoggedIn) -> int:
    r = client.post("/api/accounts", headers=user.headers, json={"name": "Checking"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _categories(client: ApiClient, user: LoggedIn) -> dict[str, int]:
    cats = client.get("/api/categories", headers=user.headers, params={"limit": 1000}).json()
    return {c["slug"]: c["id"] for c in cats["data"]}


def _import(client: ApiClient, user: LoggedIn, account: int, name: str, body: bytes) -> None:
    r = client.post(
        "/api/imports",
        headers=user.headers,
        data={"account_id": str(account)},
        files={"file": (name, body, "text/csv")},
    )
    assert r.status_code == 201, r.text


def _rows(client: ApiClient, user: LoggedIn) -> list[dict[str, Any]]:
    r = client.get("/api/transactions", headers=user.headers, params={"limit": 500})
    assert r.status_code == 200, r.text
    return sorted(r.json()["data"], key=lambda t: (t["posted_date"], t["id"]))


def _find(rows: list[dict[str, Any]], text: str, day: str) -> dict[str, Any]:
    return next(t for t in rows if text in (t["payee_raw"] or "") and t["posted_date"] == day)


def _correct(client: ApiClient, user: LoggedIn, tx_id: int, category_id: int) -> None:
    r = client.patch(
        f"/api/transactions/{tx_id}", headers=user.headers, json={"category_id": category_id}
    )
    assert r.status_code == 200, r.text
    assert r.json()["category_source"] == "user"


def test_import_stores_model_suggestions_and_says_unknown_otherwise(
    client: ApiClient, alice: LoggedIn
) -> None:
    cats = _categories(client, alice)
    _import(client, alice, _account(client, alice), "jan.csv", JAN)
    rows = _rows(client, alice)
    panera = _find(rows, "PANERA", "2024-01-04")
    assert panera["category_id"] == cats["dining"]
    assert panera["category_source"] == "model"
    assert panera["suggested_category_id"] == cats["dining"]
    assert 0.5 <= panera["confidence"] <= 1.0
    # one transaction read alone carries the same suggestion
    one = client.get(f"/api/transactions/{panera['id']}", headers=alice.headers).json()
    assert (one["suggested_category_id"], one["confidence"]) == (
        panera["suggested_category_id"],
        panera["confidence"],
    )
    alien = _find(rows, "XQJZV", "2024-01-20")
    assert alien["category_id"] is None and alien["category_source"] is None
    assert alien["suggested_category_id"] is None and alien["confidence"] is None


def test_a_correction_is_learned_by_the_next_import_and_never_overwritten(
    client: ApiClient, alice: LoggedIn
) -> None:
    cats = _categories(client, alice)
    account = _account(client, alice)
    _import(client, alice, account, "jan.csv", JAN)
    rows = _rows(client, alice)
    pets = _find(rows, "PETS PLACE", "2024-01-03")
    panera = _find(rows, "PANERA", "2024-01-04")
    assert panera["category_id"] == cats["dining"]  # what the global model said
    _correct(client, alice, pets["id"], cats["shopping"])
    _correct(client, alice, panera["id"], cats["entertainment"])

    _import(client, alice, account, "feb.csv", FEB)
    _import(client, alice, account, "jan.csv", JAN)  # a re-import adds nothing, changes nothing
    rows = _rows(client, alice)
    new_pets = _find(rows, "PETS PLACE", "2024-02-14")
    new_panera = _find(rows, "PANERA", "2024-02-15")
    assert (new_pets["category_id"], new_pets["category_source"]) == (cats["shopping"], "model")
    assert new_pets["confidence"] >= 0.5
    assert (new_panera["category_id"], new_panera["category_source"]) == (
        cats["entertainment"],
        "model",
    )
    for old, cid in ((pets, cats["shopping"]), (panera, cats["entertainment"])):
        again = _find(rows, old["payee_raw"], old["posted_date"])
        assert (again["category_id"], again["category_source"]) == (cid, "user")
    assert len(rows) == 9


def test_repeated_corrections_offer_a_rule_that_can_be_accepted(
    client: ApiClient, alice: LoggedIn
) -> None:
    cats = _categories(client, alice)
    account = _account(client, alice)
    _import(client, alice, account, "jan.csv", JAN)
    delis = [t for t in _rows(client, alice) if "CORNER DELI" in t["payee_raw"]]
    assert len(delis) == 3
    for n, tx in enumerate(delis, start=1):
        offered = client.get("/api/rules/suggestions", headers=alice.headers).json()
        assert offered["count"] == 0, f"offered after {n - 1} corrections"
        _correct(client, alice, tx["id"], cats["groceries"])
    offered = client.get("/api/rules/suggestions", headers=alice.headers).json()
    assert offered["data"] == [
        {
            "payee_contains": "corner deli leiden",
            "category_id": cats["groceries"],
            "corrections": 3,
            "example": "CORNER DELI 0012 LEIDEN",
        }
    ]
    wrong = {"payee_contains": "corner deli leiden", "category_id": cats["dining"]}
    r = client.post("/api/rules/suggestions/accept", headers=alice.headers, json=wrong)
    assert r.status_code == 404, r.text
    accept = {"payee_contains": "corner deli leiden", "category_id": cats["groceries"]}
    r = client.post("/api/rules/suggestions/accept", headers=alice.headers, json=accept)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert (rule["payee_contains"], rule["category_id"]) == (
        "corner deli leiden",
        cats["groceries"],
    )
    listed = client.get("/api/rules", headers=alice.headers).json()["data"]
    assert [r["id"] for r in listed] == [rule["id"]]
    assert client.get("/api/rules/suggestions", headers=alice.headers).json()["count"] == 0
    _import(client, alice, account, "feb.csv", FEB)
    new_deli = _find(_rows(client, alice), "CORNER DELI", "2024-02-16")
    assert (new_deli["category_id"], new_deli["category_source"]) == (cats["groceries"], "rule")


def test_one_users_corrections_never_reach_another(client: ApiClient, alice: LoggedIn) -> None:
    bob = register_and_login(client)
    a_cats, b_cats = _categories(client, alice), _categories(client, bob)
    a_account, b_account = _account(client, alice), _account(client, bob)
    _import(client, alice, a_account, "jan.csv", JAN)
    for tx in _rows(client, alice):
        if "PETS PLACE" in tx["payee_raw"] or "CORNER DELI" in tx["payee_raw"]:
            _correct(client, alice, tx["id"], a_cats["education"])
    _import(client, alice, a_account, "feb.csv", FEB)
    assert (
        _find(_rows(client, alice), "PETS PLACE", "2024-02-14")["category_id"]
        == (a_cats["education"])
    )
    assert client.get("/api/rules/suggestions", headers=alice.headers).json()["count"] == 1

    _import(client, bob, b_account, "jan.csv", JAN)
    _import(client, bob, b_account, "feb.csv", FEB)
    for tx in _rows(client, bob):
        assert tx["category_id"] != b_cats["education"], tx
        assert tx["suggested_category_id"] != b_cats["education"], tx
        assert tx["category_id"] not in a_cats.values() or tx["category_id"] is None
    assert client.get("/api/rules/suggestions", headers=bob.headers).json()["count"] == 0
