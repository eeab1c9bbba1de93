"""Import: preview a bank file, fix its column mapping, import it, and the history.

The file is first previewed (``POST /api/imports/preview``: nothing is written): the page
shows the detected format, how each column was read and how sure that is, the first rows as
they would be stored and what would be skipped. For a CSV the mapping can be changed and
checked again; importing with it keeps it for the account's next files when asked.
"""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd
import streamlit as st

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi, DashboardError

#: The API's upload limit (``FINCAST_MAX_UPLOAD_BYTES``); the dashboard's is set to match.
MAX_UPLOAD_MIB = 50
FORMATS = ("auto", "csv", "ofx", "qif", "camt", "mt940", "mint")
NONE = "(none)"
#: Column roles the user can set, with their labels.
ROLES: tuple[tuple[str, str], ...] = (
    ("date", "Date"),
    ("amount", "Amount (signed)"),
    ("debit", "Debit (money out)"),
    ("credit", "Credit (money in)"),
    ("direction", "Debit/credit word"),
    ("fee", "Fee (own transaction)"),
    ("payee", "Payee"),
    ("payee_from", "From (payee of money in)"),
    ("payee_to", "To (payee of money out)"),
    ("description", "Description"),
    ("currency", "Currency"),
    ("status", "Status"),
    ("type", "Type"),
    ("balance", "Balance"),
    ("external_id", "Transaction id"),
    ("account", "Account"),
)
_PREVIEW = "_import_preview"
_previews = itertools.count(1)


def render(api: DashboardApi) -> None:
    """The upload form, the preview with its mapping, the last result and the history."""
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
        submitted = st.form_submit_button("Preview", type="primary")
    if submitted:
        if upload is None:
            st.error("Choose a file first.")
        else:
            st.session_state.pop("_last_import", None)
            _preview(api, account, upload.getvalue(), upload.name, fmt, None)
    pending = st.session_state.get(_PREVIEW)
    if pending:
        show_preview(api, pending, by_id)
    result = st.session_state.get("_last_import")
    if result:
        show_result(result)
    history = data.rows(api, "imports", limit=50)
    st.subheader("Import history")
    if not history:
        st.caption("Nothing imported yet.")
        return
    st.dataframe(history_table(history, by_id), width="stretch", hide_index=True)


def _preview(
    api: DashboardApi,
    account: int,
    content: bytes,
    name: str,
    fmt: str,
    mapping: dict[str, Any] | None,
    *,
    create_accounts: bool = False,
) -> None:
    try:
        with st.spinner("Reading the file..."):
            preview = api.call(
                "preview_import", account, content, filename=name, format=fmt, mapping=mapping,
                create_accounts=create_accounts,
            )  # fmt: skip
    except DashboardError as exc:
        st.error(f"{name} cannot be previewed: {exc}")
        st.session_state.pop(_PREVIEW, None)
        return
    st.session_state[_PREVIEW] = {
        "n": next(_previews),
        "account": account,
        "content": content,
        "name": name,
        "format": fmt,
        "mapping": mapping,
        "preview": preview,
    }


def confidence_table(layout: dict[str, Any]) -> pd.DataFrame:
    """Role, column and confidence of each role the layout maps."""
    mapping = layout.get("mapping") or {}
    confidence = layout.get("confidence") or {}
    rows = []
    for role, label in ROLES:
        column = mapping.get(role)
        if not column:
            continue
        shown = ", ".join(column) if isinstance(column, list) else str(column)
        rows.append(
            {"Role": label, "Column": shown, "Confidence": f"{confidence.get(role, 1.0):.0%}"}
        )
    return pd.DataFrame(rows, columns=["Role", "Column", "Confidence"])


