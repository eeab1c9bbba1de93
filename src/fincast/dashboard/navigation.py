"""The dashboard's frame: page setup, sign-in state, the demo banner and one navigation.

One page runs at a time (``st.navigation``); every page is wrapped by :func:`guarded`,
which turns an unreachable API or an ended session into a message instead of a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from fincast.dashboard import session
from fincast.dashboard.session import ApiUnreachable, DashboardApi, DashboardError, SessionExpired
from fincast.dashboard.views import (
    accounts,
    anomalies,
    categories,
    debt_plan,
    forecast,
    health,
    imports,
    insights,
    overview,
    peers,
    plans,
    recurring,
    start,
    transactions,
)

Render = Callable[[DashboardApi], None]

# Streamlit's development chrome off: no Deploy button, no "made with" footer.
HIDE_CHROME = """
<style>
  [data-testid="stAppDeployButton"], #MainMenu, footer {display: none !important;}
  .block-container {padding-top: 2.2rem; padding-bottom: 1rem;}
</style>
"""


@dataclass(frozen=True)
class PageSpec:
    """One page of the navigation."""

    key: str
    title: str
    icon: str
    render: Render


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "Overview", ":material/dashboard:", overview.render),
    PageSpec("accounts", "Accounts", ":material/account_balance:", accounts.render),
    PageSpec("import", "Import", ":material/upload_file:", imports.render),
    PageSpec("transactions", "Transactions", ":material/receipt_long:", transactions.render),
    PageSpec("categories", "Categories & rules", ":material/label:", categories.render),
    PageSpec("recurring", "Subscriptions & bills", ":material/event_repeat:", recurring.render),
    PageSpec("anomalies", "Anomalies", ":material/report:", anomalies.render),
    PageSpec("forecast", "Forecast", ":material/trending_up:", forecast.render),
    PageSpec("insights", "Insights", ":material/insights:", insights.render),
    PageSpec("health", "Health", ":material/favorite:", health.render),
    PageSpec("peers", "Peers", ":material/groups:", peers.render),
    PageSpec("budgets", "Budgets", ":material/savings:", plans.budgets),
    PageSpec("goals", "Goals & debts", ":material/flag:", plans.goals_and_debts),
    PageSpec("debt-plan", "Debt plan", ":material/credit_score:", debt_plan.render),
)
#: The navigation's sections, in order, by page key (every page in exactly one).
SECTIONS: dict[str, tuple[str, ...]] = {
    "Your money": ("overview", "accounts", "import", "transactions", "categories"),
    "Spotted for you": ("recurring", "anomalies"),
    "Ahead": ("forecast", "insights", "health", "peers"),
    "Plans": ("budgets", "goals", "debt-plan"),
}
BY_KEY = {p.key: p for p in PAGES}


def setup() -> None:
    """Page config and hidden chrome; called first on every run."""
    st.set_page_config(page_title="fincast", page_icon="📈", layout="wide")
    st.set_option("client.toolbarMode", "minimal")
    st.markdown(HIDE_CHROME, unsafe_allow_html=True)


def current_api() -> DashboardApi | None:
    """The signed-in session, signing in to the demo account once when it is configured."""
    api: DashboardApi | None = st.session_state.get("api")
    if api is not None:
        return api
    email = os.environ.get("FINCAST_DASHBOARD_EMAIL", "")
    password = os.environ.get("FINCAST_DASHBOARD_PASSWORD", "")
    if email and password and not st.session_state.get("_demo_tried"):
        st.session_state["_demo_tried"] = True
        try:
            api = session.connect(start.api_url(), email, password, demo=True)
        except ApiUnreachable as exc:
            # The API may still be starting: try again on the next run.
            st.session_state["_demo_tried"] = False
            st.session_state["_notice"] = f"The demo sign-in did not work: {exc}"
            return None
        except DashboardError as exc:
            st.session_state["_notice"] = f"The demo sign-in did not work: {exc}"
            return None
        st.session_state["api"] = api
    return api


def sign_out(notice: str | None = None) -> None:
    """End the session; the sign-in page shows ``notice``."""
    api: DashboardApi | None = st.session_state.pop("api", None)
    if api is not None:
        api.close()
    for key in [k for k in st.session_state if k.startswith(("_monthly", "_last_import", "tx_"))]:
        del st.session_state[key]
    if notice:
        st.session_state["_notice"] = notice


def guarded(spec: PageSpec) -> Callable[[], None]:
    """``spec.render`` with the session passed in and failures shown as messages."""

    def page() -> None:
        api = st.session_state.get("api")
        if api is None:
            start.render()
            return
        flash = st.session_state.pop("_flash", None)
        if flash:
            st.success(flash)
        try:
            spec.render(api)
        except SessionExpired as exc:
            sign_out(str(exc))
            st.rerun()
        except ApiUnreachable as exc:
            st.error(str(exc))
            if st.button("Try again"):
                st.rerun()
        except DashboardError as exc:
            st.error(str(exc))

    page.__name__ = spec.key
    return page


def sidebar(api: DashboardApi) -> None:
    """Who is signed in, the demo banner and the way out."""
    with st.sidebar:
        st.markdown(f"Signed in as **{api.email}**")
        if st.button("Sign out", width="stretch"):
            sign_out()
            st.rerun()
    if api.demo:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.info(
            f"**Demo account** ({api.email}): sample data to look around with.",
            icon=":material/science:",
        )
        if right.button("Leave the demo", width="stretch"):
            sign_out("You left the demo account. Sign in or create your own account.")
            st.rerun()


def main() -> None:
    """Render the dashboard: the sign-in page, or the signed-in navigation."""
    setup()
    api = current_api()
    if api is None:
        # Every page's address leads to the sign-in form, and to that page once signed in.
        gate = [st.Page(start.render, title="Sign in", url_path="sign-in", default=True)]
        gate += [st.Page(_gate(p.key), title="Sign in", url_path=p.key) for p in PAGES]
        st.navigation(gate, position="hidden").run()
        return
    sidebar(api)
    pages = {
        p.key: st.Page(guarded(p), title=p.title, icon=p.icon, url_path=p.key, default=i == 0)
        for i, p in enumerate(PAGES)
    }
    sections = {name: [pages[key] for key in keys] for name, keys in SECTIONS.items()}
    # expanded: every page listed, not the first ten and a "View more" button.
    st.navigation(sections, expanded=True).run()


def _gate(key: str) -> Callable[[], None]:
    def page() -> None:
        start.render()

    page.__name__ = f"sign_in_{key}"
    return page


def run_page(key: str) -> None:
    """Run one page alone with the session in ``st.session_state["api"]`` (for tests)."""
    setup()
    api = st.session_state.get("api")
    if api is not None:
        sidebar(api)
    guarded(BY_KEY[key])()
