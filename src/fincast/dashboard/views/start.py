"""Sign in and create an account: the only page before a session exists."""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from fincast.dashboard import session
from fincast.dashboard.session import DashboardApi, DashboardError


def api_url() -> str:
    """Where the API is: ``FINCAST_API_URL``, else the default local port."""
    return os.environ.get("FINCAST_API_URL", "http://127.0.0.1:8000").rstrip("/")


def render() -> None:
    """The sign-in and sign-up forms."""
    st.title("fincast")
    st.write("See where your money goes and where it is heading. Sign in or create an account.")
    notice = st.session_state.pop("_notice", None)
    if notice:
        st.warning(notice)
    sign_in, sign_up = st.tabs(["Sign in", "Create an account"])
    with sign_in, st.form("sign-in"):
        email = st.text_input("Email", key="signin_email")
        password = st.text_input("Password", type="password", key="signin_password")
        if st.form_submit_button("Sign in", type="primary"):
            _enter(lambda: session.connect(api_url(), email.strip(), password))
    with sign_up, st.form("sign-up"):
        email = st.text_input("Email", key="signup_email")
        password = st.text_input(
            "Password", type="password", key="signup_password", help="At least 12 characters."
        )
        again = st.text_input("Repeat the password", type="password", key="signup_again")
        if st.form_submit_button("Create account", type="primary"):
            if password != again:
                st.error("The two passwords differ.")
            else:
                _enter(lambda: session.register(api_url(), email.strip(), password))


def _enter(how: Callable[[], DashboardApi]) -> None:
    try:
        api = how()
    except DashboardError as exc:
        st.error(str(exc))
        return
    st.session_state["api"] = api
    st.rerun()
