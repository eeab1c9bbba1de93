"""No user can read, change or learn the existence of another user's data.

For every resource and every verb, another user's id answers exactly like an unknown id.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.db.engine import session_scope
from fincast.ledger.models import ImportBatch, ImportStatus
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings, register_and_login

UNKNOWN = 2_000_000_000

# (collection, a valid PATCH body)
RESOURCES = {
    "accounts": {"name": "Renamed"},
    "categories": {"name": "Renamed"},
    "rules": {"priority": 5},
    "transactions": {"payee": "Renamed"},
    "budgets": {"amount": "10.00"},
    "goals": {"name": "Renamed"},
    "debts": {"name": "Renamed"},
}


def seed(client: ApiClient, user: LoggedIn, engine: Engine) -> dict[str, int]:
    """One row of every resource for ``user``; returns ids by collection."""
    h = user.headers
    ids: dict[str, int] = {}
    ids["accounts"] = client.post(
        "/api/accounts", headers=h, json={"name": "Checking", "currency": "eur"}
    ).json()["id"]
    cat = client.post(
        "/api/categories", headers=h, json={"slug": "pets", "name": "Pets", "kind": "expense"}
    )
    assert cat.status_code == 201, cat.text
    ids["categories"] = cat.json()["id"]
    ids["rules"] = client.post(
        "/api/rules",
        headers=h,
        json={"category_id": ids["categories"], "payee_contains": "vet"},
    ).json()["id"]
    tx = client.post(
        "/api/transactions",
        headers=h,
        json={
            "account_id": ids["accounts"],
            "posted_date": "2024-03-05",
            "amount": "-42.50",
            "payee": "Vet clinic",
            "category_id": ids["categories"],
        },
    )
    assert tx.status_code == 201, tx.text
    ids["transactions"] = tx.json()["id"]
    ids["budgets"] = client.post(
        "/api/budgets", headers=h, json={"category_id": ids["categories"], "amount": "100"}
    ).json()["id"]
    ids["goals"] = client.post(
        "/api/goals",
        headers=h,
        json={"name": "Bike", "target_amount": "900", "target_date": "2026-01-01"},
    ).json()["id"]
    ids["debts"] = client.post(
        "/api/debts",
        headers=h,
        json={"name": "Card", "balance": "1200", "apr": "19.99", "minimum_payment": "35"},
    ).json()["id"]
    with session_scope(engine) as s:
        batch = ImportBatch(
            user_id=user.id,
            account_id=ids["accounts"],
            file_name="a.csv",
            format="csv",
            sha256="0" * 64,
            status=ImportStatus.COMPLETED,
        )
        s.add(batch)
        s.flush()
        ids["imports"] = batch.id
    ids["tokens"] = client.post("/api/auth/tokens", headers=h, json={"name": "script"}).json()["id"]
    return ids


@pytest.fixture(scope="module")
def bob_own(client: ApiClient, bob: LoggedIn) -> tuple[dict, dict]:
    account = client.post("/api/accounts", headers=bob.headers, json={"name": "B"}).json()
    category = client.get("/api/categories", headers=bob.headers).json()["data"][0]
    return account, category


def _detail_without_id(body: dict, obj_id: int) -> str:
    return body["detail"].replace(str(obj_id), "<id>")


@pytest.fixture(scope="module")
def client(module_engine: Engine) -> Iterator[ApiClient]:
    with ApiClient(create_app(module_engine, make_settings())) as c:
        yield c


@pytest.fixture(scope="module")
def alice(client: ApiClient) -> LoggedIn:
    return register_and_login(client)


@pytest.fixture(scope="module")
def bob(client: ApiClient) -> LoggedIn:
    return register_and_login(client)


@pytest.fixture(scope="module")
def alice_ids(client: ApiClient, alice: LoggedIn, module_engine: Engine) -> dict[str, int]:
    return seed(client, alice, module_engine)


CASES = [
    *[(c, "GET") for c in [*RESOURCES, "imports"]],
    *[(c, "PATCH") for c in RESOURCES],
    *[(c, "DELETE") for c in RESOURCES],
    ("tokens", "DELETE"),
]


@pytest.mark.parametrize(("collection", "verb"), CASES)
def test_other_users_ids_look_unknown(
    client: ApiClient,
    alice: LoggedIn,
    bob: LoggedIn,
    alice_ids: dict[str, int],
    collection: str,
    verb: str,
) -> None:
    base = "/api/auth/tokens" if collection == "tokens" else f"/api/{collection}"
    kwargs = {"json": RESOURCES[collection]} if verb == "PATCH" else {}
    theirs = alice_ids[collection]
    before = None
    if collection != "tokens":
        before = client.get(f"{base}/{theirs}", headers=alice.headers).json()
    r_other = client.request(verb, f"{base}/{theirs}", headers=bob.headers, **kwargs)
    r_unknown = client.request(verb, f"{base}/{UNKNOWN}", headers=bob.headers, **kwargs)
    assert r_other.status_code == r_unknown.status_code == 404
    assert _detail_without_id(r_other.json(), theirs) == _detail_without_id(
        r_unknown.json(), UNKNOWN
    )
    # and alice's row is untouched and still hers
    if collection != "tokens":
        mine = client.get(f"{base}/{theirs}", headers=alice.headers)
        assert mine.status_code == 200
        assert mine.json() == before


@pytest.mark.parametrize("collection", [*RESOURCES, "imports", "tokens"])
def test_lists_show_only_own_rows(
    client: ApiClient, bob: LoggedIn, alice_ids: dict[str, int], collection: str
) -> None:
    base = "/api/auth/tokens" if collection == "tokens" else f"/api/{collection}"
    listed = client.get(base, headers=bob.headers).json()
    assert alice_ids[collection] not in {row["id"] for row in listed["data"]}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/transactions", {"posted_date": "2024-01-01", "amount": "1", "account_id": "A"}),
        ("/api/transactions", {"posted_date": "2024-01-01", "amount": "1", "category_id": "C"}),
        ("/api/rules", {"category_id": "C"}),
        ("/api/rules", {"category_id": "own", "account_id": "A"}),
        ("/api/budgets", {"category_id": "C", "amount": "5"}),
        (
            "/api/debts",
            {"name": "x", "balance": "1", "apr": "1", "minimum_payment": "1", "account_id": "A"},
        ),
    ],
)
def test_references_to_other_users_rows_look_unknown(
    client: ApiClient,
    bob: LoggedIn,
    alice_ids: dict[str, int],
    bob_own: tuple[dict, dict],
    path: str,
    body: dict,
) -> None:
    own_account, own_category = bob_own
    resolved = dict(body)
    resolved.setdefault("account_id", own_account["id"]) if path == "/api/transactions" else None
    for key, value in body.items():
        if value == "A":
            resolved[key] = alice_ids["accounts"]
        elif value == "C":
            resolved[key] = alice_ids["categories"]
        elif value == "own":
            resolved[key] = own_category["id"]
    r = client.post(path, headers=bob.headers, json=resolved)
    assert r.status_code == 404, r.text
    # the same request with an unknown id answers the same status
    unknown = {
        k: (UNKNOWN if v in (alice_ids["accounts"], alice_ids["categories"]) else v)
        for k, v in resolved.items()
    }
    assert client.post(path, headers=bob.headers, json=unknown).status_code == 404


def test_filters_by_other_users_account_return_nothing(
    client: ApiClient, bob: LoggedIn, alice_ids: dict[str, int]
) -> None:
    r = client.get(
        "/api/transactions", headers=bob.headers, params={"account_id": alice_ids["accounts"]}
    )
    assert r.status_code == 200 and r.json()["count"] == 0


def test_export_holds_only_own_rows(
    client: ApiClient, bob: LoggedIn, alice_ids: dict[str, int]
) -> None:
    data = client.get("/api/export", headers=bob.headers).json()
    assert data["transactions"] == []
    assert alice_ids["accounts"] not in {a["id"] for a in data["accounts"]}
    assert all(c["id"] != alice_ids["categories"] for c in data["categories"])


def test_import_into_other_users_account_is_404(
    client: ApiClient, bob: LoggedIn, alice_ids: dict[str, int]
) -> None:
    r = client.post(
        "/api/imports",
        headers=bob.headers,
        data={"account_id": str(alice_ids["accounts"])},
        files={"file": ("a.csv", b"date,amount,payee\n2024-01-01,-1.00,x\n", "text/csv")},
    )
    assert r.status_code == 404
