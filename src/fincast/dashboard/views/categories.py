"""Categories and rules: rename, add, essential or discretionary; create and test rules."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError

KINDS = ("expense", "income", "transfer")


def slugify(name: str) -> str:
    """A category's machine name from its display name."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:64] or "category"


def render(api: DashboardApi) -> None:
    """The categories editor and the rules."""
    st.header("Categories and rules")
    cats = data.categories(api)
    frame = pd.DataFrame(
        [
            {
                "id": c["id"],
                "Name": c["name"],
                "Kind": c["kind"],
                "Essential": bool(c["essential"]),
            }
            for c in cats
        ]
    )
    st.caption("Rename a category or mark it essential (needs) or discretionary (wants).")
    edited = st.data_editor(
        frame,
        key=f"cat_editor_{api.revision}",
        hide_index=True,
        width="stretch",
        column_config={
            "id": None,
            "Kind": st.column_config.SelectboxColumn("Kind", options=list(KINDS), required=True),
        },
    )
    changes = category_changes(frame, edited)
    if changes:
        try:
            for cid, fields in changes.items():
                api.write("update_category", cid, **fields)
        except DashboardError as exc:
            st.error(str(exc))
        else:
            st.rerun()
    with st.form("new-category", clear_on_submit=True):
        st.subheader("Add a category")
        c1, c2, c3 = st.columns([2, 1, 1])
        name = c1.text_input("Name")
        kind = c2.selectbox("Kind", KINDS)
        essential = c3.checkbox("Essential")
        if st.form_submit_button("Add category") and name.strip():
            try:
                api.write(
                    "create_category", slugify(name), name.strip(), kind=kind, essential=essential
                )
            except DashboardError as exc:
                st.error(str(exc))
            else:
                st.rerun()
    _rules(api, cats)


def category_changes(before: pd.DataFrame, after: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Per category id, the fields the editor changed."""
    out: dict[int, dict[str, Any]] = {}
    for old, new in zip(before.itertuples(), after.itertuples(), strict=True):
        fields: dict[str, Any] = {}
        if new.Name != old.Name and str(new.Name).strip():
            fields["name"] = str(new.Name).strip()
        if new.Kind != old.Kind:
            fields["kind"] = new.Kind
        if bool(new.Essential) != bool(old.Essential):
            fields["essential"] = bool(new.Essential)
        if fields:
            out[int(old.id)] = fields
    return out


def matches(rule: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The transactions among ``rows`` that ``rule`` would categorize."""
    out = []
    pattern = re.compile(rule["pattern"], re.IGNORECASE) if rule.get("pattern") else None
    contains = (rule.get("payee_contains") or "").lower()
    lo, hi = rule.get("amount_min"), rule.get("amount_max")
    for r in rows:
        text = f"{r.get('payee') or ''} {r.get('payee_raw') or ''} {r.get('description') or ''}"
        amount = Decimal(str(r["amount"]))
        if contains and contains not in text.lower():
            continue
        if pattern and not pattern.search(text):
            continue
        if lo is not None and amount < Decimal(str(lo)):
            continue
        if hi is not None and amount > Decimal(str(hi)):
            continue
        if rule.get("account_id") and r["account_id"] != rule["account_id"]:
            continue
        out.append(r)
    return out


def _rules(api: DashboardApi, cats: list[dict[str, Any]]) -> None:
    st.subheader("Rules")
    st.caption("A rule files matching transactions of later imports under its category.")
    names = {c["id"]: c["name"] for c in cats}
    rules = data.rows(api, "rules")
    if rules:
        st.table(
            pd.DataFrame(
                [
                    {
                        "Category": names.get(r["category_id"], r["category_id"]),
                        "Payee contains": r["payee_contains"] or "",
                        "Pattern": r["pattern"] or "",
                        "Amount from": r["amount_min"] or "",
                        "Amount to": r["amount_max"] or "",
                        "Priority": r["priority"],
                        "Active": "yes" if r["is_active"] else "no",
                    }
                    for r in rules
                ]
            )
        )
    with st.form("new-rule"):
        c1, c2 = st.columns(2)
        contains = c1.text_input("Payee or description contains")
        pattern = c2.text_input("or matches the pattern (regular expression)")
        c3, c4, c5 = st.columns(3)
        lo = c3.number_input("Amount from", value=None, step=10.0)
        hi = c4.number_input("Amount to", value=None, step=10.0)
        category = c5.selectbox("File under", list(names), format_func=names.__getitem__)
        test, create = st.columns(2)
        tested = test.form_submit_button("Test the rule")
        created = create.form_submit_button("Create the rule", type="primary")
    rule = {
        "payee_contains": contains.strip() or None,
        "pattern": pattern.strip() or None,
        "amount_min": None if lo is None else f"{lo:.2f}",
        "amount_max": None if hi is None else f"{hi:.2f}",
    }
    if (tested or created) and not (rule["payee_contains"] or rule["pattern"]):
        st.error("Say what the rule matches: some payee text or a pattern.")
        return
    if tested:
        try:
            recent = data.rows(api, "transactions", q=rule["payee_contains"], limit=1000)
            hits = matches(rule, recent)
        except re.error as exc:
            st.error(f"The pattern is not a valid regular expression: {exc}")
            return
        st.info(f"The rule matches {len(hits)} of your latest {len(recent)} transactions.")
        if hits:
            st.table(
                pd.DataFrame(
                    [
                        {
                            "Date": h["posted_date"],
                            "Payee": h.get("payee") or "",
                            "Amount": data.money(h["amount"], h.get("currency") or "USD"),
                            "Category now": names.get(h.get("category_id") or 0, "Uncategorized"),
                        }
                        for h in hits[:10]
                    ]
                )
            )
    if created:
        try:
            api.write("create_rule", category, **rule)
        except DashboardError as exc:
            st.error(str(exc))
        else:
            st.rerun()
    if rules:
        with st.expander("Delete a rule"):
            labels = {
                r["id"]: f"{r['payee_contains'] or r['pattern']} → {names.get(r['category_id'])}"
                for r in rules
            }
            rid = st.selectbox("Rule", list(labels), format_func=labels.__getitem__)
            if st.button("Delete rule"):
                api.write("delete_rule", rid)
                st.rerun()
