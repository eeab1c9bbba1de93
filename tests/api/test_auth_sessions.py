"""Sessions and token lineage: no token outlives the token that made it, logout ends the
session, refresh-token reuse ends the whole chain, password change, the session list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from fincast.api import create_app
from fincast.ledger.models import AuthToken
from tests.api.client import ApiClient
from tests.api.conftest import PASSWORD, LoggedIn, make_settings, register_and_login

NEW_PASSWORD = "a different long passphrase"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _works(client: ApiClient, token: str) -> bool:
    status = client.get("/api/auth/me", headers=_bearer(token)).status_code
    assert status in {200, 401}
    return status == 200


def _refreshes(client: ApiClient, refresh_token: str) -> bool:
    status = client.post("/api/auth/refresh", json={"refresh_token": refresh_token}).status_code
    assert status in {200, 401}
    return status == 200


def _login(client: ApiClient, email: str, password: str = PASSWORD) -> dict:
    r = client.post("/api/auth/token", data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def _when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


# -- a token never creates a token that outlives it --------------------------------------


def test_a_short_lived_token_cannot_create_an_immortal_one(
    client: ApiClient, alice: LoggedIn
) -> None:
    parent = client.post(
        "/api/auth/tokens",
        headers=alice.headers,
        json={"name": "one day", "expires_in_days": 1, "password": PASSWORD},
    ).json()
    child = client.post(
        "/api/auth/tokens", headers=_bearer(parent["token"]), json={"name": "forever?"}
    )
    assert child.status_code == 201, child.text
    body = child.json()
    assert body["expires_at"] is not None
    assert _when(body["expires_at"]) <= _when(parent["expires_at"])
    grandchild = client.post(
        "/api/auth/tokens",
        headers=_bearer(body["token"]),
        json={"name": "ten years?", "expires_in_days": 3650},
    ).json()
    assert _when(grandchild["expires_at"]) <= _when(parent["expires_at"])

    # revoking the parent revokes its children and theirs
    assert _works(client, body["token"]) and _works(client, grandchild["token"])
    r = client.delete(f"/api/auth/tokens/{parent['id']}", headers=alice.headers)
    assert r.status_code == 204
    assert not _works(client, parent["token"])
    assert not _works(client, body["token"])
    assert not _works(client, grandchild["token"])
    assert _works(client, alice.access_token)


def test_a_token_made_with_an_access_token_ends_with_its_session(
    client: ApiClient, alice: LoggedIn
) -> None:
    made = client.post("/api/auth/tokens", headers=alice.headers, json={"name": "script"})
    assert made.status_code == 201, made.text
    token = made.json()
    # capped at the access token's own end: 30 minutes in the test settings
    latest = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    assert token["expires_at"] is not None and _when(token["expires_at"]) <= latest
    assert _works(client, token["token"])

    r = client.post("/api/auth/logout", headers=alice.headers)
    assert r.status_code == 204
    assert not _works(client, token["token"])


def test_a_token_made_with_the_password_is_independent(client: ApiClient, alice: LoggedIn) -> None:
    r = client.post(
        "/api/auth/tokens",
        headers=alice.headers,
        json={"name": "backup job", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    token = r.json()
    assert token["expires_at"] is None
    client.post("/api/auth/logout", headers=alice.headers)
    assert _works(client, token["token"])


def test_a_wrong_password_makes_no_token(client: ApiClient, alice: LoggedIn) -> None:
    r = client.post(
        "/api/auth/tokens",
        headers=alice.headers,
        json={"name": "backup job", "password": "not my password at all"},
    )
    assert r.status_code == 401
    assert client.get("/api/auth/tokens", headers=alice.headers).json()["count"] == 0


def test_access_tokens_never_outlive_their_refresh_token(engine: Engine) -> None:
    app = create_app(engine, make_settings(access_token_minutes=60 * 24 * 30, refresh_token_days=1))
    with ApiClient(app) as c:
        user = register_and_login(c)
        body = _login(c, user.email)
        assert body["expires_in"] <= 24 * 3600


def test_refresh_keeps_the_sessions_end(client: ApiClient, alice: LoggedIn, engine: Engine) -> None:
    # a login session lasts refresh_token_days from the login, however often it refreshes
    with engine.connect() as conn:
        first = conn.scalar(
            select(AuthToken.expires_at).where(AuthToken.kind == "refresh").order_by(AuthToken.id)
        )
    new = client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token}).json()
    with engine.connect() as conn:
        second = conn.scalar(
            select(AuthToken.expires_at)
            .where(AuthToken.kind == "refresh")
            .order_by(AuthToken.id.desc())
        )
    assert second <= first
    assert _works(client, new["access_token"])


# -- logout ------------------------------------------------------------------------------


def test_logout_without_a_body_ends_the_refresh_token_too(
    client: ApiClient, alice: LoggedIn
) -> None:
    r = client.post("/api/auth/logout", headers=alice.headers)
    assert r.status_code == 204
    assert not _works(client, alice.access_token)
    assert not _refreshes(client, alice.refresh_token)


def test_logout_ends_only_this_session(client: ApiClient, alice: LoggedIn) -> None:
    other = _login(client, alice.email)
    client.post("/api/auth/logout", headers=alice.headers)
    assert _works(client, other["access_token"])
    assert _refreshes(client, other["refresh_token"])


def test_logout_everywhere(client: ApiClient, alice: LoggedIn, bob: LoggedIn) -> None:
    phone = _login(client, alice.email)
    script = client.post(
        "/api/auth/tokens", headers=alice.headers, json={"name": "s", "password": PASSWORD}
    ).json()
    r = client.post("/api/auth/logout", headers=alice.headers, json={"everywhere": True})
    assert r.status_code == 204
    assert not _works(client, alice.access_token)
    assert not _works(client, phone["access_token"])
    assert not _refreshes(client, phone["refresh_token"])
    assert not _refreshes(client, alice.refresh_token)
    assert not _works(client, script["token"])
    assert _works(client, bob.access_token)  # nobody else is signed out


# -- refresh-token reuse (RFC 9700 4.14.2) -----------------------------------------------


def test_refresh_token_reuse_revokes_the_whole_chain(client: ApiClient, alice: LoggedIn) -> None:
    second = client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token}).json()
    third = client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]}).json()
    assert _works(client, third["access_token"])
    # someone replays the first, already used, refresh token
    replay = client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert replay.status_code == 401
    assert not _refreshes(client, third["refresh_token"])
    assert not _works(client, third["access_token"])
    assert not _works(client, second["access_token"])
    # a session of the same user that was not part of the chain is untouched
    other = _login(client, alice.email)
    assert _works(client, other["access_token"])


# -- password change ---------------------------------------------------------------------


def test_change_password(client: ApiClient, alice: LoggedIn) -> None:
    laptop = _login(client, alice.email)
    script = client.post(
        "/api/auth/tokens", headers=alice.headers, json={"name": "s", "password": PASSWORD}
    ).json()
    wrong = client.post(
        "/api/auth/password",
        headers=alice.headers,
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401
    weak = client.post(
        "/api/auth/password",
        headers=alice.headers,
        json={"current_password": PASSWORD, "new_password": "qwerty123456"},
    )
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "body.new_password"
    ok = client.post(
        "/api/auth/password",
        headers=alice.headers,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert ok.status_code == 204, ok.text
    # this session goes on, every other one ends
    assert _works(client, alice.access_token)
    assert _refreshes(client, alice.refresh_token)
    assert not _works(client, laptop["access_token"])
    assert not _refreshes(client, laptop["refresh_token"])
    assert not _works(client, script["token"])
    old = client.post("/api/auth/token", data={"username": alice.email, "password": PASSWORD})
    assert old.status_code == 401
    _login(client, alice.email, NEW_PASSWORD)


def test_new_password_must_differ(client: ApiClient, alice: LoggedIn) -> None:
    r = client.post(
        "/api/auth/password",
        headers=alice.headers,
        json={"current_password": PASSWORD, "new_password": PASSWORD},
    )
    assert r.status_code == 422
    assert "differ" in r.json()["detail"]


# -- the session list --------------------------------------------------------------------


def test_session_list_and_revoking_one(client: ApiClient, alice: LoggedIn, bob: LoggedIn) -> None:
    phone = _login(client, alice.email)
    r = client.get("/api/auth/sessions", headers=alice.headers)
    assert r.status_code == 200, r.text
    listed = r.json()
    assert listed["count"] == 2
    assert sorted(s["current"] for s in listed["data"]) == [False, True]
    text = r.text
    for secret in (alice.access_token, alice.refresh_token, phone["access_token"]):
        assert secret not in text
    assert all(
        set(s) == {"id", "created_at", "last_used_at", "expires_at", "current"}
        for s in listed["data"]
    )
    other = next(s for s in listed["data"] if not s["current"])
    # bob can neither see nor end alice's sessions
    assert client.get("/api/auth/sessions", headers=bob.headers).json()["count"] == 1
    assert (
        client.delete(f"/api/auth/sessions/{other['id']}", headers=bob.headers).status_code == 404
    )
    assert _works(client, phone["access_token"])

    r = client.delete(f"/api/auth/sessions/{other['id']}", headers=alice.headers)
    assert r.status_code == 204
    assert not _works(client, phone["access_token"])
    assert not _refreshes(client, phone["refresh_token"])
    assert _works(client, alice.access_token)
    assert client.get("/api/auth/sessions", headers=alice.headers).json()["count"] == 1
    again = client.delete(f"/api/auth/sessions/{other['id']}", headers=alice.headers)
    assert again.status_code == 404


def test_session_list_follows_refresh(client: ApiClient, alice: LoggedIn) -> None:
    before = client.get("/api/auth/sessions", headers=alice.headers).json()["data"]
    new = client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token}).json()
    after = client.get("/api/auth/sessions", headers=_bearer(new["access_token"])).json()["data"]
    assert [s["id"] for s in before] == [s["id"] for s in after]
    assert after[0]["current"] is True
