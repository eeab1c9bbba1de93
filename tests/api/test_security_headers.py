"""Answers that caches must not keep, nosniff everywhere, a strict CSP for /docs with local
assets, /metrics behind a setting, and 400 for a body that is not JSON."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from fincast.api import create_app
from tests.api.client import ApiClient
from tests.api.conftest import PASSWORD, LoggedIn, make_settings


def test_token_answers_are_not_cached(client: ApiClient, alice: LoggedIn) -> None:
    login = client.post("/api/auth/token", data={"username": alice.email, "password": PASSWORD})
    refresh = client.post("/api/auth/refresh", json={"refresh_token": alice.refresh_token})
    token = client.post("/api/auth/tokens", headers=alice.headers, json={"name": "x"})
    for r in (login, refresh, token):
        assert r.status_code in {200, 201}, r.text
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["pragma"] == "no-cache"  # RFC 6749 5.1


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_answers_are_not_cached(client: ApiClient, alice: LoggedIn, fmt: str) -> None:
    r = client.get("/api/export", headers=alice.headers, params={"format": fmt})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"


def test_every_answer_says_nosniff(client: ApiClient, alice: LoggedIn) -> None:
    answers = [
        client.get("/healthz"),
        client.get("/api/accounts"),  # 401
        client.get("/no/such/path"),  # 404
        client.get("/api/accounts", headers=alice.headers),
        client.get("/openapi.json"),
        client.get("/docs"),
        client.post(
            "/api/accounts",
            headers={**alice.headers, "Content-Length": str(10**12)},
            content=b"{}",
        ),  # refused by the size limit before the app
    ]
    for r in answers:
        assert r.headers["x-content-type-options"] == "nosniff", (r.request.url, r.status_code)


def test_docs_are_served_with_local_assets_and_a_strict_csp(client: ApiClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    html = r.text
    assert "cdn." not in html and "https://" not in html
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    # no inline script: every <script> names a local file
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" for _, body in scripts)
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/docs/") for s in srcs)
    for src in srcs:
        asset = client.get(src)
        assert asset.status_code == 200, src
        assert asset.content
    js = client.get(next(s for s in srcs if s.endswith("swagger-ui-bundle.js")))
    assert "javascript" in js.headers["content-type"]
    init = client.get(next(s for s in srcs if s.endswith("init.js"))).text
    assert "/openapi.json" in init


def test_metrics_default_to_loopback_only(engine: Engine) -> None:
    app = create_app(engine, make_settings())
    with ApiClient(app) as local:
        assert local.get("/metrics").status_code == 200
        # a request relayed by a proxy on the same machine is not local
        relayed = local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
        assert relayed.status_code == 403
    with ApiClient(app, client_addr=("203.0.113.5", 4444)) as remote:
        r = remote.get("/metrics")
        assert r.status_code == 403
        assert r.headers["content-type"] == "application/problem+json"
        assert "fincast_http" not in r.text


def test_metrics_can_be_off(engine: Engine) -> None:
    with ApiClient(create_app(engine, make_settings(metrics="off"))) as c:
        assert c.get("/metrics").status_code == 404


def test_metrics_behind_a_token(engine: Engine) -> None:
    secret = "metrics-scraper-token-0123456789"
    app = create_app(engine, make_settings(metrics="token", metrics_token=secret))
    with ApiClient(app, client_addr=("203.0.113.5", 4444)) as c:
        assert c.get("/metrics").status_code == 401
        wrong = c.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        ok = c.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200 and "fincast_http_requests" in ok.text


def test_the_metrics_token_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="FINCAST_METRICS_TOKEN"):
        make_settings(metrics="token")
    with pytest.raises(ValueError, match="FINCAST_METRICS_TOKEN"):
        make_settings(metrics="token", metrics_token="short")


@pytest.mark.parametrize(
    "body", [b'{"name": ', b"{name: 1}", b"\xff\xfe", b'{"name": "x"} trailing']
)
def test_a_body_that_is_not_json_is_400(client: ApiClient, alice: LoggedIn, body: bytes) -> None:
    r = client.post(
        "/api/accounts",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=body,
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 400
    assert "JSON" in problem["detail"]


def test_valid_json_with_bad_fields_stays_422(client: ApiClient, alice: LoggedIn) -> None:
    r = client.post(
        "/api/accounts",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=b'{"name": "\\u0000"}',
    )
    assert r.status_code == 422
