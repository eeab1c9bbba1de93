"""First paint of every dashboard page after a data change, in a real browser.

The Quick start's main job (``fincast run``: API and dashboard over a fresh SQLite with the
demo data) runs on loopback; Debian's Chromium, driven by Playwright, signs in to the demo
account and then, for every page of the navigation and every round:

1. changes the ledger through the API (one transaction's category, toggled), so the data
   version moves and every cached answer of the dashboard and the API is stale;
2. clicks the page's link and times until Streamlit has finished the run that click
   started (its app root's script state goes from running back to not running) and the
   page's charts are drawn: the **first paint after a data change**;
3. clicks away and back without a change: the **repeat visit** (what caching buys).

Playwright and Chromium are needed (``pip install playwright``; ``apt-get install -y
chromium``); the command says so when they are missing.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from fincast.errors import ConfigError

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The issue's target for the first paint of any page after a data change (seconds).
TARGET_SECONDS = 3.0
_TIMEOUT_MS = 180_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def quick_start(data_dir: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """``fincast run`` over ``data_dir``: (API URL, dashboard URL, demo login), then stopped."""
    api_port, dash_port = _free_port(), _free_port()
    env = {**os.environ, "FINCAST_DATA_DIR": str(data_dir), "FINCAST_ENV": "development"}
    env.pop("FINCAST_DATABASE_URL", None)
    log_path = data_dir / "run.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fincast.cli.main", "run",
             "--api-port", str(api_port), "--dashboard-port", str(dash_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while "Dashboard" not in log_path.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise ConfigError(f"fincast run did not start: {log_path.read_text()[-1500:]}")
                time.sleep(1)
            login = json.loads((data_dir / "demo-credentials.json").read_text())
            yield f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{dash_port}", login
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


class LedgerToggle:
    """Changes the demo user's ledger on demand: one transaction's category, back and forth.

    Plain HTTP (``fincast.client`` is an entry point above the benchmarks).
    """

    def __init__(self, api_url: str, login: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=api_url, timeout=120)
        token = self.http.post(
            "/api/auth/token", data={"username": login["email"], "password": login["password"]}
        )
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        tx = self._get("/api/transactions", limit=1)["data"][0]
        cats = [c["id"] for c in self._get("/api/categories", limit=1000)["data"]]
        self.tx_id = int(tx["id"])
        self.original = tx["category_id"]
        self.other = next(c for c in cats if c != self.original)
        self.flipped = False

    def _get(self, path: str, **params: Any) -> Any:
        r = self.http.get(path, params=params)
        r.raise_for_status()
        return r.json()

    def change(self) -> None:
        """Move the data version: the transaction goes to the other category or back."""
        self.flipped = not self.flipped
        category = self.other if self.flipped else self.original
        r = self.http.patch(f"/api/transactions/{self.tx_id}", json={"category_id": category})
        r.raise_for_status()

    def close(self) -> None:
        """Put the transaction back where it was and close the connection."""
        if self.flipped:
            self.change()
        self.http.close()


# Streamlit marks its app root with the script's state; a run ends when "running" turns
# back to "notRunning". The observer catches runs too short to poll.
_WATCH_RUN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__fcSeen = false; window.__fcDone = false;
  if (window.__fcObserver) window.__fcObserver.disconnect();
  window.__fcObserver = new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') window.__fcSeen = true;
    else if (window.__fcSeen && state === 'notRunning') window.__fcDone = true;
  });
  window.__fcObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def _painted(page: Any) -> None:
    """Wait until the run the last action started is over and its charts are drawn."""
    page.wait_for_function("() => window.__fcDone === true", timeout=_TIMEOUT_MS)
    page.locator("h1, h2").first.wait_for(timeout=_TIMEOUT_MS)
    charts = page.locator(".js-plotly-plot")
    for i in range(charts.count()):
        charts.nth(i).locator(".main-svg").first.wait_for(timeout=_TIMEOUT_MS)


def _timed(action: Callable[[], None], page: Any) -> float:
    page.evaluate(_WATCH_RUN)
    start = time.perf_counter()
    action()
    _painted(page)
    return time.perf_counter() - start


def run(rounds: int = 3, *, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Time every page's first paint after a data change and its repeat visit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the install
        msg = "the dashboard benchmark needs Playwright: pip install playwright"
        raise ConfigError(msg) from exc
    if not CHROMIUM.exists():
        raise ConfigError(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with (
        tempfile.TemporaryDirectory(prefix="fincast-dash-bench-") as tmp,
        quick_start(Path(tmp)) as (api_url, dash_url, login),
    ):
        toggle = LedgerToggle(api_url, login)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    rows = _measure(browser, dash_url, toggle, rounds, progress)
                finally:
                    browser.close()
        finally:
            toggle.close()
    return _summary(rows, rounds)


def _measure(
    browser: Any,
    dash_url: str,
    toggle: LedgerToggle,
    rounds: int,
    progress: Callable[[int, int], None] | None,
) -> list[dict[str, Any]]:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(dash_url, wait_until="domcontentloaded")
    page.get_by_text("Demo account").wait_for(timeout=_TIMEOUT_MS)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=_TIMEOUT_MS
    )
    links = page.locator('[data-testid="stSidebarNav"] a')
    # A link's text is its icon's name and its title, on separate lines.
    titles = [t.strip().splitlines()[-1] for t in links.all_inner_texts() if t.strip()]
    if len(titles) < 2:
        raise ConfigError(f"the dashboard shows no navigation (found {titles})")
    rows: list[dict[str, Any]] = []
    total, done = rounds * len(titles), 0
    for _ in range(rounds):
        for i, title in enumerate(titles):
            away = titles[(i + 1) % len(titles)]
            link = page.get_by_role("link", name=title, exact=True)
            other = page.get_by_role("link", name=away, exact=True)
            # Start from another page so that the click is a page switch.
            _timed(other.click, page)
            toggle.change()
            first = _timed(link.click, page)
            _timed(other.click, page)
            repeat = _timed(link.click, page)
            rows.append({"page": title, "first_paint": first, "repeat_visit": repeat})
            done += 1
            if progress is not None:
                progress(done, total)
    page.close()
    return rows


def _summary(rows: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    pages: dict[str, dict[str, float]] = {}
    for title in dict.fromkeys(r["page"] for r in rows):
        mine = [r for r in rows if r["page"] == title]
        first = [r["first_paint"] for r in mine]
        repeat = [r["repeat_visit"] for r in mine]
        pages[title] = {
            "first_paint_median": round(statistics.median(first), 2),
            "first_paint_max": round(max(first), 2),
            "repeat_visit_median": round(statistics.median(repeat), 2),
        }
    worst = max(p["first_paint_max"] for p in pages.values())
    return {
        "rounds": rounds,
        "target_seconds": TARGET_SECONDS,
        "worst_first_paint": worst,
        "met": worst < TARGET_SECONDS,
        "load_average": round(os.getloadavg()[0], 1),
        "pages": pages,
    }


def to_markdown(report: dict[str, Any]) -> str:
    """The report as the table docs/benchmarks.md keeps."""
    lines = [
        "| page | first paint after a change, median (s) | max (s) | repeat visit, median (s) |",
        "|---|---|---|---|",
    ]
    for title, p in report["pages"].items():
        lines.append(
            f"| {title} | {p['first_paint_median']:.2f} | {p['first_paint_max']:.2f} | "
            f"{p['repeat_visit_median']:.2f} |"
        )
    verdict = "met" if report["met"] else "missed"
    lines.append("")
    lines.append(
        f"Worst first paint {report['worst_first_paint']:.2f} s against the "
        f"{report['target_seconds']:.0f} s target ({verdict}); {report['rounds']} rounds; "
        f"load average {report['load_average']} at the end."
    )
    return "\n".join(lines)
