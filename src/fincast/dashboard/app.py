"""The fincast web dashboard (Streamlit). It talks to the REST API only, through fincast.client.

Run with ``streamlit run src/fincast/dashboard/app.py``; ``fincast run`` starts it for you.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import charts
from fincast.dashboard.session import ApiError, connect

st.set_page_config(page_title="fincast", page_icon="📈", layout="wide")


def _login_sidebar() -> Any:
    st.sidebar.title("fincast")
    api_url = os.environ.get("FINCAST_API_URL", "http://127.0.0.1:8000")
    client = st.session_state.get("client")
    if client is not None:
        st.sidebar.success(f"signed in as {st.session_state['email']}")
        if st.sidebar.button("Sign out"):
            st.session_state.pop("client", None)
            st.rerun()
        return client
    default_email = os.environ.get("FINCAST_DASHBOARD_EMAIL", "")
    default_password = os.environ.get("FINCAST_DASHBOARD_PASSWORD", "")
    if default_email and default_password and not st.session_state.get("auto_tried"):
        st.session_state["auto_tried"] = True
        try:
            st.session_state["client"] = connect(api_url, default_email, default_password)
            st.session_state["email"] = default_email
            st.rerun()
        except ApiError as exc:
            st.sidebar.warning(f"automatic demo sign-in failed: {exc}")
    with st.sidebar.form("login"):
        email = st.text_input("Email", value=default_email)
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            try:
                st.session_state["client"] = connect(api_url, email, password)
                st.session_state["email"] = email
                st.rerun()
            except ApiError as exc:
                st.sidebar.error(str(exc))
    return None


def _overview(client: Any) -> None:
    monthly = client.monthly()
    if monthly.empty:
        st.info("No transactions yet: import a bank file in the Import tab.")
        return
    last = monthly.iloc[-1]
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Income {last['year_month']}", f"{last['total_income']:,.2f}")
    c2.metric(f"Spending {last['year_month']}", f"{last['total_expense']:,.2f}")
    c3.metric(f"Saved {last['year_month']}", f"{last['savings']:,.2f}")
    st.plotly_chart(charts.income_vs_expense(monthly), use_container_width=True)
    st.plotly_chart(charts.category_stack(monthly), use_container_width=True)


def _forecast(client: Any) -> None:
    monthly = client.monthly()
    if len(monthly) < 3:
        st.info("Forecasts need at least 3 complete months of data.")
        return
    expense = client.predict_expense()
    lo, hi = charts.interval(expense["confidence_interval"])
    level = round(100 * float(expense["confidence_level"]))
    st.subheader("Next month's spending")
    st.metric("Predicted", f"{expense['predicted_expense']:,.2f}", help=f"{level}% range")
    st.caption(f"{level}% range: {lo:,.2f} to {hi:,.2f} (calibrated out of sample)")
    st.plotly_chart(charts.expense_forecast(monthly, expense), use_container_width=True)

    cats = client.predict_categories()
    st.subheader("Categories")
    table = charts.category_table(cats)
    if not table.empty:
        st.dataframe(table, use_container_width=True, hide_index=True)
        st.plotly_chart(charts.category_forecast_bars(table), use_container_width=True)

    savings = client.predict_savings()
    st.subheader("Savings trajectory")
    st.plotly_chart(charts.savings_trajectory(savings), use_container_width=True)
    health = savings.get("financial_health", {})
    if health:
        st.markdown(
            f"**Financial health: {health.get('status', '?')}** — {health.get('message', '')}"
        )
        for rec in health.get("recommendations", []) or []:
            st.markdown(f"- {rec}")


def _transactions(client: Any) -> None:
    text = st.text_input("Search payee or description")
    data = client.transactions(text=text or None, limit=200)
    st.caption(f"{data['count']} transactions match; showing the newest {len(data['data'])}")
    st.dataframe(pd.DataFrame(data["data"]), use_container_width=True, hide_index=True)


def _import(client: Any) -> None:
    accounts = client.accounts()
    if not accounts:
        st.info("Create an account first (API: POST /api/accounts).")
        return
    names = {a["name"]: a["id"] for a in accounts}
    account = st.selectbox("Account", list(names))
    upload = st.file_uploader("Bank file (CSV, OFX/QFX, QIF, CAMT.053, MT940)")
    if upload is not None and st.button("Import"):
        try:
            result = client.upload_import(names[account], upload.name, upload.getvalue())
            st.success(
                f"{result['imported']} imported, {result['duplicates']} duplicates, "
                f"{result['skipped']} skipped ({result['format']})"
            )
        except ApiError as exc:
            st.error(str(exc))


def main() -> None:
    """Render the dashboard."""
    client = _login_sidebar()
    if client is None:
        st.title("fincast")
        st.write("Sign in to see where your money goes and where it is heading.")
        return
    tabs = st.tabs(["Overview", "Forecast", "Transactions", "Import"])
    pages = (_overview, _forecast, _transactions, _import)
    for tab, page in zip(tabs, pages, strict=True):
        with tab:
            try:
                page(client)
            except ApiError as exc:
                st.error(str(exc))


main()
