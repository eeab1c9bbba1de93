"""Accounts: balances, net worth over time, create, rename or change, delete."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import charts, data
from fincast.dashboard.session import DashboardApi, DashboardError

TYPES = ("checking", "savings", "credit_card", "cash", "loan", "investment")
CURRENCIES = tuple(data.CURRENCY_SYMBOLS)


def net_worth(balances: list[dict[str, Any]]) -> dict[str, float]:
    """Sum of every account's balance at the end of each month (carried forward)."""
    months = sorted({m for b in balances for m in b["months"]})
    out: dict[str, float] = {}
    for month in months:
        total = 0.0
        for b in balances:
            known = [m for m in b["months"] if m <= month]
            total += float(b["months"][max(known)]) if known else 0.0
        out[month] = round(total, 2)
    return out


def render(api: DashboardApi) -> None:
    """The accounts table, the net-worth chart and the forms."""
    st.header("Accounts")
    accounts = data.accounts(api)
    balances = {b["account_id"]: b for b in data.rows(api, "balances")}
    if accounts:
        table = pd.DataFrame(
            [
                {
                    "Account": a["name"] + (" (archived)" if a.get("archived") else ""),
                    "Type": a["type"].replace("_", " "),
                    "Currency": a["currency"],
                    "Opening balance": data.money(a["opening_balance"], a["currency"]),
                    "Balance": data.money(
                        balances.get(a["id"], {}).get("balance", a["opening_balance"]),
                        a["currency"],
                    ),
                }
                for a in accounts
            ]
        )
        st.table(table.set_index("Account"))
        series = net_worth(list(balances.values()))
        if len(series) > 1:
            st.plotly_chart(charts.net_worth(series, data.main_currency(api)), width="stretch")
    else:
        st.info("No accounts yet. Create your first one below, then import a bank file into it.")
    new, edit = st.columns(2)
    with new:
        _create_form(api)
    if accounts:
        with edit:
            _edit_form(api, accounts)


def _create_form(api: DashboardApi) -> None:
    with st.form("new-account", clear_on_submit=True):
        st.subheader("New account")
        name = st.text_input("Name", placeholder="e.g. Everyday checking")
        kind = st.selectbox("Type", TYPES, format_func=lambda t: t.replace("_", " "))
        currency = st.selectbox("Currency", CURRENCIES)
        opening = st.number_input("Opening balance", value=0.0, step=100.0, format="%.2f")
        if st.form_submit_button("Create account", type="primary"):
            if not name.strip():
                st.error("Give the account a name.")
                return
            try:
                api.write(
                    "create_account",
                    name.strip(),
                    type=kind,
                    currency=currency,
                    opening_balance=str(Decimal(str(opening)).quantize(Decimal("0.01"))),
                )
            except DashboardError as exc:
                st.error(str(exc))
                return
            st.session_state["_flash"] = f"Account “{name.strip()}” created."
            st.rerun()


def _edit_form(api: DashboardApi, accounts: list[dict[str, Any]]) -> None:
    st.subheader("Change an account")
    by_id = {a["id"]: a for a in accounts}
    chosen = st.selectbox("Account", list(by_id), format_func=lambda i: by_id[i]["name"])
    account = by_id[chosen]
    with st.form(f"edit-account-{chosen}"):
        name = st.text_input("Name", value=account["name"])
        kind = st.selectbox(
            "Type",
            TYPES,
            index=TYPES.index(account["type"]) if account["type"] in TYPES else 0,
            format_func=lambda t: t.replace("_", " "),
        )
        opening = st.number_input(
            "Opening balance", value=float(account["opening_balance"]), format="%.2f"
        )
        if st.form_submit_button("Save changes"):
            try:
                api.write(
                    "update_account",
                    chosen,
                    name=name.strip(),
                    type=kind,
                    opening_balance=str(Decimal(str(opening)).quantize(Decimal("0.01"))),
                )
            except DashboardError as exc:
                st.error(str(exc))
                return
            st.session_state["_flash"] = "Account saved."
            st.rerun()
    _archive(api, account)
    with st.expander("Delete this account"):
        st.caption(
            "Deleting removes the account and every transaction on it. Archive it instead to "
            "keep its history."
        )
        sure = st.checkbox(f"Yes, delete “{account['name']}” and its transactions")
        if st.button("Delete account", disabled=not sure):
            try:
                api.write("delete_account", chosen)
            except DashboardError as exc:
                st.error(str(exc))
                return
            st.session_state["_flash"] = "Account deleted."
            st.rerun()


def _archive(api: DashboardApi, account: dict[str, Any]) -> None:
    """Archive (keep the history, take no imports) or bring an account back."""
    archived = bool(account.get("archived"))
    label = "Unarchive this account" if archived else "Archive this account"
    if st.button(label, key=f"archive-{account['id']}"):
        try:
            api.write("update_account", account["id"], archived=not archived)
        except DashboardError as exc:
            st.error(str(exc))
            return
        state = "back in use" if archived else "archived: its history stays, imports are off"
        st.session_state["_flash"] = f"Account “{account['name']}” {state}."
        st.rerun()
