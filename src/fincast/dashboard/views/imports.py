"""Import: upload a bank file into an account, see what happened, and the history."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError

#: The API's upload limit (``FINCAST_MAX_UPLOAD_BYTES``); the dashboard's is set to match.
MAX_UPLOAD_MIB = 50
FORMATS = ("auto", "csv", "ofx", "qif", "camt", "mt940", "mint")


def render(api: DashboardApi) -> None:
    """The upload form, the last result and the import history."""
    st.header("Import a bank file")
    accounts = data.accounts(api)
    if not accounts:
        st.info("Create an account first on the **Accounts** page; files are imported into one.")
        return
    by_id = {a["id"]: a for a in accounts}
    open_ids = [a["id"] for a in accounts if not a.get("archived")]
    if not open_ids:
        st.info("Every account is archived. Unarchive one on the **Accounts** page to import.")
        return
    with st.form("import", clear_on_submit=True):
        account = st.selectbox("Into account", open_ids, format_func=lambda i: by_id[i]["name"])
        fmt = st.selectbox("Format", FORMATS, help="auto recognises the file by its content.")
        upload = st.file_uploader(
            f"Bank file: CSV, OFX/QFX, QIF, CAMT.053 or MT940, up to {MAX_UPLOAD_MIB} MiB",
            type=None,
        )
        submitted = st.form_submit_button("Import", type="primary")
    if submitted:
        if upload is None:
            st.error("Choose a file first.")
        else:
            try:
                with st.spinner("Importing..."):
                    result = api.write(
                        "upload_import", account, upload.getvalue(), filename=upload.name,
                        format=fmt,
                    )  # fmt: skip
            except DashboardError as exc:
                st.error(f"{upload.name} was not imported: {exc}")
            else:
                st.session_state["_last_import"] = result
    result = st.session_state.get("_last_import")
    if result:
        show_result(result)
    history = data.rows(api, "imports", limit=50)
    st.subheader("Import history")
    if not history:
        st.caption("Nothing imported yet.")
        return
    st.dataframe(history_table(history, by_id), width="stretch", hide_index=True)


def show_result(result: dict[str, Any]) -> None:
    """What one import did: imported, duplicates, refused with the reasons."""
    st.success(
        f"{result['file']} ({result['format']}): {result['imported']} imported, "
        f"{result['duplicates']} skipped as duplicates, {result['skipped']} refused."
    )
    errors = result.get("errors") or []
    if errors:
        with st.expander(f"Why {len(errors)} rows were refused", expanded=True):
            for reason in errors[:50]:
                st.markdown(f"- {reason}")


def history_table(history: list[dict[str, Any]], accounts: dict[int, Any]) -> pd.DataFrame:
    """Past imports with the account's name."""
    return pd.DataFrame(
        [
            {
                "When": str(h["created_at"])[:16].replace("T", " "),
                "File": h["file_name"],
                "Account": accounts.get(h["account_id"], {}).get("name", h["account_id"]),
                "Format": h["format"],
                "Status": h["status"],
                "Imported": h["n_imported"],
                "Duplicates": h["n_duplicates"],
                "Refused": h["n_skipped"],
                "Reasons": "; ".join((h.get("errors") or [])[:3]),
            }
            for h in history
        ]
    )
