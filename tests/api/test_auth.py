"""Registration, login, refresh, logout, personal tokens and the login rate limit.

Sessions and token lineage: test_auth_sessions.py; the password policy:
test_auth_passwords.py; rate limits and registration privacy: test_auth_limits.py.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from fincast.api import create_app
from fincast.ledger.models import AuthToken, User
from tests.api.client import ApiClient
from tests.api.conftest import PASSWORD, LoggedIn, make_settings, register_and_login


def test_register_login_me(client: ApiClient) -> None:
    user = register_and_login(client, "Ada@Example.com")
    r = client.get("/api/auth/me", headers=user.headers)
    assert r.status_code == 200
    assert r.json()["email"] == "ada@example.com"
    assert "password_hash" not in r.json()


def test_token_answer_shape(client: ApiClient) -> None:
    client.post("/api/auth/register", json={"email": "t@example.com", "password": PASSWORD})
    r = client.post("/api/auth/token", data={"username": "t@example.com", "password": PASSWORD})
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert body["access_token"] != body["refresh_token"]


def test_passwords_and_tokens_are_stored_hashed(client: ApiClient, engine: Engine) -> None:
    user = register_and_login(client)
    with engine.connect() as conn:
        pw = conn.scalar(select(User.password_hash).where(User.id == user.id))
        hashes = set(conn.scalars(select(AuthToken.token_hash)))
    assert pw is not None and pw.startswith("$argon2id$")
    assert user.access_token not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_register_rules(client: ApiClient) -> None:
    r = client.post("/api/auth/register", json={"email": "x@example.com", "password": "short"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "body.password"
    ok = client.post("/api/auth/register", json={"email": "x@example.com", "password": PASSWORD})
    assert ok.status_code == 202
    # a taken email gets the same answer: registration does not tell who has an account
    dup = client.post("/api/auth/register", json={"email": "X@example.com", "password": PASSWORD})
    assert dup.status_code == 202 and dup.json() == ok.json()


def test_wrong_password_and_unknown_email_look_the_same(client: ApiClient) -> None:
    register_and_login(client, "p@example.com")
    a = client.post("/api/auth/token", data={"username": "p@example.com", "password": "nopenope"})
    b = client.post("/api/auth/token", data={"username": "q@example.com", "password": "nopenope"})
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]
    assert a.headers["www-authenticate"] == "Bearer"


def test_no_token_or_bad_token_is_401(client: ApiClient) -> None:
    assert client.get("/api/accounts").status_code == 401
    r = client.get("/api/accounts", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


def test_refresh_rotates(client: ApiClient, alice: LoggedIn) -> None:
    r = client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert r.status_code == 200
    new = r.json()
    assert (
        client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {new['access_token']}"}
        ).status_code
        == 200
    )
    again = client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token})
    assert again.status_code == 401
    # an access token is not a refresh token
    bad = client.post("/api/auth/refresh", json={"refresh_token": alice.access_token})
    assert bad.status_code == 401


def test_logout_revokes(client: ApiClient, alice: LoggedIn) -> None:
    r = client.post(
        "/api/auth/logout", headers=alice.headers, json={"refresh_token": alice.refresh_token}
    )
    assert r.status_code == 204
    assert client.get("/api/auth/me", headers=alice.headers).status_code == 401
    assert (
        client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token}).status_code
        == 401
    )


def test_expired_access_token(engine: Engine) -> None:
    app = create_app(engine, make_settings(access_token_minutes=0))
    with ApiClient(app) as c:
        c.post("/api/auth/register", json={"email": "e@example.com", "password": PASSWORD})
        r = c.post("/api/auth/token", data={"username": "e@example.com", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert c.get("/api/auth/me", headers=headers).status_code == 401


def test_personal_tokens(client: ApiClient, alice: LoggedIn, bob: LoggedIn) -> None:
    r = client.post("/api/auth/tokens", headers=alice.headers, json={"name": "script"})
    assert r.status_code == 201
    created = r.json()
    assert created["token"].startswith("fcp_")
    pat = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/auth/me", headers=pat).json()["id"] == alice.id
    listed = client.get("/api/auth/tokens", headers=alice.headers).json()
    assert listed["count"] == 1 and "token" not in listed["data"][0]
    assert listed["data"][0]["last_used_at"] is not None
    # bob can neither see nor revoke it
    assert client.get("/api/auth/tokens", headers=bob.headers).json()["count"] == 0
    assert (
        client.delete(f"/api/auth/tokens/{created['id']}", headers=bob.headers).status_code == 404
    )
    assert (
        client.delete(f"/api/auth/tokens/{created['id']}", headers=alice.headers).status_code == 204
    )
    assert client.get("/api/auth/me", headers=pat).status_code == 401
    assert (
        client.delete(f"/api/auth/tokens/{created['id']}", headers=alice.headers).status_code == 404
    )


def test_login_rate_limit(engine: Engine) -> None:
    app = create_app(engine, make_settings(login_attempts_per_minute=3))
    with ApiClient(app) as c:
        register_and_login(c, "r@example.com")  # 1 attempt
        codes = [
            c.post(
                "/api/auth/token", data={"username": "r@example.com", "password": "wrongwrong"}
            ).status_code
            for _ in range(3)
        ]
        assert codes == [401, 401, 429]
        r = c.post("/api/auth/token", data={"username": "r@example.com", "password": PASSWORD})
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert int(r.headers["retry-after"]) >= 1
        # the limit is per client: another email from the same client is blocked too
        other = c.post(
            "/api/auth/token", data={"username": "s@example.com", "password": "wrongwrong"}
        )
        assert other.status_code == 429
