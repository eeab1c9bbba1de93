"""The review controls the detection pages share: pick one, confirm, dismiss or undo."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from fincast.dashboard.session import DashboardApi, DashboardError

STATUS_LABEL = {"new": "to review", "confirmed": "confirmed", "dismissed": "dismissed"}


def review_controls(
    api: DashboardApi, labels: Mapping[int, str], *, write: str, key: str, noun: str
) -> None:
    """A picker over ``labels`` and three buttons that send ``client.<write>(id, status)``.

    ``key`` prefixes the widget keys (one set per page); ``noun`` labels the picker.
    """
    chosen = st.selectbox(noun, list(labels), format_func=labels.__getitem__, key=f"{key}_pick")
    confirm, dismiss, undo = st.columns(3)
    status = None
    if confirm.button("Confirm", key=f"{key}_confirm", width="stretch"):
        status = "confirmed"
    if dismiss.button("Dismiss", key=f"{key}_dismiss", width="stretch"):
        status = "dismissed"
    if undo.button("Back to review", key=f"{key}_undo", width="stretch"):
        status = "new"
    if status is None or chosen is None:
        return
    try:
        api.write(write, int(chosen), status)
    except DashboardError as exc:
        st.error(str(exc))
    else:
        st.session_state["_flash"] = f"{labels[chosen]}: {STATUS_LABEL[status]}."
        st.rerun()