def show_preview(api: DashboardApi, pending: dict[str, Any], accounts: dict[int, Any]) -> None:
    """The preview of the chosen file, the mapping editor (CSV) and the import button."""
    preview: dict[str, Any] = pending["preview"]
    account = accounts.get(pending["account"], {})
    st.subheader(f"Preview of {preview['file']}")
    layout = preview.get("layout")
    kind = preview["format"].upper()
    if layout:
        how = {
            "inferred": "recognised from the file",
            "preset": f"the {layout.get('name')} preset",
            "mapping": "the mapping given",
        }
        source = how.get(layout["source"], layout["source"])
        if layout.get("name") == "saved":
            source = f"the saved mapping of {account.get('name', 'this account')}"
        st.markdown(f"**Format:** {kind}; columns: {source} (header on line "
                    f"{layout['header_line']}).")  # fmt: skip
        st.dataframe(confidence_table(layout), width="stretch", hide_index=True)
        for note in layout.get("notes") or []:
            st.caption(note)
        for unclear in layout.get("ambiguities") or []:
            st.warning(f"Unclear: {unclear}")
    else:
        st.markdown(f"**Format:** {kind}")
    if preview.get("error"):
        st.error(f"Would not import: {preview['error']}")
    for warning in preview.get("warnings") or []:
        st.warning(warning)
    if preview.get("rows"):
        st.markdown(
            f"**{preview['total']} transactions** would be added"
            + (f" into {', '.join(preview['accounts'])}" if preview.get("accounts") else "")
            + f"; the first {len(preview['rows'])}:"
        )
        st.dataframe(rows_table(preview["rows"]), width="stretch", hide_index=True)
    if preview.get("new_accounts"):
        st.info("New accounts would be created: " + ", ".join(preview["new_accounts"]))
    reasons = preview.get("skipped_reasons") or []
    if preview.get("skipped"):
        with st.expander(f"{preview['skipped']} rows would be skipped", expanded=False):
            for reason in reasons[:50]:
                st.markdown(f"- {reason}")
    mapping = _mapping_editor(pending, layout) if layout else None
    several = bool(preview.get("new_accounts")) or "match none of yours" in str(
        preview.get("error") or ""
    )
    with st.form(f"confirm-{pending['n']}"):
        create = st.checkbox(
            "Create the file's other accounts", value=False, disabled=not several,
            help="A multi-account file (Mint, OFX) whose accounts you have not.",
        )  # fmt: skip
        save = st.checkbox(
            f"Remember this mapping for {account.get('name', 'this account')}",
            value=True,
            disabled=not layout,
        )
        check_col, import_col = st.columns(2)
        check = check_col.form_submit_button("Check again", disabled=not layout and not several)
        go = import_col.form_submit_button("Import", type="primary")
    if check:
        _preview(api, pending["account"], pending["content"], pending["name"],
                 pending["format"], mapping, create_accounts=create)  # fmt: skip
        st.rerun()
    if go:
        _import(api, pending, mapping, save=save and mapping is not None, create=create)


def _mapping_editor(pending: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any] | None:
    """Selectboxes per role over the file's headers; returns the mapping they describe."""
    headers = [h for h in layout.get("headers") or [] if h]
    current = dict(layout.get("mapping") or {})
    chosen: dict[str, Any] = {}
    with st.expander("Column mapping", expanded=bool(layout.get("ambiguities"))):
        options = [NONE, *headers]
        cols = st.columns(3)
        for i, (role, label) in enumerate(ROLES):
            value = current.get(role)
            if role == "description":
                picked_many = cols[i % 3].multiselect(
                    label,
                    headers,
                    default=[v for v in value or [] if v in headers],
                    key=f"map-{pending['n']}-{role}",
                )
                if picked_many:
                    chosen[role] = picked_many
                continue
            index = options.index(value) if value in options else 0
            picked = cols[i % 3].selectbox(
                label, options, index=index, key=f"map-{pending['n']}-{role}"
            )
            if picked != NONE:
                chosen[role] = picked
        extra = st.columns(3)
        negate = extra[0].checkbox(
            "Flip every sign", value=bool(current.get("negate")), key=f"map-{pending['n']}-neg"
        )
        date_format = extra[1].text_input(
            "Date format (e.g. %d/%m/%Y)",
            value=str(current.get("date_format") or ""),
            key=f"map-{pending['n']}-df",
        )
        decimal = extra[2].selectbox(
            "Decimal separator",
            ["auto", ".", ","],
            index=["auto", ".", ","].index(current.get("decimal") or "auto"),
            key=f"map-{pending['n']}-dec",
        )
    if negate:
        chosen["negate"] = True
    if date_format.strip():
        chosen["date_format"] = date_format.strip()
    if decimal != "auto":
        chosen["decimal"] = decimal
    for key in ("delimiter", "encoding", "html_unescape"):
        if current.get(key):
            chosen[key] = current[key]
    return chosen


def _import(
    api: DashboardApi,
    pending: dict[str, Any],
    mapping: dict[str, Any] | None,
    *,
    save: bool,
    create: bool,
) -> None:
    name = pending["name"]
    try:
        with st.spinner("Importing..."):
            result = api.write(
                "upload_import", pending["account"], pending["content"], filename=name,
                format=pending["format"], mapping=mapping, save_mapping=save,
                create_accounts=create,
            )  # fmt: skip
    except DashboardError as exc:
        st.error(f"{name} was not imported: {exc}")
        return
    st.session_state.pop(_PREVIEW, None)
    st.session_state["_last_import"] = result
    st.rerun()


def rows_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The preview's rows as a table."""
    return pd.DataFrame(
        [
            {
                "Line": r.get("line"),
                "Account": r["account"],
                "Date": r["date"],
                "Amount": r["amount"],
                "Currency": r["currency"],
                "Payee": r.get("payee") or "",
                "Description": r.get("description") or "",
                "Category": r.get("category") or "",
                "Kind": r.get("kind") or "",
            }
            for r in rows
        ]
    )


def show_result(result: dict[str, Any]) -> None:
    """What one import did: imported, duplicates, refused with the reasons, and warnings."""
    st.success(
        f"{result['file']} ({result['format']}): {result['imported']} imported, "
        f"{result['duplicates']} skipped as duplicates, {result['skipped']} refused."
    )
    for warning in result.get("warnings") or []:
        st.warning(warning)
    if result.get("created_accounts"):
        st.info("Accounts created: " + ", ".join(result["created_accounts"]))
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
