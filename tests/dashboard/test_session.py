"""Signing in, registering, an expired session and an unreachable API, page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fincast.dashboard import session
from fincast.dashboard.session import ApiError, ApiUnreachable, DashboardApi, SessionExpired
from tests.dashboard.conftest import PASSWORD, free_port


def _start_script() -> None:
    from fincast.dashboard.navigation import main

    main()


_opened: list[Any] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    """Close the HTTP client of every session an app signed in (no socket left to the GC)."""
    yield
    while _opened:
        at = _opened.pop()
        if "api" in at.session_state:
            at.session_state["api"].close()


def _app(monkeypatch: pytest.MonkeyPatch, api_url: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FINCAST_API_URL", api_url)
    monkeypatch.delenv("FINCAST_DASHBOARD_EMAIL", raising=False)
    monkeypatch.delenv("FINCAST_DASHBOARD_PASSWORD", raising=False)
    at = AppTest.from_function(_start_script, default_timeout=60)
    _opened.append(at)
    return at.run()


def test_a_newcomer_registers_in_the_form_and_lands_on_the_overview(
    monkeypatch: pytest.MonkeyPatch, api_url: str
) -> None:
    at = _app(monkeypatch, api_url)
    assert not at.exception
    at.text_input(key="signup_email").input("newcomer-form@example.com")
    at.text_input(key="signup_password").input(PASSWORD)
    at.text_input(key="signup_again").input(PASSWORD)
    at.button[1].click().run()  # the sign-up form's submit button
    assert "api" in at.session_state, [e.value for e in at.error]
    assert at.session_state["api"].email == "newcomer-form@example.com"
    assert any("Overview" in h.value for h in at.header)
    assert any("No accounts yet" in i.value for i in at.info)


def test_a_wrong_password_says_so(monkeypatch: pytest.MonkeyPatch, api_url: str) -> None:
    at = _app(monkeypatch, api_url)
    at.text_input(key="signin_email").input("nobody@example.com")
    at.text_input(key="signin_password").input("not the password at all")
    at.button[0].click().run()
    assert "api" not in at.session_state
    assert [e.value for e in at.error] == ["Wrong email or password."]


def test_an_unreachable_api_is_named_with_its_address(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    at = _app(monkeypatch, dead)
    at.text_input(key="signin_email").input("someone@example.com")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    assert any(dead in e.value and "not answering" in e.value for e in at.error)


def test_the_demo_sign_in_shows_a_banner_with_a_way_out(
    monkeypatch: pytest.MonkeyPatch, api_url: str, new_user: DashboardApi
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FINCAST_API_URL", api_url)
    monkeypatch.setenv("FINCAST_DASHBOARD_EMAIL", new_user.email)
    monkeypatch.setenv("FINCAST_DASHBOARD_PASSWORD", PASSWORD)
    at = AppTest.from_function(_start_script, default_timeout=60)
    _opened.append(at)
    at.run()
    assert any("Demo account" in i.value for i in at.info)
    leave = next(b for b in at.button if b.label == "Leave the demo")
    leave.click().run()
    assert "api" not in at.session_state
    assert any("left the demo" in w.value for w in at.warning)
    at.run()  # no automatic sign-in back into the demo
    assert "api" not in at.session_state


def test_an_expired_access_token_is_renewed_with_the_refresh_token(
    new_user: DashboardApi,
) -> None:
    new_user.client.token = "expired-or-garbage"
    assert new_user.call("me")["email"] == new_user.email
    assert new_user.client.token != "expired-or-garbage"


def test_a_session_that_cannot_be_renewed_sends_back_to_sign_in(
    new_user: DashboardApi, page
) -> None:
    new_user.client.token = "expired"
    new_user.client.refresh_token = "revoked"
    with pytest.raises(SessionExpired):
        new_user.call("me")
    at = page("overview", new_user)
    assert "api" not in at.session_state
    assert any("expired" in w.value for w in at.warning)
    assert at.text_input(key="signin_email")


def test_register_refuses_a_weak_password_with_the_reason(api_url: str) -> None:
    with pytest.raises(ApiError) as err:
        session.register(api_url, "weak@example.com", "short")
    assert "password" in str(err.value).lower()


def test_connect_to_nothing_is_unreachable() -> None:
    with pytest.raises(ApiUnreachable):
        session.connect(f"http://127.0.0.1:{free_port()}", "a@example.com", PASSWORD)
