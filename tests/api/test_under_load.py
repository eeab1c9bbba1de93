"""What the API does to stay fast under load, and what it must not give up for it.

Answers derived from the ledger are cached under its data version and carry an ETag; the
transaction list is encoded without Pydantic and pages by keyset. Two app instances on one
database stand in for two workers: a write through either, or straight into the database
through fincast's engine (the CLI, another process), is seen by the next read of both; a
logout, revoked session or password change ends a token on both at once. With a Redis URL,
workers share results.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import anyio.to_thread
import pytest
from sqlalchemy import Engine, update

from fincast.api import create_app
from fincast.ledger.models import Transaction
from fincast.services.forecasting.cache import CACHE, ResultCache, SharedStore
from tests.api.client import ApiClient
from tests.api.conftest import PASSWORD, LoggedIn, make_settings, register_and_login
from tests.support.redis import require_redis

NEW_PASSWORD = "a different horse battery"
# A complete month (the monthly overview leaves the month in progress out).
LAST_MONTH = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=12)


@pytest.fixture()
def second(engine: Engine) -> Iterator[ApiClient]:
    """Another app instance on the same database: a second worker."""
    with ApiClient(create_app(engine, make_settings())) as c:
        yield c


def _account(client: ApiClient, user: LoggedIn) -> int:
    r = client.post("/api/accounts", headers=user.headers, json={"name": "Checking"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _spend(
    client: ApiClient, user: LoggedIn, account: int, amount: str, day: dt.date = LAST_MONTH
) -> dict:
    body = {"account_id": account, "posted_date": day.isoformat(), "amount": amount}
    r = client.post("/api/transactions", headers=user.headers, json={**body, "payee": "Shop"})
    assert r.status_code == 201, r.text
    return r.json()


def _month_expense(client: ApiClient, user: LoggedIn) -> Decimal:
    r = client.get("/api/insights/monthly", headers=user.headers)
    assert r.status_code == 200, r.text
    row = next(m for m in r.json()["data"] if m["year_month"] == LAST_MONTH.strftime("%Y-%m"))
    return Decimal(str(row["total_expense"]))


# -- ETag and 304 ---------------------------------------------------------------------------


def test_monthly_insights_answer_304_until_the_ledger_changes(
    client: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    _spend(client, alice, account, "-40.00")
    first = client.get("/api/insights/monthly", headers=alice.headers)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "private, no-cache"

    same = client.get("/api/insights/monthly", headers={**alice.headers, "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag
    weak = client.get(
        "/api/insights/monthly", headers={**alice.headers, "If-None-Match": f'"x", W/{etag}'}
    )
    assert weak.status_code == 304
    other = client.get("/api/insights/monthly", headers={**alice.headers, "If-None-Match": '"x"'})
    assert other.status_code == 200 and other.json() == first.json()

    _spend(client, alice, account, "-2.50")
    changed = client.get("/api/insights/monthly", headers={**alice.headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert _month_expense(client, alice) == Decimal("42.50")


def test_an_etag_is_one_users_and_not_anothers(
    client: ApiClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    # Two empty ledgers have equal data; their answers must still not share a validator.
    a = client.get("/api/insights/monthly", headers=alice.headers).headers["etag"]
    b = client.get("/api/insights/monthly", headers=bob.headers).headers["etag"]
    assert a != b
    r = client.get("/api/insights/monthly", headers={**bob.headers, "If-None-Match": a})
    assert r.status_code == 200


def test_transaction_pages_answer_304_until_the_ledger_changes(
    client: ApiClient, second: ApiClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    account = _account(client, alice)
    _spend(client, alice, account, "-40.00")
    url = "/api/transactions?limit=50"
    first = client.get(url, headers=alice.headers)
    etag = first.headers["etag"]
    assert first.json()["count"] == 1 and first.headers["cache-control"] == "private, no-cache"
    assert client.get(url, headers={**alice.headers, "If-None-Match": etag}).status_code == 304
    # Another worker names the same page the same way; another query or user does not.
    assert second.get(url, headers={**alice.headers, "If-None-Match": etag}).status_code == 304
    narrower = client.get(url + "&q=shop", headers={**alice.headers, "If-None-Match": etag})
    assert narrower.status_code == 200
    assert client.get(url, headers={**bob.headers, "If-None-Match": etag}).status_code == 200

    # A write through one worker is seen by the next read on the other.
    tx = _spend(client, alice, account, "-2.50")
    changed = second.get(url, headers={**alice.headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["count"] == 2 and changed.json()["data"][0]["id"] == tx["id"]


# -- cached answers and writes, across workers ---------------------------------------------


def test_a_write_on_one_worker_is_seen_by_the_next_read_on_another(
    client: ApiClient, second: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    _spend(client, alice, account, "-10.00")
    assert _month_expense(client, alice) == Decimal("10.00")
    assert _month_expense(second, alice) == Decimal("10.00")  # cached on both now

    tx = _spend(client, alice, account, "-5.00")
    assert _month_expense(second, alice) == Decimal("15.00")
    listed = second.get("/api/transactions", headers=alice.headers).json()
    assert listed["count"] == 2 and listed["data"][0]["id"] == tx["id"]

    r = second.patch(f"/api/transactions/{tx['id']}", headers=alice.headers, json={"amount": "-7"})
    assert r.status_code == 200
    assert _month_expense(client, alice) == Decimal("17.00")
    assert second.delete(f"/api/transactions/{tx['id']}", headers=alice.headers).status_code == 204
    assert _month_expense(client, alice) == Decimal("10.00")


def test_a_write_by_another_process_is_seen_at_once(
    client: ApiClient, engine: Engine, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    tx = _spend(client, alice, account, "-10.00")
    assert _month_expense(client, alice) == Decimal("10.00")
    # Straight into the database, as the CLI or another host would: no service code runs,
    # only the engine (whose events renew the user's data revision: ledger/revisions.py).
    with engine.begin() as conn:
        conn.execute(
            update(Transaction).where(Transaction.id == tx["id"]).values(amount=Decimal("-12.00"))
        )
    assert _month_expense(client, alice) == Decimal("12.00")


# -- revocation stays immediate ------------------------------------------------------------


def _works(client: ApiClient, token: str) -> bool:
    r = client.get("/api/transactions", headers={"Authorization": f"Bearer {token}"})
    return r.status_code == 200


def test_logout_on_one_worker_ends_the_token_on_the_other(
    client: ApiClient, second: ApiClient, alice: LoggedIn
) -> None:
    assert _works(client, alice.access_token) and _works(second, alice.access_token)
    r = client.post("/api/auth/logout", headers=alice.headers)
    assert r.status_code == 204
    assert not _works(second, alice.access_token)
    assert not _works(client, alice.access_token)


def test_a_revoked_session_and_a_password_change_end_tokens_on_every_worker(
    client: ApiClient, second: ApiClient, alice: LoggedIn
) -> None:
    r = client.post("/api/auth/token", data={"username": alice.email, "password": PASSWORD})
    laptop = r.json()["access_token"]
    r = client.post("/api/auth/token", data={"username": alice.email, "password": PASSWORD})
    phone = r.json()["access_token"]
    assert _works(second, laptop) and _works(second, phone)

    me_laptop = {"Authorization": f"Bearer {laptop}"}
    listed = client.get("/api/auth/sessions", headers=me_laptop).json()["data"]
    current = next(s for s in listed if s["current"])
    r = client.delete(f"/api/auth/sessions/{current['id']}", headers=alice.headers)
    assert r.status_code == 204, r.text
    assert not _works(second, laptop)
    assert _works(second, phone)

    r = client.post(
        "/api/auth/password",
        headers=alice.headers,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert r.status_code == 204, r.text
    assert not _works(second, phone)
    assert _works(second, alice.access_token)  # the session that changed it goes on


# -- the transaction list -------------------------------------------------------------------


def test_listed_rows_are_exactly_what_the_schema_shows(client: ApiClient, alice: LoggedIn) -> None:
    account = _account(client, alice)
    groceries = next(
        c["id"]
        for c in client.get("/api/categories", headers=alice.headers).json()["data"]
        if c["slug"] == "groceries"
    )
    created = [
        _spend(client, alice, account, "-30"),
        client.post(
            "/api/transactions",
            headers=alice.headers,
            json={
                "account_id": account,
                "posted_date": "2024-02-29",
                "amount": "1234567.5",
                "payee": "Ünïcode \u202eshop",
                "description": "with a description",
                "category_id": groceries,
                "external_id": "ext-1",
                "currency": "eur",
            },
        ).json(),
    ]
    listed = client.get("/api/transactions", headers=alice.headers).json()
    assert listed["count"] == 2 and listed["next_cursor"] is None
    # The list is encoded without Pydantic; each row must equal the one the schema serialises.
    for row in listed["data"]:
        one = client.get(f"/api/transactions/{row['id']}", headers=alice.headers).json()
        assert row == one
    assert {r["amount"] for r in listed["data"]} == {"-30.00", "1234567.50"}
    assert sorted(r["id"] for r in listed["data"]) == sorted(c["id"] for c in created)
    assert all(r["created_at"].endswith("Z") for r in listed["data"])


def test_keyset_pages_walk_the_whole_ledger_once(client: ApiClient, alice: LoggedIn) -> None:
    account = _account(client, alice)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in (0, 0, 0, 3, 3, 9, 20, 20, 41)]
    for i, day in enumerate(days):
        _spend(client, alice, account, f"-{i + 1}", day)
    everything = client.get("/api/transactions", headers=alice.headers).json()
    assert everything["count"] == len(days)
    expected = [r["id"] for r in everything["data"]]

    seen: list[int] = []
    params: dict[str, object] = {"limit": 2}
    while True:
        page = client.get("/api/transactions", headers=alice.headers, params=params).json()
        assert page["count"] == len(days)  # every match, whichever page
        seen += [r["id"] for r in page["data"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 2, "after": page["next_cursor"]}
    assert seen == expected

    offset_page = client.get(
        "/api/transactions", headers=alice.headers, params={"limit": 3, "offset": 3}
    ).json()
    assert [r["id"] for r in offset_page["data"]] == expected[3:6]  # offsets still work

    first = client.get(
        "/api/transactions", headers=alice.headers, params={"limit": 2, "amount_max": "-5"}
    ).json()
    rest = client.get(
        "/api/transactions",
        headers=alice.headers,
        params={"limit": 100, "amount_max": "-5", "after": first["next_cursor"]},
    ).json()
    filtered = [r["id"] for r in first["data"] + rest["data"]]
    assert filtered == [r["id"] for r in everything["data"] if Decimal(r["amount"]) <= -5]


def test_a_bad_cursor_or_cursor_with_offset_is_refused(client: ApiClient, alice: LoggedIn) -> None:
    account = _account(client, alice)
    for i in range(3):
        _spend(client, alice, account, f"-{i + 1}")
    cursor = client.get("/api/transactions", headers=alice.headers, params={"limit": 1}).json()[
        "next_cursor"
    ]
    assert cursor
    for params in ({"after": "not-a-cursor"}, {"after": cursor, "offset": 1}):
        r = client.get("/api/transactions", headers=alice.headers, params=params)
        assert r.status_code == 422, (params, r.text)


def test_text_filter_matches_wildcards_literally(client: ApiClient, alice: LoggedIn) -> None:
    account = _account(client, alice)
    for payee in ("100% cotton", "100 cotton", "a_b", "axb"):
        body = {"account_id": account, "posted_date": "2024-01-01", "amount": "-1"}
        client.post("/api/transactions", headers=alice.headers, json={**body, "payee": payee})

    def count(q: str) -> int:
        r = client.get("/api/transactions", headers=alice.headers, params={"q": q})
        return int(r.json()["count"])

    assert count("100%") == 1 and count("a_b") == 1 and count("COTTON") == 2


def test_another_users_rows_never_appear(client: ApiClient, alice: LoggedIn, bob: LoggedIn) -> None:
    _spend(client, alice, _account(client, alice), "-3")
    page = client.get("/api/transactions", headers=bob.headers).json()
    assert page == {"data": [], "count": 0, "next_cursor": None}
    other = register_and_login(client)
    assert client.get("/api/transactions", headers=other.headers).json()["count"] == 0


# -- results shared between workers through Redis ------------------------------------------


def test_workers_share_results_through_redis() -> None:
    url = require_redis()
    one, other = ResultCache(shared=SharedStore(url)), ResultCache(shared=SharedStore(url))
    key = (2**31, "test", uuid.uuid4().hex)
    value = {"data": [{"year_month": "2024-01", "total_expense": 12.5}], "count": 1}
    computed: list[str] = []

    def compute(who: str, answer: dict) -> Callable[[], dict]:
        return lambda: computed.append(who) or answer

    assert one.get_or_compute(key, compute("one", value)) == value
    assert other.get_or_compute(key, compute("other", {"stale": True})) == value
    assert computed == ["one"]  # the second worker read it instead of computing


def test_an_unreachable_shared_cache_is_a_miss_not_an_error() -> None:
    cache = ResultCache(shared=SharedStore("redis://127.0.0.1:1/0", timeout=0.2))
    assert cache.get_or_compute(("k", uuid.uuid4().hex), lambda: {"ok": 1}) == {"ok": 1}


def test_the_app_shares_monthly_insights_when_a_cache_url_is_set(engine: Engine) -> None:
    import redis

    url = require_redis()
    store = redis.Redis.from_url(url)
    # Keys are digests of user, data version and question: a rerun on a fresh database
    # makes the same ones, so start from none (only this test shares results via Redis).
    for key in store.keys("fincast:result:*"):
        store.delete(key)
    keys_before: set[bytes] = set()
    try:
        with ApiClient(create_app(engine, make_settings(cache_url=url))) as c:
            user = register_and_login(c)
            _spend(c, user, _account(c, user), "-4.00")
            assert _month_expense(c, user) == Decimal("4.00")
        added = set(store.keys("fincast:result:*")) - keys_before
        assert len(added) == 1
    finally:
        CACHE.share_through(None)
        store.close()


def test_a_worker_runs_sync_routes_in_the_configured_number_of_threads(engine: Engine) -> None:
    app = create_app(engine, make_settings(request_threads=7))

    async def threads_while_serving() -> float:
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(threads_while_serving) == 7
