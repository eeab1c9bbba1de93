"""Transactions: filter, page through, correct a category inline or for a whole selection.

Paging is the API's: one page of ``PAGE_SIZE`` rows per request, cached under the data
version, so a ledger of 100,000 transactions costs what a page of 50 does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError

PAGE_SIZE = 50
SOURCES = {"user": "you", "rule": "rule", "model": "learned", "import": "bank file"}


def filters(accounts: list[dict[str, Any]], cats: list[dict[str, Any]]) -> dict[str, Any]:
    """The filter widgets, as the keyword arguments of ``client.transactions``."""
    acct = {a["id"]: a["name"] for a in accounts}
    cat = {c["id"]: c["name"] for c in cats}
    c1, c2, c3 = st.columns([2, 1, 1])
    text = c1.text_input("Search payee or description", key="tx_text")
    account_id = c2.selectbox(
        "Account", [None, *acct], format_func=lambda i: "All accounts" if i is None else acct[i],
        key="tx_account",
    )  # fmt: skip
    category_id = c3.selectbox(
        "Category", [None, *cat], format_func=lambda i: "All categories" if i is None else cat[i],
        key="tx_category",
    )  # fmt: skip
    c4, c5, c6 = st.columns([2, 1, 1])
    span = c4.date_input("Dates", value=[], key="tx_dates", format="YYYY-MM-DD")
    lo = c5.number_input("Amount from", value=None, step=10.0, key="tx_min")
    hi = c6.number_input("Amount to", value=None, step=10.0, key="tx_max")
    dates = list(span) if isinstance(span, tuple | list) else [span]
    return {
        "q": text.strip() or None,
        "account_id": account_id,
        "category_id": category_id,
        "date_from": dates[0] if dates else None,
        "date_to": dates[1] if len(dates) > 1 else None,
        "amount_min": None if lo is None else f"{lo:.2f}",
        "amount_max": None if hi is None else f"{hi:.2f}",
    }


def table(
    rows: list[dict[str, Any]], accounts: dict[int, Any], cats: dict[int, str]
) -> pd.DataFrame:
    """Rows as the page shows them: names, not ids; amounts with the currency symbol."""
    return pd.DataFrame(
        [
            {
                "id": r["id"],
                "Select": False,
                "Date": dt.date.fromisoformat(str(r["posted_date"])),
                "Account": accounts.get(r["account_id"], {}).get("name", ""),
                "Payee": r.get("payee") or r.get("payee_raw") or "",
                "Description": r.get("description") or "",
                "Amount": data.money(r["amount"], r.get("currency") or "USD"),
                "Category": cats.get(r["category_id"], "Uncategorized")
                if r.get("category_id")
                else "Uncategorized",
                "Set by": SOURCES.get(r.get("category_source") or "", ""),
                "Suggested": suggestion(r, cats),
            }
            for r in rows
        ],
        columns=[
            "id",
            "Select",
            "Date",
            "Account",
            "Payee",
            "Description",
            "Amount",
            "Category",
            "Set by",
            "Suggested",
        ],
    )


def suggestion(row: dict[str, Any], cats: dict[int, str]) -> str:
    """The learned categorizer's suggestion and its confidence, where it differs from the row's."""
    sid = row.get("suggested_category_id")
    if not sid or sid == row.get("category_id"):
        return ""
    conf = row.get("confidence")
    name = cats.get(sid, str(sid))
    return name if conf is None else f"{name} ({float(conf):.0%})"


def edits(before: pd.DataFrame, after: pd.DataFrame) -> tuple[dict[int, str], list[int]]:
    """What the grid's edits ask for: {transaction id: new category name}, the ticked ids."""
    changes = {
        int(new.id): str(new.Category)
        for new, old in zip(after.itertuples(), before.itertuples(), strict=True)
        if new.Category != old.Category
    }
    return changes, [int(r.id) for r in after.itertuples() if r.Select]


def render(api: DashboardApi) -> None:
    """Filters, one page of transactions, inline and bulk category changes."""
    st.header("Transactions")
    flash = st.session_state.pop("_tx_flash", None)
    if flash:
        st.success(flash)
    accounts = data.accounts(api)
    cats = data.categories(api)
    flt = filters(accounts, cats)
    key = repr(sorted(flt.items()))
    if st.session_state.get("_tx_filter") != key:
        st.session_state["_tx_filter"], st.session_state["tx_page"] = key, 1
    first = data.read(api, "transactions", offset=0, limit=1, **flt)
    count = int(first["count"])
    pages = max(1, -(-count // PAGE_SIZE))
    c1, c2 = st.columns([1, 3])
    page_no = int(c1.number_input("Page", min_value=1, max_value=pages, step=1, key="tx_page"))
    c2.caption(f"{count:,} transactions match · page {page_no} of {pages:,}")
    rows = data.rows(api, "transactions", offset=(page_no - 1) * PAGE_SIZE, limit=PAGE_SIZE, **flt)
    if not rows:
        st.info("No transactions match." if count else "No transactions yet: import a bank file.")
        return
    by_id = {a["id"]: a for a in accounts}
    name_of = {c["id"]: c["name"] for c in cats}
    id_of = {c["name"]: c["id"] for c in cats}
    frame = table(rows, by_id, name_of)
    edited = st.data_editor(
        frame,
        key=f"tx_editor_{key}_{page_no}_{api.revision}",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(frame), 420),
        disabled=["Date", "Account", "Payee", "Description", "Amount", "Set by", "Suggested"],
        column_config={
            "id": None,
            "Select": st.column_config.CheckboxColumn("✓", width="small"),
            "Category": st.column_config.SelectboxColumn(
                "Category", options=["Uncategorized", *id_of], required=True
            ),
        },
    )
    changes, selected = edits(frame, edited)
    if changes:
        _recategorize(api, {tid: id_of.get(name) for tid, name in changes.items()})
    st.caption("Change a category in the table to correct it; corrections are kept as yours.")
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    if c3.checkbox(f"Select all {len(rows)} on this page", key="tx_all"):
        selected = [int(i) for i in frame["id"]]
    target = c1.selectbox(
        f"Move the {len(selected)} selected to",
        [None, *name_of],
        format_func=lambda i: "Uncategorized" if i is None else name_of[i],
        key="tx_bulk",
    )
    if c2.button("Re-categorize selected", disabled=not selected):
        _recategorize(api, dict.fromkeys(selected, target))
    _one_form(api, rows, name_of)


def _one_form(api: DashboardApi, rows: list[dict[str, Any]], names: dict[int, str]) -> None:
    with st.expander("Correct one transaction"), st.form("tx_one"):
        by_id = {r["id"]: r for r in rows}

        def label(i: int) -> str:
            r = by_id[i]
            return (
                f"{r['posted_date']} · {r.get('payee') or r.get('description') or ''} · "
                + data.money(r["amount"], r.get("currency") or "USD")
            )

        tid = st.selectbox("Transaction", list(by_id), format_func=label, key="tx_one_id")
        cat = st.selectbox(
            "New category", list(names), format_func=names.__getitem__, key="tx_one_cat"
        )
        if st.form_submit_button("Save category"):
            _recategorize(api, {tid: cat})


def _recategorize(api: DashboardApi, changes: dict[int, int | None]) -> None:
    try:
        for tid, cat in changes.items():
            api.write("set_category", tid, cat)
    except DashboardError as exc:
        st.error(str(exc))
        return
    n = len(changes)
    st.session_state["_tx_flash"] = f"{n} transaction{'s' if n != 1 else ''} re-categorized."
    st.rerun()
